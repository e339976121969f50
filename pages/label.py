"""Label: pick a queue, claim the next item, label it (judge's verdict hidden), next."""

from __future__ import annotations

import streamlit as st

import evalguard_core.annotations as annotations
from evalguard_core import claims, lifecycle, queues, rubrics
from evalguard_core.errors import ConflictError, EvalGuardError
from evalguard_ui import labeling, rubric_form, session
from evalguard_ui.widgets import inert

FLASH = "label_flash"

st.title("Label")
who = session.require_role("annotator")
scope = session.scope()
st.caption(f"You are **{who.name}** ({who.role}).")

flash = st.session_state.pop(FLASH, None)
if flash:
    getattr(st, flash[0])(flash[1])

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
    st.info(inert(queue["instructions"]))

# The item on screen stays the one labelled, even if its lease runs out while the rater reads
# (a fresh claim on every rerun would silently move the click to another item).
current_key = f"label_current_{who.name}_{queue_id}"


def _undo() -> None:
    """Take back the last label; its item becomes the one on screen (leased to this rater)."""
    try:
        st.session_state[current_key] = lifecycle.undo_last(scope, queue_id, who.name)["claim"]
        st.session_state[FLASH] = ("info", "Your last label was taken back; label the item again.")
    except EvalGuardError as exc:
        st.session_state[FLASH] = ("warning", exc.message.capitalize() + ".")
    st.rerun()


try:
    if current_key not in st.session_state:
        st.session_state[current_key] = claims.claim_next(scope, queue_id, who.name)["item"]
except ConflictError as exc:
    if (exc.details or {}).get("retryable"):
        st.warning(exc.message.capitalize() + ".")
        st.button("Try again")
    elif p["total"] == 0:
        st.info("This queue has no items yet; an admin adds them on the Queues or Bootstrap page.")
    else:
        st.success(f"Queue finished: {exc.message}. Thank you!")
        if st.button("Undo last label", shortcut="U"):
            _undo()
    st.stop()
except EvalGuardError as exc:
    session.show_error(exc)
    st.stop()
item = st.session_state[current_key]
pairwise = item["target_type"] == "pairwise"
order = claims.pairwise_order(queue_id, item["item_id"], who.name) if pairwise else None

head, raw_col = st.columns([4, 1])
head.caption(f"Item {item['item_id']} · case {item['case_id']}")
raw = raw_col.toggle("Raw text", key="label_raw", help="Show texts as typed, not as Markdown")
labeling.lease_timer(item["lease_expires_at"], scope.now())
labeling.show_item(item, shown_order=order, raw=raw)


def _skip() -> None:
    """Give the item back and move on."""
    try:
        claims.release(scope, queue_id, item["item_id"], who.name)
    except EvalGuardError as exc:  # e.g. the lease ran out and the item went to someone else
        st.session_state[FLASH] = ("info", exc.message.capitalize() + ".")
    st.session_state.pop(current_key, None)
    st.rerun()


rubric = rubrics.get_rubric(scope, queue_id)
if not rubrics.asks_one_question(rubric["questions"]):
    # A rubric of several questions: one form, answered by keyboard, saved in one request.
    st.caption(rubric_form.shortcut_help())
    item_key = f"{queue_id}_{item['item_id']}"
    submitted, given, rubric_comment = rubric_form.rubric_form(rubric["questions"], item_key)
    skip_rubric = st.button("Skip", shortcut="S")
    rubric_form.keyboard(rubric["questions"], item_key)
    if submitted:
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
            st.stop()
        st.session_state[FLASH] = labeling.flash_after_label(result, "answers") or (
            "success",
            f"Saved answers for item {item['item_id']} (rubric v{result['rubric_version']}).",
        )
        st.session_state.pop(current_key, None)
        st.rerun()
    elif skip_rubric:
        _skip()
    st.stop()

options = queue["label_options"]
has_score = queue["score_min"] is not None or queue["score_max"] is not None
names = [t for _, t in labeling.pairwise_sides(options, order)] if pairwise else options
st.caption(labeling.shortcut_help(names, has_score=has_score))


def _choices(in_form: bool) -> str | None:
    """The label buttons (left/right/tie for pairwise items); the label picked, if any."""
    if pairwise:
        return labeling.side_buttons(options, order, in_form=in_form)
    return labeling.label_buttons(options, in_form=in_form)


score = None
submit = False
if has_score:
    # One form, so Enter in the score box submits score and comment together.
    with st.form(f"label_form_{item['item_id']}", border=False):
        score = st.number_input(
            "Score", min_value=queue["score_min"], max_value=queue["score_max"], value=None
        )
        comment = st.text_input("Comment (optional)")
        submit = st.form_submit_button("Submit score", type="primary")
        picked = _choices(in_form=True)
else:
    picked = _choices(in_form=False)
    comment = st.text_input("Comment (optional)", key=f"comment_{item['item_id']}")
skip_col, undo_col = st.columns(2)
skip = skip_col.button("Skip", shortcut="S", width="stretch")
undo = undo_col.button(
    "Undo last label",
    shortcut="U",
    width="stretch",
    help="Bring back the item you labelled last and label it again",
)
labeling.focus("Score" if has_score else None, token=f"{queue_id}:{item['item_id']}")


def _save(label: str | None) -> None:
    """Record the label (telling the rater if the lease had run out) and move on."""
    try:
        result = annotations.label_claimed(
            scope,
            queue_id,
            who.name,
            item,
            label=label,
            score=score,
            comment=comment or None,
            source="ui",
            shown_order=order,
        )
    except EvalGuardError as exc:
        refused = labeling.flash_after_refusal(exc.details, item["item_id"])
        if refused is None:
            session.show_error(exc)
            return
        st.session_state[FLASH] = refused
        st.session_state.pop(current_key, None)
        st.rerun()
    message = labeling.flash_after_label(result, label)
    if message:
        st.session_state[FLASH] = message
    st.session_state.pop(current_key, None)
    st.rerun()


if picked is not None:
    _save(picked)
elif submit:
    if score is None:
        st.warning("Type a score first (or pick a label).")
    else:
        _save(None)
elif skip:
    _skip()
elif undo:
    _undo()
