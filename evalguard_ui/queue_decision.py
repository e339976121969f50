"""The Queues page's live "decided: pass / fail / not yet" line (label until decided)."""

from __future__ import annotations

from typing import Any

import streamlit as st

from evalguard_core import reports
from evalguard_core.errors import EvalGuardError
from evalguard_core.store import Scope

# Re-checked this often while the page is open: the confidence sequence is safe to look at
# after every label, so polling does not inflate false passes.
REFRESH_SECONDS = 15


def decision_line(decision: dict[str, Any]) -> str:
    """One line of plain words: decided pass / fail, or not yet with the labels still needed."""
    state = decision["decided"]
    who = f"judge {decision['judge']}, {decision['n']} labelled items"
    if state != "not yet":
        return f"Decided: **{state}** ({who}) — safe to stop labelling."
    more = decision["more_labels_needed"]
    hint = (
        f"about {more} more labels at the current agreement"
        if more
        else "at the current agreement it may never decide"
    )
    return f"Decided: **not yet** ({who}); {hint}."


def show_decision(scope: Scope, queue: dict[str, Any], blind: bool) -> None:
    """The live decision block for one queue (not shown to blind raters: it uses the judge)."""
    if blind:
        return
    with st.expander("Label until decided", expanded=False):
        c1, c2 = st.columns(2)
        metric = c1.selectbox(
            "Metric", reports.SEQUENTIAL_METRICS, key=f"decide_metric_{queue['queue_id']}"
        )
        bar = c2.number_input("Bar", 0.0, 1.0, 0.8, 0.05, key=f"decide_bar_{queue['queue_id']}")

        @st.fragment(run_every=REFRESH_SECONDS)
        def live() -> None:
            try:
                decision = reports.queue_decision(
                    scope, queue["queue_id"], fail_under=[f"{metric}={bar}"]
                )
            except EvalGuardError as exc:
                st.caption(exc.message)
                return
            st.markdown(decision_line(decision))
            for line in decision["summary"]:
                st.caption(line)

        live()
