"""Judge-vs-human alignment: agreement metrics with confidence intervals (pure, no I/O).

The report follows DESIGN §6. Point values come from the reference libraries (scikit-learn,
scipy, statsmodels, krippendorff); confidence intervals come from a seeded bootstrap over items
whose per-resample formulas are vectorised here (and tested against those libraries).

Why the bootstrap is cheap: every statistic we report is a function of sums over items. Items
with identical data (same judge label, same rater labels, same stratum and weight) are
interchangeable, so we group them into "unit types" and draw each bootstrap replicate as a
vector of counts per type. Drawing n items with replacement and tallying their types *is* a
Multinomial(n, type frequencies) draw, so a replicate costs O(types) instead of O(n); with
stratified resampling the draw is done per stratum. Sums per replicate are then one matrix
product of (replicates x types) counts with a (types x features) table.

Conventions (documented here because the report's consumers rely on them):
- confusion rows are the reference (humans), columns the judge;
- macro precision / recall / F1 average the classes seen on either side; an undefined per-class
  value counts as 0 (scikit-learn's zero_division=0) and the report warns about it;
- weighted kappas use distances between positions on the scale (scikit-learn's convention);
- reference="each": one observation per (item, rater) vote, resampled by item; `n` counts items;
- Wilson intervals for plain proportions over independent items, percentile bootstrap otherwise;
- design weights are 1/inclusion_prob; weighted figures are Hájek ratio estimates;
- Fleiss' kappa uses the items rated by every rater, else those with the most common count.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import krippendorff
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse, stats
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    cohen_kappa_score,
    confusion_matrix,
    mean_absolute_error,
    precision_recall_fscore_support,
)
from statsmodels.stats.inter_rater import fleiss_kappa
from statsmodels.stats.proportion import proportion_confint

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
ObjArray = npt.NDArray[np.object_]
Kernel = Callable[[FloatArray], dict[str, FloatArray]]

NOMINAL = "nominal"
ORDINAL = "ordinal"
INTERVAL = "interval"
PAIRWISE = "pairwise"
PAIRWISE_LABELS = ("A", "B", "tie")
REFERENCE_MODES = ("consensus", "each")
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
# Elements (items x resamples) the exact per-resample Kendall path may sort before it switches
# to the large-sample interval.
_KENDALL_EXACT_BUDGET = 2_000_000
_KENDALL_CENTRE_RESAMPLES = 5


# --------------------------------------------------------------------------------------------
# Input normalisation
# --------------------------------------------------------------------------------------------


def _norm_scalar(value: Any) -> str | None:
    """Canonical text of one key or label; None when missing."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value))
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        f = float(value)
        if math.isnan(f):
            return None
        # 1.0 and 1 must be the same label: pandas turns int columns with gaps into floats.
        if math.isfinite(f) and f.is_integer():
            return str(int(f))
        return repr(f)
    text = str(value).strip()
    return text or None


def _normalise(values: pd.Series) -> ObjArray:
    """Canonical strings (None for missing) for a column, normalising each distinct value once."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    distinct = np.asarray(uniques, dtype=object)
    if pd.api.types.infer_dtype(distinct, skipna=False) == "string":
        # Item keys are usually 100k distinct strings: strip them in one vectorised pass.
        stripped = pd.Series(distinct, dtype=object).str.strip().to_numpy(dtype=object, copy=True)
        stripped[stripped == ""] = None
        canon = np.append(stripped, None)  # type: ignore[call-overload]
    else:
        canon = np.array([_norm_scalar(u) for u in distinct] + [None], dtype=object)
    return canon[codes]


def _numeric(values: pd.Series, what: str) -> FloatArray:
    """Scores as floats (NaN for missing); non-numeric or infinite values are an error."""
    try:
        out = pd.to_numeric(values, errors="raise").astype(float).to_numpy()
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what}: scores must be numeric ({exc})") from exc
    if np.isinf(out).any():
        raise ValueError(f"{what}: scores must be finite")
    return out


def _column(df: pd.DataFrame, name: str) -> pd.Series:
    """The column, or an all-missing one when the frame does not have it."""
    if name in df.columns:
        return df[name]
    return pd.Series([None] * len(df), index=df.index, dtype=object)


def _is_int_text(text: str) -> bool:
    """True for an integer written in decimal, e.g. '3' or '-1'."""
    body = text[1:] if text[:1] in "+-" else text
    return body.isdigit()


# --------------------------------------------------------------------------------------------
# Prepared data: one universe of items, raters in columns
# --------------------------------------------------------------------------------------------


@dataclass
class _Data:
    """Both sides aligned on one item index; codes for labels, floats for scores."""

    label_type: str
    categories: list[str]
    raters: list[str]
    human: npt.NDArray[Any]  # (items, raters): int codes (-1 missing) or float scores (NaN)
    judge: npt.NDArray[Any]  # (items,): int code (-1) or float (NaN)
    items: ObjArray  # item key (canonical text) per row of `human` / `judge`
    warnings: list[str] = field(default_factory=list)

    @property
    def categorical(self) -> bool:
        """True unless scores are compared."""
        return self.label_type != INTERVAL

    def rated(self) -> npt.NDArray[np.bool_]:
        """Mask (items, raters) of human votes present."""
        if self.categorical:
            return self.human >= 0
        return ~np.isnan(self.human)

    def judged(self) -> npt.NDArray[np.bool_]:
        """Mask (items,) of judge verdicts present."""
        if self.categorical:
            return self.judge >= 0
        return ~np.isnan(self.judge)


def _resolve_kind(
    kind: str,
    human_labels: ObjArray,
    judge_labels: ObjArray,
    human_has_score: bool,
    judge_has_score: bool,
) -> str:
    """'label', 'score' or 'pairwise' from the requested kind and what the data holds."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")
    if kind != "auto":
        return kind
    has_h = any(v is not None for v in human_labels)
    has_j = any(v is not None for v in judge_labels)
    if has_h and has_j:
        return "label"
    if human_has_score and judge_has_score:
        return "score"
    raise ValueError(
        "nothing to compare: need labels on both sides or scores on both sides (human and judge)"
    )


def _label_scale(
    kind: str, labels: set[str], label_order: list[str] | None, warn: list[str]
) -> tuple[str, list[str]]:
    """Label type and ordered categories for the labels seen on both sides."""
    lowered = {v.lower() for v in labels}
    if kind == "pairwise" or (label_order is None and labels and lowered <= {"a", "b", "tie"}):
        bad = sorted(v for v in labels if v.lower() not in {"a", "b", "tie"})
        if bad:
            raise ValueError(f"pairwise labels must be A, B or tie; got {bad[:10]}")
        if label_order is not None:
            warn.append("label_order is ignored for pairwise labels (A, B, tie)")
        return PAIRWISE, list(PAIRWISE_LABELS)
    if label_order is not None:
        order = [_norm_scalar(v) for v in label_order]
        if any(v is None for v in order) or len(set(order)) != len(order):
            raise ValueError("label_order must list distinct, non-empty labels")
        unknown = sorted(labels - set(order))  # type: ignore[arg-type]
        if unknown:
            raise ValueError(f"labels not in label_order: {unknown[:10]}")
        return ORDINAL, [str(v) for v in order]
    if labels and all(_is_int_text(v) for v in labels):
        return ORDINAL, sorted(labels, key=int)
    return NOMINAL, sorted(labels)


