"""Home: what is in the store, what to do next; raters get their queues and one big button."""

from __future__ import annotations

import streamlit as st

from evalguard_core import home
from evalguard_ui import session
from evalguard_ui.widgets import inert

who = session.require_role("viewer")
data = home.overview(session.scope(), who)

st.title("EvalGuard")
st.caption("Human review of LLM evals: label a sample, then measure whether the judge agrees.")

if who.role == "annotator":
    st.subheader(f"Hello {who.name}: your queues")
    if not data["rater_queues"]:
        st.success("Nothing to label right now. Every queue is finished.")
    for queue in data["rater_queues"]:
        prog = queue["progress"]
        with st.container(border=True):
            st.markdown(f"**{inert(queue['name'])}** — {prog['done']} of {prog['total']} done")
            st.progress(prog["done"] / prog["total"] if prog["total"] else 0.0)
            if st.button(
                "Start labeling",
                key=f"start_{queue['queue_id']}",
                type="primary",
                width="stretch",
            ):
                st.session_state["label_queue_id"] = queue["queue_id"]
                st.switch_page("pages/label.py")
    st.stop()

if any("synthetic demo" in r["name"] for r in data["runs"]):
    st.info(
        "The store holds the **synthetic demo** run: generated data to explore the tool, "
        "not real results."
    )

c1, c2, c3, c4 = st.columns(4)
c1.metric("Runs", len(data["runs"]))
c2.metric("Cases", f"{sum(r['cases'] for r in data['runs']):,}")
c3.metric("Queues", len(data["queues"]))
c4.metric("Tasks", len(data["tasks"]))

if data["next_steps"]:
    st.subheader("What to do next")
    for step in data["next_steps"]:
        st.markdown(f"- {step}")

if data["verdicts"]:
    st.subheader("Latest judge verdicts")
    for v in data["verdicts"]:
        text = f"**{v['run']}** · judge `{v['judge']}` · {v['headline']}"
        if v["passed"]:
            st.success(f"{text} · clears the bar {v['bar']}")
        else:
            st.warning(f"{text} · does not pass: {'; '.join(v['reasons'])}")
        st.caption(v["ceiling"])

if data["queues"]:
    st.subheader("Queues")
    for queue in data["queues"]:
        prog = queue["progress"]
        st.markdown(
            f"**{inert(queue['name'])}** ({queue['target_type']}) — {prog['done']} / "
            f"{prog['total']} done, {prog['claimed']} claimed, "
            f"{prog['annotations']} labels"
        )
        st.progress(prog["done"] / prog["total"] if prog["total"] else 0.0)

if data["tasks"]:
    st.subheader("Tasks")
    for task in data["tasks"]:
        done, total = task.get("completedCount", 0), task.get("itemCount", 0)
        st.markdown(f"**{inert(task['name'])}** — {done} / {total} labelled ({task['status']})")
        st.progress(done / total if total else 0.0)
