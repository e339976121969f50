"""Dawid-Skene with the judge as a rater: crowd-kit as the reference, known-truth simulation."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from crowdkit.aggregation import DawidSkene

from evalguard_core.alignment import alignment_report
from evalguard_core.alignment.ratermodel import _judge_ci, dawid_skene_section, em_counts
from evalguard_core.alignment.resample import _row_types

# Rows: the true class; columns: the label given. Two good raters, one weak, and the judge.
CONFUSIONS = [
    [[0.9, 0.05, 0.05], [0.05, 0.9, 0.05], [0.1, 0.1, 0.8]],
    [[0.85, 0.1, 0.05], [0.1, 0.85, 0.05], [0.05, 0.15, 0.8]],
    [[0.6, 0.2, 0.2], [0.2, 0.6, 0.2], [0.2, 0.2, 0.6]],
    [[0.8, 0.15, 0.05], [0.1, 0.75, 0.15], [0.05, 0.25, 0.7]],
]
PRIORS = [0.5, 0.3, 0.2]


def _simulate(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Labels drawn from known confusion matrices; returns (truth, codes items x 4)."""
    rng = np.random.default_rng(seed)
    truth = rng.choice(3, size=n, p=PRIORS)
    codes = np.empty((n, len(CONFUSIONS)), dtype=np.int64)
    for j, conf in enumerate(CONFUSIONS):
        cum = np.cumsum(np.asarray(conf)[truth], axis=1)
        codes[:, j] = (rng.random(n)[:, None] > cum).sum(axis=1)
    return truth, codes


def _true_accuracy(j: int) -> float:
    return float(sum(p * CONFUSIONS[j][c][c] for c, p in enumerate(PRIORS)))


def test_vectorised_em_reproduces_crowdkit() -> None:
    _, codes = _simulate(0, 400)
    codes[np.random.default_rng(1).random(codes.shape) < 0.15] = -1  # gaps, as in real queues
    item, rater = np.nonzero(codes >= 0)
    frame = pd.DataFrame({"task": item, "worker": rater, "label": codes[item, rater]})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # crowd-kit's pandas deprecation warnings
        model = DawidSkene(n_iter=200, tol=1e-10).fit(frame)
    types, first, freq = _row_types(codes.astype(np.float64))
    post, priors, errors = em_counts(codes[first], freq[None, :].astype(np.float64), 3, 200)
    labelled = np.flatnonzero((codes >= 0).any(axis=1))
    expected = model.probas_.reindex(columns=range(3)).loc[labelled].to_numpy()
    assert np.abs(post[0][types[labelled]] - expected).max() < 1e-4
    assert np.abs(priors[0] - model.priors_.reindex(range(3)).to_numpy()).max() < 1e-5
    ck = model.errors_.reindex(columns=range(3))
    for w in range(4):
        for label in range(3):
            assert errors[0, w, :, label] == pytest.approx(ck.loc[(w, label)].to_numpy(), abs=1e-4)


def test_recovers_known_confusions_and_the_judge_ci_covers_the_truth() -> None:
    truth, codes = _simulate(2, 1500)
    section = dawid_skene_section(
        codes[:, :3],
        codes[:, 3],
        ["h1", "h2", "h3"],
        "judge",
        ["x", "y", "z"],
        n_boot=300,
        rng=np.random.default_rng(0),
        confidence=0.95,
    )
    for j, row in enumerate(section["raters"]):
        assert np.abs(np.asarray(row["confusion"]) - np.asarray(CONFUSIONS[j])).max() < 0.06
        assert row["accuracy"] == pytest.approx(_true_accuracy(j), abs=0.03)
    assert section["raters"][3]["is_judge"] is True
    acc = section["judge_accuracy"]
    # The judge's true accuracy (0.7 x 0.2 + 0.75 x 0.3 + 0.8 x 0.5 = 0.765) is inside the CI,
    # and close to its accuracy against the simulated truth on these very items.
    assert acc["ci_low"] < _true_accuracy(3) < acc["ci_high"]
    assert acc["value"] == pytest.approx(float((codes[:, 3] == truth).mean()), abs=0.03)
    assert section["priors"]["x"] == pytest.approx(0.5, abs=0.04)
    # True accuracies: h1 0.88, h2 0.84, judge 0.765, h3 0.6 (the weak rater is found out).
    assert "rank 3 of 4" in section["summary"][0]
    ranks = sorted(section["raters"], key=lambda r: -r["accuracy"])
    assert [r["rater"] for r in ranks] == ["h1", "h2", "judge", "h3"]


def test_judge_ci_coverage_by_seeded_simulation() -> None:
    """About 95% of intervals cover the judge's accuracy against the truth (bounded: 60 runs).

    The point fit is the vectorised EM (tested equal to crowd-kit above), so the loop stays fast;
    the interval is the product's own `_judge_ci`.
    """
    covered = 0
    for seed in range(60):
        _, codes = _simulate(100 + seed, 300)
        types, first, freq = _row_types(codes.astype(np.float64))
        post, _, _ = em_counts(codes[first], freq[None, :].astype(np.float64), 3)
        acc = _judge_ci(codes, post[0][types], 3, 200, np.random.default_rng(seed), 0.95)
        covered += acc["ci_low"] <= _true_accuracy(3) <= acc["ci_high"]
    assert covered >= 53  # 95% nominal; P(fewer than 53 of 60 | p = 0.95) < 3%


def test_reference_dawid_skene_in_the_report() -> None:
    truth, codes = _simulate(3, 300)
    labels = np.array(["x", "y", "z"], dtype=object)
    human = pd.DataFrame(
        [(i, f"h{j}", labels[codes[i, j]]) for i in range(300) for j in range(3)],
        columns=["item", "rater", "label"],
    )
    judge = pd.DataFrame({"item": range(300), "label": labels[codes[:, 3]]})
    report = alignment_report(
        human, judge, judge_name="j", reference="dawid-skene", n_boot=0, rater_model=True
    )
    assert report["reference"] == "dawid-skene" and report["n"] == 300
    # Against the inferred truth the judge's accuracy is close to its accuracy against the truth.
    assert report["metrics"]["accuracy"]["value"] == pytest.approx(
        float((codes[:, 3] == truth).mean()), abs=0.04
    )
    assert report["rater_model"]["labels"] == ["x", "y", "z"]
    assert any("Dawid-Skene labels fitted on the humans only" in w for w in report["warnings"])
    scores = pd.DataFrame({"item": [1, 2], "rater": ["a", "a"], "score": [0.1, 0.2]})
    with pytest.raises(ValueError, match="dawid-skene needs labels"):
        alignment_report(
            scores,
            pd.DataFrame({"item": [1, 2], "score": [0.3, 0.1]}),
            judge_name="j",
            reference="dawid-skene",
        )
