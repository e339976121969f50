"""Ragas result CSVs (`result.to_pandas().to_csv(...)`): v0.1 and v0.2 column names."""

from __future__ import annotations

import ast
import csv
import json
import sys
from pathlib import Path
from typing import Any

from evalguard_core.importers.base import Format, RunTable, Sniff, fail, number, scorer_name

NAME = "ragas"
_INPUT = ("user_input", "question")
_OUTPUT = ("response", "answer")
_EXPECTED = ("reference", "ground_truth", "ground_truths")
_CONTEXTS = ("retrieved_contexts", "contexts", "reference_contexts")
_TEXT_COLUMNS = {*_INPUT, *_OUTPUT, *_EXPECTED, *_CONTEXTS, "multi_responses", "rubrics"}


def sniff(s: Sniff) -> bool:
    """A CSV with Ragas' question/answer or user_input/response columns, and no case_id."""
    if s.suffix not in (".csv", ".tsv", ".txt", ""):
        return False
    header = set(s.csv_header())
    return "case_id" not in header and (
        {"user_input", "response"} <= header or {"question", "answer"} <= header
    )


def _contexts(value: str) -> str:
    """Contexts written as JSON or as a Python list literal, normalised to JSON."""
    stripped = value.strip()
    if not stripped.startswith("["):
        return value
    try:
        return json.dumps(json.loads(stripped), ensure_ascii=False)
    except ValueError:
        pass
    try:
        return json.dumps(ast.literal_eval(stripped), ensure_ascii=False, default=str)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return value


def load(path: Path) -> list[RunTable]:
    """Read a Ragas CSV into one run: every numeric column that is not text is a metric."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh, strict=True)
            header = list(reader.fieldnames or [])
            records = []
            for rec in reader:
                if None in rec:
                    raise fail(NAME, path, f"row {reader.line_num}", "more cells than columns")
                records.append(rec)
    except UnicodeDecodeError as exc:
        raise fail(NAME, path, None, f"not UTF-8 text ({exc.reason})") from None
    except csv.Error as exc:
        raise fail(NAME, path, None, f"broken CSV: {exc}") from None
    if not records:
        raise fail(NAME, path, None, "the file has no data rows")
    pick = {
        key: next((c for c in names if c in header), None)
        for key, names in (("input", _INPUT), ("output", _OUTPUT), ("expected", _EXPECTED))
    }
    candidates = [c for c in header if c and c not in _TEXT_COLUMNS and c != "Unnamed: 0"]
    metrics = [
        c
        for c in candidates
        if all(
            not (r[c] or "").strip() or number(r[c]) is not None or r[c].strip() == "nan"
            for r in records
        )
    ]
    rows: list[dict[str, Any]] = []
    for i, rec in enumerate(records, 1):
        row: dict[str, Any] = {"case_id": str(i)}
        for key, column in pick.items():
            row[key] = rec.get(column) if column else None
        for column in header:
            if column in _CONTEXTS:
                row[column] = _contexts(rec[column]) if rec[column] else None
            elif column in metrics:
                row[f"score:{scorer_name(column)}"] = number(rec[column])
            elif column and column not in pick.values() and column != "Unnamed: 0":
                row[column] = rec[column]
        rows.append(row)
    return [RunTable(name=path.stem, rows=rows)]


FORMAT = Format(
    name=NAME,
    title="Ragas results CSV",
    files=".csv",
    maps="case_id = row number; user_input|question -> input; response|answer -> output; "
    "reference|ground_truth -> expected; each numeric metric column -> score; contexts (JSON or "
    "Python lists) -> metadata as JSON",
    sniff=sniff,
    load=load,
)
