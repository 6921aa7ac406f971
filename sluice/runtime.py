"""Process plumbing shared by every service: settings, logging, and running until SIGTERM/SIGINT."""

from __future__ import annotations

import faulthandler
import logging
import signal
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

from opentelemetry import trace
from pydantic import ValidationError
from pydantic_settings import BaseSettings
from pythonjsonlogger.json import JsonFormatter

from sluice.settings import CommonSettings
from sluice.telemetry import Telemetry, current_job

T = TypeVar("T", bound=BaseSettings)
S = TypeVar("S", bound=CommonSettings)


class TraceContextFilter(logging.Filter):
    """Adds trace_id, span_id (of the current span) and job_id (of the job being handled) to records."""

    def __init__(self, service: str):
        super().__init__()
        self._service = service

    def filter(self, record: logging.LogRecord) -> bool:
        span = trace.get_current_span().get_span_context()
        record.trace_id = format(span.trace_id, "032x") if span.is_valid else ""
        record.span_id = format(span.span_id, "016x") if span.is_valid else ""
        record.job_id = current_job.get()
        record.service = self._service
        return True


def configure_logging(level: str, *, fmt: str = "text", service: str = "sluice") -> None:
    """JSON lines (for log pipelines: every line of a job carries its job and trace ids) or text."""
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(TraceContextFilter(service))
    if fmt == "json":
        handler.setFormatter(
            JsonFormatter(
                "%(levelname)s %(name)s %(message)s %(service)s %(job_id)s %(trace_id)s %(span_id)s",
                rename_fields={"levelname": "level", "name": "logger"},
                timestamp="time",
            )
        )
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s"))
    logging.basicConfig(level=level, handlers=[handler], force=True)
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


def bootstrap(factory: type[S], *, service: str, instance_id: Callable[[S], str] | None = None) -> tuple[S, Telemetry]:
    """What every service process does first: settings (or exit naming the bad variable), logging,
    then telemetry (before any connection is opened, so every connection is traced)."""
    settings = load_settings(factory)
    configure_logging(settings.log_level, fmt=settings.log_format, service=service)
    # SIGUSR1 writes every thread's stack to stderr (the log): how to see where a process hangs, e.g. one
    # that does not act on SIGTERM (the local stack sends it before giving up and killing the process).
    faulthandler.register(signal.SIGUSR1, file=sys.stderr, all_threads=True)
    telemetry = Telemetry.from_environment(
        service_name=f"sluice-{service}",
        metrics_host=settings.metrics_host,
        metrics_port=settings.metrics_port,
        trace_file=settings.trace_file,
        resource_attributes={"service.instance.id": instance_id(settings)} if instance_id else None,
    )
    return settings, telemetry
