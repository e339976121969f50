"""Organizations: every key and every row belongs to one."""

from __future__ import annotations

from typing import Any

from evalguard_core.errors import ValidationError
from evalguard_core.store import Store
from evalguard_core.store import orgs as sql


def create_org(store: Store, name: str) -> dict[str, Any]:
    """Create an organization with a unique name."""
    name = (name or "").strip()
    if not name:
        raise ValidationError("an organization needs a name", details={"field": "name"})
    if sql.find_org(store, name):
        raise ValidationError(f"organization {name!r} exists already", details={"field": "name"})
    return sql.create_org(store, name)


def list_orgs(store: Store) -> list[dict[str, Any]]:
    """Every organization (operators' view, from the CLI)."""
    return sql.list_orgs(store)
