"""PostgreSQL: the connection pool and the schema migrations (applied in order, recorded)."""

from __future__ import annotations

import importlib.resources
import logging
from typing import Any, cast

import psycopg
from psycopg.rows import DictRow, dict_row
from psycopg_pool import ConnectionPool

from sluice.telemetry import quiet

log = logging.getLogger(__name__)

# Any fixed 64-bit number: serialises concurrent migrators (several replicas starting at once).
_MIGRATION_LOCK = 0x51_1C_E0_01

# Every pool hands out connections whose rows are dicts.
Pool = ConnectionPool[psycopg.Connection[DictRow]]


def _check_quietly(conn: psycopg.Connection[Any]) -> None:
    """The pool's liveness check on checkout, kept out of traces (it is not the caller's work)."""
    with quiet():
        ConnectionPool.check_connection(conn)


def create_pool(url: str, *, max_size: int = 8, name: str = "sluice") -> Pool:
    """A pool whose connections return rows as dicts; opened and checked before it is returned."""
    pool = ConnectionPool(
        url,
        min_size=1,
        max_size=max_size,
        kwargs={"row_factory": dict_row, "autocommit": False},
        name=name,
        open=False,
        check=_check_quietly,
    )
    pool.open(wait=True, timeout=30)
    return cast(Pool, pool)


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every bundled migration, in order."""
    found = []
    for entry in importlib.resources.files("sluice.migrations").iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            found.append((version, entry.name, entry.read_text()))
    return sorted(found)


def migrate(url: str) -> list[str]:
    """Apply the migrations not yet recorded; returns the names applied. Safe to run concurrently."""
    applied: list[str] = []
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
        try:
            conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " version int PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
            for version, name, sql in migrations():
                if version in done:
                    continue
                with conn.transaction():
                    conn.execute(sql.encode())
                    conn.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", (version, name))
                log.info("applied migration %s", name)
                applied.append(name)
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))
    return applied


def ensure_database(url: str) -> None:
    """Create the URL's database if the server lacks it (first start of a fresh server)."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    dbname = str(info.get("dbname") or "postgres")
    admin_url = psycopg.conninfo.make_conninfo(url, dbname="postgres")
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (dbname,)).fetchone() is None:
            conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(dbname)))
