"""Runs page with streamlit's AppTest against a real store."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from evalguard_core import auth, runs
from tests.conftest import SAMPLE_CSV
from tests.ui.conftest import REPO, page_path


def test_empty_store_says_how_to_import(ui_store) -> None:
    at = AppTest.from_file(page_path("runs.py"), default_timeout=30).run()
    assert not at.exception
    assert any("No runs yet" in i.value for i in at.info)


def test_shows_summary_and_filters_cases_in_duckdb(ui_store, tmp_path: Path) -> None:
    path = tmp_path / "run.csv"
    path.write_text(SAMPLE_CSV)
    run_id = runs.import_run(ui_store.scope(), path, name="sample").run_id
    at = AppTest.from_file(page_path("runs.py"), default_timeout=30).run()
    assert not at.exception
    assert at.selectbox[0].value == run_id
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Cases"] == "4"
    table = at.dataframe[0].value
    assert list(table["case_id"]) == ["c1", "c2", "c3", "c4"]
    at.text_input[-1].input("planet").run()
    assert list(at.dataframe[0].value["case_id"]) == ["c4"]


def test_label_filter(ui_store, tmp_path: Path) -> None:
    path = tmp_path / "run.csv"
    path.write_text(SAMPLE_CSV)
    runs.import_run(ui_store.scope(), path, name="sample")
    at = AppTest.from_file(page_path("runs.py"), default_timeout=30).run()
    by_label = next(s for s in at.selectbox if s.label == "Filter by label of")
    by_label.select("llm_judge").run()
    next(s for s in at.selectbox if s.label == "label").select("fail").run()
    assert list(at.dataframe[0].value["case_id"]) == ["c2"]


def test_viewer_cannot_see_import_and_unsigned_user_is_told_to_sign_in(ui_store) -> None:
    auth.create_key(ui_store, name="vic", role="viewer")
    at = AppTest.from_file(page_path("runs.py"), default_timeout=30).run()
    assert any("Sign in" in w.value for w in at.warning)


def test_app_shows_local_mode_banner_without_keys(ui_store) -> None:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=30).run()
    assert not at.exception
    assert any("Local single-user mode" in i.value for i in at.sidebar.info)


def test_judge_reasoning_is_shown_with_the_verdict(ui_store, tmp_path: Path) -> None:
    path = tmp_path / "run.csv"
    path.write_text(
        "case_id,output,label:judge,reason:judge\nc1,x,fail,*the unit is wrong*\nc2,y,pass,\n"
    )
    runs.import_run(ui_store.scope(), path, name="reasoned")
    at = AppTest.from_file(page_path("runs.py"), default_timeout=30).run()
    assert not at.exception
    assert any("Judge reasoning (1 cases" in e.label for e in at.expander)
    assert "*the unit is wrong*" in [t.value for t in at.text]
