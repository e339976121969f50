"""The Label page's core rules: pairwise side order per rater and item, and late labels."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from evalguard_core import annotations, claims, events, queues
from evalguard_core.errors import ConflictError, ValidationError
from evalguard_core.store import Scope
from tests.core.test_claims import FakeClock, clock, make_queue, make_run  # noqa: F401


def _pairwise_queue(scope: Scope, tmp_path: Path, n: int) -> str:
    run_id = make_run(scope, tmp_path, n, pairwise=True)
    queue = queues.create_queue(scope, name="pairs", target_type="pairwise")
    queues.add_items(scope, queue["queue_id"], [f"{run_id}:p{i}" for i in range(n)])
    return queue["queue_id"]


def test_shown_order_is_stable_per_rater_and_item_and_random_across_items() -> None:
    orders = [claims.pairwise_order("q1", item, "alice") for item in range(400)]
    assert orders == [claims.pairwise_order("q1", item, "alice") for item in range(400)]
    assert set(orders) == {"AB", "BA"}
    assert 150 < Counter(orders)["BA"] < 250  # about half the items show B on the left
    bob = [claims.pairwise_order("q1", item, "bob") for item in range(400)]
    assert bob != orders  # raters of the same item get independent orders


@pytest.mark.parametrize(
    ("order", "side", "label"),
    [
        ("AB", "left", "A"),
        ("AB", "right", "B"),
        ("BA", "left", "B"),
        ("BA", "right", "A"),
        ("BA", "tie", "tie"),
        ("AB", "tie", "tie"),
    ],
)
def test_the_clicked_side_maps_back_to_the_stored_label(order: str, side: str, label: str) -> None:
    assert annotations.pairwise_label(order, side) == label


def test_bad_order_or_side_is_a_validation_error() -> None:
    with pytest.raises(ValidationError):
        annotations.pairwise_label("AA", "left")
    with pytest.raises(ValidationError):
        annotations.pairwise_label("AB", "middle")


def test_pairwise_label_records_the_shown_order_on_claim_and_event(
    scope: Scope, tmp_path: Path
) -> None:
    queue_id = _pairwise_queue(scope, tmp_path, 6)
    stored = {}
    for _ in range(6):
        item = claims.claim_next(scope, queue_id, "alice")["item"]
        order = claims.pairwise_order(queue_id, item["item_id"], "alice")
        # The rater prefers the response shown on the right.
        label = annotations.pairwise_label(order, "right")
        result = annotations.create_annotation(
            scope,
            annotator="alice",
            target_id=item["target_id"],
            target_type="pairwise",
            label=label,
            queue_id=queue_id,
            source="ui",
            shown_order=order,
        )
        assert result["lease"] == "live"
        stored[item["item_id"]] = (order, label)
    for order, label in stored.values():
        assert label == order[1]  # the right-hand output, whichever it was
    rows = scope.db.fetchall(
        "SELECT item_id, shown_order FROM claims WHERE status = 'completed' ORDER BY item_id"
    )
    assert {i: o for i, o in rows} == {i: o for i, (o, _) in stored.items()}
    annotated = events.list_events(scope, queue_id=queue_id, kind="annotate")["events"]
    payloads = {e["item_id"]: e["payload"] for e in annotated}
    for item_id, (order, label) in stored.items():
        assert payloads[item_id]["shown_order"] == order
        assert payloads[item_id]["label"] == label


def test_shown_order_only_for_pairwise_targets(scope: Scope, tmp_path: Path) -> None:
    run_id = make_run(scope, tmp_path, 2)
    queue_id = make_queue(scope, run_id, 2)
    with pytest.raises(ValidationError):
        annotations.create_annotation(
            scope,
            annotator="alice",
            target_id=f"{run_id}:c0",
            target_type="eval_case",
            label="pass",
            queue_id=queue_id,
            shown_order="AB",
        )


def test_late_label_is_refused_unless_the_queue_allows_unclaimed_labels(
    scope: Scope,
    tmp_path: Path,
    clock: FakeClock,  # noqa: F811
) -> None:
    run_id = make_run(scope, tmp_path, 1)
    queue_id = make_queue(scope, run_id, 1, lease_seconds=60)
    item = claims.claim_next(scope, queue_id, "alice")["item"]
    clock.advance(61)
    body = {"target_id": item["target_id"], "target_type": "eval_case", "label": "pass"}
    with pytest.raises(ConflictError) as refused:
        annotations.create_annotation(scope, annotator="alice", queue_id=queue_id, **body)
    assert refused.value.details["reason"] == "lease_expired"
    assert queues.get_queue(scope, queue_id)["progress"]["done"] == 0

    # In a queue that allows unclaimed labels, the late label lands while nobody holds the item.
    queues.update_queue(scope, queue_id, {"allow_unclaimed": True})
    late = annotations.create_annotation(scope, annotator="alice", queue_id=queue_id, **body)
    assert late["lease"] == "expired"
    assert queues.get_queue(scope, queue_id)["progress"]["done"] == 1


def test_late_label_after_another_rater_took_the_item_is_refused(
    scope: Scope,
    tmp_path: Path,
    clock: FakeClock,  # noqa: F811
) -> None:
    run_id = make_run(scope, tmp_path, 1)
    queue_id = make_queue(scope, run_id, 1, lease_seconds=60, allow_unclaimed=True)
    item = claims.claim_next(scope, queue_id, "alice")["item"]
    clock.advance(61)
    assert claims.claim_next(scope, queue_id, "bob")["item"]["item_id"] == item["item_id"]
    with pytest.raises(ConflictError) as refused:
        annotations.create_annotation(
            scope,
            annotator="alice",
            target_id=item["target_id"],
            target_type="eval_case",
            label="fail",
            queue_id=queue_id,
        )
    # bob holds the only slot of this overlap-1 item: alice's label would be a second one.
    assert refused.value.details["reason"] == "held_by_other"
    assert annotations.list_queue_annotations(scope, queue_id) == []


def test_label_without_a_claim_is_refused_with_a_reason(scope: Scope, tmp_path: Path) -> None:
    run_id = make_run(scope, tmp_path, 1)
    queue_id = make_queue(scope, run_id, 1)
    with pytest.raises(ConflictError) as refused:
        annotations.create_annotation(
            scope,
            annotator="alice",
            target_id=f"{run_id}:c0",
            target_type="eval_case",
            label="pass",
            queue_id=queue_id,
        )
    assert refused.value.details["reason"] == "not_claimed"
