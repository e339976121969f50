"""Helpers shared by the benchmarks: generated runs and JSON output."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def generate_run_table(n: int, seed: int = 7) -> Any:
    """A pyarrow Table of n realistic cases: text, latency, two scorers and a judge label."""
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    quality = rng.beta(4.0, 1.6, n)
    case_ids = pa.array([f"case-{i:07d}" for i in range(n)])
    inputs = pa.array(np.char.add("question about topic ", (np.arange(n) % 997).astype(str)))
    outputs = pa.array(np.char.add("answer text number ", (np.arange(n) % 1009).astype(str)))
    return pa.table(
        {
            "case_id": case_ids,
            "input": inputs,
            "output": outputs,
            "expected": outputs,
            "latency_ms": rng.lognormal(6.6, 0.45, n).round(1),
            "score:correctness": np.clip(quality + rng.normal(0, 0.12, n), 0, 1).round(4),
            "score:helpfulness": np.clip(np.round(1 + 4 * quality), 1, 5),
            "label:llm_judge": pa.array(np.where(quality > 0.45, "pass", "fail")),
            "score:llm_judge": rng.uniform(0.5, 1, n).round(3),
            "topic": pa.array(
                np.array(["billing", "account", "shipping", "product"])[rng.integers(0, 4, n)]
            ),
        }
    )


# Set by run_all.py for the PostgreSQL pass: a server URL (without database) in which every
# benchmark creates its own fresh, migrated database. Unset: the DuckDB file as before.
PG_SERVER_ENV = "EVALGUARD_BENCH_PG_SERVER"


def backend() -> str:
    """duckdb, or postgresql when run_all.py's PostgreSQL pass started this benchmark."""
    return "postgresql" if os.environ.get(PG_SERVER_ENV) else "duckdb"


def store_location(tmpdir: Path, name: str) -> str:
    """Where this benchmark's store lives: a DuckDB file in tmpdir, or a new PostgreSQL
    database on the bench cluster (created and migrated here; the cluster is thrown away)."""
    server = os.environ.get(PG_SERVER_ENV)
    if not server:
        return str(tmpdir / f"{name}.duckdb")
    import uuid

    import psycopg

    from evalguard_core.store import Store

    dbname = f"bench_{name}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{server}/postgres", autocommit=True) as con:
        con.execute(f"CREATE DATABASE {dbname}")
    url = f"{server}/{dbname}"
    Store.open(url, migrate=True).close()
    return url


@contextmanager
def timed() -> Any:
    """Measure wall time of a block: `with timed() as t: ...; t["seconds"]`."""
    box: dict[str, float] = {}
    start = time.perf_counter()
    yield box
    box["seconds"] = time.perf_counter() - start


def emit(result: dict[str, Any]) -> None:
    """Print one JSON document."""
    print(json.dumps(result, indent=2, default=str))


@contextmanager
def server_process(
    script: Path, db: Path | str, *args: str, env: dict[str, str] | None = None
) -> Iterator[tuple[str, Any]]:
    """Run a server script (server.py or a bench one) in its own process on a free loopback
    port over `db`, demo off and rate limit out of the way; yields (base URL, process)."""
    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    extra_env = env
    location = {"EVALGUARD_DB": str(db)}
    if str(db).startswith("postgresql://"):
        location = {"EVALGUARD_DATABASE_URL": str(db)}
    env = dict(
        os.environ,
        **location,
        EVALGUARD_PORT=str(port),
        EVALGUARD_HOST="127.0.0.1",
        EVALGUARD_DEMO="0",
        EVALGUARD_RATE_LIMIT="100000000/minute",
    )
    env.update(extra_env or {})
    proc = subprocess.Popen(
        [sys.executable, str(script), *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{script.name} did not start")
            time.sleep(0.1)
        yield base, proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
