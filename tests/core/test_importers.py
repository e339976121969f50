"""Importers: real files written by each tool (../shared/data/formats), hand-made files for the
formats without a shared sample, and malformed variants refused whole with a clear error."""

from __future__ import annotations

import json
import shutil
import zipfile
from pathlib import Path
from typing import Any

import pytest

from evalguard_core import importers, runs
from evalguard_core.errors import InputFileError
from evalguard_core.store import Scope
from tests.conftest import SHARED

FORMATS_DIR = SHARED / "data" / "formats"


def shared(rel: str) -> Path:
    """A shared real file, or skip naming what is missing."""
    path = FORMATS_DIR / rel
    if not path.exists():
        pytest.skip(f"shared format sample {path} is absent (see shared/data/formats/README.md)")
    return path


def cases(scope: Scope, run_id: str) -> dict[str, dict[str, Any]]:
    """Every case of a run by case_id, with scores."""
    page = runs.list_cases(scope, run_id, limit=1000)
    return {c["case_id"]: c for c in page["cases"]}


def only_run(scope: Scope, path: Path, fmt: str | None = None) -> tuple[dict[str, Any], dict]:
    """Import a file expected to hold one run; (result, cases by id)."""
    outcome = importers.import_path(scope, path, fmt=fmt)
    assert len(outcome.runs) == 1
    result = outcome.runs[0]
    return result, cases(scope, result["run_id"])


def assert_refused(scope: Scope, path: Path, fmt_name: str, *needles: str) -> None:
    """The file is refused with one error naming the format and the file; nothing is stored."""
    before = len(runs.list_runs(scope))
    with pytest.raises(InputFileError) as err:
        importers.import_path(scope, path)
    message = err.value.message
    assert path.name in message and fmt_name in message, message
    for needle in needles:
        assert needle in message, message
    assert len(runs.list_runs(scope)) == before


# -- real files ------------------------------------------------------------------------------
def test_inspect_json_log(scope: Scope) -> None:
    path = shared("inspect_ai/log_read_sample.json")
    doc = json.loads(path.read_text())
    sample = doc["samples"][0]
    result, by_id = only_run(scope, path)
    assert result["format"] == "inspect" and result["cases"] == len(doc["samples"])
    case = by_id[f"{sample['id']}:epoch{sample['epoch']}"]
    assert case["expected"] == sample["target"]
    assert case["output"] == sample["output"]["choices"][0]["message"]["content"]
    assert case["latency_ms"] == pytest.approx(sample["total_time"] * 1000)
    score = sample["scores"]["match"]
    assert case["scores"]["match"]["label"] == score["value"]  # C / I letters are labels
    assert case["scores"]["match"]["judge_reasoning"] == score["explanation"]
    assert case["metadata"]["epoch"] == str(sample["epoch"])


def test_inspect_eval_zip(scope: Scope) -> None:
    folder = shared("inspect_ai")
    path = next(folder.glob("*.eval"))
    with zipfile.ZipFile(path) as zf:
        samples = [json.loads(zf.read(n)) for n in zf.namelist() if n.startswith("samples/")]
    result, by_id = only_run(scope, path)
    assert result["format"] == "inspect" and result["cases"] == len(samples) == 10
    for s in samples:
        case = by_id[f"{s['id']}:epoch{s['epoch']}"]
        assert case["scores"]["match"]["label"] == s["scores"]["match"]["value"]
        assert case["expected"] == s["target"]


def test_deepeval_run(scope: Scope) -> None:
    path = shared("deepeval/test_run_sample.json")
    doc = json.loads(path.read_text())
    doc = doc.get("testRunData", doc)
    tc = doc["testCases"][0]
    result, by_id = only_run(scope, path)
    assert result["format"] == "deepeval" and result["cases"] == len(doc["testCases"])
    case = by_id[tc["name"]]
    assert case["input"] == tc["input"] and case["output"] == tc["actualOutput"]
    for metric in tc["metricsData"]:
        got = case["scores"][metric["name"]]
        assert got["score"] == pytest.approx(metric["score"])
        assert got["label"] == ("pass" if metric["success"] else "fail")
        assert got["judge_reasoning"] == metric["reason"]
    assert set(result["judges"]) == {m["name"] for m in tc["metricsData"]}


