"""Exports as CSV, JSONL or Parquet: annotations, queue items, paired judge/human labels."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from evalguard_core.auth import Actor, require_sighted
from evalguard_core.errors import ValidationError
from evalguard_core.queues import require_queue
from evalguard_core.runs import require_run
from evalguard_core.store import Scope
from evalguard_core.store import exports as sql

KINDS = ("annotations", "queue_items", "paired")
FORMATS = ("csv", "jsonl", "parquet")
MEDIA_TYPES = {
    "csv": "text/csv",
    "jsonl": "application/x-ndjson",
    "parquet": "application/vnd.apache.parquet",
}


def export_table(
    scope: Scope,
    kind: str,
    *,
    run_id: str | None = None,
    queue_id: str | None = None,
    judge: str | None = None,
    actor: Actor | None = None,
) -> Any:
    """The rows of an export as a pyarrow Table (validated, scoped to the organization).

    A blind rater (`actor` an annotator) gets only its own labels, queue items without the
    sampling strata (they come from the judge's scores) and no judge-vs-human pairs.
    """
    blind = actor is not None and actor.blind
    if kind not in KINDS:
        raise ValidationError(
            f"unknown export {kind!r}; use one of {', '.join(KINDS)}", details={"field": "kind"}
        )
    if run_id:
        require_run(scope, run_id)
    if queue_id:
        require_queue(scope, queue_id)
    if kind == "annotations":
        mine = actor.name if blind and actor is not None else None
        return sql.annotations_table(scope, run_id=run_id, queue_id=queue_id, annotator=mine)
    if kind == "queue_items":
        if not queue_id:
            raise ValidationError("queue_items needs a queue", details={"field": "queue_id"})
        table = sql.queue_items_table(scope, queue_id=queue_id)
        return table.drop_columns(["stratum", "inclusion_prob"]) if blind else table
    require_sighted(actor, "judge-vs-human pairs")
    if not run_id or not judge:
        raise ValidationError(
            "paired needs a run and a judge scorer",
            details={"field": "run_id" if not run_id else "judge"},
        )
    return sql.paired_table(scope, run_id=run_id, judge=judge, queue_id=queue_id)


# OWASP CSV injection: a cell starting with one of these is run as a formula by spreadsheets.
FORMULA_START = r"^[=+\-@\t\r]"


def neutralise_formulas(table: Any) -> Any:
    """Prefix every text cell that a spreadsheet would run as a formula with a single quote.

    Only CSV gets this (it is what spreadsheets open); JSONL and Parquet keep the exact text.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    columns = []
    for column in table.columns:
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            risky = pc.fill_null(pc.match_substring_regex(column, FORMULA_START), False)
            column = pc.if_else(risky, pc.binary_join_element_wise("'", column, ""), column)
        columns.append(column)
    return pa.table(columns, names=table.column_names)


def to_bytes(table: Any, fmt: str) -> bytes:
    """Serialise a pyarrow Table as CSV, JSONL or Parquet."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if fmt not in FORMATS:
        raise ValidationError(
            f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}", details={"field": "format"}
        )
    buf = io.BytesIO()
    if fmt == "csv":
        pacsv.write_csv(neutralise_formulas(table), buf)
    elif fmt == "parquet":
        pq.write_table(table, buf)
    else:
        for row in table.to_pylist():
            buf.write(json.dumps(row, default=str, ensure_ascii=False).encode("utf-8") + b"\n")
    return buf.getvalue()


def format_for_path(path: Path) -> str:
    """An export format from a file's extension, or a clear error."""
    fmt = {".csv": "csv", ".jsonl": "jsonl", ".parquet": "parquet"}.get(path.suffix.lower())
    if fmt is None:
        raise ValidationError(
            f"cannot tell the format from {path.name!r}; use .csv, .jsonl or .parquet or --format",
            details={"field": "format"},
        )
    return fmt


def count_rows(data: bytes, fmt: str) -> int:
    """Rows in an export file's bytes (for the remote CLI's summary line)."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    if fmt == "parquet":
        return int(pq.read_metadata(io.BytesIO(data)).num_rows)
    if fmt == "csv":
        return int(pacsv.read_csv(io.BytesIO(data)).num_rows) if data.strip() else 0
    return sum(1 for line in data.splitlines() if line.strip())


def export_to_file(
    scope: Scope, kind: str, path: Path, fmt: str | None = None, **filters: Any
) -> int:
    """Write an export to `path` (format from --format or the extension); returns the row count."""
    fmt = fmt or format_for_path(path)
    table = export_table(scope, kind, **filters)
    data = to_bytes(table, fmt)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return table.num_rows
