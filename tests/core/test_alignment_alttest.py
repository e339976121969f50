"""The alt-test against the authors' reference code, hand-checked cases and statsmodels' BY."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import t as student_t
from scipy.stats import ttest_1samp
from statsmodels.stats.multitest import multipletests

from evalguard_core.alignment import alignment_report
from evalguard_core.alignment.alttest import alt_test_section, by_rejections


def _reference_alt_test(llm: dict, humans: dict, scoring: str, epsilon: float) -> tuple:
    """Transcribed from github.com/nitaytech/AltTest (alt_test_example.ipynb), q = 0.05."""

    def accuracy(pred, anns):
        return float(np.mean([pred == a for a in anns]))

    def neg_rmse(pred, anns):
        return -1 * float(np.sqrt(np.mean([(pred - a) ** 2 for a in anns])))

    score = accuracy if scoring == "accuracy" else neg_rmse
    i_set, h_set = {}, {}
    for h, anns in humans.items():
        i_set[h] = list(anns.keys())
        for i in anns:
            h_set.setdefault(i, []).append(h)
    keep = {i for i in h_set if len(h_set[i]) >= 2 and i in llm}
    i_set = {h: [i for i in i_set[h] if i in keep] for h in i_set}
    h_set = {i: h_set[i] for i in h_set if i in keep}
    p_values, probs = [], []
    for ex in humans:
        instances = [i for i in i_set[ex] if i in llm]
        if len(instances) < 30:
            continue
        llm_ind, ex_ind = [], []
        for i in instances:
            rest = [humans[h][i] for h in h_set[i] if h != ex]
            hs, ls = score(humans[ex][i], rest), score(llm[i], rest)
            llm_ind.append(1 if ls >= hs else 0)
            ex_ind.append(1 if hs >= ls else 0)
        diff = [e - m for e, m in zip(ex_ind, llm_ind, strict=True)]
        p_values.append(ttest_1samp(diff, epsilon, alternative="less").pvalue)
        probs.append(float(np.mean(llm_ind)))
    rejected = multipletests(p_values, alpha=0.05, method="fdr_by")[0]
    return rejected.sum() / len(p_values), float(np.mean(probs)), p_values


def _simulate(seed: int, n: int, k: int, n_raters: int, noise_h: float, noise_j: float):
    """The authors' simulation design: gold ~ Dirichlet prior, noisy raters and judge."""
    rng = np.random.default_rng(seed)
    priors = rng.dirichlet(np.ones(k))
    gold = rng.choice(k, size=n, p=priors)

    def noisy(noise: float) -> np.ndarray:
        out = np.empty(n, dtype=np.int64)
        for i, g in enumerate(gold):
            p = priors * noise
            p[g] += 1 - noise
            out[i] = rng.choice(k, p=p / p.sum())
        return out

    human = np.column_stack([noisy(noise_h) for _ in range(n_raters)])
    # Some items miss one rater, as in real data.
    drop = rng.random((n, n_raters)) < 0.1
    human[drop] = -1
    return human, noisy(noise_j)


@pytest.mark.parametrize(
    ("seed", "epsilon", "noise_j"),
    [(0, 0.1, 0.3), (1, 0.2, 0.3), (2, 0.15, 0.5), (3, 0.05, 0.2), (4, 0.2, 0.7)],
)
def test_matches_the_authors_reference_code(seed: int, epsilon: float, noise_j: float) -> None:
    human, judge = _simulate(seed, 80, 4, 4, 0.3, noise_j)
    raters = [f"h{j}" for j in range(4)]
    section = alt_test_section(human, judge, raters, categorical=True, epsilon=epsilon)
    humans = {
        raters[j]: {i: int(human[i, j]) for i in range(len(judge)) if human[i, j] >= 0}
        for j in range(4)
    }
    llm = {i: int(v) for i, v in enumerate(judge)}
    wr, rho, p_values = _reference_alt_test(llm, humans, "accuracy", epsilon)
    assert section["winning_rate"] == pytest.approx(wr)
    assert section["advantage_probability"] == pytest.approx(rho)
    assert [r["p_value"] for r in section["raters"]] == pytest.approx(p_values)


