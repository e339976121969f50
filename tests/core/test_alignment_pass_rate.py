"""The run's pass rate by human standards: PPI++, Rogan–Gladen, judge TPR / TNR and their gates."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from ppi_py import ppi_mean_ci
from scipy.stats import norm
from statsmodels.stats.proportion import proportion_confint

from bench.pass_rate_coverage import simulate
from evalguard_core.alignment import alignment_report, gate_block, parse_thresholds
from evalguard_core.alignment.passrate import pass_rate_section, rogan_gladen
from evalguard_core.alignment.sequential import eb_bounds, sequential_section


def _sample(seed: int = 1, big_n: int = 2000, n: int = 150) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    y_all = (rng.random(big_n) < 0.6).astype(float)
    f_all = np.where(y_all == 1, rng.random(big_n) < 0.9, rng.random(big_n) >= 0.8).astype(float)
    idx = rng.choice(big_n, size=n, replace=False)
    return y_all[idx], f_all[idx], f_all


def test_corrected_rate_is_ppi_plus_plus_by_hand_on_a_random_sample() -> None:
    y, yhat, run = _sample()
    sec = pass_rate_section(
        y, yhat, run, positive="pass", weights=None, n_boot=0,
        rng=np.random.default_rng(0), confidence=0.95,
    )  # fmt: skip
    c = sec["corrected"]
    lam = c["lambda"]
    assert 0.0 < lam <= 1.0
    # PPI++ (Angelopoulos, Duchi & Zrnic 2023), mean case, written out independently.
    point = lam * run.mean() + (y - lam * yhat).mean()
    # Rectifier variance with n − 1 (one stratum of the design-based formula), judge term as
    # ppi_py's; ppi_py's own interval is within O(1/n) of it.
    rect = (y - lam * yhat).var(ddof=1) / len(y)
    half = norm.ppf(0.975) * np.sqrt((lam * run).var() / len(run) + rect)
    assert c["value"] == pytest.approx(point, abs=1e-9)
    assert c["ci_low"] == pytest.approx(point - half, abs=1e-9)
    assert c["ci_high"] == pytest.approx(point + half, abs=1e-9)
    ref_lo, ref_hi = ppi_mean_ci(y, yhat, run, alpha=0.05)
    assert c["ci_low"] == pytest.approx(float(np.ravel(ref_lo)[0]), abs=2e-3)
    assert c["ci_high"] == pytest.approx(float(np.ravel(ref_hi)[0]), abs=2e-3)
    ref_lo, ref_hi = ppi_mean_ci(y, yhat, run, alpha=0.05)
    assert c["ci_low"] == pytest.approx(float(np.ravel(ref_lo)[0]), abs=2e-3)
    assert c["ci_high"] == pytest.approx(float(np.ravel(ref_hi)[0]), abs=2e-3)
    # A good judge makes the corrected interval narrower than the human labels alone.
    h = sec["human_only"]
    assert h["value"] == pytest.approx(y.mean())
    assert c["ci_high"] - c["ci_low"] < h["ci_high"] - h["ci_low"]
    assert sec["judge_only"]["value"] == pytest.approx(run.mean())


def test_tpr_tnr_are_wilson_and_rogan_gladen_is_hand_checked() -> None:
    y, yhat, run = _sample(seed=3)
    sec = pass_rate_section(
        y, yhat, run, positive="pass", weights=None, n_boot=400,
        rng=np.random.default_rng(0), confidence=0.95,
    )  # fmt: skip
    pos = y == 1
    lo, hi = proportion_confint(int(yhat[pos].sum()), int(pos.sum()), method="wilson")
    assert sec["tpr"]["value"] == pytest.approx(yhat[pos].mean())
    assert (sec["tpr"]["ci_low"], sec["tpr"]["ci_high"]) == pytest.approx((lo, hi))
    assert sec["tnr"]["value"] == pytest.approx(1 - yhat[~pos].mean())
    rg = sec["rogan_gladen"]
    expected = (run.mean() + sec["tnr"]["value"] - 1) / (
        sec["tpr"]["value"] + sec["tnr"]["value"] - 1
    )
    assert rg["value"] == pytest.approx(expected)
    assert rg["ci_low"] < rg["value"] < rg["ci_high"]
    # Hand-checked: judge says 50%, TPR 0.9, TNR 0.8 -> (0.5 + 0.8 - 1) / 0.7 = 3/7.
    assert rogan_gladen(0.5, 0.9, 0.8) == pytest.approx(3 / 7)
    assert rogan_gladen(0.5, 0.5, 0.5) is None  # an uninformative judge corrects nothing


def test_coverage_and_no_bias_under_the_products_stratified_sampler() -> None:
    # Small seeded version of bench/pass_rate_coverage.py (equal allocation over judge strata).
    out = simulate(reps=120, big_n=2000, n=160, seed=11)
    assert 0.90 <= out["coverage"]["corrected"] <= 0.995
    assert 0.88 <= out["coverage"]["rogan_gladen"] <= 0.995
    assert abs(out["mean_error"]["corrected"]) < 0.01


def _frames(n_labelled: int = 60) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    y, yhat, run = _sample(seed=5, n=n_labelled)
    lab = lambda v: "PASS" if v else "fail"  # noqa: E731
    human = pd.DataFrame(
        {"item": [f"i{k}" for k in range(len(y))], "rater": "ann", "label": [lab(v) for v in y]}
    )
    judge = pd.DataFrame({"item": human["item"], "label": [lab(v) for v in yhat], "score": None})
    counts = pd.Series([lab(v) for v in run]).value_counts()
    judge_run = pd.DataFrame({"label": counts.index, "n": counts.to_numpy()})
    return human, judge, judge_run


def test_report_gates_on_corrected_pass_rate_tpr_and_tnr() -> None:
    human, judge, judge_run = _frames()
    report = alignment_report(human, judge, judge_name="j", judge_run=judge_run, n_boot=200)
    sec = report["pass_rate"]
    assert sec["positive"] == "pass" and sec["run_cases"] == 2000 and sec["labelled"] == 60
    assert "By human standards" in sec["summary"][0]
    low = sec["corrected"]["ci_low"]
    ok = gate_block(report, [f"corrected_pass_rate={low - 0.01:.3f}", "tpr=0.5"])
    assert ok["passed"], ok["reasons"]
    bad = gate_block(report, ["tnr=0.99"])
    assert not bad["passed"] and bad["reasons"][0].startswith("tnr: ci_low")
    assert parse_thresholds(["rogan_gladen_pass_rate=0.4"]) == {"rogan_gladen_pass_rate": 0.4}


def test_unknown_positive_label_is_a_clear_error_and_no_pass_label_warns() -> None:
    human, judge, judge_run = _frames()
    with pytest.raises(ValueError, match="positive label 'ok'"):
        alignment_report(human, judge, judge_name="j", judge_run=judge_run, positive="ok")
    odd = human.assign(label=human["label"].map({"PASS": "A", "fail": "B"}))
    oddj = judge.assign(label=judge["label"].map({"PASS": "A", "fail": "B"}))
    oddr = judge_run.assign(label=judge_run["label"].map({"PASS": "A", "fail": "B"}))
    report = alignment_report(odd, oddj, judge_name="j", judge_run=oddr, n_boot=0)
    assert report["pass_rate"] is None
    assert any("--positive" in w for w in report["warnings"])
    named = alignment_report(odd, oddj, judge_name="j", judge_run=oddr, n_boot=0, positive="a")
    assert named["pass_rate"]["positive"] == "a"


def test_cli_align_reports_the_pass_rate_and_gates_on_tpr(tmp_path: Path) -> None:
    rows = ["case_id,input,output,label:llm_judge"]
    labels = ["case_id,annotator,label"]
    rng = np.random.default_rng(2)
    for k in range(80):
        human = rng.random() < 0.6
        judge = human if rng.random() < 0.85 else not human
        rows.append(f"c{k},q{k},a{k},{'pass' if judge else 'fail'}")
        if k < 40:
            labels.append(f"c{k},ann,{'pass' if human else 'fail'}")
    (tmp_path / "run.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "labels.csv").write_text("\n".join(labels) + "\n")
    db = tmp_path / "eg.duckdb"

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "evalguard_core", *args, "--db", str(db)],
            capture_output=True, text=True, timeout=180,
        )  # fmt: skip

    run_id = cli("import", str(tmp_path / "run.csv")).stdout.strip()
    assert cli("labels", "import", str(tmp_path / "labels.csv"), "--run", run_id).returncode == 0
    base = ["align", "--run", run_id, "--judge", "llm_judge", "--n-boot", "200"]
    out = cli(*base, "--json")
    assert out.returncode == 0, out.stderr
    sec = json.loads(out.stdout)["pass_rate"]
    assert sec["run_cases"] == 80 and sec["labelled"] == 40
    text = cli(*base)
    assert "corrected_pass_rate (PPI++)" in text.stdout and "By human standards" in text.stdout
    failed = cli(*base, "--fail-under", "tpr=0.99")
    assert failed.returncode == 1 and "tpr: ci_low" in failed.stderr
    bad = cli(*base, "--positive", "nope")
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    seq = cli(*base, "--sequential", "--fail-under", "accuracy=0.5", "--allow-small", "--json")
    decided = json.loads(seq.stdout)["sequential"]["decisions"]["accuracy"]["decided"]
    assert decided in ("pass", "not yet") and seq.returncode == (0 if decided == "pass" else 1)
    kappa = cli(*base, "--sequential", "--fail-under", "cohen_kappa=0.5")
    assert kappa.returncode == 2 and "sequential gating supports" in kappa.stderr


def test_sequential_false_pass_at_the_bar_stays_under_2_5_percent_over_10_looks() -> None:
    # The judge's accuracy is exactly the bar; the gate is re-run after each of 10 batches of 30.
    rng = np.random.default_rng(0)
    reps, passes = 600, 0
    for _ in range(reps):
        x = (rng.random(300) < 0.8).astype(float)
        low, _ = eb_bounds(x, 0.025)
        passes += bool((low[29::30] >= 0.8).any())
    assert passes / reps <= 0.025
    # A clearly better judge is decided within those looks, and the CS contains the truth.
    x = (rng.random(300) < 0.95).astype(float)
    low, high = eb_bounds(x, 0.025)
    assert low[-1] >= 0.8 and (low <= 0.95).all() and (high >= 0.95).all()


def test_sequential_section_decides_and_plans() -> None:
    rng = np.random.default_rng(4)
    ref = (rng.random(200) < 0.5).astype(np.int64)
    good = np.where(rng.random(200) < 0.97, ref, 1 - ref)
    sec = sequential_section(
        ref, good, positive_code=1, bars={"accuracy": 0.8}, alpha=0.025, seed=0
    )
    assert sec["decisions"]["accuracy"]["decided"] == "pass"
    early = sequential_section(
        ref[:40], good[:40], positive_code=1, bars={"accuracy": 0.8, "tpr": 0.8}, alpha=0.025,
        seed=0,
    )  # fmt: skip
    d = early["decisions"]["tpr"]
    assert d["decided"] == "not yet" and 0 < d["more_labels_needed"] < 2000
    assert "not decided yet" in early["summary"][1]
    bad = np.where(rng.random(200) < 0.5, ref, 1 - ref)
    failed = sequential_section(
        ref, bad, positive_code=1, bars={"accuracy": 0.8}, alpha=0.025, seed=0
    )
    assert failed["decisions"]["accuracy"]["decided"] == "fail"


def test_sequential_report_gates_on_the_confidence_sequence() -> None:
    human, judge, judge_run = _frames(n_labelled=120)
    fixed = alignment_report(human, judge, judge_name="j", judge_run=judge_run, n_boot=0)
    seq = alignment_report(
        human, judge, judge_name="j", judge_run=judge_run, n_boot=0,
        sequential={"accuracy": 0.7},
    )  # fmt: skip
    entry = seq["sequential"]["metrics"]["accuracy"]
    assert entry["value"] == pytest.approx(fixed["metrics"]["accuracy"]["value"])
    # Anytime validity costs width: the CS is wider than the fixed-n Wilson interval.
    assert entry["ci_low"] < fixed["metrics"]["accuracy"]["ci_low"]
    block = gate_block(seq, [f"accuracy={entry['ci_low'] + 0.001:.4f}"])
    assert not block["passed"]
