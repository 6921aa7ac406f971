"""`python -m services.ingest`: run the ingest service until SIGTERM."""

from services.ingest.app import IngestApp
from sluice.runtime import bootstrap, wait_for_signal
from sluice.settings import IngestSettings


def main() -> None:
    settings, telemetry = bootstrap(IngestSettings, service="ingest")
    app = IngestApp(settings, telemetry=telemetry)
    app.start()
    wait_for_signal()
    app.stop()
    telemetry.shutdown()


if __name__ == "__main__":
    main()
