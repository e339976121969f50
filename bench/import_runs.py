"""Benchmark: import a generated 1M-case Parquet run and a 10k-case CSV run (prints JSON)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from _common import backend, emit, generate_run_table, store_location, timed

TARGET_1M_SECONDS = 5.0


def main(n_large: int = 1_000_000, n_small: int = 10_000) -> dict:
    """Run the import benchmark and return its figures."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    from evalguard_core import runs
    from evalguard_core.store import Store

    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        large = tmpdir / "large.parquet"
        pq.write_table(generate_run_table(n_large), large)
        small = tmpdir / "small.csv"
        pacsv.write_csv(generate_run_table(n_small, seed=3), small)
        store = Store.open(store_location(tmpdir, "import"))
        scope = store.scope()
        with timed() as t_small:
            runs.import_run(scope, small)
        with timed() as t_large:
            result = runs.import_run(scope, large)
        assert result.cases == n_large
        store.close()
    return {
        "benchmark": "import",
        "backend": backend(),
        "csv_10k": {
            "cases": n_small,
            "seconds": round(t_small["seconds"], 3),
            "cases_per_s": round(n_small / t_small["seconds"]),
        },
        "parquet_1m": {
            "cases": n_large,
            "seconds": round(t_large["seconds"], 3),
            "cases_per_s": round(n_large / t_large["seconds"]),
            "target_seconds": TARGET_1M_SECONDS,
            "ok": t_large["seconds"] <= TARGET_1M_SECONDS,
        },
    }


if __name__ == "__main__":
    emit(main())
