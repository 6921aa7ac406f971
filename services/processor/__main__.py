"""`python -m services.processor`: consume and profile jobs until SIGTERM (then drain)."""

import logging
import signal

from services.processor import memory
from services.processor.app import ProcessorApp, worker_id_of
from sluice.runtime import bootstrap
from sluice.settings import ProcessorSettings

log = logging.getLogger(__name__)


def main() -> None:
    settings, telemetry = bootstrap(ProcessorSettings, service="processor", instance_id=worker_id_of)
    log.info("Arrow memory pool: %s", memory.use_jemalloc())  # before any Arrow buffer exists
    app = ProcessorApp(settings, telemetry=telemetry)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: app.worker.request_drain())
    try:
        app.run()
    finally:
        telemetry.shutdown()


if __name__ == "__main__":
    main()
