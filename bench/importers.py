"""Benchmark: import a generated 100k-case file of each foreign JSON format (prints JSON).

Target: >= 50k cases/s per format, from the file on disk to the committed run (detection,
parsing, mapping, the normalised table, validation and the write)."""

from __future__ import annotations

import json
import os
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import emit, timed

TARGET_CASES_PER_S = 50_000


def _text(i: int, what: str) -> str:
    return f"{what} number {i} about topic {i % 997} with a few more words to read"


def _jsonl(path: Path, records: Any) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec) + "\n")
    return path


def _json(path: Path, doc: Any) -> Path:
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def inspect_json(folder: Path, n: int) -> Path:
    samples = [
        {"id": i, "epoch": 1, "input": _text(i, "q"), "target": "Yes",
         "output": {"choices": [{"message": {"role": "assistant", "content": _text(i, "a")}}]},
         "scores": {"match": {"value": "C" if i % 3 else "I", "explanation": _text(i, "why")},
                    "f1": {"value": (i % 100) / 100}},
         "total_time": 0.5 + (i % 10) / 10}
        for i in range(n)
    ]  # fmt: skip
    return _json(folder / "log.json", {"version": 2, "eval": {"task": "t", "model": "m"},
                                       "plan": {}, "samples": samples})  # fmt: skip


def inspect_eval(folder: Path, n: int) -> Path:
    path = folder / "log.eval"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("header.json", json.dumps({"eval": {"task": "t", "model": "m"}}))
        for i in range(n):
            sample = {"id": i, "epoch": 1, "input": _text(i, "q"), "target": "Yes",
                      "output": {"choices": [{"message": {"content": _text(i, "a")}}]},
                      "scores": {"match": {"value": "C" if i % 3 else "I"}}}  # fmt: skip
            zf.writestr(f"samples/{i}_epoch_1.json", json.dumps(sample))
    return path


def promptfoo(folder: Path, n: int) -> Path:
    results = [
        {"testIdx": i // 2, "promptIdx": 0, "provider": {"id": f"p{i % 2}"},
         "prompt": {"raw": _text(i, "q")}, "response": {"output": _text(i, "a")},
         "latencyMs": 100 + i % 50, "cost": 0.001, "score": 1, "success": True, "failureReason": 0,
         "gradingResult": {"componentResults": [
             {"pass": True, "score": 1, "reason": _text(i, "r"),
              "assertion": {"type": "llm-rubric", "value": "polite"}}]}}
        for i in range(n)
    ]  # fmt: skip
    return _json(folder / "results.json", {"evalId": "e", "results": {"results": results}})


def deepeval(folder: Path, n: int) -> Path:
    cases = [
        {"name": f"tc{i}", "input": _text(i, "q"), "actualOutput": _text(i, "a"),
         "expectedOutput": _text(i, "e"), "success": True,
         "metricsData": [{"name": "Answer Relevancy", "score": 0.9, "success": True,
                          "reason": _text(i, "r")}]}
        for i in range(n)
    ]  # fmt: skip
    return _json(folder / "latest.json", {"testRunData": {"testCases": cases}})


def lm_eval(folder: Path, n: int) -> Path:
    return _jsonl(
        folder / "samples_bench_2024-01-01T00-00-00.jsonl",
        ({"doc_id": i, "doc": {"q": i}, "target": str(i % 10),
          "arguments": {"gen_args_0": {"arg_0": _text(i, "q"), "arg_1": ""}},
          "resps": [[str(i % 7)]], "filtered_resps": [str(i % 7)], "filter": "none",
          "metrics": ["exact_match"], "exact_match": float(i % 2)} for i in range(n)),
    )  # fmt: skip


def mlflow(folder: Path, n: int) -> Path:
    cols = ["inputs", "outputs", "targets", "latency", "correctness/score",
            "correctness/justification"]  # fmt: skip
    data = [[_text(i, "q"), _text(i, "a"), _text(i, "e"), 0.3, i % 5, _text(i, "r")]
            for i in range(n)]  # fmt: skip
    return _json(folder / "eval_results_table.json", {"columns": cols, "data": data})


def mtbench(folder: Path, n: int) -> Path:
    return _jsonl(
        folder / "gpt-4_single.jsonl",
        ({"question_id": i // 2, "model": "m", "judge": ["gpt-4", "single-v1"],
          "judgment": _text(i, "j"), "score": i % 11 - 1, "turn": 1 + i % 2} for i in range(n)),
    )  # fmt: skip


def alpacaeval(folder: Path, n: int) -> Path:
    return _json(
        folder / "annotations.json",
        [{"instruction": _text(i, "q"), "output_1": _text(i, "a"), "output_2": _text(i, "b"),
          "annotator": "weighted_gpt4", "preference": 1 + (i % 3) / 2} for i in range(n)],
    )  # fmt: skip


