"""Confidence intervals: which method per metric, and the metric entries."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from statsmodels.stats.proportion import proportion_confint

from evalguard_core.alignment.common import FloatArray


def _percentile_ci(reps: FloatArray | None, confidence: float) -> tuple[float | None, ...]:
    """Percentile interval of the finite replicates (None when there are none)."""
    if reps is None:
        return None, None
    finite = reps[np.isfinite(reps)]
    if finite.size == 0:
        return None, None
    tail = (1.0 - confidence) / 2.0
    lo, hi = np.quantile(finite, [tail, 1.0 - tail])
    return float(lo), float(hi)


def _metric(value: float, reps: FloatArray | None, confidence: float) -> dict[str, Any]:
    """A bootstrap metric entry."""
    if not math.isfinite(value):
        return {"value": None, "ci_low": None, "ci_high": None, "method": "bootstrap"}
    lo, hi = _percentile_ci(reps, confidence)
    return {"value": float(value), "ci_low": lo, "ci_high": hi, "method": "bootstrap"}


def _wilson(successes: float, trials: int, confidence: float) -> dict[str, Any]:
    """A proportion with its Wilson score interval (independent trials)."""
    if trials <= 0:
        return {"value": None, "ci_low": None, "ci_high": None, "method": "wilson"}
    count = int(round(successes))
    lo, hi = proportion_confint(count, trials, alpha=1.0 - confidence, method="wilson")
    return {"value": count / trials, "ci_low": float(lo), "ci_high": float(hi), "method": "wilson"}


def _entries(
    points: dict[str, float], reps: dict[str, FloatArray], confidence: float
) -> dict[str, dict[str, Any]]:
    """Metric entries for every point value, with bootstrap CIs."""
    return {name: _metric(v, reps.get(name), confidence) for name, v in points.items()}
