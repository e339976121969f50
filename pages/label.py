"""Label: pick a queue, claim the next item, label it (judge's verdict hidden), next.

The item and its controls are one fragment, and every action runs in its button's callback
before the fragment draws: a label key reruns only the fragment (not app.py, the queue list or
the sidebar) and the next item is drawn in that same run (docs/adr/0020-instant-labelling.md).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from evalguard_core import claims, lifecycle, queues, rubrics
from evalguard_core.annotations import label_claimed
from evalguard_core.errors import ConflictError, EvalGuardError
from evalguard_ui import labeling, rubric_form, session
from evalguard_ui.widgets import inert

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


def _save(queue_id: str, item: dict[str, Any], order: str | None, label: str | None) -> None:
    """Record the label (telling the rater if the lease had run out); the next item follows."""
    if not labeling.still_signed_in(who):
        return
    score = st.session_state.get(labeling.widget_key("score", item))
    comment = st.session_state.get(labeling.widget_key("comment", item)) or None
    if label is None and score is None:
        labeling.flash("warning", "Type a score first (or pick a label).")
        return
    try:
        result = label_claimed(
            scope,
            queue_id,
            who.name,
            item,
            label=label,
            score=score,
            comment=comment,
            source="ui",
            shown_order=order,
        )
    except EvalGuardError as exc:
        refused = labeling.flash_after_refusal(exc.details, item["item_id"])
        labeling.flash(*(refused or ("error", exc.message)))
        if refused is not None:
            labeling.forget_item(who.name, queue_id)
        return
    message = labeling.flash_after_label(result, label)
    if message:
        labeling.flash(*message)
    labeling.forget_item(who.name, queue_id)


def _skip(queue_id: str, item_id: int) -> None:
    """Give the item back and move on."""
    if not labeling.still_signed_in(who):
        return
    try:
        claims.release(scope, queue_id, item_id, who.name)
    except EvalGuardError as exc:  # e.g. the lease ran out and the item went to someone else
        labeling.flash("info", exc.message.capitalize() + ".")
    labeling.forget_item(who.name, queue_id)


def _undo(queue_id: str) -> None:
    """Take back the last label; its item becomes the one on screen (leased to this rater)."""
    if not labeling.still_signed_in(who):
        return
    try:
        labeling.keep_item(who.name, queue_id, lifecycle.undo_last(scope, queue_id, who.name))
        labeling.flash("info", "Your last label was taken back; label the item again.")
    except EvalGuardError as exc:
        labeling.flash("warning", exc.message.capitalize() + ".")


def _undo_button(queue_id: str, *, width: Any = "content", col: Any = st) -> None:
    """Undo (shortcut U)."""
    col.button(
        "Undo last label",
        shortcut="U",
        width=width,
        help="Bring back the item you labelled last and label it again",
        on_click=_undo,
        args=(queue_id,),
    )


@st.fragment
def label_screen(queue_id: str) -> None:
    """Progress, the claimed item and its controls: all a label key changes."""
    if not labeling.still_signed_in(who):
        st.rerun()  # signed out or revoked meanwhile: the whole app decides what to show
    labeling.show_flash()
    queue = queues.get_queue(scope, queue_id)
    p = queue["progress"]
    mine = next((r["annotations"] for r in queue["per_rater"] if r["annotator"] == who.name), 0)
    st.progress(
        p["done"] / p["total"] if p["total"] else 0.0,
        text=f"{p['done']} of {p['total']} done, {mine} by you",
    )
    if queue.get("instructions"):
        st.info(inert(queue["instructions"]))
    try:
        item = labeling.held_item(
            who.name, queue_id, lambda: claims.claim_next(scope, queue_id, who.name)
        )
    except ConflictError as exc:
        if (exc.details or {}).get("retryable"):
            st.warning(exc.message.capitalize() + ".")
            st.button("Try again")
        elif p["total"] == 0:
            st.info(
                "This queue has no items yet; an admin adds them on the Queues or Bootstrap page."
            )
        else:
            st.success(f"Queue finished: {exc.message}. Thank you!")
            _undo_button(queue_id)
        return
    except EvalGuardError as exc:
        session.show_error(exc)
        return
    pairwise = item["target_type"] == "pairwise"
    order = claims.pairwise_order(queue_id, item["item_id"], who.name) if pairwise else None

    head, raw_col = st.columns([4, 1])
    head.caption(f"Item {item['item_id']} · case {item['case_id']}")
    raw = raw_col.toggle("Raw text", key="label_raw", help="Show texts as typed, not as Markdown")
    labeling.lease_timer(item["lease_expires_at"], scope.now())
    labeling.show_item(item, shown_order=order, raw=raw)

    rubric = rubrics.get_rubric(scope, queue_id)
    if not rubrics.asks_one_question(rubric["questions"]):
        _rubric_controls(queue_id, item, order, rubric["questions"])
        return

    options = queue["label_options"]
    has_score = queue["score_min"] is not None or queue["score_max"] is not None
    names = labeling.choice_names(options, order)
    st.caption(labeling.shortcut_help(names, has_score=has_score))

    def choices(in_form: bool) -> None:
        """The label buttons (left/right/tie for pairwise items), each saving its label."""

        def pick(label: str) -> None:
            _save(queue_id, item, order, label)

        labeling.choices(options, order, in_form=in_form, on_pick=pick)

    if has_score:
        # One form, so Enter in the score box submits score and comment together.
        with st.form(f"label_form_{item['item_id']}", border=False):
            st.number_input(
                "Score",
                min_value=queue["score_min"],
                max_value=queue["score_max"],
                value=None,
                key=labeling.widget_key("score", item),
            )
            st.text_input("Comment (optional)", key=labeling.widget_key("comment", item))
            st.form_submit_button(
                "Submit score", type="primary", on_click=_save, args=(queue_id, item, order, None)
            )
            choices(in_form=True)
    else:
        choices(in_form=False)
        st.text_input("Comment (optional)", key=labeling.widget_key("comment", item))
    skip_col, undo_col = st.columns(2)
    skip_col.button(
        "Skip", shortcut="S", width="stretch", on_click=_skip, args=(queue_id, item["item_id"])
    )
    _undo_button(queue_id, width="stretch", col=undo_col)
    labeling.focus("Score" if has_score else None, token=f"{queue_id}:{item['item_id']}")


def _rubric_controls(
    queue_id: str, item: dict[str, Any], order: str | None, questions: list[dict[str, Any]]
) -> None:
    """A rubric of several questions: one form, answered by keyboard, saved in one request."""
    st.caption(rubric_form.shortcut_help())
    item_key = f"{queue_id}_{item['item_id']}"
    submitted, given, rubric_comment = rubric_form.rubric_form(questions, item_key)
    st.button("Skip", shortcut="S", on_click=_skip, args=(queue_id, item["item_id"]))
    rubric_form.keyboard(questions, item_key)
    if not submitted:
        return
    if not labeling.still_signed_in(who):
        st.rerun()
    try:
        result = rubrics.answer_item(
            scope,
            annotator=who.name,
            queue_id=queue_id,
            target_id=item["target_id"],
            answers=given,
            comment=rubric_comment,
            source="ui",
            shown_order=order,
        )
    except EvalGuardError as exc:
        session.show_error(exc)
        return
    labeling.flash(
        *(
            labeling.flash_after_label(result, "answers")
            or (
                "success",
                f"Saved answers for item {item['item_id']} (rubric v{result['rubric_version']}).",
            )
        )
    )
    labeling.forget_item(who.name, queue_id)
    labeling.rerun_screen()


label_screen(queue_id)
