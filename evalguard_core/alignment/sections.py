"""Report sections: judge vs reference, human ceiling, inter-rater, design-weighted."""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import partial
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats
from sklearn.metrics import (
    confusion_matrix,
    mean_absolute_error,
)
from statsmodels.stats.inter_rater import fleiss_kappa

from evalguard_core.alignment.common import (
    INTERVAL,
    NOMINAL,
    ORDINAL,
    PAIRWISE,
    FloatArray,
    IntArray,
    Kernel,
    _div,
    _ordered,
    _quiet,
    _silently,
)
from evalguard_core.alignment.intervals import _entries, _metric, _wilson
from evalguard_core.alignment.kernels import (
    _cat_kernel,
    _cat_spec,
    _CatSpec,
    _Cells,
    _cells,
    _fleiss_from_sums,
    _interval_kernel,
    _kripp_from_coincidence,
    _kripp_interval_from_sums,
    interval_feats,
    interval_from_sums,
    rank_by_bootstrap,
)
from evalguard_core.alignment.points import (
    _cat_points,
    _interval_points,
    _kripp_categorical_point,
    _kripp_interval_point,
    _kripp_interval_unit_sums,
    _pair_kappa,
)
from evalguard_core.alignment.prepare import _Data, _normalise, _numeric
from evalguard_core.alignment.ranks import jackknife_entry, rank_jackknife
from evalguard_core.alignment.references import _Comparison
from evalguard_core.alignment.resample import (
    _apply,
    _incidence,
    _incidence_rows,
    _Resampler,
    _Table,
)

# Above this many distinct items, score comparisons get exact jackknife intervals instead of the
# bootstrap: every score metric is a smooth function of sums (or a rank statistic with an exact
# leave-one-out, ranks.py), so the jackknife is accurate there and costs O(n) instead of
# O(n x resamples).
JACKKNIFE_N = 20_000
_SCORE_NAMES = ("pearson", "mae", "krippendorff_alpha_interval")


def _unit_sums(unit: IntArray, feats: FloatArray, n_units: int) -> FloatArray:
    """Per unit, the sum of its observations' feature rows."""
    return np.column_stack(
        [np.bincount(unit, weights=feats[:, j], minlength=n_units) for j in range(feats.shape[1])]
    )


def _score_jackknife_entries(
    points: dict[str, float], loo: dict[str, FloatArray], names: Sequence[str], confidence: float
) -> dict[str, dict[str, Any]]:
    """Jackknife entries for score metrics; correlations on Fisher's z scale."""
    return {
        name: jackknife_entry(points[name], loo[name], confidence, correlation=name == "pearson")
        for name in names
        if name in points and math.isfinite(points[name])
    }


def _judge_jackknife(comp: _Comparison, confidence: float) -> dict[str, Any]:
    """Score metrics with exact jackknife intervals (leave one item out)."""
    ref, pred = comp.ref.astype(float), comp.pred.astype(float)
    units = _unit_sums(comp.obs_unit, interval_feats(ref, pred), len(comp.items))
    loo = interval_from_sums(units.sum(axis=0)[None, :] - units)
    points = _interval_points(ref, pred)
    metrics: dict[str, Any] = {name: {"value": points.get(name)} for name in points}
    metrics.update(_score_jackknife_entries(points, loo, _SCORE_NAMES, confidence))
    for name, entry in rank_jackknife(ref, pred, confidence).items():
        if entry["value"] is not None and math.isfinite(entry["value"]):
            metrics[name] = entry
    for entry in metrics.values():
        entry.setdefault("ci_low", None)
        entry.setdefault("ci_high", None)
        entry.setdefault("method", "jackknife")
        if entry["value"] is not None and not math.isfinite(entry["value"]):
            entry["value"] = None
    return _ordered(metrics)


def _side_sums(sides: list[tuple[FloatArray, FloatArray, IntArray]], n: int) -> list[FloatArray]:
    """Per side (a pair of raters or the judge and a rater), per-item interval sums."""
    out = []
    for x, y, m in sides:
        u = np.zeros((n, 10))
        u[m] = interval_feats(x[m].astype(float), y[m].astype(float))
        out.append(u)
    return out


def _pair_cat_kernel(counts: FloatArray, table: _Table, spec: _CatSpec) -> dict[str, FloatArray]:
    """Accuracy and kappa of one rater pair per replicate."""
    k = spec.k
    return _cat_kernel(_apply(table, counts).reshape(-1, k, k), spec, full=False)


def _pair_score_kernel(counts: FloatArray, table: _Table, cells: _Cells) -> dict[str, FloatArray]:
    """Pearson, MAE (and alpha) of one rater pair's scores per replicate."""
    return _interval_kernel(_apply(table, counts), cells, ranks=False)


