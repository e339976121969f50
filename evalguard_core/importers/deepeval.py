"""DeepEval test runs (`.deepeval/.latest_test_run.json`), bare or wrapped in `testRunData`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evalguard_core.importers.base import (
    Format,
    RunTable,
    Sniff,
    as_dict,
    fail,
    load_json,
    ms,
    number,
    scorer_name,
    text,
)

NAME = "deepeval"


def sniff(s: Sniff) -> bool:
    """A JSON object with testCases and metricsData (or testRunData)."""
    return s.head.lstrip().startswith("{") and (
        s.has_keys("testRunData") or s.has_keys("testCases", "metricsData")
    )


def load(path: Path) -> list[RunTable]:
    """Read a DeepEval test run into one run; every metric is a judge with its reason."""
    doc = as_dict(load_json(path, NAME), NAME, path, "document")
    if isinstance(doc.get("testRunData"), dict):
        doc = doc["testRunData"]
    cases = doc.get("testCases")
    if not isinstance(cases, list):
        raise fail(NAME, path, None, "no 'testCases' list")
    cases = cases + [c for c in doc.get("conversationalTestCases") or []]
    rows: list[dict[str, Any]] = []
    judges: set[str] = set()
    seen: set[str] = set()
    for i, raw in enumerate(cases):
        rec = as_dict(raw, NAME, path, f"testCases[{i}]")
        name = rec.get("name") or f"test_case_{rec.get('order', i)}"
        case_id = str(name)
        if case_id in seen:
            case_id = f"{case_id}#{i}"
        seen.add(case_id)
        row: dict[str, Any] = {
            "case_id": case_id,
            "input": text(rec.get("input")),
            "output": text(rec.get("actualOutput")),
            "expected": text(rec.get("expectedOutput")),
            "latency_ms": ms(rec.get("completionTime")),
            "retrieval_context": text(rec.get("retrievalContext")),
            "context": text(rec.get("context")),
            "success": text(rec.get("success")),
        }
        for j, m in enumerate(rec.get("metricsData") or []):
            metric = as_dict(m, NAME, path, f"testCases[{i}].metricsData[{j}]")
            scorer = scorer_name(metric.get("name") or f"metric_{j}")
            row[f"score:{scorer}"] = number(metric.get("score"))
            if isinstance(metric.get("success"), bool):
                row[f"label:{scorer}"] = "pass" if metric["success"] else "fail"
            if metric.get("reason") or metric.get("error"):
                row[f"reason:{scorer}"] = text(metric.get("reason") or metric.get("error"))
            judges.add(scorer)
        rows.append(row)
    if not rows:
        raise fail(NAME, path, None, "the test run holds no test cases")
    return [
        RunTable(name=str(doc.get("identifier") or path.stem), rows=rows, judges=sorted(judges))
    ]


FORMAT = Format(
    name=NAME,
    title="DeepEval test run",
    files=".deepeval/.latest_test_run.json",
    maps="case_id = name; input; actualOutput -> output; expectedOutput -> expected; "
    "completionTime -> latency_ms; metricsData[].score -> score, success -> pass/fail label, "
    "reason kept; retrievalContext, context -> metadata",
    sniff=sniff,
    load=load,
)
