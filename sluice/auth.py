"""API keys: creation, hashed storage and look-up of the caller's tenant.

Keys are 256-bit random tokens, so a single SHA-256 is a safe at-rest hash (no password
stretching needed); only the hash and a short display prefix are stored.
"""

from __future__ import annotations

import contextvars
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass

from sluice.db import Pool
from sluice.errors import Unauthenticated

KEY_PREFIX = "slk_"


@dataclass(frozen=True)
class Caller:
    """Who is calling: resolved from the API key by the server interceptor."""

    tenant: str
    key_prefix: str


_CALLER: contextvars.ContextVar[Caller] = contextvars.ContextVar("sluice_caller")


def current_caller() -> Caller:
    """The authenticated caller of the RPC being served (set by the auth interceptor)."""
    try:
        return _CALLER.get()
    except LookupError:
        raise Unauthenticated("no authenticated caller for this call") from None


def set_caller(caller: Caller) -> contextvars.Token[Caller]:
    return _CALLER.set(caller)


def reset_caller(token: contextvars.Token[Caller]) -> None:
    _CALLER.reset(token)


def hash_key(key: str) -> bytes:
    return hashlib.sha256(key.encode()).digest()


def create_api_key(pool: Pool, tenant: str, *, description: str = "") -> str:
    """Create the tenant if needed and a new key for it; returns the key (shown once, never stored)."""
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with pool.connection() as conn:
        conn.execute("INSERT INTO tenants (id) VALUES (%s) ON CONFLICT DO NOTHING", (tenant,))
        conn.execute(
            "INSERT INTO api_keys (key_hash, prefix, tenant_id, description) VALUES (%s, %s, %s, %s)",
            (hash_key(key), key[:10], tenant, description),
        )
    return key


class Authenticator:
    """Resolves `authorization: Bearer KEY` to a Caller, caching hits briefly in process."""

    def __init__(self, *, pool: Pool, cache_seconds: float = 30.0):
        self._pool = pool
        self._cache_seconds = cache_seconds
        self._cache: dict[bytes, tuple[float, Caller]] = {}
        self._lock = threading.Lock()

    def authenticate(self, authorization: str | None) -> Caller:
        if not authorization:
            raise Unauthenticated("missing `authorization: Bearer API_KEY` metadata", reason="API_KEY_MISSING")
        scheme, _, key = authorization.partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise Unauthenticated("authorization must be `Bearer API_KEY`", reason="API_KEY_MALFORMED")
        digest = hash_key(key.strip())
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(digest)
        if hit and hit[0] > now:
            return hit[1]
        with self._pool.connection() as conn:
            row = conn.execute(
                "SELECT tenant_id, prefix FROM api_keys WHERE key_hash = %s AND revoked_at IS NULL", (digest,)
            ).fetchone()
        if row is None:
            raise Unauthenticated("the API key is not valid", reason="API_KEY_INVALID")
        caller = Caller(tenant=row["tenant_id"], key_prefix=row["prefix"])
        with self._lock:
            self._cache[digest] = (now + self._cache_seconds, caller)
        return caller
