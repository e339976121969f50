"""Vectorised metric kernels evaluated per bootstrap replicate (tested against libraries)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from scipy import sparse, stats

from evalguard_core.alignment.common import (
    _CHUNK_ELEMENTS,
    _KENDALL_GRID_LIMIT,
    _KENDALL_SMALL_N,
    NOMINAL,
    ORDINAL,
    PAIRWISE,
    FloatArray,
    IntArray,
    _div,
)


def _kripp_from_coincidence(o: FloatArray, level: str) -> FloatArray:
    """Krippendorff's alpha from coincidence matrices (b, K, K), nominal or ordinal distance."""
    n_v = o.sum(axis=2)
    n = n_v.sum(axis=1)
    k = o.shape[1]
    if level == NOMINAL:
        delta = np.broadcast_to(1.0 - np.eye(k), o.shape)
    else:
        # krippendorff's ordinal distance: (sum of marginals from c to k - (n_c + n_k)/2)^2.
        cs = np.cumsum(n_v, axis=1)
        lo = np.minimum.outer(np.arange(k), np.arange(k))
        hi = np.maximum.outer(np.arange(k), np.arange(k))
        delta = (cs[:, hi] - cs[:, lo] + (n_v[:, lo] - n_v[:, hi]) / 2.0) ** 2
    observed = (o * delta).sum(axis=(1, 2))
    expected = (n_v[:, :, None] * n_v[:, None, :] * delta).sum(axis=(1, 2))
    return 1.0 - _div((n - 1.0) * observed, expected)


@dataclass
class _Cells:
    """Distinct (reference, judge) value pairs: the support of a bootstrap for rank metrics."""

    x: FloatArray
    y: FloatArray
    gx: IntArray  # index of x among its sorted distinct values
    gy: IntArray
    nx: int
    ny: int
    one_x: sparse.csr_matrix  # (cells x distinct x) one-hot
    one_y: sparse.csr_matrix


def _cells(x: FloatArray, y: FloatArray) -> _Cells:
    """Cell table for given cell coordinates."""
    ux, gx = np.unique(x, return_inverse=True)
    uy, gy = np.unique(y, return_inverse=True)
    c = len(x)
    ones = np.ones(c)
    one_x = sparse.csr_matrix((ones, (np.arange(c), gx)), shape=(c, len(ux)))
    one_y = sparse.csr_matrix((ones, (np.arange(c), gy)), shape=(c, len(uy)))
    return _Cells(x, y, gx.astype(np.int64), gy.astype(np.int64), len(ux), len(uy), one_x, one_y)


def _midranks(margins: FloatArray) -> FloatArray:
    """Average ranks of tied groups given their counts in sorted order (b, groups)."""
    return np.cumsum(margins, axis=1) - (margins - 1.0) / 2.0


def _rank_corr(nc: FloatArray, cells: _Cells, kendall: bool) -> dict[str, FloatArray]:
    """Spearman's rho and Kendall's tau-b from cell counts (b, cells), ties as in scipy."""
    rx = np.asarray((cells.one_x.T @ nc.T).T)
    ry = np.asarray((cells.one_y.T @ nc.T).T)
    n = nc.sum(axis=1)
    mean = ((n + 1.0) / 2.0)[:, None]
    dx = _midranks(rx) - mean
    dy = _midranks(ry) - mean
    var_x = (rx * dx**2).sum(axis=1)
    var_y = (ry * dy**2).sum(axis=1)
    cov = (nc * dx[:, cells.gx] * dy[:, cells.gy]).sum(axis=1)
    out = {"spearman": _div(cov, np.sqrt(var_x * var_y))}
    if kendall:
        out["kendall_tau"] = _kendall(nc, cells, rx, ry, n)
    return out


def rank_by_bootstrap(cells: _Cells, n: int) -> bool:
    """Whether rank correlations are resampled (small grids) or get the exact jackknife.

    Decided once per report, not per chunk of resamples, so one report uses one method.
    """
    return cells.nx * cells.ny <= _KENDALL_GRID_LIMIT or n <= _KENDALL_SMALL_N


