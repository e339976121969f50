"""Lifecycle in the CLI: --yes guards every destructive command, --json answers, one-line errors,
and `store check` finds no orphans afterwards (and finds one when there is)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalguard_core import annotations, claims, queues, runs
from evalguard_core.cli import main
from evalguard_core.store import Store
from tests.conftest import SAMPLE_CSV


@pytest.fixture
def world(tmp_path: Path) -> dict:
    """A store file with a run, a queue of its four cases and one label."""
    db = tmp_path / "cli.duckdb"
    csv = tmp_path / "run.csv"
    csv.write_text(SAMPLE_CSV)
    store = Store.open(db)
    scope = store.scope()
    run_id = runs.import_run(scope, csv, name="wrong file").run_id
    q = queues.create_queue(scope, name="review")
    queues.add_items(scope, q["queue_id"], [f"{run_id}:c{i}" for i in range(1, 5)])
    item = claims.claim_next(scope, q["queue_id"], "ann")["item"]
    done = annotations.create_annotation(
        scope,
        annotator="ann",
        target_id=item["target_id"],
        target_type="eval_case",
        label="pass",
        queue_id=q["queue_id"],
    )
    store.close()
    return {"db": str(db), "run_id": run_id, "queue_id": q["queue_id"], **done, "item": item}


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """Run the CLI; (exit code, stdout, stderr)."""
    code = main([*argv])
    out, err = capsys.readouterr()
    return code, out, err


def check_clean(world: dict, capsys) -> None:
    """`store check` passes."""
    code, out, _ = run(capsys, "store", "check", "--db", world["db"], "--json")
    assert code == 0, out
    assert json.loads(out)["ok"] is True


def test_delete_queue_needs_yes_and_names_the_loss(world, capsys) -> None:
    db = ["--db", world["db"]]
    code, out, _ = run(capsys, "queues", "delete", world["queue_id"], *db)
    assert code == 2
    assert "4 item(s)" in out and "1 label(s) are kept" in out and "re-run with --yes" in out
    code, out, _ = run(capsys, "queues", "show", world["queue_id"], *db, "--json")
    assert code == 0  # nothing changed
    code, out, _ = run(capsys, "queues", "delete", world["queue_id"], *db, "--yes", "--json")
    assert code == 0 and json.loads(out)["items_deleted"] == 4
    code, _, err = run(capsys, "queues", "show", world["queue_id"], *db)
    assert code == 2 and "not found" in err and "Traceback" not in err
    check_clean(world, capsys)


def test_archive_restore_and_history(world, capsys) -> None:
    db = ["--db", world["db"]]
    assert run(capsys, "queues", "archive", world["queue_id"], *db)[0] == 0
    code, out, _ = run(capsys, "queues", "list", *db, "--json")
    assert world["queue_id"] not in out
    code, _, err = run(capsys, "queues", "archive", world["queue_id"], *db)
    assert code == 2 and "archived already" in err
    assert run(capsys, "queues", "restore", world["queue_id"], *db)[0] == 0
    code, out, _ = run(
        capsys, "labels", "replace", world["annotation_id"], "--as", "ann", "--label", "fail", *db
    )
    assert code == 0
    code, _, err = run(
        capsys, "labels", "retract", world["annotation_id"], "--reason", "", *db, "--yes"
    )
    assert code == 2 and "reason" in err
    code, out, _ = run(
        capsys, "labels", "retract", world["annotation_id"], "--reason", "typo", "--yes", *db
    )
    assert code == 0 and "retracted" in out
    code, out, _ = run(capsys, "labels", "history", "--queue", world["queue_id"], *db, "--json")
    assert [e["kind"] for e in json.loads(out)["events"]] == ["annotate", "relabel", "retract"]
    check_clean(world, capsys)


def test_delete_run_refused_then_forced(world, capsys) -> None:
    db = ["--db", world["db"]]
    code, _, err = run(capsys, "runs", "delete", world["run_id"], *db, "--yes")
    assert code == 2 and "1 labels" in err and "4 queue items" in err
    code, out, _ = run(capsys, "runs", "delete", world["run_id"], "--force", *db, "--yes", "--json")
    assert code == 0 and json.loads(out)["cases"] == 4
    check_clean(world, capsys)


def test_remove_items_and_rater_commands(world, capsys, tmp_path: Path) -> None:
    db = ["--db", world["db"]]
    labelled = str(world["item"]["item_id"])
    code, _, err = run(capsys, "queues", "remove-items", world["queue_id"], labelled, *db, "--yes")
    assert code == 2 and "have labels" in err
    out_file = tmp_path / "ann.json"
    code, out, _ = run(capsys, "raters", "export", "ann", "--out", str(out_file), *db)
    assert code == 0 and json.loads(out_file.read_text())["labels"][0]["label"] == "pass"
    code, out, _ = run(capsys, "raters", "pseudonymise", "ann", *db, "--yes", "--json")
    alias = json.loads(out)["alias"]
    code, out, _ = run(capsys, "raters", "export", alias, *db, "--json")
    assert code == 0 and json.loads(out)["annotator"] == alias
    code, _, err = run(capsys, "raters", "export", "ann", *db)
    assert code == 2 and "not found" in err
    check_clean(world, capsys)


def test_delete_org_data_and_store_check_finds_orphans(world, capsys) -> None:
    db = ["--db", world["db"]]
    code, out, _ = run(capsys, "orgs", "delete-data", *db)
    assert code == 2 and "would delete every row" in out
    code, out, _ = run(capsys, "orgs", "delete-data", *db, "--yes", "--json")
    assert code == 0 and json.loads(out)["removed"]["cases"] == 4
    check_clean(world, capsys)
    # An orphan made behind the store's back is reported, with exit code 1.
    store = Store.open(world["db"])
    store.db.execute(
        "INSERT INTO queue_items (item_id, queue_id, org_id, trace_id, run_id, target_id, "
        "position) VALUES (999, gen_random_uuid(), ?, 1, gen_random_uuid(), 'x', 0.5)",
        ["00000000-0000-4000-8000-000000000001"],
    )
    store.close()
    code, out, _ = run(capsys, "store", "check", *db)
    assert code == 1 and "queue items without their queue" in out