def test_deepeval_wrapped_and_bare_agree(scope: Scope, tmp_path: Path) -> None:
    doc = json.loads(shared("deepeval/test_run_sample.json").read_text())
    bare = doc.get("testRunData", doc)
    wrapped = tmp_path / "wrapped.json"
    wrapped.write_text(json.dumps({"testRunData": bare}))
    plain = tmp_path / "bare.json"
    plain.write_text(json.dumps(bare))
    a = importers.import_path(scope, wrapped).runs[0]
    b = importers.import_path(scope, plain).runs[0]
    assert a["format"] == b["format"] == "deepeval"
    assert (a["cases"], a["scorers"]) == (b["cases"], b["scorers"])


def test_lm_eval_samples(scope: Scope) -> None:
    path = shared("lm_eval_harness/samples_asdiv_2024-08-21T03-44-09.494230.jsonl")
    records = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    result, by_id = only_run(scope, path)
    assert result["format"] == "lm-eval" and result["name"] == "asdiv"
    assert result["cases"] == len(records) == 50
    first = records[0]
    case = by_id[str(first["doc_id"])]
    assert case["input"] == first["arguments"]["gen_args_0"]["arg_0"]
    assert case["expected"] == first["target"]
    assert case["scores"]["acc"]["score"] == first["acc"]
    total = sum(r["acc"] for r in records)
    assert sum(c["scores"]["acc"]["score"] for c in by_id.values()) == total


def test_lm_eval_old_layout_with_nan_and_strings(scope: Scope, tmp_path: Path) -> None:
    path = tmp_path / "samples_gsm8k_2023-01-01T00-00-00.jsonl"
    path.write_text(
        '{"doc_id": 0, "doc": {"q": "1+1"}, "target": "2", "arguments": [["Q: 1+1", {}]], '
        '"resps": [["2"]], "filtered_resps": ["2"], "exact_match": "1.0", "perplexity": NaN}\n'
        '{"doc_id": 1, "doc": {"q": "2+2"}, "target": "4", "arguments": [["Q: 2+2", {}]], '
        '"resps": [["5"]], "filtered_resps": ["5"], "exact_match": 0, "perplexity": Infinity}\n'
    )
    result, by_id = only_run(scope, path)
    assert result["name"] == "gsm8k"
    assert by_id["0"]["input"] == "Q: 1+1" and by_id["1"]["output"] == "5"
    assert by_id["0"]["scores"]["exact_match"]["score"] == 1.0  # number written as a string
    assert "perplexity" not in by_id["0"]["scores"]  # NaN / Infinity are no score


def test_ragas_csv(scope: Scope) -> None:
    import csv

    path = shared("ragas/ragas_evaluation.csv")
    with path.open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    result, by_id = only_run(scope, path)
    assert result["format"] == "ragas" and result["cases"] == len(rows)
    assert set(result["scorers"]) == {"context_precision", "faithfulness", "context_recall"}
    case = by_id["1"]
    assert case["input"] == rows[0]["user_input"] and case["expected"] == rows[0]["reference"]
    assert case["scores"]["faithfulness"]["score"] == pytest.approx(float(rows[0]["faithfulness"]))
    assert isinstance(json.loads(case["metadata"]["retrieved_contexts"]), list)


def test_ragas_v01_with_python_list_contexts(scope: Scope, tmp_path: Path) -> None:
    path = tmp_path / "ragas_v01.csv"
    path.write_text(
        "question,contexts,answer,ground_truth,faithfulness,answer_relevancy\n"
        "\"Who?\",\"['it\\'s A', 'B']\",Ann,Ann,1.0,0.9\n"
        "Why?,\"['C']\",Because,Cause,,0.5\n"
    )
    result, by_id = only_run(scope, path)
    assert result["format"] == "ragas"
    assert json.loads(by_id["1"]["metadata"]["contexts"]) == ["it's A", "B"]
    assert "faithfulness" not in by_id["2"]["scores"]  # blank = missing
    assert by_id["2"]["scores"]["answer_relevancy"]["score"] == 0.5


