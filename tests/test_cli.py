"""The CLI as users run it: a real subprocess, exit codes, one-line errors, --json."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SAMPLE_CSV


def evalguard(*args: str, db: Path, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run `python -m evalguard_core ARGS --db DB`."""
    return subprocess.run(
        [sys.executable, "-m", "evalguard_core", *args, "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
    )


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "cli.duckdb"


def test_import_prints_run_id_and_json(tmp_path: Path, db: Path) -> None:
    path = tmp_path / "run.csv"
    path.write_text(SAMPLE_CSV)
    plain = evalguard("import", str(path), "--name", "nightly", db=db)
    assert plain.returncode == 0, plain.stderr
    run_id = plain.stdout.strip()
    assert len(run_id) == 36
    as_json = evalguard("import", str(path), "--json", db=db)
    data = json.loads(as_json.stdout)
    assert data["cases"] == 4 and data["kind"] == "single"
    listed = json.loads(evalguard("runs", "list", "--json", db=db).stdout)
    assert {r["name"] for r in listed} == {"nightly", "run"}
    shown = json.loads(evalguard("runs", "show", run_id, "--json", db=db).stdout)
    assert shown["cases"] == 4
    assert {s["scorer"] for s in shown["scorers"]} == {"accuracy", "llm_judge"}
    text = evalguard("runs", "show", run_id, db=db).stdout
    assert "llm_judge" in text and "pass=3" in text


def test_bad_file_is_one_line_exit_2_no_traceback(tmp_path: Path, db: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("case_id,score:acc\n1,zero\n")
    out = evalguard("import", str(path), db=db)
    assert out.returncode == 2
    assert out.stderr.startswith("evalguard: error: bad.csv: row 1: column 'score:acc'")
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


def test_unknown_run_is_exit_2(db: Path) -> None:
    out = evalguard("runs", "show", "00000000-0000-0000-0000-000000000000", db=db)
    assert out.returncode == 2 and "not found" in out.stderr


def test_labels_import(tmp_path: Path, db: Path) -> None:
    run_file = tmp_path / "run.csv"
    run_file.write_text(SAMPLE_CSV)
    run_id = evalguard("import", str(run_file), db=db).stdout.strip()
    labels = tmp_path / "labels.csv"
    labels.write_text("case_id,annotator,label\nc1,ann,pass\nc2,ann,fail\n")
    out = evalguard("labels", "import", str(labels), "--run", run_id, "--json", db=db)
    assert json.loads(out.stdout)["labels"] == 2
    bad = tmp_path / "bad_labels.csv"
    bad.write_text("case_id,annotator,label\nnope,ann,pass\n")
    out = evalguard("labels", "import", str(bad), "--run", run_id, db=db)
    assert out.returncode == 2 and "nope" in out.stderr


def test_keys_create_prints_key_once_and_stores_only_hash(db: Path) -> None:
    out = evalguard("keys", "create", "--name", "alice", "--role", "annotator", "--json", db=db)
    data = json.loads(out.stdout)
    assert data["name"] == "alice" and data["role"] == "annotator"
    assert data["key"].startswith("eg_")
    assert data["key"].encode() not in db.read_bytes()
    listed = evalguard("keys", "list", "--json", db=db).stdout
    assert data["key"] not in listed and "alice" in listed
    bad = evalguard("keys", "create", "--name", "x", "--role", "root", db=db)
    assert bad.returncode == 2


def test_orgs_create_and_keys_in_an_org(db: Path) -> None:
    org = json.loads(evalguard("orgs", "create", "--name", "acme", "--json", db=db).stdout)
    assert org["name"] == "acme"
    key = json.loads(
        evalguard(
            "keys", "create", "--name", "a", "--role", "admin", "--org", "acme", "--json", db=db
        ).stdout
    )
    assert key["org_id"] == org["org_id"]
    names = [o["name"] for o in json.loads(evalguard("orgs", "list", "--json", db=db).stdout)]
    assert names == ["default", "acme"]
    out = evalguard("runs", "list", "--org", "nowhere", db=db)
    assert out.returncode == 2 and "organization 'nowhere' not found" in out.stderr


def test_store_held_by_another_process_is_one_clear_line(db: Path) -> None:
    from evalguard_core.store import Store

    holder = Store.open(db)
    try:
        out = evalguard("runs", "list", db=db)
    finally:
        holder.close()
    assert out.returncode == 2
    assert "in use by another process (PID" in out.stderr
    assert out.stderr.count("\n") == 1 and "Traceback" not in out.stderr


def test_every_command_is_documented_in_the_readme() -> None:
    """Each top-level command (and sub-action) appears in the README's CLI docs."""
    from evalguard_core.cli import build_parser

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    missing = []
    for name, p in sub.choices.items():
        actions = [
            a for a in p._actions if getattr(a, "choices", None) and a.dest.endswith("_command")
        ]
        if actions:
            missing += [
                f"{name} {act}"
                for act in actions[0].choices
                if f"evalguard {name} {act}" not in readme and f"{name} {act}" not in readme
            ]
        elif f"evalguard {name}" not in readme:
            missing.append(name)
    assert not missing, f"commands missing from README: {missing}"


def test_align_gate_refuses_a_small_sample_unless_allowed(tmp_path: Path, db: Path) -> None:
    run_csv = tmp_path / "run.csv"
    run_csv.write_text(SAMPLE_CSV)
    run_id = evalguard("import", str(run_csv), db=db).stdout.strip()
    labels = tmp_path / "labels.csv"
    labels.write_text(
        "case_id,annotator,label\nc1,ann,PASS\nc2,ann,Fail\nc3,ann,pass\nc4,ann,fail\n"
    )
    assert evalguard("labels", "import", str(labels), "--run", run_id, db=db).returncode == 0
    gate = ["align", "--run", run_id, "--judge", "llm_judge", "--n-boot", "100"]
    refused = evalguard(*gate, "--fail-under", "accuracy=0.5", "--on", "point", db=db)
    assert refused.returncode == 1
    assert "label 26 more" in refused.stderr and "Traceback" not in refused.stderr
    allowed = evalguard(
        *gate, "--fail-under", "accuracy=0.5", "--on", "point", "--allow-small", "--json", db=db
    )
    assert allowed.returncode == 0, allowed.stderr
    report = json.loads(allowed.stdout)
    # "PASS" / "Fail" are the judge's "pass" / "fail": 3 of 4 agree (c4: judge pass, human fail).
    assert report["metrics"]["accuracy"]["value"] == 0.75
    assert report["gate"]["passed"] is True and report["gate"]["allow_small"] is True
