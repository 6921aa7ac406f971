"""`python -m services.status`: serve job status until SIGTERM."""

from services.status.app import StatusApp
from sluice.runtime import bootstrap, wait_for_signal
from sluice.settings import StatusSettings


def main() -> None:
    settings, telemetry = bootstrap(StatusSettings, service="status")
    app = StatusApp(settings, telemetry=telemetry)
    app.start()
    wait_for_signal()
    app.stop()
    telemetry.shutdown()


if __name__ == "__main__":
    main()
