"""Issue 13: one test per numbered defect, each built from the issue's minimal reproduction.

Every test here fails on the engine before the fix (single alignment.py) and passes after.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

from evalguard_core.alignment import alignment_report, gate, normalise_label, parse_thresholds


def long_human(votes: dict[str, list[object]]) -> pd.DataFrame:
    """Long human frame from {rater: labels per item}; None = not labelled."""
    rows = [
        {"item": i, "rater": rater, "label": v}
        for rater, labels in votes.items()
        for i, v in enumerate(labels)
        if v is not None
    ]
    return pd.DataFrame(rows, columns=["item", "rater", "label"])


def judge_frame(labels: list[object]) -> pd.DataFrame:
    """One judge label per item 0..n-1."""
    return pd.DataFrame({"item": range(len(labels)), "label": labels})


# 1 ------------------------------------------------------------------------------------------


def test_1_human_ceiling_uses_every_item_two_humans_labelled() -> None:
    r1, r2, judge = list("xxyyxyxy"), list("xyyxxyyx"), list("xxyyyxxy")
    report = alignment_report(
        long_human({"r1": r1, "r2": r2}), judge_frame(judge), judge_name="j", n_boot=200
    )
    ceiling = report["inter_rater"]["human_ceiling"]
    pair_kappa = cohen_kappa_score(r1, r2)
    assert pair_kappa == 0.0
    # Before: only the 4 items with a strict majority, where two raters agree by definition (1.0).
    assert ceiling["n_items"] == 8
    assert math.isclose(ceiling["human_human"]["cohen_kappa"]["value"], pair_kappa, abs_tol=1e-12)
    judge_each = np.mean([cohen_kappa_score(r, judge) for r in (r1, r2)])
    assert math.isclose(ceiling["judge_human"]["cohen_kappa"]["value"], judge_each)
    assert report["inter_rater"]["pairs"][0]["cohen_kappa"]["value"] == pytest.approx(pair_kappa)


def test_1_with_four_raters_the_ceiling_is_the_mean_pair_kappa_on_all_items() -> None:
    rng = np.random.default_rng(5)
    n = 120
    truth = rng.integers(0, 2, n)
    votes = {f"r{r}": np.where(rng.random(n) < 0.65, truth, 1 - truth) for r in range(4)}
    judge = np.where(rng.random(n) < 0.7, truth, 1 - truth)
    report = alignment_report(
        long_human({k: list(v) for k, v in votes.items()}),
        judge_frame(list(judge)),
        judge_name="j",
        n_boot=0,
    )
    raters = list(votes.values())
    pairs = [cohen_kappa_score(raters[a], raters[b]) for a in range(4) for b in range(a + 1, 4)]
    ceiling = report["inter_rater"]["human_ceiling"]
    assert ceiling["n_items"] == n
    assert math.isclose(ceiling["human_human"]["cohen_kappa"]["value"], float(np.mean(pairs)))


# 3 (see also test_alignment_kendall_large.py) -------------------------------------------------


def test_3_kendall_interval_is_one_method_centred_on_the_point_value() -> None:
    rng = np.random.default_rng(8)
    n = 5000  # 5,000 x 1,000 resamples used to mix 800 approximate with 200 exact replicates
    x = rng.lognormal(size=n)
    y = x + rng.lognormal(size=n)
    human = pd.DataFrame({"item": range(n), "rater": "h", "score": x})
    judge = pd.DataFrame({"item": range(n), "score": y})
    tau = alignment_report(human, judge, judge_name="j", n_boot=1000)["metrics"]["kendall_tau"]
    assert tau["method"] == "jackknife"
    centre = math.tanh((math.atanh(tau["ci_low"]) + math.atanh(tau["ci_high"])) / 2)
    assert math.isclose(centre, tau["value"], rel_tol=1e-9)


# 4 ------------------------------------------------------------------------------------------


def test_4_partly_labelled_design_uses_post_stratified_hajek_weights() -> None:
    # 50 easy items (judge always right) and 60 hard ones (judge always wrong), all drawn with
    # probability 0.5. Labelling is ahead on easy: 30 of 50 labelled, 5 of 60.
    easy, hard = 30, 5
    n = easy + hard
    ref = ["pass"] * n
    pred = ["pass"] * easy + ["fail"] * hard
    design = pd.DataFrame(
        {
            "item": list(range(110)),
            "stratum": ["easy"] * 50 + ["hard"] * 60,
            "inclusion_prob": 0.5,
        }
    )
    # Labelled items: 0..29 (easy) and 50..54 (hard).
    items = list(range(easy)) + list(range(50, 50 + hard))
    human = pd.DataFrame({"item": items, "rater": "r", "label": ref})
    judge = pd.DataFrame({"item": items, "label": pred})
    report = alignment_report(human, judge, judge_name="j", design=design, n_boot=200)
    weighted = report["weighted"]
    # Each stratum stands for its whole population: (100 * 1 + 120 * 0) / 220.
    assert weighted["metrics"]["accuracy"]["value"] == pytest.approx(100 / 220)
    assert weighted["population_estimate"] == pytest.approx(220.0)
    shares = {s["stratum"]: s["labelled_share"] for s in report["per_stratum"]}
    assert shares == {"easy": pytest.approx(30 / 50), "hard": pytest.approx(5 / 60)}
    assert any("75 of 110 design item(s) are not compared yet" in w for w in report["warnings"])


# 5 ------------------------------------------------------------------------------------------


def test_5_weighted_kappa_uses_the_values_of_an_integer_scale() -> None:
    ref = [1, 1, 2, 2, 5, 5, 1, 2, 5, 1]
    pred = [1, 2, 2, 5, 5, 1, 2, 1, 5, 5]
    report = alignment_report(
        long_human({"r": [str(v) for v in ref]}),
        judge_frame([str(v) for v in pred]),
        judge_name="j",
        n_boot=0,
    )
    m = report["metrics"]
    full = list(range(1, 6))
    for name, how in (
        ("weighted_kappa_linear", "linear"),
        ("weighted_kappa_quadratic", "quadratic"),
    ):
        by_value = cohen_kappa_score(ref, pred, labels=full, weights=how)
        by_position = cohen_kappa_score(ref, pred, labels=[1, 2, 5], weights=how)
        assert not math.isclose(by_value, by_position)
        assert m[name]["value"] == pytest.approx(by_value)


# 6 ------------------------------------------------------------------------------------------


def test_6_labels_are_compared_as_people_mean_them() -> None:
    human = long_human({"r": ["Pass", " fail", "1.0", "true", "FALSE"]})
    judge = judge_frame(["pass", "FAIL", 1, True, "false"])
    report = alignment_report(human, judge, judge_name="j", n_boot=0)
    assert report["metrics"]["accuracy"]["value"] == 1.0
    assert any("compared as one label 'pass'" in w for w in report["warnings"])
    assert normalise_label(" Pass ") == normalise_label("pass") == "pass"
    assert normalise_label("1.0") == normalise_label(1) == normalise_label(1.0) == "1"
    assert normalise_label("TRUE") == normalise_label(True) == "true"
    assert normalise_label("") is None and normalise_label(float("nan")) is None


# 7 ------------------------------------------------------------------------------------------


def test_7_an_a_b_multiple_choice_question_is_not_pairwise() -> None:
    labels = ["a", "b", "a", "a", "b"]
    report = alignment_report(
        long_human({"r": labels}), judge_frame(labels), judge_name="j", n_boot=0
    )
    assert report["label_type"] == "nominal"
    assert report["confusion"]["labels"] == ["a", "b"]  # no 'tie' class grows
    pairwise = alignment_report(
        long_human({"r": labels}), judge_frame(labels), judge_name="j", n_boot=0, kind="pairwise"
    )
    assert pairwise["label_type"] == "pairwise"


# 8 ------------------------------------------------------------------------------------------


def test_8_per_class_precision_without_errors_keeps_an_honest_interval() -> None:
    labels = ["pass"] * 14 + ["fail"] * 6  # n = 20, the judge never errs
    report = alignment_report(
        long_human({"r": labels}), judge_frame(labels), judge_name="j", n_boot=1000
    )
    precision = report["metrics"]["precision:pass"]
    assert precision["method"] == "wilson"
    assert precision["ci_low"] < 0.9 < precision["ci_high"]  # was [1.0, 1.0]
    passed, _ = gate(report, parse_thresholds(["precision:pass=0.9"]), allow_small=True)
    assert not passed
    assert report["metrics"]["cohen_kappa"]["method"] in ("bca", "bootstrap")


def test_8_pearson_on_skewed_scores_gets_a_bca_interval() -> None:
    rng = np.random.default_rng(2)
    x = rng.lognormal(size=50)
    y = x + rng.normal(0, 0.3 + x, 50)
    human = pd.DataFrame({"item": range(50), "rater": "h", "score": x})
    judge = pd.DataFrame({"item": range(50), "score": y})
    entry = alignment_report(human, judge, judge_name="j", n_boot=500)["metrics"]["pearson"]
    assert entry["method"] == "bca"  # was a plain percentile bootstrap
    assert entry["ci_low"] < entry["value"] < entry["ci_high"]


# 9 ------------------------------------------------------------------------------------------


def test_9_gate_refuses_to_pass_below_the_minimum_n_and_says_how_many_are_missing() -> None:
    labels = ["pass", "fail"] * 6  # 12 items, perfect agreement
    report = alignment_report(
        long_human({"r": labels}), judge_frame(labels), judge_name="j", n_boot=200
    )
    passed, reasons = gate(report, {"accuracy": 0.1})
    assert not passed
    assert "only 12 item(s) compared" in reasons[0] and "label 18 more" in reasons[0]
    assert gate(report, {"accuracy": 0.1}, allow_small=True) == (True, [])


# 12 -----------------------------------------------------------------------------------------


def test_12_stratum_names_in_warnings_are_plain_text() -> None:
    human = long_human({"r": ["pass", "fail", "pass"]})
    judge = judge_frame(["pass", "fail", "pass"])
    design = pd.DataFrame({"item": [0, 1, 2], "stratum": ["a", "b", "b"], "inclusion_prob": 0.5})
    report = alignment_report(human, judge, judge_name="j", design=design, n_boot=50)
    joined = " ".join(report["warnings"])
    assert "stratum 'a' has 1 compared item" in joined
    assert "np.str_" not in joined
