"""Benchmark: the real one-process server (server.py) — RSS idle on a 1M-case store and under
4 HTTP raters doing claim→annotate cycles; cycles/s over the full stack (UI + API process).

RSS is read from /proc/<pid>/status (VmRSS, VmHWM). Bounded: 10 s of load.
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

from _common import ROOT, backend, emit, generate_run_table, server_process, store_location

N = 1_000_000
ITEMS = 3000
CLIENTS = 4
LOAD_SECONDS = 10.0
TARGET_RSS_MB = 300.0


def _proc_mb(pid: int) -> dict:
    """VmRSS (now) and VmHWM (peak) of a process in MB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            fields[key] = round(int(value.split()[0]) / 1024, 1)
    return fields


def _seed(db: str, tmp: Path) -> tuple[str, list[str]]:
    """A 1M-case run, a queue of ITEMS of its cases and CLIENTS annotator keys."""
    import pyarrow.parquet as pq

    from evalguard_core import auth, queues, runs
    from evalguard_core.store import Store

    store = Store.open(db)
    scope = store.scope()
    big = tmp / "big.parquet"
    pq.write_table(generate_run_table(N), big)
    run_id = runs.import_run(scope, big).run_id
    queue = queues.create_queue(scope, name="server-bench")
    queues.add_items(scope, queue["queue_id"], [f"{run_id}:case-{i:07d}" for i in range(ITEMS)])
    keys = [auth.create_key(store, name=f"r{i}", role="annotator")["key"] for i in range(CLIENTS)]
    store.close()
    return queue["queue_id"], keys


def main() -> dict:
    """Seed, start server.py, measure RSS idle and under load, stop it."""
    import httpx

    from evalguard_core.client import EvalGuard

    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        db = store_location(tmpdir, "server")
        queue_id, keys = _seed(db, tmpdir)
        with server_process(ROOT / "server.py", db) as (base, proc):
            idle = _proc_mb(proc.pid)
            httpx.get(f"{base}/", timeout=30)  # the UI shell as a browser would fetch it
            cycles = [0] * CLIENTS
            stop_at = time.monotonic() + LOAD_SECONDS

            def rater(i: int) -> None:
                with EvalGuard(api_key=keys[i], base_url=base) as client:
                    while time.monotonic() < stop_at:
                        if client.claim_and_label(queue_id, "pass") is None:
                            return
                        cycles[i] += 1

            start = time.perf_counter()
            threads = [threading.Thread(target=rater, args=(i,)) for i in range(CLIENTS)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(timeout=LOAD_SECONDS + 30)
            elapsed = time.perf_counter() - start
            loaded = _proc_mb(proc.pid)
    peak = loaded.get("VmHWM", 0.0)
    return {
        "benchmark": "server",
        "backend": backend(),
        "store_cases": N,
        "rss_idle_mb": idle.get("VmRSS"),
        "rss_after_load_mb": loaded.get("VmRSS"),
        "rss_peak_mb": peak,
        "http_clients": CLIENTS,
        "cycles": sum(cycles),
        "cycles_per_s": round(sum(cycles) / elapsed, 1),
        "target_rss_mb": TARGET_RSS_MB,
        "rss_ok": peak <= TARGET_RSS_MB,
    }


if __name__ == "__main__":
    emit(main())