def test_mtbench_directory_joins_questions_answers_references(scope: Scope) -> None:
    folder = shared("mtbench_fastchat")
    judgments = [json.loads(x) for x in (folder / "gpt-4_single.jsonl").read_text().splitlines()]
    questions = {
        json.loads(x)["question_id"]: json.loads(x)
        for x in (folder / "question.jsonl").read_text().splitlines()
        if x.strip()
    }
    result, by_id = only_run(scope, folder)
    assert result["format"] == "mt-bench" and result["cases"] == len(judgments)
    failed = [j for j in judgments if j["score"] == -1]
    graded = [j for j in judgments if j["score"] != -1]
    assert failed, "the shared file has judge failures (-1)"
    for j in failed:
        case = by_id[f"{j['question_id']}:{j['turn']}:{j['model']}"]
        assert "score" not in case["scores"]["gpt-4"] or case["scores"]["gpt-4"]["score"] is None
        assert case["scores"]["gpt-4"]["judge_reasoning"] == j["judgment"]
    j = graded[0]
    case = by_id[f"{j['question_id']}:{j['turn']}:{j['model']}"]
    assert case["scores"]["gpt-4"]["score"] == j["score"]
    assert case["input"] == questions[j["question_id"]]["turns"][j["turn"] - 1]
    assert case["output"]  # joined from model_answer_granite-7b-lab.jsonl
    summary = runs.get_run_summary(scope, result["run_id"])
    scorer = next(s for s in summary["scorers"] if s["scorer"] == "gpt-4")
    assert scorer["n_scores"] == len(graded)


def test_mtbench_pair_judgments(scope: Scope, tmp_path: Path) -> None:
    path = tmp_path / "gpt-4_pair.jsonl"
    lines = [
        {"question_id": 81, "model_1": "a", "model_2": "b", "g1_winner": "model_1",
         "g2_winner": "model_1", "judge": ["gpt-4", "pair-v2"], "g1_judgment": "[[A]]",
         "g2_judgment": "[[B]]", "turn": 1},
        {"question_id": 82, "model_1": "a", "model_2": "b", "g1_winner": "model_1",
         "g2_winner": "model_2", "judge": ["gpt-4", "pair-v2"], "turn": 1},
        {"question_id": 83, "model_1": "a", "model_2": "b", "g1_winner": "error",
         "g2_winner": "tie", "judge": ["gpt-4", "pair-v2"], "turn": 1},
    ]  # fmt: skip
    path.write_text("\n".join(json.dumps(x) for x in lines))
    result, by_id = only_run(scope, path)
    assert result["kind"] == "pairwise"
    assert by_id["81:1:a:b"]["scores"]["gpt-4"]["label"] == "A"
    assert by_id["82:1:a:b"]["scores"]["gpt-4"]["label"] == "tie"  # inconsistent orders
    assert "gpt-4" not in by_id["83:1:a:b"]["scores"]  # unparseable verdict: missing


def test_helm_run_directory(scope: Scope) -> None:
    folder = shared("helm/bbq_gpt-4o")
    state = json.loads((folder / "scenario_state.json").read_text())
    stats = json.loads((folder / "per_instance_stats.json").read_text())
    result, by_id = only_run(scope, folder)
    assert result["format"] == "helm" and result["cases"] == len(state["request_states"])
    rs = state["request_states"][0]
    case = by_id[f"{rs['instance']['id']}:{rs['train_trial_index']}"]
    assert case["output"] == rs["result"]["completions"][0]["text"]
    correct = [r for r in rs["instance"]["references"] if "correct" in r["tags"]][0]
    assert case["expected"] == correct["output"]["text"]
    inst = next(s for s in stats if s["instance_id"] == rs["instance"]["id"])
    em = next(s for s in inst["stats"] if s["name"]["name"] == "exact_match")
    assert case["scores"]["exact_match"]["score"] == em["mean"]
    assert "training_co2_cost" not in case["scores"]  # count 0 and bookkeeping: no score
    assert "num_prompt_tokens" not in result["scorers"]


def test_helm_judge_annotations_keep_reasoning(scope: Scope, tmp_path: Path) -> None:
    folder = tmp_path / "run"
    shutil.copytree(shared("helm/bbq_gpt-4o"), folder)
    state = json.loads((folder / "scenario_state.json").read_text())
    state["request_states"][0]["annotations"] = {
        "wildbench": {"gpt4": {"score": 7, "reasoning": "clear and correct"}}
    }
    (folder / "scenario_state.json").write_text(json.dumps(state))
    result, by_id = only_run(scope, folder)
    rs = state["request_states"][0]
    case = by_id[f"{rs['instance']['id']}:{rs['train_trial_index']}"]
    assert case["scores"]["wildbench/gpt4"]["score"] == 7
    assert case["scores"]["wildbench/gpt4"]["judge_reasoning"] == "clear and correct"


