"""Benchmark: claim→annotate cycles/s in-process and over HTTP (the real server.py), p50/p95.

Prints one JSON object. Bounded: each phase stops at its item budget or its time budget.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
if str(HERE) not in sys.path:  # imported from other benchmarks too
    sys.path.insert(0, str(HERE))

from _common import backend, server_process, store_location  # noqa: E402

PHASE_SECONDS = 8.0
ITEMS_PER_PHASE = 3000
TARGET_HTTP_4 = 500.0
TARGET_P50_MS = 5.0


def _setup(store: Any, n: int, tag: str) -> str:
    """A run of n cases and a queue holding them."""
    from evalguard_core import queues, runs

    path = Path(tempfile.mkdtemp()) / f"{tag}.csv"
    path.write_text(
        "case_id,input,output,expected,label:llm_judge\n"
        + "".join(f"c{i},question {i},answer {i},answer {i},pass\n" for i in range(n)),
        "utf-8",
    )
    scope = store.scope()
    run_id = runs.import_run(scope, path).run_id
    queue = queues.create_queue(scope, name=tag)
    queues.add_items(scope, queue["queue_id"], [f"{run_id}:c{i}" for i in range(n)])
    return queue["queue_id"]


def _drive(n_workers: int, make_worker: Any) -> dict[str, Any]:
    """Run workers until the queue is empty or time is up; gather cycles and claim latencies."""
    claimed: list[int] = []
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    deadline = time.monotonic() + PHASE_SECONDS
    barrier = threading.Barrier(n_workers + 1)

    def run(idx: int) -> None:
        claim, annotate, close = make_worker(idx)
        mine: list[int] = []
        lats: list[float] = []
        barrier.wait()
        try:
            while time.monotonic() < deadline:
                t0 = time.perf_counter()
                item = claim()
                lats.append(time.perf_counter() - t0)
                if item is None:
                    break
                annotate(item)
                mine.append(item["item_id"])
        except Exception as exc:  # reported, never hidden
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            close()
            with lock:
                claimed.extend(mine)
                latencies.extend(lats)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n_workers)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join(timeout=PHASE_SECONDS + 30)
    elapsed = time.perf_counter() - start
    counts = Counter(claimed)
    lat_ms = sorted(x * 1000 for x in latencies) or [0.0]
    return {
        "workers": n_workers,
        "cycles": len(claimed),
        "seconds": round(elapsed, 3),
        "cycles_per_s": round(len(claimed) / elapsed, 1),
        "claim_p50_ms": round(statistics.median(lat_ms), 2),
        "claim_p95_ms": round(lat_ms[int(0.95 * (len(lat_ms) - 1))], 2),
        "double_assignments": sum(1 for c in counts.values() if c > 1),
        "errors": errors[:3],
    }


def in_process(store: Any, n_workers: int) -> dict[str, Any]:
    """Claim→annotate through the core functions, one thread per rater."""
    import evalguard_core.annotations as annotations
    from evalguard_core import claims
    from evalguard_core.errors import ConflictError

    queue_id = _setup(store, ITEMS_PER_PHASE, f"inproc{n_workers}")
    scope = store.scope()

    def make(idx: int) -> Any:
        rater = f"rater{idx}"

        def claim() -> dict | None:
            try:
                return claims.claim_next(scope, queue_id, rater)["item"]
            except ConflictError:
                return None

        def annotate(item: dict) -> None:
            annotations.label_claimed(scope, queue_id, rater, item, label="pass")

        return claim, annotate, lambda: None

    return _drive(n_workers, make)


def over_http(base_url: str | list[str], queue_id: str, keys: list[str]) -> dict[str, Any]:
    """Claim→annotate through the Python client against a live server, one key per client
    (several base URLs: client i talks to replica i mod n, as a load balancer would spread them)."""
    from evalguard_core.client import EvalGuard
    from evalguard_core.errors import ConflictError

    bases = [base_url] if isinstance(base_url, str) else base_url

    def make(idx: int) -> Any:
        eg = EvalGuard(api_key=keys[idx], base_url=bases[idx % len(bases)])

        def claim() -> dict | None:
            try:
                return eg.claim_next(queue_id)["item"]
            except ConflictError:
                return None

        def annotate(item: dict) -> None:
            eg.annotate(item["target_id"], item["target_type"], label="pass", queue_id=queue_id)

        return claim, annotate, eg.close

    return _drive(len(keys), make)


def main() -> dict[str, Any]:
    """Run every phase and return the figures."""
    from evalguard_core import auth, claims
    from evalguard_core.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        db = store_location(Path(tmp), "claims")
        store = Store.open(db)
        result: dict[str, Any] = {
            "benchmark": "claims",
            "backend": backend(),
            "candidates_k": claims.CANDIDATES_K,
        }
        for n in (1, 8):
            result[f"in_process_{n}_threads"] = in_process(store, n)
        # The HTTP phases run against the real server.py in its own process (what `make run`
        # serves), so the clients do not share the server's interpreter lock.
        phases = {
            n: (
                _setup(store, ITEMS_PER_PHASE, f"http{n}"),
                [
                    auth.create_key(store, name=f"http{n}_r{i}", role="annotator")["key"]
                    for i in range(n)
                ],
            )
            for n in (1, 4, 8)
        }
        store.close()
        with server_process(ROOT / "server.py", db) as (base, _):
            for n, (queue_id, keys) in phases.items():
                result[f"http_{n}_clients"] = over_http(base, queue_id, keys)
        # The same clients against the API with the store calls of claim and annotate replaced
        # by canned answers: what the HTTP stack alone allows on this machine.
        queue_id, keys = phases[4]
        with server_process(HERE / "_http_ceiling_server.py", db) as (base, _):
            ceiling = over_http(base, queue_id, keys)
        ceiling.pop("double_assignments")  # every canned answer is the same item
        result["http_4_clients_no_database"] = ceiling
    http4 = result["http_4_clients"]
    result["targets"] = {
        "http_4_clients_cycles_per_s": {
            "target": TARGET_HTTP_4,
            "measured": http4["cycles_per_s"],
            "met": http4["cycles_per_s"] >= TARGET_HTTP_4,
        },
        "claim_p50_ms": {
            "target": TARGET_P50_MS,
            "measured": http4["claim_p50_ms"],
            "met": http4["claim_p50_ms"] <= TARGET_P50_MS,
        },
        "double_assignments": sum(
            v.get("double_assignments", 0)
            for v in result.values()
            if isinstance(v, dict) and "cycles" in v
        ),
    }
    return result


if __name__ == "__main__":
    import json
    import os

    print(json.dumps(main(), indent=2, default=str), flush=True)
    # DuckDB aborts at interpreter exit when worker threads' cursors outlive the closed
    # connection; the figures are printed, so leave without running the finalisers.
    os._exit(0)