def _kendall(
    nc: FloatArray, cells: _Cells, rx: FloatArray, ry: FloatArray, n: FloatArray
) -> FloatArray:
    """Kendall's tau-b per replicate: concordant minus discordant pairs over the tie-adjusted n."""
    b = nc.shape[0]
    s = np.empty(b)
    if cells.nx * cells.ny <= _KENDALL_GRID_LIMIT:
        step = max(1, _CHUNK_ELEMENTS // (cells.nx * cells.ny))
        for start in range(0, b, step):
            part = nc[start : start + step]
            grid = np.zeros((len(part), cells.nx + 1, cells.ny + 2))
            # Padding lets "strictly greater row / column" be a shifted suffix sum.
            grid[:, cells.gx, cells.gy + 1] = part
            down = np.cumsum(grid[:, ::-1, :], axis=1)[:, ::-1, :]  # rows >= i
            se = np.cumsum(down[:, :, ::-1], axis=2)[:, :, ::-1]  # rows >= i, cols >= j
            sw = np.cumsum(down, axis=2)  # rows >= i, cols <= j
            inner = grid[:, :-1, 1:-1]
            conc = (inner * se[:, 1:, 2:]).sum(axis=(1, 2))
            disc = (inner * sw[:, 1:, :-2]).sum(axis=(1, 2))
            s[start : start + step] = conc - disc
    else:
        # Only reached for small samples (rank_by_bootstrap decides once per report): an exact
        # tau per replicate.
        for i in range(b):
            reps = nc[i].astype(np.int64)
            x, y = np.repeat(cells.x, reps), np.repeat(cells.y, reps)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tau = stats.kendalltau(x, y).statistic
            s[i] = np.nan if np.isnan(tau) else tau
        return s
    n0 = n * (n - 1.0) / 2.0
    tx = (rx * (rx - 1.0) / 2.0).sum(axis=1)
    ty = (ry * (ry - 1.0) / 2.0).sum(axis=1)
    return _div(s, np.sqrt((n0 - tx) * (n0 - ty)))


@dataclass
class _CatSpec:
    """What the categorical kernel computes: label type, classes, weights."""

    label_type: str
    categories: list[str]
    present: IntArray  # classes in the macro averages (seen on either side in the sample)
    grid: _Cells | None = None  # confusion cells as (row, column) coordinates, ordinal only
    values: FloatArray | None = None  # category values on an integer scale (else positions)

    def distances(self) -> FloatArray:
        """Absolute distances between categories: values on an integer scale, else positions."""
        v = np.arange(self.k, dtype=np.float64) if self.values is None else self.values
        return np.abs(np.subtract.outer(v, v))

    @property
    def k(self) -> int:
        """Number of categories on the scale."""
        return len(self.categories)


def _cat_spec(
    label_type: str,
    categories: list[str],
    present: IntArray,
    values: FloatArray | None = None,
) -> _CatSpec:
    """Kernel spec; the ordinal grid is built once, not per replicate."""
    k = len(categories)
    grid = None
    if label_type == ORDINAL:
        rows, cols = np.divmod(np.arange(k * k), k)
        grid = _cells(rows.astype(np.float64), cols.astype(np.float64))
    return _CatSpec(label_type, categories, present, grid, values)


def _gwet_ac1(conf: FloatArray, q: int) -> FloatArray:
    """Gwet's AC1 for confusion matrices (b, K, K) on a q-category scale."""
    n = conf.sum(axis=(1, 2))
    pa = _div(np.trace(conf, axis1=1, axis2=2), n)
    pi = _div(conf.sum(axis=2) + conf.sum(axis=1), 2.0 * n[:, None])
    # Chance agreement: each rater picks category k with probability pi_k, spread over q - 1.
    pe = (pi * (1.0 - pi)).sum(axis=1) / (q - 1) if q > 1 else np.full(len(n), np.nan)
    return _div(pa - pe, 1.0 - pe)


def _cat_kernel(conf: FloatArray, spec: _CatSpec, full: bool = True) -> dict[str, FloatArray]:
    """Every confusion-based metric for a stack of confusion matrices (b, K, K)."""
    k = spec.k
    n = conf.sum(axis=(1, 2))
    diag = np.diagonal(conf, axis1=1, axis2=2)
    rows = conf.sum(axis=2)
    cols = conf.sum(axis=1)
    po = _div(diag.sum(axis=1), n)
    out: dict[str, FloatArray] = {"accuracy": po}
    if spec.label_type == PAIRWISE:
        out["agreement_with_ties"] = po
        keep = [i for i, c in enumerate(spec.categories) if c != "tie"]
        sub = conf[:, keep][:, :, keep]
        out["agreement_without_ties"] = _div(np.trace(sub, axis1=1, axis2=2), sub.sum(axis=(1, 2)))
    pe = _div((rows * cols).sum(axis=1), n**2)
    out["cohen_kappa"] = _div(po - pe, 1.0 - pe)
    if not full:
        return out
    if spec.label_type == ORDINAL:
        # Distances between the values (3 and 4 unseen on a 1-5 scale still sit between 2 and 5).
        dist = spec.distances()
        expected = _div(rows[:, :, None] * cols[:, None, :], n[:, None, None])
        for name, w in (
            ("weighted_kappa_linear", dist),
            ("weighted_kappa_quadratic", dist**2),
        ):
            out[name] = 1.0 - _div((conf * w).sum(axis=(1, 2)), (expected * w).sum(axis=(1, 2)))
    level = ORDINAL if spec.label_type == ORDINAL else NOMINAL
    out[f"krippendorff_alpha_{level}"] = _kripp_from_coincidence(
        conf + conf.transpose(0, 2, 1), level
    )
    out["gwet_ac1"] = _gwet_ac1(conf, k)
    recall_defined = _div(diag, rows)
    n_classes = np.isfinite(recall_defined).sum(axis=1)
    out["balanced_accuracy"] = _div(np.nansum(recall_defined, axis=1), n_classes.astype(float))
    # sklearn's zero_division=0: a class never predicted (or never true) scores 0, not NaN.
    precision = np.nan_to_num(_div(diag, cols))
    recall = np.nan_to_num(recall_defined)
    f1 = np.nan_to_num(_div(2.0 * diag, rows + cols))
    p = spec.present
    out["precision_macro"] = precision[:, p].mean(axis=1)
    out["recall_macro"] = recall[:, p].mean(axis=1)
    out["f1_macro"] = f1[:, p].mean(axis=1)
    if spec.grid is not None:
        out.update(_rank_corr(conf.reshape(len(conf), k * k), spec.grid, kendall=True))
    for i in p:
        label = spec.categories[i]
        out[f"precision:{label}"] = precision[:, i]
        out[f"recall:{label}"] = recall[:, i]
        out[f"f1:{label}"] = f1[:, i]
    return out


def interval_feats(x: FloatArray, y: FloatArray) -> FloatArray:
    """Per (x, y) row, the sums the score metrics need: count, moments, distances."""
    # Centre on the means so per-replicate moments do not lose precision; alpha pools both
    # coders' values, so it needs one shared centre.
    xc = x - x.mean() if len(x) else x
    yc = y - y.mean() if len(y) else y
    centre = (x.mean() + y.mean()) / 2.0 if len(x) else 0.0
    xa, ya = x - centre, y - centre
    return np.column_stack(
        [
            np.ones(len(x)),
            xc,
            yc,
            xc * xc,
            yc * yc,
            xc * yc,
            np.abs(x - y),
            (x - y) ** 2,
            xa + ya,
            xa * xa + ya * ya,
        ]
    )


def interval_from_sums(s: FloatArray) -> dict[str, FloatArray]:
    """Pearson, MAE and interval alpha from rows of interval_feats sums (b, 10)."""
    n = s[:, 0]
    mx, my = _div(s[:, 1], n), _div(s[:, 2], n)
    cov = _div(s[:, 5], n) - mx * my
    vx = _div(s[:, 3], n) - mx**2
    vy = _div(s[:, 4], n) - my**2
    out = {
        "pearson": _div(cov, np.sqrt(np.clip(vx, 0, None) * np.clip(vy, 0, None))),
        "mae": _div(s[:, 6], n),
    }
    # Two coders per unit: alpha = 1 - (N-1) sum d^2 / (N sum v^2 - (sum v)^2), N = 2n values.
    big_n = 2.0 * n
    out["krippendorff_alpha_interval"] = 1.0 - _div(
        (big_n - 1.0) * s[:, 7], big_n * s[:, 9] - s[:, 8] ** 2
    )
    return out


def _interval_kernel(nc: FloatArray, cells: _Cells, ranks: bool = True) -> dict[str, FloatArray]:
    """Pearson, MAE, interval alpha (and rank correlations) from counts per (x, y) cell."""
    out = interval_from_sums(nc @ interval_feats(cells.x, cells.y))
    if ranks:
        out.update(_rank_corr(nc, cells, kendall=True))
    return out


def _fleiss_from_sums(n_items: FloatArray, cat: FloatArray, sq: FloatArray, m: int) -> FloatArray:
    """Fleiss' kappa from item count, per-category totals and the sum of squared counts."""
    p = _div(cat, (n_items * m)[:, None])
    p_bar = (_div(sq, n_items) - m) / (m * (m - 1.0))
    pe = (p**2).sum(axis=1)
    return _div(p_bar - pe, 1.0 - pe)


def _kripp_interval_from_sums(
    total: FloatArray, sum_v: FloatArray, sum_v2: FloatArray, within: FloatArray
) -> FloatArray:
    """Interval alpha from pairable-value totals and the per-unit disagreement sum."""
    return 1.0 - _div((total - 1.0) * within, 2.0 * (total * sum_v2 - sum_v**2))