def test_openai_evals_output_items(scope: Scope) -> None:
    path = shared("openai_evals/openai-evals-items.jsonl")
    items = [json.loads(x) for x in path.read_text().splitlines() if x.strip()]
    result, by_id = only_run(scope, path)
    assert result["format"] == "openai-evals" and result["cases"] == len(items)
    for item in items:
        case = by_id[str(item["data_source_idx"])]
        assert case["input"] == item["item"]["input"]
        assert case["expected"] == item["item"]["expected_answer"]
        for grader, value in item["grades"].items():
            assert case["scores"][grader]["score"] == value
            assert case["scores"][grader]["label"] == ("pass" if item["passes"][grader] else "fail")
        raw = item["grader_samples"]["Relevance"]["outputs"][-1]["content"]
        assert case["scores"]["Relevance"]["judge_reasoning"] == raw


# -- hand-made files in the shapes the tools write --------------------------------------------
def promptfoo_export(tmp_path: Path) -> Path:
    """A promptfoo `-o results.json` with two providers, an llm-rubric judge and a human."""

    def result(test_idx: int, prompt_idx: int, provider: str, passed: bool) -> dict[str, Any]:
        return {
            "testIdx": test_idx, "promptIdx": prompt_idx, "provider": {"id": provider},
            "prompt": {"raw": f"Q{test_idx}", "label": "Q {{q}}"},
            "response": {"output": f"A{test_idx} by {provider}"}, "latencyMs": 100 + test_idx,
            "cost": 0.001, "score": 1.0 if passed else 0.5, "success": passed,
            "failureReason": 0 if passed else 1, "namedScores": {},
            "testCase": {"vars": {"q": test_idx}, "assert": [{"type": "equals", "value": "x"}]},
            "gradingResult": {"pass": passed, "componentResults": [
                {"pass": True, "score": 1, "reason": "ok", "assertion": {"type": "equals"}},
                {"pass": passed, "score": 1 if passed else 0, "reason": f"rubric says {passed}",
                 "assertion": {"type": "llm-rubric", "value": "Be polite"}},
                {"pass": passed, "score": 1, "reason": "looks right to me",
                 "assertion": {"type": "human", "value": "alice"}},
            ]},
        }  # fmt: skip

    doc = {
        "evalId": "eval-1",
        "results": {
            "version": 3,
            "prompts": [{"raw": "Q {{q}}", "provider": "openai:a"}],
            "results": [
                result(0, 0, "openai:a", True),
                result(1, 0, "openai:a", False),
                result(0, 1, "openai:b", True),
            ],
        },
    }
    path = tmp_path / "results.json"
    path.write_text(json.dumps(doc))
    return path


def test_promptfoo_one_run_per_provider_with_judge_and_human_labels(
    scope: Scope, tmp_path: Path
) -> None:
    from evalguard_core.store import labels as labels_sql  # noqa: F401  (store has the labels)

    outcome = importers.import_path(scope, promptfoo_export(tmp_path))
    assert [r["format"] for r in outcome.runs] == ["promptfoo", "promptfoo"]
    first = outcome.runs[0]
    assert first["cases"] == 2 and "llm-rubric" in first["judges"]
    by_id = cases(scope, first["run_id"])
    case = by_id["1"]
    assert case["output"] == "A1 by openai:a" and case["latency_ms"] == 101
    assert case["scores"]["llm-rubric"]["label"] == "fail"
    assert case["scores"]["llm-rubric"]["judge_reasoning"] == "rubric says False"
    assert case["scores"]["promptfoo"]["label"] == "fail"
    assert "human" not in case["scores"]  # a human rating is a label, not a scorer
    assert first["human_labels"] == 2
    summary = runs.get_run_summary(scope, first["run_id"])
    assert summary["human_labels"]["annotations"] == 2
    assert summary["human_labels"]["annotators"] == 1


def test_promptfoo_jsonl(scope: Scope, tmp_path: Path) -> None:
    doc = json.loads(promptfoo_export(tmp_path).read_text())
    path = tmp_path / "results.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in doc["results"]["results"]))
    outcome = importers.import_path(scope, path)
    assert [r["cases"] for r in outcome.runs] == [2, 1]


