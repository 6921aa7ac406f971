"""`python -m services.status`: serve job status until SIGTERM."""

from services.status.app import StatusApp
from sluice.runtime import configure_logging, load_settings, wait_for_signal
from sluice.settings import StatusSettings


def main() -> None:
    settings = load_settings(StatusSettings)
    configure_logging(settings.log_level)
    app = StatusApp(settings)
    app.start()
    wait_for_signal()
    app.stop()


if __name__ == "__main__":
    main()
