"""Lifecycle widgets: correct or retract labels, archive, restore and delete a queue, remove
items, delete a run, export or pseudonymise a rater, delete an organization's data.

Every destructive button is disabled until the user ticks a box that names what will be lost
(the sentence comes from evalguard_core.lifecycle, the same one the CLI prints). The box's key
carries the counts, so a tick given for one loss never carries over to a different one.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from evalguard_core import auth, lifecycle
from evalguard_core.auth import Actor
from evalguard_core.store import Scope, Store
from evalguard_ui.widgets import inert, run_safely

MAX_LABELS_SHOWN = 500
_FLASH = "lifecycle_flash"


def show_flash() -> None:
    """The outcome of the last archive/restore, as a toast (call it before anything can stop).

    After an archive the queue leaves the list and another one (or none) is on screen, so the
    message outlives the rerun and shows wherever the page is scrolled.
    """
    done = st.session_state.pop(_FLASH, None)
    if done:
        st.toast(done)


def queue_actions(scope: Scope, queue: dict[str, Any], who: Actor) -> None:
    """Archive/restore and delete for one queue (admins)."""
    qid = queue["queue_id"]
    st.subheader("Archive or delete")
    if queue.get("archived_at") is None:
        st.caption("Archiving stops claims and labels and hides the queue; you can restore it.")
        if st.button("Archive queue", key=f"archive_{qid}") and run_safely(
            lambda: lifecycle.archive_queue(scope, qid, actor=who.name)
        ):
            st.session_state[_FLASH] = (
                f"Archived **{queue['name']}** (Show archived queues lists it to restore)."
            )
            st.rerun()
    else:
        st.info(f"This queue was archived at {queue['archived_at']:%Y-%m-%d %H:%M} UTC.")
        if st.button("Restore queue", key=f"restore_{qid}") and run_safely(
            lambda: lifecycle.restore_queue(scope, qid, actor=who.name)
        ):
            st.session_state[_FLASH] = f"Restored **{queue['name']}**."
            st.rerun()
    preview = lifecycle.queue_deletion_preview(scope, qid)
    drop = st.checkbox("Also delete its labels", key=f"drop_labels_{qid}")
    loss = lifecycle.queue_loss_text(preview, delete_labels=drop)
    sure = st.checkbox(f"I understand: {loss}", key=f"confirm_delete_{qid}")
    if st.button("Delete queue", key=f"delete_{qid}", type="primary", disabled=not sure):
        done = run_safely(
            lambda: lifecycle.delete_queue(scope, qid, actor=who.name, delete_labels=drop)
        )
        if done:
            st.success(
                f"Deleted **{done['name']}**: {done['items_deleted']} item(s), "
                f"{done['labels_deleted']} label(s) deleted, {done['labels_kept']} kept."
            )


def run_actions(scope: Scope, run_id: str, who: Actor) -> None:
    """Delete one run (admins); refused while labels or items use it unless forced."""
    st.subheader("Delete this run")
    preview = lifecycle.run_deletion_preview(scope, run_id)
    used = preview["labels"] + preview["queue_items"] + preview["task_items"]
    force = False
    if used:
        force = st.checkbox(
            f"Also delete the {preview['labels']} label(s), {preview['queue_items']} queue "
            f"item(s) and {preview['task_items']} task item(s) that use it",
            key=f"force_{run_id}",
        )
    sure = st.checkbox(f"I understand: {lifecycle.run_loss_text(preview)}", key=f"sure_{run_id}")
    if st.button("Delete run", key=f"delete_run_{run_id}", type="primary", disabled=not sure):
        done = run_safely(lambda: lifecycle.delete_run(scope, run_id, actor=who.name, force=force))
        if done:
            st.success(f"Deleted run **{done['name']}** ({done['cases']} cases).")


def _label_text(found: dict[str, Any], *, with_rater: bool) -> str:
    """One label as a choice: value, target, when (and who, for admins)."""
    value = found["label"] if found["label"] is not None else found["score"]
    who = f"{found['annotator']} · " if with_rater else ""
    return f"{who}{value} · {found['target_id']} · {found['created_at']:%Y-%m-%d %H:%M}"


def label_corrections(scope: Scope, queue: dict[str, Any], who: Actor) -> None:
    """Raters replace or retract their own labels; admins retract anyone's with a reason."""
    qid = queue["queue_id"]
    admin = who.can("admin")
    st.subheader("Correct or retract labels")
    labels = lifecycle.queue_labels(scope, qid, annotator=None if admin else who.name)
    if not labels:
        st.caption("No labels in this queue yet." if admin else "You have no labels here yet.")
        return
    if len(labels) > MAX_LABELS_SHOWN:
        st.caption(f"The newest {MAX_LABELS_SHOWN} of {len(labels)} labels.")
    shown = {a["annotation_id"]: a for a in labels[:MAX_LABELS_SHOWN]}
    chosen = st.selectbox(
        "Label (newest first)",
        list(shown),
        format_func=lambda i: _label_text(shown[i], with_rater=admin),
        key=f"fix_label_{qid}",
    )
    found = shown[chosen]
    own = found["annotator"] == who.name
    archived = queue.get("archived_at") is not None
    if own and not archived and _replace_form(scope, queue, found, who):
        # Name the new value in the retract confirmation below.
        now = {a["annotation_id"]: a for a in lifecycle.queue_labels(scope, qid)}
        found = now.get(chosen, found)
    elif own:
        st.caption("The queue is archived: labels are read-only until it is restored.")
    reason = ""
    if not own:
        reason = st.text_input(
            "Reason (required; it goes in the event log)", key=f"retract_reason_{chosen}"
        )
    if own and archived and not admin:
        return
    sure = st.checkbox(
        f"I understand: {lifecycle.retract_loss_text(found)}", key=f"sure_retract_{chosen}"
    )
    if st.button("Retract label", key=f"retract_{chosen}", disabled=not sure):
        done = run_safely(
            lambda: lifecycle.retract_label(
                scope, chosen, actor=who.name, admin=admin, reason=reason or None
            )
        )
        if done:
            st.success(f"Retracted the label; the item is now {done['item_status']}.")


