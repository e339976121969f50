"""Eval-run import: every format, pairwise runs, and bad input that changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from evalguard_core import runs
from evalguard_core.errors import InputFileError
from evalguard_core.store import Scope

TABLES = ("runs", "cases", "scores", "annotations")


def counts(scope: Scope) -> dict[str, int]:
    """Row counts of the tables an import writes."""
    return {t: scope.db.fetchone(f"SELECT count(*) FROM {t}")[0] for t in TABLES}


def sample_frame() -> pd.DataFrame:
    """A small run as a DataFrame."""
    return pd.DataFrame(
        {
            "case_id": ["a", "b", "c"],
            "input": ["q1", "q2", "q3"],
            "output": ["o1", "o2", "o3"],
            "expected": ["e1", "e2", "e3"],
            "latency_ms": [10.0, 20.5, 30.0],
            "score:acc": [1.0, 0.0, 0.5],
            "label:judge": ["pass", "fail", "pass"],
            "team": ["x", "y", "z"],
        }
    )


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_each_format_imports_cases_scores_and_metadata(scope: Scope, tmp_path: Path, fmt: str):
    df = sample_frame()
    path = tmp_path / f"run.{fmt}"
    if fmt == "csv":
        df.to_csv(path, index=False)
    elif fmt == "jsonl":
        df.to_json(path, orient="records", lines=True)
    else:
        df.to_parquet(path, index=False)
    result = runs.import_run(scope, path)
    assert (result.cases, result.kind, result.scorers) == (3, "single", ["acc", "judge"])
    page = runs.list_cases(scope, result.run_id)
    assert page["total"] == 3
    b = next(c for c in page["cases"] if c["case_id"] == "b")
    assert b["output"] == "o2" and b["latency_ms"] == 20.5
    assert b["metadata"] == {"team": "y"}
    assert b["scores"] == {
        "acc": {"score": 0.0, "label": None},
        "judge": {"score": None, "label": "fail"},
    }
    trace_ids = [c["trace_id"] for c in page["cases"]]
    assert len(set(trace_ids)) == 3


def test_trace_ids_are_global_across_runs(scope: Scope, sample_csv: Path) -> None:
    first = runs.import_run(scope, sample_csv)
    second = runs.import_run(scope, sample_csv)
    t1 = {c["trace_id"] for c in runs.list_cases(scope, first.run_id)["cases"]}
    t2 = {c["trace_id"] for c in runs.list_cases(scope, second.run_id)["cases"]}
    assert t1.isdisjoint(t2)


def test_pairwise_run(scope: Scope, tmp_path: Path) -> None:
    path = tmp_path / "pair.jsonl"
    rows = [
        {"case_id": "p1", "input": "q", "output_a": "A1", "output_b": "B1", "label:judge": "A"},
        {"case_id": "p2", "input": "q", "output_a": "A2", "output_b": "B2", "label:judge": "tie"},
    ]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    result = runs.import_run(scope, path)
    assert result.kind == "pairwise"
    case = runs.list_cases(scope, result.run_id)["cases"][0]
    assert (case["output_a"], case["output_b"], case["output"]) == ("A1", "B1", None)


def test_nested_jsonl_values_are_kept_as_json(scope: Scope, tmp_path: Path) -> None:
    path = tmp_path / "nested.jsonl"
    path.write_text(json.dumps({"case_id": "n1", "input": {"q": 1}, "tags": ["a", "b"]}) + "\n")
    result = runs.import_run(scope, path)
    case = runs.list_cases(scope, result.run_id)["cases"][0]
    assert json.loads(case["input"]) == {"q": 1}
    assert case["metadata"] == {"tags": ["a", "b"]}


def test_csv_quoting_and_delimiters(scope: Scope, tmp_path: Path) -> None:
    """RFC 4180 quoting (doubled quotes, commas and newlines inside quotes); ; and tab files."""
    quoted = tmp_path / "quoted.csv"
    quoted.write_text('case_id,input,output\n1,"he said ""hi"", then left","two\nlines"\n')
    case = runs.list_cases(scope, runs.import_run(scope, quoted).run_id)["cases"][0]
    assert case["input"] == 'he said "hi", then left'
    assert case["output"] == "two\nlines"
    for name, sep in (("semi.csv", ";"), ("tabs.csv", "\t")):
        path = tmp_path / name
        path.write_text(
            sep.join(["case_id", "input", "score:acc"])
            + "\n"
            + sep.join(["1", "a,b", "0.5"])
            + "\n"
        )
        case = runs.list_cases(scope, runs.import_run(scope, path).run_id)["cases"][0]
        assert case["input"] == "a,b"


def test_format_flag_overrides_extension(scope: Scope, tmp_path: Path) -> None:
    path = tmp_path / "run.txt"
    path.write_text("case_id,input\n1,x\n")
    assert runs.import_run(scope, path, fmt="csv").cases == 1


BAD_FILES = {
    "missing_case_id": ("run.csv", b"input,output\nq,o\n", "missing required column 'case_id'"),
    "blank_case_id": ("run.csv", b"case_id,input\n1,a\n,b\n", "row 2: column 'case_id' is empty"),
    "duplicate_case_id": (
        "run.csv",
        b"case_id,input\n1,a\n2,b\n1,c\n",
        "duplicate case_id '1' on rows 1, 3",
    ),
    "non_numeric_score": (
        "run.csv",
        b"case_id,score:acc\n1,0.5\n2,high\n",
        "row 2: column 'score:acc' is not a number",
    ),
    "non_numeric_latency": (
        "run.csv",
        b"case_id,latency_ms\n1,fast\n",
        "column 'latency_ms' is not a number",
    ),
    "empty_file": ("run.csv", b"", "the file is empty"),
    "header_only": ("run.csv", b"case_id,input\n", "no data rows"),
    "corrupt_parquet": ("run.parquet", b"PAR1 this is not parquet", "not a readable Parquet file"),
    "malformed_jsonl": ("run.jsonl", b'{"case_id": 1}\n{not json\n', "line 2 is not valid JSON"),
    "unknown_format": ("run.xlsx", b"whatever", "cannot tell the format"),
    "not_utf8": ("run.csv", b"case_id,input\n1,ok\n2,caf\xe9\n", "line 3 is not valid UTF-8"),
    "half_pairwise": ("run.csv", b"case_id,output_a\n1,x\n", "'output_b' is missing"),
    "unnamed_scorer": ("run.csv", b"case_id,score:\n1,1\n", "does not name a scorer"),
    # DuckDB's sniffer used to read this as three unquoted fields: input '"hello', output 'world'.
    "unterminated_quote": (
        "run.csv",
        b'case_id,input,output\n1,"hello,world\n2,q,a\n3,q,a\n',
        "line 2: a quoted field is never closed",
    ),
    "single_and_pairwise": (
        "run.csv",
        b"case_id,output,output_a,output_b\n1,x,a,b\n",
        "not both",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_input_is_rejected_naming_the_problem_and_changes_nothing(
    scope: Scope, sample_run: str, tmp_path: Path, case: str
) -> None:
    name, content, expected = BAD_FILES[case]
    path = tmp_path / name
    path.write_bytes(content)
    before = counts(scope)
    with pytest.raises(InputFileError) as info:
        runs.import_run(scope, path)
    assert expected in info.value.message
    assert name in info.value.message
    assert counts(scope) == before


def test_missing_file(scope: Scope, tmp_path: Path) -> None:
    with pytest.raises(InputFileError, match="no such file"):
        runs.import_run(scope, tmp_path / "nope.csv")


def test_failure_during_insert_rolls_back_the_whole_import(
    scope: Scope, sample_csv: Path, monkeypatch
) -> None:
    from evalguard_core.store import runs as store_runs

    original = store_runs.insert_run

    def insert_then_fail(*args, **kwargs):
        original(*args, **kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(store_runs, "insert_run", insert_then_fail)
    before = counts(scope)
    with pytest.raises(RuntimeError):
        runs.import_run(scope, sample_csv)
    assert counts(scope) == before


def test_run_summary_and_filters(scope: Scope, sample_run: str) -> None:
    summary = runs.get_run_summary(scope, sample_run)
    judge = next(s for s in summary["scorers"] if s["scorer"] == "llm_judge")
    assert judge["labels"] == {"pass": 3, "fail": 1}
    f = runs.CaseFilter(scorer="accuracy", score_min=0.5)
    assert {c["case_id"] for c in runs.list_cases(scope, sample_run, f)["cases"]} == {"c1", "c3"}
    f = runs.CaseFilter(label_scorer="llm_judge", label="fail")
    assert [c["case_id"] for c in runs.list_cases(scope, sample_run, f)["cases"]] == ["c2"]
    f = runs.CaseFilter(search="planet")
    assert [c["case_id"] for c in runs.list_cases(scope, sample_run, f)["cases"]] == ["c4"]
    page = runs.list_cases(scope, sample_run, limit=2, offset=2)
    assert [c["case_id"] for c in page["cases"]] == ["c3", "c4"] and page["total"] == 4
    bins = runs.score_histogram(scope, sample_run, "accuracy", bins=10)
    assert sum(b["count"] for b in bins) == 4


def test_a_json_array_file_imports_like_jsonl(scope: Scope, tmp_path: Path) -> None:
    path = tmp_path / "run.json"
    path.write_text(json.dumps([{"case_id": "a", "input": "x"}, {"case_id": "b", "input": "y"}]))
    result = runs.import_run(scope, path)
    assert result.cases == 2
    assert [c["case_id"] for c in runs.list_cases(scope, result.run_id)["cases"]] == ["a", "b"]
