"""The alignment report in plain words: each verdict case worded right and consistent with the
gate; the chart and table shapes (forest rows, square confusion with row shares, strata,
filtered and paged disagreements) checked by hand."""

from __future__ import annotations

from typing import Any

import pytest

from evalguard_core import alignment_summary as summary
from evalguard_core import bootstrap, demo, queues, reports
from evalguard_core.alignment.gating import GATE_MIN_N
from evalguard_core.annotations import claim_and_label
from evalguard_core.store import Scope


def entry(value: float | None, low: float | None = None, high: float | None = None) -> dict:
    """A metric entry as the engine writes it."""
    return {"value": value, "ci_low": low, "ci_high": high, "method": "bca"}


def report(
    kappa: dict[str, Any],
    *,
    n: int = 300,
    judge_each: dict[str, Any] | None = None,
    human_human: dict[str, Any] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A nominal report with the verdict metric and, optionally, the like-for-like ceiling."""
    ceiling = (
        {
            "n_items": n,
            "judge_human": {"cohen_kappa": judge_each},
            "human_human": {"cohen_kappa": human_human},
        }
        if judge_each and human_human
        else {}
    )
    return {
        "n": n,
        "reference": "consensus",
        "label_type": "nominal",
        "metrics": {"cohen_kappa": kappa, "accuracy": entry(0.9, 0.85, 0.93)},
        "inter_rater": {"human_ceiling": ceiling} if ceiling else None,
        "confusion": {"labels": [], "matrix": []},
        **extra,
    }


def test_pass_says_it_can_gate_ci() -> None:
    r = report(entry(0.78, 0.70, 0.85), judge_each=entry(0.74), human_human=entry(0.76, 0.7, 0.8))
    plain = summary.plain_verdict(r)
    assert plain.status == "pass" and plain.gates
    assert plain.sentence == (
        "The judge agrees with your raters about as well as they agree with each other "
        "(κ 0.74 vs 0.76 on the same cases). Against their consensus (the majority label): "
        "κ 0.78 (0.70–0.85); your bar is 0.60 and even the low end clears it, so it can gate CI."
    )
    assert plain.strength == "substantial"
    assert reports.verdict(r)["passed"] is True


def test_fail_says_even_the_high_end_falls_short() -> None:
    r = report(entry(0.0, -0.5, 0.56), judge_each=entry(0.1), human_human=entry(0.7, 0.6, 0.8))
    plain = summary.plain_verdict(r)
    assert plain.status == "fail" and not plain.gates
    assert "less well than they agree with each other (κ 0.10 vs 0.70" in plain.sentence
    assert plain.sentence.endswith(
        "κ 0.00 (-0.50 to 0.56); your bar is 0.60 and even the high end falls short, so it should "
        "not gate CI."
    )
    assert plain.strength == "slight"


def test_interval_straddling_the_bar_is_undecided() -> None:
    r = report(entry(0.41, 0.26, 0.64), judge_each=entry(0.5), human_human=entry(0.52, 0.4, 0.6))
    plain = summary.plain_verdict(r)
    assert plain.status == "undecided"
    assert reports.verdict(r)["passed"] is False  # the gate agrees: not a pass
    assert "κ 0.41 (0.26–0.64); your bar is 0.60, so it may not gate CI yet" in plain.sentence
    assert "more labels will narrow it" in plain.sentence


def test_judge_above_the_raters_interval_agrees_more_closely() -> None:
    r = report(entry(0.9, 0.8, 0.95), judge_each=entry(0.85), human_human=entry(0.6, 0.5, 0.7))
    assert "more closely than they agree with each other" in summary.plain_verdict(r).sentence


def test_without_human_agreement_it_says_so() -> None:
    plain = summary.plain_verdict(report(entry(0.7, 0.65, 0.75)))
    assert plain.status == "pass"
    assert plain.comparison is None
    assert plain.sentence.startswith("The judge agrees with your raters. Against their consensus")
    assert plain.sentence.endswith(
        "No two raters labelled the same cases, so there is no human agreement to compare with."
    )


@pytest.mark.parametrize("n", [1, 12, GATE_MIN_N - 1])
def test_too_few_labels_asks_for_the_missing_number(n: int) -> None:
    plain = summary.plain_verdict(report(entry(0.9, 0.7, 0.99), n=n))
    assert plain.status == "too_few"
    assert f"only {n} {'case has' if n == 1 else 'cases have'} both" in plain.sentence
    assert f"Label {GATE_MIN_N - n} more." in plain.sentence
    assert "κ 0.90 (0.70–0.99), too uncertain to act on" in plain.sentence
    assert reports.verdict(report(entry(0.9, 0.7, 0.99), n=n))["passed"] is False


def test_no_labels_at_all() -> None:
    plain = summary.plain_verdict(report(entry(None), n=0))
    assert plain.status == "too_few"
    assert plain.sentence.startswith("No case has both a judge verdict and a human label yet")


def test_undefined_metric_is_no_verdict() -> None:
    plain = summary.plain_verdict(report(entry(None)))
    assert plain.status == "no_data"
    assert "cannot be computed" in plain.sentence


def test_scores_use_pearson_r_and_each_vote_reference() -> None:
    r = {
        **report(entry(0.0)),
        "label_type": "interval",
        "reference": "each",
        "metrics": {"pearson": entry(0.82, 0.75, 0.88), "mae": entry(0.4, 0.3, 0.5)},
    }
    plain = summary.plain_verdict(r)
    assert plain.metric == "pearson" and plain.strength is None
    assert "Against every rater's label: r 0.82 (0.75–0.88)" in plain.sentence
    # mae is on the score's own scale: in the table, not on the agreement forest plot.
    assert [row["metric"] for row in summary.forest_rows(r)] == ["pearson"]


@pytest.mark.parametrize(
    ("value", "word"),
    [(-0.1, "poor"), (0.0, "slight"), (0.2, "slight"), (0.21, "fair"), (0.41, "moderate"),
     (0.61, "substantial"), (0.81, "almost perfect"), (None, None)],
)  # fmt: skip
def test_kappa_words_follow_landis_and_koch(value: float | None, word: str | None) -> None:
    assert summary.kappa_strength(value) == word


def test_forest_rows_mark_the_gated_metric_and_its_bar() -> None:
    rows = summary.forest_rows(report(entry(0.5, 0.4, 0.6)), bar=0.7)
    by_name = {r["metric"]: r for r in rows}
    assert by_name["cohen_kappa"]["verdict"] and by_name["cohen_kappa"]["bar"] == 0.7
    assert not by_name["accuracy"]["verdict"] and by_name["accuracy"]["bar"] is None
    assert by_name["accuracy"]["ci_low"] == 0.85


def test_human_band_rows_are_like_for_like() -> None:
    r = report(entry(0.5, 0.4, 0.6), judge_each=entry(0.3, 0.2, 0.4), human_human=entry(0.6))
    rows = summary.human_band_rows(r)
    assert [(x["comparison"], x["value"]) for x in rows] == [
        ("judge vs each human", 0.3),
        ("human vs human", 0.6),
    ]
    assert summary.human_band_rows(report(entry(0.5))) == []


def test_confusion_cells_give_counts_and_row_shares() -> None:
    r = report(entry(0.5), confusion={"labels": ["fail", "pass"], "matrix": [[20, 8], [35, 237]]})
    cells = {(c["human"], c["judge"]): c for c in summary.confusion_cells(r)}
    assert len(cells) == 4  # square: every label pair
    assert cells[("fail", "fail")]["count"] == 20
    assert cells[("fail", "fail")]["row_share"] == pytest.approx(20 / 28)
    assert cells[("pass", "fail")]["text"] == "35\n13%"
    assert cells[("pass", "pass")]["text"] == "237\n87%"
    empty = report(entry(0.5), confusion={"labels": ["a", "b"], "matrix": [[0, 0], [1, 0]]})
    assert [c["row_share"] for c in summary.confusion_cells(empty)] == [0.0, 0.0, 1.0, 0.0]


def test_stratum_rows_carry_each_interval() -> None:
    r = report(
        entry(0.5),
        per_stratum=[
            {"stratum": "low", "n": 10, "accuracy": entry(0.6, 0.3, 0.85), "mae": entry(None)},
            {"stratum": "high", "n": 12, "accuracy": entry(0.9, 0.6, 0.98)},
        ],
    )
    assert [(s["stratum"], s["n"], s["value"], s["ci_low"]) for s in summary.stratum_rows(r)] == [
        ("low", 10, 0.6, 0.3),
        ("high", 12, 0.9, 0.6),
    ]


ROWS = [
    {"case_id": "c1", "judge_label": "pass", "human_label": "fail", "stratum": "hi",
     "input": "Capital of France?", "output": "Lyon"},
    {"case_id": "c2", "judge_label": "fail", "human_label": "pass", "stratum": "lo",
     "input": "2+2", "output": "4"},
    {"case_id": "c3", "judge_label": "pass", "human_label": "fail", "stratum": None,
     "input": "Largest planet?", "output": "Saturn"},
]  # fmt: skip


def test_filter_disagreements_by_labels_stratum_and_words() -> None:
    ids = lambda rows: [r["case_id"] for r in rows]  # noqa: E731
    assert ids(summary.filter_disagreements(ROWS)) == ["c1", "c2", "c3"]
    assert ids(summary.filter_disagreements(ROWS, judge_label="pass")) == ["c1", "c3"]
    assert ids(summary.filter_disagreements(ROWS, human_label="pass")) == ["c2"]
    assert ids(summary.filter_disagreements(ROWS, stratum="hi")) == ["c1"]
    assert ids(summary.filter_disagreements(ROWS, search="planet SATURN")) == ["c3"]
    assert ids(summary.filter_disagreements(ROWS, judge_label="pass", search="lyon")) == ["c1"]
    assert summary.filter_disagreements(ROWS, search="nowhere") == []


def test_page_of_clamps_to_the_last_page() -> None:
    rows = list(range(45))
    assert summary.page_of(rows, 1, 20) == (list(range(20)), 3)
    assert summary.page_of(rows, 3, 20) == (list(range(40, 45)), 3)
    assert summary.page_of(rows, 9, 20) == (list(range(40, 45)), 3)
    assert summary.page_of([], 1, 20) == ([], 1)


def test_plain_verdict_on_the_demo_matches_the_gate(scope: Scope, tmp_path) -> None:
    info = demo.seed_demo(scope, tmp_path / "demo")
    r = reports.build_report(scope, run_id=info["run_id"], judge="llm_judge")
    plain = summary.plain_verdict(r)
    v = reports.verdict(r)
    assert plain.gates == v["passed"]
    kappa = r["metrics"]["cohen_kappa"]
    assert (
        f"κ {kappa['value']:.2f} ({kappa['ci_low']:.2f}–{kappa['ci_high']:.2f})" in plain.sentence
    )
    assert plain.comparison == summary.compare_with_humans(
        v["judge_vs_each_human"], v["human_vs_human"]
    )


def test_disagreements_name_the_stratum_their_queue_drew(scope: Scope, sample_run: str) -> None:
    queue = queues.create_queue(scope, name="review", target_type="eval_case")["queue_id"]
    bootstrap.run_bootstrap(
        scope,
        queue_id=queue,
        run_id=sample_run,
        sample_count=4,
        stratify_by="scorer",
        scorer="llm_judge",
        seed=1,
    )
    for _ in range(4):
        assert claim_and_label(scope, queue, "rater1", label="fail") is not None
    rows = reports.disagreements(scope, run_id=sample_run, judge="llm_judge", queue_id=queue)
    # The judge said pass on c1, c3 and c4; the queue drew them from its "pass" stratum.
    assert sorted(r["case_id"] for r in rows) == ["c1", "c3", "c4"]
    assert {r["stratum"] for r in rows} == {"pass"}