def _replace_form(scope: Scope, queue: dict[str, Any], found: dict[str, Any], who: Actor) -> bool:
    """Give one of your labels a new value (the event log keeps the old one); True when done."""
    aid = found["annotation_id"]
    with st.form(f"replace_{aid}"):
        if queue.get("score_min") is not None and found["label"] is None:
            score = st.number_input(
                "New score",
                min_value=float(queue["score_min"]),
                max_value=float(queue["score_max"]),
                value=float(found["score"] or queue["score_min"]),
            )
            label = None
        else:
            options = list(queue["label_options"])
            start = options.index(found["label"]) if found["label"] in options else 0
            label = st.selectbox("New label", options, index=start)
            score = None
        comment = st.text_input("Comment", value=found["comment"] or "")
        if st.form_submit_button("Replace label"):
            done = run_safely(
                lambda: lifecycle.replace_label(
                    scope,
                    aid,
                    annotator=who.name,
                    label=label,
                    score=score,
                    comment=comment or None,
                )
            )
            if done:
                st.success("Replaced; the old value stays in the label history.")
                return True
    return False


def item_removal(scope: Scope, queue: dict[str, Any], who: Actor) -> None:
    """Remove chosen items from an open queue; labelled ones only with an explicit tick."""
    qid = queue["queue_id"]
    st.subheader("Remove items")
    if queue.get("archived_at") is not None:
        st.caption("Restore the queue to remove items from it.")
        return
    items = {i["item_id"]: i for i in lifecycle.queue_items(scope, qid)}
    if not items:
        st.caption("The queue has no items.")
        return
    chosen = st.multiselect(
        "Items to remove",
        list(items),
        format_func=lambda i: (
            f"{i} · {inert(items[i]['target_id'])} · {items[i]['status']} · "
            f"{items[i]['done_count']} label(s)"
        ),
        key=f"remove_items_{qid}",
    )
    if not chosen:
        return
    preview = lifecycle.items_removal_preview(scope, qid, chosen)
    labelled = False
    if preview["labelled_items"]:
        labelled = st.checkbox(
            f"Also remove the {preview['labelled_items']} labelled item(s) and delete their "
            f"{preview['labels']} label(s)",
            key=f"remove_labelled_{qid}",
        )
    loss = lifecycle.items_loss_text(preview, include_labelled=labelled)
    sure = st.checkbox(
        f"I understand: {loss}",
        key=f"sure_remove_{qid}_{'-'.join(map(str, sorted(chosen)))}_{labelled}",
    )
    if st.button("Remove items", key=f"remove_{qid}", type="primary", disabled=not sure):
        done = run_safely(
            lambda: lifecycle.remove_items(
                scope, qid, chosen, actor=who.name, include_labelled=labelled
            )
        )
        if done:
            st.success(
                f"Removed {done['items_removed']} item(s); {done['labels_deleted']} label(s) "
                "deleted."
            )