def _unit_keys(data: _Data, comp: _Comparison) -> FloatArray:
    """Per compared item: everything its observations depend on (judge + every rater)."""
    if not comp.clustered:
        # One observation per item: its (reference, judge) pair is all that matters, and fewer
        # distinct keys mean cheaper draws.
        # (judge, reference): with a single rater the same keys as reference="each".
        return np.column_stack([comp.pred.astype(np.float64), comp.ref.astype(np.float64)])
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
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Judge-vs-reference metrics and the confusion matrix."""
    if not data.categorical and n_boot and len(comp.items) > JACKKNIFE_N:
        return _judge_jackknife(comp, confidence), {"labels": [], "matrix": []}
    rs = _Resampler(_unit_keys(data, comp), n_boot, rng)
    if data.categorical:
        k = len(data.categories)
        present = np.unique(np.concatenate([comp.ref, comp.pred])).astype(np.int64)
        spec = _cat_spec(data.label_type, data.categories, present, data.values)
        main = _incidence(rs, comp.obs_unit, comp.ref * k + comp.pred, k * k)

        def main_kernel(counts: FloatArray) -> dict[str, FloatArray]:
            return _cat_kernel(_apply(main, counts).reshape(-1, k, k), spec)

        points = _cat_points(comp.ref, comp.pred, spec)
    else:
        xy, obs_cell = np.unique(
            np.column_stack([comp.ref, comp.pred]), axis=0, return_inverse=True
        )
        cells = _cells(xy[:, 0], xy[:, 1])
        main = _incidence(rs, comp.obs_unit, obs_cell.reshape(-1), len(xy))
        # Past the grid budget, rank correlations get their interval from the exact jackknife
        # (intervals.rank_jackknife) instead of re-ranking every resample.
        ranks = rank_by_bootstrap(cells, len(comp.ref))

        def main_kernel(counts: FloatArray) -> dict[str, FloatArray]:
            return _interval_kernel(_apply(main, counts), cells, ranks=ranks)

        points = _interval_points(comp.ref.astype(float), comp.pred.astype(float))

    reps = rs.run([main_kernel])[0] if n_boot else {}
    metrics = _entries(points, reps, confidence)
    if data.categorical:
        if not comp.clustered:
            _proportion_intervals(metrics, comp, data, present, confidence)
        labels = list(range(len(data.categories)))
        conf = _silently(lambda: confusion_matrix(comp.ref, comp.pred, labels=labels))
        confusion: dict[str, Any] = {"labels": list(data.categories), "matrix": conf.tolist()}
        _class_warnings(conf, present, data.categories, warn)
    else:
        confusion = {"labels": [], "matrix": []}
        # Pearson keeps its BCa interval: Fisher's z assumes bivariate-normal scores and covers
        # far below 95% on skewed, heteroscedastic ones (bench/coverage.py).
        if n_boot and not ranks:
            for name, entry in rank_jackknife(
                comp.ref.astype(float), comp.pred.astype(float), confidence
            ).items():
                if metrics.get(name, {}).get("value") is not None:
                    metrics[name] = entry
    return _ordered(metrics), confusion


def _proportion_intervals(
    metrics: dict[str, Any],
    comp: _Comparison,
    data: _Data,
    present: IntArray,
    confidence: float,
) -> None:
    """Wilson intervals for the plain proportions over independent items.

    Accuracy, and per-class precision (correct among the judge's c) and recall (correct among
    the reference's c): a percentile bootstrap collapses to [1, 1] on a sample with no error.
    """
    ref, pred = comp.ref, comp.pred
    metrics["accuracy"] = _wilson(float((ref == pred).sum()), len(ref), confidence)
    if data.label_type == PAIRWISE:
        metrics["agreement_with_ties"] = dict(metrics["accuracy"])
        tie = data.categories.index("tie")
        m = (ref != tie) & (pred != tie)
        metrics["agreement_without_ties"] = _wilson(
            float((ref[m] == pred[m]).sum()), int(m.sum()), confidence
        )
    for c in present:
        label = data.categories[int(c)]
        hit = float(((ref == c) & (pred == c)).sum())
        for prefix, trials in (
            ("precision:", int((pred == c).sum())),
            ("recall:", int((ref == c).sum())),
        ):
            name = prefix + label
            if name in metrics and trials > 0:
                metrics[name] = _wilson(hit, trials, confidence)


def _ceiling_section(
    data: _Data, n_boot: int, rng: np.random.Generator, confidence: float
) -> dict[str, Any] | None:
    """Human ceiling: judge vs each human beside human vs human, on the same items.

    The items are every one the judge and at least two humans labelled (not only those with a
    strict majority, which would make two raters always agree with themselves).
    """
    rated_all = data.rated()
    items = np.flatnonzero(data.judged() & (rated_all.sum(axis=1) >= 2))
    if len(items) == 0:
        return None
    rated = rated_all[items]
    human = data.human[items]
    judge = data.judge[items]
    pairs = [(a, b) for a, b in _pairs(len(data.raters)) if (rated[:, a] & rated[:, b]).any()]
    if not pairs:
        return None
    keys = np.column_stack([judge.astype(np.float64), human.astype(np.float64)])
    if not data.categorical:
        keys = np.where(np.isnan(keys), np.inf, keys)
    # (x values, y values, units where both are present): every rater pair, then the judge
    # against every rater.
    sides = [
        (human[:, a], human[:, b], np.flatnonzero(rated[:, a] & rated[:, b])) for a, b in pairs
    ] + [
        (human[:, r], judge, np.flatnonzero(rated[:, r]))
        for r in range(len(data.raters))
        if rated[:, r].any()
    ]
    ceiling: dict[str, Any] = {"n_items": len(items), "n_rater_pairs": len(pairs)}
    if not data.categorical and n_boot and len(items) > JACKKNIFE_N:
        sums = _side_sums(sides, len(items))
        full = _ceiling_means(
            [interval_from_sums(u.sum(axis=0)[None, :]) for u in sums],
            len(pairs),
            ("pearson", "mae"),
        )
        loo = _ceiling_means(
            [interval_from_sums(u.sum(axis=0)[None, :] - u) for u in sums],
            len(pairs),
            ("pearson", "mae"),
        )
        for side in ("human_human", "judge_human"):
            ceiling[side] = {
                name: jackknife_entry(
                    float(full[f"{side}:{name}"][0]),
                    loo[f"{side}:{name}"],
                    confidence,
                    correlation=name == "pearson",
                )
                for name in ("pearson", "mae")
            }
        return ceiling
    rs = _Resampler(keys, n_boot, rng)
    if data.categorical:
        k = len(data.categories)
        light = _CatSpec(data.label_type, data.categories, np.arange(k), values=data.values)
        side_tables: list[tuple[_Table, _Cells | None]] = [
            (_incidence(rs, m, x[m] * k + y[m], k * k), None) for x, y, m in sides
        ]
        names: tuple[str, ...] = ("accuracy", "cohen_kappa")

        def side_kernel(side: tuple[_Table, _Cells | None], c: FloatArray) -> dict[str, FloatArray]:
            return _cat_kernel(_apply(side[0], c).reshape(-1, k, k), light, full=False)
    else:
        side_tables = []
        for x, y, m in sides:
            sxy, inv = np.unique(np.column_stack([x[m], y[m]]), axis=0, return_inverse=True)
            side_tables.append(
                (_incidence(rs, m, inv.reshape(-1), len(sxy)), _cells(sxy[:, 0], sxy[:, 1]))
            )
        names = ("pearson", "mae")

        def side_kernel(side: tuple[_Table, _Cells | None], c: FloatArray) -> dict[str, FloatArray]:
            assert side[1] is not None
            return _interval_kernel(_apply(side[0], c), side[1], ranks=False)

    def ceiling_kernel(counts: FloatArray) -> dict[str, FloatArray]:
        parts = [side_kernel(t, counts) for t in side_tables]
        return _ceiling_means(parts, len(pairs), names)

    reps = rs.run([ceiling_kernel])[0] if n_boot else {}
    # A summary of many pairs: its point value is the same kernel on the observed sample (the
    # per-pair formulas are tested against sklearn / scipy).
    observed = {k: float(v[0]) for k, v in ceiling_kernel(rs.full()).items()}
    for side in ("human_human", "judge_human"):
        ceiling[side] = {
            name: _metric(observed[f"{side}:{name}"], reps.get(f"{side}:{name}"), confidence)
            for name in names
        }
    return ceiling


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
    pairs = [(a, b) for a, b in _pairs(len(data.raters)) if (rated[:, a] & rated[:, b]).any()]
    n_per_item = rated.sum(axis=1)
    if not data.categorical and n_boot and len(items) > JACKKNIFE_N:
        _inter_rater_jackknife(out, data, human, rated, pairs, n_per_item, confidence)
        return out
    rs = _Resampler(keys, n_boot, rng)
    kernels: list[Kernel] = []
    pair_rows: list[tuple[int, int, IntArray]] = []

    if data.categorical:
        k = len(data.categories)
        light = _CatSpec(data.label_type, data.categories, np.arange(k))
        for a, b in pairs:
            m = np.flatnonzero(rated[:, a] & rated[:, b])
            pair_rows.append((a, b, m))
            table = _incidence(rs, m, human[m, a] * k + human[m, b], k * k)
            kernels.append(partial(_pair_cat_kernel, table=table, spec=light))
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
            kernels.append(partial(_pair_score_kernel, table=table, cells=cells))
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
                        _quiet(partial(stats.pearsonr, x, y)),
                        reps.get("pearson"),
                        confidence,
                    ),
                    "mae": _metric(
                        _quiet(partial(mean_absolute_error, x, y)),
                        reps.get("mae"),
                        confidence,
                    ),
                }
            )
        n_pairable = int((n_per_item >= 2).sum())
        alpha = _kripp_interval_point(human.T) if n_pairable else float("nan")
        out["krippendorff_alpha"] = {
            **_metric(alpha, results[-1].get("alpha"), confidence),
            "level": level,
            "n_items": n_pairable,
        }
    return out


def _post_stratified_weights(
    design_strata: npt.NDArray[Any],
    design_prob: FloatArray,
    rows: IntArray,
    strata: IntArray,
    strata_names: list[str],
    warn: list[str],
) -> tuple[FloatArray, list[dict[str, Any]]]:
    """Hájek post-stratified weights for the labelled design items, and labelling progress.

    A stratum's labelled items stand for the whole stratum: w_i = (1/π_i) N_h / Σ_labelled 1/π,
    with N_h = Σ 1/π over the stratum's design items (N_h / m_h when π is constant). Plain 1/π
    over a partly labelled queue would under-weight the strata labelled least.
    """
    inv = 1.0 / design_prob
    weight = inv[rows].copy()
    shares: list[dict[str, Any]] = []
    for h, name in enumerate(strata_names):
        in_design = design_strata == name
        mine = strata == h
        pop = float(inv[in_design].sum())
        weight[mine] *= pop / float(weight[mine].sum())
        shares.append(
            {
                "design_items": int(in_design.sum()),
                "labelled_share": float(mine.sum() / max(int(in_design.sum()), 1)),
            }
        )
    unlabelled = len(design_prob) - len(rows)
    if unlabelled > 0:
        progress = ", ".join(
            f"{name} {int((strata == h).sum())}/{s['design_items']}"
            for h, (name, s) in enumerate(zip(strata_names, shares, strict=True))
        )
        warn.append(
            f"{unlabelled} of {len(design_prob)} design item(s) are not compared yet (unlabelled "
            f"or no judge verdict): weighted figures are post-stratified per stratum "
            f"({progress}) and move as labelling continues"
        )
    missing = sorted(set(design_strata.tolist()) - set(strata_names))
    if missing:
        warn.append(
            f"stratum(s) {', '.join(missing)} have no compared item: the weighted figures "
            "describe the other strata only"
        )
    return weight, shares


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
    unique_strata, strata_codes = np.unique(
        d_stratum[pos[covered]].astype(str), return_inverse=True
    )
    strata_names = [str(s) for s in unique_strata]  # plain text in warnings, not np.str_('a')
    strata = strata_codes.astype(np.int64)
    weight, shares = _post_stratified_weights(
        d_stratum.astype(str), d_prob, pos[covered], strata, strata_names, warn
    )

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
        spec = _CatSpec(data.label_type, data.categories, present, values=data.values)
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
            **shares[h],
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
            warn.append(
                f"stratum {str(name)!r} has {len(units)} compared item: its CI is degenerate"
            )
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


def _inter_rater_jackknife(
    out: dict[str, Any],
    data: _Data,
    human: FloatArray,
    rated: npt.NDArray[np.bool_],
    pairs: list[tuple[int, int]],
    n_per_item: IntArray,
    confidence: float,
) -> None:
    """Score agreement between humans with exact jackknife intervals (many items)."""
    for a, b in pairs:
        m = np.flatnonzero(rated[:, a] & rated[:, b])
        x, y = human[m, a], human[m, b]
        feats = interval_feats(x, y)
        loo = interval_from_sums(feats.sum(axis=0)[None, :] - feats)
        points = {
            "pearson": _quiet(partial(stats.pearsonr, x, y)),
            "mae": _quiet(partial(mean_absolute_error, x, y)),
        }
        entries = _score_jackknife_entries(points, loo, ("pearson", "mae"), confidence)
        out["pairs"].append(
            {
                "rater_a": data.raters[a],
                "rater_b": data.raters[b],
                "n": len(m),
                **{
                    name: entries.get(
                        name,
                        {"value": None, "ci_low": None, "ci_high": None, "method": "jackknife"},
                    )
                    for name in ("pearson", "mae")
                },
            }
        )
    pairable = int((n_per_item >= 2).sum())
    alpha = _kripp_interval_point(human.T) if pairable else float("nan")
    units = _kripp_interval_unit_sums(human)
    loo_alpha = _kripp_interval_from_sums(*(units.sum(axis=0)[None, :] - units).T)
    entry = jackknife_entry(alpha, loo_alpha[n_per_item >= 2], confidence, correlation=False)
    if not math.isfinite(alpha):
        entry = {"value": None, "ci_low": None, "ci_high": None, "method": "jackknife"}
    out["krippendorff_alpha"] = {**entry, "level": out["level"], "n_items": pairable}
