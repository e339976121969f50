"""The Alignment page's verdict card and its disagreements table (the page stays thin)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from evalguard_core.alignment_summary import PlainVerdict, filter_disagreements, page_of
from evalguard_ui.widgets import inert

VERDICT_WORDS = {
    "pass": "PASS: the judge can gate CI",
    "fail": "FAIL: do not let this judge gate CI",
    "undecided": "NOT DECIDED YET: label more cases",
    "too_few": "TOO FEW LABELS: label more cases",
    "no_data": "NO VERDICT: the metric is undefined on these labels",
}
PAGE_SIZE = 20
_ANY = "(any)"
_SNIPPET = 90
_ROW_HEIGHT = 35  # Streamlit's dataframe row height in pixels


def verdict_card(plain: PlainVerdict, verdict: dict[str, Any]) -> None:
    """The verdict in plain words first, then the figures a statistician checks."""
    show = {"pass": st.success, "fail": st.error}.get(plain.status, st.warning)
    with st.container(border=True):
        show(f"**{VERDICT_WORDS[plain.status]}**  \n{plain.sentence}")
        if plain.strength and plain.value is not None:
            st.caption(
                f"A kappa of {plain.value:.2f} is called {plain.strength} agreement "
                "(Landis & Koch's scale)."
            )
        st.caption(
            f"Judge agrees with humans: {verdict['headline']}. Like for like: {verdict['ceiling']}."
        )


def _choices(rows: list[dict[str, Any]], key: str) -> list[str]:
    """'(any)' then the distinct values of `key` in the rows."""
    return [_ANY, *sorted({str(r[key]) for r in rows if r.get(key) is not None})]


def _snippet(text: str | None) -> str:
    """The first line of a text, shortened for a table cell."""
    line = (text or "").strip().splitlines()[0] if (text or "").strip() else ""
    return line if len(line) <= _SNIPPET else line[: _SNIPPET - 1] + "…"


def disagreements_table(rows: list[dict[str, Any]], *, limit: int) -> None:
    """A paged, filterable table of disagreements; the selected row's case text below it."""
    st.subheader("Disagreements")
    if not rows:
        st.write("No disagreements between the judge and the human labels.")
        return
    has_strata = any(r.get("stratum") for r in rows)
    f1, f2, f3, f4 = st.columns([2, 2, 2, 3])
    judge_label = f1.selectbox("Judge label", _choices(rows, "judge_label"))
    human_label = f2.selectbox("Human label", _choices(rows, "human_label"))
    stratum = (
        f3.selectbox("Stratum", _choices(rows, "stratum"))
        if has_strata
        else f3.selectbox("Stratum", [_ANY], disabled=True, help="the labels' queue has no strata")
    )
    search = f4.text_input("Search cases", placeholder="words in case id, input or output")
    matching = filter_disagreements(
        rows,
        judge_label=None if judge_label == _ANY else judge_label,
        human_label=None if human_label == _ANY else human_label,
        stratum=None if stratum == _ANY else stratum,
        search=search or None,
    )
    pages = max(1, -(-len(matching) // PAGE_SIZE))
    p1, p2 = st.columns([1, 4])
    page = p1.number_input(f"Page (of {pages})", min_value=1, max_value=pages, value=1)
    shown, _ = page_of(matching, int(page), PAGE_SIZE)
    capped = f" (the first {limit:,} are loaded)" if len(rows) >= limit else ""
    p2.caption(f"{len(matching):,} of {len(rows):,} disagreements match{capped}.")
    table = pd.DataFrame(
        [
            {
                "case": r["case_id"],
                "judge": r["judge_label"],
                "human": r["human_label"],
                "rater": r["annotator"],
                "stratum": r.get("stratum") or "",
                "input": _snippet(r["input"]),
            }
            for r in shown
        ],
        columns=["case", "judge", "human", "rater", "stratum", "input"],
    )
    event = st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        # Every row of the page in view: no scrolling inside the table.
        height=_ROW_HEIGHT * (len(table) + 1) + 3,
        on_select="rerun",
        selection_mode="single-row",
        key="alignment_disagreements",
    )
    selected = [i for i in event.selection.rows if i < len(shown)]
    if not selected:
        st.caption("Select a row to read its case.")
        return
    case_text(shown[selected[0]])


def case_text(row: dict[str, Any]) -> None:
    """One disagreement's case: input, output(s), expected answer and the rater's comment."""
    with st.container(border=True):
        st.markdown(
            f"**Case {inert(row['case_id'])}**: judge said **{inert(str(row['judge_label']))}**,"
            f" {inert(row['annotator'])} said **{inert(str(row['human_label']))}**"
        )
        st.markdown(f"**Input**\n\n{inert(row['input'])}")
        if row.get("output_a") is not None and row.get("output") is None:
            st.markdown(f"**Output A**\n\n{inert(row['output_a'])}")
            st.markdown(f"**Output B**\n\n{inert(row.get('output_b'))}")
        else:
            st.markdown(f"**Output**\n\n{inert(row['output'])}")
        if row.get("expected"):
            st.markdown(f"**Expected**\n\n{inert(row['expected'])}")
        if row.get("comment"):
            st.caption(f"Rater comment: {inert(row['comment'])}")
