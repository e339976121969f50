"""Rank correlations on many distinct scores: exact jackknife intervals, one method per report."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from evalguard_core.alignment import alignment_report
from evalguard_core.alignment.ranks import leave_one_out


def _frames(h: np.ndarray, j: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    n = len(h)
    human = pd.DataFrame({"item": np.arange(n), "rater": "h", "label": None, "score": h})
    judge = pd.DataFrame({"item": np.arange(n), "label": None, "score": j})
    return human, judge


def test_leave_one_out_matches_scipy_with_ties_and_without() -> None:
    rng = np.random.default_rng(0)
    for x, y in (
        (rng.normal(size=40), rng.normal(size=40)),
        (rng.integers(0, 5, 50).astype(float), rng.integers(0, 3, 50).astype(float)),
    ):
        loo = leave_one_out(x, y)
        for i in range(len(x)):
            xi, yi = np.delete(x, i), np.delete(y, i)
            assert math.isclose(loo["kendall_tau"][i], stats.kendalltau(xi, yi).statistic)
            assert math.isclose(loo["spearman"][i], stats.spearmanr(xi, yi).statistic)


def test_large_continuous_rank_intervals_are_the_jackknife_on_fisher_z() -> None:
    # Defect 3: past the grid budget the interval was normal-theory (0.437 / (n - 4)), chosen per
    # chunk of resamples and centred on 5 resamples. Now: the point value, the exact jackknife.
    rng = np.random.default_rng(3)
    n = 700
    truth = rng.exponential(1.0, n)  # skewed: not bivariate normal
    h = truth + rng.exponential(0.3, n)
    j = truth**2 + rng.normal(0, 0.5, n)
    human, judge = _frames(h, j)
    report = alignment_report(human, judge, judge_name="j", n_boot=200, seed=1)
    for name, fn in (("kendall_tau", stats.kendalltau), ("spearman", stats.spearmanr)):
        entry = report["metrics"][name]
        value = fn(h, j).statistic
        assert entry["value"] == value and entry["method"] == "jackknife"
        loo = np.array([fn(np.delete(h, i), np.delete(j, i)).statistic for i in range(n)])
        se = math.sqrt((n - 1) / n * ((loo - loo.mean()) ** 2).sum())
        half = 1.959963984540054 * se / (1 - value**2)
        assert math.isclose(entry["ci_low"], math.tanh(math.atanh(value) - half), rel_tol=1e-9)
        assert math.isclose(entry["ci_high"], math.tanh(math.atanh(value) + half), rel_tol=1e-9)
