"""MLflow evaluation result tables (`eval_results_table.json`, pandas "split" orientation)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evalguard_core.importers.base import (
    Format,
    RunTable,
    Sniff,
    as_dict,
    chat_text,
    fail,
    load_json,
    ms,
    number,
    scorer_name,
    text,
)

NAME = "mlflow"
_INPUT = ("inputs", "request", "input", "question")
_OUTPUT = ("outputs", "response", "output", "prediction")
_EXPECTED = ("targets", "expected_response", "ground_truth", "expectations")
_ID = ("trace_id", "request_id", "id")


def sniff(s: Sniff) -> bool:
    """A JSON object with columns + data whose columns include a `<metric>/...` column."""
    return (
        s.head.lstrip().startswith("{")
        and s.has_keys("columns", "data")
        and ("/score" in s.head or "/justification" in s.head or "/value" in s.head)
    )


def load(path: Path) -> list[RunTable]:
    """Read an MLflow results table into one run: `<m>/score` scores, `/justification` reasons."""
    doc = as_dict(load_json(path, NAME), NAME, path, "document")
    columns, data = doc.get("columns"), doc.get("data")
    if not isinstance(columns, list) or not isinstance(data, list):
        raise fail(NAME, path, None, "expected 'columns' and 'data' lists (split orientation)")
    cols = [str(c) for c in columns]
    pick = {
        key: next((c for c in names if c in cols), None)
        for key, names in (("input", _INPUT), ("output", _OUTPUT), ("expected", _EXPECTED))
    }
    id_col = next((c for c in _ID if c in cols), None)
    rows: list[dict[str, Any]] = []
    judges: set[str] = set()
    for i, values in enumerate(data):
        if not isinstance(values, list) or len(values) != len(cols):
            raise fail(NAME, path, f"data[{i}]", f"expected a list of {len(cols)} values")
        rec = dict(zip(cols, values, strict=True))
        row: dict[str, Any] = {
            "case_id": str(rec[id_col]) if id_col and rec[id_col] else str(i + 1)
        }
        for key, column in pick.items():
            row[key] = chat_text(rec[column]) if column else None
        if "latency" in rec:
            row["latency_ms"] = ms(rec["latency"])
        for column, value in rec.items():
            if column in pick.values() or column in (id_col, "latency"):
                continue
            if "/" in column:
                metric, _, part = column.rpartition("/")
                scorer = scorer_name(metric)
                if part == "score":
                    row[f"score:{scorer}"] = number(value)
                elif part == "justification":
                    row[f"reason:{scorer}"] = text(value)
                    judges.add(scorer)
                elif part == "value":
                    if number(value) is not None and not isinstance(value, str):
                        row.setdefault(f"score:{scorer}", number(value))
                    elif value is not None:
                        row[f"label:{scorer}"] = text(value)
                else:
                    row[column] = text(value)
            else:
                row[column] = text(value)
        rows.append(row)
    if not rows:
        raise fail(NAME, path, None, "the table has no rows")
    return [RunTable(name=path.stem, rows=rows, judges=sorted(judges))]


FORMAT = Format(
    name=NAME,
    title="MLflow evaluation results table",
    files="eval_results_table.json",
    maps="case_id = trace_id/request_id or row; inputs|request -> input; outputs|response -> "
    "output; targets -> expected; latency (s) -> latency_ms; <m>/score -> score; <m>/value -> "
    "label; <m>/justification -> reason",
    sniff=sniff,
    load=load,
)
