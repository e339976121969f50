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
    ConflictError,
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
MAX_NAME_CHARS = 200


@dataclass(frozen=True)
class Actor:
    """The authenticated caller: a key's name (the identity on labels), role and organization."""

    name: str
    role: str
    org_id: str
    org_name: str = "default"
    key_id: str | None = None

    @property
    def blind(self) -> bool:
        """Raters label blind: an annotator never receives judge verdicts or others' labels."""
        return self.role == "annotator"

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


def require_sighted(actor: Actor | None, what: str) -> None:
    """PermissionDeniedError when a blind rater asks for judge verdicts or others' labels."""
    if actor is not None and actor.blind:
        raise PermissionDeniedError(
            f"raters label blind: the annotator role cannot see {what}",
            details={"reason": "blind_rater", "role": actor.role},
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
    if len(name) > MAX_NAME_CHARS:
        raise ValidationError(
            f"a key name has at most {MAX_NAME_CHARS} characters", details={"field": "name"}
        )
    organization = resolve_org(store, org)
    scope = store.scope(organization["org_id"])
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    duplicate = ConflictError(
        f"a live key named {name!r} already exists in organization {organization['name']!r}: "
        "key names are the identity on labels, pick another name (or revoke the old key first)",
        details={"field": "name", "reason": "duplicate_name"},
    )
    if sql.live_name_exists(scope, name):
        raise duplicate
    forget_cached_keys()
    try:
        row = sql.insert_key(scope, name=name, role=role, key_hash=hash_key(key), prefix=key[:10])
    except sql.DuplicateName:  # a concurrent create won the unique index
        raise duplicate from None
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


_generation = [0]  # bumped by every create/revoke: a lookup that raced one is not cached


def forget_cached_keys() -> None:
    """Drop cached key lookups (after a key is created or revoked)."""
    with _key_cache_lock:
        _key_cache.clear()
        _generation[0] += 1


def _cache_hit(store: Store, digest: str, *, ttl: float | None = None) -> Actor | None:
    """The cached actor for a key hash if it is still fresh (`ttl`: how fresh it must be)."""
    with _key_cache_lock:
        hit = _key_cache.get(store.db, {}).get(digest)
    if ttl is None:
        ttl = SHARED_KEY_TTL if store.db.shared else _KEY_CACHE_TTL
    if hit is not None and time.monotonic() - hit[0] < ttl:
        return hit[1]
    return None


def cached_actor(store: Store, key: str | None) -> Actor | None:
    """The actor behind a key if it was authenticated recently (no database access), else None."""
    return _cache_hit(store, hash_key(key.strip())) if key else None


def known_key(store: Store, key: str | None) -> bool:
    """Whether a key authenticated in the last minute (the failed-auth gate lets it through).

    Only a hint for the gate: the request is still authenticated, and on a shared database
    `authenticate` re-reads a key older than SHARED_KEY_TTL, so a revoked key gets its 401.
    """
    return (
        bool(key) and _cache_hit(store, hash_key(str(key).strip()), ttl=_KEY_CACHE_TTL) is not None
    )


def authenticate(store: Store, key: str | None) -> Actor:
    """The actor behind a Bearer key, or AuthenticationError."""
    if not key:
        raise AuthenticationError("missing API key: send 'Authorization: Bearer <key>'")
    digest = hash_key(key.strip())
    actor = _cache_hit(store, digest)
    if actor is not None:
        return actor
    now, generation = time.monotonic(), _generation[0]
    row = sql.find_key_by_hash(store, digest)
    if row is None:
        raise AuthenticationError("invalid or revoked API key")
    actor = _actor(row)
    _remember(store, digest, actor, now, generation)
    return actor


def _actor(row: dict[str, Any]) -> Actor:
    """The actor of a key row."""
    return Actor(
        name=row["name"],
        role=row["role"],
        org_id=row["org_id"],
        org_name=row["org_name"],
        key_id=row["key_id"],
    )


def _remember(store: Store, digest: str, actor: Actor, when: float, generation: int) -> None:
    """Cache a lookup that started at `when`, unless a create/revoke happened since it began."""
    with _key_cache_lock:
        if generation != _generation[0]:
            return
        per_store = _key_cache.setdefault(store.db, {})
        if len(per_store) > 10_000:
            per_store.clear()
        per_store[digest] = (when, actor)


def sign_in_required(store: Store) -> bool:
    """Sign-in is on once the store has had a key; revoking keys never reopens local mode."""
    return sql.count_keys(store) > 0


def actor_for_key_id(store: Store, key_id: str) -> Actor | None:
    """The actor of a live key by id (a UI session re-checks its key on every rerun), or None.

    Served from the same cache as `authenticate`, which every create and revoke clears.
    """
    digest = "id:" + key_id
    hit = _cache_hit(store, digest)
    if hit is not None:
        return hit
    now, generation = time.monotonic(), _generation[0]
    row = sql.find_key_by_id(store, key_id)
    if row is None:
        return None
    actor = _actor(row)
    _remember(store, digest, actor, now, generation)
    return actor


def list_keys(scope: Scope) -> list[dict[str, Any]]:
    """The organization's keys (no hashes)."""
    return sql.list_keys(scope)


def revoke_key(scope: Scope, key_id: str, *, actor: Actor | None = None) -> None:
    """Revoke one of the organization's keys (not the one the actor is signed in with)."""
    if actor is not None and actor.key_id == key_id:
        raise ValidationError(
            "you cannot revoke the key you are signed in with", details={"field": "key_id"}
        )
    with _revoke_lock, scope.db.atomic():
        key = sql.live_key(scope, key_id)
        if key is None:
            raise NotFoundError(f"key {key_id} not found", details={"key_id": key_id})
        if key["role"] == "admin" and sql.count_live_admins(scope) <= 1:
            raise ConflictError(
                f"{key['name']!r} is the organization's last active admin key; create another "
                "admin key first, so someone can still manage the organization",
                details={"field": "key_id", "reason": "last_admin"},
            )
        forget_cached_keys()
        sql.revoke_key(scope, key_id)
    forget_cached_keys()


_revoke_lock = threading.Lock()
