"""Lifecycle in the UI (AppTest, real store): Undo on the Label page; a rater's replace/retract,
admin retract with a reason, item removal, archive and delete a queue, delete a run, rater
export/pseudonymise and organization data deletion -- each behind a confirmation that names what
will be lost."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from evalguard_core import annotations, auth, lifecycle, orgs, queues, runs
from tests.conftest import SAMPLE_CSV
from tests.ui.conftest import page_path


def _queue(ui_store, tmp_path: Path, n: int = 2) -> tuple[str, str]:
    """A run and a queue of its first n cases: (run id, queue id)."""
    path = tmp_path / "run.csv"
    path.write_text(SAMPLE_CSV)
    scope = ui_store.scope()
    run_id = runs.import_run(scope, path, name="sample").run_id
    q = queues.create_queue(scope, name="review")
    queues.add_items(scope, q["queue_id"], [f"{run_id}:c{i}" for i in range(1, n + 1)])
    return run_id, q["queue_id"]


def _item_caption(at: AppTest) -> str:
    """The 'Item N · case X' caption of the item on screen."""
    return next(c.value for c in at.caption if c.value.startswith("Item ")).split(" · ")[0]


def test_undo_brings_back_the_item_just_labelled(ui_store, tmp_path: Path) -> None:
    _, queue_id = _queue(ui_store, tmp_path)
    at = AppTest.from_file(page_path("label.py"), default_timeout=30).run()
    first = _item_caption(at)
    next(b for b in at.button if b.label == "fail").click().run()
    assert _item_caption(at) != first
    undo = next(b for b in at.button if b.label == "Undo last label")
    assert undo.proto.shortcut  # the `U` keyboard shortcut is bound
    undo.click().run()
    assert not at.exception
    assert _item_caption(at) == first
    assert any("taken back" in i.value for i in at.info)
    scope = ui_store.scope()
    assert queues.get_queue(scope, queue_id)["progress"]["annotations"] == 0
    next(b for b in at.button if b.label == "pass").click().run()
    labels = [e["kind"] for e in lifecycle.label_history(scope, queue_id=queue_id)]
    assert labels == ["annotate", "retract", "annotate"]


def test_undo_after_the_queue_is_finished(ui_store, tmp_path: Path) -> None:
    _queue(ui_store, tmp_path, n=1)
    at = AppTest.from_file(page_path("label.py"), default_timeout=30).run()
    next(b for b in at.button if b.label == "pass").click().run()
    assert any("Queue finished" in s.value for s in at.success)
    next(b for b in at.button if b.label == "Undo last label").click().run()
    assert not at.exception
    assert _item_caption(at).startswith("Item ")


def test_archive_then_delete_queue_with_confirmation(ui_store, tmp_path: Path) -> None:
    _, queue_id = _queue(ui_store, tmp_path)
    at = AppTest.from_file(page_path("queues.py"), default_timeout=30).run()
    next(b for b in at.button if b.label == "Archive queue").click().run()
    assert not at.exception
    assert any("Archived **review**" in t.value for t in at.toast)
    scope = ui_store.scope()
    assert queues.list_queues(scope) == []  # hidden from default lists
    next(t for t in at.toggle if t.label == "Show archived queues").set_value(True).run()
    assert any("archived at" in i.value for i in at.info)
    delete = next(b for b in at.button if b.label == "Delete queue")
    assert delete.disabled  # until the loss is acknowledged
    sure = next(c for c in at.checkbox if c.label.startswith("I understand"))
    assert "2 item(s)" in sure.label and "label(s) are kept" in sure.label
    sure.check().run()
    next(b for b in at.button if b.label == "Delete queue").click().run()
    assert not at.exception
    assert any("Deleted **review**" in s.value for s in at.success)
    assert queues.list_queues(scope, include_archived=True) == []
    assert lifecycle.store_check(ui_store)["ok"]


def test_delete_run_names_what_goes(ui_store, tmp_path: Path) -> None:
    run_id, _ = _queue(ui_store, tmp_path)
    at = AppTest.from_file(page_path("runs.py"), default_timeout=30).run()
    sure = next(c for c in at.checkbox if c.label.startswith("I understand"))
    assert "4 case(s)" in sure.label and "2 queue item(s)" in sure.label
    sure.check().run()
    next(b for b in at.button if b.label == "Delete run").click().run()
    # Items use the run: refused until "also delete" is ticked.
    assert any("queue item" in e.value for e in at.error)
    next(c for c in at.checkbox if c.label.startswith("Also delete")).check().run()
    next(b for b in at.button if b.label == "Delete run").click().run()
    assert any("Deleted run" in s.value for s in at.success)
    assert runs.list_runs(ui_store.scope()) == []
    assert lifecycle.store_check(ui_store)["ok"]


def _label(ui_store, queue_id: str, rater: str, label: str = "pass") -> dict:
    """Claim and label one item as `rater` through the core: the item and its annotation_id."""
    scope = ui_store.scope()
    item = annotations.claim_and_label(scope, queue_id, rater, label=label)
    assert item is not None
    newest = lifecycle.queue_labels(scope, queue_id, annotator=rater)[0]
    return {"item": item, "annotation_id": newest["annotation_id"]}


def _signed_in(ui_store, page: str, name: str, role: str) -> AppTest:
    """The page as a signed-in key of that name and role."""
    key = auth.create_key(ui_store, name=name, role=role)["key"]
    at = AppTest.from_file(page_path(page), default_timeout=30)
    at.session_state["eg_actor"] = auth.authenticate(ui_store, key)
    return at.run()


def test_rater_replaces_then_retracts_own_label_and_never_sees_others(
    ui_store, tmp_path: Path
) -> None:
    _, queue_id = _queue(ui_store, tmp_path, n=3)
    scope = ui_store.scope()
    _label(ui_store, queue_id, "someone_else", "fail")
    mine = _label(ui_store, queue_id, "rita", "pass")
    at = _signed_in(ui_store, "queues.py", "rita", "annotator")
    pick = next(s for s in at.selectbox if s.label == "Label (newest first)")
    assert pick.options == [pick.format_func(mine["annotation_id"])]  # blind: only her own
    next(s for s in at.selectbox if s.label == "New label").select("fail")
    next(b for b in at.button if b.label == "Replace label").click().run()
    assert not at.exception
    assert any("Replaced" in s.value for s in at.success)
    last = lifecycle.label_history(scope, queue_id=queue_id)[-1]
    assert (last["kind"], last["actor"]) == ("relabel", "rita")
    assert "pass" in str(last["payload"])  # the old value is kept
    assert sorted(a["label"] for a in lifecycle.queue_labels(scope, queue_id)) == ["fail", "fail"]
    retract = next(b for b in at.button if b.label == "Retract label")
    assert retract.disabled  # until the loss is acknowledged
    sure = next(c for c in at.checkbox if c.label.startswith("I understand"))
    assert "rita's label 'fail'" in sure.label and "removes 1 label" in sure.label
    sure.check().run()
    next(b for b in at.button if b.label == "Retract label").click().run()
    assert any("Retracted" in s.value for s in at.success)
    assert [a["annotator"] for a in lifecycle.queue_labels(scope, queue_id)] == ["someone_else"]
    assert lifecycle.store_check(ui_store)["ok"]


def test_admin_retracts_a_raters_label_only_with_a_reason(ui_store, tmp_path: Path) -> None:
    _, queue_id = _queue(ui_store, tmp_path)
    done = _label(ui_store, queue_id, "rita", "pass")
    at = _signed_in(ui_store, "queues.py", "boss", "admin")
    assert not any(b.label == "Replace label" for b in at.button)  # not the admin's label
    next(c for c in at.checkbox if c.label.startswith("I understand: Retracting")).check().run()
    next(b for b in at.button if b.label == "Retract label").click().run()
    assert any("give a reason" in e.value for e in at.error)
    assert len(lifecycle.queue_labels(ui_store.scope(), queue_id)) == 1  # nothing lost
    next(t for t in at.text_input if t.label.startswith("Reason")).input("wrong rubric").run()
    next(b for b in at.button if b.label == "Retract label").click().run()
    assert any("Retracted" in s.value and "pending" in s.value for s in at.success)
    retract = lifecycle.label_history(ui_store.scope(), queue_id=queue_id)[-1]
    assert retract["kind"] == "retract" and retract["actor"] == "boss"
    assert retract["annotation_id"] == done["annotation_id"]
    assert "wrong rubric" in str(retract["payload"])
    assert lifecycle.store_check(ui_store)["ok"]


def test_remove_items_labelled_ones_only_with_the_checkbox(ui_store, tmp_path: Path) -> None:
    _, queue_id = _queue(ui_store, tmp_path, n=3)
    labelled = _label(ui_store, queue_id, "rita")["item"]["item_id"]
    at = AppTest.from_file(page_path("queues.py"), default_timeout=30).run()
    pick = next(m for m in at.multiselect if m.label == "Items to remove")
    assert len(pick.options) == 3
    ids = [i["item_id"] for i in lifecycle.queue_items(ui_store.scope(), queue_id)]
    pick.set_value(ids).run()
    assert any(c.label.startswith("Also remove the 1 labelled") for c in at.checkbox)
    sure = next(c for c in at.checkbox if c.label.startswith("I understand: Removing"))
    assert "3 item(s)" in sure.label and "1 of them have labels" in sure.label
    sure.check().run()
    next(b for b in at.button if b.label == "Remove items").click().run()
    assert any("have labels; nothing was removed" in e.value for e in at.error)
    assert len(lifecycle.queue_items(ui_store.scope(), queue_id)) == 3
    next(c for c in at.checkbox if c.label.startswith("Also remove")).check().run()
    sure = next(c for c in at.checkbox if c.label.startswith("I understand: Removing"))
    assert not sure.value  # the wider loss needs its own acknowledgement
    assert "deletes the 1 label(s)" in sure.label
    sure.check().run()
    next(b for b in at.button if b.label == "Remove items").click().run()
    assert any("Removed 3 item(s); 1 label(s) deleted" in s.value for s in at.success)
    assert lifecycle.queue_items(ui_store.scope(), queue_id) == []
    assert labelled not in {
        a["item_id"] for a in lifecycle.queue_labels(ui_store.scope(), queue_id)
    }
    assert lifecycle.store_check(ui_store)["ok"]


def test_rater_export_and_pseudonymise_on_the_keys_page(ui_store, tmp_path: Path) -> None:
    _, queue_id = _queue(ui_store, tmp_path)
    _label(ui_store, queue_id, "departed")
    at = _signed_in(ui_store, "keys.py", "boss", "admin")
    next(t for t in at.text_input if t.label.startswith("Rater name")).input("nobody").run()
    assert any("not found" in e.value for e in at.error)
    next(t for t in at.text_input if t.label.startswith("Rater name")).input("departed").run()
    assert any("1 label(s)" in m.value for m in at.markdown)
    exported = json.loads(
        lifecycle.rater_json(lifecycle.export_rater(ui_store.scope(), "departed"))
    )
    assert len(exported["labels"]) == 1
    assert at.get("download_button")  # the JSON download is offered
    alias = lifecycle.pseudonym(ui_store.scope().org_id, "departed")
    sure = next(c for c in at.checkbox if c.label.startswith("I understand: Replaces"))
    assert alias in sure.label and "1 label(s)" in sure.label
    assert next(b for b in at.button if b.label == "Pseudonymise rater").disabled
    sure.check().run()
    next(b for b in at.button if b.label == "Pseudonymise rater").click().run()
    assert any(alias in s.value for s in at.success)
    raters = {a["annotator"] for a in lifecycle.queue_labels(ui_store.scope(), queue_id)}
    assert raters == {alias}
    assert lifecycle.store_check(ui_store)["ok"]


def test_org_data_deletion_needs_the_name_and_the_tick(ui_store, tmp_path: Path) -> None:
    run_id, queue_id = _queue(ui_store, tmp_path)
    _label(ui_store, queue_id, "rita")
    other = orgs.create_org(ui_store, "beta")
    at = AppTest.from_file(page_path("keys.py"), default_timeout=30).run()  # local admin
    sure = next(c for c in at.checkbox if c.label.startswith("I understand: this would delete"))
    assert "4 cases" in sure.label and "1 annotations" in sure.label
    sure.check().run()
    assert next(b for b in at.button if b.label == "Delete all data").disabled
    next(t for t in at.text_input if t.label.startswith("Type the organization")).input(
        "wrong"
    ).run()
    assert next(b for b in at.button if b.label == "Delete all data").disabled
    name = auth.resolve_org(ui_store, None)["name"]
    next(t for t in at.text_input if t.label.startswith("Type the organization")).input(name).run()
    next(b for b in at.button if b.label == "Delete all data").click().run()
    assert not at.exception
    assert any("row(s) of organization" in s.value for s in at.success)
    assert runs.list_runs(ui_store.scope()) == []
    assert auth.resolve_org(ui_store, other["org_id"])["name"] == "beta"  # others untouched
    assert lifecycle.store_check(ui_store)["ok"]
