"""SQL for API keys (only hashes are stored)."""

from __future__ import annotations

import uuid
from typing import Any

from evalguard_core.store import Scope, Store


def insert_key(scope: Scope, *, name: str, role: str, key_hash: str, prefix: str) -> dict[str, Any]:
    """Store a new key's hash for the scope's organization."""
    key_id = str(uuid.uuid4())
    scope.db.execute(
        "INSERT INTO api_keys (key_id, org_id, name, role, key_hash, key_prefix, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [key_id, scope.org_id, name, role, key_hash, prefix, scope.now()],
    )
    return {"key_id": key_id, "name": name, "role": role, "org_id": scope.org_id}


def find_key_by_hash(store: Store, key_hash: str) -> dict[str, Any] | None:
    """The live key with this hash (any organization: the key decides the organization)."""
    return store.db.fetch_dict(
        "SELECT CAST(key_id AS VARCHAR) AS key_id, CAST(k.org_id AS VARCHAR) AS org_id, "
        "k.name, k.role, o.name AS org_name FROM api_keys k JOIN organizations o USING (org_id) "
        "WHERE k.key_hash = ? AND k.revoked_at IS NULL",
        [key_hash],
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
        "UPDATE api_keys SET revoked_at = ? WHERE org_id = ? AND CAST(key_id AS VARCHAR) = ? "
        "AND revoked_at IS NULL RETURNING key_id",
        [scope.now(), scope.org_id, key_id],
    )
    return row is not None


def count_live_keys(store: Store) -> int:
    """How many unrevoked keys exist in the whole store (sign-in is on when > 0)."""
    row = store.db.fetchone("SELECT count(*) FROM api_keys WHERE revoked_at IS NULL")
    return int(row[0]) if row else 0
