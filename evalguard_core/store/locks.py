"""Locks that hold across processes on a shared database (docs/adr/0013-replicas.md).

PostgreSQL transaction-scoped advisory locks: released by COMMIT or ROLLBACK, and by the server
when a replica's connection dies, so a killed replica never leaves one behind. Callers take
them only when `db.shared`; a DuckDB file has one process, whose in-process locks suffice.
"""

from __future__ import annotations

from evalguard_core.store import Scope


def hold(scope: Scope, name: str) -> None:
    """Wait for, then hold until the transaction ends, the organization's lock called `name`."""
    scope.db.fetchone(
        "SELECT pg_advisory_xact_lock(hashtextextended(?, 7))", [f"{scope.org_id}:{name}"]
    )
