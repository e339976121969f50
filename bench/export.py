"""Benchmark: export 10k human-labelled items (annotations, queue items, judge pairs) as
CSV, JSONL and Parquet, through evalguard_core.exports (what the API and CLI call)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from _common import backend, emit, generate_run_table, store_location, timed

N = 10_000


def main() -> dict:
    """Import a 10k run, 10k human labels and a 10k-item queue, then time every export."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    from evalguard_core import exports, labels, queues, runs
    from evalguard_core.store import Store

    out: dict = {"benchmark": "export", "backend": backend(), "items": N}
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        run_file = tmpdir / "run.csv"
        pacsv.write_csv(generate_run_table(N, seed=5), run_file)
        store = Store.open(store_location(tmpdir, "export"))
        scope = store.scope()
        run_id = runs.import_run(scope, run_file).run_id
        case_ids = [f"case-{i:07d}" for i in range(N)]
        labels_file = tmpdir / "labels.csv"
        pacsv.write_csv(
            pa.table(
                {
                    "case_id": case_ids,
                    "annotator": [f"rater{i % 5}" for i in range(N)],
                    "label": ["pass" if i % 4 else "fail" for i in range(N)],
                    "comment": [f"comment {i}" for i in range(N)],
                }
            ),
            labels_file,
        )
        labels.import_labels(scope, labels_file, run_id=run_id)
        queue = queues.create_queue(scope, name="export")
        queues.add_items(scope, queue["queue_id"], [f"{run_id}:{c}" for c in case_ids])
        for kind, kwargs in (
            ("annotations", {"run_id": run_id}),
            ("queue_items", {"queue_id": queue["queue_id"]}),
            ("paired", {"run_id": run_id, "judge": "llm_judge"}),
        ):
            for fmt in ("csv", "jsonl", "parquet"):
                with timed() as t:
                    table = exports.export_table(scope, kind, **kwargs)
                    data = exports.to_bytes(table, fmt)
                out[f"{kind}_{fmt}"] = {
                    "rows": table.num_rows,
                    "bytes": len(data),
                    "seconds": round(t["seconds"], 3),
                }
        store.close()
    out["max_seconds"] = max(v["seconds"] for v in out.values() if isinstance(v, dict))
    return out


if __name__ == "__main__":
    emit(main())
