"""Tasks page with streamlit's AppTest against a real store."""

from __future__ import annotations

import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

from evalguard_core import auth, claims, rubrics, runs, tasks
from tests.conftest import SAMPLE_CSV
from tests.ui.conftest import page_path


def import_sample(store, tmp_path: Path) -> str:
    path = tmp_path / "run.csv"
    path.write_text(SAMPLE_CSV)
    return runs.import_run(store.scope(), path, name="sample").run_id


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def texts(at: AppTest) -> list[str]:
    """The texts on the page: items are rendered as Markdown, as on the Label page."""
    return [m.value for m in at.markdown]


def test_empty_store_says_how_to_create(ui_store) -> None:
    at = AppTest.from_file(page_path("tasks.py"), default_timeout=30).run()
    assert not at.exception
    assert any("No tasks yet" in i.value for i in at.info)


def test_create_from_run_selection_then_label_item_by_item(ui_store, tmp_path: Path) -> None:
    import_sample(ui_store, tmp_path)
    at = AppTest.from_file(page_path("tasks.py"), default_timeout=30).run()
    assert not at.exception
    next(s for s in at.selectbox if s.label == "Judge label of").select("llm_judge").run()
    next(s for s in at.selectbox if s.label == "is").select("pass").run()
    assert any("3 matching cases" in c.value for c in at.caption)
    next(t for t in at.text_input if t.label == "Task name").input("judge passes").run()
    button(at, "Create task").click().run()
    assert not at.exception
    assert any("Created task" in s.value for s in at.success)
    listed = tasks.list_tasks(ui_store.scope())
    assert [(t["name"], t["itemCount"]) for t in listed] == [("judge passes", 3)]

    # The first unlabelled item is shown with its content and one button per option.
    assert "What is 2+2?" in texts(at)
    assert {"pass", "fail", "Skip"} <= {b.label for b in at.button}
    assert any("**1** pass" in c.value for c in at.caption)
    next(t for t in at.text_input if t.label == "Notes (optional)").input("right").run()
    button(at, "pass").click().run()
    assert not at.exception
    assert "Color of sky?" in texts(at)  # moved on to the next unlabelled item
    button(at, "Skip").click().run()
    assert "Largest planet?" in texts(at)
    button(at, "fail").click().run()
    assert "Color of sky?" in texts(at)  # wraps around to the skipped one
    button(at, "pass").click().run()
    assert any("All 3 items are labelled" in s.value for s in at.success)

    task = tasks.get_task(ui_store.scope(), listed[0]["id"])
    assert task["status"] == "completed"
    assert [(i["caseId"], i["label"], i["labeledBy"]) for i in task["items"]] == [
        ("c1", "pass", "local"),
        ("c3", "pass", "local"),
        ("c4", "fail", "local"),
    ]
    assert task["items"][0]["notes"] == "right"
    rows = ui_store.db.fetchall("SELECT annotator, source FROM annotations")
    assert sorted(rows) == [("local", "task")] * 3


def test_relabel_via_go_to_item(ui_store, tmp_path: Path) -> None:
    run_id = import_sample(ui_store, tmp_path)
    scope = ui_store.scope()
    task = tasks.create_task_from_run(scope, run_id=run_id, name="t", case_ids=["c1"])
    item_id = tasks.get_task(scope, task["id"])["items"][0]["id"]
    tasks.label_item(scope, task["id"], item_id, label="pass", actor="someone")
    at = AppTest.from_file(page_path("tasks.py"), default_timeout=30).run()
    assert any("All 1 items are labelled" in s.value for s in at.success)
    next(s for s in at.selectbox if s.label.startswith("Go to item")).select(item_id).run()
    assert "What is 2+2?" in texts(at)
    button(at, "fail").click().run()
    item = tasks.get_task(scope, task["id"])["items"][0]
    assert (item["label"], item["labeledBy"]) == ("fail", "local")


def test_viewer_reads_but_cannot_label_or_create(ui_store, tmp_path: Path) -> None:
    run_id = import_sample(ui_store, tmp_path)
    tasks.create_task_from_run(ui_store.scope(), run_id=run_id, name="t", case_ids=["c1", "c2"])
    key = auth.create_key(ui_store, name="vic", role="viewer")["key"]
    at = AppTest.from_file(page_path("tasks.py"), default_timeout=30)
    at.session_state["eg_actor"] = auth.authenticate(ui_store, key)
    at.run()
    assert not at.exception
    assert not any(b.label in ("pass", "Create task") for b in at.button)
    assert any("annotator role" in c.value for c in at.caption)
    assert list(at.dataframe[-1].value["case_id"]) == ["c1", "c2"]


