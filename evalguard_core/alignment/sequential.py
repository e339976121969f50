"""Label until decided: anytime-valid confidence sequences for gate metrics that are means.

A confidence sequence (CS) holds at every sample size at once, so the gate may be re-run after
each labelling batch and stop as soon as it is decided, without the false passes of re-testing a
fixed-n interval (ADR 0014). We use the predictable plug-in empirical-Bernstein CS of
Waudby-Smith & Ramdas (2023, JRSS-B, Theorem 2) for the mean of [0, 1] observations, one-sided
at level α for each bound, with the running intersection over looks.

Supported: metrics that are means of a bounded per-item quantity in the labelling order:
accuracy (judge = reference), tpr (judge pass on human-pass items), tnr (judge fail on
human-fail items), human_pass_rate. Not supported: κ, α, AC1, F1, correlations (not means of
per-item quantities: their per-item contributions depend on the whole sample's marginals) and
design-weighted figures (the weights change as strata fill, so the observations are not a
fixed sequence).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from evalguard_core.alignment.common import SEQUENTIAL_METRICS, FloatArray

__all__ = ["SEQUENTIAL_METRICS", "eb_bounds", "sequential_section"]
# Cap on λ_t (Waudby-Smith & Ramdas' c = 1/2, or 3/4): keeps log(1 − λ) finite.
LAMBDA_CAP = 0.5
# The planner looks this far ahead at most.
PLAN_MAX = 20000


def eb_bounds(x: FloatArray, alpha: float) -> tuple[FloatArray, FloatArray]:
    """Lower and upper one-sided (1 − α) PrPl-EB confidence sequences after each observation.

    Running intersection: the lower bound never falls, the upper never rises.
    """
    x = np.asarray(x, dtype=np.float64)
    t = np.arange(1, len(x) + 1, dtype=np.float64)
    # Predictable plug-ins: μ̂ and σ̂² use observations before t (priors 1/2 and 1/4).
    csum = np.concatenate([[0.0], np.cumsum(x)])
    mu = (0.5 + csum) / (np.arange(len(x) + 1) + 1.0)
    sq = np.concatenate([[0.0], np.cumsum((x - mu[:-1]) ** 2)])
    sigma2 = (0.25 + sq) / (np.arange(len(x) + 1) + 1.0)
    log_term = math.log(1.0 / alpha)
    lam = np.minimum(np.sqrt(2 * log_term / (sigma2[:-1] * t * np.log1p(t))), LAMBDA_CAP)
    psi = (-np.log1p(-lam) - lam) / 4.0
    v = 4.0 * (x - mu[:-1]) ** 2
    sum_lam = np.cumsum(lam)
    centre = np.cumsum(lam * x) / sum_lam
    margin = (log_term + np.cumsum(v * psi)) / sum_lam
    low = np.maximum.accumulate(np.clip(centre - margin, 0.0, 1.0))
    high = np.minimum.accumulate(np.clip(centre + margin, 0.0, 1.0))
    return low, high


def decide(entry: dict[str, Any], bar: float) -> str:
    """'pass' when the CS lower bound clears the bar, 'fail' when the upper is below it."""
    if entry.get("ci_low") is not None and entry["ci_low"] >= bar:
        return "pass"
    if entry.get("ci_high") is not None and entry["ci_high"] < bar:
        return "fail"
    return "not yet"


def plan_more(
    x: FloatArray, bar: float, alpha: float, seed: int = 0, paths: int = 20
) -> int | None:
    """Median number of further labels to a decision if the current rate holds (None: > cap).

    Seeded continuations drawn at the observed rate; bounded by PLAN_MAX labels and `paths`.
    """
    rng = np.random.default_rng(seed)
    p = float(np.mean(x)) if len(x) else 0.5
    needs = []
    for _ in range(paths):
        more = (rng.random(PLAN_MAX) < p).astype(np.float64)
        low, high = eb_bounds(np.concatenate([x, more]), alpha)
        done = np.flatnonzero((low[len(x) :] >= bar) | (high[len(x) :] < bar))
        needs.append(int(done[0]) + 1 if len(done) else PLAN_MAX + 1)
    need = int(np.median(needs))
    return None if need > PLAN_MAX else need


def sequence_entry(x: FloatArray, alpha: float) -> dict[str, Any]:
    """A metric entry whose bounds are the confidence sequence at the latest look."""
    if len(x) == 0:
        return {"value": None, "ci_low": None, "ci_high": None, "method": "eb-cs", "n": 0}
    low, high = eb_bounds(x, alpha)
    return {
        "value": float(np.mean(x)),
        "ci_low": float(low[-1]),
        "ci_high": float(high[-1]),
        "method": "eb-cs",
        "n": len(x),
    }


def sequential_section(
    ref: FloatArray,
    pred: FloatArray,
    *,
    positive_code: int | None,
    bars: dict[str, float],
    alpha: float,
    seed: int,
) -> dict[str, Any]:
    """CS entries for the supported metrics (observations in labelling order) and decisions."""
    series: dict[str, FloatArray] = {"accuracy": (ref == pred).astype(np.float64)}
    if positive_code is not None:
        y = ref == positive_code
        f = pred == positive_code
        series["tpr"] = f[y].astype(np.float64)
        series["tnr"] = (~f[~y]).astype(np.float64)
        series["human_pass_rate"] = y.astype(np.float64)
    metrics = {name: sequence_entry(x, alpha) for name, x in series.items()}
    decisions = {}
    for name, bar in bars.items():
        if name not in metrics:
            continue
        state = decide(metrics[name], bar)
        decisions[name] = {
            "bar": bar,
            "decided": state,
            "more_labels_needed": (
                plan_more(series[name], bar, alpha, seed) if state == "not yet" else 0
            ),
        }
    return {
        "alpha": alpha,
        "method": "predictable plug-in empirical-Bernstein confidence sequence",
        "order": "labelling order (first label time per item)",
        "metrics": metrics,
        "decisions": decisions,
        "summary": sequential_summary(decisions),
    }


def sequential_summary(decisions: dict[str, Any]) -> list[str]:
    """Plain words: decided pass / fail / not yet per gated metric, and labels still needed."""
    lines = []
    for name, d in decisions.items():
        if d["decided"] == "not yet":
            more = d["more_labels_needed"]
            hint = (
                f"about {more} more labels at the current agreement"
                if more is not None
                else f"more than {PLAN_MAX} labels: at the current agreement it may never decide"
            )
            lines.append(f"{name} ≥ {d['bar']:g}: not decided yet; {hint}.")
        else:
            lines.append(f"{name} ≥ {d['bar']:g}: decided {d['decided']} (safe to stop labelling).")
    return lines
