"""Point estimates from the reference libraries (scikit-learn, SciPy, krippendorff)."""

from __future__ import annotations

import math

import krippendorff
import numpy as np
from scipy import stats
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    cohen_kappa_score,
    confusion_matrix,
    mean_absolute_error,
    precision_recall_fscore_support,
)

from evalguard_core.alignment.common import (
    _KRIPP_DENSE_LIMIT,
    _LIBRARY_PAIR_LIMIT,
    NOMINAL,
    ORDINAL,
    PAIRWISE,
    FloatArray,
    IntArray,
    _div,
    _quiet,
    _silently,
)
from evalguard_core.alignment.kernels import (
    _cat_kernel,
    _CatSpec,
    _gwet_ac1,
    _kripp_from_coincidence,
    _kripp_interval_from_sums,
)

# Widest integer scale handed to scikit-learn's weighted kappa (it builds a dense weight matrix).
_SKLEARN_SCALE_LIMIT = 1000


def _cat_points(
    ref: IntArray,
    pred: IntArray,
    spec: _CatSpec,
    weights: FloatArray | None = None,
    full: bool = True,
) -> dict[str, float]:
    """Point values from scikit-learn / krippendorff / scipy (and our Gwet AC1)."""
    labels = list(range(spec.k))
    w = weights
    out: dict[str, float] = {"accuracy": _quiet(lambda: accuracy_score(ref, pred, sample_weight=w))}
    if spec.label_type == PAIRWISE:
        out["agreement_with_ties"] = out["accuracy"]
        tie = spec.categories.index("tie")
        m = (ref != tie) & (pred != tie)
        wm = None if w is None else w[m]
        out["agreement_without_ties"] = (
            _quiet(lambda: accuracy_score(ref[m], pred[m], sample_weight=wm))
            if m.any()
            else float("nan")
        )
    out["cohen_kappa"] = _quiet(
        lambda: cohen_kappa_score(ref, pred, labels=labels, sample_weight=w)
    )
    if not full:
        return out
    if spec.label_type == ORDINAL:
        # scikit-learn weighs by label positions: on an integer scale, hand it the whole range
        # of values so unseen values (3 and 4 on a 1-5 scale) keep their distance.
        wref, wpred, wlabels = ref, pred, labels
        if spec.values is not None:
            lo, hi = int(spec.values.min()), int(spec.values.max())
            wref = spec.values[ref].astype(np.int64)
            wpred = spec.values[pred].astype(np.int64)
            wlabels = list(range(lo, hi + 1))
        for name, how in (
            ("weighted_kappa_linear", "linear"),
            ("weighted_kappa_quadratic", "quadratic"),
        ):
            if len(wlabels) > _SKLEARN_SCALE_LIMIT:
                # A (values x values) weight matrix would not fit: the kernel, tested equal.
                conf_v = _silently(
                    lambda: confusion_matrix(ref, pred, labels=labels, sample_weight=w)
                )
                out[name] = float(_cat_kernel(conf_v[None].astype(np.float64), spec)[name][0])
                continue
            out[name] = _quiet(
                lambda how=how: cohen_kappa_score(  # type: ignore[misc]
                    wref, wpred, labels=wlabels, weights=how, sample_weight=w
                )
            )
    conf = _silently(lambda: confusion_matrix(ref, pred, labels=labels, sample_weight=w)).astype(
        np.float64
    )
    if w is None:
        level = ORDINAL if spec.label_type == ORDINAL else NOMINAL
        counts = np.zeros((len(ref), spec.k))
        np.add.at(counts, (np.arange(len(ref)), ref), 1.0)
        np.add.at(counts, (np.arange(len(ref)), pred), 1.0)
        out[f"krippendorff_alpha_{level}"] = _kripp_categorical_point(counts, level)
    out["gwet_ac1"] = float(_gwet_ac1(conf[None], spec.k)[0])
    out["balanced_accuracy"] = _quiet(lambda: balanced_accuracy_score(ref, pred, sample_weight=w))
    present = [int(i) for i in spec.present]
    prec, rec, f1, _ = _silently(
        lambda: precision_recall_fscore_support(
            ref, pred, labels=present, average=None, zero_division=0, sample_weight=w
        )
    )
    out["precision_macro"] = float(np.mean(prec))
    out["recall_macro"] = float(np.mean(rec))
    out["f1_macro"] = float(np.mean(f1))
    if spec.label_type == ORDINAL and w is None:
        out["spearman"] = _quiet(lambda: stats.spearmanr(ref, pred))
        out["kendall_tau"] = _quiet(lambda: stats.kendalltau(ref, pred))
    if w is None:
        for i, c in enumerate(present):
            label = spec.categories[c]
            out[f"precision:{label}"] = float(prec[i])
            out[f"recall:{label}"] = float(rec[i])
            out[f"f1:{label}"] = float(f1[i])
    return out


