"""Kendall's tau on many distinct scores: the large-sample interval past the exact budget."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from evalguard_core.alignment import alignment_report


def test_large_continuous_kendall_interval_matches_fieller_hartley_pearson() -> None:
    rng = np.random.default_rng(3)
    n = 5000  # 5,000 distinct values x 1,000 resamples is past the exact per-resample budget
    truth = rng.uniform(0, 1, n)
    human_scores = truth + rng.normal(0, 0.1, n)
    judge_scores = truth + rng.normal(0, 0.2, n)
    human = pd.DataFrame({"item": np.arange(n), "rater": "h", "label": None, "score": human_scores})
    judge = pd.DataFrame({"item": np.arange(n), "label": None, "score": judge_scores})
    report = alignment_report(human, judge, judge_name="j", n_boot=1000, seed=1)
    tau = report["metrics"]["kendall_tau"]
    expected = stats.kendalltau(human_scores, judge_scores).statistic
    assert tau["value"] == expected
    se = math.sqrt(0.437 / (n - 4))
    half_width = (
        math.tanh(math.atanh(expected) + 1.96 * se) - math.tanh(math.atanh(expected) - 1.96 * se)
    ) / 2
    assert tau["ci_low"] < expected < tau["ci_high"]
    assert abs((tau["ci_high"] - tau["ci_low"]) / 2 - half_width) < 0.15 * half_width