def test_mlflow_results_table(scope: Scope, tmp_path: Path) -> None:
    path = tmp_path / "eval_results_table.json"
    path.write_text(
        json.dumps(
            {
                "columns": ["inputs", "outputs", "targets", "latency", "toxicity/v1/score",
                            "correctness/score", "correctness/justification", "exact_match/value"],
                "data": [["q1", "a1", "t1", 0.25, 0.01, 4, "mostly right", "yes"],
                         ["q2", "a2", "t2", 0.5, 0.2, 2, "wrong", "no"]],
            }
        )
    )  # fmt: skip
    result, by_id = only_run(scope, path)
    assert result["format"] == "mlflow"
    case = by_id["2"]
    assert (case["input"], case["output"], case["expected"]) == ("q2", "a2", "t2")
    assert case["latency_ms"] == 500
    assert case["scores"]["correctness"] == {
        "score": 2.0,
        "label": None,
        "judge_reasoning": "wrong",
    }
    assert case["scores"]["toxicity/v1"]["score"] == 0.2
    assert case["scores"]["exact_match"]["label"] == "no"


def test_alpacaeval_annotations_pairwise(scope: Scope, tmp_path: Path) -> None:
    path = tmp_path / "annotations.json"
    rows = [(1.0, "A"), (2.0, "B"), (0, "tie"), (1.5, "tie"), (1.8, "B"), (None, None)]
    path.write_text(
        json.dumps(
            [
                {"instruction": f"i{k}", "output_1": f"base{k}", "output_2": f"model{k}",
                 "generator_1": "gpt4_turbo", "generator_2": "mine", "annotator": "weighted_gpt4",
                 "preference": pref, "time_per_example": 1.5, "raw_completion": f"r{k}"}
                for k, (pref, _) in enumerate(rows)
            ]
        )
    )  # fmt: skip
    result, by_id = only_run(scope, path)
    assert result["format"] == "alpacaeval" and result["kind"] == "pairwise"
    for k, (_, label) in enumerate(rows):
        case = by_id[str(k)]
        assert case["output_a"] == f"base{k}" and case["output_b"] == f"model{k}"
        got = case["scores"].get("weighted_gpt4", {}).get("label")
        assert got == label, k
    assert by_id["5"]["scores"]["weighted_gpt4"]["score"] is None  # null = judge failed


def test_openai_evals_legacy_log(scope: Scope, tmp_path: Path) -> None:
    path = tmp_path / "oaieval.jsonl"
    events = [
        {"spec": {"eval_name": "test-match.s1.simple-v0", "completion_fns": ["gpt-3.5"]}},
        {"final_report": {"accuracy": 0.5}},
        {"run_id": "r", "event_id": 0, "sample_id": "m.dev.0", "type": "sampling",
         "data": {"prompt": [{"role": "user", "content": "2+2?"}], "sampled": ["4"]}},
        {"run_id": "r", "event_id": 1, "sample_id": "m.dev.0", "type": "match",
         "data": {"correct": True, "expected": ["4"], "picked": "4"}},
        {"run_id": "r", "event_id": 2, "sample_id": "m.dev.1", "type": "sampling",
         "data": {"prompt": "3+3?", "sampled": ["7"]}},
        {"run_id": "r", "event_id": 3, "sample_id": "m.dev.1", "type": "match",
         "data": {"correct": False, "expected": ["6"], "picked": None}},
    ]  # fmt: skip
    path.write_text("\n".join(json.dumps(e) for e in events))
    result, by_id = only_run(scope, path)
    assert result["format"] == "openai-evals" and result["cases"] == 2
    assert by_id["m.dev.0"]["input"] == "2+2?" and by_id["m.dev.0"]["output"] == "4"
    assert by_id["m.dev.1"]["scores"]["match"]["label"] == "fail"


