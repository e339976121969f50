"""Every Eval Ever instance-level JSONL (`instance_level_eval` schema)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evalguard_core.importers.base import (
    Format,
    RunTable,
    Sniff,
    as_dict,
    fail,
    iter_jsonl,
    number,
    text,
)

NAME = "every-eval-ever"


def sniff(s: Sniff) -> bool:
    """A JSONL whose first record has sample_id, interaction_type and evaluation."""
    first = s.first_json()
    return (
        isinstance(first, dict) and {"sample_id", "evaluation", "interaction_type"} <= first.keys()
    )


def load(path: Path) -> list[RunTable]:
    """One run per (evaluation_id, model_id) in the file."""
    runs: dict[tuple[str, str], RunTable] = {}
    for lineno, raw in iter_jsonl(path, NAME):
        where = f"on line {lineno}"
        rec = as_dict(raw, NAME, path, where)
        if "sample_id" not in rec or not isinstance(rec.get("evaluation"), dict):
            raise fail(NAME, path, where, "needs sample_id and an evaluation object")
        key = (
            str(rec.get("evaluation_name") or rec.get("evaluation_id") or path.stem),
            str(rec.get("model_id") or ""),
        )
        run = runs.setdefault(key, RunTable(name=" ".join(k for k in key if k), rows=[]))
        inp = rec.get("input") or {}
        out = rec.get("output") or {}
        raw_out = out.get("raw") if isinstance(out, dict) else None
        if raw_out is None and rec.get("messages"):
            last = [
                m for m in rec["messages"] if isinstance(m, dict) and m.get("role") == "assistant"
            ]
            raw_out = [last[-1].get("content")] if last else None
        ev = rec["evaluation"]
        perf = rec.get("performance") or {}
        reference = inp.get("reference") if isinstance(inp, dict) else None
        row: dict[str, Any] = {
            "case_id": str(rec["sample_id"]),
            "input": text(inp.get("raw")) if isinstance(inp, dict) else text(inp),
            "output": text(
                raw_out[0] if isinstance(raw_out, list) and len(raw_out) == 1 else raw_out
            ),
            "expected": text(
                reference[0] if isinstance(reference, list) and len(reference) == 1 else reference
            ),
            "latency_ms": number(perf.get("latency_ms")) if isinstance(perf, dict) else None,
            "score:score": number(ev.get("score")),
            "label:is_correct": None
            if not isinstance(ev.get("is_correct"), bool)
            else ("pass" if ev["is_correct"] else "fail"),
            "interaction_type": text(rec.get("interaction_type")),
            "sample_hash": text(rec.get("sample_hash")),
            "error": text(rec.get("error")),
            "sample_metadata": text(rec.get("metadata")),
            "choices": text(inp.get("choices")) if isinstance(inp, dict) else None,
        }
        if any(r["case_id"] == row["case_id"] for r in run.rows[-1:]):
            row["case_id"] += f":{len(run.rows)}"
        run.rows.append(row)
    if not runs:
        raise fail(NAME, path, None, "the file holds no instances")
    return list(runs.values())


FORMAT = Format(
    name=NAME,
    title="Every Eval Ever instance JSONL",
    files="*.jsonl (instance_level_eval schema)",
    maps="one run per evaluation_name + model_id; case_id = sample_id; input.raw -> input; "
    "output.raw -> output; input.reference -> expected; performance.latency_ms; "
    "evaluation.score -> score:score, is_correct -> label:is_correct",
    sniff=sniff,
    load=load,
)
