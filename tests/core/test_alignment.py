"""Alignment engine: metrics against reference libraries, hand-checked cases, CIs and the gate."""

from __future__ import annotations

import json
import math

import krippendorff
import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    cohen_kappa_score,
    mean_absolute_error,
    precision_recall_fscore_support,
)
from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa

from evalguard_core.alignment import (
    alignment_report,
    gate,
    parse_thresholds,
    report_to_markdown,
)
from evalguard_core.alignment.kernels import (
    _cat_kernel,
    _cat_spec,
    _cells,
    _fleiss_from_sums,
    _gwet_ac1,
    _interval_kernel,
    _kripp_from_coincidence,
    _kripp_interval_from_sums,
)
from evalguard_core.alignment.points import (
    _kripp_categorical_point,
    _kripp_interval_point,
    _kripp_interval_unit_sums,
)
from evalguard_core.alignment.resample import _Resampler

# ---------------------------------------------------------------------------- helpers


def long_human(votes: dict[str, list[object]], items: list[object] | None = None) -> pd.DataFrame:
    """Long human frame from {rater: labels per item}; None = not labelled."""
    n = len(next(iter(votes.values())))
    items = list(range(n)) if items is None else items
    rows = [
        {"item": items[i], "rater": rater, "label": None if v is None else str(v), "score": None}
        for rater, labels in votes.items()
        for i, v in enumerate(labels)
        if v is not None
    ]
    return pd.DataFrame(rows, columns=["item", "rater", "label", "score"])


def judge_frame(labels: list[object], items: list[object] | None = None) -> pd.DataFrame:
    """Judge frame with one label per item."""
    items = list(range(len(labels))) if items is None else items
    return pd.DataFrame(
        {
            "item": items,
            "label": [None if v is None else str(v) for v in labels],
            "score": [None] * len(labels),
        }
    )


