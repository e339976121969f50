"""Lifecycle on both backends: correct, retract, undo, archive, delete -- audit trail intact and
`store check` clean after every test (the autouse fixture runs it)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest

from evalguard_core import annotations, claims, exports, lifecycle, queues, runs, tasks
from evalguard_core.errors import ConflictError, NotFoundError, ValidationError
from evalguard_core.store import Scope, Store


@pytest.fixture(autouse=True)
def store_checked(store: Store) -> Iterator[None]:
    """After every lifecycle test: no orphan rows anywhere in the store."""
    yield
    report = lifecycle.store_check(store)
    assert report["ok"], [c for c in report["checks"] if c["rows"]]


def make_queue(scope: Scope, run_id: str, per_item: int = 1, n: int = 4) -> str:
    """A queue over the first n sample cases."""
    q = queues.create_queue(scope, name="review", annotations_per_item=per_item)
    queues.add_items(scope, q["queue_id"], [f"{run_id}:c{i}" for i in range(1, n + 1)])
    return q["queue_id"]


def label_next(scope: Scope, qid: str, rater: str, label: str = "pass") -> dict[str, Any]:
    """Claim and label one item; returns the annotate answer plus the item."""
    item = claims.claim_next(scope, qid, rater)["item"]
    out = annotations.create_annotation(
        scope,
        annotator=rater,
        target_id=item["target_id"],
        target_type="eval_case",
        label=label,
        queue_id=qid,
    )
    return {**out, "item": item}


def kinds(scope: Scope, qid: str) -> list[str]:
    """Event kinds of a queue, oldest first."""
    return [e["kind"] for e in lifecycle.label_history(scope, queue_id=qid)]


def test_replace_own_label_keeps_the_old_value_in_the_history(scope: Scope, sample_run) -> None:
    qid = make_queue(scope, sample_run)
    done = label_next(scope, qid, "ann")
    out = lifecycle.replace_label(scope, done["annotation_id"], annotator="ann", label="fail")
    assert out["updated"] is True
    current = annotations.list_queue_annotations(scope, qid)
    assert [a["label"] for a in current] == ["fail"]
    history = lifecycle.label_history(scope, queue_id=qid)
    relabel = history[-1]
    assert relabel["kind"] == "relabel" and relabel["actor"] == "ann"
    assert '"pass"' in relabel["payload"] and '"fail"' in relabel["payload"]
    # Another rater cannot even see that the label exists.
    with pytest.raises(NotFoundError):
        lifecycle.replace_label(scope, done["annotation_id"], annotator="eve", label="pass")
    # The value is still checked against the queue's options.
    with pytest.raises(ValidationError):
        lifecycle.replace_label(scope, done["annotation_id"], annotator="ann", label="maybe")


def test_retract_own_label_reopens_the_item(scope: Scope, sample_run) -> None:
    qid = make_queue(scope, sample_run, n=1)
    done = label_next(scope, qid, "ann")
    assert queues.get_queue(scope, qid)["progress"]["done"] == 1
    with pytest.raises(ConflictError):  # nothing left
        claims.claim_next(scope, qid, "bob")
    out = lifecycle.retract_label(scope, done["annotation_id"], actor="ann")
    assert out["item_status"] == "pending"
    assert annotations.list_queue_annotations(scope, qid) == []
    assert claims.claim_next(scope, qid, "bob")["item"]["item_id"] == done["item"]["item_id"]
    assert kinds(scope, qid) == ["annotate", "retract"]


def test_admin_retract_needs_a_reason_and_logs_it(scope: Scope, sample_run) -> None:
    qid = make_queue(scope, sample_run, per_item=2, n=1)
    a = label_next(scope, qid, "ann")
    label_next(scope, qid, "bob")
    with pytest.raises(NotFoundError):  # a rater cannot retract someone else's label
        lifecycle.retract_label(scope, a["annotation_id"], actor="bob")
    with pytest.raises(ValidationError) as err:
        lifecycle.retract_label(scope, a["annotation_id"], actor="boss", admin=True)
    assert err.value.details["field"] == "reason"
    out = lifecycle.retract_label(
        scope, a["annotation_id"], actor="boss", admin=True, reason="rater misread the rubric"
    )
    # One of two required labels left: the item goes back to the pool for a second rater.
    assert out["item_status"] == "pending"
    event = lifecycle.label_history(scope, queue_id=qid)[-1]
    assert event["actor"] == "boss" and "misread the rubric" in event["payload"]
    assert claims.claim_next(scope, qid, "cat")["item"]["item_id"] == a["item"]["item_id"]


def test_undo_brings_back_the_item_leased_to_the_same_rater(scope: Scope, sample_run) -> None:
    qid = make_queue(scope, sample_run)
    first = label_next(scope, qid, "ann", label="fail")
    out = lifecycle.undo_last(scope, qid, "ann")
    assert out["claim"]["item_id"] == first["item"]["item_id"]
    assert out["claim"]["input"]  # the item's content, ready to label again
    # The rater's held item is the one brought back; labelling it again counts once.
    again = claims.claim_next(scope, qid, "ann")["item"]
    assert again["item_id"] == first["item"]["item_id"]
    annotations.create_annotation(
        scope,
        annotator="ann",
        target_id=again["target_id"],
        target_type="eval_case",
        label="pass",
        queue_id=qid,
    )
    q = queues.get_queue(scope, qid)
    assert q["progress"]["done"] == 1 and q["progress"]["annotations"] == 1
    assert kinds(scope, qid) == ["annotate", "retract", "annotate"]
    with pytest.raises(ConflictError):
        lifecycle.undo_last(scope, qid, "nobody")


def test_archive_blocks_claims_and_labels_and_restore_reopens(scope: Scope, sample_run) -> None:
    qid = make_queue(scope, sample_run)
    held = claims.claim_next(scope, qid, "ann")["item"]
    done = label_next(scope, qid, "bob")
    archived = lifecycle.archive_queue(scope, qid, actor="boss")
    assert archived["archived_at"] is not None and archived["leases_ended"] == 1
    assert qid not in {q["queue_id"] for q in queues.list_queues(scope)}
    assert qid in {q["queue_id"] for q in queues.list_queues(scope, include_archived=True)}
    with pytest.raises(ConflictError, match="archived"):
        claims.claim_next(scope, qid, "cat")
    with pytest.raises(ConflictError, match="archived"):
        annotations.create_annotation(
            scope,
            annotator="ann",
            target_id=held["target_id"],
            target_type="eval_case",
            label="pass",
            queue_id=qid,
        )
    with pytest.raises(ConflictError, match="archived"):
        lifecycle.retract_label(scope, done["annotation_id"], actor="bob")
    with pytest.raises(ConflictError, match="archived"):
        queues.update_queue(scope, qid, {"name": "x"})
    # Reads still work: reports and exports use the labels of archived queues.
    assert len(annotations.list_queue_annotations(scope, qid)) == 1
    with pytest.raises(ConflictError):
        lifecycle.archive_queue(scope, qid, actor="boss")
    lifecycle.restore_queue(scope, qid, actor="boss")
    assert claims.claim_next(scope, qid, "cat")["item"]
    assert {"queue_archive", "queue_restore"} <= {e["kind"] for e in _events(scope, qid)}


def _events(scope: Scope, qid: str) -> list[dict[str, Any]]:
    """All events of a queue."""
    from evalguard_core import events

    return events.list_events(scope, queue_id=qid, limit=1000)["events"]


def test_delete_queue_keeps_labels_unless_asked(scope: Scope, sample_run) -> None:
    qid = make_queue(scope, sample_run)
    done = label_next(scope, qid, "ann")
    claims.claim_next(scope, qid, "bob")
    preview = lifecycle.queue_deletion_preview(scope, qid)
    assert (preview["items"], preview["labels"], preview["active_leases"]) == (4, 1, 1)
    out = lifecycle.delete_queue(scope, qid, actor="boss")
    assert (out["items_deleted"], out["leases_deleted"], out["labels_kept"]) == (4, 2, 1)
    with pytest.raises(NotFoundError):
        queues.get_queue(scope, qid)
    with pytest.raises(NotFoundError):
        claims.claim_next(scope, qid, "bob")
    kept = exports.export_table(scope, "annotations", run_id=sample_run).to_pylist()
    assert [a["label"] for a in kept] == ["pass"] and done["annotation_id"]

    qid2 = make_queue(scope, sample_run)
    label_next(scope, qid2, "ann")
    out = lifecycle.delete_queue(scope, qid2, actor="boss", delete_labels=True)
    assert out["labels_deleted"] == 1 and out["labels_kept"] == 0


def test_remove_items_refuses_labelled_ones_unless_flagged(scope: Scope, sample_run) -> None:
    qid = make_queue(scope, sample_run)
    done = label_next(scope, qid, "ann")
    labelled = done["item"]["item_id"]
    items = [c["item_id"] for c in _items(scope, qid)]
    unlabelled = [i for i in items if i != labelled]
    with pytest.raises(ConflictError, match="have labels"):
        lifecycle.remove_items(scope, qid, [labelled, *unlabelled], actor="boss")
    assert len(_items(scope, qid)) == 4  # nothing removed
    with pytest.raises(NotFoundError):
        lifecycle.remove_items(scope, qid, [999_999], actor="boss")
    out = lifecycle.remove_items(scope, qid, unlabelled, actor="boss")
    assert out["items_removed"] == 3 and out["labels_deleted"] == 0
    out = lifecycle.remove_items(scope, qid, [labelled], actor="boss", include_labelled=True)
    assert out["items_removed"] == 1 and out["labels_deleted"] == 1
    assert queues.get_queue(scope, qid)["progress"]["total"] == 0


def _items(scope: Scope, qid: str) -> list[dict[str, Any]]:
    """Item ids of a queue via the store's lookup of each sample trace."""
    from evalguard_core.store import items as items_sql

    found = []
    for trace in range(1, 50):
        row = items_sql.find_item(scope, qid, trace_id=trace)
        if row:
            found.append(row)
    return found


