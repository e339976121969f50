"""SQL for claims (leases on queue items). Claim rows change only under the item's CAS."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import cast

from evalguard_core.store import Scope
from evalguard_core.store.records import ExpiredClaim, LastClaim, LiveClaim, RaterClaim


def rater_claims(scope: Scope, queue_id: str, annotator: str) -> list[RaterClaim]:
    """The rater's active, released and expired claims in a queue (its lease and its skips)."""
    rows = scope.db.fetch_dicts(
        "SELECT item_id, CAST(claim_id AS VARCHAR) AS claim_id, status, lease_expires_at, "
        "claimed_at FROM claims WHERE org_id = ? AND queue_id = CAST(? AS UUID) "
        "AND annotator = ? AND status IN ('active', 'released', 'expired')",
        [scope.org_id, queue_id, annotator],
    )
    return cast(list[RaterClaim], rows)


def insert_claim(
    scope: Scope,
    queue_id: str,
    item_id: int,
    annotator: str,
    *,
    now: datetime,
    expires: datetime,
    shown_order: str | None = None,
) -> str:
    """Record a new active lease (caller holds the item's CAS in the same transaction)."""
    claim_id = str(uuid.uuid4())
    scope.db.write(
        "INSERT INTO claims (claim_id, org_id, queue_id, item_id, annotator, status, claimed_at, "
        "lease_expires_at, shown_order) VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?)",
        [claim_id, scope.org_id, queue_id, item_id, annotator, now, expires, shown_order],
    )
    return claim_id


def end_claim(
    scope: Scope, claim_id: str, status: str, now: datetime, *, shown_order: str | None = None
) -> None:
    """Close a lease as completed, released or expired (recording the pairwise side order)."""
    scope.db.write(
        "UPDATE claims SET status = ?, ended_at = ?, shown_order = COALESCE(?, shown_order) "
        "WHERE org_id = ? AND claim_id = CAST(? AS UUID)",
        [status, now, shown_order, scope.org_id, claim_id],
    )


def last_claim(scope: Scope, queue_id: str, item_id: int, annotator: str) -> LastClaim | None:
    """The rater's most recent claim on an item, whatever its status."""
    row = scope.db.fetch_dict(
        "SELECT CAST(claim_id AS VARCHAR) AS claim_id, status, lease_expires_at, shown_order "
        "FROM claims WHERE org_id = ? AND queue_id = CAST(? AS UUID) AND item_id = ? "
        "AND annotator = ? ORDER BY claimed_at DESC LIMIT 1",
        [scope.org_id, queue_id, item_id, annotator],
    )
    return cast(LastClaim | None, row)


def extend_claim(scope: Scope, claim_id: str, expires: datetime) -> None:
    """Move a lease's expiry."""
    scope.db.write(
        "UPDATE claims SET lease_expires_at = ? WHERE org_id = ? AND claim_id = CAST(? AS UUID)",
        [expires, scope.org_id, claim_id],
    )


def expire_stale_on_item(scope: Scope, item_id: int, now: datetime) -> list[ExpiredClaim]:
    """Mark the item's run-out active leases expired; returns them."""
    rows = scope.db.fetch_dicts(
        "UPDATE claims SET status = 'expired', ended_at = ? WHERE org_id = ? AND item_id = ? "
        "AND status = 'active' AND lease_expires_at <= ? "
        "RETURNING CAST(claim_id AS VARCHAR) AS claim_id, annotator, lease_expires_at",
        [now, scope.org_id, item_id, now],
    )
    return cast(list[ExpiredClaim], rows)


def list_live_claims(scope: Scope, queue_id: str, now: datetime) -> list[LiveClaim]:
    """Live leases of a queue with their items, soonest expiry first."""
    rows = scope.db.fetch_dicts(
        "SELECT CAST(c.claim_id AS VARCHAR) AS claim_id, c.item_id, i.target_id, i.trace_id, "
        "c.annotator, c.claimed_at, c.lease_expires_at "
        "FROM claims c JOIN queue_items i ON i.item_id = c.item_id AND i.org_id = c.org_id "
        "WHERE c.org_id = ? AND c.queue_id = CAST(? AS UUID) AND c.status = 'active' "
        "AND c.lease_expires_at > ? ORDER BY c.lease_expires_at, c.item_id",
        [scope.org_id, queue_id, now],
    )
    return cast(list[LiveClaim], rows)


def claim_counts_by_item(scope: Scope, queue_id: str) -> list[tuple[int, str, str]]:
    """(item_id, annotator, status) for every claim of a queue (tests and audits)."""
    return scope.db.fetchall(
        "SELECT item_id, annotator, status FROM claims WHERE org_id = ? "
        "AND queue_id = CAST(? AS UUID) ORDER BY item_id",
        [scope.org_id, queue_id],
    )


def live_leases_of(scope: Scope, queue_id: str, annotator: str, now: datetime) -> int:
    """How many live leases the rater holds in the queue (read in the caller's transaction)."""
    row = scope.db.fetchone(
        "SELECT count(*) FROM claims WHERE queue_id = CAST(? AS UUID) AND annotator = ? "
        "AND status = 'active' AND lease_expires_at > ?",
        [queue_id, annotator, now],
    )
    return int(row[0]) if row else 0