def _prepare(
    human: pd.DataFrame,
    judge: pd.DataFrame,
    kind: str,
    label_order: list[str] | None,
) -> _Data:
    """Validate both frames and align them on items (raters as columns)."""
    for frame, name, cols in ((human, "human", ("item", "rater")), (judge, "judge", ("item",))):
        if not isinstance(frame, pd.DataFrame):
            raise ValueError(f"{name} must be a pandas DataFrame")
        missing = [c for c in cols if c not in frame.columns]
        if missing:
            raise ValueError(f"{name} is missing column(s): {', '.join(missing)}")
    warn: list[str] = []

    h_item = _normalise(human["item"])
    h_rater = _normalise(human["rater"])
    h_label = _normalise(_column(human, "label"))
    h_score = _numeric(_column(human, "score"), "human")
    j_item = _normalise(judge["item"])
    j_label = _normalise(_column(judge, "label"))
    j_score = _numeric(_column(judge, "score"), "judge")

    resolved = _resolve_kind(
        kind,
        h_label,
        j_label,
        bool((~np.isnan(h_score)).any()),
        bool((~np.isnan(j_score)).any()),
    )
    use_scores = resolved == "score"
    if use_scores and label_order is not None:
        warn.append("label_order is ignored when scores are compared")

    h_keep = (h_item != None) & (h_rater != None)  # noqa: E711 - elementwise on object arrays
    h_keep &= ~np.isnan(h_score) if use_scores else (h_label != None)  # noqa: E711
    j_keep = j_item != None  # noqa: E711
    j_keep &= ~np.isnan(j_score) if use_scores else (j_label != None)  # noqa: E711

    if use_scores:
        label_type, categories = INTERVAL, []  # type: ignore[var-annotated]
    else:
        seen = set(h_label[h_keep].tolist()) | set(j_label[j_keep].tolist())
        label_type, categories = _label_scale(resolved, seen, label_order, warn)

    item_ids, items = pd.factorize(np.concatenate([h_item[h_keep], j_item[j_keep]]))
    n_items = len(items)
    hi = item_ids[: int(h_keep.sum())].astype(np.int64)
    ji = item_ids[int(h_keep.sum()) :].astype(np.int64)
    raters = sorted(set(h_rater[h_keep].tolist()))
    hr = pd.Categorical(h_rater[h_keep], categories=raters).codes.astype(np.int64)

    if len(np.unique(ji)) != len(ji):
        dup = pd.Series(j_item[j_keep]).loc[pd.Series(ji).duplicated().to_numpy()]
        raise ValueError(
            f"judge has more than one verdict for {dup.nunique()} item(s), e.g. {dup.iloc[0]!r}"
        )

    # A rater may have labelled an item twice (re-annotation): the later row wins.
    key = hi * max(len(raters), 1) + hr
    _, last_rev = np.unique(key[::-1], return_index=True)
    keep_rows = np.sort(len(key) - 1 - last_rev)
    if len(keep_rows) < len(key):
        warn.append(
            f"{len(key) - len(keep_rows)} duplicate (item, rater) human row(s): "
            "kept the last one of each"
        )

    if use_scores:
        hmat: npt.NDArray[Any] = np.full((n_items, len(raters)), np.nan)
        hmat[hi[keep_rows], hr[keep_rows]] = h_score[h_keep][keep_rows]
        jvec: npt.NDArray[Any] = np.full(n_items, np.nan)
        jvec[ji] = j_score[j_keep]
    else:
        h_vals = h_label[h_keep]
        j_vals = j_label[j_keep]
        if label_type == PAIRWISE:
            canon = {"a": "A", "b": "B", "tie": "tie"}
            h_vals = np.array([canon[v.lower()] for v in h_vals], dtype=object)
            j_vals = np.array([canon[v.lower()] for v in j_vals], dtype=object)
        h_codes = pd.Categorical(h_vals, categories=categories).codes.astype(np.int64)
        j_codes = pd.Categorical(j_vals, categories=categories).codes.astype(np.int64)
        hmat = np.full((n_items, len(raters)), -1, dtype=np.int64)
        hmat[hi[keep_rows], hr[keep_rows]] = h_codes[keep_rows]
        jvec = np.full(n_items, -1, dtype=np.int64)
        jvec[ji] = j_codes
    return _Data(label_type, categories, raters, hmat, jvec, np.asarray(items, dtype=object), warn)


# --------------------------------------------------------------------------------------------
# Reference resolution
# --------------------------------------------------------------------------------------------


@dataclass
class _Comparison:
    """Judge-vs-reference observations on the compared items."""

    items: IntArray  # indices into the item universe, one per compared item (unit)
    obs_unit: IntArray  # unit (0..n-1) of each observation
    ref: npt.NDArray[Any]  # reference value per observation (code or score)
    pred: npt.NDArray[Any]  # judge value per observation
    clustered: bool  # several observations per unit (reference="each")
    no_majority: int = 0


def _resolve_reference(data: _Data, reference: str) -> _Comparison:
    """Pair the judge with the requested reference on items both sides labelled."""
    rated = data.rated()
    judged = data.judged()
    if reference == "each":
        items = np.flatnonzero(judged & rated.any(axis=1))
        sub = rated[items]
        unit, rater = np.nonzero(sub)
        ref = data.human[items][unit, rater]
        pred = data.judge[items][unit]
        return _Comparison(items, unit.astype(np.int64), ref, pred, clustered=True)
    if reference == "consensus":
        if data.categorical:
            ref_all, has_votes = _majority(data.human, len(data.categories))
            no_majority = int((has_votes & (ref_all < 0) & judged).sum())
            items = np.flatnonzero((ref_all >= 0) & judged)
            ref = ref_all[items]
        else:
            n_votes = rated.sum(axis=1)
            items = np.flatnonzero((n_votes > 0) & judged)
            ref = np.nansum(data.human[items], axis=1) / n_votes[items]
            no_majority = 0
    else:
        if reference not in data.raters:
            raise ValueError(
                f"reference must be 'consensus', 'each' or a rater name; no rater "
                f"{reference!r} (raters: {', '.join(data.raters[:20])})"
            )
        col = data.raters.index(reference)
        items = np.flatnonzero(rated[:, col] & judged)
        ref = data.human[items, col]
        no_majority = 0
    unit = np.arange(len(items), dtype=np.int64)
    return _Comparison(
        items, unit, ref, data.judge[items], clustered=False, no_majority=no_majority
    )


def _majority(codes: IntArray, k: int) -> tuple[IntArray, npt.NDArray[np.bool_]]:
    """Strict-majority label per item (-1 when none) and whether the item has any vote."""
    n_items = codes.shape[0]
    item, rater = np.nonzero(codes >= 0)
    votes = np.bincount(item * k + codes[item, rater], minlength=n_items * k).reshape(n_items, k)
    total = votes.sum(axis=1)
    top = votes.max(axis=1) if k else np.zeros(n_items, dtype=np.int64)
    winner = votes.argmax(axis=1) if k else np.zeros(n_items, dtype=np.int64)
    # Strict majority: a 2-2 split or a 1-1-1 spread has no consensus.
    return np.where((total > 0) & (2 * top > total), winner, -1), total > 0


# --------------------------------------------------------------------------------------------
# Bootstrap machinery
# --------------------------------------------------------------------------------------------


