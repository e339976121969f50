"""The remote CLI (--url + EVALGUARD_API_KEY) against a real server process: the same output,
--json and exit codes as the same commands run locally on the store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from evalguard_core import auth
from evalguard_core.store import Store
from tests.conftest import SAMPLE_CSV, SHARED
from tests.servers import free_port, start_server, stop, wait_healthy

LABELS = "case_id,annotator,label\nc1,ann,pass\nc2,ann,fail\nc3,ann,pass\nc4,ann,fail\n"


def cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """`python -m evalguard_core ARGS` as a user runs it (bounded in time)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("EVALGUARD_")}
    return subprocess.run(
        [sys.executable, "-m", "evalguard_core", *args],
        capture_output=True,
        text=True,
        timeout=180,
        env={**base, **(env or {})},
    )


@pytest.fixture
def remote(tmp_path: Path) -> Iterator[tuple[dict[str, str], Path, subprocess.Popen]]:
    """A running server over a fresh store, and the env that points the CLI at it."""
    db = tmp_path / "server.duckdb"
    store = Store.open(db)
    key = auth.create_key(store, name="ci", role="admin")["key"]
    viewer = auth.create_key(store, name="watcher", role="viewer")["key"]
    store.close()
    port = free_port()
    proc = start_server(db, port, env={"EVALGUARD_MAX_UPLOAD_BYTES": "2000000"})
    try:
        wait_healthy(port, proc)
        env = {"EVALGUARD_URL": f"http://127.0.0.1:{port}", "EVALGUARD_API_KEY": key}
        env["VIEWER_KEY"] = viewer
        yield env, db, proc
    finally:
        stop(proc)


def test_remote_import_labels_align_gate_and_same_output_as_local(remote, tmp_path) -> None:
    env, db, proc = remote
    run_file = tmp_path / "run.csv"
    run_file.write_text(SAMPLE_CSV)
    labels_file = tmp_path / "labels.csv"
    labels_file.write_text(LABELS)

    imported = cli("import", str(run_file), "--name", "nightly", env=env)
    assert imported.returncode == 0, imported.stderr
    run_id = imported.stdout.strip()
    assert len(run_id) == 36 and "detected csv" in imported.stderr

    labelled = cli("labels", "import", str(labels_file), "--run", run_id, env=env)
    assert labelled.returncode == 0 and labelled.stdout.strip() == (
        f"imported 4 labels into run {run_id}"
    )

    listed = json.loads(cli("runs", "list", "--json", env=env).stdout)
    assert [r["name"] for r in listed] == ["nightly"]
    shown = json.loads(cli("runs", "show", run_id, "--json", env=env).stdout)
    assert shown["cases"] == 4 and shown["human_labels"]["annotations"] == 4

    align = ["align", "--run", run_id, "--judge", "llm_judge", "--n-boot", "200"]
    passing = cli(*align, "--fail-under", "accuracy=0.0", env=env)
    assert passing.returncode == 0, passing.stderr
    assert "gate passed" in passing.stdout
    failing = cli(*align, "--fail-under", "accuracy=0.99", "--on", "point", env=env)
    assert failing.returncode == 1 and "gate failed" in failing.stderr
    as_json = json.loads(cli(*align, "--json", "--fail-under", "accuracy=0.99", env=env).stdout)
    assert as_json["gate"]["passed"] is False and as_json["n"] == 4
    remote_text = cli(*align, env=env).stdout
    remote_runs = cli("runs", "list", env=env).stdout
    remote_show = cli("runs", "show", run_id, "--json", env=env).stdout

    out = tmp_path / "paired.csv"
    exported = cli("export", "paired", "--run", run_id, "--judge", "llm_judge", "-o", str(out),
                   env=env)  # fmt: skip
    assert exported.returncode == 0 and exported.stdout.strip() == f"wrote 4 rows to {out}"

    queue = cli("queues", "create", "--name", "review", "--json", env=env)
    queue_id = json.loads(queue.stdout)["queue_id"]
    added = cli("queues", "add", queue_id, "--run", run_id, "--label-scorer", "llm_judge",
                "--label", "pass", env=env)  # fmt: skip
    assert added.stdout.strip() == "added 3, duplicates 0"
    queues = json.loads(cli("queues", "list", "--json", env=env).stdout)
    assert queues[0]["progress"]["total"] == 3

    # The same commands on the same store, locally, print the same thing.
    stop(proc)
    local = cli(*align, "--db", str(db))
    assert local.stdout == remote_text
    assert cli("runs", "list", "--db", str(db)).stdout == remote_runs
    assert json.loads(cli("runs", "show", run_id, "--json", "--db", str(db)).stdout) == json.loads(
        remote_show
    )
    local_export = tmp_path / "paired-local.csv"
    cli("export", "paired", "--run", run_id, "--judge", "llm_judge", "-o", str(local_export),
        "--db", str(db))  # fmt: skip
    assert local_export.read_bytes() == out.read_bytes()


def test_remote_import_of_a_foreign_directory(remote) -> None:
    env, _, _ = remote
    folder = SHARED / "data" / "formats" / "mtbench_fastchat"
    if not folder.exists():
        pytest.skip(f"{folder} is absent (shared format samples)")
    out = cli("import", str(folder), "--json", env=env)
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["format"] == "mt-bench" and data["cases"] == 160


def test_remote_errors_are_one_line_exit_2(remote, tmp_path) -> None:
    env, _, _ = remote
    bad = tmp_path / "bad.csv"
    bad.write_text("case_id,score:acc\nc1,high\n")
    out = cli("import", str(bad), env=env)
    assert out.returncode == 2 and out.stderr.count("\n") == 1
    assert "row 1" in out.stderr and "Traceback" not in out.stderr
    big = tmp_path / "big.csv"
    big.write_text(SAMPLE_CSV + "".join(f"x{i},q,a,a,1,1,pass,1,t\n" for i in range(100000)))
    out = cli("import", str(big), env=env)
    assert out.returncode == 2 and "over 2000000 bytes" in out.stderr
    viewer = {**env, "EVALGUARD_API_KEY": env["VIEWER_KEY"]}
    out = cli("import", str(bad), env=viewer)
    assert out.returncode == 2 and out.stderr.startswith("evalguard: error:")
    assert json.loads(cli("runs", "list", "--json", env=viewer).stdout) == []
    out = cli("runs", "list", env={"EVALGUARD_URL": env["EVALGUARD_URL"]})
    assert out.returncode == 2 and "EVALGUARD_API_KEY" in out.stderr
    out = cli("runs", "show", "00000000-0000-4000-8000-00000000dead", env=env)
    assert out.returncode == 2 and "not found" in out.stderr


def test_unreachable_server_is_one_line(tmp_path: Path) -> None:
    port = free_port()
    out = cli("runs", "list", "--url", f"http://127.0.0.1:{port}", env={"EVALGUARD_API_KEY": "k"})
    assert out.returncode == 2 and out.stderr.startswith("evalguard: error: cannot reach")
    assert "Traceback" not in out.stderr