def test_every_eval_ever_instances(scope: Scope, tmp_path: Path) -> None:
    path = tmp_path / "instances.jsonl"
    recs = [
        {"schema_version": "0.2.1", "evaluation_id": "e1", "model_id": "org/m",
         "evaluation_name": "gsm8k", "sample_id": f"s{k}", "interaction_type": "single_turn",
         "input": {"raw": f"q{k}", "reference": [f"r{k}"]}, "output": {"raw": [f"o{k}"]},
         "answer_attribution": [], "evaluation": {"score": k % 2, "is_correct": bool(k % 2)},
         "performance": {"latency_ms": 10.0 * k}}
        for k in range(3)
    ]  # fmt: skip
    path.write_text("\n".join(json.dumps(r) for r in recs))
    result, by_id = only_run(scope, path)
    assert result["format"] == "every-eval-ever" and result["name"] == "gsm8k org/m"
    assert by_id["s1"]["expected"] == "r1" and by_id["s1"]["output"] == "o1"
    assert by_id["s1"]["scores"]["is_correct"]["label"] == "pass"
    assert by_id["s2"]["latency_ms"] == 20.0


def test_langsmith_langfuse_braintrust_exports(scope: Scope, tmp_path: Path) -> None:
    langsmith = tmp_path / "langsmith.json"
    langsmith.write_text(json.dumps([
        {"run": {"id": "r1", "inputs": {"question": "q1"}, "outputs": {"answer": "a1"}},
         "example": {"id": "ex1", "inputs": {"question": "q1"}, "outputs": {"answer": "t1"}},
         "evaluation_results": {"results": [
             {"key": "correctness", "score": 1, "comment": "matches the reference"}]}},
    ]))  # fmt: skip
    langfuse = tmp_path / "langfuse.json"
    langfuse.write_text(json.dumps({"data": [
        {"id": "t1", "datasetItemId": "item1", "input": "q", "output": "a", "expectedOutput": "t",
         "latency": 1.25, "scores": [
             {"name": "helpfulness", "value": 0.5, "comment": "partly", "dataType": "NUMERIC"},
             {"name": "verdict", "stringValue": "good",
              "dataType": "CATEGORICAL"}]}]}))  # fmt: skip
    braintrust = tmp_path / "braintrust.jsonl"
    braintrust.write_text(json.dumps(
        {"id": "b1", "input": {"q": "x"}, "output": "y", "expected": "z",
         "scores": {"Factuality": 0.6}, "metrics": {"start": 1.0, "end": 1.5}}))  # fmt: skip
    got = {}
    for path in (langsmith, langfuse, braintrust):
        result, by_id = only_run(scope, path)
        got[result["format"]] = by_id
    ls = got["langsmith"]["ex1"]
    assert (ls["input"], ls["output"], ls["expected"]) == ("q1", "a1", "t1")
    assert ls["scores"]["correctness"]["judge_reasoning"] == "matches the reference"
    lf = got["langfuse"]["item1"]
    assert lf["latency_ms"] == 1250 and lf["scores"]["verdict"]["label"] == "good"
    assert lf["scores"]["helpfulness"]["judge_reasoning"] == "partly"
    bt = got["braintrust"]["b1"]
    assert bt["latency_ms"] == 500 and bt["scores"]["Factuality"]["score"] == 0.6


# -- detection -----------------------------------------------------------------------------------
def test_detection_uses_content_not_extension(scope: Scope, tmp_path: Path) -> None:
    src = shared("deepeval/test_run_sample.json")
    renamed = tmp_path / "whatever.txt"
    renamed.write_bytes(src.read_bytes())
    assert importers.detect(renamed).name == "deepeval"
    native = tmp_path / "mine.json"
    native.write_text('[{"case_id": "a", "output": "x", "score:acc": 1}]')
    assert importers.detect(native).name == "jsonl"
    result, by_id = only_run(scope, native)
    assert result["format"] == "jsonl" and by_id["a"]["scores"]["acc"]["score"] == 1


def test_unknown_file_names_format_option(tmp_path: Path) -> None:
    path = tmp_path / "notes.json"
    path.write_text('{"hello": "world"}')
    with pytest.raises(InputFileError, match="cannot tell which tool wrote"):
        importers.detect(path)


def test_forced_format_and_unknown_name(scope: Scope, tmp_path: Path) -> None:
    path = shared("ragas/ragas_evaluation.csv")
    assert importers.import_path(scope, path, fmt="Ragas").runs[0]["format"] == "ragas"
    with pytest.raises(InputFileError, match="unknown format 'nope'"):
        importers.import_path(scope, path, fmt="nope")


