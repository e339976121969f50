"""`make bench`: run every benchmark in its own process and print one JSON document.

Benchmarks that use a store run twice, side by side: on a DuckDB file and on PostgreSQL (one
throwaway cluster started here, tests/pgserver.py; each benchmark creates its own database in
it). `pg_baseline` compares EvalGuard on PostgreSQL with raw `SKIP LOCKED` in the same run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Order matters only for reading the output; each script is independent.
BENCHMARKS = [
    "import_runs",
    "importers",
    "bootstrap",
    "claims",
    "alignment",
    "export",
    "pages",
    "label_keypress",
    "server",
    "pg_baseline",
    "auth_flood",
    "replicas",
]
# Measured on both backends; the others use no store or compare backends themselves.
BOTH_BACKENDS = {
    "import_runs",
    "bootstrap",
    "claims",
    "export",
    "pages",
    "label_keypress",
    "server",
}
# Given the run's PostgreSQL cluster, but measuring both backends side by side themselves.
WITH_CLUSTER = {"replicas"}
TIMEOUT_SECONDS = 900


def run_one(name: str, env: dict[str, str] | None = None) -> dict:
    """Run bench/<name>.py and parse the JSON it prints."""
    script = HERE / f"{name}.py"
    if not script.exists():
        return {"skipped": f"bench/{name}.py does not exist yet"}
    start = time.perf_counter()
    try:
        out = subprocess.run(
            [sys.executable, str(script)],
            cwd=HERE,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_SECONDS,
            env=env,
        )
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {TIMEOUT_SECONDS} s"}
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr.strip() else "failed"}
    text = out.stdout
    try:
        return json.loads(text[text.index("{") :])
    except (ValueError, json.JSONDecodeError):
        return {"error": "no JSON output", "wall_seconds": round(time.perf_counter() - start, 2)}


def main() -> None:
    """Run all benchmarks (store ones on both backends) and print the combined result."""
    sys.path.insert(0, str(HERE.parent))
    from tests import pgserver

    only = set(sys.argv[1:])  # `python bench/run_all.py claims pg_baseline` runs just those
    server, reason = pgserver.start(fsync=True)
    pg_env = None
    if server is not None:
        pg_env = {**os.environ, "EVALGUARD_BENCH_PG_SERVER": server.url("").rstrip("/")}
    results: dict = {}
    try:
        for name in BENCHMARKS:
            if only and name not in only:
                continue
            print(f"bench: {name} ...", file=sys.stderr, flush=True)
            if name in WITH_CLUSTER:
                results[name] = run_one(name, pg_env)
                continue
            if name not in BOTH_BACKENDS:
                results[name] = run_one(name)
                continue
            results[name] = {"duckdb": run_one(name)}
            print(f"bench: {name} on PostgreSQL ...", file=sys.stderr, flush=True)
            results[name]["postgresql"] = (
                run_one(name, pg_env) if pg_env else {"skipped": f"PostgreSQL: {reason}"}
            )
    finally:
        if server is not None:
            server.stop()
    results["postgresql_targets"] = _targets(results)
    print(json.dumps({"benchmarks": results}, indent=2))


def _targets(results: dict) -> dict:
    """The issue's PostgreSQL targets, from the figures of this run."""
    out: dict = {}
    base = results.get("pg_baseline", {})
    if "ratio_evalguard_postgresql_over_skip_locked" in base:
        ratio = base["ratio_evalguard_postgresql_over_skip_locked"]
        out["claim_annotate_over_skip_locked"] = {
            "target": 0.9,
            "measured": ratio,
            "met": ratio >= 0.9,
        }
    imp = results.get("import_runs", {})
    try:
        duck = imp["duckdb"]["parquet_1m"]["seconds"]
        pg = imp["postgresql"]["parquet_1m"]["seconds"]
        out["import_1m_pg_over_duckdb"] = {
            "target": 2.0,
            "measured": round(pg / duck, 2),
            "met": pg <= 2 * duck,
        }
    except (KeyError, TypeError, ZeroDivisionError):
        pass
    pages = results.get("pages", {}).get("postgresql", {})
    if "max_rerun_s" in pages:
        out["pages_1m_postgresql_max_rerun_s"] = {
            "target": 1.5,
            "measured": pages["max_rerun_s"],
            "met": pages["max_rerun_s"] <= 1.5,
        }
    return out


if __name__ == "__main__":
    main()
