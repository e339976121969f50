"""Store-level scoping: a Scope only ever reaches its own organization's rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalguard_core import labels, orgs, queues, runs
from evalguard_core.errors import NotFoundError
from evalguard_core.store import DEFAULT_ORG_ID, Store
from evalguard_core.store import alignment as align_sql
from evalguard_core.store import events as events_sql
from evalguard_core.store import runs as runs_sql
from tests.conftest import SAMPLE_CSV


@pytest.fixture
def two_orgs(store: Store, tmp_path: Path):
    beta = orgs.create_org(store, "beta")
    a, b = store.scope(), store.scope(beta["org_id"])
    path = tmp_path / "run.csv"
    path.write_text(SAMPLE_CSV)
    run_a = runs.import_run(a, path).run_id
    run_b = runs.import_run(b, path).run_id
    lab = tmp_path / "labels.csv"
    lab.write_text("case_id,annotator,label\nc1,x,pass\n")
    labels.import_labels(b, lab, run_id=run_b)
    return a, b, run_a, run_b


def test_default_scope_is_the_default_org(store: Store) -> None:
    assert store.scope().org_id == DEFAULT_ORG_ID


def test_reads_never_cross_organizations(two_orgs) -> None:
    a, b, run_a, run_b = two_orgs
    assert [r["run_id"] for r in runs.list_runs(a)] == [run_a]
    assert runs_sql.get_run(a, run_b) is None
    with pytest.raises(NotFoundError):
        runs.list_cases(a, run_b)
    trace_b = runs.list_cases(b, run_b)["cases"][0]["trace_id"]
    assert runs_sql.get_cases_by_trace(a, [trace_b]) == {}
    assert runs_sql.resolve_case_ids(a, run_b, ["c1"]) == {}
    assert align_sql.human_labels(a, run_b, queue_id=None, task_id=None).empty
    assert not align_sql.human_labels(b, run_b, queue_id=None, task_id=None).empty


def test_writes_land_in_the_scope_org(two_orgs) -> None:
    a, b, _, _ = two_orgs
    queue = queues.create_queue(b, name="b only")
    with pytest.raises(NotFoundError):
        queues.require_queue(a, queue["queue_id"])
    before = events_sql.list_events(b, queue_id=queue["queue_id"])[1]
    events_sql.append_event(b, "note", actor="x", queue_id=queue["queue_id"])
    assert events_sql.list_events(a, queue_id=queue["queue_id"])[1] == 0
    assert events_sql.list_events(b, queue_id=queue["queue_id"])[1] == before + 1