def _row_types(keys: FloatArray) -> tuple[IntArray, IntArray, IntArray]:
    """Group identical rows: (type of each row, first row of each type, rows per type)."""
    n, d = keys.shape
    col_codes = []
    radix = 1
    for j in range(d):
        col = keys[:, j]
        lo, hi = (float(col.min()), float(col.max())) if n else (0.0, 0.0)
        if hi - lo < 1_000_000 and np.array_equal(col, np.round(col)):
            # Label codes (-1 = missing) and strata: already small integers, no sort needed.
            inv, size = (col - lo).astype(np.int64), int(hi - lo) + 1
        else:
            _, inv = np.unique(col, return_inverse=True)
            size = int(inv.max()) + 1 if n else 1
        col_codes.append((inv.reshape(-1).astype(np.int64), size))
        radix *= size
    if radix < 2**62:
        # One integer per row sorts far faster than np.unique(axis=0) on a float matrix.
        scalar = np.zeros(n, dtype=np.int64)
        for codes, size in col_codes:
            scalar = scalar * size + codes
        _, first, inverse, counts = np.unique(
            scalar, return_index=True, return_inverse=True, return_counts=True
        )
    else:
        stacked = np.column_stack([c for c, _ in col_codes])
        _, first, inverse, counts = np.unique(
            stacked, axis=0, return_index=True, return_inverse=True, return_counts=True
        )
    return inverse.reshape(-1).astype(np.int64), first.astype(np.int64), counts.astype(np.int64)


