"""Benchmark: full alignment reports, 1,000 resamples, on 100k paired labels or scores.

Run from the repo root: `python bench/alignment.py`. Prints one JSON object.
Synthetic, seeded data:
- categorical: 100k items on a 1-5 rating scale, three human raters per item who agree with a
  latent truth ~80% of the time, a judge that agrees ~70% of the time, and a 4-stratum sampling
  design, so every section of the report (metrics, inter-rater, weighted, per-stratum) runs;
- continuous_1_rater / continuous_3_raters: 100k distinct continuous scores (every item its own
  bootstrap type: the expensive case), one or three human raters.
Each case must finish within TARGET_SECONDS.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from evalguard_core.alignment import alignment_report  # noqa: E402

N = 100_000
N_BOOT = 1_000
TARGET_SECONDS = 2.0
LEVELS = 5


def _noisy(truth: np.ndarray, keep: float, rng: np.random.Generator) -> np.ndarray:
    """Truth with probability `keep`, else a uniformly random level."""
    return np.where(rng.random(truth.size) < keep, truth, rng.integers(1, LEVELS + 1, truth.size))


def make_data(seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Seeded synthetic human (long), judge and design frames."""
    rng = np.random.default_rng(seed)
    items = np.array([f"case-{i}" for i in range(N)], dtype=object)
    truth = rng.integers(1, LEVELS + 1, N)
    human = pd.DataFrame(
        {
            "item": np.tile(items, 3),
            "rater": np.repeat(["ann1", "ann2", "ann3"], N),
            "label": np.concatenate([_noisy(truth, 0.8, rng) for _ in range(3)]).astype(str),
            "score": np.nan,
        }
    )
    judge = pd.DataFrame(
        {"item": items, "label": _noisy(truth, 0.7, rng).astype(str), "score": np.nan}
    )
    strata = rng.integers(0, 4, N)
    design = pd.DataFrame(
        {
            "item": items,
            "stratum": np.array(["low", "mid", "high", "edge"], dtype=object)[strata],
            "inclusion_prob": np.array([0.05, 0.1, 0.2, 0.5])[strata],
        }
    )
    return human, judge, design


def make_scores(raters: int, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Seeded continuous scores: `raters` humans and a judge around a latent truth."""
    rng = np.random.default_rng(seed)
    truth = rng.uniform(0, 1, N)
    human = pd.concat(
        [
            pd.DataFrame(
                {"item": np.arange(N), "rater": f"r{r}", "score": truth + rng.normal(0, 0.1, N)}
            )
            for r in range(raters)
        ]
    )
    judge = pd.DataFrame({"item": np.arange(N), "score": truth + rng.normal(0, 0.2, N)})
    return human, judge


def _time(fn: Callable[[], dict]) -> tuple[float, dict]:
    """Seconds one report takes, and the report."""
    start = time.perf_counter()
    report = fn()
    return time.perf_counter() - start, report


def main() -> None:
    """Time the three reports and print the benchmark JSON."""
    human, judge, design = make_data()
    cases = {}
    seconds, report = _time(
        lambda: alignment_report(
            human, judge, judge_name="bench-judge", design=design, n_boot=N_BOOT, seed=0
        )
    )
    assert report["n"] > 0.9 * N
    cases["categorical"] = round(seconds, 3)
    for raters in (1, 3):
        h, j = make_scores(raters)
        seconds, report = _time(
            lambda h=h, j=j: alignment_report(h, j, judge_name="bench-judge", n_boot=N_BOOT)
        )
        assert report["n"] == N and report["label_type"] == "interval"
        cases[f"continuous_{raters}_rater{'s' if raters > 1 else ''}"] = round(seconds, 3)
    print(
        json.dumps(
            {
                "benchmark": "alignment",
                "n": N,
                "n_boot": N_BOOT,
                "seconds": max(cases.values()),
                "cases": cases,
                "target_seconds": TARGET_SECONDS,
                "ok": all(s <= TARGET_SECONDS for s in cases.values()),
            }
        )
    )


if __name__ == "__main__":
    main()
