"""promptfoo's `-o results.csv`: hand-made files in the exact layouts promptfoo writes.

Current layout: promptfoo `src/util/eval/evalTableUtils.ts` (`buildCsvHeaders`,
`tableRowToCsvValues`, commit 9e9ba3815df42ac6708254650d5647d9731ed612), written with
csv-stringify (quotes only where needed, `\\n` line ends). Legacy layout: `writeOutput` in
`src/util/index.ts` (commit b1f05b8b231649dbdef5bf61bd9380cd7143284f).
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from evalguard_core import importers, runs
from evalguard_core.errors import InputFileError
from evalguard_core.store import Scope

GROUP = ["Status", "Score", "Named Scores"]
TAIL = ["Grader Reason", "Comment"]


def write_csv(path: Path, rows: list[list[Any]]) -> Path:
    """Write rows as csv-stringify does (minimal quoting, LF line ends)."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)
    return path


def promptfoo_csv(tmp_path: Path, name: str = "results.csv") -> Path:
    """Two prompts x three tests, descriptions, one per-row metric on the first prompt only; the
    second prompt has no result for the third test; a label with a comma."""
    header = [
        "Description", "question", "topic",
        "[openai:gpt-4o-mini] Answer briefly, please: {{question}}", *GROUP,
        "Metric: Politeness", *TAIL,
        "[anthropic:claude-3-haiku] Answer: {{question}}", *GROUP, *TAIL,
    ]  # fmt: skip
    rows = [
        header,
        [
            "capital", "What is the capital of France?", "geo",
            "Paris.", "PASS", "1.00", '{"Politeness":1}', "1.00", "", "",
            "The capital is Paris.", "PASS", "1.00", "", "", "",
        ],
        [
            "arith", "2+2?", "math",
            "5, I think.\nMaybe 4.", "FAIL", "0.33", '{"Politeness":0.5}', "0.50",
            "The answer 5 is wrong; expected 4", "needs review",
            "4", "PASS", "1.00", "", "", "",
        ],
        [
            "", "Say hi", "chat",
            "API error: 429", "ERROR", "0.00", "", "", "Rate limited", "",
            "", "", "", "", "", "",
        ],
    ]  # fmt: skip
    return write_csv(tmp_path / name, rows)


def run_cases(scope: Scope, run_id: str) -> dict[str, dict[str, Any]]:
    """Every case of a run by case_id."""
    return {c["case_id"]: c for c in runs.list_cases(scope, run_id, limit=100)["cases"]}


def test_promptfoo_csv_one_run_per_prompt_column(scope: Scope, tmp_path: Path) -> None:
    path = promptfoo_csv(tmp_path)
    assert importers.detect(path).name == "promptfoo"
    outcome = importers.import_path(scope, path)
    assert [r["format"] for r in outcome.runs] == ["promptfoo", "promptfoo"]
    assert [r["cases"] for r in outcome.runs] == [3, 2]
    assert [r["name"] for r in importers.preview(path)["runs"]] == [
        "results openai:gpt-4o-mini prompt 0",
        "results anthropic:claude-3-haiku prompt 1",
    ]

    first = run_cases(scope, outcome.runs[0]["run_id"])
    ok, wrong, error = first["0"], first["1"], first["2"]
    assert ok["input"] == '{"question": "What is the capital of France?", "topic": "geo"}'
    assert ok["output"] == "Paris."
    assert ok["scores"]["promptfoo"]["label"] == "pass"
    assert ok["scores"]["promptfoo"]["score"] == 1.0
    assert ok["scores"]["Politeness"]["score"] == 1.0
    assert wrong["output"] == "5, I think.\nMaybe 4."
    assert wrong["scores"]["promptfoo"]["label"] == "fail"
    assert wrong["scores"]["promptfoo"]["score"] == pytest.approx(0.33)
    assert wrong["scores"]["Politeness"]["score"] == 0.5
    assert wrong["scores"]["promptfoo"]["judge_reasoning"] == "The answer 5 is wrong; expected 4"
    assert wrong["metadata"]["comment"] == "needs review"
    assert wrong["metadata"]["description"] == "arith"
    assert wrong["metadata"]["provider"] == "openai:gpt-4o-mini"
    assert wrong["metadata"]["prompt_label"] == "Answer briefly, please: {{question}}"
    assert wrong["metadata"]["vars"] == '{"question": "2+2?", "topic": "math"}'
    assert error["scores"]["promptfoo"]["label"] == "error"
    assert error["scores"]["promptfoo"]["judge_reasoning"] == "Rate limited"

    second = run_cases(scope, outcome.runs[1]["run_id"])
    assert sorted(second) == ["0", "1"]  # no result for the third test: no case
    assert second["1"]["output"] == "4" and second["1"]["scores"]["promptfoo"]["label"] == "pass"
    assert "Politeness" not in second["1"]["scores"]


