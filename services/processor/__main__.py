"""`python -m services.processor`: consume and profile jobs until SIGTERM (then drain)."""

import signal

from opentelemetry.semconv.resource import ResourceAttributes

from services.processor.app import ProcessorApp, worker_id_of
from sluice.runtime import configure_logging, load_settings
from sluice.settings import ProcessorSettings
from sluice.telemetry import Telemetry


def main() -> None:
    settings = load_settings(ProcessorSettings)
    configure_logging(settings.log_level, fmt=settings.log_format, service="processor")
    telemetry = Telemetry.from_environment(
        service_name="sluice-processor",
        metrics_host=settings.metrics_host,
        metrics_port=settings.metrics_port,
        trace_file=settings.trace_file,
        resource_attributes={ResourceAttributes.SERVICE_INSTANCE_ID: worker_id_of(settings)},
    )
    app = ProcessorApp(settings, telemetry=telemetry)
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: app.worker.request_drain())
    try:
        app.run()
    finally:
        telemetry.shutdown()


if __name__ == "__main__":
    main()
