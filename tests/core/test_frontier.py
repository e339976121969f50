"""The claim frontier (an in-memory window of free items): queues longer than the window,
windows that went stale, skips beyond the window. Correctness never depends on it."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from evalguard_core import annotations, claims, frontier, queues
from evalguard_core.errors import ConflictError
from evalguard_core.store import Scope
from evalguard_core.store import items as items_sql
from tests.core.test_claims import hammer, make_queue, make_run


@pytest.fixture
def small_window(monkeypatch: pytest.MonkeyPatch) -> int:
    """A window of 8 items, so a few dozen items take many refills."""
    monkeypatch.setattr(frontier, "WINDOW", 8)
    return 8


def label(scope: Scope, queue_id: str, rater: str, item: dict) -> None:
    """Label a claimed item pass."""
    annotations.label_claimed(scope, queue_id, rater, item, label="pass")


@pytest.mark.parametrize("per_item", [1, 2])
def test_threads_drain_a_queue_many_windows_long(
    scope: Scope, tmp_path: Path, small_window: int, per_item: int
) -> None:
    n = 50
    run_id = make_run(scope, tmp_path, n)
    queue_id = make_queue(scope, run_id, n, annotations_per_item=per_item)
    got = hammer(scope, queue_id, [f"r{i}" for i in range(6)], label=True)
    per_item_count = Counter(i for items in got.values() for i in items)
    assert len(per_item_count) == n and set(per_item_count.values()) == {per_item}
    for items in got.values():
        assert len(items) == len(set(items)), "a rater got the same item twice"
    assert queues.get_queue(scope, queue_id)["progress"]["done"] == n


def test_claim_content_from_the_window_matches_the_case(scope: Scope, tmp_path: Path) -> None:
    run_id = make_run(scope, tmp_path, 5)
    queue_id = make_queue(scope, run_id, 5)
    for _ in range(5):
        item = claims.claim_next(scope, queue_id, "alice")["item"]
        case = item["case_id"]
        assert item["target_id"] == f"{run_id}:{case}"
        assert item["input"] == f"question {case[1:]}"
        assert item["output"] == f"answer {case[1:]}"
        assert "score" not in item and "judge" not in str(item)
        label(scope, queue_id, "alice", item)


def test_a_stale_window_entry_loses_its_cas_and_the_claim_moves_on(
    scope: Scope, tmp_path: Path
) -> None:
    run_id = make_run(scope, tmp_path, 3)
    queue_id = make_queue(scope, run_id, 3)
    first = claims.claim_next(scope, queue_id, "alice")["item"]  # reads a window of all 3
    # Change the other two items behind the window's back (as another replica would):
    # bump their versions and mark them done.
    others = [
        r
        for r in items_sql.frontier_items(scope, queue_id, per_item=1, now=scope.now(), limit=10)
        if r["item_id"] != first["item_id"]
    ]
    assert len(others) == 2
    for row in others:
        assert items_sql.cas_item(
            scope, row["item_id"], row["version"], status="done", done_count=1
        )
    # The window still lists them; their CAS fails, and nothing is handed out twice or wrongly.
    with pytest.raises(ConflictError, match="nothing left"):
        claims.claim_next(scope, queue_id, "bob")
    label(scope, queue_id, "alice", first)
    with pytest.raises(ConflictError, match="nothing left"):
        claims.claim_next(scope, queue_id, "carol")


def test_items_added_after_the_window_was_read_are_claimable(
    scope: Scope, tmp_path: Path, small_window: int
) -> None:
    run_id = make_run(scope, tmp_path, 30)
    queue = queues.create_queue(scope, name="grow", created_by="admin")
    queue_id = queue["queue_id"]
    queues.add_items(scope, queue_id, [f"{run_id}:c{i}" for i in range(10)])
    seen = set()
    item = claims.claim_next(scope, queue_id, "alice")["item"]  # a window of 8 of the 10
    seen.add(item["case_id"])
    label(scope, queue_id, "alice", item)
    queues.add_items(scope, queue_id, [f"{run_id}:c{i}" for i in range(10, 30)])
    while True:
        try:
            item = claims.claim_next(scope, queue_id, "alice")["item"]
        except ConflictError:
            break
        assert item["case_id"] not in seen
        seen.add(item["case_id"])
        label(scope, queue_id, "alice", item)
    assert seen == {f"c{i}" for i in range(30)}


def test_skipped_items_beyond_the_window_still_sort_last(
    scope: Scope, tmp_path: Path, small_window: int
) -> None:
    n = 20
    run_id = make_run(scope, tmp_path, n)
    queue_id = make_queue(scope, run_id, n)
    # Alice skips a whole window's worth of items; her next claims must be items she has not
    # skipped (there are more beyond the window), and the skipped ones come back only at the end.
    skipped = set()
    for _ in range(small_window):
        item = claims.claim_next(scope, queue_id, "alice")["item"]
        skipped.add(item["item_id"])
        claims.release(scope, queue_id, item["item_id"], "alice")
    assert len(skipped) == small_window
    order = []
    while True:
        try:
            item = claims.claim_next(scope, queue_id, "alice")["item"]
        except ConflictError:
            break
        order.append(item["item_id"])
        label(scope, queue_id, "alice", item)
    assert len(order) == n
    assert set(order[: n - small_window]).isdisjoint(skipped)
    assert set(order[n - small_window :]) == skipped


def test_a_rater_is_not_offered_a_window_item_it_labelled(scope: Scope, tmp_path: Path) -> None:
    run_id = make_run(scope, tmp_path, 2)
    queue_id = make_queue(scope, run_id, 2, annotations_per_item=2)
    a = claims.claim_next(scope, queue_id, "alice")["item"]
    label(scope, queue_id, "alice", a)
    b = claims.claim_next(scope, queue_id, "alice")["item"]
    assert b["item_id"] != a["item_id"]
    label(scope, queue_id, "alice", b)
    with pytest.raises(ConflictError, match="nothing left"):
        claims.claim_next(scope, queue_id, "alice")
    # Bob still gets both (each needs a second label).
    bob = set()
    for _ in range(2):
        item = claims.claim_next(scope, queue_id, "bob")["item"]
        bob.add(item["item_id"])
        label(scope, queue_id, "bob", item)
    assert bob == {a["item_id"], b["item_id"]}
