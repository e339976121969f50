"""Benchmark: claim→annotate over HTTP with 4 and 8 clients on (a) one DuckDB server, (b) one
PostgreSQL replica, (c) two PostgreSQL replicas, and the no-database HTTP ceiling, in one run.

Every server is the real server.py in its own process on 127.0.0.1. PostgreSQL is the cluster
run_all.py started (EVALGUARD_BENCH_PG_SERVER) or a throwaway one started here (tests/pgserver.py).
Target (issue #16): (c) with 4 clients >= 0.75 x the ceiling, 0 double assignments; claim p50
<= 5 ms on (b). Bounded: each phase stops at its item budget or PHASE_SECONDS.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import claims as claim_bench
from _common import PG_SERVER_ENV, ROOT, emit, server_process, store_location

HERE = Path(__file__).resolve().parent
CLIENTS = (4, 8)
TARGET_RATIO = 0.75
TARGET_P50_MS = 5.0


def _phases(db: str, tag: str) -> dict[int, tuple[str, list[str]]]:
    """Per client count, a fresh queue and one annotator key per client."""
    from evalguard_core import auth
    from evalguard_core.store import Store

    store = Store.open(db)
    try:
        return {
            n: (
                claim_bench._setup(store, claim_bench.ITEMS_PER_PHASE, f"{tag}{n}"),
                [
                    auth.create_key(store, name=f"{tag}{n}_r{i}", role="annotator")["key"]
                    for i in range(n)
                ],
            )
            for n in CLIENTS
        }
    finally:
        store.close()


def _measure(db: str, replicas: int, tag: str) -> dict[str, Any]:
    """Start `replicas` servers on `db` and drive each client count against them."""
    phases = _phases(db, tag)
    out: dict[str, Any] = {}
    with ExitStack() as stack:
        bases = [
            stack.enter_context(server_process(ROOT / "server.py", db))[0] for _ in range(replicas)
        ]
        for n, (queue_id, keys) in phases.items():
            out[f"http_{n}_clients"] = claim_bench.over_http(bases, queue_id, keys)
    return out


def main() -> dict[str, Any]:
    """Run (a), (b), (c) and the ceiling; return the figures side by side."""
    started = None
    if not os.environ.get(PG_SERVER_ENV):
        from tests import pgserver

        started, reason = pgserver.start(fsync=True)
        if started is None:
            return {"benchmark": "replicas", "skipped": f"PostgreSQL: {reason}"}
        os.environ[PG_SERVER_ENV] = started.url("").rstrip("/")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            tmpdir = Path(tmp)
            duck = str(tmpdir / "replicas.duckdb")
            result: dict[str, Any] = {"benchmark": "replicas"}
            result["a_one_duckdb_process"] = _measure(duck, 1, "a")
            result["b_one_postgresql_replica"] = _measure(
                store_location(tmpdir, "replicas_b"), 1, "b"
            )
            result["c_two_postgresql_replicas"] = _measure(
                store_location(tmpdir, "replicas_c"), 2, "c"
            )
            queue_id, keys = _phases(duck, "ceiling")[4]
            with server_process(HERE / "_http_ceiling_server.py", duck) as (base, _):
                ceiling = claim_bench.over_http(base, queue_id, keys)
            ceiling.pop("double_assignments")  # every canned answer is the same item
            result["http_4_clients_no_database"] = ceiling
    finally:
        if started is not None:
            started.stop()
    c4 = result["c_two_postgresql_replicas"]["http_4_clients"]
    b4 = result["b_one_postgresql_replica"]["http_4_clients"]
    top = ceiling["cycles_per_s"] or 1.0
    doubles = sum(
        phase["double_assignments"]
        for key, setup in result.items()
        if key[:2] in ("a_", "b_", "c_")
        for phase in setup.values()
    )
    result["side_by_side_cycles_per_s"] = {
        f"{n}_clients": {
            "a_duckdb": result["a_one_duckdb_process"][f"http_{n}_clients"]["cycles_per_s"],
            "b_postgresql_1": result["b_one_postgresql_replica"][f"http_{n}_clients"][
                "cycles_per_s"
            ],
            "c_postgresql_2": result["c_two_postgresql_replicas"][f"http_{n}_clients"][
                "cycles_per_s"
            ],
            "no_database_ceiling_4_clients": ceiling["cycles_per_s"],
        }
        for n in CLIENTS
    }
    result["targets"] = {
        "c_4_clients_over_ceiling": {
            "target": TARGET_RATIO,
            "measured": round(c4["cycles_per_s"] / top, 3),
            "met": c4["cycles_per_s"] >= TARGET_RATIO * top,
        },
        "b_claim_p50_ms": {
            "target": TARGET_P50_MS,
            "measured": b4["claim_p50_ms"],
            "met": b4["claim_p50_ms"] <= TARGET_P50_MS,
        },
        "double_assignments": {"target": 0, "measured": doubles, "met": doubles == 0},
    }
    return result


if __name__ == "__main__":
    emit(main())
