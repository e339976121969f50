"""Claims: real threads never share an item; leases expire with the injected clock."""

from __future__ import annotations

import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from evalguard_core import annotations, claims, queues, runs
from evalguard_core.errors import ConflictError, NotFoundError
from evalguard_core.store import Scope, Store
from evalguard_core.store import claims as claims_sql


def make_run(scope: Scope, tmp_path: Path, n: int, *, pairwise: bool = False) -> str:
    """Import a generated run of n cases; returns its id."""
    path = tmp_path / f"gen_{n}_{pairwise}.csv"
    if pairwise:
        rows = ["case_id,input,output_a,output_b,label:llm_judge"]
        rows += [f"p{i},question {i},answer A{i},answer B{i},A" for i in range(n)]
    else:
        rows = ["case_id,input,output,expected,label:llm_judge,score:llm_judge"]
        rows += [f"c{i},question {i},answer {i},expected {i},pass,0.9" for i in range(n)]
    path.write_text("\n".join(rows) + "\n")
    return runs.import_run(scope, path).run_id


def make_queue(scope: Scope, run_id: str, n: int, **settings) -> str:
    """A queue holding every case of the run."""
    queue = queues.create_queue(scope, name="q", created_by="admin", **settings)
    queues.add_items(scope, queue["queue_id"], [f"{run_id}:c{i}" for i in range(n)])
    return queue["queue_id"]


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(store: Store) -> FakeClock:
    """Inject a hand-moved clock into the store."""
    fake = FakeClock()
    store.clock = fake
    return fake


def hammer(
    scope: Scope, queue_id: str, raters: list[str], *, label: bool, deadline_s: float = 60
) -> dict[str, list[int]]:
    """Each rater in its own thread claims (and labels) until 409; returns items per rater."""
    got: dict[str, list[int]] = {r: [] for r in raters}
    errors: list[BaseException] = []
    start = threading.Barrier(len(raters))
    stop_at = time.monotonic() + deadline_s

    def work(rater: str) -> None:
        start.wait()
        try:
            for _ in range(10_000):  # bounded even if the queue never empties
                if time.monotonic() > stop_at:
                    return
                try:
                    claimed = claims.claim_next(scope, queue_id, rater)
                except ConflictError as exc:
                    assert exc.message == claims.NOTHING_LEFT
                    return
                item = claimed["item"]
                got[rater].append(item["item_id"])
                if label:
                    annotations.label_claimed(scope, queue_id, rater, item, label="pass")
                else:
                    return
        except BaseException as exc:  # surfaced to the test thread
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(r,)) for r in raters]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=deadline_s + 30)
    assert not errors, errors
    assert not any(t.is_alive() for t in threads)
    return got


@pytest.mark.parametrize("per_item", [1, 3])
def test_sixteen_threads_never_share_an_item(scope: Scope, tmp_path: Path, per_item: int) -> None:
    n = 60
    run_id = make_run(scope, tmp_path, n)
    queue_id = make_queue(scope, run_id, n, annotations_per_item=per_item)
    raters = [f"rater{i}" for i in range(16)]
    got = hammer(scope, queue_id, raters, label=True)
    per_item_count = Counter(i for items in got.values() for i in items)
    assert len(per_item_count) == n
    assert set(per_item_count.values()) == {per_item}
    for items in got.values():
        assert len(items) == len(set(items)), "a rater got the same item twice"
    rows = claims_sql.claim_counts_by_item(scope, queue_id)
    assert Counter(r[0] for r in rows) == per_item_count
    assert {r[2] for r in rows} == {"completed"}
    prog = queues.get_queue(scope, queue_id)["progress"]
    assert prog == {
        "total": n,
        "pending": 0,
        "claimed": 0,
        "done": n,
        "annotations": n * per_item,
    }


def test_claims_without_labels_hand_out_each_item_once(scope: Scope, tmp_path: Path) -> None:
    run_id = make_run(scope, tmp_path, 10)
    queue_id = make_queue(scope, run_id, 10)
    got = hammer(scope, queue_id, [f"r{i}" for i in range(16)], label=False)
    items = [i for v in got.values() for i in v]
    assert len(items) == 10 and len(set(items)) == 10


def test_held_lease_comes_back_and_item_content_hides_scores(scope: Scope, tmp_path: Path):
    run_id = make_run(scope, tmp_path, 3)
    queue_id = make_queue(scope, run_id, 3)
    first = claims.claim_next(scope, queue_id, "alice")
    again = claims.claim_next(scope, queue_id, "alice")
    assert again["item"]["item_id"] == first["item"]["item_id"]
    item = first["item"]
    assert item["input"].startswith("question") and item["expected"].startswith("expected")
    assert item["target_type"] == "eval_case" and item["target_id"].startswith(run_id)
    assert "scores" not in item and "llm_judge" not in str(item)


def test_lease_expiry_returns_the_item_to_the_pool(
    scope: Scope, tmp_path: Path, clock: FakeClock
) -> None:
    run_id = make_run(scope, tmp_path, 1)
    queue_id = make_queue(scope, run_id, 1, lease_seconds=60)
    alice = claims.claim_next(scope, queue_id, "alice")
    with pytest.raises(ConflictError):
        claims.claim_next(scope, queue_id, "bob")
    clock.advance(59)
    with pytest.raises(ConflictError):
        claims.claim_next(scope, queue_id, "bob")
    clock.advance(2)
    bob = claims.claim_next(scope, queue_id, "bob")
    assert bob["item"]["item_id"] == alice["item"]["item_id"]
    statuses = sorted(r[2] for r in claims_sql.claim_counts_by_item(scope, queue_id))
    assert statuses == ["active", "expired"]
    from evalguard_core import events

    logged = events.list_events(scope, queue_id=queue_id, kind="expire")["events"]
    assert logged and logged[0]["actor"] == "alice"


