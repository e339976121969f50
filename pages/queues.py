"""Queues: create a queue, add a run's (filtered) cases, progress per queue and rater, claims."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from evalguard_core import claims, queues, runs
from evalguard_core.runs import CaseFilter
from evalguard_core.textlist import split_list
from evalguard_ui import lifecycle as lifecycle_ui
from evalguard_ui import queue_decision as decision_ui
from evalguard_ui import session
from evalguard_ui.widgets import run_label, run_safely

st.title("Annotation queues")
who = session.require_role("viewer")
scope = session.scope()
lifecycle_ui.show_flash()

if who.can("admin"):
    with st.expander("Create a queue", expanded=False), st.form("create_queue"):
        name = st.text_input("Name")
        target_type = st.selectbox("Target type", queues.TARGET_TYPES)
        labels = st.text_input("Label options (comma-separated; empty = pass,fail or A,B,tie)")
        c1, c2 = st.columns(2)
        per_item = c1.number_input("Raters per item", min_value=1, max_value=100, value=1)
        lease = c2.number_input("Lease (seconds)", min_value=10, value=900)
        instructions = st.text_area("Instructions for raters")
        unclaimed = st.checkbox(
            "Accept labels on items the rater did not claim",
            help="Off: a label needs the rater's live lease on the item (claim, then label).",
        )
        if st.form_submit_button("Create queue", type="primary"):
            created = run_safely(
                lambda: queues.create_queue(
                    scope,
                    created_by=who.name,
                    name=name,
                    target_type=target_type,
                    label_options=split_list(labels),
                    annotations_per_item=int(per_item),
                    lease_seconds=int(lease),
                    instructions=instructions or None,
                    allow_unclaimed=unclaimed,
                )
            )
            if created:
                st.success(f"Created queue **{created['name']}** (`{created['queue_id']}`).")

show_archived = who.can("admin") and st.toggle("Show archived queues", key="show_archived")
all_queues = queues.list_queues(scope, include_archived=show_archived)
if not all_queues:
    st.info("No queues yet." + (" Create one above." if who.can("admin") else ""))
    st.stop()

st.subheader("Progress")
for q in all_queues:
    p = q["progress"]
    share = p["done"] / p["total"] if p["total"] else 0.0
    st.progress(
        share,
        text=f"**{q['name']}** · {p['done']} of {p['total']} done · {p['claimed']} claimed · "
        f"{p['pending']} pending · {p['annotations']} labels",
    )

ids = [q["queue_id"] for q in all_queues]
queue_id = st.selectbox(
    "Queue", ids, format_func=lambda i: next(q["name"] for q in all_queues if q["queue_id"] == i)
)
queue = next(q for q in all_queues if q["queue_id"] == queue_id)
if queue["per_rater"]:
    st.write("**Per rater**")
    total = max(queue["progress"]["total"], 1)
    for r in queue["per_rater"]:
        st.progress(
            min(r["annotations"] / total, 1.0),
            text=f"{r['annotator']}: {r['annotations']} labels, {r['claimed']} claimed",
        )
decision_ui.show_decision(scope, queue, who.blind)

if who.can("admin"):
    st.subheader("Add items from a run")
    all_runs = runs.list_runs(scope)
    if all_runs:
        run_ids = [r["run_id"] for r in all_runs]
        run_id = st.selectbox(
            "Run", run_ids, format_func=lambda i: run_label(all_runs[run_ids.index(i)])
        )
        summary = runs.get_run_summary(scope, run_id)
        labelled = [s for s in summary["scorers"] if s["labels"]]
        c1, c2 = st.columns(2)
        scorer = c1.selectbox("Only cases where", ["(all cases)", *[s["scorer"] for s in labelled]])
        options = next((list(s["labels"]) for s in labelled if s["scorer"] == scorer), [])
        label = c2.selectbox("is", options) if options else None
        f = CaseFilter(
            label_scorer=None if scorer == "(all cases)" else scorer,
            label=None if scorer == "(all cases)" else label,
        )
        matching = runs.list_cases(scope, run_id, f, limit=1)["total"]
        st.caption(f"{matching:,} matching cases (at most 10,000 per add)")
        if st.button("Add to queue", disabled=not matching):
            added = run_safely(
                lambda: queues.add_from_run(scope, queue_id, run_id, f, actor=who.name)
            )
            if added:
                st.success(f"Added {added['added']:,} items ({added['duplicates']:,} already in).")
    else:
        st.info("Import a run first (Runs page).")

    st.subheader("Live claims")
    live = claims.list_claims(scope, queue_id)["claims"]
    if not live:
        st.caption("No live claims.")
    else:
        st.dataframe(
            pd.DataFrame(live)[
                ["item_id", "target_id", "annotator", "lease_expires_at", "seconds_left"]
            ],
            hide_index=True,
            width="stretch",
        )
        choice = st.selectbox(
            "Release a stale claim",
            [f"{c['item_id']} · {c['annotator']}" for c in live],
        )
        if st.button("Release claim"):
            item_id, annotator = choice.split(" · ", 1)
            if run_safely(
                lambda: claims.release(scope, queue_id, int(item_id), annotator, actor=who.name)
            ):
                st.success(f"Released item {item_id} from {annotator}.")
                st.rerun()

if who.can("annotator"):
    lifecycle_ui.label_corrections(scope, queue, who)
if who.can("admin"):
    lifecycle_ui.item_removal(scope, queue, who)
    lifecycle_ui.queue_actions(scope, queue, who)
