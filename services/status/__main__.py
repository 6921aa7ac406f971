"""`python -m services.status`: serve job status until SIGTERM."""

from services.status.app import StatusApp
from sluice.runtime import configure_logging, load_settings, wait_for_signal
from sluice.settings import StatusSettings
from sluice.telemetry import Telemetry


def main() -> None:
    settings = load_settings(StatusSettings)
    configure_logging(settings.log_level, fmt=settings.log_format, service="status")
    telemetry = Telemetry.from_environment(
        service_name="sluice-status",
        metrics_host=settings.metrics_host,
        metrics_port=settings.metrics_port,
        trace_file=settings.trace_file,
    )
    app = StatusApp(settings, telemetry=telemetry)
    app.start()
    wait_for_signal()
    app.stop()
    telemetry.shutdown()


if __name__ == "__main__":
    main()
