"""The store layer: the only code (with `evalguard_core.db`) that holds SQL.

`Store` owns the process-wide `Database`; `Store.scope(org_id)` gives a `Scope`, and every
domain query takes a `Scope`, so no read or write can forget the caller's organization.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from evalguard_core.db import Database, TransactionConflict, is_database_url, open_database

__all__ = ["DEFAULT_ORG_ID", "Scope", "Store", "TransactionConflict", "get_store", "reset_store"]

DEFAULT_ORG_ID = "00000000-0000-4000-8000-000000000001"


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


@dataclass
class Store:
    """One open EvalGuard database plus the clock every lease and event uses."""

    db: Database
    clock: Callable[[], datetime] = field(default=utcnow)

    @classmethod
    def open(
        cls, location: str | Path, *, read_only: bool = False, migrate: bool | None = None
    ) -> Store:
        """Open the store at a DuckDB path (migrated on open) or a PostgreSQL URL (checked)."""
        return cls(open_database(location, read_only=read_only, migrate=migrate))

    @property
    def location(self) -> str:
        """Where the data lives: a file path or a URL without its password."""
        return self.db.location

    @property
    def path(self) -> Path:
        """The DuckDB file (for PostgreSQL, the URL without password, as a path-like)."""
        return Path(self.db.location)

    @property
    def dialect(self) -> str:
        """duckdb or postgresql."""
        return self.db.dialect

    def scope(self, org_id: str | None = None) -> Scope:
        """A handle for one organization's data (the default organization when None)."""
        return Scope(self, str(org_id) if org_id else DEFAULT_ORG_ID)

    def now(self) -> datetime:
        """The store's notion of now (tests inject a clock)."""
        return self.clock()

    def close(self) -> None:
        """Close the database file."""
        self.db.close()


@dataclass(frozen=True)
class Scope:
    """One organization's view of the store; every store function takes one."""

    store: Store
    org_id: str

    @property
    def db(self) -> Database:
        """The shared database."""
        return self.store.db

    def now(self) -> datetime:
        """The store's clock."""
        return self.store.now()


_shared: dict[str, Store] = {}
_shared_lock = threading.Lock()


def _key(location: str | Path) -> str:
    """One key per store: the URL as given, or the file's absolute path."""
    return str(location) if is_database_url(location) else str(Path(location).resolve())


def get_store(location: str | Path) -> Store:
    """The process-wide store for a path or URL, opened on first use (one per process)."""
    key = _key(location)
    with _shared_lock:
        store = _shared.get(key)
        if store is None:
            store = Store.open(location)
            _shared[key] = store
        return store


def reset_store(location: str | Path | None = None) -> None:
    """Close and forget shared stores (tests and shutdown)."""
    with _shared_lock:
        keys = [_key(location)] if location else list(_shared)
        for key in keys:
            store = _shared.pop(key, None)
            if store is not None:
                store.close()
