"""SQL for organizations."""

from __future__ import annotations

import uuid
from typing import Any

from evalguard_core.store import Store


def create_org(store: Store, name: str) -> dict[str, Any]:
    """Insert an organization and return it."""
    org_id = str(uuid.uuid4())
    store.db.execute(
        "INSERT INTO organizations (org_id, name, created_at) VALUES (?, ?, ?)",
        [org_id, name, store.now()],
    )
    return {"org_id": org_id, "name": name}


def list_orgs(store: Store) -> list[dict[str, Any]]:
    """Every organization, default first."""
    rows = store.db.fetch_dicts(
        "SELECT CAST(org_id AS VARCHAR) AS org_id, name, is_default, created_at "
        "FROM organizations ORDER BY is_default DESC, created_at"
    )
    return rows


def find_org(store: Store, id_or_name: str) -> dict[str, Any] | None:
    """An organization by id or by name, or None."""
    return store.db.fetch_dict(
        "SELECT CAST(org_id AS VARCHAR) AS org_id, name, is_default FROM organizations "
        "WHERE CAST(org_id AS VARCHAR) = ? OR name = ?",
        [id_or_name, id_or_name],
    )
