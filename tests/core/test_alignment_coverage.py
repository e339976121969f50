"""Interval machinery check: a small seeded coverage simulation on one metric (Cohen's kappa).

The full table (every metric, n = 30..1,000, 400 replicates) is `make validate`
(bench/coverage.py); this keeps the BCa path honest in `make test` in a few seconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalguard_core.alignment import alignment_report


def _draw(rng: np.random.Generator, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    truth = rng.random(n) < 0.6
    human = np.where(rng.random(n) < 0.9, truth, ~truth)
    judge = np.where(truth, rng.random(n) < 0.85, rng.random(n) >= 0.75)
    return (
        pd.DataFrame({"item": range(n), "rater": "r", "label": np.where(human, "p", "f")}),
        pd.DataFrame({"item": range(n), "label": np.where(judge, "p", "f")}),
    )


def test_kappa_bca_interval_covers_the_truth_about_95_percent() -> None:
    human, judge = _draw(np.random.default_rng(99), 200_000)
    truth = alignment_report(human, judge, judge_name="t", n_boot=0)["metrics"]["cohen_kappa"]
    reps, covered, above = 120, 0, 0
    for rep in range(reps):
        h, j = _draw(np.random.default_rng(rep), 60)
        entry = alignment_report(h, j, judge_name="s", n_boot=300, seed=rep)["metrics"][
            "cohen_kappa"
        ]
        assert entry["method"] == "bca"
        covered += entry["ci_low"] <= truth["value"] <= entry["ci_high"]
        above += entry["ci_low"] > truth["value"]
    # 120 replicates: a 95% interval covers 109..119 times with probability > 0.99.
    assert 0.90 <= covered / reps <= 0.99
    assert above / reps <= 0.06  # one-sided miss (a gate at the truth passing) stays small
