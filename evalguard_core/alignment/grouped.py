"""Grouped metrics: the metric within each group, the mean over groups, a cluster-bootstrap CI.

This is how Chiang & Lee (2023) report Kendall's τ on Topical-Chat: per dialogue context,
averaged. Groups where the metric is undefined (a constant side, a single item) are skipped and
counted. The interval resamples whole groups (cluster bootstrap, percentile), so items of one
group never count as independent evidence.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.metrics import cohen_kappa_score

from evalguard_core.alignment.common import FloatArray

GROUP_METRICS = {"label": ("accuracy", "cohen_kappa"), "score": ("kendall_tau", "pearson")}


def _group_value(metric: str, ref: np.ndarray, pred: np.ndarray) -> float:
    """One group's metric (NaN when undefined on it)."""
    if metric == "accuracy":
        return float(np.mean(ref == pred)) if len(ref) else math.nan
    if len(ref) < 2:
        return math.nan
    if metric == "cohen_kappa":
        if len(set(ref.tolist()) | set(pred.tolist())) < 2:
            return math.nan
        return float(cohen_kappa_score(ref, pred))
    if np.ptp(ref) == 0 or np.ptp(pred) == 0:
        return math.nan
    if metric == "kendall_tau":
        return float(stats.kendalltau(ref, pred).statistic)
    return float(stats.pearsonr(ref, pred).statistic)


def grouped_section(
    groups: np.ndarray,
    ref: np.ndarray,
    pred: np.ndarray,
    *,
    field: str,
    categorical: bool,
    n_boot: int,
    rng: np.random.Generator,
    confidence: float,
) -> dict[str, Any]:
    """Per-group metric values, their mean over defined groups, and a cluster-bootstrap CI."""
    frame = pd.DataFrame({"g": groups, "ref": ref, "pred": pred}).dropna(subset=["g"])
    names = sorted(frame["g"].unique().tolist(), key=str)
    parts = {g: frame[frame["g"] == g] for g in names}
    metrics: dict[str, Any] = {}
    for metric in GROUP_METRICS["label" if categorical else "score"]:
        values = np.array(
            [
                _group_value(metric, p["ref"].to_numpy(), p["pred"].to_numpy())
                for p in parts.values()
            ]
        )
        defined: FloatArray = values[np.isfinite(values)]
        entry: dict[str, Any] = {
            "value": float(defined.mean()) if len(defined) else None,
            "ci_low": None,
            "ci_high": None,
            "method": "cluster-bootstrap-percentile",
            "groups": len(values),
            "groups_used": len(defined),
            "groups_skipped": int(len(values) - len(defined)),
        }
        if len(defined) >= 2 and n_boot > 0:
            draws = rng.integers(0, len(defined), size=(n_boot, len(defined)))
            reps = defined[draws].mean(axis=1)
            tail = (1 - confidence) / 2
            entry["ci_low"] = float(np.quantile(reps, tail))
            entry["ci_high"] = float(np.quantile(reps, 1 - tail))
        metrics[metric] = entry
    first = next(iter(metrics.values()))
    summary = (
        f"Grouped by {field}: {first['groups_used']} of {first['groups']} groups have a defined "
        f"value ({first['groups_skipped']} skipped: constant or too small); each group counts "
        "once in the mean."
    )
    return {"field": field, "metrics": metrics, "summary": summary}
