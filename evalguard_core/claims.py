"""Claiming queue items: leases guarded by compare-and-swap on the item's `version`.

See docs/adr/0003-claim-locking.md. Every change to an item's occupancy (claim, release,
heartbeat, expiry, label) bumps the item's version in the same transaction, so a claim that
read an item at version v and updates `WHERE version = v` knows nothing changed in between.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from evalguard_core import frontier
from evalguard_core.errors import ConflictError, NotFoundError
from evalguard_core.queues import ensure_open, forget_settings, require_queue
from evalguard_core.store import Scope, TransactionConflict
from evalguard_core.store import claims as claims_sql
from evalguard_core.store import events as events_sql
from evalguard_core.store import items as items_sql
from evalguard_core.store import locks as locks_sql
from evalguard_core.store.lifecycle import queue_archived_at
from evalguard_core.store.records import RaterClaim

# How many free items a claim picks among at random (bench/claims.py measured this; with k=1
# every rater fights over the head of the queue and most CAS attempts fail).
CANDIDATES_K = 16
MAX_ATTEMPTS = 40
BACKOFF_SECONDS = 0.002
NOTHING_LEFT = "nothing left to label in this queue for you"

_rater_locks: dict[tuple[str, str], threading.Lock] = {}
_rater_locks_guard = threading.Lock()


@contextmanager
def rater_lock(org_id: str, annotator: str) -> Iterator[None]:
    """One claim/label at a time per rater, so two tabs never get the rater two leases."""
    key = (org_id, annotator)
    with _rater_locks_guard:
        lock = _rater_locks.setdefault(key, threading.Lock())
    with lock:
        yield


def pairwise_order(queue_id: str, item_id: int | str, annotator: str) -> str:
    """Which output a rater sees on the left: 'AB' or 'BA', random per item but stable per rater.

    A hash of (queue, item, rater), so a reload or a second tab shows the same sides and two
    raters of one item get independent orders (position bias averages out over a queue).
    """
    # A queue item id is a number, a task item id (tasks use the same rule) a UUID string.
    key = int(item_id) if isinstance(item_id, int) or str(item_id).isdigit() else item_id
    digest = hashlib.sha256(f"{queue_id}:{key}:{annotator}".encode()).digest()
    return "BA" if digest[0] & 1 else "AB"


def item_status(done: int, live: int, per_item: int) -> str:
    """done when it has its labels, claimed when labels plus live leases fill it, else pending."""
    if done >= per_item:
        return "done"
    return "claimed" if done + live >= per_item else "pending"


def backoff(attempt: int) -> None:
    """Sleep a tiny jittered time that grows with the attempt, so retries spread out."""
    time.sleep(random.uniform(0, BACKOFF_SECONDS * min(attempt + 1, 10)))


def claim_next(
    scope: Scope, queue_id: str, annotator: str, *, k: int | None = None
) -> dict[str, Any]:
    """Lease the next item this rater may label (its held one if any); 409 when none is left."""
    queue = require_queue(scope, queue_id)
    ensure_open(queue)
    qid = queue["queue_id"]
    k = k or CANDIDATES_K
    with rater_lock(scope.org_id, annotator):
        for attempt in range(MAX_ATTEMPTS):
            now = scope.now()
            held, skipped = _rater_state(scope, qid, annotator, now)
            if held is not None:
                item = items_sql.find_item(scope, qid, item_id=held["item_id"])
                if item is None:
                    # The item was removed (or its queue deleted) after the lease was read; its
                    # lease went with it. A deleted queue answers 404, else look again.
                    forget_settings(scope, qid)
                    require_queue(scope, qid)
                    continue
                return claim_answer(scope, queue, item, held["claim_id"], held["lease_expires_at"])
            found = _candidates(scope, queue, annotator, now, skipped, k)
            if not found:
                raise ConflictError(NOTHING_LEFT, details={"queue_id": qid})
            # Items the rater skipped sort last; only fall back to them when nothing else is free.
            fresh = [e for e in found if e.item_id not in skipped] or found
            pick = fresh[:k]
            random.shuffle(pick)
            for entry in pick:
                got = _try_claim(scope, queue, entry, annotator, now)
                if got is not None:
                    frontier.claimed(scope, queue, entry, annotator, expires=got[1], now=now)
                    return claim_answer(scope, queue, entry.row, *got)
                frontier.discard(scope, qid, entry.item_id)
            backoff(attempt)
    raise ConflictError(
        "the queue is very busy right now; try again in a moment",
        details={"queue_id": qid, "retryable": True},
    )


def _rater_state(
    scope: Scope, queue_id: str, annotator: str, now: datetime
) -> tuple[RaterClaim | None, set[int]]:
    """(the rater's live lease in the queue or None, the items it released or let expire)."""
    held: RaterClaim | None = None
    skipped: set[int] = set()
    for c in claims_sql.rater_claims(scope, queue_id, annotator):
        if c["status"] == "active" and c["lease_expires_at"] > now:
            if held is None or c["claimed_at"] < held["claimed_at"]:
                held = c
        else:
            skipped.add(c["item_id"])
    return held, skipped


def _candidates(
    scope: Scope, queue: dict[str, Any], annotator: str, now: datetime, skipped: set[int], k: int
) -> list[frontier.Entry]:
    """Items the rater may claim, in queue order: from the frontier when it has a good answer,
    else from the database."""
    found, good = frontier.candidates(scope, queue, annotator, now, avoid=skipped, k=k)
    if good:
        return found
    return _candidates_from_db(scope, queue, annotator, now, skipped, k)


def _candidates_from_db(
    scope: Scope, queue: dict[str, Any], annotator: str, now: datetime, skipped: set[int], k: int
) -> list[frontier.Entry]:
    """Up to k items the rater may claim, read with their leases in one snapshot (the
    frontier's fallback: it knows which items this rater labelled, skipped ones last)."""
    qid = queue["queue_id"]
    per_item = queue["annotations_per_item"]
    leases: dict[int, list[tuple[str, datetime]]] = {}
    with scope.db.atomic():
        for c in items_sql.active_claims_in_queue(scope, qid):
            leases.setdefault(c["item_id"], []).append((c["annotator"], c["lease_expires_at"]))
        n_live = sum(1 for ls in leases.values() for _, x in ls if x > now)
        rows = items_sql.free_items(
            scope,
            qid,
            annotator,
            per_item=per_item,
            exclude=[],
            last=sorted(skipped),
            limit=k + n_live,
        )
    entries = [frontier.Entry(row, leases.get(row["item_id"], [])) for row in rows]
    return [e for e in entries if e.open_to(annotator, per_item, now)][:k]


def _try_claim(
    scope: Scope, queue: dict[str, Any], entry: frontier.Entry, annotator: str, now: datetime
) -> tuple[str, datetime] | None:
    """One compare-and-swap attempt on a candidate; None when someone got there first."""
    expires = now + timedelta(seconds=queue["lease_seconds"])
    row = entry.row
    status = item_status(row["done_count"], entry.live(now) + 1, queue["annotations_per_item"])
    try:
        with scope.db.atomic():
            if scope.db.shared:
                # Another replica may be claiming for this rater (a second tab behind a load
                # balancer): the in-process rater lock cannot see it, this lock and re-check can.
                locks_sql.hold(scope, f"rater:{annotator}")
                if claims_sql.live_leases_of(scope, queue["queue_id"], annotator, now):
                    raise TransactionConflict("the rater got a lease on another replica")
            if not items_sql.cas_item(scope, entry.item_id, row["version"], status=status):
                return None
            # An archive may have committed since the settings were read (it bumps every
            # item's version, so a CAS that got here read the item after the archive).
            if queue_archived_at(scope, queue["queue_id"])[1] is not None:
                raise ConflictError(
                    f"queue {queue['queue_id']} is archived (read-only)",
                    details={"queue_id": queue["queue_id"], "archived": True},
                )
            if entry.stale(now):
                _expire_on_item(scope, queue["queue_id"], entry.item_id, now, by=annotator)
            claim_id = claims_sql.insert_claim(
                scope, queue["queue_id"], entry.item_id, annotator, now=now, expires=expires
            )
            events_sql.append_event(
                scope,
                "claim",
                actor=annotator,
                queue_id=queue["queue_id"],
                item_id=entry.item_id,
                trace_id=row["trace_id"],
                payload={"claim_id": claim_id, "lease_expires_at": expires.isoformat()},
            )
    except TransactionConflict:
        return None
    return claim_id, expires


def _expire_on_item(scope: Scope, queue_id: str, item_id: int, now: datetime, *, by: str) -> int:
    """Mark an item's run-out leases expired with one event each (caller holds the item CAS)."""
    expired = claims_sql.expire_stale_on_item(scope, item_id, now)
    for claim in expired:
        events_sql.append_event(
            scope,
            "expire",
            actor=claim["annotator"],
            queue_id=queue_id,
            item_id=item_id,
            payload={
                "claim_id": claim["claim_id"],
                "lease_expired_at": claim["lease_expires_at"],
                "noticed_by": by,
            },
        )
    return len(expired)


def claim_answer(
    scope: Scope, queue: dict[str, Any], item: dict[str, Any], claim_id: str, expires: datetime
) -> dict[str, Any]:
    """The claim answer: the item's content (no scores, no judge verdict) and its lease."""
    content: dict[str, Any] | None
    if "input" in item:  # a frontier entry carries the case content already
        content = {k: item[k] for k in items_sql.CONTENT_COLUMNS}
    else:
        content = items_sql.case_content(scope, item["trace_id"])
    if content is None:  # runs are append-only, so an item always has its case
        raise NotFoundError(f"item {item['item_id']} has no case", details=item["item_id"])
    return {
        "success": True,
        "item": {
            "item_id": item["item_id"],
            "queue_id": queue["queue_id"],
            "target_id": item["target_id"],
            "target_type": queue["target_type"],
            "trace_id": item["trace_id"],
            "run_id": item["run_id"],
            **content,
            "claim_id": claim_id,
            "lease_expires_at": expires,
        },
        "lease_expires_at": expires,
    }


def _require_item(scope: Scope, queue_id: str, item_id: int, annotator: str) -> dict[str, Any]:
    """The item's state for this rater, or NotFoundError."""
    state = items_sql.item_state(scope, queue_id, annotator, scope.now(), item_id=int(item_id))
    if state is None:
        raise NotFoundError(
            f"item {item_id} not found in queue {queue_id}",
            details={"queue_id": queue_id, "item_id": item_id},
        )
    return state


def release(
    scope: Scope, queue_id: str, item_id: int, annotator: str, *, actor: str | None = None
) -> dict[str, Any]:
    """Give back (skip) a lease; `actor` is who did it when an admin releases someone's lease."""
    queue = require_queue(scope, queue_id)
    qid = queue["queue_id"]
    for attempt in range(MAX_ATTEMPTS):
        state = _require_item(scope, qid, item_id, annotator)
        if state["my_claim_id"] is None:
            raise ConflictError(
                f"{annotator} holds no lease on item {item_id}",
                details={"queue_id": qid, "item_id": item_id, "annotator": annotator},
            )
        now = scope.now()
        status = item_status(
            state["done_count"], state["n_live_others"], queue["annotations_per_item"]
        )
        try:
            with scope.db.atomic():
                if items_sql.cas_item(scope, state["item_id"], state["version"], status=status):
                    claims_sql.end_claim(scope, state["my_claim_id"], "released", now)
                    events_sql.append_event(
                        scope,
                        "release",
                        actor=actor or annotator,
                        queue_id=qid,
                        item_id=state["item_id"],
                        trace_id=state["trace_id"],
                        payload={"claim_id": state["my_claim_id"], "annotator": annotator},
                    )
                    frontier.forget(scope, qid)  # the item is free again: offer it at once
                    return {"success": True, "item_id": state["item_id"], "status": status}
        except TransactionConflict:
            pass
        backoff(attempt)
    raise ConflictError("the item is busy; try again", details={"retryable": True})


def heartbeat(scope: Scope, queue_id: str, item_id: int, annotator: str) -> dict[str, Any]:
    """Extend the rater's lease on an item by the queue's lease time from now."""
    queue = require_queue(scope, queue_id)
    qid = queue["queue_id"]
    per_item = queue["annotations_per_item"]
    for attempt in range(MAX_ATTEMPTS):
        state = _require_item(scope, qid, item_id, annotator)
        if state["my_claim_id"] is None:
            raise ConflictError(
                f"you hold no live lease on item {item_id} (it expired or was released); "
                "claim again",
                details={"queue_id": qid, "item_id": item_id},
            )
        now = scope.now()
        if state["my_lease_expires_at"] <= now and (
            state["done_count"] + state["n_live_others"] >= per_item
        ):
            # The lease ran out and others filled the item meanwhile: it cannot be renewed.
            _expire_leases_on(scope, qid, {**state, "n_live": state["n_live_others"]}, per_item)
            raise ConflictError(
                f"your lease on item {item_id} expired and the item went to another rater",
                details={"queue_id": qid, "item_id": item_id},
            )
        expires = now + timedelta(seconds=queue["lease_seconds"])
        status = item_status(state["done_count"], state["n_live_others"] + 1, per_item)
        try:
            with scope.db.atomic():
                if items_sql.cas_item(scope, state["item_id"], state["version"], status=status):
                    claims_sql.extend_claim(scope, state["my_claim_id"], expires)
                    events_sql.append_event(
                        scope,
                        "heartbeat",
                        actor=annotator,
                        queue_id=qid,
                        item_id=state["item_id"],
                        trace_id=state["trace_id"],
                        payload={"claim_id": state["my_claim_id"], "lease_expires_at": expires},
                    )
                    return {
                        "success": True,
                        "item_id": state["item_id"],
                        "lease_expires_at": expires,
                    }
        except TransactionConflict:
            pass
        backoff(attempt)
    raise ConflictError("the item is busy; try again", details={"retryable": True})


def _expire_leases_on(scope: Scope, queue_id: str, state: dict[str, Any], per_item: int) -> bool:
    """Mark one item's run-out leases expired under its CAS; False if it changed meanwhile."""
    now = scope.now()
    status = item_status(state["done_count"], state["n_live"], per_item)
    try:
        with scope.db.atomic():
            if not items_sql.cas_item(scope, state["item_id"], state["version"], status=status):
                return False
            _expire_on_item(scope, queue_id, state["item_id"], now, by="sweep")
    except TransactionConflict:
        return False
    return True


def expire_leases(scope: Scope, queue_id: str) -> int:
    """Sweep: mark every run-out lease of the queue expired (claims also do this lazily)."""
    queue = require_queue(scope, queue_id)
    qid = queue["queue_id"]
    now = scope.now()
    count = 0
    for state in items_sql.items_with_stale_leases(scope, qid, now):
        # Items that change under the sweep are handled lazily by whoever touches them next.
        if _expire_leases_on(scope, qid, state, queue["annotations_per_item"]):
            count += 1
    return count


def list_claims(scope: Scope, queue_id: str) -> dict[str, Any]:
    """Live leases of a queue (after sweeping run-out ones), with seconds left."""
    queue = require_queue(scope, queue_id)
    expire_leases(scope, queue["queue_id"])
    now = scope.now()
    rows = [
        {**row, "seconds_left": max(0.0, (row["lease_expires_at"] - now).total_seconds())}
        for row in claims_sql.list_live_claims(scope, queue["queue_id"], now)
    ]
    return {"queue_id": queue["queue_id"], "claims": rows}
