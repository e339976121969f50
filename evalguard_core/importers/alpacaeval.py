"""AlpacaEval `annotations.json`: a list of pairwise preferences (output_1 = baseline)."""

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

NAME = "alpacaeval"


def sniff(s: Sniff) -> bool:
    """A JSON array of records with instruction, output_1, output_2 (and preference)."""
    return s.head.lstrip().startswith("[") and s.has_keys("instruction", "output_1", "output_2")


def label_of(preference: float | None) -> str | None:
    """1 -> A (output_1), 2 -> B, 1.5 or legacy 0 -> tie, null -> the judge failed (None)."""
    if preference is None:
        return None
    if preference == 0 or preference == 1.5:
        return "tie"
    return "A" if preference < 1.5 else "B"


def load(path: Path) -> list[RunTable]:
    """Read annotations into one pairwise run; the annotator config is the judge."""
    doc = load_json(path, NAME)
    if not isinstance(doc, list):
        raise fail(NAME, path, None, "expected a JSON array of annotations")
    rows: list[dict[str, Any]] = []
    judges: set[str] = set()
    seen: set[str] = set()
    for i, raw in enumerate(doc):
        rec = as_dict(raw, NAME, path, f"[{i}]")
        if "output_1" not in rec or "output_2" not in rec:
            raise fail(NAME, path, f"[{i}]", "needs output_1 and output_2")
        scorer = scorer_name(rec.get("annotator") or "alpaca_eval")
        judges.add(scorer)
        case_id = str(rec.get("id", rec.get("index", i)))
        if case_id in seen:
            case_id = f"{case_id}:{scorer}"
        seen.add(case_id)
        pref_raw = rec.get("preference")
        pref = number(pref_raw)
        if pref_raw is not None and pref is None:
            raise fail(NAME, path, f"[{i}]", f"preference {pref_raw!r} is not a number")
        row: dict[str, Any] = {
            "case_id": case_id,
            "input": text(rec.get("instruction")),
            "output_a": text(rec.get("output_1")),
            "output_b": text(rec.get("output_2")),
            "latency_ms": ms(rec.get("time_per_example")),
            "generator_1": text(rec.get("generator_1")),
            "generator_2": text(rec.get("generator_2")),
            "dataset": text(rec.get("dataset")),
            f"score:{scorer}": pref,
            f"label:{scorer}": label_of(pref),
            f"reason:{scorer}": text(rec.get("raw_completion")),
        }
        rows.append(row)
    if not rows:
        raise fail(NAME, path, None, "the file holds no annotations")
    g2 = rows[0].get("generator_2")
    return [RunTable(name=f"alpacaeval {g2 or path.stem}", rows=rows, judges=sorted(judges))]


FORMAT = Format(
    name=NAME,
    title="AlpacaEval annotations",
    files="annotations.json",
    maps="pairwise run; case_id = id or index; instruction -> input; output_1 -> output_a "
    "(baseline), output_2 -> output_b; preference -> score and label A (1) / B (2) / tie (1.5, "
    "legacy 0), null = judge failed; raw_completion -> reason; time_per_example -> latency_ms",
    sniff=sniff,
    load=load,
)
