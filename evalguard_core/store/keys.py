"""SQL for API keys (only hashes are stored)."""

from __future__ import annotations

import uuid
from typing import Any

from evalguard_core.errors import ConstraintViolation
from evalguard_core.store import Scope, Store


class DuplicateName(Exception):
    """A live key of the organization already has this name (the unique index said so)."""


def insert_key(scope: Scope, *, name: str, role: str, key_hash: str, prefix: str) -> dict[str, Any]:
    """Store a new key's hash for the scope's organization."""
    key_id = str(uuid.uuid4())
    try:
        scope.db.execute(
            "INSERT INTO api_keys (key_id, org_id, name, live_name, role, key_hash, key_prefix, "
            "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [key_id, scope.org_id, name, name, role, key_hash, prefix, scope.now()],
        )
    except ConstraintViolation as exc:
        raise DuplicateName(name) from exc
    return {"key_id": key_id, "name": name, "role": role, "org_id": scope.org_id}


def find_key_by_hash(store: Store, key_hash: str) -> dict[str, Any] | None:
    """The live key with this hash (any organization: the key decides the organization)."""
    return store.db.fetch_dict(
        "SELECT CAST(key_id AS VARCHAR) AS key_id, CAST(k.org_id AS VARCHAR) AS org_id, "
        "k.name, k.role, o.name AS org_name FROM api_keys k JOIN organizations o USING (org_id) "
        "WHERE k.key_hash = ? AND k.revoked_at IS NULL",
        [key_hash],
    )


def find_key_by_id(store: Store, key_id: str) -> dict[str, Any] | None:
    """The live key with this id (any organization), as find_key_by_hash returns it."""
    return store.db.fetch_dict(
        "SELECT CAST(key_id AS VARCHAR) AS key_id, CAST(k.org_id AS VARCHAR) AS org_id, "
        "k.name, k.role, o.name AS org_name FROM api_keys k JOIN organizations o USING (org_id) "
        "WHERE CAST(k.key_id AS VARCHAR) = ? AND k.revoked_at IS NULL",
        [key_id],
    )


def list_keys(scope: Scope) -> list[dict[str, Any]]:
    """The organization's keys (never their hashes)."""
    return scope.db.fetch_dicts(
        "SELECT CAST(key_id AS VARCHAR) AS key_id, name, role, key_prefix, created_at, revoked_at "
        "FROM api_keys WHERE org_id = ? ORDER BY created_at",
        [scope.org_id],
    )


def revoke_key(scope: Scope, key_id: str) -> bool:
    """Revoke a key of the organization; False when there is no such live key."""
    row = scope.db.fetchone(
        "UPDATE api_keys SET revoked_at = ?, live_name = NULL WHERE org_id = ? "
        "AND CAST(key_id AS VARCHAR) = ? AND revoked_at IS NULL RETURNING key_id",
        [scope.now(), scope.org_id, key_id],
    )
    return row is not None


def count_keys(store: Store) -> int:
    """How many keys were ever created in the whole store, revoked ones included."""
    row = store.db.fetchone("SELECT count(*) FROM api_keys")
    return int(row[0]) if row else 0


def live_name_exists(scope: Scope, name: str) -> bool:
    """Whether a live key of the organization already has this name."""
    row = scope.db.fetchone(
        "SELECT 1 FROM api_keys WHERE org_id = ? AND live_name = ?", [scope.org_id, name]
    )
    return row is not None


def live_key(scope: Scope, key_id: str) -> dict[str, Any] | None:
    """A live key of the organization (id, name, role), or None."""
    return scope.db.fetch_dict(
        "SELECT CAST(key_id AS VARCHAR) AS key_id, name, role FROM api_keys "
        "WHERE org_id = ? AND CAST(key_id AS VARCHAR) = ? AND revoked_at IS NULL",
        [scope.org_id, key_id],
    )


def count_live_admins(scope: Scope) -> int:
    """How many live admin keys the organization has."""
    row = scope.db.fetchone(
        "SELECT count(*) FROM api_keys WHERE org_id = ? AND role = 'admin' AND revoked_at IS NULL",
        [scope.org_id],
    )
    return int(row[0]) if row else 0


def get_secret(store: Store, name: str) -> str | None:
    """A server secret by name (e.g. the session cookie key), or None."""
    row = store.db.fetchone("SELECT value FROM server_secrets WHERE name = ?", [name])
    return str(row[0]) if row else None


def put_secret_once(store: Store, name: str, value: str) -> str:
    """Store `value` under `name` unless one exists; the stored value wins (first writer)."""
    store.db.execute(
        "INSERT INTO server_secrets (name, value) VALUES (?, ?) ON CONFLICT DO NOTHING",
        [name, value],
    )
    found = get_secret(store, name)
    assert found is not None
    return found