def test_delete_run_refuses_while_used_then_force_removes_all(scope: Scope, sample_run) -> None:
    qid = make_queue(scope, sample_run)
    label_next(scope, qid, "ann")
    page = runs.list_cases(scope, sample_run)["cases"]
    tasks.create_task(scope, name="t", trace_ids=[page[0]["trace_id"]])
    with pytest.raises(ConflictError) as err:
        lifecycle.delete_run(scope, sample_run, actor="boss")
    assert "1 labels" in err.value.message and "4 queue items" in err.value.message
    assert runs.get_run_summary(scope, sample_run)  # still there
    out = lifecycle.delete_run(scope, sample_run, actor="boss", force=True)
    assert (out["cases"], out["labels"], out["queue_items"], out["task_items"]) == (4, 1, 4, 1)
    with pytest.raises(NotFoundError):
        lifecycle.delete_run(scope, sample_run, actor="boss")
    with pytest.raises(ConflictError):  # the queue is empty now
        claims.claim_next(scope, qid, "bob")


def test_delete_unused_run_needs_no_force(scope: Scope, sample_run) -> None:
    out = lifecycle.delete_run(scope, sample_run, actor="boss")
    assert out["cases"] == 4 and out["scores"] > 0


def test_pseudonymise_keeps_labels_for_agreement(scope: Scope, sample_run) -> None:
    qid = make_queue(scope, sample_run, per_item=2, n=2)
    for rater in ("ann", "bob"):
        label_next(scope, qid, rater)
        label_next(scope, qid, rater, label="fail")
    exported = lifecycle.export_rater(scope, "ann")
    assert len(exported["labels"]) == 2 and len(exported["events"]) >= 4
    out = lifecycle.pseudonymise_rater(scope, "ann", actor="boss")
    alias = out["alias"]
    assert alias.startswith("rater-") and out["renamed"]["labels"] == 2
    raters = {a["annotator"] for a in annotations.list_queue_annotations(scope, qid)}
    assert raters == {alias, "bob"}
    with pytest.raises(NotFoundError):
        lifecycle.export_rater(scope, "ann")
    with pytest.raises(ConflictError):
        lifecycle.pseudonymise_rater(scope, "ann", actor="boss")
    assert lifecycle.export_rater(scope, alias)["labels"]


