"""Queues page with AppTest against a real store."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from evalguard_core import claims, queues, runs
from tests.conftest import SAMPLE_CSV
from tests.ui.conftest import page_path


def test_empty_store(ui_store) -> None:
    at = AppTest.from_file(page_path("queues.py"), default_timeout=30).run()
    assert not at.exception
    assert any("No queues yet" in i.value for i in at.info)


def test_create_queue_add_failed_cases_progress_and_release(ui_store, tmp_path: Path) -> None:
    path = tmp_path / "run.csv"
    path.write_text(SAMPLE_CSV)
    scope = ui_store.scope()
    runs.import_run(scope, path, name="sample")
    at = AppTest.from_file(page_path("queues.py"), default_timeout=30).run()
    at.text_input[0].input("triage")
    at.button[0].click().run()  # the form's submit
    assert not at.exception
    assert any("Created queue" in s.value for s in at.success)
    queue_id = queues.list_queues(scope)[0]["queue_id"]
    next(s for s in at.selectbox if s.label == "Only cases where").select("llm_judge").run()
    next(s for s in at.selectbox if s.label == "is").select("fail").run()
    next(b for b in at.button if b.label == "Add to queue").click().run()
    assert any("Added 1 items" in s.value for s in at.success)
    assert queues.get_queue(scope, queue_id)["progress"]["total"] == 1
    claims.claim_next(scope, queue_id, "alice")
    at.run()
    assert "alice" in at.dataframe[0].value["annotator"].tolist()
    next(b for b in at.button if b.label == "Release claim").click().run()
    assert not at.exception
    assert claims.list_claims(scope, queue_id)["claims"] == []
