"""Home page: overview for leads, queues and a Start button for raters."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from evalguard_core import auth, demo, queues, reports
from tests.ui.conftest import page_path


def test_empty_store_says_import_first(ui_store) -> None:
    at = AppTest.from_file(page_path("home.py"), default_timeout=30).run()
    assert not at.exception
    assert any("Import an eval run" in m.value for m in at.markdown)


def test_overview_with_demo_shows_counts_and_a_verdict(ui_store, tmp_path) -> None:
    info = demo.seed_demo(ui_store.scope(), tmp_path / "demo")
    at = AppTest.from_file(page_path("home.py"), default_timeout=60).run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Runs"] == "1" and metrics["Cases"] == "2,000"
    verdicts = [e.value for e in at.success] + [w.value for w in at.warning]
    assert any("judge `llm_judge` · judge vs consensus cohen_kappa" in v for v in verdicts)
    # Defect 10: Home shows the Alignment page's numbers (one report configuration).
    same = reports.build_report(ui_store.scope(), run_id=info["run_id"], judge="llm_judge")
    assert any(reports.format_ci(same["metrics"]["cohen_kappa"], 2) in v for v in verdicts)
    assert any("synthetic demo" in i.value for i in at.info)


def test_rater_sees_only_open_queues_with_start_button(ui_store, tmp_path) -> None:
    info = demo.seed_demo(ui_store.scope(), tmp_path / "demo")
    scope = ui_store.scope()
    queue = queues.create_queue(scope, name="triage", target_type="eval_case")
    queues.add_items(
        scope, queue["queue_id"], [f"{info['run_id']}:sa-00001", f"{info['run_id']}:sa-00002"]
    )
    key = auth.create_key(ui_store, name="rita", role="annotator")["key"]
    at = AppTest.from_file(page_path("home.py"), default_timeout=60)
    at.session_state["eg_actor"] = auth.authenticate(ui_store, key)
    at.run()
    assert not at.exception
    assert any("your queues" in h.value for h in at.subheader)
    assert any("triage" in m.value and "0 of 2 done" in m.value for m in at.markdown)
    assert [b.label for b in at.button] == ["Start labeling"]
    assert not at.metric  # the lead's overview is not shown to raters
