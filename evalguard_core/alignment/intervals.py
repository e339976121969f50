"""Confidence intervals: which method per metric, and the metric entries."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import stats
from statsmodels.stats.proportion import proportion_confint

from evalguard_core.alignment.common import FloatArray
from evalguard_core.alignment.resample import Draws


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


def bca_interval(
    value: float, reps: FloatArray, jack: FloatArray | None, confidence: float
) -> tuple[float | None, float | None, str]:
    """Bias-corrected and accelerated (BCa) bootstrap interval; percentile when BCa is undefined.

    scipy.stats.bootstrap computes the same interval but resamples the raw data itself; ours are
    drawn as counts per unit type (see resample.py), so the formula (Efron 1987) is applied to
    those replicates, with the acceleration from the (grouped) jackknife.
    """
    finite = reps[np.isfinite(reps)]
    if finite.size == 0:
        return None, None, "bootstrap"
    tail = (1.0 - confidence) / 2.0
    below = (np.count_nonzero(finite < value) + 0.5 * np.count_nonzero(finite == value)) / len(
        finite
    )
    if jack is None or not 0.0 < below < 1.0:
        lo, hi = np.quantile(finite, [tail, 1.0 - tail])
        return float(lo), float(hi), "bootstrap"
    z0 = float(stats.norm.ppf(below))
    jf = jack[np.isfinite(jack)]
    accel = 0.0
    if len(jf) >= 3:
        d = jf.mean() - jf
        den = 6.0 * float((d**2).sum()) ** 1.5
        accel = float((d**3).sum()) / den if den > 0 else 0.0
    z = stats.norm.ppf([tail, 1.0 - tail])
    adj = stats.norm.cdf(z0 + (z0 + z) / (1.0 - accel * (z0 + z)))
    if not np.isfinite(adj).all():
        lo, hi = np.quantile(finite, [tail, 1.0 - tail])
        return float(lo), float(hi), "bootstrap"
    lo, hi = np.quantile(finite, adj)
    return float(lo), float(hi), "bca"


def _metric(value: float, reps: Draws | FloatArray | None, confidence: float) -> dict[str, Any]:
    """A bootstrap metric entry: BCa when the jackknife is there, else percentile."""
    if not math.isfinite(value):
        return {"value": None, "ci_low": None, "ci_high": None, "method": "bootstrap"}
    if reps is None:
        return {"value": float(value), "ci_low": None, "ci_high": None, "method": "bootstrap"}
    draws = reps if isinstance(reps, Draws) else Draws(np.asarray(reps, dtype=np.float64))
    lo, hi, method = bca_interval(float(value), draws.reps, draws.jack, confidence)
    return {"value": float(value), "ci_low": lo, "ci_high": hi, "method": method}


def _wilson(successes: float, trials: int, confidence: float) -> dict[str, Any]:
    """A proportion with its Wilson score interval (independent trials)."""
    if trials <= 0:
        return {"value": None, "ci_low": None, "ci_high": None, "method": "wilson"}
    count = int(round(successes))
    lo, hi = proportion_confint(count, trials, alpha=1.0 - confidence, method="wilson")
    return {"value": count / trials, "ci_low": float(lo), "ci_high": float(hi), "method": "wilson"}


def _entries(
    points: dict[str, float], reps: dict[str, Draws], confidence: float
) -> dict[str, dict[str, Any]]:
    """Metric entries for every point value, with bootstrap CIs."""
    return {name: _metric(v, reps.get(name), confidence) for name, v in points.items()}
