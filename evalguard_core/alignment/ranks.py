"""Rank correlations on many distinct scores: exact leave-one-out values in O(n log² n).

Re-ranking every bootstrap resample of 100k continuous scores costs seconds per metric, and a
normal-theory interval for Kendall's tau is only right for bivariate-normal data. The jackknife
needs no resampling: every leave-one-out Kendall's tau-b and Spearman's rho follows from
per-item counts of the other items above / below it on each axis (ties as in SciPy), which a
vectorised merge count gives for all items at once. The jackknife standard error is
distribution-free; the interval is taken on Fisher's z scale so it stays inside [-1, 1].
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import stats

from evalguard_core.alignment.common import FloatArray, IntArray


def _dense(values: FloatArray) -> IntArray:
    """Dense ranks 0..k-1 (ties share a rank)."""
    return np.unique(values, return_inverse=True)[1].reshape(-1).astype(np.int64)


def _count_less_before(v: IntArray) -> IntArray:
    """For each position i: how many positions j < i hold a smaller value (bottom-up merge)."""
    n = len(v)
    out = np.zeros(n, dtype=np.int64)
    if n < 2:
        return out
    vals = v.astype(np.int64).copy()
    orig = np.arange(n, dtype=np.int64)
    pos = np.arange(n, dtype=np.int64)
    big = 2 * (int(vals.max()) + 2)
    size = 1
    while size < n:
        # Blocks of `size` are sorted; merge pairs of them with one stable sort (timsort sees the
        # runs), right elements before equal left ones, and count for each right element the
        # left elements merged before it: those are exactly the smaller ones.
        block = (pos // (2 * size)) * (2 * size)
        is_left = (pos // size) % 2 == 0
        key = (pos // (2 * size)) * big + 2 * vals + is_left
        order = np.argsort(key, kind="stable")
        vals = vals[order]
        orig = orig[order]
        left = is_left[order]
        c = np.cumsum(left)
        before = c - left - np.where(block > 0, c[np.maximum(block - 1, 0)], 0)
        out[orig[~left]] += before[~left]
        size *= 2
    return out


def _both_less(rx: IntArray, ry: IntArray) -> IntArray:
    """#{j: x_j < x_i and y_j < y_i} for every i (dense ranks in)."""
    # Ordering by x ascending, then y descending, puts equal-x items before i only when their y
    # is not smaller, so "smaller y before i" counts strictly smaller x and y.
    order = np.lexsort((-ry, rx))
    counts = np.empty(len(rx), dtype=np.int64)
    counts[order] = _count_less_before(ry[order])
    return counts


def _within_group(g: IntArray, v: IntArray) -> tuple[IntArray, IntArray]:
    """For each i: #{j in i's group g with v_j < v_i} and #{... with v_j > v_i}."""
    n = len(v)
    big = int(v.max()) + 2 if n else 1
    key = g * big + v
    order = np.argsort(key, kind="stable")
    srt = key[order]
    idx = np.arange(n)
    # First / one-past-last sorted position of each run of equal keys and of each group.
    new_key = np.r_[True, srt[1:] != srt[:-1]]
    key_first = np.maximum.accumulate(np.where(new_key, idx, 0))
    key_end = np.minimum.accumulate(np.where(np.r_[srt[1:] != srt[:-1], True], idx + 1, n)[::-1])[
        ::-1
    ]
    gs = srt // big
    new_g = np.r_[True, gs[1:] != gs[:-1]]
    g_first = np.maximum.accumulate(np.where(new_g, idx, 0))
    g_end = np.minimum.accumulate(np.where(np.r_[gs[1:] != gs[:-1], True], idx + 1, n)[::-1])[::-1]
    less = np.empty(n, dtype=np.int64)
    greater = np.empty(n, dtype=np.int64)
    less[order] = key_first - g_first
    greater[order] = g_end - key_end
    return less, greater


def _group_sizes(r: IntArray) -> IntArray:
    """Size of each item's tie group."""
    return np.bincount(r)[r]


def _above_sum(r: IntArray, w: FloatArray) -> FloatArray:
    """For each i: sum of w_j over items with a strictly larger rank r_j."""
    tot = np.bincount(r, weights=w)
    suffix = np.cumsum(tot[::-1])[::-1]
    return np.append(suffix, 0.0)[r + 1]


def _midranks(r: IntArray) -> FloatArray:
    """1-based average ranks from dense ranks."""
    sizes = np.bincount(r).astype(np.float64)
    below = np.cumsum(sizes) - sizes
    return (below + (sizes + 1.0) / 2.0)[r]


