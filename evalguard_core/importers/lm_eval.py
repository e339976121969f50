"""lm-evaluation-harness `--log_samples` files (`samples_<task>_<time>.jsonl`), old and new."""

from __future__ import annotations

import re
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
    scorer_name,
    text,
)

NAME = "lm-eval"
# Keys of a sample record that are not metrics (old files list no `metrics`).
_NOT_METRICS = {
    "doc_id", "doc", "target", "arguments", "resps", "filtered_resps", "filter", "metrics",
    "doc_hash", "prompt_hash", "target_hash",
}  # fmt: skip


def sniff(s: Sniff) -> bool:
    """A JSONL whose first record has doc_id, arguments and resps."""
    first = s.first_json()
    return (
        isinstance(first, dict)
        and {"doc_id", "arguments"} <= first.keys()
        and ("resps" in first or "filtered_resps" in first)
    )


def _prompt(arguments: Any) -> str | None:
    """The prompt: new layout gen_args_0.arg_0, old layout arguments[0][0]."""
    if isinstance(arguments, dict):
        first = arguments.get("gen_args_0") or next(iter(arguments.values()), None)
        if isinstance(first, dict):
            return text(first.get("arg_0"))
        return text(first)
    if isinstance(arguments, list) and arguments:
        head = arguments[0]
        return text(head[0] if isinstance(head, list) and head else head)
    return None


def _output(resps: Any) -> str | None:
    """The filtered response: the first element, unwrapped from one-element lists."""
    value = resps
    while isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, list) and value and isinstance(value[0], list):
        value = value[0]
    return text(value)


def load(path: Path) -> list[RunTable]:
    """Read a samples file into one run; every metric listed per sample is a scorer."""
    match = re.match(r"samples_(.+?)_\d{4}-\d{2}-\d{2}T", path.name)
    task = match.group(1) if match else path.stem
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for lineno, raw in iter_jsonl(path, NAME):
        rec = as_dict(raw, NAME, path, f"on line {lineno}")
        if "doc_id" not in rec:
            raise fail(NAME, path, f"on line {lineno}", "no 'doc_id'")
        case_id = str(rec["doc_id"])
        if rec.get("filter") and rec["filter"] != "none":
            case_id = f"{case_id}:{rec['filter']}"
        if case_id in seen:
            raise fail(NAME, path, f"on line {lineno}", f"doc_id {case_id!r} appears twice")
        seen.add(case_id)
        row: dict[str, Any] = {
            "case_id": case_id,
            "input": _prompt(rec.get("arguments")),
            "output": _output(rec.get("filtered_resps", rec.get("resps"))),
            "expected": text(rec.get("target")),
            "doc": text(rec.get("doc")),
        }
        if rec.get("filter"):
            row["filter"] = text(rec["filter"])
        metrics = rec.get("metrics")
        names = metrics if isinstance(metrics, list) else [k for k in rec if k not in _NOT_METRICS]
        for name in names:
            value = rec.get(name)
            if isinstance(value, list):
                value = value[0] if value else None
            if number(value) is not None:
                row[f"score:{scorer_name(name)}"] = number(value)
            elif isinstance(value, str):
                row[f"label:{scorer_name(name)}"] = value
        rows.append(row)
    if not rows:
        raise fail(NAME, path, None, "the file holds no samples")
    return [RunTable(name=task, rows=rows)]


FORMAT = Format(
    name=NAME,
    title="lm-evaluation-harness samples",
    files="samples_<task>_<time>.jsonl",
    maps="case_id = doc_id (+ :filter); arguments.gen_args_0.arg_0 (or arguments[0][0]) -> "
    "input; filtered_resps[0] -> output; target -> expected; each key in 'metrics' (old files: "
    "every other key) -> score; doc -> metadata",
    sniff=sniff,
    load=load,
)
