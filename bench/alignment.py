"""Benchmark: full alignment report, 1,000 bootstrap resamples on 100k paired labels.

Run from the repo root: `python bench/alignment.py`. Prints one JSON object.
Synthetic, seeded data: 100k items on a 1-5 rating scale, three human raters per item who agree
with a latent truth ~80% of the time, a judge that agrees ~70% of the time, and a 4-stratum
sampling design, so every section of the report (metrics, inter-rater, weighted, per-stratum) is
computed.
"""

from __future__ import annotations

import json
import sys
import time
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


def main() -> None:
    """Time one full report and print the benchmark JSON."""
    human, judge, design = make_data()
    start = time.perf_counter()
    report = alignment_report(
        human, judge, judge_name="bench-judge", design=design, n_boot=N_BOOT, seed=0
    )
    seconds = time.perf_counter() - start
    assert report["n"] > 0.9 * N
    print(
        json.dumps(
            {
                "benchmark": "alignment",
                "n": N,
                "n_boot": N_BOOT,
                "seconds": round(seconds, 3),
                "target_seconds": TARGET_SECONDS,
                "ok": seconds <= TARGET_SECONDS,
            }
        )
    )


if __name__ == "__main__":
    main()
