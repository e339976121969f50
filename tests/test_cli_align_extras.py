"""`evalguard align` with --swapped-judge, --order-field, --rater-model, --alt-test and
--reference dawid-skene, as users run it: a subprocess, --json and text, exit 2 on bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import evalguard

N = 40


@pytest.fixture
def setup(tmp_path: Path) -> tuple[Path, str]:
    """A pairwise run judged in both orders, and three raters' labels (the truth)."""
    rows = ["case_id,input,output_a,output_b,label:judge_ab,label:judge_ba,shown"]
    labels = ["case_id,annotator,label"]
    for i in range(N):
        ab = "B" if i % 4 == 3 else "A"
        ba = "A" if i % 4 == 0 else "B"
        rows.append(f"p{i},q{i},a{i},b{i},{ab},{ba},{'AB' if i % 2 == 0 else 'BA'}")
        for rater in ("r1", "r2", "r3"):
            labels.append(f"p{i},{rater},{'A' if i % 2 == 0 else 'B'}")
    run = tmp_path / "pairs.csv"
    run.write_text("\n".join(rows) + "\n")
    lab = tmp_path / "labels.csv"
    lab.write_text("\n".join(labels) + "\n")
    db = tmp_path / "cli.duckdb"
    run_id = evalguard("import", str(run), db=db).stdout.strip()
    assert evalguard("labels", "import", str(lab), "--run", run_id, db=db).returncode == 0
    return db, run_id


def test_json_and_text(setup: tuple[Path, str]) -> None:
    db, run_id = setup
    args = ["align", "--run", run_id, "--judge", "judge_ab", "--swapped-judge", "judge_ba"]
    args += ["--rater-model", "--alt-test", "0.2", "--n-boot", "100"]
    out = evalguard(*args, "--json", db=db)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["position_bias"]["judge"]["both_orders"]["flip_rate"]["value"] == 0.5
    assert report["position_bias"]["humans"] is None  # imported labels record no shown order
    assert report["alt_test"]["advantage_probability"] == pytest.approx(0.75)
    assert report["rater_model"]["judge_accuracy"]["value"] == pytest.approx(0.75, abs=0.02)
    text = evalguard(*args, db=db)
    assert text.returncode == 0, text.stderr
    for heading in ("position bias (judge):", "rater model (Dawid-Skene", "alt-test (can the"):
        assert heading in text.stdout
    assert "the winner reversed on 50%" in text.stdout
    ordered = evalguard(
        "align", "--run", run_id, "--judge", "judge_ab", "--order-field", "shown",
        "--reference", "dawid-skene", "--n-boot", "0", "--json", db=db,
    )  # fmt: skip
    assert ordered.returncode == 0, ordered.stderr
    body = json.loads(ordered.stdout)
    assert body["reference"] == "dawid-skene" and body["metrics"]["accuracy"]["value"] == 0.75
    assert body["position_bias"]["judge"]["first_position_win_rate"]["wins"] == 30


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        (["--alt-test", "1.5"], "epsilon"),
        (["--swapped-judge", "nope"], "swapped_judge"),
        (["--order-field", "input"], "AB or BA"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(setup: tuple[Path, str], extra, needle) -> None:
    db, run_id = setup
    out = evalguard("align", "--run", run_id, "--judge", "judge_ab", *extra, db=db)
    assert out.returncode == 2
    assert needle in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
