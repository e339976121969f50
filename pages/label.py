"""Label: pick a queue, claim the next item, label it (judge's verdict hidden), next."""

from __future__ import annotations

import streamlit as st

import evalguard_core.annotations as annotations
from evalguard_core import claims, queues
from evalguard_core.errors import ConflictError, EvalGuardError
from evalguard_ui import session
from evalguard_ui.labeling import label_buttons, show_item

st.title("Label")
who = session.require_role("annotator")
scope = session.scope()
st.caption(f"You are **{who.name}** ({who.role}).")

all_queues = queues.list_queues(scope)
if not all_queues:
    st.info("No queues yet; an admin creates them on the Queues page.")
    st.stop()
ids = [q["queue_id"] for q in all_queues]
chosen = st.session_state.get("label_queue_id")  # set by Home's "Start labeling"
queue_id = st.selectbox(
    "Queue",
    ids,
    index=ids.index(chosen) if chosen in ids else 0,
    format_func=lambda i: next(q["name"] for q in all_queues if q["queue_id"] == i),
)
queue = queues.get_queue(scope, queue_id)
p = queue["progress"]
mine = next((r["annotations"] for r in queue["per_rater"] if r["annotator"] == who.name), 0)
st.progress(
    p["done"] / p["total"] if p["total"] else 0.0,
    text=f"{p['done']} of {p['total']} done, {mine} by you",
)
if queue.get("instructions"):
    st.info(queue["instructions"])

try:
    claimed = claims.claim_next(scope, queue_id, who.name)
except ConflictError as exc:
    if (exc.details or {}).get("retryable"):
        st.warning(exc.message.capitalize() + ".")
        st.button("Try again")
    else:
        st.success(f"Queue finished: {exc.message}. Thank you!")
    st.stop()
except EvalGuardError as exc:
    session.show_error(exc)
    st.stop()
item = claimed["item"]
st.caption(
    f"Item {item['item_id']} · case {item['case_id']} · "
    f"lease until {item['lease_expires_at']:%H:%M:%S} UTC"
)
show_item(item)

options = queue["label_options"]
st.caption(
    "Shortcuts: "
    + ", ".join(f"**{i + 1}** {o}" for i, o in enumerate(options[:9]))
    + " · **Enter** submit · **S** skip"
)
picked = label_buttons(options)
score = None
if queue["score_min"] is not None or queue["score_max"] is not None:
    score = st.number_input(
        "Score",
        min_value=queue["score_min"],
        max_value=queue["score_max"],
        value=None,
        key=f"score_{item['item_id']}",
    )
comment = st.text_input("Comment (optional)", key=f"comment_{item['item_id']}")
c1, c2 = st.columns(2)
submit = c1.button("Submit score", shortcut="Enter", disabled=score is None)
skip = c2.button("Skip", shortcut="S")


def _save(label: str | None) -> None:
    """Record the label and move on to the next item."""
    try:
        annotations.create_annotation(
            scope,
            annotator=who.name,
            target_id=item["target_id"],
            target_type=item["target_type"],
            label=label,
            score=score,
            comment=comment or None,
            queue_id=queue_id,
            source="ui",
        )
    except EvalGuardError as exc:
        session.show_error(exc)
        return
    st.rerun()


if picked is not None:
    _save(picked)
elif submit:
    _save(None)
elif skip:
    claims.release(scope, queue_id, item["item_id"], who.name)
    st.rerun()
