"""Experiment exports of LangSmith, Langfuse and Braintrust, as their SDKs write them.

- LangSmith: `ExperimentResults` rows ({run, example, evaluation_results}) or flattened runs
  ({inputs, outputs, reference_outputs|example.outputs, feedback: [{key, score, value, comment}]}).
- Langfuse: dataset-run items / traces ({input, output, expectedOutput, scores: [{name, value,
  stringValue, comment}], latency in seconds}).
- Braintrust: experiment records ({id, input, output, expected, scores: {name: number},
  metadata, metrics: {start, end}}).
Each as a JSON array, a `{"data"|"rows"|"examples"|"items": [...]}` page, or JSONL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from evalguard_core.importers.base import (
    Format,
    RunTable,
    Sniff,
    as_dict,
    chat_text,
    fail,
    iter_jsonl,
    load_json,
    ms,
    number,
    scorer_name,
    text,
)

_PAGES = ("data", "rows", "examples", "items", "results", "events", "traces")
_PAGE_START = re.compile(r'^\{\s*"(?:' + "|".join(_PAGES) + r')"\s*:\s*\[')


def _records(path: Path, fmt: str) -> list[tuple[str, Any]]:
    """(record name, object) from a JSON array/page or JSONL."""
    with path.open("rb") as fh:
        start = fh.read(64).lstrip()[:1]
    if start == b"[" or (start == b"{" and path.suffix.lower() == ".json"):
        doc = load_json(path, fmt)
        if isinstance(doc, dict):
            doc = next((doc[k] for k in _PAGES if isinstance(doc.get(k), list)), [doc])
        if not isinstance(doc, list):
            raise fail(fmt, path, None, "expected a list of records")
        return [(f"[{i}]", v) for i, v in enumerate(doc)]
    return [(f"on line {n}", v) for n, v in iter_jsonl(path, fmt)]


def _first_record(s: Sniff) -> dict[str, Any] | None:
    """The first record visible in the head (JSONL line, or the start of an array)."""
    first = s.first_json()
    if isinstance(first, dict):
        for key in _PAGES:
            if isinstance(first.get(key), list) and first[key]:
                return first[key][0] if isinstance(first[key][0], dict) else None
        return first
    head = s.head.lstrip()
    start = None
    if head.startswith("["):
        start = 1
    elif head.startswith("{"):
        # A page too big for the head: the first element of its list, parsed on its own.
        match = _PAGE_START.search(head)
        start = match.end() if match else None
    if start is None:
        return None
    try:
        obj, _ = json.JSONDecoder().raw_decode(head[start:].lstrip())
    except ValueError:
        return None
    return obj if isinstance(obj, dict) else None


def _text_of(value: Any) -> str | None:
    """A dict with a single entry unwrapped (e.g. {"question": ...}), chat messages as text."""
    if isinstance(value, dict) and len(value) == 1:
        value = next(iter(value.values()))
    if isinstance(value, dict) and isinstance(value.get("messages"), list):
        return chat_text(value["messages"])
    return chat_text(value) if isinstance(value, list) else text(value)


def _put_feedback(
    row: dict[str, Any], judges: set[str], key: str, score: Any, value: Any, comment: Any
) -> None:
    """A feedback/score entry: numbers as scores, text or booleans as labels, comments kept."""
    scorer = scorer_name(key)
    if number(score) is not None:
        row[f"score:{scorer}"] = number(score)
    if isinstance(value, bool):
        row[f"label:{scorer}"] = "pass" if value else "fail"
    elif isinstance(value, str) and value:
        row[f"label:{scorer}"] = value
    elif number(value) is not None and f"score:{scorer}" not in row:
        row[f"score:{scorer}"] = number(value)
    if comment:
        row[f"reason:{scorer}"] = text(comment)
        judges.add(scorer)


# -- LangSmith ----------------------------------------------------------------------------------
LANGSMITH = "langsmith"


def _sniff_langsmith(s: Sniff) -> bool:
    rec = _first_record(s)
    if not rec:
        return False
    if "evaluation_results" in rec and ("run" in rec or "example" in rec):
        return True
    return "inputs" in rec and (
        "feedback" in rec or "feedback_stats" in rec or "reference_outputs" in rec
    )


def _load_langsmith(path: Path) -> list[RunTable]:
    rows: list[dict[str, Any]] = []
    judges: set[str] = set()
    for i, (where, raw) in enumerate(_records(path, LANGSMITH)):
        rec = as_dict(raw, LANGSMITH, path, where)
        run: dict[str, Any] = rec["run"] if isinstance(rec.get("run"), dict) else rec
        example: dict[str, Any] = rec["example"] if isinstance(rec.get("example"), dict) else {}
        row: dict[str, Any] = {
            "case_id": str(
                example.get("id") or run.get("reference_example_id") or run.get("id") or i + 1
            ),
            "input": _text_of(run.get("inputs") or example.get("inputs")),
            "output": _text_of(run.get("outputs")),
            "expected": _text_of(rec.get("reference_outputs") or example.get("outputs")),
            "run_id": text(run.get("id")),
        }
        row["latency_ms"] = ms(run.get("latency") or rec.get("execution_time"))
        feedback = (
            (rec.get("evaluation_results") or {}).get("results")
            if isinstance(rec.get("evaluation_results"), dict)
            else rec.get("feedback")
        )
        for fb in feedback or []:
            if isinstance(fb, dict) and fb.get("key"):
                _put_feedback(
                    row, judges, fb["key"], fb.get("score"), fb.get("value"), fb.get("comment")
                )
        rows.append(row)
    return [RunTable(name=path.stem, rows=_unique(rows, LANGSMITH, path), judges=sorted(judges))]


# -- Langfuse -----------------------------------------------------------------------------------
LANGFUSE = "langfuse"


def _sniff_langfuse(s: Sniff) -> bool:
    rec = _first_record(s)
    if not rec:
        return False
    scores = rec.get("scores")
    return (
        "expectedOutput" in rec or "datasetItemId" in rec or "traceId" in rec or "latency" in rec
    ) and (isinstance(scores, list) and (not scores or isinstance(scores[0], dict)))


def _load_langfuse(path: Path) -> list[RunTable]:
    rows: list[dict[str, Any]] = []
    judges: set[str] = set()
    for i, (where, raw) in enumerate(_records(path, LANGFUSE)):
        rec = as_dict(raw, LANGFUSE, path, where)
        trace: dict[str, Any] = rec["trace"] if isinstance(rec.get("trace"), dict) else rec
        row: dict[str, Any] = {
            "case_id": str(rec.get("datasetItemId") or rec.get("id") or trace.get("id") or i + 1),
            "input": _text_of(
                trace.get("input") if trace.get("input") is not None else rec.get("input")
            ),
            "output": _text_of(
                trace.get("output") if trace.get("output") is not None else rec.get("output")
            ),
            "expected": _text_of(rec.get("expectedOutput") or rec.get("expected_output")),
            "trace_id": text(rec.get("traceId") or trace.get("id")),
        }
        row["latency_ms"] = ms(trace.get("latency"))
        for sc in rec.get("scores") or trace.get("scores") or []:
            if isinstance(sc, dict) and sc.get("name"):
                value = (
                    sc.get("stringValue") if sc.get("stringValue") is not None else sc.get("value")
                )
                if sc.get("dataType") == "BOOLEAN":
                    value = bool(number(sc.get("value")))
                _put_feedback(
                    row,
                    judges,
                    sc["name"],
                    sc.get("value"),
                    value
                    if not isinstance(value, (int, float)) or isinstance(value, bool)
                    else None,
                    sc.get("comment"),
                )
        rows.append(row)
    return [RunTable(name=path.stem, rows=_unique(rows, LANGFUSE, path), judges=sorted(judges))]


# -- Braintrust ---------------------------------------------------------------------------------
BRAINTRUST = "braintrust"


def _sniff_braintrust(s: Sniff) -> bool:
    rec = _first_record(s)
    if rec is None:
        return False
    return (
        isinstance(rec.get("scores"), dict)
        and "input" in rec
        and ("expected" in rec or "span_id" in rec or "root_span_id" in rec or "metrics" in rec)
    )


def _load_braintrust(path: Path) -> list[RunTable]:
    rows: list[dict[str, Any]] = []
    judges: set[str] = set()
    for i, (where, raw) in enumerate(_records(path, BRAINTRUST)):
        rec = as_dict(raw, BRAINTRUST, path, where)
        if rec.get("span_parents"):  # child spans (LLM calls, scorers) are not cases
            continue
        metrics = rec.get("metrics") or {}
        start, end = number(metrics.get("start")), number(metrics.get("end"))
        row: dict[str, Any] = {
            "case_id": str(rec.get("id") or rec.get("root_span_id") or i + 1),
            "input": _text_of(rec.get("input")),
            "output": _text_of(rec.get("output")),
            "expected": _text_of(rec.get("expected")),
            "latency_ms": (end - start) * 1000 if start is not None and end is not None else None,
            "metadata_json": text(rec.get("metadata")),
            "tags": text(rec.get("tags")),
        }
        for name, score in (rec.get("scores") or {}).items():
            _put_feedback(row, judges, name, score, None, None)
        rows.append(row)
    return [RunTable(name=path.stem, rows=_unique(rows, BRAINTRUST, path), judges=sorted(judges))]


def _unique(rows: list[dict[str, Any]], fmt: str, path: Path) -> list[dict[str, Any]]:
    """Refuse an empty export; rows with no usable id get their position."""
    if not rows:
        raise fail(fmt, path, None, "the export holds no records")
    return rows


def _format(
    name: str,
    title: str,
    sniff: Callable[[Sniff], bool],
    load: Callable[[Path], list[RunTable]],
    maps: str,
) -> Format:
    return Format(name=name, title=title, files=".json, .jsonl", maps=maps, sniff=sniff, load=load)


FORMATS: tuple[Format, ...] = (
    _format(LANGSMITH, "LangSmith experiment export", _sniff_langsmith, _load_langsmith,
            "case_id = example id; inputs -> input; outputs -> output; reference outputs -> "
            "expected; feedback key -> score/label, comment -> reason"),
    _format(LANGFUSE, "Langfuse dataset-run / trace export", _sniff_langfuse, _load_langfuse,
            "case_id = datasetItemId or id; input; output; expectedOutput -> expected; latency "
            "(s) -> latency_ms; scores[].value/stringValue -> score/label, comment -> reason"),
    _format(BRAINTRUST, "Braintrust experiment export", _sniff_braintrust, _load_braintrust,
            "case_id = id; input; output; expected; metrics end-start -> latency_ms; "
            "scores.<name> -> score"),
)  # fmt: skip
