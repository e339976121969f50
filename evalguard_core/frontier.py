"""The claim frontier: per queue, the next free items held in memory as hints for claims.

A claim used to read the queue's free items and live claims from DuckDB on every call (two
statements scanning the queue, ~3 ms). The frontier reads a window of them once and serves
many claims from memory. It is only a hint: every claim is still a compare-and-swap on the
item's `version` in the database (docs/adr/0003-claim-locking.md), so an entry that went stale
(another rater, a release, a label) simply fails its CAS and is dropped. Capacity and "not
labelled by this rater" are judged on the window's snapshot, which the successful CAS proves
current, exactly as with the per-call snapshot before (docs/adr/0006-claim-path-latency.md).

The window is per process and per store; a second process (or replica) has its own and the
CAS keeps them honest.
"""

from __future__ import annotations

import threading
import weakref
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from evalguard_core.store import Scope
from evalguard_core.store import items as items_sql

# Items read per refill: one statement per WINDOW claims instead of two per claim.
WINDOW = 256
# Windows kept per store (they hold case text): the queues raters work in right now.
MAX_WINDOWS = 32


@dataclass
class Entry:
    """One free item as of the window's snapshot, updated by this process's own claims."""

    row: dict[str, Any]  # item_id, version, done_count, trace/target/run ids and case content
    leases: list[tuple[str, datetime]] = field(default_factory=list)  # active: (rater, expiry)
    labellers: set[str] = field(default_factory=set)

    def copy(self) -> Entry:
        """A snapshot for one claim attempt (the window's entry keeps changing under its lock)."""
        return Entry(dict(self.row), list(self.leases), set(self.labellers))

    @property
    def item_id(self) -> int:
        """The item's id."""
        return int(self.row["item_id"])

    def live(self, now: datetime) -> int:
        """Leases still running at `now`."""
        return sum(1 for _, expires in self.leases if expires > now)

    def stale(self, now: datetime) -> int:
        """Active leases that ran out (the claim that takes the item marks them expired)."""
        return sum(1 for _, expires in self.leases if expires <= now)

    def full(self, per_item: int, now: datetime) -> bool:
        """Whether labels plus running leases leave no room for another rater."""
        return self.row["done_count"] + self.live(now) >= per_item

    def open_to(self, annotator: str, per_item: int, now: datetime) -> bool:
        """Whether `annotator` may claim it: room left, not labelled or held by them."""
        if annotator in self.labellers or any(r == annotator and x > now for r, x in self.leases):
            return False
        return not self.full(per_item, now)


@dataclass
class Window:
    """A queue's frontier: entries in queue order and the lock guarding them."""

    entries: dict[int, Entry] = field(default_factory=dict)
    exhausted: bool = False  # the last refill found fewer than WINDOW items
    lock: threading.Lock = field(default_factory=threading.Lock)


# Keyed by the open Database object, so a store closed and opened again (or another file at
# the same path) never sees an old window; weak, so closed stores' windows go with them.
_windows: weakref.WeakKeyDictionary[Any, dict[tuple[str, str], Window]] = (
    weakref.WeakKeyDictionary()
)
_windows_guard = threading.Lock()


def _window(scope: Scope, queue_id: str) -> Window:
    key = (scope.org_id, str(queue_id))
    with _windows_guard:
        per_store = _windows.setdefault(scope.db, {})
        window = per_store.get(key)
        if window is None:
            if len(per_store) >= MAX_WINDOWS:
                del per_store[next(iter(per_store))]  # the longest-held queue reloads if used
            window = per_store[key] = Window()
        return window


def forget(scope: Scope, queue_id: str) -> None:
    """Drop a queue's window (items added, settings changed, a lease given back)."""
    with _windows_guard:
        _windows.get(scope.db, {}).pop((scope.org_id, str(queue_id)), None)


def forget_all(scope: Scope) -> None:
    """Drop every window of the organization (runs, raters or the organization deleted)."""
    with _windows_guard:
        per_store = _windows.get(scope.db, {})
        for key in [k for k in per_store if k[0] == scope.org_id]:
            per_store.pop(key, None)


def _load(
    scope: Scope, queue_id: str, per_item: int, now: datetime
) -> tuple[dict[int, Entry], bool]:
    """Read a fresh window: items with room, in queue order, with active leases and labellers."""
    rows = items_sql.frontier_items(scope, queue_id, per_item=per_item, now=now, limit=WINDOW)
    entries = {int(r["item_id"]): Entry(r) for r in rows}
    if entries:
        ids = list(entries)
        for c in items_sql.active_claims_in_queue(scope, queue_id):
            if (entry := entries.get(int(c["item_id"]))) is not None:
                entry.leases.append((c["annotator"], c["lease_expires_at"]))
        if per_item > 1:  # with one label per item, a labelled item is not in the window
            for item_id, annotator in items_sql.labellers_of_items(scope, queue_id, ids):
                entries[int(item_id)].labellers.add(annotator)
    return entries, len(rows) < WINDOW


def candidates(
    scope: Scope,
    queue: dict[str, Any],
    annotator: str,
    now: datetime,
    *,
    avoid: set[int],
    k: int,
) -> tuple[list[Entry], bool]:
    """Up to k entries open to `annotator` in queue order (snapshots), and whether they are
    good answers: items not in `avoid` (its skips), or skipped ones when the window holds the
    whole queue. False means: ask the database, which knows the rater's own labels."""
    qid = queue["queue_id"]
    per_item = queue["annotations_per_item"]
    window = _window(scope, qid)
    with window.lock:
        # Entries others filled meanwhile come back with a later window if a lease runs out.
        for item_id in [i for i, e in window.entries.items() if e.full(per_item, now)]:
            del window.entries[item_id]
        if not window.entries:
            window.entries, window.exhausted = _load(scope, qid, per_item, now)
        fresh: list[Entry] = []
        skipped: list[Entry] = []
        for entry in window.entries.values():
            if entry.open_to(annotator, per_item, now):
                (skipped if entry.item_id in avoid else fresh).append(entry)
                if len(fresh) >= k:
                    break
        if fresh:
            return [e.copy() for e in fresh], True
        return [e.copy() for e in skipped[:k]], bool(skipped) and window.exhausted


def claimed(
    scope: Scope,
    queue: dict[str, Any],
    entry: Entry,
    annotator: str,
    *,
    expires: datetime,
    now: datetime,
) -> None:
    """Record this process's successful claim on `entry` (the snapshot its CAS compared):
    new version, one more lease, stale ones gone."""
    window = _window(scope, queue["queue_id"])
    with window.lock:
        current = window.entries.get(entry.item_id)
        if current is None:
            return
        if current.row["version"] != entry.row["version"]:
            del window.entries[entry.item_id]  # the window moved on; read the item again later
            return
        current.row["version"] += 1
        current.leases = [(r, x) for r, x in current.leases if x > now] + [(annotator, expires)]
        if current.full(queue["annotations_per_item"], now):
            del window.entries[entry.item_id]


def discard(scope: Scope, queue_id: str, item_id: int) -> None:
    """Drop an entry whose CAS failed: the item changed since the window was read."""
    window = _window(scope, queue_id)
    with window.lock:
        window.entries.pop(int(item_id), None)
