"""Position bias of a pairwise judge and of human raters: hand-computed cases, scipy's binomtest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binomtest

from evalguard_core.alignment import alignment_report, report_to_markdown
from evalguard_core.alignment.position import human_position_section, judge_position_section

AB = ["A", "A", "B", "tie", "A", "B"]
BA = ["A", "B", "B", "tie", "B", "tie"]
REF = {"0": "A", "1": "A", "2": "B", "3": "tie", "4": "A", "5": "B"}


def _obs(ab: list[str], ba: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    items = np.array([str(i) for i in range(len(ab))] * 2, dtype=object)
    orders = np.array(["AB"] * len(ab) + ["BA"] * len(ba), dtype=object)
    return items, orders, np.array(ab + ba, dtype=object)


def test_hand_computed_judge_in_both_orders() -> None:
    section = judge_position_section(*_obs(AB, BA), REF)
    both = section["both_orders"]
    # Same verdict on items 0, 2, 3; winner reversed on 1 and 4; a tie in one order on 5.
    assert both["n"] == 6
    assert both["positional_agreement"]["value"] == pytest.approx(3 / 6)
    assert both["flip_rate"]["value"] == pytest.approx(2 / 6)
    assert both["tie_in_one_order"]["value"] == pytest.approx(1 / 6)
    # First shown won: AB order A,A,A of 5 decided; BA order B,B,B of 4 decided -> 6 of 9.
    first = section["first_position_win_rate"]
    assert (first["wins"], first["n"]) == (6, 9)
    assert first["value"] == pytest.approx(6 / 9)
    assert first["p_value"] == pytest.approx(binomtest(6, 9, 0.5).pvalue)
    assert first["ci_low"] < 6 / 9 < first["ci_high"]
    agree = section["agreement_by_order"]
    assert agree["AB"]["value"] == pytest.approx(1.0) and agree["AB"]["n"] == 6
    assert agree["BA"]["value"] == pytest.approx(3 / 6)
    assert "reversed on 33%" in " ".join(section["summary"])


def test_a_judge_that_always_picks_the_first_shown_answer() -> None:
    n = 40
    items = np.array([str(i) for i in range(n)] * 2, dtype=object)
    orders = np.array(["AB"] * n + ["BA"] * n, dtype=object)
    verdicts = np.array(["A"] * n + ["B"] * n, dtype=object)
    section = judge_position_section(items, orders, verdicts, {})
    assert section["both_orders"]["flip_rate"]["value"] == 1.0
    assert section["both_orders"]["positional_agreement"]["value"] == 0.0
    first = section["first_position_win_rate"]
    assert first["value"] == 1.0 and first["p_value"] == pytest.approx(binomtest(80, 80).pvalue)
    assert "favours the first-shown answer" in section["summary"][1]


def test_one_order_per_item_still_gives_side_preference_but_no_flip_rate() -> None:
    items = np.array(["1", "2", "3", "4"], dtype=object)
    orders = np.array(["AB", "BA", "AB", "BA"], dtype=object)
    verdicts = np.array(["A", "A", "tie", "B"], dtype=object)
    section = judge_position_section(items, orders, verdicts, {"1": "A", "2": "A"})
    assert section["both_orders"] == {"n": 0}
    first = section["first_position_win_rate"]
    assert (first["wins"], first["n"]) == (2, 3)  # items 1 (A first) and 4 (B first)
    assert section["agreement_by_order"]["AB"]["n"] == 1
    assert section["agreement_by_order"]["BA"]["value"] == 1.0


def test_humans_per_displayed_order_hand_computed() -> None:
    # Three raters on two items. Item x: r1 saw AB and chose A, r2 saw BA and chose A,
    # r3 saw BA and chose B. Item y: everyone chose B; r1 saw BA, r2 AB, r3 AB.
    rows = [
        ("x", "r1", "AB", "A"),
        ("x", "r2", "BA", "A"),
        ("x", "r3", "BA", "B"),
        ("y", "r1", "BA", "B"),
        ("y", "r2", "AB", "B"),
        ("y", "r3", "AB", "B"),
    ]
    cols = [np.array(c, dtype=object) for c in zip(*rows, strict=True)]
    section = human_position_section(*cols, {"x": "A", "y": "B"})
    # First shown won: r1/x (A first, A), r3/x (B first, B), r1/y (B first, B) -> 3 of 6.
    first = section["first_position_win_rate"]
    assert (first["wins"], first["n"]) == (3, 6)
    ab, ba = section["by_order"]["AB"], section["by_order"]["BA"]
    assert ab["n"] == 3 and ba["n"] == 3
    # AB labels: r1/x A (judge A), r2/y B, r3/y B -> all agree with the judge.
    assert ab["agreement_with_judge"]["value"] == 1.0
    # BA labels: r2/x A (judge A), r3/x B (no), r1/y B -> 2 of 3.
    assert ba["agreement_with_judge"]["value"] == pytest.approx(2 / 3)
    # Other raters' majority: x without r2 = {A, B} none; x without r3 = {A, A} -> A (r3 said B);
    # y without r1 = {B, B} -> B. So BA: 1 of 2 with a majority.
    assert ba["agreement_with_other_raters"]["n"] == 2
    assert ba["agreement_with_other_raters"]["value"] == pytest.approx(1 / 2)


def test_report_section_from_frames_and_refusal_on_non_pairwise() -> None:
    human = pd.DataFrame(
        [(i, r, REF[str(i)]) for i in range(6) for r in ("r1", "r2")],
        columns=["item", "rater", "label"],
    )
    judge = pd.DataFrame({"item": range(6), "label": AB})
    orders = pd.DataFrame(
        {"item": list(range(6)) * 2, "order": ["ab"] * 6 + ["B A"] * 6, "label": AB + BA}
    )
    shown = pd.DataFrame({"item": [0, 0], "rater": ["r1", "r2"], "order": ["AB", "BA"]})
    report = alignment_report(
        human,
        judge,
        judge_name="j",
        kind="pairwise",
        n_boot=0,
        judge_orders=orders,
        human_orders=shown,
    )
    section = report["position_bias"]
    assert section["judge"]["both_orders"]["flip_rate"]["value"] == pytest.approx(2 / 6)
    markdown = report_to_markdown(report)
    assert "## Position bias of the judge" in markdown
    assert section["judge"]["summary"][0] in markdown
    assert section["humans"]["n_labels"] == 2
    bad = orders.assign(order=["AB"] * 11 + ["XY"])
    with pytest.raises(ValueError, match="AB or BA"):
        alignment_report(human, judge, judge_name="j", kind="pairwise", judge_orders=bad)
    scored = pd.DataFrame({"item": [1, 2], "rater": ["r", "r"], "label": ["pass", "fail"]})
    plain = alignment_report(
        scored,
        pd.DataFrame({"item": [1, 2], "label": ["pass", "pass"]}),
        judge_name="j",
        n_boot=0,
        judge_orders=orders,
    )
    assert plain["position_bias"] is None
    assert any("pairwise" in w for w in plain["warnings"])
