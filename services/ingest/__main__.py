"""`python -m services.ingest`: run the ingest service until SIGTERM."""

from services.ingest.app import IngestApp
from sluice.runtime import configure_logging, load_settings, wait_for_signal
from sluice.settings import IngestSettings
from sluice.telemetry import Telemetry


def main() -> None:
    settings = load_settings(IngestSettings)
    configure_logging(settings.log_level, fmt=settings.log_format, service="ingest")
    telemetry = Telemetry.from_environment(
        service_name="sluice-ingest",
        metrics_host=settings.metrics_host,
        metrics_port=settings.metrics_port,
        trace_file=settings.trace_file,
    )
    app = IngestApp(settings, telemetry=telemetry)
    app.start()
    wait_for_signal()
    app.stop()
    telemetry.shutdown()


if __name__ == "__main__":
    main()