def test_pairwise_task_sides_are_shuffled_per_rater_and_recorded(ui_store, tmp_path: Path) -> None:
    """The Label page's component: left/right buttons, the stored label is the side's output,
    and the order shown goes into the label's event."""
    path = tmp_path / "pairs.csv"
    path.write_text(
        "case_id,input,output_a,output_b\n"
        + "".join(f"p{i},question {i},answer from A {i},answer from B {i}\n" for i in range(8))
    )
    scope = ui_store.scope()
    run_id = runs.import_run(scope, path, name="pairs").run_id
    task = tasks.create_task_from_run(
        scope, run_id=run_id, name="pairs", label_options=["A", "B", "tie"]
    )
    at = AppTest.from_file(page_path("tasks.py"), default_timeout=30).run()
    seen = set()
    for _ in range(8):
        assert not at.exception
        current = tasks.next_unlabelled(tasks.get_task(scope, task["id"]))
        assert current is not None
        order = claims.pairwise_order(task["id"], current["id"], "local")
        seen.add(order)
        md = texts(at)
        assert md[md.index("**Response 1 (left)**") + 1].startswith(f"answer from {order[0]}")
        assert any("**1** Left is better" in c.value for c in at.caption)
        button(at, "Left is better").click().run()
        item = next(
            i for i in tasks.get_task(scope, task["id"])["items"] if i["id"] == current["id"]
        )
        assert item["label"] == order[0]
    assert seen == {"AB", "BA"}
    events = ui_store.db.fetchall("SELECT payload FROM events WHERE kind = 'task_label'")
    assert sorted(json.loads(p[0])["shown_order"] for p in events) == sorted(
        claims.pairwise_order(task["id"], i["id"], "local")
        for i in tasks.get_task(scope, task["id"])["items"]
    )


def test_task_with_a_rubric_is_answered_in_one_form(ui_store, tmp_path: Path) -> None:
    """Every question shown; submit saves all answers; the next item starts blank."""
    run_id = import_sample(ui_store, tmp_path)
    scope = ui_store.scope()
    task = tasks.create_task_from_run(scope, run_id=run_id, name="t", case_ids=["c1", "c2"])
    rubrics.set_task_rubric(
        scope,
        task["id"],
        [
            {"name": "verdict", "kind": "single_choice", "options": ["pass", "fail"]},
            {"name": "coherence", "kind": "rating", "scale_min": 1, "scale_max": 3},
        ],
        actor="adm",
    )
    at = AppTest.from_file(page_path("tasks.py"), default_timeout=30).run()
    assert not at.exception
    assert [r.label for r in at.radio] == ["verdict", "coherence"]
    assert any("Enter** submits" in c.value for c in at.caption)
    at.radio[0].set_value("fail")
    at.radio[1].set_value(2.0)
    button(at, "Submit answers").click().run()
    assert not at.exception
    assert any("answers (rubric v1)" in s.value for s in at.success)
    assert all(r.value is None for r in at.radio)
    first = tasks.get_task(scope, task["id"])["items"][0]
    assert first["answers"] == {"verdict": "fail", "coherence": 2.0}
    assert first["labeledBy"] == "local"
    # A missing required answer is a warning naming the question; nothing is saved.
    at.radio[1].set_value(3.0)
    button(at, "Submit answers").click().run()
    assert not at.exception
    assert "verdict" in " ".join(e.value for e in [*at.error, *at.warning])
    assert tasks.get_task(scope, task["id"])["completedCount"] == 1


def test_admin_creates_a_task_with_a_rubric(ui_store, tmp_path: Path) -> None:
    """The create form takes rubric questions as JSON; a bad one creates nothing."""
    import_sample(ui_store, tmp_path)
    at = AppTest.from_file(page_path("tasks.py"), default_timeout=30).run()
    area = next(t for t in at.text_area if t.label.startswith("Rubric questions"))
    area.input('[{"name": "coherence", "kind": "rating"}]').run()
    button(at, "Create task").click().run()
    assert not at.exception
    assert "scale_min" in " ".join(e.value for e in [*at.error, *at.warning])
    assert tasks.list_tasks(ui_store.scope()) == []
    area = next(t for t in at.text_area if t.label.startswith("Rubric questions"))
    area.input('[{"name": "coherence", "kind": "rating", "scale_min": 1, "scale_max": 3}]').run()
    button(at, "Create task").click().run()
    assert not at.exception
    created = tasks.list_tasks(ui_store.scope())[0]
    questions = rubrics.get_task_rubric(ui_store.scope(), created["id"])["questions"]
    assert [q["name"] for q in questions] == ["coherence"]
    assert [r.label for r in at.radio] == ["coherence"]