def test_scores_use_negative_rmse_like_the_reference() -> None:
    rng = np.random.default_rng(7)
    truth = rng.normal(3, 1, 60)
    human = np.column_stack([truth + rng.normal(0, 0.6, 60) for _ in range(3)])
    judge = truth + rng.normal(0, 0.5, 60)
    section = alt_test_section(human, judge, ["a", "b", "c"], categorical=False, epsilon=0.1)
    humans = {n: dict(enumerate(human[:, j])) for j, n in enumerate("abc")}
    wr, rho, _ = _reference_alt_test(dict(enumerate(judge)), humans, "neg_rmse", 0.1)
    assert section["scoring"] == "negative RMSE"
    assert (section["winning_rate"], section["advantage_probability"]) == pytest.approx((wr, rho))


def test_hand_checked_case() -> None:
    # 3 raters, 40 items, labels 0/1. Raters always agree with each other. The judge agrees on
    # the first 30 items and is wrong on the last 10. Leaving out any rater: the rater's score
    # is 1 everywhere; the judge's is 1 (tie: both indicators 1) or 0 (rater wins).
    # diff = rater - judge indicator = 0 on 30 items, 1 on 10: mean 0.25.
    gold = np.array([0, 1] * 20)
    human = np.column_stack([gold] * 3)
    judge = gold.copy()
    judge[30:] = 1 - judge[30:]
    diff = np.r_[np.zeros(30), np.ones(10)]
    for epsilon, wins in ((0.2, False), (0.3, False), (0.45, True)):
        t_stat = (diff.mean() - epsilon) / (diff.std(ddof=1) / np.sqrt(40))
        p = float(student_t.cdf(t_stat, df=39))
        section = alt_test_section(human, judge, ["a", "b", "c"], categorical=True, epsilon=epsilon)
        assert all(r["p_value"] == pytest.approx(p) for r in section["raters"])
        assert all(
            r["judge_advantage_probability"] == pytest.approx(0.75) for r in section["raters"]
        )
        assert section["advantage_probability"] == pytest.approx(0.75)
        # Three equal p-values: BY rejects all when p <= q / (1 + 1/2 + 1/3), else none.
        assert (p <= 0.05 / (11 / 6)) is wins
        assert section["winning_rate"] == (1.0 if wins else 0.0)
        assert section["passed"] is wins


def test_constant_differences_take_the_limit() -> None:
    gold = np.array([0, 1, 2] * 12)
    human = np.column_stack([gold] * 3)
    same = alt_test_section(human, gold, ["a", "b", "c"], categorical=True, epsilon=0.1)
    assert same["winning_rate"] == 1.0 and same["advantage_probability"] == 1.0
    wrong = alt_test_section(human, (gold + 1) % 3, ["a", "b", "c"], categorical=True, epsilon=0.1)
    assert wrong["winning_rate"] == 0.0 and wrong["advantage_probability"] == 0.0
    assert "cannot yet replace" in wrong["summary"][0]


def test_benjamini_yekutieli_matches_statsmodels() -> None:
    rng = np.random.default_rng(3)
    for _ in range(200):
        p = rng.beta(0.3, 1.0, size=int(rng.integers(1, 12)))
        expected = list(np.flatnonzero(multipletests(p, alpha=0.05, method="fdr_by")[0]))
        assert by_rejections(list(p)) == expected


def test_raters_with_too_few_items_are_skipped_and_fewer_than_three_refused() -> None:
    human, judge = _simulate(5, 50, 3, 3, 0.2, 0.2)
    human[20:, 2] = -1  # rater h2 keeps 20 items, below the paper's 30
    section = alt_test_section(human, judge, ["h0", "h1", "h2"], categorical=True, epsilon=0.2)
    assert [s["rater"] for s in section["skipped_raters"]] == ["h2"]
    assert len(section["raters"]) == 2
    frame = pd.DataFrame(
        [(i, r, "x" if (i + j) % 3 else "y") for i in range(40) for j, r in enumerate("ab")],
        columns=["item", "rater", "label"],
    )
    report = alignment_report(
        frame,
        pd.DataFrame({"item": range(40), "label": "x"}),
        judge_name="j",
        n_boot=0,
        alt_test_epsilon=0.2,
    )
    assert report["alt_test"] is None
    assert any("at least 3 human raters" in w for w in report["warnings"])
    with pytest.raises(ValueError, match="epsilon"):
        alt_test_section(human, judge, ["h0", "h1", "h2"], categorical=True, epsilon=1.5)
