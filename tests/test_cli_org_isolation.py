"""Organizations in the CLI: with --org A, no command reads, lists, changes or counts B's rows.

Every command of the parser must have an entry below, so a new command cannot slip through.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evalguard_core.cli import build_parser, main
from evalguard_core.store import Store
from tests.api.test_org_isolation import SECRET, b_secrets, build_org

# command -> args (B's ids filled in) and whether it must fail with "not found" (True) or
# succeed without showing B's data (False). None: not a data command (no --org isolation).
CASES = {
    "import": (lambda b, tmp: [str(tmp / "A_run.csv")], False),
    "labels import": (lambda b, tmp: [str(tmp / "A_labels.csv"), "--run", b["run_id"]], True),
    "runs list": (lambda b, tmp: [], False),
    "runs show": (lambda b, tmp: [b["run_id"]], True),
    "keys create": (lambda b, tmp: ["--name", "new", "--role", "viewer"], False),
    "keys list": (lambda b, tmp: [], False),
    "keys revoke": (lambda b, tmp: [b["key_id"]], True),
    "orgs create": None,
    "orgs list": None,
    "serve": None,
    "formats": None,  # lists the importers; touches no data
    "migrate": None,  # whole store: the schema
    "store copy": None,  # whole store, every organization, by design
    "demo": None,
    "export": (lambda b, tmp: ["annotations", "--run", b["run_id"]], True),
    "align": (lambda b, tmp: ["--run", b["run_id"], "--judge", "llm_judge"], True),
    "bootstrap": (
        lambda b, tmp: [
            "--queue",
            b["queue_id"],
            "--run",
            b["run_id"],
            "--count",
            "1",
            "--dry-run",
        ],
        True,
    ),
    "tasks create": (lambda b, tmp: ["--name", "t", "--trace-ids", str(b["trace_id"])], True),
    "tasks list": (lambda b, tmp: [], False),
    "tasks show": (lambda b, tmp: [b["task_id"]], True),
    "tasks answer": (
        lambda b, tmp: [
            b["task_id"],
            "--item",
            str(b["task_item_id"]),
            "--as",
            b["rater_name"],
            "--answers",
            '{"label": "fail"}',
        ],
        True,
    ),
    "queues create": (lambda b, tmp: ["--name", "q"], False),
    "queues list": (lambda b, tmp: [], False),
    "queues show": (lambda b, tmp: [b["queue_id"]], True),
    "queues add": (lambda b, tmp: [b["queue_id"], b["target_id"]], True),
    "queues claims": (lambda b, tmp: [b["queue_id"]], True),
    "queues expire": (lambda b, tmp: [b["queue_id"]], True),
    "queues events": (lambda b, tmp: [b["queue_id"]], True),
    # Rubrics (issue 19): another organization's queue or run is "not found".
    "rubric show": (lambda b, tmp: ["--queue", b["queue_id"]], True),
    "rubric set": (lambda b, tmp: [str(tmp / "rubric.json"), "--queue", b["queue_id"]], True),
    "rubric export": (lambda b, tmp: ["--run", b["run_id"]], True),
    # Lifecycle (issue 21): B's ids are "not found" with --org A, even with --yes.
    "labels replace": (
        lambda b, tmp: [b["annotation_id"], "--as", b["rater_name"], "--label", "fail"],
        True,
    ),
    "labels retract": (lambda b, tmp: [b["annotation_id"], "--reason", "x", "--yes"], True),
    "labels history": (lambda b, tmp: ["--queue", b["queue_id"]], True),
    "queues archive": (lambda b, tmp: [b["queue_id"]], True),
    "queues restore": (lambda b, tmp: [b["queue_id"]], True),
    "queues delete": (lambda b, tmp: [b["queue_id"], "--delete-labels", "--yes"], True),
    "queues remove-items": (
        lambda b, tmp: [b["queue_id"], str(b["item_id"]), "--include-labelled", "--yes"],
        True,
    ),
    "runs delete": (lambda b, tmp: [b["run_id"], "--force", "--yes"], True),
    "raters export": (lambda b, tmp: [b["rater_name"]], True),
    "raters pseudonymise": (lambda b, tmp: [b["rater_name"], "--yes"], True),
    "orgs delete-data": None,  # acts on --org itself; tests/test_lifecycle_cli.py
    "store check": None,  # whole store, every organization, by design
}


def commands() -> list[str]:
    """Every command and sub-action of the CLI."""
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    names = []
    for name, p in sub.choices.items():
        actions = [
            a for a in p._actions if getattr(a, "choices", None) and a.dest.endswith("_command")
        ]
        names += [f"{name} {act}" for act in actions[0].choices] if actions else [name]
    return names


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    tmp = tmp_path_factory.mktemp("cli_orgs")
    db = tmp / "orgs.duckdb"
    store = Store.open(db)
    a = build_org(store, None, tmp, "A-ORG-DATA")
    b = build_org(store, "beta", tmp, SECRET)
    store.close()
    (tmp / "A_run.csv").write_text("case_id,input\nz1,hello\n")
    (tmp / "A_labels.csv").write_text("case_id,annotator,label\nc1,x,pass\n")
    (tmp / "rubric.json").write_text(
        json.dumps({"questions": [{"name": "label", "kind": "single_choice", "options": ["a"]}]})
    )
    return db, tmp, a, b


def test_every_cli_command_is_classified() -> None:
    missing = [c for c in commands() if c not in CASES]
    assert not missing, f"classify these commands for org isolation: {missing}"


@pytest.mark.parametrize("command", sorted(c for c, v in CASES.items() if v is not None))
def test_command_with_org_a_never_touches_b(world, command: str, capsys) -> None:
    db, tmp, _, b = world
    make_args, must_fail = CASES[command]
    argv = [*command.split(), *make_args(b, tmp), "--db", str(db), "--org", "default", "--json"]
    code = main(argv)
    out, err = capsys.readouterr()
    if must_fail:
        assert code == 2, f"{command}: exit {code}, out={out[:200]}"
        assert "not found" in err or "unknown" in err, err
    else:
        assert code == 0, err
    sent = " ".join(argv)
    leaked = [s for s in b_secrets(b) if (s in out or s in err) and s not in sent]
    assert not leaked, f"{command} leaked {leaked}"


def test_org_b_sees_its_own_data_with_its_org(world, capsys) -> None:
    db, _, _, b = world
    assert main(["runs", "show", b["run_id"], "--db", str(db), "--org", "beta", "--json"]) == 0
    assert SECRET in capsys.readouterr().out


def test_migration_of_a_pre_org_store_puts_everything_in_default(tmp_path: Path) -> None:
    """Stores are born with organizations (schema v1 has org_id everywhere): a fresh store's
    rows all belong to the default organization, with no --org needed."""
    db = tmp_path / "fresh.duckdb"
    run_file = tmp_path / "r.csv"
    run_file.write_text("case_id,input\nk1,hi\n")
    assert main(["import", str(run_file), "--db", str(db)]) == 0
    store = Store.open(db)
    try:
        orgs = store.db.fetchall(
            "SELECT DISTINCT o.name FROM runs r JOIN organizations o USING (org_id)"
        )
        assert orgs == [("default",)]
    finally:
        store.close()
