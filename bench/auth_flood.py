"""A flood of bad keys against one working rater (issue #14, item 13).

One rater claims and labels over HTTP (keep-alive) against the real server.py, alone and then
while 4 threads send requests with random bad keys as fast as they can, with the failed-auth
limit on (the default) and effectively off (the behaviour before the limit). Target: the flood
costs the rater at most 2x (cycles/s alone / cycles/s under flood <= 2).
"""

from __future__ import annotations

import secrets
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from _common import ROOT, emit, generate_run_table, server_process

SECONDS = 6.0
FLOODERS = 4
TARGET_SLOWDOWN = 2.0


def rater_cycles(base: str, key: str, queue_id: str, seconds: float) -> float:
    """Claim + label cycles per second of one rater for `seconds` (bounded)."""
    import httpx

    h = {"Authorization": f"Bearer {key}"}
    done = 0
    with httpx.Client(base_url=base, timeout=30) as c:
        end = time.monotonic() + seconds
        while time.monotonic() < end and done < 100_000:
            r = c.post("/api/v1/annotations/queue", json={"queue_id": queue_id}, headers=h)
            if r.status_code != 200:
                break
            item = r.json()["item"]
            body = {
                "target_id": item["target_id"],
                "target_type": "eval_case",
                "label": "pass",
                "queue_id": queue_id,
            }
            c.post("/api/v1/annotations", json=body, headers=h).raise_for_status()
            done += 1
    return done / seconds


def flood(base: str, stop: threading.Event, counts: dict[int, int]) -> None:
    """Requests with random bad keys until `stop` (bounded by time in the caller)."""
    import httpx

    with httpx.Client(base_url=base, timeout=30) as c:
        while not stop.is_set():
            r = c.get(
                "/api/v1/runs", headers={"Authorization": f"Bearer eg_{secrets.token_hex(8)}"}
            )
            counts[r.status_code] = counts.get(r.status_code, 0) + 1


def phase(db: Path, key: str, queues: list[str], limit: str) -> dict[str, Any]:
    """Rater alone, then under flood, on a fresh server with the given failed-auth limit."""
    with server_process(ROOT / "server.py", db, env={"EVALGUARD_AUTH_FAIL_LIMIT": limit}) as (
        base,
        _,
    ):
        alone = rater_cycles(base, key, queues[0], SECONDS)
        stop, counts = threading.Event(), {}
        threads = [
            threading.Thread(target=flood, args=(base, stop, counts)) for _ in range(FLOODERS)
        ]
        for t in threads:
            t.start()
        try:
            time.sleep(0.5)
            flooded = rater_cycles(base, key, queues[1], SECONDS)
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=30)
    return {
        "alone_cycles_per_s": round(alone, 1),
        "under_flood_cycles_per_s": round(flooded, 1),
        "slowdown": round(alone / flooded, 2) if flooded else None,
        "flood_answers": {str(k): v for k, v in sorted(counts.items())},
    }


def main() -> dict[str, Any]:
    """Both phases and the target."""
    import pyarrow.csv as pacsv

    from evalguard_core import auth, queues, runs
    from evalguard_core.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        csv = Path(tmp) / "run.csv"
        pacsv.write_csv(generate_run_table(4000), csv)
        store = Store.open(db)
        scope = store.scope()
        run_id = runs.import_run(scope, csv, name="flood").run_id
        ids = [f"{run_id}:case-{i:07d}" for i in range(4000)]
        made = []
        for i in range(4):
            q = queues.create_queue(scope, name=f"q{i}")
            queues.add_items(scope, q["queue_id"], ids[i * 1000 : (i + 1) * 1000])
            made.append(q["queue_id"])
        key = auth.create_key(store, name="rater", role="annotator")["key"]
        store.close()
        limited = phase(db, key, made[:2], "20/minute")
        unlimited = phase(db, key, made[2:], "1000000000/minute")
    return {
        "benchmark": "auth_flood",
        "flooders": FLOODERS,
        "seconds_per_measure": SECONDS,
        "with_failed_auth_limit": limited,
        "without_limit_anchor": unlimited,
        "target": {
            "max_slowdown": TARGET_SLOWDOWN,
            "measured": limited["slowdown"],
            "met": limited["slowdown"] is not None and limited["slowdown"] <= TARGET_SLOWDOWN,
        },
    }


if __name__ == "__main__":
    import os

    emit(main())
    os._exit(0)
