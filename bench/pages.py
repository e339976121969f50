"""Benchmark: AppTest render time of every page on a store holding a 1M-case run.

The store has the 1M-case run, 10k human labels on it, a bootstrapped 1000-item queue with a
few labels and a 1000-trace task; no API keys (local single-user mode, as `make run` starts).
Each page is rendered twice in one AppTest: `first_s` (cold: imports, first queries) and
`rerun_s` (what a user waits for on every interaction). Target: <= 1.5 s per page, judged
on `rerun_s`; `first_s` of the first page also pays the one-time Python imports.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from _common import ROOT, backend, emit, generate_run_table, store_location, timed

N = 1_000_000
TARGET_SECONDS = 1.5
PAGES = ["home", "runs", "queues", "label", "bootstrap", "alignment", "tasks", "keys"]


def _seed(db: str, tmpdir: Path) -> dict:
    """Fill the store the pages will open."""
    import pyarrow as pa
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    import evalguard_core.annotations as annotations
    from evalguard_core import bootstrap, labels, queues, runs, tasks
    from evalguard_core.serving import open_server_store

    store = open_server_store(db, seed_demo=False)
    scope = store.scope()
    big = tmpdir / "big.parquet"
    pq.write_table(generate_run_table(N), big)
    with timed() as t:
        run_id = runs.import_run(scope, big, name="one million").run_id
    labels_file = tmpdir / "labels.csv"
    pacsv.write_csv(
        pa.table(
            {
                "case_id": [f"case-{i:07d}" for i in range(0, N, 100)],
                "annotator": [f"rater{i % 3}" for i in range(N // 100)],
                "label": ["pass" if i % 4 else "fail" for i in range(N // 100)],
            }
        ),
        labels_file,
    )
    labels.import_labels(scope, labels_file, run_id=run_id)
    queue = queues.create_queue(scope, name="bootstrapped")
    bootstrap.run_bootstrap(
        scope, queue_id=queue["queue_id"], run_id=run_id, sample_count=1000, stratify_by="score"
    )
    for _ in range(20):
        annotations.claim_and_label(scope, queue["queue_id"], "local", label="pass", source="ui")
    traces = [c["trace_id"] for c in runs.list_cases(scope, run_id, limit=1000)["cases"]]
    tasks.create_task(scope, name="task", trace_ids=traces)
    return {"import_seconds": round(t["seconds"], 2)}


def main() -> dict:
    """Seed once, then render each page in AppTest and time it."""
    from streamlit.testing.v1 import AppTest

    from evalguard_core.store import reset_store

    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        db = store_location(tmpdir, "pages")
        os.environ["EVALGUARD_DATABASE_URL" if backend() == "postgresql" else "EVALGUARD_DB"] = db
        os.environ["EVALGUARD_DEMO"] = "0"
        out: dict = {
            "benchmark": "pages",
            "backend": backend(),
            "cases": N,
            "target_seconds": TARGET_SECONDS,
        }
        out["seed"] = _seed(db, tmpdir)
        pages: dict = {}
        for name in PAGES:
            path = ROOT / "pages" / f"{name}.py"
            if not path.exists():
                pages[name] = {"skipped": "no such page"}
                continue
            at = AppTest.from_file(str(path), default_timeout=120)
            t0 = time.perf_counter()
            at.run()
            first = time.perf_counter() - t0
            t0 = time.perf_counter()
            at.run()
            rerun = time.perf_counter() - t0
            pages[name] = {
                "first_s": round(first, 3),
                "rerun_s": round(rerun, 3),
                "exception": bool(at.exception),
                "ok": rerun <= TARGET_SECONDS and not at.exception,
            }
        out["pages"] = pages
        timed_pages = [p for p in pages.values() if "first_s" in p]
        out["max_first_s"] = max(p["first_s"] for p in timed_pages)
        out["max_rerun_s"] = max(p["rerun_s"] for p in timed_pages)
        out["all_ok"] = all(p["ok"] for p in timed_pages)
        reset_store()
    return out


if __name__ == "__main__":
    emit(main())
    os._exit(0)  # page threads may hold cursors of the closed store
