"""Tasks in the core: creation rules, labelling, status, relabel semantics, org scoping."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from evalguard_core import orgs, runs, tasks
from evalguard_core.errors import NotFoundError, ValidationError
from evalguard_core.runs import CaseFilter
from evalguard_core.store import Scope, Store
from evalguard_core.store import events as events_sql
from tests.conftest import SAMPLE_CSV


def trace_ids(scope: Scope, run_id: str) -> dict[str, int]:
    """case_id -> trace_id of a run."""
    cases = runs.list_cases(scope, run_id, limit=100)["cases"]
    return {c["case_id"]: c["trace_id"] for c in cases}


def annotations(store: Store) -> list[dict]:
    return store.db.fetch_dicts(
        "SELECT CAST(task_id AS VARCHAR) AS task_id, CAST(run_id AS VARCHAR) AS run_id, trace_id, "
        "target_type, target_id, annotator, label, comment, source FROM annotations "
        "ORDER BY trace_id, annotator"
    )


def test_create_defaults_and_order(scope: Scope, sample_run: str) -> None:
    ids = trace_ids(scope, sample_run)
    task = tasks.create_task(
        scope, name=" review ", trace_ids=[ids["c3"], ids["c1"], ids["c3"]], created_by="amy"
    )
    assert task["labelOptions"] == ["pass", "fail"]
    assert task["status"] == "draft"
    assert (task["itemCount"], task["completedCount"]) == (2, 0)
    assert task["name"] == "review" and task["createdBy"] == "amy"
    assert task["organizationId"] == scope.org_id
    shown = tasks.get_task(scope, task["id"])
    assert [i["caseId"] for i in shown["items"]] == ["c3", "c1"]  # duplicates dropped, order kept
    first = shown["items"][0]
    assert first["input"] == "Color of sky?" and first["expected"] == "Blue"
    assert first["runId"] == sample_run and first["label"] is None


def test_unknown_trace_ids_are_named_and_nothing_is_written(scope: Scope, sample_run: str) -> None:
    ids = list(trace_ids(scope, sample_run).values())
    with pytest.raises(ValidationError) as err:
        tasks.create_task(scope, name="t", trace_ids=[ids[0], 999_999, 888_888])
    assert "999999" in err.value.message and "888888" in err.value.message
    assert err.value.details["field"] == "traceIds"
    assert err.value.details["unknown"] == [999_999, 888_888]
    assert tasks.list_tasks(scope) == []


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "  "}, "name"),
        ({"label_options": []}, "labelOptions"),
        ({"label_options": ["a", "a"]}, "labelOptions"),
        ({"label_options": ["a", " "]}, "labelOptions"),
        ({"trace_ids": []}, "traceIds"),
    ],
)
def test_invalid_input_names_the_field(
    scope: Scope, sample_run: str, kwargs: dict, field: str
) -> None:
    base = {"name": "t", "trace_ids": list(trace_ids(scope, sample_run).values())}
    with pytest.raises(ValidationError) as err:
        tasks.create_task(scope, **{**base, **kwargs})
    assert err.value.details["field"] == field


def test_status_transitions_and_annotations_for_alignment(
    store: Store, scope: Scope, sample_run: str
) -> None:
    ids = trace_ids(scope, sample_run)
    task = tasks.create_task(scope, name="t", trace_ids=[ids["c1"], ids["c2"]])
    items = tasks.get_task(scope, task["id"])["items"]
    labelled = tasks.label_item(
        scope, task["id"], items[0]["id"], label="pass", notes="fine", actor="ann"
    )
    assert labelled["label"] == "pass" and labelled["labeledBy"] == "ann"
    assert labelled["labeledAt"] is not None and labelled["notes"] == "fine"
    after_one = tasks.get_task(scope, task["id"])
    assert (after_one["status"], after_one["completedCount"]) == ("in_progress", 1)
    tasks.label_item(scope, task["id"], items[1]["id"], label="fail", actor="ann")
    done = tasks.get_task(scope, task["id"])
    assert (done["status"], done["completedCount"], done["itemCount"]) == ("completed", 2, 2)
    rows = annotations(store)
    assert rows == [
        {
            "task_id": task["id"],
            "run_id": sample_run,
            "trace_id": ids["c1"],
            "target_type": "trace",
            "target_id": str(ids["c1"]),
            "annotator": "ann",
            "label": "pass",
            "comment": "fine",
            "source": "task",
        },
        {
            "task_id": task["id"],
            "run_id": sample_run,
            "trace_id": ids["c2"],
            "target_type": "trace",
            "target_id": str(ids["c2"]),
            "annotator": "ann",
            "label": "fail",
            "comment": None,
            "source": "task",
        },
    ]


def test_relabel_latest_wins_previous_in_event_log(
    store: Store, scope: Scope, sample_run: str
) -> None:
    ids = trace_ids(scope, sample_run)
    task = tasks.create_task(scope, name="t", trace_ids=[ids["c1"]])
    item_id = tasks.get_task(scope, task["id"])["items"][0]["id"]
    tasks.label_item(scope, task["id"], item_id, label="pass", notes="ok", actor="ann")
    tasks.label_item(scope, task["id"], item_id, label="fail", actor="ann")
    item = tasks.get_task(scope, task["id"])["items"][0]
    assert (item["label"], item["notes"], item["labeledBy"]) == ("fail", None, "ann")
    # Same rater: one annotation row, replaced.
    assert [(r["annotator"], r["label"]) for r in annotations(store)] == [("ann", "fail")]
    # Another rater relabels: the item shows them; each rater keeps one row for alignment.
    tasks.label_item(scope, task["id"], item_id, label="pass", actor="bob")
    item = tasks.get_task(scope, task["id"])["items"][0]
    assert (item["label"], item["labeledBy"]) == ("pass", "bob")
    assert [(r["annotator"], r["label"]) for r in annotations(store)] == [
        ("ann", "fail"),
        ("bob", "pass"),
    ]
    events, total = events_sql.list_events(scope, kind="task_label")
    assert total == 3
    assert events[0]["payload"]["previous"]["label"] == "fail"
    assert events[0]["payload"]["previous"]["labeled_by"] == "ann"
    assert events[-1]["payload"]["previous"] is None
    assert tasks.get_task(scope, task["id"])["status"] == "completed"


def test_label_must_be_an_option_and_item_must_exist(scope: Scope, sample_run: str) -> None:
    ids = trace_ids(scope, sample_run)
    task = tasks.create_task(scope, name="t", trace_ids=[ids["c1"]], label_options=["good", "bad"])
    item_id = tasks.get_task(scope, task["id"])["items"][0]["id"]
    with pytest.raises(ValidationError) as err:
        tasks.label_item(scope, task["id"], item_id, label="pass", actor="ann")
    assert err.value.details["field"] == "label"
    with pytest.raises(NotFoundError):
        tasks.label_item(scope, task["id"], "nope", label="good", actor="ann")
    with pytest.raises(NotFoundError):
        tasks.label_item(
            scope, "00000000-0000-0000-0000-000000000000", item_id, label="good", actor="ann"
        )
    assert tasks.get_task(scope, task["id"])["status"] == "draft"


def test_other_organization_is_invisible(store: Store, scope: Scope, sample_run: str) -> None:
    ids = list(trace_ids(scope, sample_run).values())
    task = tasks.create_task(scope, name="t", trace_ids=ids)
    other = store.scope(orgs.create_org(store, "acme")["org_id"])
    assert tasks.list_tasks(other) == []
    with pytest.raises(NotFoundError):
        tasks.get_task(other, task["id"])
    item_id = tasks.get_task(scope, task["id"])["items"][0]["id"]
    with pytest.raises(NotFoundError):
        tasks.label_item(other, task["id"], item_id, label="pass", actor="x")
    with pytest.raises(ValidationError) as err:
        tasks.create_task(other, name="steal", trace_ids=ids[:1])
    assert err.value.details["unknown"] == ids[:1]


def test_create_from_run_selection(scope: Scope, sample_run: str) -> None:
    judged_pass = tasks.create_task_from_run(
        scope,
        run_id=sample_run,
        name="passes",
        case_filter=CaseFilter(label_scorer="llm_judge", label="pass"),
        limit=2,
    )
    assert judged_pass["itemCount"] == 2
    named = tasks.create_task_from_run(scope, run_id=sample_run, name="n", case_ids=["c4", "c2"])
    assert [i["caseId"] for i in tasks.get_task(scope, named["id"])["items"]] == ["c4", "c2"]
    with pytest.raises(ValidationError) as err:
        tasks.create_task_from_run(scope, run_id=sample_run, name="n", case_ids=["c1", "zz"])
    assert "zz" in err.value.message
    with pytest.raises(NotFoundError):
        tasks.create_task_from_run(scope, run_id="00000000-0000-0000-0000-000000000000", name="n")


def test_next_unlabelled_wraps_around() -> None:
    task = {
        "items": [
            {"id": "a", "label": None},
            {"id": "b", "label": "pass"},
            {"id": "c", "label": None},
        ]
    }
    assert tasks.next_unlabelled(task)["id"] == "a"
    assert tasks.next_unlabelled(task, after="a")["id"] == "c"
    assert tasks.next_unlabelled(task, after="c")["id"] == "a"
    assert tasks.next_unlabelled({"items": [{"id": "a", "label": None}]}, after="a") is None
    assert tasks.parse_options(" A, B ,, tie ") == ["A", "B", "tie"]
    assert tasks.parse_options("  ") is None


def test_concurrent_labels_leave_a_correct_status(scope: Scope, tmp_path: Path) -> None:
    path = tmp_path / "many.csv"
    path.write_text("case_id,input,output\n" + "".join(f"c{i},q{i},a{i}\n" for i in range(60)))
    run_id = runs.import_run(scope, path).run_id
    task = tasks.create_task_from_run(scope, run_id=run_id, name="t")
    items = tasks.get_task(scope, task["id"])["items"]
    errors: list[Exception] = []

    def label(chunk: list[dict], who: str) -> None:
        for item in chunk:
            try:
                tasks.label_item(scope, task["id"], item["id"], label="pass", actor=who)
            except Exception as exc:  # collected: a thread's failure must fail the test
                errors.append(exc)

    threads = [threading.Thread(target=label, args=(items[n::6], f"r{n}")) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    done = tasks.get_task(scope, task["id"])
    assert (done["status"], done["completedCount"]) == ("completed", 60)


# -- CLI (a real subprocess, as users run it) --------------------------------------------------
def evalguard(*args: str, db: Path) -> subprocess.CompletedProcess:
    """Run `python -m evalguard_core ARGS --db DB`."""
    return subprocess.run(
        [sys.executable, "-m", "evalguard_core", *args, "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_cli_create_list_show(tmp_path: Path) -> None:
    db = tmp_path / "cli.duckdb"
    run_file = tmp_path / "run.csv"
    run_file.write_text(SAMPLE_CSV)
    run_id = evalguard("import", str(run_file), db=db).stdout.strip()

    out = evalguard(
        "tasks",
        "create",
        "--name",
        "by cases",
        "--run",
        run_id,
        "--case-ids",
        "c2,c1",
        "--labels",
        "good,bad",
        "--instructions",
        "check facts",
        "--json",
        db=db,
    )
    assert out.returncode == 0, out.stderr
    task = json.loads(out.stdout)
    assert task["itemCount"] == 2 and task["labelOptions"] == ["good", "bad"]
    assert task["createdBy"] == "cli" and task["status"] == "draft"

    shown = json.loads(evalguard("tasks", "show", task["id"], "--json", db=db).stdout)
    assert [i["caseId"] for i in shown["items"]] == ["c2", "c1"]
    trace = shown["items"][0]["traceId"]

    plain = evalguard("tasks", "create", "--name", "by traces", "--trace-ids", str(trace), db=db)
    assert plain.returncode == 0, plain.stderr
    assert len(plain.stdout.strip()) == 36

    whole = evalguard("tasks", "create", "--name", "whole run", "--run", run_id, "--json", db=db)
    assert json.loads(whole.stdout)["itemCount"] == 4

    listed = json.loads(evalguard("tasks", "list", "--json", db=db).stdout)
    assert {t["name"] for t in listed} == {"by cases", "by traces", "whole run"}
    text = evalguard("tasks", "list", db=db).stdout
    assert "by cases" in text and "0/2" in text
    text = evalguard("tasks", "show", task["id"], db=db).stdout
    assert "0/2 labelled" in text and "c2" in text


def test_cli_errors_are_one_line_exit_2(tmp_path: Path) -> None:
    db = tmp_path / "cli.duckdb"
    out = evalguard("tasks", "create", "--name", "t", "--trace-ids", "1,77", db=db)
    assert out.returncode == 2 and "unknown trace ids 1, 77" in out.stderr
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr
    out = evalguard("tasks", "create", "--name", "t", db=db)
    assert out.returncode == 2 and "--run" in out.stderr
    out = evalguard("tasks", "show", "00000000-0000-0000-0000-000000000000", db=db)
    assert out.returncode == 2 and "not found" in out.stderr


def test_task_labels_feed_the_alignment_report(scope: Scope, sample_run: str) -> None:
    from evalguard_core import reports

    task = tasks.create_task_from_run(scope, run_id=sample_run, name="t")
    judge = {"c1": "pass", "c2": "fail", "c3": "pass", "c4": "pass"}  # llm_judge in SAMPLE_CSV
    human = {"c1": "pass", "c2": "fail", "c3": "pass", "c4": "fail"}
    for item in tasks.get_task(scope, task["id"])["items"]:
        tasks.label_item(scope, task["id"], item["id"], label=human[item["caseId"]], actor="ann")
    report = reports.build_report(
        scope, run_id=sample_run, judge="llm_judge", task_id=task["id"], n_boot=50
    )
    assert report["n"] == 4
    agree = sum(judge[c] == human[c] for c in judge) / 4
    assert report["metrics"]["accuracy"]["value"] == pytest.approx(agree)
