"""Lifecycle in the UI (AppTest, real store): Undo on the Label page, archive and delete a queue
and delete a run behind a confirmation that names what will be lost."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from evalguard_core import lifecycle, queues, runs
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
