"""promptfoo output: `promptfoo eval -o results.json` (also `.jsonl`, one result per line).

One run per provider + prompt. Each assertion is a scorer named after its type (and metric,
when set): its score, pass/fail as a label, its reason kept; an `llm-rubric` (or any model-graded
assertion) is a judge. `assertion.type: "human"` results are human ratings, imported as labels.
"""

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
    load_json,
    number,
    scorer_name,
    text,
)

NAME = "promptfoo"
_FAILURE = {0: "pass", 1: "fail", 2: "error"}
_JUDGE_TYPES = (
    "llm-rubric",
    "model-graded",
    "g-eval",
    "factuality",
    "answer-relevance",
    "context-faithfulness",
    "context-recall",
    "context-relevance",
    "select-best",
    "closed-qa",
)


def sniff(s: Sniff) -> bool:
    """promptfoo's export (evalId + results) or one promptfoo result per JSONL line."""
    if s.has_keys("evalId", "results") and ('"promptIdx"' in s.head or '"prompts"' in s.head):
        return True
    first = s.first_json()
    return isinstance(first, dict) and "promptIdx" in first and "testIdx" in first


def _results(path: Path) -> tuple[str, list[Any]]:
    """The eval id and the list of result records."""
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return path.stem, [obj for _, obj in iter_jsonl(path, NAME)]
    doc = as_dict(load_json(path, NAME), NAME, path, "document")
    results = doc.get("results")
    if isinstance(results, dict):
        results = results.get("results")
    if not isinstance(results, list):
        raise fail(NAME, path, None, "no 'results.results' list")
    return str(doc.get("evalId") or path.stem), results


def _assertion_scorer(comp: dict[str, Any], seen: dict[str, int]) -> tuple[str, str]:
    """The scorer name of an assertion result (type, or metric when named) and its type."""
    assertion = comp.get("assertion") or {}
    kind = str(assertion.get("type") or "assertion")
    base = scorer_name(assertion.get("metric") or kind)
    seen[base] = seen.get(base, 0) + 1
    return (base if seen[base] == 1 else f"{base}#{seen[base]}"), kind


def load(path: Path) -> list[RunTable]:
    """Read promptfoo results: one run per provider/prompt."""
    eval_id, results = _results(path)
    runs: dict[tuple[str, int], RunTable] = {}
    for i, raw in enumerate(results):
        rec = as_dict(raw, NAME, path, f"results[{i}]")
        provider = rec.get("provider")
        provider_id = (
            str(provider.get("label") or provider.get("id"))
            if isinstance(provider, dict)
            else str(provider or "provider")
        )
        prompt_idx = rec.get("promptIdx", 0)
        test_idx = rec.get("testIdx", i)
        if not isinstance(prompt_idx, int) or not isinstance(test_idx, int):
            raise fail(NAME, path, f"results[{i}]", "promptIdx and testIdx must be integers")
        key = (provider_id, prompt_idx)
        run = runs.get(key)
        if run is None:
            run = runs[key] = RunTable(name=f"{eval_id} {provider_id} prompt {prompt_idx}", rows=[])
        prompt = rec.get("prompt") or {}
        response = rec.get("response") or {}
        test_case = rec.get("testCase") or {}
        case_id = str(test_idx)
        row: dict[str, Any] = {
            "case_id": case_id,
            "input": text(prompt.get("raw") if isinstance(prompt, dict) else prompt),
            "output": text(response.get("output") if isinstance(response, dict) else None),
            "expected": _expected(test_case),
            "latency_ms": number(rec.get("latencyMs")),
            "provider": provider_id,
            "prompt_label": text(prompt.get("label")) if isinstance(prompt, dict) else None,
            "vars": text(rec.get("vars") or test_case.get("vars")),
            "cost": number(rec.get("cost")),
            "error": text(rec.get("error")),
        }
        if rec.get("score") is not None:
            row["score:promptfoo"] = number(rec.get("score"))
        reason_code = rec.get("failureReason")
        verdict = _FAILURE.get(reason_code) if isinstance(reason_code, int) else None
        if verdict is None and isinstance(rec.get("success"), bool):
            verdict = "pass" if rec["success"] else "fail"
        if verdict:
            row["label:promptfoo"] = verdict
        grading = rec.get("gradingResult") or {}
        seen: dict[str, int] = {}
        for comp in grading.get("componentResults") or []:
            if not isinstance(comp, dict):
                continue
            scorer, kind = _assertion_scorer(comp, seen)
            if kind == "human":
                run.labels.append(
                    {
                        "case_id": case_id,
                        "annotator": str(
                            (comp.get("assertion") or {}).get("value") or "promptfoo-human"
                        ),
                        "label": "pass" if comp.get("pass") else "fail",
                        "score": number(comp.get("score")),
                        "comment": text(comp.get("reason")),
                    }
                )
                continue
            row[f"score:{scorer}"] = number(comp.get("score"))
            if isinstance(comp.get("pass"), bool):
                row[f"label:{scorer}"] = "pass" if comp["pass"] else "fail"
            if comp.get("reason") and (kind in _JUDGE_TYPES or kind.startswith("model-")):
                row[f"reason:{scorer}"] = text(comp["reason"])
                if scorer not in run.judges:
                    run.judges.append(scorer)
        for name, value in (rec.get("namedScores") or {}).items():
            row.setdefault(f"score:{scorer_name(name)}", number(value))
        run.rows.append(row)
    if not runs:
        raise fail(NAME, path, None, "the file holds no results")
    return list(runs.values())


def _expected(test_case: dict[str, Any]) -> str | None:
    """The expected answer: the value of the first equals/contains-style assertion."""
    for a in test_case.get("assert") or []:
        if isinstance(a, dict) and a.get("type") in ("equals", "contains", "icontains", "similar"):
            return text(a.get("value"))
    return None


FORMAT = Format(
    name=NAME,
    title="promptfoo output",
    files="results.json (-o), .jsonl",
    maps="one run per provider/prompt; case_id = testIdx; prompt.raw -> input; response.output -> "
    "output; latencyMs, cost; each assertion -> score + pass/fail label (llm-rubric = judge, "
    "reason kept); failureReason -> label:promptfoo; type 'human' -> human labels",
    sniff=sniff,
    load=load,
)