def test_every_format_is_listed() -> None:
    names = {f["name"] for f in importers.describe_formats()}
    assert names >= {
        "inspect", "promptfoo", "deepeval", "lm-eval", "ragas", "mlflow", "mt-bench",
        "alpacaeval", "helm", "openai-evals", "every-eval-ever", "langsmith", "langfuse",
        "braintrust", "csv", "jsonl", "parquet",
    }  # fmt: skip


def test_preview_writes_nothing(scope: Scope) -> None:
    preview = importers.preview(shared("deepeval/test_run_sample.json"))
    run = preview["runs"][0]
    assert preview["format"] == "deepeval" and run["cases"] == 1
    assert "Answer Relevancy" in run["scorers"] and "Answer Relevancy" in run["judges"]
    assert "reason:Answer Relevancy" in run["columns"]
    assert runs.list_runs(scope) == []


# -- malformed files are refused whole --------------------------------------------------------
def test_truncated_json_files_are_refused(scope: Scope, tmp_path: Path) -> None:
    for rel, name in (
        ("deepeval/test_run_sample.json", "deepeval"),
        ("inspect_ai/log_read_sample.json", "inspect"),
    ):
        data = shared(rel).read_bytes()
        path = tmp_path / Path(rel).name
        path.write_bytes(data[: len(data) // 2])
        assert_refused_forced(scope, path, name, "invalid JSON at line")


def assert_refused_forced(scope: Scope, path: Path, fmt: str, *needles: str) -> None:
    """A truncated file may no longer be recognisable: refused with --format too."""
    before = len(runs.list_runs(scope))
    with pytest.raises(InputFileError) as err:
        importers.import_path(scope, path, fmt=fmt)
    assert path.name in err.value.message and fmt in err.value.message
    for needle in needles:
        assert needle in err.value.message
    assert len(runs.list_runs(scope)) == before


def test_truncated_jsonl_names_the_line(scope: Scope, tmp_path: Path) -> None:
    for rel, name in (
        ("lm_eval_harness/samples_asdiv_2024-08-21T03-44-09.494230.jsonl", "lm-eval"),
        ("openai_evals/openai-evals-items.jsonl", "openai-evals"),
        ("mtbench_fastchat/gpt-4_single.jsonl", "mt-bench"),
    ):
        lines = shared(rel).read_text().splitlines()
        path = tmp_path / Path(rel).name
        path.write_text("\n".join(lines[:-1]) + "\n" + lines[-1][: len(lines[-1]) // 2])
        assert_refused(scope, path, name, f"line {len(lines)}")


def test_truncated_inspect_zip_is_refused(scope: Scope, tmp_path: Path) -> None:
    src = next(shared("inspect_ai").glob("*.eval"))
    path = tmp_path / src.name
    data = src.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert_refused_forced(scope, path, "inspect", "not a readable .eval zip")


def test_bad_record_in_the_middle_refuses_everything(scope: Scope, tmp_path: Path) -> None:
    path = tmp_path / "annotations.json"
    path.write_text(
        json.dumps(
            [
                {"instruction": "a", "output_1": "x", "output_2": "y", "preference": 1},
                {"instruction": "b", "output_1": "x", "output_2": "y", "preference": "left"},
            ]
        )
    )
    assert_refused(scope, path, "alpacaeval", "record [1]", "not a number")


def test_second_run_failing_rolls_back_the_first(scope: Scope, tmp_path: Path) -> None:
    doc = json.loads(promptfoo_export(tmp_path).read_text())
    # the second provider's case has two results with the same testIdx: a duplicate case_id
    doc["results"]["results"].append(dict(doc["results"]["results"][2]))
    path = tmp_path / "results.json"
    path.write_text(json.dumps(doc))
    assert_refused(scope, path, "promptfoo", "duplicate case_id '0'")


def test_helm_missing_scenario_state(tmp_path: Path, scope: Scope) -> None:
    folder = tmp_path / "helm_run"
    folder.mkdir()
    (folder / "per_instance_stats.json").write_text("[]")
    assert_refused_forced(scope, folder, "helm", "scenario_state.json is missing")


def test_ragas_ragged_row(scope: Scope, tmp_path: Path) -> None:
    path = tmp_path / "ragas.csv"
    path.write_text("user_input,response,reference,faithfulness\nq,a,r,1.0\nq2,a2,r2,0.5,extra\n")
    assert_refused(scope, path, "ragas", "row 3")
