"""The normalised table: an importer's rows written as a Parquet file the pipeline reads.

Parquet with explicit types (text, or float64 for latency and scores) so that DuckDB reads it
back exactly, without sniffing, at the speed of its native reader.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from evalguard_core.importers.base import RunTable, text

_FIRST = ("case_id", "input", "output", "output_a", "output_b", "expected", "latency_ms")
_NUMERIC_PREFIX = "score:"


def _order(columns: list[str]) -> list[str]:
    """Core columns first, then scorers, then metadata, each in first-seen order."""
    core = [c for c in _FIRST if c in columns]
    scored = [c for c in columns if c.startswith(("score:", "label:", "reason:"))]
    rest = [c for c in columns if c not in core and c not in scored]
    return core + scored + rest


def columns_of(rows: list[dict[str, Any]]) -> list[str]:
    """Every key any row has, ordered."""
    seen: dict[str, None] = {}
    for row in rows:
        for key in row:
            seen.setdefault(key, None)
    return _order(list(seen))


def _typed(name: str, values: list[Any]) -> pa.Array:
    """One column, typed: float64 for latency and scores, text otherwise (non-text as JSON)."""
    if name == "latency_ms" or name.startswith(_NUMERIC_PREFIX):
        return pa.array(values, type=pa.float64())
    try:
        return pa.array(values, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array(
            [v if v is None or isinstance(v, str) else text(v) for v in values], type=pa.string()
        )


def _write(rows: list[dict[str, Any]], columns: list[str], target: Path) -> Path:
    """Write rows as Parquet; columns that are empty everywhere (all null) are dropped."""
    target.parent.mkdir(parents=True, exist_ok=True)
    arrays, names = [], []
    for column in columns:
        array = _typed(column, [row.get(column) for row in rows])
        if array.null_count == len(array) and column not in _FIRST:
            continue
        arrays.append(array)
        names.append(column)
    pq.write_table(pa.Table.from_arrays(arrays, names=names), target, compression="NONE")
    return target


def write_run(run: RunTable, target: Path, _item: Any = None, _index: int = 0) -> Path:
    """Write a run's rows where the import pipeline will read them (named as the source)."""
    return _write(run.rows, columns_of(run.rows), target)


def write_labels(run: RunTable, target: Path) -> Path:
    """Write a run's human labels in the labels-file columns."""
    cols = ["case_id", "annotator", "label", "score", "comment"]
    target.parent.mkdir(parents=True, exist_ok=True)
    arrays = [_typed("score:" if c == "score" else c, [r.get(c) for r in run.labels]) for c in cols]
    pq.write_table(pa.Table.from_arrays(arrays, names=cols), target, compression="NONE")
    return target
