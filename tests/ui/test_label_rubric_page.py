"""Label page with a rubric of several questions: every question shown, answered in one form."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from evalguard_core import queues, rubrics, runs
from tests.conftest import SAMPLE_CSV
from tests.ui.conftest import page_path

RUBRIC = [
    {"name": "verdict", "kind": "single_choice", "options": ["pass", "fail"]},
    {
        "name": "coherence",
        "kind": "rating",
        "scale_min": 1,
        "scale_max": 3,
        "min_label": "bad",
        "max_label": "good",
    },
    {"name": "why", "kind": "text", "required": False},
]


def _rubric_queue(ui_store, tmp_path: Path) -> tuple[str, str]:
    path = tmp_path / "run.csv"
    path.write_text(SAMPLE_CSV)
    scope = ui_store.scope()
    run_id = runs.import_run(scope, path, name="sample").run_id
    q = queues.create_queue(scope, name="rubric")
    queues.add_items(scope, q["queue_id"], [f"{run_id}:c1", f"{run_id}:c2"])
    rubrics.set_rubric(scope, q["queue_id"], RUBRIC, actor="admin")
    return q["queue_id"], run_id


def test_every_question_is_shown_and_answers_save_together(ui_store, tmp_path: Path) -> None:
    """Two radios (choice, rating with end labels) and a text box; submit saves all three."""
    queue_id, run_id = _rubric_queue(ui_store, tmp_path)
    at = AppTest.from_file(page_path("label.py"), default_timeout=30).run()
    assert not at.exception
    assert [r.label for r in at.radio] == ["verdict", "coherence"]
    assert "Enter** submits" in " ".join(c.value for c in at.caption)
    at.radio[0].set_value("fail")
    at.radio[1].set_value(3.0)
    at.text_input[0].set_value("off topic")
    next(b for b in at.button if b.label == "Submit answers").click().run()
    assert not at.exception
    long = rubrics.answers_table(ui_store.scope(), run_id, layout="long")
    assert sorted((r["question"], r["value"]) for r in long) == [
        ("coherence", 3.0),
        ("verdict", "fail"),
        ("why", "off topic"),
    ]
    # The next item starts blank: nothing is remembered between items.
    assert all(r.value is None for r in at.radio)
    assert queues.get_queue(ui_store.scope(), queue_id)["progress"]["done"] == 1


def test_missing_required_answer_warns_and_keeps_the_item(ui_store, tmp_path: Path) -> None:
    """Submitting without the required rating names the question; nothing is stored."""
    queue_id, _ = _rubric_queue(ui_store, tmp_path)
    at = AppTest.from_file(page_path("label.py"), default_timeout=30).run()
    at.radio[0].set_value("pass")
    next(b for b in at.button if b.label == "Submit answers").click().run()
    assert not at.exception
    assert "coherence" in " ".join(e.value for e in [*at.error, *at.warning])
    assert queues.get_queue(ui_store.scope(), queue_id)["progress"]["done"] == 0