def rater_actions(scope: Scope, who: Actor) -> None:
    """Export everything one rater did, or pseudonymise a departed rater (admins)."""
    st.subheader("A rater's data")
    name = st.text_input(
        "Rater name (the key name on their labels)", key="rater_name", max_chars=200
    ).strip()
    if not name:
        st.caption("Name a rater to export their work or pseudonymise them.")
        return
    data = run_safely(lambda: lifecycle.export_rater(scope, name))
    if not data:
        return
    preview = lifecycle.rater_preview(scope.org_id, data)
    st.write(
        f"**{name}**: {preview['labels']} label(s), {preview['claims']} lease(s), "
        f"{preview['task_labels']} task label(s), {preview['events']} event(s)."
    )
    st.download_button(
        "Download everything they did (JSON)",
        data=lifecycle.rater_json(data),
        file_name=f"rater-{preview['alias']}.json",
        mime="application/json",
        key="export_rater",
    )
    sure = st.checkbox(
        f"I understand: {lifecycle.pseudonymise_loss_text(preview)}",
        key=f"sure_pseudonymise_{name}_{preview['labels']}_{preview['claims']}",
    )
    if st.button("Pseudonymise rater", key="pseudonymise", disabled=not sure):
        done = run_safely(lambda: lifecycle.pseudonymise_rater(scope, name, actor=who.name))
        if done:
            st.success(
                f"{name} is now **{done['alias']}** on {done['renamed']['labels']} label(s)."
            )


def org_deletion(store: Store, who: Actor) -> None:
    """Delete every row of the admin's organization (offboarding), after typing its name."""
    org = auth.resolve_org(store, who.org_id)
    st.subheader("Delete this organization's data")
    counts = lifecycle.org_deletion_preview(store, org["org_id"])
    loss = lifecycle.org_loss_text(org, counts, remove_org=False)
    typed = st.text_input(
        f"Type the organization's name ({org['name']}) to confirm", key="org_name"
    )
    sure = st.checkbox(
        f"I understand: this {loss[0].lower()}{loss[1:]} Every API key goes too, yours included.",
        key=f"sure_org_{sum(counts.values())}",
    )
    if st.button(
        "Delete all data",
        key="delete_org_data",
        type="primary",
        disabled=not (sure and typed == org["name"]),
    ):
        done = run_safely(
            lambda: lifecycle.delete_org_data(store, org, actor=who.name, keep_org=True)
        )
        if done:
            st.success(
                f"Deleted {sum(done['removed'].values())} row(s) of organization **{org['name']}**."
            )
