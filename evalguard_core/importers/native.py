"""EvalGuard's own run files (CSV, JSONL, Parquet): detected here, imported by runs.import_run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from evalguard_core import files
from evalguard_core.importers.base import Format, RunTable, Sniff

NAMES = ("csv", "jsonl", "parquet")


def reader_format(name: str) -> str:
    """The reader of a native format (the names are the same)."""
    return name


def _sniff_parquet(s: Sniff) -> bool:
    """Parquet's magic bytes."""
    return s.head.startswith("PAR1")


def _sniff_csv(s: Sniff) -> bool:
    """A text file whose header has a case_id column."""
    if s.head.lstrip().startswith(("{", "[")) or s.head.startswith("PAR1"):
        return False
    first = s.head.split("\n", 1)[0]
    return any(
        c.strip().strip('"') == "case_id"
        for c in first.replace(";", ",").replace("\t", ",").replace("|", ",").split(",")
    )


def _sniff_jsonl(s: Sniff) -> bool:
    """JSON records (lines or an array) with a case_id field."""
    first = s.first_json()
    if isinstance(first, dict):
        return "case_id" in first
    return s.head.lstrip().startswith("[") and '"case_id"' in s.head


def read_table(path: Path, name: str) -> RunTable:
    """A native file as a table (for the preview only; imports go through DuckDB)."""
    import pandas as pd

    files.check_readable(path, name)  # the same words as the import for a file it refuses
    try:
        if name == "parquet":
            frame = pd.read_parquet(path)
        elif name == "csv":
            frame = pd.read_csv(
                path, dtype=str, sep=files.csv_delimiter(path), keep_default_na=False
            )
        else:
            frame = pd.read_json(
                path, lines=not path.read_bytes().lstrip().startswith(b"["), dtype=False
            )
    except Exception as exc:  # pandas' reader errors, in the import's words
        raise files.unreadable(path, name, exc) from None
    rows: list[dict[str, Any]] = json.loads(frame.to_json(orient="records", default_handler=str))
    kind_rows = rows
    return RunTable(name=path.stem, rows=kind_rows)


def _load(path: Path) -> list[RunTable]:
    """Native files are imported by the pipeline directly; this is the preview's path."""
    return []


FORMATS: tuple[Format, ...] = (
    Format(
        name="parquet",
        title="EvalGuard run (Parquet)",
        files=".parquet",
        maps="the EvalGuard columns: case_id, input, output | output_a + output_b, expected, "
        "latency_ms, score:<s>, label:<s>, reason:<s>; others -> metadata",
        sniff=_sniff_parquet,
        load=_load,
    ),
    Format(
        name="jsonl",
        title="EvalGuard run (JSONL / JSON array)",
        files=".jsonl, .json",
        maps="the EvalGuard columns (see parquet)",
        sniff=_sniff_jsonl,
        load=_load,
    ),
    Format(
        name="csv",
        title="EvalGuard run (CSV)",
        files=".csv",
        maps="the EvalGuard columns (see parquet)",
        sniff=_sniff_csv,
        load=_load,
    ),
)
