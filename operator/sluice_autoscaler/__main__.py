"""`sluice-autoscaler kube` runs the operator against the cluster of KUBECONFIG (or the pod's service
account); `sluice-autoscaler local` runs the same loop over the local stack's processor processes."""

from __future__ import annotations

import argparse
import asyncio

from sluice.runtime import bootstrap
from sluice.settings import AutoscalerSettings


def run_kube() -> None:
    import kopf

    from sluice_autoscaler import handlers  # noqa: F401  (registers the handlers)
    from sluice_autoscaler.observe import AutoscalerMetrics

    settings, telemetry = bootstrap(AutoscalerSettings, service="autoscaler")
    namespaces = [n.strip() for n in settings.autoscaler_namespaces.split(",") if n.strip()]
    memo = kopf.Memo(metrics=AutoscalerMetrics(telemetry.meter_provider.get_meter("sluice.autoscaler")))
    try:
        asyncio.run(kopf.operator(standalone=True, clusterwide=not namespaces, namespaces=namespaces, memo=memo))
    finally:
        telemetry.shutdown()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="sluice-autoscaler", description=__doc__)
    parser.add_argument("mode", choices=["kube", "local"], help="drive a Deployment (kube) or local processors")
    args = parser.parse_args(argv)
    if args.mode == "kube":
        run_kube()
    else:
        from sluice_autoscaler.local import run_local

        run_local()


if __name__ == "__main__":
    main()
