"""Label page with AppTest: claim, label (judge hidden), next, skip, done."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from evalguard_core import queues, runs
from tests.conftest import SAMPLE_CSV
from tests.ui.conftest import page_path


def _queue(ui_store, tmp_path: Path, n: int = 2) -> str:
    path = tmp_path / "run.csv"
    path.write_text(SAMPLE_CSV)
    scope = ui_store.scope()
    run_id = runs.import_run(scope, path, name="sample").run_id
    q = queues.create_queue(scope, name="review", instructions="Is the answer right?")
    queues.add_items(scope, q["queue_id"], [f"{run_id}:c{i}" for i in range(1, n + 1)])
    return q["queue_id"]


def test_label_then_next_then_done(ui_store, tmp_path: Path) -> None:
    queue_id = _queue(ui_store, tmp_path)
    at = AppTest.from_file(page_path("label.py"), default_timeout=30).run()
    assert not at.exception
    text = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "Shortcuts" in text and "**1** pass" in text
    shown = " ".join(t.value for t in at.text)
    assert "?" in shown  # an input is shown
    assert "llm_judge" not in shown and "0.9" not in shown  # verdict and scores hidden
    next(b for b in at.button if b.label == "pass").click().run()
    assert not at.exception
    assert queues.get_queue(ui_store.scope(), queue_id)["progress"]["done"] == 1
    next(b for b in at.button if b.label == "fail").click().run()
    assert any("Queue finished" in s.value for s in at.success)
    rows = ui_store.db.fetchall("SELECT annotator, source FROM annotations ORDER BY label")
    assert rows == [("local", "ui"), ("local", "ui")]


def test_skip_gives_another_item(ui_store, tmp_path: Path) -> None:
    queue_id = _queue(ui_store, tmp_path)
    at = AppTest.from_file(page_path("label.py"), default_timeout=30).run()
    first = next(c.value for c in at.caption if c.value.startswith("Item "))
    next(b for b in at.button if b.label == "Skip").click().run()
    second = next(c.value for c in at.caption if c.value.startswith("Item "))
    assert first.split(" · ")[0] != second.split(" · ")[0]
    assert queues.get_queue(ui_store.scope(), queue_id)["progress"]["claimed"] == 1