def score_frames(ref: np.ndarray, pred: np.ndarray) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Single-rater human scores and judge scores."""
    items = list(range(len(ref)))
    human = pd.DataFrame({"item": items, "rater": "r1", "label": None, "score": ref})
    judge = pd.DataFrame({"item": items, "label": None, "score": pred})
    return human, judge


def confusion(ref: np.ndarray, pred: np.ndarray, k: int) -> np.ndarray:
    """(1, k, k) float confusion stack (rows = reference)."""
    conf = np.zeros((k, k))
    np.add.at(conf, (ref, pred), 1.0)
    return conf[None]


def noisy_labels(rng: np.random.Generator, n: int, k: int, keep: float) -> tuple[np.ndarray, ...]:
    """Skewed reference labels and a judge that copies them with probability `keep`."""
    p = np.arange(1, k + 1) / np.arange(1, k + 1).sum()
    ref = rng.choice(k, size=n, p=p)
    pred = np.where(rng.random(n) < keep, ref, rng.integers(0, k, n))
    return ref, pred


def approx(a: float | None, b: float, tol: float = 1e-9) -> bool:
    """Numbers agree to tol (None never agrees)."""
    return a is not None and math.isclose(a, b, rel_tol=tol, abs_tol=tol)


# ---------------------------------------------------------------------------- kernels vs libraries


@pytest.mark.parametrize("label_type", ["nominal", "ordinal", "pairwise"])
@pytest.mark.parametrize("seed", [1, 2])
def test_categorical_kernel_matches_libraries(label_type: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    k = 3 if label_type == "pairwise" else 4
    categories = ["A", "B", "tie"] if label_type == "pairwise" else [str(i) for i in range(k)]
    ref, pred = noisy_labels(rng, 400, k, keep=0.6)
    present = np.unique(np.concatenate([ref, pred]))
    out = {
        name: float(v[0])
        for name, v in _cat_kernel(
            confusion(ref, pred, k), _cat_spec(label_type, categories, present)
        ).items()
    }
    labels = list(range(k))
    assert approx(out["accuracy"], accuracy_score(ref, pred))
    assert approx(out["cohen_kappa"], cohen_kappa_score(ref, pred, labels=labels))
    assert approx(out["balanced_accuracy"], balanced_accuracy_score(ref, pred))
    prec, rec, f1, _ = precision_recall_fscore_support(
        ref, pred, labels=list(present), average=None, zero_division=0
    )
    assert approx(out["precision_macro"], prec.mean())
    assert approx(out["recall_macro"], rec.mean())
    assert approx(out["f1_macro"], f1.mean())
    for i, c in enumerate(present):
        assert approx(out[f"precision:{categories[c]}"], prec[i])
        assert approx(out[f"recall:{categories[c]}"], rec[i])
        assert approx(out[f"f1:{categories[c]}"], f1[i])
    level = "ordinal" if label_type == "ordinal" else "nominal"
    kripp = krippendorff.alpha(
        reliability_data=np.vstack([ref, pred]).astype(float),
        level_of_measurement=level,
        value_domain=labels,
    )
    assert approx(out[f"krippendorff_alpha_{level}"], kripp)
    if label_type == "ordinal":
        for how in ("linear", "quadratic"):
            assert approx(
                out[f"weighted_kappa_{how}"],
                cohen_kappa_score(ref, pred, labels=labels, weights=how),
            )
        assert approx(out["spearman"], stats.spearmanr(ref, pred).statistic)
        assert approx(out["kendall_tau"], stats.kendalltau(ref, pred).statistic)
    else:
        assert "spearman" not in out and "weighted_kappa_linear" not in out
    if label_type == "pairwise":
        keep = (ref != 2) & (pred != 2)
        assert approx(out["agreement_with_ties"], accuracy_score(ref, pred))
        assert approx(out["agreement_without_ties"], accuracy_score(ref[keep], pred[keep]))


def test_categorical_kernel_with_a_class_the_judge_never_uses() -> None:
    # sklearn's zero_division=0 convention: the unused class scores 0 and drags the macro down.
    ref = np.array([0, 0, 1, 1, 2, 2, 2])
    pred = np.array([0, 1, 1, 1, 0, 1, 1])
    spec = _cat_spec("nominal", ["a", "b", "c"], np.array([0, 1, 2]))
    out = _cat_kernel(confusion(ref, pred, 3), spec)
    prec, rec, f1, _ = precision_recall_fscore_support(ref, pred, average=None, zero_division=0)
    assert approx(float(out["precision_macro"][0]), prec.mean())
    assert approx(float(out["f1_macro"][0]), f1.mean())
    assert out["precision:c"][0] == 0.0


@pytest.mark.parametrize(("discrete", "n"), [(True, 600), (False, 120), (False, 600)])
def test_interval_kernel_matches_libraries(discrete: bool, n: int) -> None:
    # Continuous n=600 has 600 x 600 distinct (x, y) values: Kendall's exact per-replicate path.
    rng = np.random.default_rng(7)
    x = rng.normal(5, 2, n)
    y = x + rng.normal(0, 1.5, n)
    if discrete:  # 1-10 style scores: ties everywhere, the grid path for Kendall
        x, y = np.clip(np.round(x), 1, 10), np.clip(np.round(y), 1, 10)
    xy, inv = np.unique(np.column_stack([x, y]), axis=0, return_inverse=True)
    counts = np.bincount(inv.reshape(-1), minlength=len(xy)).astype(float)[None]
    out = {k: float(v[0]) for k, v in _interval_kernel(counts, _cells(xy[:, 0], xy[:, 1])).items()}
    assert approx(out["pearson"], stats.pearsonr(x, y).statistic)
    assert approx(out["spearman"], stats.spearmanr(x, y).statistic)
    assert approx(out["kendall_tau"], stats.kendalltau(x, y).statistic)
    assert approx(out["mae"], mean_absolute_error(x, y))
    if len(np.unique(np.concatenate([x, y]))) <= 300:  # the package is O(n * values^2)
        kripp = krippendorff.alpha(
            reliability_data=np.vstack([x, y]), level_of_measurement="interval"
        )
        assert approx(out["krippendorff_alpha_interval"], kripp)
        # The report's point value switches to the closed form above the package's memory cap.
        assert approx(_kripp_interval_point(np.vstack([x, y])), kripp)


def test_krippendorff_fallback_for_many_categories() -> None:
    # 300 units x 150 categories is past the dense-array cap: our coincidence sum is used.
    rng = np.random.default_rng(4)
    data = rng.integers(0, 150, (3, 300)).astype(float)
    data[0, :40] = data[1, :40]
    data[2, rng.random(300) < 0.3] = np.nan
    vc = np.stack([(data == c).sum(axis=0) for c in range(150)], axis=1).astype(float)
    for level in ("nominal", "ordinal"):
        ref = krippendorff.alpha(
            reliability_data=data, level_of_measurement=level, value_domain=list(range(150))
        )
        assert approx(_kripp_categorical_point(vc, level), ref)


def test_multi_rater_kernels_match_statsmodels_and_krippendorff() -> None:
    rng = np.random.default_rng(3)
    n_items, n_raters, k = 300, 4, 3
    truth = rng.integers(0, k, n_items)
    codes = np.where(
        rng.random((n_items, n_raters)) < 0.7,
        truth[:, None],
        rng.integers(0, k, (n_items, n_raters)),
    )
    # Fleiss: every item rated by all four.
    vc = np.stack([(codes == c).sum(axis=1) for c in range(k)], axis=1).astype(float)
    ours = _fleiss_from_sums(
        np.array([n_items]), vc.sum(axis=0)[None], np.array([(vc**2).sum()]), n_raters
    )[0]
    table, _ = aggregate_raters(codes, n_cat=k)
    assert approx(float(ours), fleiss_kappa(table, method="fleiss"))
    # Krippendorff with missing ratings, from summed per-item coincidences.
    missing = rng.random((n_items, n_raters)) < 0.3
    data = np.where(missing, np.nan, codes.astype(float))
    vcm = np.stack([(data == c).sum(axis=1) for c in range(k)], axis=1).astype(float)
    mu = vcm.sum(axis=1)
    ok = mu >= 2
    coin = (
        (vcm[ok, :, None] * vcm[ok, None, :] - vcm[ok, :, None] * np.eye(k)[None])
        / (mu[ok] - 1)[:, None, None]
    ).sum(axis=0)
    for level in ("nominal", "ordinal"):
        ours = _kripp_from_coincidence(coin[None], level)[0]
        ref = krippendorff.alpha(
            reliability_data=data.T, level_of_measurement=level, value_domain=list(range(k))
        )
        assert approx(float(ours), ref)
    # Interval alpha with missing scores, from per-item sums.
    scores = np.where(missing, np.nan, np.round(codes + rng.normal(0, 0.3, codes.shape), 1))
    sums = _kripp_interval_unit_sums(scores).sum(axis=0)
    ours = _kripp_interval_from_sums(*[np.array([v]) for v in sums])[0]
    ref = krippendorff.alpha(reliability_data=scores.T, level_of_measurement="interval")
    assert approx(float(ours), ref)


def test_hand_checked_two_by_two() -> None:
    # Reference rows, judge columns: [[20, 5], [10, 15]], n = 50.
    # po = (20 + 15) / 50 = 0.7; row totals 25, 25; column totals 30, 20.
    # pe (Cohen) = (25*30 + 25*20) / 50^2 = 1250 / 2500 = 0.5 -> kappa = 0.2 / 0.5 = 0.4.
    # Gwet: pi_0 = (25 + 30) / 100 = 0.55, pi_1 = 0.45; pe = (0.55*0.45 + 0.45*0.55) / (2 - 1)
    #   = 0.495 -> AC1 = (0.7 - 0.495) / (1 - 0.495) = 0.205 / 0.505 = 0.4059406
    # precision: 20/30, 15/20; recall: 20/25, 15/25; F1: 40/55, 30/45.
    ref = np.array([0] * 25 + [1] * 25)
    pred = np.array([0] * 20 + [1] * 5 + [0] * 10 + [1] * 15)
    report = alignment_report(
        long_human({"r1": list(ref)}),
        judge_frame(list(pred)),
        judge_name="j",
        reference="r1",
        label_order=["0", "1"],
        n_boot=50,
    )
    m = report["metrics"]
    assert report["confusion"] == {"labels": ["0", "1"], "matrix": [[20, 5], [10, 15]]}
    assert approx(m["accuracy"]["value"], 0.7)
    assert approx(m["cohen_kappa"]["value"], 0.4)
    assert approx(m["gwet_ac1"]["value"], 0.205 / 0.505)
    assert approx(m["precision:0"]["value"], 20 / 30)
    assert approx(m["precision:1"]["value"], 15 / 20)
    assert approx(m["recall:0"]["value"], 0.8)
    assert approx(m["recall:1"]["value"], 0.6)
    assert approx(m["f1_macro"]["value"], (40 / 55 + 30 / 45) / 2)
    assert approx(m["balanced_accuracy"]["value"], 0.7)


def test_gwet_ac1_hand_checked() -> None:
    # [[40, 10], [5, 45]], n = 100: pa = 0.85; pi_0 = (50 + 45) / 200 = 0.475, pi_1 = 0.525;
    # pe = 2 * 0.475 * 0.525 / (2 - 1) = 0.49875; AC1 = (0.85 - 0.49875) / 0.50125 = 0.7007481.
    conf = np.array([[[40.0, 10.0], [5.0, 45.0]]])
    assert approx(float(_gwet_ac1(conf, 2)[0]), 0.35125 / 0.50125)
    # Three categories, perfect agreement on a balanced table: AC1 = 1.
    assert approx(float(_gwet_ac1(np.eye(3)[None] * 10, 3)[0]), 1.0)


def test_resampler_draws_are_valid_bootstrap_counts() -> None:
    rng = np.random.default_rng(0)
    keys = rng.integers(0, 3, (500, 2)).astype(float)  # few types -> multinomial path
    strata = (np.arange(500) % 2).astype(np.int64)
    rs = _Resampler(keys, 400, rng, strata=strata)
    counts = np.vstack(list(rs.chunks()))
    assert counts.shape == (400, rs.n_types)
    type_stratum = np.zeros(rs.n_types, dtype=int)
    type_stratum[rs.unit_type] = strata
    for h in (0, 1):
        assert np.all(counts[:, type_stratum == h].sum(axis=1) == 250)
    np.testing.assert_allclose(counts.mean(axis=0), rs.type_n, rtol=0.15)
    unique = _Resampler(rng.normal(size=(300, 1)), 300, rng)  # every unit its own type
    drawn = np.vstack(list(unique.chunks()))
    assert np.all(drawn.sum(axis=1) == 300)
    assert abs(drawn.mean() - 1.0) < 0.02


# ---------------------------------------------------------------------------- report contract


def test_report_shape_is_json_and_deterministic() -> None:
    rng = np.random.default_rng(5)
    ref, pred = noisy_labels(rng, 120, 3, keep=0.7)
    other = np.where(rng.random(120) < 0.8, ref, rng.integers(0, 3, 120))
    names = np.array(["bad", "good", "ok"])
    human = long_human({"alice": list(names[ref]), "bob": list(names[other])})
    judge = judge_frame(list(names[pred]))
    a = alignment_report(human, judge, judge_name="gpt", reference="alice", n_boot=200, seed=1)
    b = alignment_report(human, judge, judge_name="gpt", reference="alice", n_boot=200, seed=1)
    c = alignment_report(human, judge, judge_name="gpt", reference="alice", n_boot=200, seed=2)
    json.dumps(a, allow_nan=False)
    assert a == b
    assert a["metrics"]["cohen_kappa"] != c["metrics"]["cohen_kappa"]
    assert set(a) == {
        "n",
        "judge",
        "reference",
        "label_type",
        "metrics",
        "confusion",
        "inter_rater",
        "per_stratum",
        "weighted",
        "pass_rate",
        "sequential",
        "grouped",
        "position_bias",
        "rater_model",
        "alt_test",
        "no_majority",
        "warnings",
        "n_boot",
        "seed",
    }
    # Sections that need more input (the judge over the run, bars, groups) are None without it.
    assert a["pass_rate"] is None and a["sequential"] is None and a["grouped"] is None
    assert a["position_bias"] is None and a["rater_model"] is None and a["alt_test"] is None
    assert a["label_type"] == "nominal" and a["n"] == 120 and a["judge"] == "gpt"
    for name, entry in a["metrics"].items():
        assert set(entry) == {"value", "ci_low", "ci_high", "method"}, name
        assert entry["ci_low"] <= entry["value"] + 1e-12 <= entry["ci_high"] + 2e-12, name
    assert a["metrics"]["accuracy"]["method"] == "wilson"
    assert a["metrics"]["cohen_kappa"]["method"] == "bca"
    assert a["weighted"] == {} and a["per_stratum"] == []
    # Nominal: ordinal- and interval-only metrics are absent.
    for absent in (
        "weighted_kappa_linear",
        "spearman",
        "pearson",
        "mae",
        "krippendorff_alpha_ordinal",
        "agreement_with_ties",
    ):
        assert absent not in a["metrics"]
    assert {"precision:bad", "recall:ok", "f1:good"} <= set(a["metrics"])


def test_label_type_detection() -> None:
    def kind_of(labels: list[object], **kw: object) -> dict:
        return alignment_report(
            long_human({"r": labels}), judge_frame(labels), judge_name="j", n_boot=0, **kw
        )

    numeric = kind_of([1, 2, 10, 9, 10])
    assert numeric["label_type"] == "ordinal"
    assert numeric["confusion"]["labels"] == ["1", "2", "9", "10"]  # by value, not text
    assert {"weighted_kappa_quadratic", "spearman", "krippendorff_alpha_ordinal"} <= set(
        numeric["metrics"]
    )
    text = kind_of(["good", "bad", "good"])
    assert text["label_type"] == "nominal" and text["confusion"]["labels"] == ["bad", "good"]
    declared = kind_of(["low", "high", "mid"], label_order=["low", "mid", "high"])
    assert declared["label_type"] == "ordinal"
    assert declared["confusion"]["labels"] == ["low", "mid", "high"]
    pairwise = kind_of(["a", "B", "TIE", "Tie"], kind="pairwise")
    assert pairwise["label_type"] == "pairwise"
    assert pairwise["confusion"]["labels"] == ["A", "B", "tie"]
    with pytest.raises(ValueError, match="not in label_order"):
        kind_of(["low", "huge"], label_order=["low", "high"])
    with pytest.raises(ValueError, match="pairwise labels"):
        kind_of(["A", "maybe"], kind="pairwise")
    # Floats that are whole numbers (pandas int columns with gaps) are the integer labels.
    float_labels = alignment_report(
        pd.DataFrame({"item": [1, 2, 3], "rater": "r", "label": [1.0, 2.0, np.nan]}),
        pd.DataFrame({"item": [1.0, 2.0, 3.0], "label": [1, 2, 2]}),
        judge_name="j",
        n_boot=0,
    )
    assert float_labels["n"] == 2 and float_labels["confusion"]["labels"] == ["1", "2"]


def test_scores_are_interval_and_consensus_is_the_mean() -> None:
    human = pd.DataFrame(
        {
            "item": [1, 1, 2, 2, 3, 3, 4],
            "rater": ["a", "b"] * 3 + ["a"],
            "label": None,
            "score": [1.0, 3.0, 4.0, 4.0, 0.0, 1.0, 5.0],
        }
    )
    judge = pd.DataFrame({"item": [1, 2, 3, 4], "label": None, "score": [2.0, 5.0, 0.0, 5.0]})
    rep = alignment_report(human, judge, judge_name="j", n_boot=100)
    assert rep["label_type"] == "interval" and rep["n"] == 4
    # Consensus = rater mean: [2, 4, 0.5, 5] vs judge [2, 5, 0, 5] -> MAE = (0 + 1 + .5 + 0) / 4.
    assert approx(rep["metrics"]["mae"]["value"], 0.375)
    assert set(rep["metrics"]) == {
        "pearson",
        "spearman",
        "kendall_tau",
        "mae",
        "krippendorff_alpha_interval",
    }
    assert rep["confusion"] == {"labels": [], "matrix": []}
    ir = rep["inter_rater"]
    assert ir["fleiss_kappa"] is None and ir["krippendorff_alpha"]["level"] == "interval"
    assert set(ir["pairs"][0]) == {"rater_a", "rater_b", "n", "pearson", "mae"}
    # Labels present too, but kind="score" compares the scores.
    human["label"] = "x"
    judge["label"] = "x"
    assert (
        alignment_report(human, judge, judge_name="j", kind="score", n_boot=0)["label_type"]
        == "interval"
    )


def test_interval_metrics_match_scipy_through_the_report() -> None:
    rng = np.random.default_rng(11)
    x = rng.normal(size=80)
    y = 0.6 * x + rng.normal(scale=0.8, size=80)
    rep = alignment_report(*score_frames(x, y), judge_name="j", n_boot=200)
    m = rep["metrics"]
    assert approx(m["pearson"]["value"], stats.pearsonr(x, y).statistic)
    assert approx(m["spearman"]["value"], stats.spearmanr(x, y).statistic)
    assert approx(m["kendall_tau"]["value"], stats.kendalltau(x, y).statistic)
    assert approx(m["mae"]["value"], mean_absolute_error(x, y))
    for entry in m.values():
        assert entry["ci_low"] < entry["value"] < entry["ci_high"]


def test_consensus_majority_and_no_majority() -> None:
    #           item0       item1        item2        item3
    votes = {"r1": ["a", "a", "a", "b"], "r2": ["a", "b", "b", None], "r3": ["b", "c", None, None]}
    judge = ["a", "a", "a", "a"]
    rep = alignment_report(long_human(votes), judge_frame(judge), judge_name="j", n_boot=50)
    # item0: a,a,b -> a; item1: a,b,c -> none; item2: a,b -> none (1-1); item3: b -> b.
    assert rep["no_majority"] == 2
    assert rep["n"] == 2
    assert rep["confusion"]["matrix"] == [[1, 0, 0], [1, 0, 0], [0, 0, 0]]
    assert any("no strict human majority" in w for w in rep["warnings"])
    assert any("only 2 item(s)" in w for w in rep["warnings"])


def test_reference_rater_and_each() -> None:
    votes = {"r1": ["a", "b", "a", "b", None], "r2": ["a", "a", None, "b", "b"]}
    judge = ["a", "b", "b", "b", "b"]
    by_r2 = alignment_report(
        long_human(votes), judge_frame(judge), judge_name="j", reference="r2", n_boot=50
    )
    assert by_r2["n"] == 4  # r2 labelled items 0, 1, 3, 4
    assert by_r2["metrics"]["accuracy"]["value"] == 0.75
    each = alignment_report(
        long_human(votes), judge_frame(judge), judge_name="j", reference="each", n_boot=200
    )
    assert each["n"] == 5  # items, not votes
    assert sum(map(sum, each["confusion"]["matrix"])) == 8  # judge x each vote
    # Correct votes: item0 2/2, item1 1/2, item2 0/1, item3 2/2, item4 1/1 -> 6/8.
    assert each["metrics"]["accuracy"]["value"] == 0.75
    assert each["metrics"]["accuracy"]["method"] == "bca"  # clustered by item
    with pytest.raises(ValueError, match="no rater 'zed'"):
        alignment_report(long_human(votes), judge_frame(judge), judge_name="j", reference="zed")


def test_pairwise_agreement_with_and_without_ties() -> None:
    ref = ["A", "A", "B", "tie", "B", "A"]
    pred = ["A", "tie", "B", "tie", "A", "A"]
    rep = alignment_report(
        long_human({"r": ref}), judge_frame(pred), judge_name="j", n_boot=50, kind="pairwise"
    )
    m = rep["metrics"]
    assert rep["label_type"] == "pairwise"
    # With ties: items 0, 2, 3, 5 agree -> 4/6.
    assert approx(m["agreement_with_ties"]["value"], 4 / 6)
    assert m["agreement_with_ties"]["method"] == "wilson"
    # Without ties (MT-Bench): drop items 1 and 3 (a tie on either side) -> 3 of items 0,2,4,5.
    assert approx(m["agreement_without_ties"]["value"], 0.75)
    assert "weighted_kappa_linear" not in m and "spearman" not in m


def test_design_weights_hand_checked() -> None:
    # easy: 4 items, pi = 0.5 (weight 2), all correct; hard: 2 items, pi = 0.1 (weight 10), 1 of
    # 2 correct. Unweighted accuracy = 5/6. Hajek: (4*2*1 + 10*1 + 10*0) / (4*2 + 2*10) = 18/28.
    ref = ["pass", "pass", "fail", "fail", "pass", "fail"]
    pred = ["pass", "pass", "fail", "fail", "pass", "pass"]
    design = pd.DataFrame(
        {
            "item": list(range(6)),
            "stratum": ["easy"] * 4 + ["hard"] * 2,
            "inclusion_prob": [0.5] * 4 + [0.1] * 2,
        }
    )
    rep = alignment_report(
        long_human({"r": ref}), judge_frame(pred), judge_name="j", design=design, n_boot=300
    )
    assert approx(rep["metrics"]["accuracy"]["value"], 5 / 6)
    w = rep["weighted"]
    assert w["n"] == 6 and approx(w["population_estimate"], 28.0)
    assert approx(w["metrics"]["accuracy"]["value"], 18 / 28)
    weights = np.array([2.0] * 4 + [10.0] * 2)
    assert approx(
        w["metrics"]["cohen_kappa"]["value"], cohen_kappa_score(ref, pred, sample_weight=weights)
    )
    lo, hi = w["metrics"]["accuracy"]["ci_low"], w["metrics"]["accuracy"]["ci_high"]
    # Stratified resampling keeps 'easy' at 100%; only 'hard' varies: 8/28 .. 28/28.
    assert 8 / 28 - 1e-12 <= lo <= 18 / 28 <= hi <= 1.0 + 1e-12
    strata = {s["stratum"]: s for s in rep["per_stratum"]}
    assert strata["easy"]["n"] == 4 and approx(strata["easy"]["population_estimate"], 8.0)
    assert strata["easy"]["accuracy"]["value"] == 1.0
    assert strata["hard"]["n"] == 2 and approx(strata["hard"]["population_estimate"], 20.0)
    assert strata["hard"]["accuracy"]["value"] == 0.5
    assert strata["hard"]["accuracy"]["method"] == "wilson"
    json.dumps(rep, allow_nan=False)


def test_design_with_uncovered_items_and_bad_probabilities() -> None:
    human, judge = long_human({"r": ["a", "b", "a"]}), judge_frame(["a", "b", "b"])
    design = pd.DataFrame({"item": [0, 1], "stratum": ["s", "s"], "inclusion_prob": [0.5, 0.5]})
    rep = alignment_report(human, judge, judge_name="j", design=design, n_boot=20)
    assert rep["weighted"]["n"] == 2
    assert any("no design row" in w for w in rep["warnings"])
    design.loc[0, "inclusion_prob"] = 0.0
    with pytest.raises(ValueError, match="inclusion_prob"):
        alignment_report(human, judge, judge_name="j", design=design, n_boot=20)


def test_inter_rater_and_human_ceiling() -> None:
    rng = np.random.default_rng(9)
    truth = rng.integers(0, 3, 200)
    votes = {
        f"r{i}": list(np.where(rng.random(200) < 0.8, truth, rng.integers(0, 3, 200)))
        for i in range(3)
    }
    judge = list(np.where(rng.random(200) < 0.6, truth, rng.integers(0, 3, 200)))
    # Reference r0 (who labelled everything): the ceiling's "same items" are all 200.
    rep = alignment_report(
        long_human(votes), judge_frame(judge), judge_name="j", reference="r0", n_boot=200
    )
    ir = rep["inter_rater"]
    assert ir["n_raters"] == 3 and ir["n_items"] == 200 and len(ir["pairs"]) == 3
    r = {k: np.array(v) for k, v in votes.items()}
    kappas = [cohen_kappa_score(r[p["rater_a"]], r[p["rater_b"]]) for p in ir["pairs"]]
    for p, kappa in zip(ir["pairs"], kappas, strict=True):
        assert approx(p["cohen_kappa"]["value"], kappa)
        assert p["cohen_kappa"]["ci_low"] < kappa < p["cohen_kappa"]["ci_high"]
    table, _ = aggregate_raters(np.column_stack(list(r.values())), n_cat=3)
    assert approx(ir["fleiss_kappa"]["value"], fleiss_kappa(table))
    kripp = krippendorff.alpha(
        reliability_data=np.vstack(list(r.values())).astype(float), level_of_measurement="ordinal"
    )
    assert approx(ir["krippendorff_alpha"]["value"], kripp)
    ceiling = ir["human_ceiling"]
    assert ceiling["n_items"] == rep["n"]
    assert (
        ceiling["human_human"]["cohen_kappa"]["value"]
        > ceiling["judge_human"]["cohen_kappa"]["value"]
    )
    assert approx(ceiling["human_human"]["cohen_kappa"]["value"], float(np.mean(kappas)))


def test_single_rater_and_empty_comparison() -> None:
    rep = alignment_report(
        long_human({"r": ["a", "b"]}), judge_frame(["a", None]), judge_name="j", n_boot=10
    )
    assert rep["n"] == 1 and rep["inter_rater"]["human_ceiling"] is None
    assert any("single human rater" in w for w in rep["warnings"])
    empty = alignment_report(
        long_human({"r": ["a"]}), judge_frame(["a"], items=[99]), judge_name="j", n_boot=10
    )
    assert empty["n"] == 0 and empty["metrics"] == {}
    with pytest.raises(ValueError, match="more than one verdict"):
        alignment_report(
            long_human({"r": ["a", "b"]}), judge_frame(["a", "b"], items=[0, 0]), judge_name="j"
        )
    with pytest.raises(ValueError, match="missing column"):
        alignment_report(pd.DataFrame({"item": [1]}), judge_frame(["a"]), judge_name="j")


def test_duplicate_human_rows_keep_the_last() -> None:
    human = pd.DataFrame({"item": [1, 1, 2], "rater": ["r", "r", "r"], "label": ["a", "b", "a"]})
    judge = pd.DataFrame({"item": [1, 2], "label": ["b", "a"]})
    rep = alignment_report(human, judge, judge_name="j", n_boot=0)
    assert rep["metrics"]["accuracy"]["value"] == 1.0
    assert any("duplicate" in w for w in rep["warnings"])


# ---------------------------------------------------------------------------- CI coverage


def test_ci_coverage_by_simulation() -> None:
    # Judge = reference with prob 0.7, else uniform over 3 classes; reference ~ (0.2, 0.3, 0.5).
    # Joint P(r, j) = p_r * (0.7 * [r == j] + 0.3 / 3), so the true accuracy and kappa are exact.
    p = np.array([0.2, 0.3, 0.5])
    joint = p[:, None] * (0.7 * np.eye(3) + 0.1)
    true_acc = np.trace(joint)
    pe = (joint.sum(axis=1) * joint.sum(axis=0)).sum()
    true_kappa = (true_acc - pe) / (1 - pe)
    rng = np.random.default_rng(2024)
    n, sims = 150, 500
    hit_acc = hit_kappa = 0
    for s in range(sims):
        ref = rng.choice(3, size=n, p=p)
        pred = np.where(rng.random(n) < 0.7, ref, rng.integers(0, 3, n))
        rep = alignment_report(
            long_human({"r": list(ref)}),
            judge_frame(list(pred)),
            judge_name="j",
            reference="r",
            label_order=["0", "1", "2"],
            n_boot=200,
            seed=s,
        )
        acc, kappa = rep["metrics"]["accuracy"], rep["metrics"]["cohen_kappa"]
        hit_acc += acc["ci_low"] <= true_acc <= acc["ci_high"]
        hit_kappa += kappa["ci_low"] <= true_kappa <= kappa["ci_high"]
    print(f"coverage: accuracy {hit_acc / sims:.3f}, kappa {hit_kappa / sims:.3f}")
    assert 0.92 <= hit_acc / sims <= 0.98, hit_acc / sims
    assert 0.92 <= hit_kappa / sims <= 0.98, hit_kappa / sims


# ---------------------------------------------------------------------------- gate and parsing


def _report(metrics: dict[str, tuple[float | None, float | None, float | None]]) -> dict:
    return {
        "n": 100,
        "metrics": {
            k: {"value": v, "ci_low": lo, "ci_high": hi, "method": "bootstrap"}
            for k, (v, lo, hi) in metrics.items()
        },
        "inter_rater": {"fleiss_kappa": {"value": 0.8, "ci_low": 0.7, "ci_high": 0.9}},
        "weighted": {"metrics": {"accuracy": {"value": 0.6, "ci_low": 0.5, "ci_high": 0.7}}},
    }


def test_gate_on_ci_low_and_point() -> None:
    rep = _report({"cohen_kappa": (0.65, 0.55, 0.75), "accuracy": (0.8, 0.75, 0.85)})
    assert gate(rep, {"accuracy": 0.7}) == (True, [])
    ok, reasons = gate(rep, {"cohen_kappa": 0.6, "accuracy": 0.7})
    assert not ok and len(reasons) == 1 and reasons[0].startswith("cohen_kappa: ci_low 0.5500")
    assert gate(rep, {"cohen_kappa": 0.6}, on="point") == (True, [])
    assert gate(rep, {"cohen_kappa": 0.55}) == (True, [])  # equal to the bound passes
    assert gate(rep, {}) == (True, [])
    with pytest.raises(ValueError):
        gate(rep, {"accuracy": 0.5}, on="mean")


def test_gate_unknown_undefined_lower_is_better_and_nested() -> None:
    rep = _report({"cohen_kappa": (None, None, None), "mae": (0.4, 0.3, 0.5)})
    ok, reasons = gate(rep, {"spearman": 0.1, "cohen_kappa": 0.1})
    assert not ok and len(reasons) == 2
    assert "not in the report" in reasons[0] and "undefined" in reasons[1]
    # MAE: lower is better; the pessimistic end of the interval is ci_high.
    assert gate(rep, {"mae": 0.6}) == (True, [])
    assert not gate(rep, {"mae": 0.45})[0]
    assert gate(rep, {"mae": 0.45}, on="point")[0]
    assert gate(rep, {"fleiss_kappa": 0.7})[0] and not gate(rep, {"fleiss_kappa": 0.75})[0]
    assert gate(rep, {"weighted:accuracy": 0.5})[0]
    assert not gate(rep, {"weighted:accuracy": 0.55})[0]


def test_gate_on_a_real_report() -> None:
    ref = ["a", "b"] * 30
    rep = alignment_report(long_human({"r": ref}), judge_frame(ref), judge_name="j", n_boot=50)
    assert gate(rep, parse_thresholds(["cohen_kappa=0.9", "accuracy=0.9"]))[0]
    assert not gate(rep, parse_thresholds(["weighted_kappa_linear=0.1"]))[0]  # nominal: absent


def test_parse_thresholds() -> None:
    assert parse_thresholds(
        [
            "cohen_kappa=0.6",
            " accuracy = 0.8 ",
            "f1:a=b=0.5",
            "weighted:accuracy=0.7",
            "fleiss_kappa=0.4",
        ]
    ) == {
        "cohen_kappa": 0.6,
        "accuracy": 0.8,
        "f1:a=b": 0.5,
        "weighted:accuracy": 0.7,
        "fleiss_kappa": 0.4,
    }
    assert parse_thresholds([]) == {}
    for bad, message in [
        ("cohen_kappa", "METRIC=VALUE"),
        ("=0.5", "empty"),
        ("cohen_kappa=high", "not a number"),
        ("cohens_kappa=0.5", "unknown"),
        ("accuracy=nan", "finite"),
        ("precision:=0.5", "unknown"),
    ]:
        with pytest.raises(ValueError, match=message):
            parse_thresholds([bad])
    with pytest.raises(ValueError, match="twice"):
        parse_thresholds(["accuracy=0.5", "accuracy=0.6"])


def test_markdown_rendering() -> None:
    votes = {"r1": ["a", "b", "a", "b"] * 5, "r2": ["a", "b", "b", "b"] * 5}
    design = pd.DataFrame(
        {"item": list(range(20)), "stratum": ["x", "y"] * 10, "inclusion_prob": [0.5, 0.25] * 10}
    )
    rep = alignment_report(
        long_human(votes),
        judge_frame(["a", "b", "a", "a"] * 5),
        judge_name="gpt|4",
        reference="r1",
        design=design,
        n_boot=50,
    )
    md = report_to_markdown(rep)
    assert md.startswith("# Alignment: judge `gpt\\|4` vs r1")
    for part in (
        "| accuracy |",
        "## Confusion",
        "## Human agreement",
        "Human ceiling",
        "## Design-weighted",
        "## Per stratum",
        "## Warnings",
    ):
        assert part in md


def test_crowd_of_raters_pairs_and_fleiss_on_the_modal_count() -> None:
    # 12 raters, 3 per item: 66 rater pairs (kernel point values past the sklearn pair limit)
    # and no item rated by everyone, so Fleiss uses the items with the modal 3 ratings.
    rng = np.random.default_rng(21)
    n_items, n_raters = 400, 12
    truth = rng.integers(0, 3, n_items)
    who = np.array([rng.choice(n_raters, 3, replace=False) for _ in range(n_items)])
    labels = np.where(
        rng.random((n_items, 3)) < 0.75, truth[:, None], rng.integers(0, 3, (n_items, 3))
    )
    human = pd.DataFrame(
        {
            "item": np.repeat(np.arange(n_items), 3),
            "rater": [f"r{w:02d}" for w in who.ravel()],
            "label": labels.ravel().astype(str),
        }
    )
    rep = alignment_report(human, judge_frame(list(truth)), judge_name="j", n_boot=100)
    ir = rep["inter_rater"]
    assert ir["n_raters"] == 12 and len(ir["pairs"]) == 66
    wide = human.pivot(index="item", columns="rater", values="label")
    for pair in ir["pairs"][::7]:
        both = wide[[pair["rater_a"], pair["rater_b"]]].dropna()
        assert pair["n"] == len(both)
        expected = cohen_kappa_score(both.iloc[:, 0], both.iloc[:, 1], labels=["0", "1", "2"])
        assert approx(pair["cohen_kappa"]["value"], expected)
        assert approx(pair["accuracy"]["value"], float((both.iloc[:, 0] == both.iloc[:, 1]).mean()))
    table, _ = aggregate_raters(labels, n_cat=3)
    assert ir["fleiss_kappa"]["raters_per_item"] == 3
    assert approx(ir["fleiss_kappa"]["value"], fleiss_kappa(table))
    assert ir["human_ceiling"]["n_rater_pairs"] == 66


def test_each_reference_resamples_items_not_votes() -> None:
    # Two raters who always agree: under reference="each" every item contributes two identical
    # votes. Resampling by item must then give exactly the consensus intervals (same seed, same
    # item types); resampling votes independently would make them narrower.
    rng = np.random.default_rng(13)
    ref, pred = noisy_labels(rng, 80, 3, keep=0.6)
    human = long_human({"r1": list(ref), "r2": list(ref)})
    judge = judge_frame(list(pred))
    each = alignment_report(human, judge, judge_name="j", reference="each", n_boot=300, seed=4)
    cons = alignment_report(human, judge, judge_name="j", reference="consensus", n_boot=300, seed=4)
    assert each["n"] == cons["n"] == 80
    for name in ("cohen_kappa", "f1_macro", "gwet_ac1"):
        for key in ("value", "ci_low", "ci_high"):
            assert approx(each["metrics"][name][key], cons["metrics"][name][key]), (name, key)


def test_weighted_kernel_matches_sklearn_sample_weight() -> None:
    rng = np.random.default_rng(17)
    ref, pred = noisy_labels(rng, 300, 4, keep=0.5)
    w = rng.choice([1.0, 2.5, 10.0], size=300)
    conf = np.zeros((1, 4, 4))
    np.add.at(conf[0], (ref, pred), w)
    out = _cat_kernel(conf, _cat_spec("ordinal", list("0123"), np.arange(4)))
    labels = [0, 1, 2, 3]
    assert approx(float(out["accuracy"][0]), accuracy_score(ref, pred, sample_weight=w))
    assert approx(float(out["cohen_kappa"][0]), cohen_kappa_score(ref, pred, sample_weight=w))
    assert approx(
        float(out["weighted_kappa_quadratic"][0]),
        cohen_kappa_score(ref, pred, labels=labels, weights="quadratic", sample_weight=w),
    )
    assert approx(
        float(out["balanced_accuracy"][0]), balanced_accuracy_score(ref, pred, sample_weight=w)
    )
    p, r, f, _ = precision_recall_fscore_support(ref, pred, average="macro", sample_weight=w)
    assert approx(float(out["precision_macro"][0]), p)
    assert approx(float(out["recall_macro"][0]), r)
    assert approx(float(out["f1_macro"][0]), f)
