"""API keys and roles: who the caller is and what they may do."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
import weakref
from dataclasses import dataclass
from typing import Any

from evalguard_core.errors import (
    AuthenticationError,
    NotFoundError,
    PermissionDeniedError,
    ValidationError,
)
from evalguard_core.store import DEFAULT_ORG_ID, Scope, Store
from evalguard_core.store import keys as sql
from evalguard_core.store import orgs as orgs_sql

ROLES = ("viewer", "annotator", "admin")
_RANK = {role: i for i, role in enumerate(ROLES)}
KEY_PREFIX = "eg_"


@dataclass(frozen=True)
class Actor:
    """The authenticated caller: a key's name (the identity on labels), role and organization."""

    name: str
    role: str
    org_id: str
    org_name: str = "default"
    key_id: str | None = None

    def can(self, role: str) -> bool:
        """Whether this actor's role is at least `role`."""
        return _RANK[self.role] >= _RANK[role]

    def require(self, role: str) -> None:
        """Raise PermissionDeniedError unless the actor has at least `role`."""
        if not self.can(role):
            raise PermissionDeniedError(
                f"this needs the {role} role; the key {self.name!r} is {self.role}",
                details={"required_role": role, "role": self.role},
            )


LOCAL_ACTOR = Actor(name="local", role="admin", org_id=DEFAULT_ORG_ID)


def hash_key(key: str) -> str:
    """SHA-256 of a key: keys are long random tokens, so a fast hash is the right one."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def resolve_org(store: Store, org: str | None) -> dict[str, Any]:
    """An organization by id or name (the default one when None)."""
    found = orgs_sql.find_org(store, org or DEFAULT_ORG_ID)
    if found is None:
        raise NotFoundError(f"organization {org!r} not found", details={"org": org})
    return found


def create_key(store: Store, *, name: str, role: str, org: str | None = None) -> dict[str, Any]:
    """Create an API key; the plain key is returned once and only its hash is stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("a key needs a name", details={"field": "name"})
    if role not in ROLES:
        raise ValidationError(
            f"role must be one of {', '.join(ROLES)}", details={"field": "role", "value": role}
        )
    organization = resolve_org(store, org)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    _forget_keys()
    row = sql.insert_key(
        store.scope(organization["org_id"]),
        name=name,
        role=role,
        key_hash=hash_key(key),
        prefix=key[:10],
    )
    return {**row, "org": organization["name"], "key": key}


# Keys are looked up on every request. On a DuckDB file the one server process is the only
# writer of keys while it holds the file (the CLI cannot open it then), so a per-store cache
# cleared on every create and revoke in this process is exact; the TTL only bounds memory of keys
# nobody uses any more. On a shared database another replica (or the CLI) may revoke a key, so
# a lookup is trusted for SHARED_KEY_TTL only: a revoked key is refused everywhere within 1 s.
_KEY_CACHE_TTL = 60.0
SHARED_KEY_TTL = 0.5
_key_cache: weakref.WeakKeyDictionary[Any, dict[str, tuple[float, Actor]]] = (
    weakref.WeakKeyDictionary()
)
_key_cache_lock = threading.Lock()


def _forget_keys() -> None:
    """Drop cached key lookups (after a key is created or revoked)."""
    with _key_cache_lock:
        _key_cache.clear()


def _cache_hit(store: Store, digest: str) -> Actor | None:
    """The cached actor for a key hash if it is still fresh."""
    with _key_cache_lock:
        hit = _key_cache.get(store.db, {}).get(digest)
    ttl = SHARED_KEY_TTL if store.db.shared else _KEY_CACHE_TTL
    if hit is not None and time.monotonic() - hit[0] < ttl:
        return hit[1]
    return None


def cached_actor(store: Store, key: str | None) -> Actor | None:
    """The actor behind a key if it was authenticated recently (no database access), else None."""
    return _cache_hit(store, hash_key(key.strip())) if key else None


def authenticate(store: Store, key: str | None) -> Actor:
    """The actor behind a Bearer key, or AuthenticationError."""
    if not key:
        raise AuthenticationError("missing API key: send 'Authorization: Bearer <key>'")
    digest = hash_key(key.strip())
    actor = _cache_hit(store, digest)
    if actor is not None:
        return actor
    now = time.monotonic()
    row = sql.find_key_by_hash(store, digest)
    if row is None:
        raise AuthenticationError("invalid or revoked API key")
    actor = Actor(
        name=row["name"],
        role=row["role"],
        org_id=row["org_id"],
        org_name=row["org_name"],
        key_id=row["key_id"],
    )
    with _key_cache_lock:
        per_store = _key_cache.setdefault(store.db, {})
        if len(per_store) > 10_000:
            per_store.clear()
        per_store[digest] = (now, actor)
    return actor


def sign_in_required(store: Store) -> bool:
    """Sign-in is on as soon as the store has a live key; otherwise local single-user mode."""
    return sql.count_live_keys(store) > 0


def list_keys(scope: Scope) -> list[dict[str, Any]]:
    """The organization's keys (no hashes)."""
    return sql.list_keys(scope)


def revoke_key(scope: Scope, key_id: str, *, actor: Actor | None = None) -> None:
    """Revoke one of the organization's keys (not the one the actor is signed in with)."""
    if actor is not None and actor.key_id == key_id:
        raise ValidationError(
            "you cannot revoke the key you are signed in with", details={"field": "key_id"}
        )
    _forget_keys()
    if not sql.revoke_key(scope, key_id):
        raise NotFoundError(f"key {key_id} not found", details={"key_id": key_id})