def test_expire_sweep(scope: Scope, tmp_path: Path, clock: FakeClock) -> None:
    run_id = make_run(scope, tmp_path, 3)
    queue_id = make_queue(scope, run_id, 3, lease_seconds=30)
    claims.claim_next(scope, queue_id, "alice")
    claims.claim_next(scope, queue_id, "bob")
    assert len(claims.list_claims(scope, queue_id)["claims"]) == 2
    clock.advance(31)
    assert claims.expire_leases(scope, queue_id) == 2
    assert claims.list_claims(scope, queue_id)["claims"] == []
    assert queues.get_queue(scope, queue_id)["progress"]["pending"] == 3


def test_release_gives_the_item_to_someone_else_and_sorts_it_last_for_me(
    scope: Scope, tmp_path: Path
) -> None:
    run_id = make_run(scope, tmp_path, 2)
    queue_id = make_queue(scope, run_id, 2)
    first = claims.claim_next(scope, queue_id, "alice")["item"]["item_id"]
    claims.release(scope, queue_id, first, "alice")
    second = claims.claim_next(scope, queue_id, "alice")["item"]["item_id"]
    assert second != first
    assert claims.claim_next(scope, queue_id, "bob")["item"]["item_id"] == first
    with pytest.raises(ConflictError):
        claims.release(scope, queue_id, first, "alice")
    with pytest.raises(NotFoundError):
        claims.release(scope, queue_id, 999_999, "alice")


def test_skipped_item_comes_back_when_nothing_else_is_left(scope: Scope, tmp_path: Path):
    run_id = make_run(scope, tmp_path, 1)
    queue_id = make_queue(scope, run_id, 1)
    item = claims.claim_next(scope, queue_id, "alice")["item"]["item_id"]
    claims.release(scope, queue_id, item, "alice")
    assert claims.claim_next(scope, queue_id, "alice")["item"]["item_id"] == item


def test_heartbeat_extends_the_lease(scope: Scope, tmp_path: Path, clock: FakeClock) -> None:
    run_id = make_run(scope, tmp_path, 1)
    queue_id = make_queue(scope, run_id, 1, lease_seconds=60)
    item = claims.claim_next(scope, queue_id, "alice")["item"]["item_id"]
    clock.advance(50)
    beat = claims.heartbeat(scope, queue_id, item, "alice")
    assert beat["lease_expires_at"] == clock.now + timedelta(seconds=60)
    clock.advance(50)  # 100 s after the claim: alive only thanks to the heartbeat
    with pytest.raises(ConflictError):
        claims.claim_next(scope, queue_id, "bob")
    with pytest.raises(ConflictError):
        claims.heartbeat(scope, queue_id, item, "bob")


def test_heartbeat_after_expiry_fails_once_someone_else_has_it(
    scope: Scope, tmp_path: Path, clock: FakeClock
) -> None:
    run_id = make_run(scope, tmp_path, 1)
    queue_id = make_queue(scope, run_id, 1, lease_seconds=60)
    item = claims.claim_next(scope, queue_id, "alice")["item"]["item_id"]
    clock.advance(61)
    claims.claim_next(scope, queue_id, "bob")
    with pytest.raises(ConflictError, match="expired"):  # "expired or was released"
        claims.heartbeat(scope, queue_id, item, "alice")


def test_a_rater_never_gets_an_item_it_labelled(scope: Scope, tmp_path: Path) -> None:
    run_id = make_run(scope, tmp_path, 2)
    queue_id = make_queue(scope, run_id, 2, annotations_per_item=2)
    for _ in range(2):
        assert annotations.claim_and_label(scope, queue_id, "alice", label="fail")
    with pytest.raises(ConflictError, match="nothing left"):
        claims.claim_next(scope, queue_id, "alice")
    assert claims.claim_next(scope, queue_id, "bob")


def test_raising_overlap_reopens_done_items(scope: Scope, tmp_path: Path) -> None:
    run_id = make_run(scope, tmp_path, 1)
    queue_id = make_queue(scope, run_id, 1)
    item = annotations.claim_and_label(scope, queue_id, "alice", label="pass")
    assert item is not None
    with pytest.raises(ConflictError):
        claims.claim_next(scope, queue_id, "bob")
    queues.update_queue(scope, queue_id, {"annotations_per_item": 2})
    assert claims.claim_next(scope, queue_id, "bob")["item"]["item_id"] == item["item_id"]


def test_other_org_cannot_claim_or_see(store: Store, scope: Scope, tmp_path: Path) -> None:
    from evalguard_core import orgs

    run_id = make_run(scope, tmp_path, 1)
    queue_id = make_queue(scope, run_id, 1)
    other = store.scope(orgs.create_org(store, "other")["org_id"])
    with pytest.raises(NotFoundError):
        claims.claim_next(other, queue_id, "eve")
    with pytest.raises(NotFoundError):
        queues.get_queue(other, queue_id)
    assert queues.list_queues(other) == []
