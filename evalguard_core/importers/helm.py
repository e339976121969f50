"""HELM run directories: `scenario_state.json` (requests and completions) joined with
`per_instance_stats.json` (metrics per instance) and any LLM-judge annotations."""

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

NAME = "helm"
# Bookkeeping statistics, not quality metrics: kept out of the scorers.
_SKIP_PREFIXES = (
    "num_", "finish_reason", "batch_size", "training_", "inference_", "prompt_truncated",
    "logprob", "max_prob", "inference_runtime", "inference_denoised_runtime",
)  # fmt: skip


def _run_dir(path: Path) -> Path:
    """The run directory of a path (the directory itself, or the folder of scenario_state.json)."""
    return path if path.is_dir() else path.parent


def sniff(s: Sniff) -> bool:
    """A directory (or its scenario_state.json) with per_instance_stats.json beside it."""
    if s.path.is_dir():
        return "scenario_state.json" in s.names
    return s.path.name == "scenario_state.json" or (s.has_keys("adapter_spec", "request_states"))


def _key(instance_id: Any, trial: Any, perturbation: Any) -> str:
    """The case id of one instance in one trial (and perturbation)."""
    key = f"{instance_id}:{trial or 0}"
    if isinstance(perturbation, dict) and perturbation.get("name"):
        key += f":{perturbation['name']}"
    return key


def load(path: Path) -> list[RunTable]:
    """Read a HELM run directory into one run."""
    folder = _run_dir(path)
    state_path = folder / "scenario_state.json"
    if not state_path.is_file():
        raise fail(NAME, folder, None, "scenario_state.json is missing")
    state = as_dict(load_json(state_path, NAME), NAME, state_path, "document")
    requests = state.get("request_states")
    if not isinstance(requests, list):
        raise fail(NAME, state_path, None, "no 'request_states' list")
    stats_by_case: dict[str, dict[str, float]] = {}
    stats_path = folder / "per_instance_stats.json"
    if stats_path.is_file():
        stats = load_json(stats_path, NAME)
        if not isinstance(stats, list):
            raise fail(NAME, stats_path, None, "expected a JSON array")
        for i, raw in enumerate(stats):
            rec = as_dict(raw, NAME, stats_path, f"[{i}]")
            values: dict[str, float] = {}
            for stat in rec.get("stats") or []:
                name = (stat.get("name") or {}) if isinstance(stat, dict) else {}
                metric = str(name.get("name") or "")
                if not metric or metric.startswith(_SKIP_PREFIXES) or name.get("perturbation"):
                    continue
                mean = number(stat.get("mean")) if stat.get("count") else None
                if mean is not None:  # count 0 means no value, not zero
                    values[scorer_name(metric)] = mean
            case = _key(
                rec.get("instance_id"), rec.get("train_trial_index"), rec.get("perturbation")
            )
            stats_by_case[case] = values
    rows: list[dict[str, Any]] = []
    judges: set[str] = set()
    seen: set[str] = set()
    for i, raw in enumerate(requests):
        rec = as_dict(raw, NAME, state_path, f"request_states[{i}]")
        instance = rec.get("instance") or {}
        if not instance.get("id"):
            raise fail(NAME, state_path, f"request_states[{i}]", "instance has no id")
        case_id = _key(instance["id"], rec.get("train_trial_index"), instance.get("perturbation"))
        if case_id in seen:
            continue  # several requests per instance (e.g. separate-choice adapters): first wins
        seen.add(case_id)
        result = rec.get("result") or {}
        completions = result.get("completions") or [{}]
        output = text(completions[0].get("text")) if isinstance(completions[0], dict) else None
        references = instance.get("references") or []
        correct = [r for r in references if "correct" in (r.get("tags") or [])]
        mapping = rec.get("output_mapping") or {}
        row: dict[str, Any] = {
            "case_id": case_id,
            "input": text((instance.get("input") or {}).get("text")),
            "output": output,
            "expected": text(correct[0].get("output", {}).get("text")) if correct else None,
            "latency_ms": ms(result.get("request_time")),
            "split": text(instance.get("split")),
            "predicted_text": text(mapping.get((output or "").strip())) if mapping else None,
            "references": text([r.get("output", {}).get("text") for r in references]) or None,
        }
        for metric, value in stats_by_case.get(case_id, {}).items():
            row[f"score:{metric}"] = value
        for annotator, values in (rec.get("annotations") or {}).items():
            _annotations(row, judges, scorer_name(annotator), values)
        rows.append(row)
    if not rows:
        raise fail(NAME, state_path, None, "the run holds no request states")
    spec = state.get("adapter_spec") or {}
    name = f"{folder.name}" if folder.name else str(spec.get("model") or "helm")
    return [RunTable(name=name, rows=rows, judges=sorted(judges))]


def _annotations(row: dict[str, Any], judges: set[str], annotator: str, values: Any) -> None:
    """An LLM judge's annotation: `<x>_score` numbers, `<x>_reasoning` kept as its reason.

    HELM annotators write either a flat dict or one dict per judge model."""
    if not isinstance(values, dict):
        if number(values) is not None:
            row[f"score:{annotator}"] = number(values)
        return
    nested = [v for v in values.values() if isinstance(v, dict)]
    if nested and len(nested) == len(values):
        for judge, sub in values.items():
            _annotations(row, judges, f"{annotator}/{scorer_name(judge)}", sub)
        return
    for key, value in values.items():
        if key.endswith("score"):
            stem = key[: -len("score")].rstrip("_")
            scorer = f"{annotator}/{stem}" if stem else annotator
            if number(value) is not None:
                row[f"score:{scorer}"] = number(value)
                judges.add(scorer)
            elif value is not None:
                row[f"label:{scorer}"] = text(value)
                judges.add(scorer)
        elif key.endswith("reasoning") or key in ("explanation", "reason"):
            stem = key[: -len("reasoning")].rstrip("_") if key.endswith("reasoning") else ""
            row[f"reason:{annotator}/{stem}" if stem else f"reason:{annotator}"] = text(value)
        elif key not in ("prompt_text",):
            row[f"{annotator}.{key}"] = text(value)


FORMAT = Format(
    name=NAME,
    title="HELM run directory",
    files="runs/<suite>/<run>/ (scenario_state.json + per_instance_stats.json)",
    maps="case_id = instance.id:train_trial_index; instance.input.text -> input; "
    "completions[0].text -> output; reference tagged 'correct' -> expected; request_time -> "
    "latency_ms; per-instance stat means -> scores (count 0 = missing); annotations.<judge> "
    "*_score -> score, *_reasoning -> reason",
    sniff=sniff,
    load=load,
    directory=True,
)
