"""`evalguard bootstrap` as users run it: dry run, synchronous run with progress, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from evalguard_core import queues, runs
from evalguard_core.store import Store
from tests.core.test_bootstrap import write_run


def evalguard(*args: str, db: Path) -> subprocess.CompletedProcess:
    """Run `python -m evalguard_core ARGS --db DB`."""
    return subprocess.run(
        [sys.executable, "-m", "evalguard_core", *args, "--db", str(db)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_dry_run_then_bootstrap(tmp_path: Path) -> None:
    db = tmp_path / "cli.duckdb"
    store = Store.open(db)
    run_id = runs.import_run(store.scope(), write_run(tmp_path / "r.csv", 200)).run_id
    queue_id = queues.create_queue(store.scope(), name="cli", target_type="eval_case")["queue_id"]
    store.close()
    base = ["bootstrap", "--queue", queue_id, "--run", run_id, "--count", "30", "--seed", "9"]

    dry = evalguard(*base, "--dry-run", db=db)
    assert dry.returncode == 0, dry.stderr
    assert "low" in dry.stdout and "borderline" in dry.stdout and "dry run" in dry.stdout
    plan = json.loads(evalguard(*base, "--dry-run", "--json", db=db).stdout)
    assert [s["allocated"] for s in plan["strata"]] == [10, 10, 10]

    done = evalguard(*base, db=db)
    assert done.returncode == 0, done.stderr
    assert "added 30 cases to queue cli" in done.stdout
    assert "100%" in done.stderr  # the progress line
    again = json.loads(evalguard(*base, "--stratify-by", "latency", "--json", db=db).stdout)
    assert again["total_added"] == 30 and again["already_in_queue"] == 30
    assert again["seed"] == 9

    custom = evalguard(*base, "--edges", "0.2,0.9", "--allocation", "proportional", db=db)
    assert custom.returncode == 0, custom.stderr
    assert "0.2, 0.9 (caller)" in custom.stdout

    bad = evalguard(*base[:-4], "--count", "1001", db=db)
    assert bad.returncode == 2 and bad.stderr.startswith("evalguard: error: sample_count")
    bad = evalguard(*base, "--edges", "0.5", db=db)
    assert bad.returncode == 2 and "two edges" in bad.stderr and "Traceback" not in bad.stderr
    missing = evalguard(
        "bootstrap", "--queue", queue_id, "--run", "00000000-0000-4000-8000-000000000000", db=db
    )
    assert missing.returncode == 2 and "not found" in missing.stderr