def _pair_kappa(x: IntArray, y: IntArray, spec: _CatSpec, n_pairs: int) -> float:
    """Cohen's kappa of one rater pair: scikit-learn, or the kernel for large crowds."""
    if n_pairs <= _LIBRARY_PAIR_LIMIT:
        return _quiet(lambda: cohen_kappa_score(x, y, labels=list(range(spec.k))))
    # Hundreds of pairs: ~1 ms of sklearn input validation each dominates the report, while the
    # kernel gives the same numbers (tested against sklearn) on the observed confusion.
    conf = np.bincount(x * spec.k + y, minlength=spec.k * spec.k).reshape(1, spec.k, spec.k)
    return float(_cat_kernel(conf.astype(np.float64), spec, full=False)["cohen_kappa"][0])


def _kripp_categorical_point(value_counts: FloatArray, level: str) -> float:
    """Nominal/ordinal alpha from (units x categories) counts: the package when it fits."""
    n, k = value_counts.shape
    if n * k * k <= _KRIPP_DENSE_LIMIT:
        return _quiet(
            lambda: krippendorff.alpha(
                value_counts=value_counts,
                level_of_measurement=level,  # type: ignore[arg-type]
            )
        )
    m = value_counts.sum(axis=1)
    ok = m >= 2
    vc = value_counts[ok] / np.sqrt(m[ok] - 1.0)[:, None]
    # Sum of per-unit coincidences n_uc n_uk / (m_u - 1), minus the diagonal self-pairs.
    coin = vc.T @ vc - np.diag((value_counts[ok] / (m[ok] - 1.0)[:, None]).sum(axis=0))
    return float(_kripp_from_coincidence(coin[None], level)[0])


def _kripp_interval_point(reliability: FloatArray) -> float:
    """Interval alpha from (coders x units) data: the package when it fits in memory."""
    finite = reliability[np.isfinite(reliability)]
    distinct = len(np.unique(finite))
    if reliability.shape[1] * max(distinct, 1) ** 2 <= _KRIPP_DENSE_LIMIT:
        return _quiet(
            lambda: krippendorff.alpha(
                reliability_data=reliability, level_of_measurement="interval"
            )
        )
    sums = _kripp_interval_unit_sums(reliability.T).sum(axis=0)
    return float(_kripp_interval_from_sums(*[np.array([v]) for v in sums])[0])


def _kripp_interval_unit_sums(scores: FloatArray) -> FloatArray:
    """Per unit (units x raters): pairable values, their sum, sum of squares, disagreement."""
    ok = np.isfinite(scores)
    m = ok.sum(axis=1).astype(np.float64)
    v = np.where(ok, scores - np.nanmean(scores[ok]) if ok.any() else 0.0, 0.0)
    s1 = v.sum(axis=1)
    s2 = (v * v).sum(axis=1)
    pairable = m >= 2
    # Sum over ordered within-unit pairs of (v_i - v_j)^2, divided by m_u - 1.
    within = _div(2.0 * (m * s2 - s1**2), m - 1.0)
    return np.column_stack(
        [
            np.where(pairable, m, 0),
            np.where(pairable, s1, 0),
            np.where(pairable, s2, 0),
            np.where(pairable, within, 0),
        ]
    )


def _interval_points(
    ref: FloatArray, pred: FloatArray, weights: FloatArray | None = None
) -> dict[str, float]:
    """Point values from scipy / scikit-learn / krippendorff for score comparisons."""
    if weights is not None:

        def weighted_r() -> float:
            c = np.cov(ref, pred, aweights=weights)
            return float(c[0, 1] / math.sqrt(c[0, 0] * c[1, 1]))

        return {
            "pearson": _quiet(weighted_r),
            "mae": _quiet(lambda: mean_absolute_error(ref, pred, sample_weight=weights)),
        }
    return {
        "pearson": _quiet(lambda: stats.pearsonr(ref, pred)),
        "spearman": _quiet(lambda: stats.spearmanr(ref, pred)),
        "kendall_tau": _quiet(lambda: stats.kendalltau(ref, pred)),
        "mae": _quiet(lambda: mean_absolute_error(ref, pred)),
        "krippendorff_alpha_interval": _kripp_interval_point(np.vstack([ref, pred])),
    }
