"""OpenAI Evals: the legacy `oaieval` JSONL event log, and the Evals API's output items."""

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
    iter_jsonl,
    load_json,
    message_text,
    number,
    scorer_name,
    text,
)

NAME = "openai-evals"
_EXPECTED_KEYS = ("expected", "expected_answer", "ideal", "reference", "answer", "target", "label")


def _is_item(obj: Any) -> bool:
    """An Evals API output item (or the run export's {item, grades, passes} record)."""
    return isinstance(obj, dict) and (
        ("datasource_item_id" in obj and ("results" in obj or "sample" in obj))
        or ("data_source_idx" in obj and ("grades" in obj or "passes" in obj))
    )


def _is_log(obj: Any) -> bool:
    """A line of the legacy oaieval log: the spec, the final report, or an event."""
    return isinstance(obj, dict) and (
        "spec" in obj or "final_report" in obj or {"run_id", "sample_id", "type"} <= obj.keys()
    )


def sniff(s: Sniff) -> bool:
    """JSONL of output items or oaieval events; or a JSON list/page ({"data": [...]}) of items."""
    first = s.first_json()
    if _is_item(first) or _is_log(first):
        return True
    return s.head.lstrip()[:1] in "[{" and (
        s.has_keys("datasource_item_id", "results") or s.has_keys("data_source_idx", "grades")
    )


def _records(path: Path) -> list[tuple[str, Any]]:
    """(record name, object) for a JSONL file or a JSON document (a list, or a page)."""
    head = path.open("rb").read(1).strip()
    if path.suffix.lower() == ".json" or head == b"[":
        doc = load_json(path, NAME)
        items = doc.get("data") if isinstance(doc, dict) else doc
        if not isinstance(items, list):
            raise fail(NAME, path, None, "expected a list of output items (or {'data': [...]})")
        return [(f"[{i}]", v) for i, v in enumerate(items)]
    return [(f"on line {n}", v) for n, v in iter_jsonl(path, NAME)]


def load(path: Path) -> list[RunTable]:
    """Read either OpenAI Evals layout into one run."""
    records = _records(path)
    if not records:
        raise fail(NAME, path, None, "the file holds no records")
    if any(_is_log(obj) for _, obj in records[:3]) and not _is_item(records[0][1]):
        return [_load_log(path, records)]
    return [_load_items(path, records)]


def _load_items(path: Path, records: list[tuple[str, Any]]) -> RunTable:
    """Output items: one case per datasource item, one scorer per grader."""
    rows: list[dict[str, Any]] = []
    judges: set[str] = set()
    seen: set[str] = set()
    run_name = path.stem
    for where, raw in records:
        rec = as_dict(raw, NAME, path, where)
        if not _is_item(rec):
            raise fail(NAME, path, where, "not an output item (no datasource_item_id / grades)")
        item = rec.get("datasource_item") or rec.get("item") or {}
        case_id = str(rec.get("datasource_item_id", rec.get("data_source_idx")))
        if case_id in seen:
            raise fail(NAME, path, where, f"item {case_id!r} appears twice")
        seen.add(case_id)
        run_name = str(rec.get("eval_run_id") or rec.get("run_id") or run_name)
        sample = rec.get("sample") or {}
        outputs = sample.get("output") or []
        output = (
            message_text(outputs[-1].get("content"))
            if outputs and isinstance(outputs[-1], dict)
            else None
        )
        if output is None:
            output = text(item.get("output") or item.get("response"))
        row: dict[str, Any] = {
            "case_id": case_id,
            "input": chat_text(sample.get("input"))
            if sample.get("input")
            else text(item.get("input")),
            "output": output,
            "expected": next((text(item[k]) for k in _EXPECTED_KEYS if k in item), None),
            "item": text(item),
            "status": text(rec.get("status")),
        }
        for result in rec.get("results") or []:
            if not isinstance(result, dict):
                continue
            scorer = scorer_name(result.get("name") or result.get("type") or "grader")
            row[f"score:{scorer}"] = number(result.get("score"))
            if isinstance(result.get("passed"), bool):
                row[f"label:{scorer}"] = "pass" if result["passed"] else "fail"
            raw_out = _grader_output(result.get("sample"))
            if raw_out:
                row[f"reason:{scorer}"] = raw_out
                judges.add(scorer)
        for name, value in (rec.get("grades") or {}).items():
            row[f"score:{scorer_name(name)}"] = number(value)
        for name, value in (rec.get("passes") or {}).items():
            if isinstance(value, bool):
                row[f"label:{scorer_name(name)}"] = "pass" if value else "fail"
        for name, value in (rec.get("grader_samples") or {}).items():
            raw_out = _grader_output(value)
            if raw_out:
                row[f"reason:{scorer_name(name)}"] = raw_out
                judges.add(scorer_name(name))
        rows.append(row)
    return RunTable(name=run_name, rows=rows, judges=sorted(judges))