def helm(folder: Path, n: int) -> Path:
    run = folder / "helm_run"
    run.mkdir()
    states = [
        {"instance": {"id": f"id{i}", "input": {"text": _text(i, "q")}, "split": "test",
                      "references": [{"output": {"text": "A"}, "tags": ["correct"]}]},
         "train_trial_index": 0, "result": {"completions": [{"text": "A"}], "request_time": 0.2}}
        for i in range(n)
    ]  # fmt: skip
    _json(run / "scenario_state.json", {"adapter_spec": {}, "request_states": states})
    stats = [
        {"instance_id": f"id{i}", "train_trial_index": 0,
         "stats": [{"name": {"name": "exact_match", "split": "test"}, "count": 1,
                    "mean": float(i % 2)}]}
        for i in range(n)
    ]  # fmt: skip
    _json(run / "per_instance_stats.json", stats)
    return run


def openai_evals(folder: Path, n: int) -> Path:
    return _jsonl(
        folder / "items.jsonl",
        ({"datasource_item_id": i, "datasource_item": {"input": _text(i, "q"), "ideal": "x"},
          "sample": {"input": [{"role": "user", "content": _text(i, "q")}],
                     "output": [{"role": "assistant", "content": _text(i, "a")}]},
          "results": [{"name": "grader", "score": 1.0, "passed": True}], "status": "pass"}
         for i in range(n)),
    )  # fmt: skip


def every_eval_ever(folder: Path, n: int) -> Path:
    return _jsonl(
        folder / "instances.jsonl",
        ({"schema_version": "0.2.1", "evaluation_id": "e", "model_id": "m",
          "evaluation_name": "bench", "sample_id": f"s{i}", "interaction_type": "single_turn",
          "input": {"raw": _text(i, "q"), "reference": ["x"]}, "output": {"raw": ["y"]},
          "answer_attribution": [], "evaluation": {"score": 1, "is_correct": True}}
         for i in range(n)),
    )  # fmt: skip


def braintrust(folder: Path, n: int) -> Path:
    return _jsonl(
        folder / "experiment.jsonl",
        ({"id": f"r{i}", "input": _text(i, "q"), "output": _text(i, "a"), "expected": "x",
          "scores": {"Factuality": 0.5}, "metrics": {"start": 1.0, "end": 1.4}}
         for i in range(n)),
    )  # fmt: skip


def langsmith(folder: Path, n: int) -> Path:
    return _json(
        folder / "langsmith.json",
        [{"inputs": {"q": _text(i, "q")}, "outputs": {"a": _text(i, "a")},
          "reference_outputs": {"a": "x"}, "id": f"r{i}",
          "feedback": [{"key": "correct", "score": 1, "comment": _text(i, "c")}]}
         for i in range(n)],
    )  # fmt: skip


def langfuse(folder: Path, n: int) -> Path:
    return _json(
        folder / "langfuse.json",
        {"data": [{"id": f"t{i}", "input": _text(i, "q"), "output": _text(i, "a"),
                   "expectedOutput": "x", "latency": 0.4,
                   "scores": [{"name": "helpful", "value": 0.5, "comment": "ok"}]}
                  for i in range(n)]},
    )  # fmt: skip


GENERATORS: dict[str, Callable[[Path, int], Path]] = {
    "inspect (.json)": inspect_json,
    "inspect (.eval)": inspect_eval,
    "promptfoo": promptfoo,
    "deepeval": deepeval,
    "lm-eval": lm_eval,
    "mlflow": mlflow,
    "mt-bench": mtbench,
    "alpacaeval": alpacaeval,
    "helm": helm,
    "openai-evals": openai_evals,
    "every-eval-ever": every_eval_ever,
    "langsmith": langsmith,
    "langfuse": langfuse,
    "braintrust": braintrust,
}


def main(n: int = 100_000) -> dict:
    """Import n cases of each format into a fresh store; cases/s per format."""
    from evalguard_core import importers
    from evalguard_core.store import Store

    out: dict[str, Any] = {"benchmark": "importers", "cases": n, "target_cases_per_s":
                           TARGET_CASES_PER_S, "formats": {}}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        store = Store.open(Path(tmp) / "bench.duckdb")
        scope = store.scope()
        for name, make in GENERATORS.items():
            folder = Path(tmp) / name.replace(" ", "_").replace("(", "").replace(")", "")
            folder.mkdir()
            path = make(folder, n)
            cpu0 = time.process_time()
            with timed() as t:
                outcome = importers.import_path(scope, path)
            cpu = time.process_time() - cpu0
            cases = sum(r["cases"] for r in outcome.runs)
            assert cases == n, (name, cases)
            rate = cases / t["seconds"]
            out["formats"][name] = {
                "detected": ",".join(outcome.formats),
                "seconds": round(t["seconds"], 3),
                "cpu_seconds": round(cpu, 3),
                "cases_per_s": round(rate),
                # on a shared machine the wall clock includes waiting for a core
                "cases_per_cpu_s": round(cases / cpu) if cpu else None,
                "ok": rate >= TARGET_CASES_PER_S,
            }
        store.close()
    out["all_ok"] = all(f["ok"] for f in out["formats"].values())
    out["load_average_1m"] = round(os.getloadavg()[0], 2)
    out["cpus"] = os.cpu_count()
    return out


if __name__ == "__main__":
    emit(main())
