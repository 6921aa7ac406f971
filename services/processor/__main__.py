"""`python -m services.processor`: consume and profile jobs until SIGTERM (then drain)."""

import signal

from services.processor.app import ProcessorApp
from sluice.runtime import configure_logging, load_settings
from sluice.settings import ProcessorSettings


def main() -> None:
    settings = load_settings(ProcessorSettings)
    configure_logging(settings.log_level)
    app = ProcessorApp(settings)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: app.worker.request_drain())
    app.run()


if __name__ == "__main__":
    main()
