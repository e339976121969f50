"""Bootstrap page with AppTest on a real store: preview matches the core, job runs."""

from __future__ import annotations

from pathlib import Path

from streamlit.testing.v1 import AppTest

from evalguard_core import auth, bootstrap, queues, runs
from tests.core.test_bootstrap import write_run
from tests.ui.conftest import REPO, page_path


def _page() -> AppTest:
    return AppTest.from_file(page_path("bootstrap.py"), default_timeout=60).run()


def _strata(at: AppTest) -> list[dict]:
    return at.dataframe[0].value.to_dict("records")


def test_preview_numbers_match_the_core_plan(ui_store, tmp_path: Path) -> None:
    scope = ui_store.scope()
    run_id = runs.import_run(scope, write_run(tmp_path / "r.csv", 300), name="r").run_id
    queue_id = queues.create_queue(scope, name="review", target_type="eval_case")["queue_id"]
    at = _page()
    assert not at.exception, at.exception
    core = bootstrap.preview(scope, queue_id=queue_id, run_id=run_id, sample_count=100)
    rows = _strata(at)
    assert [r["stratum"] for r in rows] == ["low", "borderline", "high"]
    assert [r["population"] for r in rows] == [s["population"] for s in core["strata"]]
    assert [r["allocated"] for r in rows] == [s["allocated"] for s in core["strata"]]
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Eligible"] == "300" and metrics["Will draw"] == "100"

    # Moving an edge and changing the count update the preview.
    next(n for n in at.number_input if n.label == "Lower edge").set_value(0.2).run()
    next(n for n in at.number_input if n.label == "Cases to draw").set_value(30).run()
    core = bootstrap.preview(
        scope, queue_id=queue_id, run_id=run_id, sample_count=30, edges=[0.2, 0.6]
    )
    assert [r["population"] for r in _strata(at)] == [s["population"] for s in core["strata"]]
    assert sum(r["allocated"] for r in _strata(at)) == 30

    next(s for s in at.selectbox if s.label == "Stratify by").select("scorer").run()
    core = bootstrap.preview(
        scope, queue_id=queue_id, run_id=run_id, sample_count=30, stratify_by="scorer"
    )
    assert {r["stratum"]: r["allocated"] for r in _strata(at)} == {
        s["stratum"]: s["allocated"] for s in core["strata"]
    }


def test_bootstrap_button_runs_the_job_and_names_the_queue(ui_store, tmp_path: Path) -> None:
    scope = ui_store.scope()
    runs.import_run(scope, write_run(tmp_path / "r.csv", 120), name="r")
    queue_id = queues.create_queue(scope, name="review", target_type="eval_case")["queue_id"]
    at = _page()
    next(n for n in at.number_input if n.label == "Cases to draw").set_value(12).run()
    next(b for b in at.button if b.label == "Bootstrap").click().run()
    assert not at.exception, at.exception
    assert any("Added 12 cases to queue **review**" in s.value for s in at.success)
    assert len(bootstrap.sampled_items(scope, queue_id)) == 12
    # The next preview counts the drawn cases as already queued.
    assert {m.label: m.value for m in at.metric}["Already in queue"] == "12"


def test_create_a_queue_inline(ui_store, tmp_path: Path) -> None:
    runs.import_run(ui_store.scope(), write_run(tmp_path / "r.csv", 50), name="r")
    at = _page()
    assert at.selectbox[1].value == "__new__"  # no queue yet: the form shows
    at.text_input[0].input("fresh queue")
    at.button[0].click().run()
    assert not at.exception, at.exception
    created = queues.list_queues(ui_store.scope())
    assert [q["name"] for q in created] == ["fresh queue"]
    assert at.selectbox[1].value == created[0]["queue_id"]
    assert at.dataframe  # the preview shows for the new queue


def test_run_without_latency_says_so(ui_store, tmp_path: Path) -> None:
    runs.import_run(ui_store.scope(), write_run(tmp_path / "r.csv", 20, latency=False))
    queues.create_queue(ui_store.scope(), name="q", target_type="eval_case")
    at = _page()
    next(s for s in at.selectbox if s.label == "Stratify by").select("latency").run()
    assert not at.exception
    assert any("no latency_ms" in e.value for e in at.error)


def test_needs_admin(ui_store) -> None:
    auth.create_key(ui_store, name="vic", role="viewer")
    at = _page()
    assert any("Sign in" in w.value for w in at.warning)


def test_app_lists_the_page(ui_store) -> None:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=30).run()
    assert not at.exception
