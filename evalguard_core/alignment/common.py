"""Shared types, constants and numeric helpers of the alignment engine."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


IntArray = npt.NDArray[np.int64]


ObjArray = npt.NDArray[np.object_]


Kernel = Callable[[FloatArray], dict[str, FloatArray]]


NOMINAL = "nominal"


ORDINAL = "ordinal"


INTERVAL = "interval"


PAIRWISE = "pairwise"


PAIRWISE_LABELS = ("A", "B", "tie")


REFERENCE_MODES = ("consensus", "each", "dawid-skene")


KINDS = ("auto", "label", "score", "pairwise")


SMALL_N = 30


BASE_METRICS = (
    "accuracy",
    "agreement_with_ties",
    "agreement_without_ties",
    "cohen_kappa",
    "weighted_kappa_linear",
    "weighted_kappa_quadratic",
    "krippendorff_alpha_nominal",
    "krippendorff_alpha_ordinal",
    "krippendorff_alpha_interval",
    "gwet_ac1",
    "balanced_accuracy",
    "precision_macro",
    "recall_macro",
    "f1_macro",
    "pearson",
    "spearman",
    "kendall_tau",
    "mae",
    "fleiss_kappa",
)


PER_CLASS_PREFIXES = ("precision:", "recall:", "f1:")


# Metrics where smaller is better: the gate must look at the upper end of the interval.
LOWER_IS_BETTER = frozenset({"mae"})

# Metrics the sequential gate supports: means of per-item 0/1 outcomes (ADR 0014).
SEQUENTIAL_METRICS = ("accuracy", "tpr", "tnr", "human_pass_rate")


WEIGHTED_PREFIX = "weighted:"


# Upper bound on elements of one (replicates x types) block, so memory stays ~tens of MB.
_CHUNK_ELEMENTS = 4_000_000


# The krippendorff package builds a dense (units x values x values) array: above this many
# elements (~40 MB) we use the coincidence / closed-form computation, tested equal to it.
_KRIPP_DENSE_LIMIT = 5_000_000


# With more rater pairs than this (10 raters), pair kappas come from the tested kernel, not
# one scikit-learn call per pair.
_LIBRARY_PAIR_LIMIT = 45


# Kendall's tau on a dense (distinct x, distinct y) grid per replicate up to this size.
_KENDALL_GRID_LIMIT = 250_000


# Below this many items an exact Kendall tau per resample is cheap enough to bootstrap.
_KENDALL_SMALL_N = 300


def _div(num: FloatArray, den: FloatArray) -> FloatArray:
    """num / den with NaN where den is 0 (an undefined statistic, not an error)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.true_divide(num, den)
    return np.where(den == 0, np.nan, out)


def _silently(fn: Callable[[], Any]) -> Any:
    """Call a library function without its warnings about degenerate input (we report those)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return fn()


def _quiet(fn: Callable[[], Any]) -> float:
    """Call a library metric; undefined results (warnings, errors on degenerate input) -> NaN."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            value = fn()
        except (ValueError, ZeroDivisionError, FloatingPointError):
            return float("nan")
    value = getattr(value, "statistic", value)
    return float(value)


def _clean(value: Any) -> Any:
    """Plain JSON types: numpy scalars to Python, NaN/inf to None."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if isinstance(value, np.ndarray):
        return [_clean(v) for v in value.tolist()]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return f if math.isfinite(f) else None
    return value


# Metric order in the report: headline agreement first, then per-class detail.
_ORDER = {name: i for i, name in enumerate(BASE_METRICS)}


def _ordered(metrics: dict[str, Any]) -> dict[str, Any]:
    """Metrics in a stable, readable order."""

    def rank(name: str) -> tuple[int, int, str]:
        if name in _ORDER:
            return (0, _ORDER[name], "")
        prefix = name.split(":", 1)[0] + ":"
        return (1, PER_CLASS_PREFIXES.index(prefix) if prefix in PER_CLASS_PREFIXES else 9, name)

    return {k: metrics[k] for k in sorted(metrics, key=rank)}