def leave_one_out(x: FloatArray, y: FloatArray) -> dict[str, FloatArray]:
    """Kendall's tau-b and Spearman's rho of the sample with each item left out in turn."""
    n = len(x)
    rx, ry = _dense(x), _dense(y)
    ll = _both_less(rx, ry)
    gg = _both_less(rx.max() - rx, ry.max() - ry)
    tgx, tgy = _group_sizes(rx), _group_sizes(ry)
    x_less = np.cumsum(np.bincount(rx))[rx] - tgx  # #{x_j < x_i}
    x_more = n - x_less - tgx
    # Within ties of y: how many have smaller / larger x; within ties of x: larger y.
    xl_in_y, xg_in_y = _within_group(ry, rx)
    _, yg_in_x = _within_group(rx, ry)
    lg = x_less - ll - xl_in_y  # x smaller, y larger
    gl = x_more - gg - xg_in_y  # x larger, y smaller
    s = (ll + gg - lg - gl).astype(np.float64)
    total_s = s.sum() / 2.0
    tx = float((np.bincount(rx) * (np.bincount(rx) - 1.0) / 2.0).sum())
    ty = float((np.bincount(ry) * (np.bincount(ry) - 1.0) / 2.0).sum())
    n0 = (n - 1.0) * (n - 2.0) / 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        tau = (total_s - s) / np.sqrt((n0 - (tx - (tgx - 1.0))) * (n0 - (ty - (tgy - 1.0))))

    # Spearman: item i leaves, the others' midranks drop by 1 above it and by 1/2 in its ties.
    a, b = _midranks(rx), _midranks(ry)
    same_xy = _group_sizes(_dense((rx * (int(ry.max()) + 1) + ry).astype(np.float64)))
    a_above_y = _above_sum(ry, a)  # sum of a_j over y_j > y_i
    b_above_x = _above_sum(rx, b)
    a_tie_y = np.bincount(ry, weights=a)[ry] - a  # sum of a_j over y_j = y_i, j != i
    b_tie_x = np.bincount(rx, weights=b)[rx] - b
    a_above_x = _above_sum(rx, a)
    a_tie_x = np.bincount(rx, weights=a)[rx] - a
    b_above_y = _above_sum(ry, b)
    b_tie_y = np.bincount(ry, weights=b)[ry] - b
    uv = gg + 0.5 * xg_in_y + 0.5 * yg_in_x + 0.25 * (same_xy - 1.0)
    sab = (a * b).sum() - a * b - (a_above_y + 0.5 * a_tie_y) - (b_above_x + 0.5 * b_tie_x) + uv
    saa = (a * a).sum() - a * a - 2.0 * (a_above_x + 0.5 * a_tie_x) + x_more + 0.25 * (tgx - 1.0)
    sbb = (b * b).sum() - b * b - 2.0 * (b_above_y + 0.5 * b_tie_y)
    y_more = n - np.cumsum(np.bincount(ry))[ry]
    sbb = sbb + y_more + 0.25 * (tgy - 1.0)
    m = n / 2.0  # mean of the n - 1 remaining midranks
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = (sab - (n - 1.0) * m * m) / np.sqrt(
            (saa - (n - 1.0) * m * m) * (sbb - (n - 1.0) * m * m)
        )
    return {"kendall_tau": tau, "spearman": rho}


def jackknife_entry(
    value: float, loo: FloatArray, confidence: float, correlation: bool = True
) -> dict[str, Any]:
    """A statistic with its jackknife interval (a correlation's on Fisher's z scale)."""
    entry: dict[str, Any] = {"value": value, "ci_low": None, "ci_high": None}
    entry["method"] = "jackknife"
    finite = loo[np.isfinite(loo)]
    n = len(finite)
    if not math.isfinite(value) or n < 3:
        return entry
    se = math.sqrt((n - 1.0) / n * float(((finite - finite.mean()) ** 2).sum()))
    q = float(stats.norm.ppf(0.5 + confidence / 2.0))
    if not correlation:
        return {**entry, "ci_low": value - q * se, "ci_high": value + q * se}
    if abs(value) >= 1.0:
        return {**entry, "ci_low": value, "ci_high": value}
    half = q * se / (1.0 - value * value)
    centre = math.atanh(value)
    return {**entry, "ci_low": math.tanh(centre - half), "ci_high": math.tanh(centre + half)}


def rank_jackknife(x: FloatArray, y: FloatArray, confidence: float) -> dict[str, dict[str, Any]]:
    """Spearman and Kendall entries with jackknife intervals (the values are SciPy's)."""
    loo = leave_one_out(x, y)
    with np.errstate(all="ignore"):
        values = {
            "spearman": float(stats.spearmanr(x, y).statistic),
            "kendall_tau": float(stats.kendalltau(x, y).statistic),
        }
    return {name: jackknife_entry(values[name], loo[name], confidence) for name in values}