class _Resampler:
    """Bootstrap replicates as counts per unit type; resampling within strata when given."""

    def __init__(
        self,
        keys: FloatArray,
        n_boot: int,
        rng: np.random.Generator,
        strata: IntArray | None = None,
    ) -> None:
        n = keys.shape[0]
        strata_arr = np.zeros(n, dtype=np.int64) if strata is None else strata
        full = np.column_stack([strata_arr.astype(np.float64), keys.reshape(n, -1)])
        self.unit_type, first, counts = _row_types(full)
        self.n_types = len(first)
        self.type_n = counts.astype(np.float64)
        self.n_boot = n_boot
        self.rng = rng
        type_stratum = strata_arr[first]
        self.groups: list[tuple[IntArray, int, IntArray]] = []
        for h in np.unique(type_stratum):
            tg = np.flatnonzero(type_stratum == h)
            local = np.full(self.n_types, -1, dtype=np.int64)
            local[tg] = np.arange(len(tg))
            unit_local = local[self.unit_type[strata_arr == h]]
            self.groups.append((tg, len(unit_local), unit_local))

    def full(self) -> FloatArray:
        """The observed sample as a single 'replicate' of type counts."""
        return self.type_n[None, :]

    def _draw(self, b: int) -> FloatArray:
        # Fortran order: column gathers and sparse products over types read contiguous memory.
        counts = np.zeros((b, self.n_types), order="F")
        for tg, n_h, unit_local in self.groups:
            if len(tg) == 1:
                counts[:, tg[0]] = n_h
            elif 2 * len(tg) <= n_h:
                counts[:, tg] = self.rng.multinomial(n_h, self.type_n[tg] / n_h, size=b)
            else:
                # Nearly every unit is its own type: drawing indices is cheaper than a
                # multinomial with as many categories as units.
                idx = self.rng.integers(0, n_h, size=(b, n_h))
                flat = unit_local[idx] + (np.arange(b, dtype=np.int64) * len(tg))[:, None]
                counts[:, tg] = np.bincount(flat.ravel(), minlength=b * len(tg)).reshape(b, len(tg))
        return counts

    def chunks(self) -> Iterator[FloatArray]:
        """Replicates in blocks of (b, types) counts, memory-bounded."""
        width = max([self.n_types] + [n_h for tg, n_h, _ in self.groups if 2 * len(tg) > n_h])
        step = max(1, min(self.n_boot, _CHUNK_ELEMENTS // max(width, 1)))
        done = 0
        while done < self.n_boot:
            b = min(step, self.n_boot - done)
            yield self._draw(b)
            done += b

    def run(self, kernels: Sequence[Kernel]) -> list[dict[str, FloatArray]]:
        """Evaluate every kernel on the same replicates; arrays of length n_boot per statistic."""
        parts: list[dict[str, list[FloatArray]]] = [{} for _ in kernels]
        for counts in self.chunks():
            for store, kernel in zip(parts, kernels, strict=True):
                for name, arr in kernel(counts).items():
                    store.setdefault(name, []).append(np.asarray(arr, dtype=np.float64))
        return [{k: np.concatenate(v) for k, v in store.items()} for store in parts]


@dataclass
class _Table:
    """(types x cells) incidence: what one unit of each type adds to each cell.

    Stored as dense rows for the types that contribute (a rater pair may share a few dozen of
    many items, so most types add nothing), or sparse when even that would be large.
    """

    rows: IntArray
    dense: FloatArray | None
    sp: sparse.csr_matrix | None


def _incidence(
    rs: _Resampler,
    obs_unit: IntArray,
    obs_cell: IntArray,
    n_cells: int,
    weights: FloatArray | None = None,
) -> _Table:
    """Incidence table of observations (unit, cell[, weight]) over the resampler's unit types."""
    t = rs.unit_type[obs_unit]
    w = (np.ones(len(t)) if weights is None else weights) / rs.type_n[t]
    rows, local = np.unique(t, return_inverse=True)
    if len(rows) * n_cells <= _CHUNK_ELEMENTS:
        flat = local.reshape(-1) * n_cells + obs_cell
        dense = np.bincount(flat, weights=w, minlength=len(rows) * n_cells)
        return _Table(rows, dense.reshape(len(rows), n_cells), None)  # type: ignore[arg-type]
    return _Table(rows, None, sparse.csr_matrix((w, (t, obs_cell)), shape=(rs.n_types, n_cells)))


def _apply(table: _Table, counts: FloatArray) -> FloatArray:
    """Cell totals per replicate: counts (b, types) times the incidence table."""
    if table.sp is not None:
        # counts are Fortran-ordered, so counts.T is contiguous and scipy does not copy it.
        return np.asarray(table.sp.T @ counts.T).T
    assert table.dense is not None
    if len(table.rows) == counts.shape[1]:
        return counts @ table.dense
    return counts[:, table.rows] @ table.dense


# --------------------------------------------------------------------------------------------
# Vectorised metric kernels (per replicate); tested against the libraries on the full sample
# --------------------------------------------------------------------------------------------


def _div(num: FloatArray, den: FloatArray) -> FloatArray:
    """num / den with NaN where den is 0 (an undefined statistic, not an error)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.true_divide(num, den)
    return np.where(den == 0, np.nan, out)


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
        # Too many distinct values for a grid. An exact tau per replicate costs O(n log n) each
        # (about 30 s for 1,000 resamples of 100k continuous scores), so past a work budget the
        # interval comes from the Fieller-Hartley-Pearson large-sample SE on Fisher's z scale,
        # sqrt(0.437 / (n - 4)), expressed as evenly spaced pseudo-replicates so the percentile
        # machinery returns exactly that interval.
        total = float(n[0]) if len(n) else 0.0
        if total * b > _KENDALL_EXACT_BUDGET and total > 4:
            # Centre: the mean exact tau of a few resamples (the bootstrap distribution's centre).
            taus = []
            for i in range(min(b, _KENDALL_CENTRE_RESAMPLES)):
                reps = nc[i].astype(np.int64)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    taus.append(
                        stats.kendalltau(
                            np.repeat(cells.x, reps), np.repeat(cells.y, reps)
                        ).statistic
                    )
            tau = float(np.nanmean(taus)) if np.isfinite(taus).any() else np.nan
            if not np.isfinite(tau) or abs(tau) >= 1.0:
                return np.full(b, tau)
            se = math.sqrt(0.437 / (total - 4.0))  # type: ignore[assignment]
            z = stats.norm.ppf((np.arange(b) + 0.5) / b)
            return np.tanh(np.arctanh(tau) + z * se)
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

    @property
    def k(self) -> int:
        """Number of categories on the scale."""
        return len(self.categories)


def _cat_spec(label_type: str, categories: list[str], present: IntArray) -> _CatSpec:
    """Kernel spec; the ordinal grid is built once, not per replicate."""
    k = len(categories)
    grid = None
    if label_type == ORDINAL:
        rows, cols = np.divmod(np.arange(k * k), k)
        grid = _cells(rows.astype(np.float64), cols.astype(np.float64))
    return _CatSpec(label_type, categories, present, grid)


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
        idx = np.arange(k, dtype=np.float64)
        expected = _div(rows[:, :, None] * cols[:, None, :], n[:, None, None])
        for name, w in (
            ("weighted_kappa_linear", np.abs(np.subtract.outer(idx, idx))),
            ("weighted_kappa_quadratic", np.subtract.outer(idx, idx) ** 2),
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


def _interval_kernel(nc: FloatArray, cells: _Cells, ranks: bool = True) -> dict[str, FloatArray]:
    """Pearson, MAE, interval alpha (and rank correlations) from counts per (x, y) cell."""
    n = nc.sum(axis=1)
    # Centre on the sample means so per-replicate moments do not lose precision.
    xc = cells.x - cells.x.mean()
    yc = cells.y - cells.y.mean()
    # Alpha pools both coders' values, so it needs one shared centre.
    centre = (cells.x.mean() + cells.y.mean()) / 2.0
    xa, ya = cells.x - centre, cells.y - centre
    feats = np.column_stack(
        [
            xc,
            yc,
            xc * xc,
            yc * yc,
            xc * yc,
            np.abs(cells.x - cells.y),
            (cells.x - cells.y) ** 2,
            xa + ya,
            xa * xa + ya * ya,
        ]
    )
    s = nc @ feats
    mx, my = _div(s[:, 0], n), _div(s[:, 1], n)
    cov = _div(s[:, 4], n) - mx * my
    vx = _div(s[:, 2], n) - mx**2
    vy = _div(s[:, 3], n) - my**2
    out = {
        "pearson": _div(cov, np.sqrt(np.clip(vx, 0, None) * np.clip(vy, 0, None))),
        "mae": _div(s[:, 5], n),
    }
    # Two coders per unit: alpha = 1 - (N-1) sum d^2 / (N sum v^2 - (sum v)^2), N = 2n values.
    big_n = 2.0 * n
    sum_v = s[:, 7]
    sum_v2 = s[:, 8]
    out["krippendorff_alpha_interval"] = 1.0 - _div(
        (big_n - 1.0) * s[:, 6], big_n * sum_v2 - sum_v**2
    )
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


# --------------------------------------------------------------------------------------------
# Library point values
# --------------------------------------------------------------------------------------------


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
        for name, how in (
            ("weighted_kappa_linear", "linear"),
            ("weighted_kappa_quadratic", "quadratic"),
        ):
            out[name] = _quiet(
                lambda how=how: cohen_kappa_score(  # type: ignore[misc]
                    ref, pred, labels=labels, weights=how, sample_weight=w
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
            lambda: krippendorff.alpha(value_counts=value_counts, level_of_measurement=level)  # type: ignore[arg-type]
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


# --------------------------------------------------------------------------------------------
# Report pieces
# --------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------


def _unit_keys(data: _Data, comp: _Comparison) -> FloatArray:
    """Per compared item: everything its observations depend on (judge + every rater)."""
    judge = data.judge[comp.items].astype(np.float64)
    human = data.human[comp.items].astype(np.float64)
    if not data.categorical:
        # NaN never equals itself; a sentinel keeps "missing" a groupable value.
        human = np.where(np.isnan(human), np.inf, human)
    return np.column_stack([judge, human])


def _pairs(n_raters: int) -> list[tuple[int, int]]:
    """All rater index pairs a < b."""
    return [(a, b) for a in range(n_raters) for b in range(a + 1, n_raters)]


def _judge_section(
    data: _Data,
    comp: _Comparison,
    n_boot: int,
    rng: np.random.Generator,
    confidence: float,
    warn: list[str],
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any] | None]:
    """Judge-vs-reference metrics, confusion matrix and the human ceiling on the same items."""
    rs = _Resampler(_unit_keys(data, comp), n_boot, rng)
    rated = data.rated()[comp.items]
    human = data.human[comp.items]
    judge = data.judge[comp.items]
    pairs = [(a, b) for a, b in _pairs(len(data.raters)) if (rated[:, a] & rated[:, b]).any()]
    # Human ceiling: every rater pair, then the judge against every rater, on the same items
    # (x values, y values, units where both are present).
    sides = [
        (human[:, a], human[:, b], np.flatnonzero(rated[:, a] & rated[:, b])) for a, b in pairs
    ] + [
        (human[:, r], judge, np.flatnonzero(rated[:, r]))
        for r in range(len(data.raters))
        if rated[:, r].any()
    ]
    if data.categorical:
        k = len(data.categories)
        present = np.unique(np.concatenate([comp.ref, comp.pred])).astype(np.int64)
        spec = _cat_spec(data.label_type, data.categories, present)
        light = _CatSpec(data.label_type, data.categories, present)
        main = _incidence(rs, comp.obs_unit, comp.ref * k + comp.pred, k * k)
        side_tables: list[tuple[_Table, _Cells | None]] = [
            (_incidence(rs, m, x[m] * k + y[m], k * k), None) for x, y, m in sides
        ]
        ceiling_names: tuple[str, ...] = ("accuracy", "cohen_kappa")

        def main_kernel(counts: FloatArray) -> dict[str, FloatArray]:
            return _cat_kernel(_apply(main, counts).reshape(-1, k, k), spec)

        def side_kernel(side: tuple[_Table, _Cells | None], c: FloatArray) -> dict[str, FloatArray]:
            return _cat_kernel(_apply(side[0], c).reshape(-1, k, k), light, full=False)

        points = _cat_points(comp.ref, comp.pred, spec)
    else:
        xy, obs_cell = np.unique(
            np.column_stack([comp.ref, comp.pred]), axis=0, return_inverse=True
        )
        cells = _cells(xy[:, 0], xy[:, 1])
        main = _incidence(rs, comp.obs_unit, obs_cell.reshape(-1), len(xy))
        side_tables = []
        for x, y, m in sides:
            sxy, inv = np.unique(np.column_stack([x[m], y[m]]), axis=0, return_inverse=True)
            side_tables.append(
                (_incidence(rs, m, inv.reshape(-1), len(sxy)), _cells(sxy[:, 0], sxy[:, 1]))
            )
        ceiling_names = ("pearson", "mae")

        def main_kernel(counts: FloatArray) -> dict[str, FloatArray]:
            return _interval_kernel(_apply(main, counts), cells)

        def side_kernel(side: tuple[_Table, _Cells | None], c: FloatArray) -> dict[str, FloatArray]:
            assert side[1] is not None
            return _interval_kernel(_apply(side[0], c), side[1], ranks=False)

        points = _interval_points(comp.ref.astype(float), comp.pred.astype(float))

    def ceiling_kernel(counts: FloatArray) -> dict[str, FloatArray]:
        parts = [side_kernel(t, counts) for t in side_tables]
        return _ceiling_means(parts, len(pairs), ceiling_names)

    reps, ceiling_reps = rs.run([main_kernel, ceiling_kernel]) if n_boot else ({}, {})
    metrics = _entries(points, reps, confidence)
    if data.categorical:
        if not comp.clustered:
            # Plain proportions over independent items: Wilson beats a percentile bootstrap.
            metrics["accuracy"] = _wilson(
                float((comp.ref == comp.pred).sum()), len(comp.ref), confidence
            )
            if data.label_type == PAIRWISE:
                metrics["agreement_with_ties"] = dict(metrics["accuracy"])
                tie = data.categories.index("tie")
                m = (comp.ref != tie) & (comp.pred != tie)
                metrics["agreement_without_ties"] = _wilson(
                    float((comp.ref[m] == comp.pred[m]).sum()), int(m.sum()), confidence
                )
        labels = list(range(len(data.categories)))
        conf = _silently(lambda: confusion_matrix(comp.ref, comp.pred, labels=labels))
        confusion: dict[str, Any] = {"labels": list(data.categories), "matrix": conf.tolist()}
        _class_warnings(conf, present, data.categories, warn)
    else:
        confusion = {"labels": [], "matrix": []}

    ceiling = None
    if pairs:
        # The ceiling is a summary of many pairs: its point value is the same kernel on the
        # observed sample (the per-pair formulas are tested against sklearn / scipy).
        observed = {k: float(v[0]) for k, v in ceiling_kernel(rs.full()).items()}
        ceiling = {"n_items": len(comp.items), "n_rater_pairs": len(pairs)}
        for side in ("human_human", "judge_human"):
            ceiling[side] = {  # type: ignore[assignment]
                name: _metric(
                    observed[f"{side}:{name}"], ceiling_reps.get(f"{side}:{name}"), confidence
                )
                for name in ceiling_names
            }
    return _ordered(metrics), confusion, ceiling


def _ceiling_means(
    parts: list[dict[str, FloatArray]], n_pairs: int, names: tuple[str, ...]
) -> dict[str, FloatArray]:
    """Per replicate: mean human-human and mean judge-human agreement over defined pairs."""
    out: dict[str, FloatArray] = {}
    for side, chunk in (("human_human", parts[:n_pairs]), ("judge_human", parts[n_pairs:])):
        for name in names:
            stack = np.vstack([p[name] for p in chunk]) if chunk else np.empty((0, 0))
            defined = np.isfinite(stack).sum(axis=0)
            out[f"{side}:{name}"] = _div(np.nansum(stack, axis=0), defined.astype(float))
    return out


def _class_warnings(
    conf: npt.NDArray[np.int64], present: IntArray, categories: list[str], warn: list[str]
) -> None:
    """Say when a per-class precision or recall is undefined (counted as 0, as sklearn does)."""
    for i in present:
        label = categories[i]
        if conf[:, i].sum() == 0:
            warn.append(
                f"the judge never said {label!r}: its precision is undefined and counts as 0 "
                "in precision_macro / f1_macro"
            )
        if conf[i, :].sum() == 0:
            warn.append(
                f"the reference never says {label!r}: its recall is undefined and counts as 0 "
                "in recall_macro / f1_macro"
            )


def _inter_rater(
    data: _Data, n_boot: int, rng: np.random.Generator, confidence: float, warn: list[str]
) -> dict[str, Any]:
    """Human-vs-human agreement on all items the humans labelled (judge not involved)."""
    rated_all = data.rated()
    items = np.flatnonzero(rated_all.any(axis=1))
    level = (
        ORDINAL
        if data.label_type == ORDINAL
        else (INTERVAL if data.label_type == INTERVAL else NOMINAL)
    )
    out: dict[str, Any] = {
        "n_raters": len(data.raters),
        "n_items": len(items),
        "level": level,
        "pairs": [],
        "fleiss_kappa": None,
        "krippendorff_alpha": None,
    }
    if len(data.raters) < 2 or len(items) == 0:
        return out
    human = data.human[items]
    rated = rated_all[items]
    keys = human.astype(np.float64)
    if not data.categorical:
        keys = np.where(np.isnan(keys), np.inf, keys)
    rs = _Resampler(keys, n_boot, rng)
    pairs = [(a, b) for a, b in _pairs(len(data.raters)) if (rated[:, a] & rated[:, b]).any()]
    kernels: list[Kernel] = []
    pair_rows: list[tuple[int, int, IntArray]] = []
    n_per_item = rated.sum(axis=1)

    if data.categorical:
        k = len(data.categories)
        light = _CatSpec(data.label_type, data.categories, np.arange(k))
        for a, b in pairs:
            m = np.flatnonzero(rated[:, a] & rated[:, b])
            pair_rows.append((a, b, m))
            table = _incidence(rs, m, human[m, a] * k + human[m, b], k * k)
            kernels.append(
                lambda c, t=table: _cat_kernel(_apply(t, c).reshape(-1, k, k), light, full=False)  # type: ignore[misc]
            )
        # Fleiss needs the same number of ratings on every item: all raters, else the most
        # common count (crowd designs where each item gets m of many raters).
        full_m = len(data.raters)
        counts_m = np.bincount(n_per_item, minlength=full_m + 1)
        if counts_m[full_m] > 0:
            m_f = full_m
        else:
            m_f = int(np.argmax(np.where(np.arange(full_m + 1) >= 2, counts_m, -1)))
        fleiss_items = np.flatnonzero(n_per_item == m_f) if m_f >= 2 else np.array([], int)
        vc = np.zeros((len(items), k))
        ii, rr = np.nonzero(rated)
        vc += np.bincount(ii * k + human[ii, rr], minlength=len(items) * k).reshape(-1, k)
        if len(fleiss_items):
            feats = np.column_stack(
                [np.ones(len(fleiss_items)), vc[fleiss_items], (vc[fleiss_items] ** 2).sum(axis=1)]
            )
            f_table = _incidence_rows(rs, fleiss_items, feats)

            def fleiss_kernel(c: FloatArray) -> dict[str, FloatArray]:
                s = _apply(f_table, c)
                return {"fleiss": _fleiss_from_sums(s[:, 0], s[:, 1 : k + 1], s[:, k + 1], m_f)}

            kernels.append(fleiss_kernel)
        # Per item, its contribution to the coincidence matrix (pairable items only).
        mu = vc.sum(axis=1)
        pairable = np.flatnonzero(mu >= 2)
        coin = (
            vc[pairable, :, None] * vc[pairable, None, :] - vc[pairable, :, None] * np.eye(k)[None]
        ) / (mu[pairable] - 1.0)[:, None, None]
        k_table = _incidence_rows(rs, pairable, coin.reshape(len(pairable), k * k))
        kernels.append(
            lambda c: {
                "alpha": _kripp_from_coincidence(_apply(k_table, c).reshape(-1, k, k), level)
            }
        )
        results = rs.run(kernels) if n_boot else [{} for _ in kernels]
        for (a, b, m), reps in zip(pair_rows, results, strict=False):
            x, y = human[m, a], human[m, b]
            kappa = _pair_kappa(x, y, light, len(pairs))
            out["pairs"].append(
                {
                    "rater_a": data.raters[a],
                    "rater_b": data.raters[b],
                    "n": len(m),
                    "accuracy": _wilson(float((x == y).sum()), len(m), confidence),
                    "cohen_kappa": _metric(kappa, reps.get("cohen_kappa"), confidence),
                }
            )
        extra = results[len(pair_rows) :]
        if len(fleiss_items):
            # vc already is the (items x categories) table aggregate_raters would build.
            value = _quiet(lambda: fleiss_kappa(vc[fleiss_items], method="fleiss"))
            out["fleiss_kappa"] = {
                **_metric(value, extra[0].get("fleiss"), confidence),
                "n_items": len(fleiss_items),
                "raters_per_item": m_f,
            }
            if len(fleiss_items) < len(items):
                warn.append(
                    f"fleiss_kappa uses the {len(fleiss_items)} of {len(items)} human-labelled "
                    f"items that have exactly {m_f} ratings"
                )
            extra = extra[1:]
        alpha = _kripp_categorical_point(vc, level) if len(pairable) and k >= 2 else float("nan")
        out["krippendorff_alpha"] = {
            **_metric(alpha, extra[0].get("alpha"), confidence),
            "level": level,
            "n_items": len(pairable),
        }
    else:
        for a, b in pairs:
            m = np.flatnonzero(rated[:, a] & rated[:, b])
            pair_rows.append((a, b, m))
            xy, inv = np.unique(
                np.column_stack([human[m, a], human[m, b]]), axis=0, return_inverse=True
            )
            table = _incidence(rs, m, inv.reshape(-1), len(xy))
            cells = _cells(xy[:, 0], xy[:, 1])
            kernels.append(
                lambda c, t=table, cl=cells: _interval_kernel(_apply(t, c), cl, ranks=False)  # type: ignore[misc]
            )
        sums = _kripp_interval_unit_sums(human)
        k_table = _incidence_rows(rs, np.arange(len(items)), sums)
        kernels.append(lambda c: {"alpha": _kripp_interval_from_sums(*_apply(k_table, c).T)})
        results = rs.run(kernels) if n_boot else [{} for _ in kernels]
        for (a, b, m), reps in zip(pair_rows, results, strict=False):
            x, y = human[m, a], human[m, b]
            out["pairs"].append(
                {
                    "rater_a": data.raters[a],
                    "rater_b": data.raters[b],
                    "n": len(m),
                    "pearson": _metric(
                        _quiet(lambda x=x, y=y: stats.pearsonr(x, y)),  # type: ignore[misc]
                        reps.get("pearson"),
                        confidence,
                    ),
                    "mae": _metric(
                        _quiet(lambda x=x, y=y: mean_absolute_error(x, y)),  # type: ignore[misc]
                        reps.get("mae"),
                        confidence,
                    ),
                }
            )
        pairable = int((n_per_item >= 2).sum())  # type: ignore[assignment]
        alpha = _kripp_interval_point(human.T) if pairable else float("nan")
        out["krippendorff_alpha"] = {
            **_metric(alpha, results[-1].get("alpha"), confidence),
            "level": level,
            "n_items": pairable,
        }
    return out


def _incidence_rows(rs: _Resampler, units: IntArray, feats: FloatArray) -> _Table:
    """(types x features) table from per-unit feature rows (units share features by type)."""
    t = rs.unit_type[units]
    rows, local = np.unique(t, return_inverse=True)
    table = np.zeros((len(rows), feats.shape[1]))
    np.add.at(table, local.reshape(-1), feats / rs.type_n[t][:, None])
    return _Table(rows, table, None)


def _design_sections(
    data: _Data,
    comp: _Comparison,
    design: pd.DataFrame,
    n_boot: int,
    rng: np.random.Generator,
    confidence: float,
    warn: list[str],
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Hájek-weighted (1/π) metrics for the run and per-stratum figures, stratified bootstrap."""
    missing = [c for c in ("item", "stratum", "inclusion_prob") if c not in design.columns]
    if missing:
        raise ValueError(f"design is missing column(s): {', '.join(missing)}")
    d_item = _normalise(design["item"])
    d_stratum = _normalise(design["stratum"])
    d_prob = _numeric(design["inclusion_prob"], "design inclusion_prob")
    if (d_item == None).any():  # noqa: E711
        raise ValueError("design: every row needs an item")
    # Unstratified samples (stratify_by=none) may leave the stratum empty: one stratum then.
    d_stratum = np.where(d_stratum == None, "(none)", d_stratum)  # noqa: E711
    if np.isnan(d_prob).any() or (d_prob <= 0).any() or (d_prob > 1).any():
        raise ValueError("design: inclusion_prob must be in (0, 1]")
    if pd.Series(d_item).duplicated().any():
        raise ValueError("design: each item may appear once")

    items_text = data.items[comp.items]
    pos = pd.Index(d_item).get_indexer(items_text)
    covered = np.flatnonzero(pos >= 0)
    if len(covered) < len(comp.items):
        warn.append(
            f"{len(comp.items) - len(covered)} compared item(s) have no design row: "
            "left out of the weighted and per-stratum figures"
        )
    if len(covered) == 0:
        return {}, []
    strata_names, strata = np.unique(d_stratum[pos[covered]].astype(str), return_inverse=True)
    strata = strata.astype(np.int64)
    weight = 1.0 / d_prob[pos[covered]]

    # Observations of the covered units, re-indexed to 0..len(covered)-1.
    local = np.full(len(comp.items), -1, dtype=np.int64)
    local[covered] = np.arange(len(covered))
    keep = local[comp.obs_unit] >= 0
    obs_unit = local[comp.obs_unit[keep]]
    ref, pred = comp.ref[keep], comp.pred[keep]
    obs_w = weight[obs_unit]
    if comp.clustered:
        base_keys = _unit_keys(data, comp)[covered]
    else:
        # One observation per unit: its (reference, judge) pair is all that matters here, and
        # fewer distinct keys mean cheaper draws.
        base_keys = np.column_stack([ref.astype(np.float64), pred.astype(np.float64)])
    keys = np.column_stack([base_keys, weight])
    rs = _Resampler(keys, n_boot, rng, strata=strata)

    n_strata = len(strata_names)
    if data.categorical:
        k = len(data.categories)
        present = np.unique(np.concatenate([ref, pred])).astype(np.int64)
        spec = _CatSpec(data.label_type, data.categories, present)
        cell = ref * k + pred
        table = _incidence(rs, obs_unit, cell, k * k, weights=obs_w)
        strata_tables = []
        for h in range(n_strata):
            m = strata[obs_unit] == h
            strata_tables.append(_incidence(rs, obs_unit[m], cell[m], k * k, weights=obs_w[m]))

        def kernel(counts: FloatArray) -> dict[str, FloatArray]:
            out = _weighted_only(
                _cat_kernel(_apply(table, counts).reshape(-1, k, k), spec), data.label_type
            )
            for h, t in enumerate(strata_tables):
                conf_h = _apply(t, counts).reshape(-1, k, k)
                for name, arr in _cat_kernel(conf_h, spec, full=False).items():
                    out[f"{h}:{name}"] = arr
            return out

        point_all = _weighted_only(_cat_points(ref, pred, spec, weights=obs_w), data.label_type)
        stratum_names: tuple[str, ...] = ("accuracy", "cohen_kappa")

        def stratum_points(m: npt.NDArray[np.bool_]) -> dict[str, float]:
            return _cat_points(ref[m], pred[m], spec, weights=obs_w[m], full=False)
    else:
        xy, inv = np.unique(np.column_stack([ref, pred]), axis=0, return_inverse=True)
        cells = _cells(xy[:, 0], xy[:, 1])
        table = _incidence(rs, obs_unit, inv.reshape(-1), len(xy), weights=obs_w)
        strata_tables = []
        for h in range(n_strata):
            m = strata[obs_unit] == h
            strata_tables.append(
                _incidence(rs, obs_unit[m], inv.reshape(-1)[m], len(xy), weights=obs_w[m])
            )

        def kernel(counts: FloatArray) -> dict[str, FloatArray]:
            res = _interval_kernel(_apply(table, counts), cells, ranks=False)
            out = {name: res[name] for name in ("pearson", "mae")}
            for h, t in enumerate(strata_tables):
                res_h = _interval_kernel(_apply(t, counts), cells, ranks=False)
                out[f"{h}:pearson"] = res_h["pearson"]
                out[f"{h}:mae"] = res_h["mae"]
            return out

        point_all = _interval_points(ref.astype(float), pred.astype(float), weights=obs_w)
        stratum_names = ("mae", "pearson")

        def stratum_points(m: npt.NDArray[np.bool_]) -> dict[str, float]:
            return _interval_points(ref[m].astype(float), pred[m].astype(float), weights=obs_w[m])

    reps = rs.run([kernel])[0] if n_boot else {}
    weighted = {
        "n": len(covered),
        "population_estimate": float(weight.sum()),
        "estimator": "hajek",
        "metrics": _ordered(_entries(point_all, reps, confidence)),
    }
    per_stratum: list[dict[str, Any]] = []
    for h, name in enumerate(strata_names):
        units = np.flatnonzero(strata == h)
        m = strata[obs_unit] == h
        pts = stratum_points(m)
        entry: dict[str, Any] = {
            "stratum": str(name),
            "n": len(units),
            "population_estimate": float(weight[units].sum()),
        }
        for metric_name in stratum_names:
            entry[metric_name] = _metric(
                pts[metric_name], reps.get(f"{h}:{metric_name}"), confidence
            )
        constant_w = np.ptp(weight[units]) == 0
        if data.categorical and constant_w and not comp.clustered:
            # Equal weights within the stratum make accuracy a plain proportion: Wilson stays
            # calibrated on a handful of items, where a percentile bootstrap does not.
            entry["accuracy"] = _wilson(float((ref[m] == pred[m]).sum()), int(m.sum()), confidence)
        if len(units) < 2:
            warn.append(f"stratum {name!r} has {len(units)} compared item: its CI is degenerate")
        per_stratum.append(entry)
    return weighted, per_stratum


def _weighted_only(metrics: dict[str, Any], label_type: str) -> dict[str, Any]:
    """The metrics that stay meaningful as population (design-weighted) estimates."""
    names = {
        "accuracy",
        "cohen_kappa",
        "gwet_ac1",
        "balanced_accuracy",
        "precision_macro",
        "recall_macro",
        "f1_macro",
    }
    if label_type == ORDINAL:
        names |= {"weighted_kappa_linear", "weighted_kappa_quadratic"}
    if label_type == PAIRWISE:
        names |= {"agreement_with_ties", "agreement_without_ties"}
    return {k: v for k, v in metrics.items() if k in names}


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def alignment_report(
    human: pd.DataFrame,
    judge: pd.DataFrame,
    *,
    judge_name: str,
    reference: str = "consensus",
    label_order: list[str] | None = None,
    kind: str = "auto",
    design: pd.DataFrame | None = None,
    n_boot: int = 1000,
    seed: int = 0,
    confidence: float = 0.95,
) -> dict[str, Any]:
    """Judge-vs-human agreement report (DESIGN §6) with bootstrap / Wilson confidence intervals."""
    if not isinstance(n_boot, int) or n_boot < 0:
        raise ValueError("n_boot must be a non-negative integer")
    if not 0.0 < confidence < 1.0:
        raise ValueError("confidence must be strictly between 0 and 1")
    if not isinstance(reference, str) or not reference:
        raise ValueError("reference must be 'consensus', 'each' or a rater name")
    data = _prepare(human, judge, kind, label_order)
    warn = data.warnings
    if confidence != 0.95:
        warn.append(f"confidence intervals are {confidence:.0%}, not 95%")
    if n_boot == 0:
        warn.append("n_boot=0: bootstrap intervals are not computed")
    # Independent streams: adding a rater or a design does not shift the judge's intervals.
    main_ss, inter_ss, design_ss = np.random.SeedSequence(seed).spawn(3)

    comp = _resolve_reference(data, reference)
    n = len(comp.items)
    if comp.no_majority:
        warn.append(
            f"{comp.no_majority} item(s) have no strict human majority: left out of the "
            "consensus comparison"
        )
    metrics: dict[str, Any] = {}
    confusion: dict[str, Any] = {
        "labels": list(data.categories),
        "matrix": [[0] * len(data.categories)] * len(data.categories),
    }
    ceiling = None
    if n == 0:
        warn.append("no item is labelled by both the judge and the reference")
    else:
        if n < SMALL_N:
            warn.append(f"only {n} item(s) compared: confidence intervals are wide and unreliable")
        metrics, confusion, ceiling = _judge_section(
            data, comp, n_boot, np.random.default_rng(main_ss), confidence, warn
        )
        undefined = [name for name, entry in metrics.items() if entry["value"] is None]
        if undefined:
            warn.append(
                "undefined on this data (e.g. a single label or a constant score on one side): "
                + ", ".join(undefined)
            )
    inter = _inter_rater(data, n_boot, np.random.default_rng(inter_ss), confidence, warn)
    inter["human_ceiling"] = ceiling
    if ceiling is None and len(data.raters) < 2:
        warn.append("a single human rater: no inter-rater agreement or human ceiling")

    weighted: dict[str, Any] = {}
    per_stratum: list[dict[str, Any]] = []
    if design is not None and n:
        weighted, per_stratum = _design_sections(
            data, comp, design, n_boot, np.random.default_rng(design_ss), confidence, warn
        )
    report = {
        "n": n,
        "judge": judge_name,
        "reference": reference,
        "label_type": data.label_type,
        "metrics": metrics,
        "confusion": confusion,
        "inter_rater": inter,
        "per_stratum": per_stratum,
        "weighted": weighted,
        "no_majority": comp.no_majority,
        "warnings": warn,
        "n_boot": n_boot,
        "seed": seed,
    }
    return _clean(report)


def _lookup(report: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The metric entry a gate name refers to (weighted:<m>, fleiss_kappa, or a plain metric)."""
    if name.startswith(WEIGHTED_PREFIX):
        return (report.get("weighted") or {}).get("metrics", {}).get(name[len(WEIGHTED_PREFIX) :])
    if name == "fleiss_kappa" and name not in report.get("metrics", {}):
        return (report.get("inter_rater") or {}).get("fleiss_kappa")
    return report.get("metrics", {}).get(name)


def gate(
    report: dict[str, Any], thresholds: dict[str, float], *, on: str = "ci_low"
) -> tuple[bool, list[str]]:
    """Check thresholds on the CI bound (or point with on='point'); returns (passed, reasons)."""
    if on not in ("ci_low", "point"):
        raise ValueError("on must be 'ci_low' or 'point'")
    reasons: list[str] = []
    for name, threshold in thresholds.items():
        entry = _lookup(report, name)
        if entry is None:
            available = ", ".join(sorted(report.get("metrics", {}))) or "none"
            reasons.append(f"{name}: not in the report (available: {available})")
            continue
        lower_better = name.removeprefix(WEIGHTED_PREFIX) in LOWER_IS_BETTER
        # For error metrics (mae) "under" means too high: check the pessimistic end, ci_high.
        field_name = "value" if on == "point" else ("ci_high" if lower_better else "ci_low")
        observed = entry.get(field_name)
        if observed is None:
            reasons.append(f"{name}: {field_name} is undefined for this data")
        elif lower_better and observed > threshold:
            reasons.append(f"{name}: {field_name} {observed:.4f} > {threshold:g}")
        elif not lower_better and observed < threshold:
            reasons.append(f"{name}: {field_name} {observed:.4f} < {threshold:g}")
    return not reasons, reasons


def _known_metric(name: str) -> bool:
    """True for a metric name the report can contain."""
    name = name.removeprefix(WEIGHTED_PREFIX)
    if name in BASE_METRICS:
        return True
    return any(name.startswith(p) and len(name) > len(p) for p in PER_CLASS_PREFIXES)


def parse_thresholds(specs: list[str]) -> dict[str, float]:
    """Parse ["cohen_kappa=0.6", ...] into {metric: threshold}; ValueError on a bad spec."""
    out: dict[str, float] = {}
    for spec in specs:
        if not isinstance(spec, str) or "=" not in spec:
            raise ValueError(f"bad threshold {spec!r}: expected METRIC=VALUE, e.g. cohen_kappa=0.6")
        # Split on the last '=': a per-class metric's label may itself contain '='.
        name, _, raw = spec.rpartition("=")
        name, raw = name.strip(), raw.strip()
        if not name:
            raise ValueError(f"bad threshold {spec!r}: the metric name is empty")
        if not _known_metric(name):
            raise ValueError(
                f"bad threshold {spec!r}: unknown metric {name!r}; known: "
                f"{', '.join(BASE_METRICS)}, precision:<label>, recall:<label>, f1:<label> "
                f"(prefix {WEIGHTED_PREFIX!r} for design-weighted figures)"
            )
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"bad threshold {spec!r}: {raw!r} is not a number") from None
        if not math.isfinite(value):
            raise ValueError(f"bad threshold {spec!r}: the value must be finite")
        if name in out and out[name] != value:
            raise ValueError(f"bad threshold {spec!r}: {name} is given twice with different values")
        out[name] = value
    return out


def _fmt(value: Any, digits: int = 3) -> str:
    """A number for a markdown table ('—' when undefined)."""
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.{digits}f}"
    return str(value)


def _ci_text(entry: dict[str, Any] | None) -> tuple[str, str, str]:
    """(value, interval, method) cells for one metric entry."""
    if not entry:
        return "—", "—", ""
    lo, hi = entry.get("ci_low"), entry.get("ci_high")
    interval = "—" if lo is None or hi is None else f"[{lo:.3f}, {hi:.3f}]"
    return _fmt(entry.get("value")), interval, str(entry.get("method", ""))


def _md_cell(text: Any) -> str:
    """Table-safe text."""
    return str(text).replace("|", "\\|").replace("\n", " ")


def report_to_markdown(report: dict[str, Any]) -> str:
    """Human-readable markdown rendering of an alignment report."""
    lines = [
        f"# Alignment: judge `{_md_cell(report.get('judge'))}` vs "
        f"{_md_cell(report.get('reference'))}",
        "",
        f"- items compared (n): **{report.get('n')}**",
        f"- label type: {report.get('label_type')}",
        f"- items without a human majority: {report.get('no_majority', 0)}",
        f"- bootstrap: {report.get('n_boot')} resamples, seed {report.get('seed')}",
        "",
    ]
    metrics = report.get("metrics") or {}
    if metrics:
        lines += ["## Metrics", "", "| metric | value | 95% CI | method |", "|---|---|---|---|"]
        for name, entry in metrics.items():
            value, interval, method = _ci_text(entry)
            lines.append(f"| {_md_cell(name)} | {value} | {interval} | {method} |")
        lines.append("")
    confusion = report.get("confusion") or {}
    labels = confusion.get("labels") or []
    if labels and confusion.get("matrix"):
        lines += [
            "## Confusion (rows: reference, columns: judge)",
            "",
            "| reference \\ judge | " + " | ".join(_md_cell(x) for x in labels) + " |",
            "|---" * (len(labels) + 1) + "|",
        ]
        for label, row in zip(labels, confusion["matrix"], strict=False):
            lines.append(f"| {_md_cell(label)} | " + " | ".join(str(v) for v in row) + " |")
        lines.append("")
    inter = report.get("inter_rater") or {}
    if inter:
        lines += [
            "## Human agreement",
            "",
            f"- raters: {inter.get('n_raters')}, items: {inter.get('n_items')}",
        ]
        for key in ("fleiss_kappa", "krippendorff_alpha"):
            entry = inter.get(key)
            if entry:
                value, interval, _ = _ci_text(entry)
                lines.append(f"- {key}: {value} {interval} (n_items {entry.get('n_items')})")
        pairs = inter.get("pairs") or []
        if pairs:
            names = [k for k in pairs[0] if k not in ("rater_a", "rater_b", "n")]
            lines += [
                "",
                "| rater pair | n | " + " | ".join(names) + " |",
                "|---|---|" + "---|" * len(names),
            ]
            for p in pairs:
                cells = [" ".join(_ci_text(p[name])[:2]) for name in names]
                lines.append(
                    f"| {_md_cell(p['rater_a'])} – {_md_cell(p['rater_b'])} | "
                    f"{p['n']} | " + " | ".join(cells) + " |"
                )
        ceiling = inter.get("human_ceiling")
        if ceiling:
            names = list(ceiling["human_human"])
            lines += [
                "",
                f"Human ceiling on the same {ceiling['n_items']} items:",
                "",
                "| | " + " | ".join(names) + " |",
                "|---|" + "---|" * len(names),
            ]
            for side, title in (
                ("human_human", "human vs human (mean of pairs)"),
                ("judge_human", "judge vs human (mean of raters)"),
            ):
                cells = [" ".join(_ci_text(ceiling[side][name])[:2]) for name in names]
                lines.append(f"| {title} | " + " | ".join(cells) + " |")
        lines.append("")
    weighted = report.get("weighted") or {}
    if weighted:
        lines += [
            "## Design-weighted (Hájek, weights 1/π)",
            "",
            f"- items: {weighted.get('n')}, estimated population: "
            f"{_fmt(weighted.get('population_estimate'), 1)}",
            "",
            "| metric | value | 95% CI |",
            "|---|---|---|",
        ]
        for name, entry in (weighted.get("metrics") or {}).items():
            value, interval, _ = _ci_text(entry)
            lines.append(f"| {_md_cell(name)} | {value} | {interval} |")
        lines.append("")
    strata = report.get("per_stratum") or []
    if strata:
        names = [k for k in strata[0] if k not in ("stratum", "n", "population_estimate")]
        lines += [
            "## Per stratum",
            "",
            "| stratum | n | population | " + " | ".join(names) + " |",
            "|---|---|---|" + "---|" * len(names),
        ]
        for s in strata:
            cells = [" ".join(_ci_text(s.get(name))[:2]) for name in names]
            lines.append(
                f"| {_md_cell(s['stratum'])} | {s['n']} | "
                f"{_fmt(s['population_estimate'], 1)} | " + " | ".join(cells) + " |"
            )
        lines.append("")
    if report.get("warnings"):
        lines += ["## Warnings", ""] + [f"- {_md_cell(w)}" for w in report["warnings"]] + [""]
    return "\n".join(lines)
