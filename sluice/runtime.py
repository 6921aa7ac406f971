"""Process plumbing shared by every service: logging, and running until SIGTERM/SIGINT."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from typing import TypeVar

from pydantic import ValidationError
from pydantic_settings import BaseSettings

T = TypeVar("T", bound=BaseSettings)


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level,
        format="%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s",
        stream=sys.stderr,
        force=True,
    )
    logging.getLogger("kafka").setLevel(logging.WARNING)
    logging.getLogger("botocore").setLevel(logging.WARNING)


def wait_for_signal() -> None:
    """Block until SIGTERM or SIGINT."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    while not stop.wait(3600):
        pass


def load_settings(factory: type[T]) -> T:
    """Build the settings or exit with every bad variable named (no traceback for a config error)."""
    try:
        return factory()
    except ValidationError as error:
        lines = [f"  SLUICE_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in error.errors()]
        raise SystemExit("invalid configuration:\n" + "\n".join(lines)) from None
