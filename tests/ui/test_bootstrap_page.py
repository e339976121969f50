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


def _two_runs_with_queues(ui_store, tmp_path: Path) -> dict[str, str]:
    """Runs A (older) and B (newest, first in the Run box); queue 'of A' holds 5 of A's cases,
    queue 'of B' (the newest queue) 5 of B's."""
    scope = ui_store.scope()
    ids = {}
    for name, seed in (("A", 1), ("B", 2)):
        path = write_run(tmp_path / f"{name}.csv", 30, seed=seed)
        ids[name] = runs.import_run(scope, path, name=f"run {name}").run_id
    for name in ("A", "B"):
        q = queues.create_queue(scope, name=f"of {name}")["queue_id"]
        bootstrap.run_bootstrap(scope, queue_id=q, run_id=ids[name], sample_count=5)
        ids[f"q{name}"] = q
    return ids


def _queue_box(at: AppTest):
    return next(s for s in at.selectbox if s.label == "Queue")


def _run_box(at: AppTest):
    return next(s for s in at.selectbox if s.label == "Run")


def test_queue_defaults_to_a_queue_of_the_chosen_run(ui_store, tmp_path: Path) -> None:
    ids = _two_runs_with_queues(ui_store, tmp_path)
    at = _page()
    assert _run_box(at).value == ids["B"]
    assert _queue_box(at).value == ids["qB"]
    _run_box(at).select(ids["A"]).run()
    assert not at.exception, at.exception
    # Not the newest queue (it holds run B): the queue that already holds run A.
    assert _queue_box(at).value == ids["qA"]
    assert "of A (eval_case) · 5 of this run" in _queue_box(at).options
    assert "of B (eval_case) · 5 of other runs" in _queue_box(at).options
    assert not any("mixes two runs" in w.value for w in at.warning)


def test_queue_defaults_to_a_new_queue_when_every_queue_holds_another_run(
    ui_store, tmp_path: Path
) -> None:
    scope = ui_store.scope()
    old = runs.import_run(scope, write_run(tmp_path / "old.csv", 30), name="old run").run_id
    q = queues.create_queue(scope, name="old review")["queue_id"]
    bootstrap.run_bootstrap(scope, queue_id=q, run_id=old, sample_count=5)
    runs.import_run(scope, write_run(tmp_path / "new.csv", 30, seed=3), name="new run")
    at = _page()
    assert not at.exception, at.exception
    assert _queue_box(at).value == "__new__"
    assert any(b.label == "Create queue" for b in at.button)  # the new-queue form shows


def test_mixing_two_runs_in_one_queue_is_warned_and_needs_a_confirmation(
    ui_store, tmp_path: Path
) -> None:
    ids = _two_runs_with_queues(ui_store, tmp_path)
    at = _page()
    _queue_box(at).select(ids["qA"]).run()  # run B into run A's queue
    assert not at.exception, at.exception
    warned = " ".join(w.value for w in at.warning)
    assert "already holds 5 item(s) of run 'run A'" in warned and "mixes two runs" in warned
    button = next(b for b in at.button if b.label == "Bootstrap")
    assert button.disabled
    next(c for c in at.checkbox if c.label == "Mix the runs in this queue anyway").check().run()
    next(n for n in at.number_input if n.label == "Cases to draw").set_value(4).run()
    button = next(b for b in at.button if b.label == "Bootstrap")
    assert not button.disabled
    button.click().run()
    assert not at.exception, at.exception
    assert any("Added 4 cases to queue **of A**" in s.value for s in at.success)
    held = bootstrap.queues_for_run(ui_store.scope(), ids["B"])
    assert next(q for q in held if q["queue_id"] == ids["qA"])["runs"] == {
        str(ids["A"]): 5,
        str(ids["B"]): 4,
    }


def test_no_stale_no_eligible_cases_warning_after_drawing_the_whole_run(
    ui_store, tmp_path: Path
) -> None:
    scope = ui_store.scope()
    runs.import_run(scope, write_run(tmp_path / "r.csv", 12), name="small")
    queues.create_queue(scope, name="review", target_type="eval_case")
    at = _page()
    next(n for n in at.number_input if n.label == "Cases to draw").set_value(12).run()
    next(b for b in at.button if b.label == "Bootstrap").click().run()
    assert not at.exception, at.exception
    assert any("Added 12 cases to queue **review**" in s.value for s in at.success)
    assert [w.value for w in at.warning] == []
    assert any("Nothing left to draw" in c.value for c in at.caption)
    assert {m.label: m.value for m in at.metric}["Eligible"] == "0"


def test_the_success_message_stays_with_its_queue_and_run(ui_store, tmp_path: Path) -> None:
    ids = _two_runs_with_queues(ui_store, tmp_path)
    at = _page()
    next(n for n in at.number_input if n.label == "Cases to draw").set_value(3).run()
    next(b for b in at.button if b.label == "Bootstrap").click().run()
    assert any("Added 3 cases to queue **of B**" in s.value for s in at.success)
    _run_box(at).select(ids["A"]).run()
    assert not at.exception, at.exception
    assert not at.success  # another run and queue: the other job's result is not theirs
