"""The Alternative Annotator Test (Calderon, Reichart & Dror, ACL 2025), reimplemented.

Leave one human rater out at a time and ask who represents the remaining raters better on the
items the left-out rater labelled: the judge or that rater. Per item, the alignment score of an
annotation with the remaining raters is accuracy (the share of them it equals) for labels and
negative RMSE for scores. The judge's indicator is 1 when its score is >= the rater's, the
rater's when the rater's is >= the judge's. Per rater, a one-sided one-sample t-test of
(rater indicator - judge indicator) against epsilon (H0: mean >= epsilon; epsilon is the
cost-benefit allowance given to the judge) gives a p-value; the Benjamini-Yekutieli procedure
at q = 0.05 over the raters decides where the judge wins. Winning rate = share of raters where
the judge wins (it passes at >= 0.5); average advantage probability = mean over raters of the
share of items where the judge's indicator is 1.

This follows the authors' reference code (github.com/nitaytech/AltTest, `alt_test`); the one
deviation (docs/adr/0017): a constant difference series has no t statistic (SciPy returns NaN,
which never rejects); we take the limit instead, p = 0 when the constant is below epsilon
and p = 1 otherwise, so a judge that always ties the rater is not failed for lack of variance.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.stats import ttest_1samp

from evalguard_core.alignment.common import FloatArray

MIN_RATERS = 3
MIN_ITEMS_PER_RATER = 30  # the paper's floor for the t-test's normality
MIN_RATERS_PER_ITEM = 2
Q_FDR = 0.05


def by_rejections(p_values: list[float], q: float = Q_FDR) -> list[int]:
    """Indices rejected by the Benjamini-Yekutieli step-up procedure at FDR level q."""
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    if m == 0:
        return []
    order = np.argsort(p, kind="stable")
    harmonic = float(np.sum(1.0 / np.arange(1, m + 1)))
    thresholds = np.arange(1, m + 1) / m * (q / harmonic)
    below = np.flatnonzero(p[order] <= thresholds)
    if len(below) == 0:
        return []
    return sorted(int(i) for i in order[: below[-1] + 1])


def _p_value(diff: FloatArray, epsilon: float) -> float:
    """One-sided t-test p-value of H0: mean(diff) >= epsilon (limit for constant input)."""
    if np.ptp(diff) == 0:
        return 0.0 if float(diff[0]) < epsilon else 1.0
    return float(ttest_1samp(diff, epsilon, alternative="less").pvalue)


def _scores(values: npt.NDArray[Any], others: npt.NDArray[Any], categorical: bool) -> FloatArray:
    """Alignment of one annotation per item with the other raters' (items x raters, masked)."""
    present = others >= 0 if categorical else ~np.isnan(others)
    count = present.sum(axis=1)
    if categorical:
        return ((others == values[:, None]) & present).sum(axis=1) / count
    sq = np.where(present, (others - values[:, None]) ** 2, 0.0)
    return -np.sqrt(sq.sum(axis=1) / count)


def alt_test_section(
    human: npt.NDArray[Any],
    judge: npt.NDArray[Any],
    raters: list[str],
    *,
    categorical: bool,
    epsilon: float,
    q_fdr: float = Q_FDR,
    min_items: int = MIN_ITEMS_PER_RATER,
) -> dict[str, Any]:
    """The alt-test on aligned data: human (items x raters; -1 / NaN missing), judge (items)."""
    if not 0.0 <= epsilon < 1.0:
        raise ValueError("alt-test epsilon must be in [0, 1)")
    rated = human >= 0 if categorical else ~np.isnan(human)
    judged = judge >= 0 if categorical else ~np.isnan(judge)
    keep = judged & (rated.sum(axis=1) >= MIN_RATERS_PER_ITEM)
    rows: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    for j, name in enumerate(raters):
        sel = keep & rated[:, j]
        n = int(sel.sum())
        if n < min_items:
            skipped.append({"rater": name, "n": n})
            continue
        others = np.delete(human[sel], j, axis=1)
        rater_score = _scores(human[sel, j], others, categorical)
        judge_score = _scores(judge[sel], others, categorical)
        judge_ind = (judge_score >= rater_score).astype(np.float64)
        rater_ind = (rater_score >= judge_score).astype(np.float64)
        rows.append(
            {
                "rater": name,
                "n": n,
                "judge_advantage_probability": float(judge_ind.mean()),
                "rater_advantage_probability": float(rater_ind.mean()),
                "p_value": _p_value(rater_ind - judge_ind, epsilon),
            }
        )
    wins = set(by_rejections([r["p_value"] for r in rows], q_fdr))
    for i, row in enumerate(rows):
        row["judge_wins"] = i in wins
    winning = len(wins) / len(rows) if rows else None
    rho = float(np.mean([r["judge_advantage_probability"] for r in rows])) if rows else None
    section: dict[str, Any] = {
        "epsilon": epsilon,
        "q_fdr": q_fdr,
        "scoring": "accuracy" if categorical else "negative RMSE",
        "min_items_per_rater": min_items,
        "n_items": int(keep.sum()),
        "raters": rows,
        "skipped_raters": skipped,
        "winning_rate": winning,
        "advantage_probability": rho,
        "passed": None if winning is None else bool(winning >= 0.5),
    }
    section["summary"] = _summary(section)
    return section


def _summary(section: dict[str, Any]) -> list[str]:
    """Plain words: can the judge replace a human rater, then the numbers."""
    eps = section["epsilon"]
    rows = section["raters"]
    if not rows:
        return [
            f"Alt-test not run: no rater has {section['min_items_per_rater']} items shared with "
            "the judge and at least one other rater."
        ]
    won = sum(r["judge_wins"] for r in rows)
    verdict = (
        "The judge can replace a human rater"
        if section["passed"]
        else "The judge cannot yet replace a human rater"
    )
    lines = [
        f"{verdict} (alt-test, ε = {eps:g}): it represents the other raters at least as well "
        f"as the left-out rater for {won} of {len(rows)} raters (winning rate "
        f"{section['winning_rate']:.2f}; passes at ≥ 0.5).",
        f"Average advantage probability {section['advantage_probability']:.2f}: the share of "
        "items where the judge matches the others at least as well as the left-out rater.",
    ]
    if section["skipped_raters"]:
        names = ", ".join(str(s["rater"]) for s in section["skipped_raters"][:5])
        lines.append(f"Left out for too few shared items: {names}.")
    return lines
