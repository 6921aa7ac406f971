"""`python -m services.ingest`: run the ingest service until SIGTERM."""

from services.ingest.app import IngestApp
from sluice.runtime import configure_logging, load_settings, wait_for_signal
from sluice.settings import IngestSettings


def main() -> None:
    settings = load_settings(IngestSettings)
    configure_logging(settings.log_level)
    app = IngestApp(settings)
    app.start()
    wait_for_signal()
    app.stop()


if __name__ == "__main__":
    main()
