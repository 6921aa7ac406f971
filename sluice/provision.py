"""What every service expects to exist before it starts: the schema, the topics and the bucket.

Each step is idempotent, so this runs on every install and upgrade: `python -m sluice.provision` (the Helm
chart's pre-install/pre-upgrade Job, with the services' own SLUICE_* settings) and the local stack's
`prepare`. Migrations take a PostgreSQL advisory lock, so two runs at once apply each migration once.
`python -m sluice.provision --create-api-key TENANT` prints a new API key for a tenant instead (only its
hash is stored, so it is shown this once).
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from sluice import auth, db, kafka, objectstore
from sluice.runtime import configure_logging, load_settings
from sluice.settings import ProvisionSettings

log = logging.getLogger("sluice.provision")


def provision(
    *,
    database_url: str,
    kafka_bootstrap: str,
    topics: list[str],
    s3: Any,
    bucket: str,
    partitions: int = 6,
    replication: int = 1,
    create_database: bool = True,
) -> list[str]:
    """Provision everything; returns the migrations applied now (empty when the schema was current)."""
    if create_database:
        db.ensure_database(database_url)
    applied = db.migrate(database_url)
    kafka.ensure_topics(kafka_bootstrap, topics, partitions=partitions, replication=replication)
    objectstore.ensure_bucket(s3, bucket)
    return applied


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sluice.provision", description=__doc__.split("\n\n")[0])
    parser.add_argument("--create-api-key", metavar="TENANT", help="print a new API key for TENANT and do nothing else")
    parser.add_argument("--description", default="", help="what the new key is for (stored with it)")
    args = parser.parse_args(argv)
    settings = load_settings(ProvisionSettings)
    configure_logging(settings.log_level, fmt=settings.log_format, service="provision")
    if args.create_api_key:
        pool = db.create_pool(settings.database_url, max_size=1, name="provision")
        try:
            print(auth.create_api_key(pool, args.create_api_key, description=args.description))
        finally:
            pool.close()
        return 0
    s3 = objectstore.s3_client_for(settings)
    applied = provision(
        database_url=settings.database_url,
        kafka_bootstrap=settings.kafka_bootstrap,
        topics=[settings.jobs_topic, settings.dlq_topic],
        s3=s3,
        bucket=settings.bucket,
        partitions=settings.topic_partitions,
        replication=settings.topic_replication,
        create_database=settings.create_database,
    )
    log.info(
        "provisioned: migrations applied %s, topics %s, bucket %s",
        applied or "none",
        settings.jobs_topic,
        settings.bucket,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
