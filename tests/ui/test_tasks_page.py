"""Tasks page with streamlit's AppTest against a real store."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from evalguard_core import auth, runs, tasks
from tests.conftest import SAMPLE_CSV
from tests.ui.conftest import page_path


def import_sample(store, tmp_path: Path) -> str:
    path = tmp_path / "run.csv"
    path.write_text(SAMPLE_CSV)
    return runs.import_run(store.scope(), path, name="sample").run_id


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def texts(at: AppTest) -> list[str]:
    return [t.value for t in at.text]


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