def test_promptfoo_legacy_csv_cells(scope: Scope, tmp_path: Path) -> None:
    rows = [
        ["question", "[openai:gpt-4o-mini] {{question}}"],
        ["2+2?", "[PASS] (1.00)\n\n4"],
        [
            "Capital of France?",
            "[FAIL] (0.50, accuracy: 0.00, tone: 1.00)\n\nLyon\n\nFail Reason: Expected Paris",
        ],
    ]
    path = write_csv(tmp_path / "old.csv", rows)
    assert importers.detect(path).name == "promptfoo"
    result = importers.import_path(scope, path).runs[0]
    assert result["cases"] == 2
    by_id = run_cases(scope, result["run_id"])
    assert by_id["0"]["input"] == "2+2?" and by_id["0"]["output"] == "4"
    assert by_id["0"]["scores"]["promptfoo"]["label"] == "pass"
    failed = by_id["1"]
    assert failed["output"] == "Lyon"
    assert failed["scores"]["promptfoo"] == {
        **failed["scores"]["promptfoo"],
        "label": "fail",
        "score": 0.5,
        "judge_reasoning": "Expected Paris",
    }
    assert failed["scores"]["accuracy"]["score"] == 0.0
    assert failed["scores"]["tone"]["score"] == 1.0


@pytest.mark.parametrize(
    ("row", "col", "value", "needle"),
    [
        (2, 4, "MAYBE", "Status 'MAYBE' is not PASS, FAIL or ERROR"),
        (2, 5, "high", "Score 'high' is not a number"),
        (1, 6, "{broken", "Named Scores '{broken' is not a JSON object"),
    ],
)
def test_malformed_promptfoo_csv_is_refused_whole(
    scope: Scope, tmp_path: Path, row: int, col: int, value: str, needle: str
) -> None:
    good = promptfoo_csv(tmp_path, "good.csv")
    table = list(csv.reader(good.open(encoding="utf-8", newline="")))
    table[row][col] = value
    path = write_csv(tmp_path / "bad.csv", table)
    assert importers.detect(path).name == "promptfoo"
    before = runs.list_runs(scope)
    with pytest.raises(InputFileError) as err:
        importers.import_path(scope, path)
    message = err.value.message
    assert message.startswith("bad.csv: promptfoo: record row "), message
    assert f"row {row}" in message and needle in message and "nothing was imported" in message
    assert runs.list_runs(scope) == before


def test_ragged_promptfoo_csv_row_is_refused(scope: Scope, tmp_path: Path) -> None:
    good = promptfoo_csv(tmp_path, "good.csv")
    table = list(csv.reader(good.open(encoding="utf-8", newline="")))
    table[3] = table[3][:-2]
    path = write_csv(tmp_path / "cut.csv", table)
    with pytest.raises(InputFileError, match=r"cut\.csv: promptfoo: record row 3 .*14 cells"):
        importers.import_path(scope, path)
    assert runs.list_runs(scope) == []


def test_detection_promptfoo_csv_versus_native_csv(tmp_path: Path) -> None:
    renamed = promptfoo_csv(tmp_path, "export.txt")
    assert importers.detect(renamed).name == "promptfoo"
    native = write_csv(
        tmp_path / "mine.csv",
        [
            ["case_id", "input", "output", "Status", "Score", "Named Scores", "label:promptfoo"],
            ["a", "q", "x", "PASS", "1.00", "", "pass"],
        ],
    )
    assert importers.detect(native).name == "csv"
    plain = write_csv(tmp_path / "plain.csv", [["case_id", "input", "output"], ["a", "q", "x"]])
    assert importers.detect(plain).name == "csv"