def test_delete_org_data_leaves_other_orgs(store: Store, sample_csv) -> None:
    from evalguard_core import auth, orgs

    orgs.create_org(store, "gone")
    gone = auth.resolve_org(store, "gone")
    gs = store.scope(gone["org_id"])
    rid = runs.import_run(gs, sample_csv, name="theirs").run_id
    label_next(gs, make_queue(gs, rid), "ann")
    mine = runs.import_run(store.scope(), sample_csv, name="mine").run_id
    counts = lifecycle.org_deletion_preview(store, gone["org_id"])
    assert counts["cases"] == 4 and counts["annotations"] == 1
    out = lifecycle.delete_org_data(store, gone, actor="ops")
    assert out["removed"]["cases"] == 4
    assert lifecycle.org_deletion_preview(store, gone["org_id"]) == dict.fromkeys(counts, 0)
    assert runs.get_run_summary(store.scope(), mine)
    with pytest.raises(NotFoundError):
        auth.resolve_org(store, "gone")
    default = auth.resolve_org(store, None)
    with pytest.raises(ValidationError):
        lifecycle.delete_org_data(store, default, actor="ops")


def test_concurrent_raters_while_a_queue_is_deleted(scope: Scope, sample_run) -> None:
    """Raters claiming and labelling in threads while an admin deletes the queue: every answer
    is a clean result, 404 or 409; the store has no orphans afterwards (fixture)."""
    qid = make_queue(scope, sample_run, per_item=4)
    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(5)

    def rater(name: str) -> None:
        start.wait()
        for _ in range(30):
            try:
                label_next(scope, qid, name)
                result = "ok"
            except NotFoundError:
                result = "404"
            except ConflictError:
                result = "409"
            except ValidationError as exc:  # the item vanished between claim and label
                result = f"400:{exc.message}"
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=rater, args=(f"r{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    start.wait()
    lifecycle.delete_queue(scope, qid, actor="boss", delete_labels=True)
    for t in threads:
        t.join(timeout=60)
    assert not any(t.is_alive() for t in threads)
    assert set(outcomes) <= {"ok", "404", "409"}, outcomes
    assert "404" in outcomes


def test_concurrent_raters_while_a_queue_is_archived(scope: Scope, sample_run) -> None:
    qid = make_queue(scope, sample_run, per_item=4)
    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(5)

    def rater(name: str) -> None:
        start.wait()
        for _ in range(30):
            try:
                label_next(scope, qid, name)
                result = "ok"
            except ConflictError as exc:
                result = "archived" if "archived" in exc.message else "409"
            with lock:
                outcomes.append(result)

    threads = [threading.Thread(target=rater, args=(f"r{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    start.wait()
    lifecycle.archive_queue(scope, qid, actor="boss")
    for t in threads:
        t.join(timeout=60)
    assert "archived" in outcomes
    # No live lease survives the archive (a claim racing it ended or was refused).
    assert claims.list_claims(scope, qid)["claims"] == [] or all(
        c["annotator"].startswith("r") for c in claims.list_claims(scope, qid)["claims"]
    )


def _delete_between_lease_read_and_item_read(monkeypatch: pytest.MonkeyPatch, action: Any) -> None:
    """Run `action` (a real delete) right after claim_next has read the rater's lease.

    This is the interleaving that gave raters a 500 under load: the lease is read, an admin
    deletes the item or the queue, then the item lookup finds nothing.
    """
    real = claims._rater_state
    fired: list[bool] = []

    def state_then_delete(*args: Any, **kwargs: Any) -> Any:
        out = real(*args, **kwargs)
        if out[0] is not None and not fired:
            fired.append(True)
            action()
        return out

    monkeypatch.setattr(claims, "_rater_state", state_then_delete)


def test_rater_whose_leased_item_vanishes_with_its_queue_gets_404(
    scope: Scope, sample_run, monkeypatch: pytest.MonkeyPatch
) -> None:
    qid = make_queue(scope, sample_run)
    claims.claim_next(scope, qid, "ann")  # ann holds a lease
    _delete_between_lease_read_and_item_read(
        monkeypatch, lambda: lifecycle.delete_queue(scope, qid, actor="boss")
    )
    with pytest.raises(NotFoundError, match=f"queue {qid} not found") as err:
        claims.claim_next(scope, qid, "ann")
    assert err.value.details == {"queue_id": qid}


def test_rater_whose_leased_item_is_removed_gets_the_next_one(
    scope: Scope, sample_run, monkeypatch: pytest.MonkeyPatch
) -> None:
    qid = make_queue(scope, sample_run)
    held = claims.claim_next(scope, qid, "ann")["item"]["item_id"]
    _delete_between_lease_read_and_item_read(
        monkeypatch, lambda: lifecycle.remove_items(scope, qid, [held], actor="boss")
    )
    got = claims.claim_next(scope, qid, "ann")["item"]
    assert got["item_id"] != held
    assert queues.get_queue(scope, qid)["progress"]["total"] == 3
