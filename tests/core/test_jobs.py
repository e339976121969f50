"""Background jobs: status transitions, failures, and interrupted jobs after a restart."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from evalguard_core import jobs, orgs, serving
from evalguard_core.errors import NotFoundError, ValidationError
from evalguard_core.store import Store
from evalguard_core.store import jobs as jobs_sql


def test_job_runs_in_the_background_and_reports_progress(scope) -> None:
    release = threading.Event()
    seen = []

    def work(progress):
        progress(0.5)
        seen.append(threading.current_thread().name)
        assert release.wait(30)
        return {"answer": 42}

    job_id = jobs.create_job(scope, "test", {"x": 1}, "alice")
    assert jobs.get_job(scope, job_id)["status"] == "queued"
    jobs.submit(scope, job_id, work)
    for _ in range(600):  # bounded: the worker picks it up quickly
        job = jobs.get_job(scope, job_id)
        if job["status"] == "running" and job["progress"] == 0.5:
            break
        threading.Event().wait(0.01)
    assert job["status"] == "running" and job["progress"] == 0.5
    release.set()
    done = jobs.wait_for(scope, job_id, timeout=30)
    assert done["status"] == "succeeded" and done["result"] == {"answer": 42}
    assert done["progress"] == 1.0 and done["error"] is None
    assert done["params"] == {"x": 1} and done["finished_at"] is not None
    assert seen[0].startswith("evalguard-job")


def test_failures_are_recorded_with_their_message(scope) -> None:
    def invalid(progress):
        raise ValidationError("the queue was deleted")

    def crash(progress):
        raise ZeroDivisionError("division by zero")

    a = jobs.create_job(scope, "test", {})
    jobs.submit(scope, a, invalid)
    b = jobs.create_job(scope, "test", {})
    jobs.submit(scope, b, crash)
    assert jobs.wait_for(scope, a, timeout=30)["error"] == "the queue was deleted"
    failed = jobs.wait_for(scope, b, timeout=30)
    assert failed["status"] == "failed"
    assert failed["error"] == "unexpected ZeroDivisionError: division by zero"


def test_unknown_and_other_organizations_jobs_are_not_found(store: Store, scope) -> None:
    job_id = jobs.create_job(scope, "test", {})
    jobs.execute(scope, job_id, lambda progress: {})
    other = store.scope(orgs.create_org(store, "acme")["org_id"])
    with pytest.raises(NotFoundError):
        jobs.get_job(other, job_id)
    with pytest.raises(NotFoundError):
        jobs.get_job(scope, "not-a-job")


def test_restart_marks_running_and_queued_jobs_failed(tmp_path: Path) -> None:
    path = tmp_path / "restart.duckdb"
    first = Store.open(path)
    scope = first.scope()
    other = first.scope(orgs.create_org(first, "acme")["org_id"])
    # Rows as a killed process leaves them (written without this process's job runner).
    running = jobs_sql.insert_job(scope, "bootstrap", {}, "alice")
    jobs_sql.mark_running(scope, running)
    queued = jobs_sql.insert_job(other, "bootstrap", {}, "bob")
    finished = jobs_sql.insert_job(scope, "bootstrap", {}, "alice")
    jobs_sql.mark_running(scope, finished)
    jobs_sql.finish_job(scope, finished, status="succeeded", result={"ok": True})
    first.close()

    second = Store.open(path)
    try:
        serving.startup_tasks(second)
        for s, job_id in ((second.scope(), running), (second.scope(other.org_id), queued)):
            job = jobs.get_job(s, job_id)
            assert job["status"] == "failed"
            assert "interrupted by a restart" in job["error"]
            assert job["finished_at"] is not None
        assert jobs.get_job(second.scope(), finished)["status"] == "succeeded"
    finally:
        second.close()


def test_start_up_sweep_spares_jobs_this_process_is_running(scope, store) -> None:
    release = threading.Event()
    job_id = jobs.create_job(scope, "test", {})
    jobs.submit(scope, job_id, lambda progress: {"ok": release.wait(30)})
    # The UI re-runs the start-up tasks on every page load; a live job must survive that.
    assert jobs.fail_interrupted_jobs(store) == 0
    release.set()
    assert jobs.wait_for(scope, job_id, timeout=30)["status"] == "succeeded"
