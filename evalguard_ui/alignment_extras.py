"""The Alignment page's further analyses: position bias, the rater model and the alt-test.

Plain words first (each section's `summary`), the numbers after. The page calls `options()`
for the inputs and `show_extras(report)` to render whatever sections the report holds.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from evalguard_core.alignment import format_ci


def options(judges: list[str], judge: str, pairwise: bool) -> dict[str, Any]:
    """Inputs for the further analyses; keyword arguments for `reports.build_report`."""
    out: dict[str, Any] = {}
    with st.expander("More analyses: position bias, rater model, alt-test"):
        if pairwise:
            others = [j for j in judges if j != judge]
            swapped = st.selectbox(
                "Same judge with B shown first (position bias)",
                [None, *others],
                format_func=lambda s: "(none)" if s is None else s,
                help="the scorer that judged every pair again with the outputs swapped",
            )
            order_field = st.text_input(
                "…or a case field / metadata key holding the order the judge saw (AB / BA)"
            ).strip()
            out["swapped_judge"] = swapped
            out["order_field"] = order_field or None
        out["rater_model"] = st.checkbox(
            "Rater model (Dawid-Skene): rate the judge and each human against the inferred truth"
        )
        if st.checkbox("Alt-test: can the judge replace a human rater? (3+ raters)"):
            out["alt_test_epsilon"] = st.number_input(
                "ε (0.1 crowd workers, 0.15 skilled, 0.2 experts)",
                min_value=0.0,
                max_value=0.5,
                value=0.15,
                step=0.05,
            )
    return out


def _rows(entries: dict[str, Any]) -> pd.DataFrame:
    """A (name -> metric entry) mapping as a table: value and 95% CI."""
    return pd.DataFrame(
        [
            {"figure": name, "value": e.get("value"), "95% CI": format_ci(e)}
            for name, e in entries.items()
        ]
    )


def _position(section: dict[str, Any]) -> None:
    """Position bias: the judge across orders, the humans per displayed side."""
    judge = section.get("judge")
    humans = section.get("humans")
    with st.container(border=True):
        st.subheader("Position bias")
        if judge:
            for line in judge["summary"]:
                st.write(line)
            both = judge["both_orders"]
            figures = {
                k: both[k]
                for k in ("positional_agreement", "flip_rate", "tie_in_one_order")
                if k in both
            }
            figures["first_position_win_rate"] = judge["first_position_win_rate"]
            for order, entry in judge["agreement_by_order"].items():
                figures[f"agreement with humans, shown {order}"] = entry
            st.dataframe(_rows(figures), hide_index=True, width="stretch")
            st.caption(
                f"first-position binomial test p = {judge['first_position_win_rate']['p_value']}"
            )
        if humans:
            st.markdown("**Human raters, per side order shown**")
            for line in humans["summary"]:
                st.write(line)


def _rater_model(section: dict[str, Any]) -> None:
    """Dawid-Skene: the judge's accuracy against the inferred truth, each rater's confusion."""
    with st.container(border=True):
        st.subheader("Rater model (Dawid-Skene)")
        for line in section["summary"]:
            st.write(line)
        st.write(
            f"Judge accuracy against the inferred truth: {format_ci(section['judge_accuracy'])}"
        )
        st.dataframe(
            pd.DataFrame(
                [
                    {
                        "rater": r["rater"] + (" (judge)" if r["is_judge"] else ""),
                        "items": r["n"],
                        "accuracy vs inferred truth": r["accuracy"],
                    }
                    for r in section["raters"]
                ]
            ),
            hide_index=True,
            width="stretch",
        )
        with st.expander("Confusion matrices (rows: inferred truth, columns: the rater's label)"):
            for r in section["raters"]:
                st.markdown(f"**{r['rater']}**")
                st.dataframe(
                    pd.DataFrame(r["confusion"], index=section["labels"], columns=section["labels"])
                )


def _alt_test(section: dict[str, Any]) -> None:
    """Alt-test: the verdict in words, then each left-out rater's comparison."""
    with st.container(border=True):
        st.subheader("Alt-test: can the judge replace a human rater?")
        if section["passed"]:
            st.success(section["summary"][0])
        else:
            st.warning(section["summary"][0])
        for line in section["summary"][1:]:
            st.write(line)
        if section["raters"]:
            st.dataframe(pd.DataFrame(section["raters"]), hide_index=True, width="stretch")


def show_extras(report: dict[str, Any]) -> None:
    """Render the report's position-bias, rater-model and alt-test sections where present."""
    if report.get("position_bias"):
        _position(report["position_bias"])
    if report.get("rater_model"):
        _rater_model(report["rater_model"])
    if report.get("alt_test"):
        _alt_test(report["alt_test"])