def _grader_output(sample: Any) -> str | None:
    """A model grader's raw output (its last message), kept as the judge's reasoning."""
    if not isinstance(sample, dict):
        return None
    outputs = sample.get("outputs") or sample.get("output") or []
    if isinstance(outputs, list) and outputs and isinstance(outputs[-1], dict):
        return message_text(outputs[-1].get("content"))
    return None


def _load_log(path: Path, records: list[tuple[str, Any]]) -> RunTable:
    """The legacy event log: sampling, match and metrics events grouped by sample_id."""
    by_sample: dict[str, dict[str, Any]] = {}
    name = path.stem
    judges: set[str] = set()
    for where, raw in records:
        rec = as_dict(raw, NAME, path, where)
        if "spec" in rec:
            spec = rec["spec"] or {}
            name = " ".join(
                str(x) for x in (spec.get("eval_name"), spec.get("completion_fns")) if x
            )
            continue
        if "final_report" in rec:
            continue
        if "sample_id" not in rec or "type" not in rec:
            raise fail(NAME, path, where, "an event needs sample_id and type")
        sid = str(rec["sample_id"])
        row = by_sample.setdefault(sid, {"case_id": sid})
        data = rec.get("data") or {}
        kind = rec["type"]
        if kind == "sampling":
            row.setdefault("input", chat_text(data.get("prompt")))
            sampled = data.get("sampled")
            row.setdefault(
                "output", text(sampled[0] if isinstance(sampled, list) and sampled else sampled)
            )
        elif kind == "match":
            row["expected"] = text(data.get("expected"))
            row["picked"] = text(data.get("picked"))
            if isinstance(data.get("correct"), bool):
                row["label:match"] = "pass" if data["correct"] else "fail"
                row["score:match"] = 1.0 if data["correct"] else 0.0
        elif kind == "metrics":
            if "score" in data:
                row["score:metrics"] = number(data.get("score"))
            if data.get("choice") is not None:
                row["label:metrics"] = text(data.get("choice"))
                judges.add("metrics")
            for key, value in data.items():
                if key not in ("score", "choice") and number(value) is not None:
                    row[f"score:{scorer_name(key)}"] = number(value)
        else:
            row[f"event:{kind}"] = text(data)
    if not by_sample:
        raise fail(NAME, path, None, "the log holds no sample events")
    return RunTable(name=name, rows=list(by_sample.values()), judges=sorted(judges))


FORMAT = Format(
    name=NAME,
    title="OpenAI Evals (oaieval log, Evals API output items)",
    files=".jsonl (oaieval --record_path), output items .jsonl/.json",
    maps="log: case_id = sample_id; sampling prompt -> input, sampled -> output; match.expected -> "
    "expected, correct -> label:match; metrics.score/choice. items: case_id = "
    "datasource_item_id; sample.input -> input; sample.output[-1] -> output; results[].score -> "
    "score, passed -> label, grader output -> reason",
    sniff=sniff,
    load=load,
)
