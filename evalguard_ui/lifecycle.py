"""Lifecycle widgets: archive, restore and delete a queue, delete a run, undo a label.

Every destructive button is disabled until the user ticks a box that names what will be lost
(the sentence comes from evalguard_core.lifecycle, the same one the CLI prints).
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from evalguard_core import lifecycle
from evalguard_core.auth import Actor
from evalguard_core.store import Scope
from evalguard_ui.widgets import run_safely


def queue_actions(scope: Scope, queue: dict[str, Any], who: Actor) -> None:
    """Archive/restore and delete for one queue (admins)."""
    qid = queue["queue_id"]
    st.subheader("Archive or delete")
    if queue.get("archived_at") is None:
        st.caption("Archiving stops claims and labels and hides the queue; you can restore it.")
        if st.button("Archive queue", key=f"archive_{qid}") and run_safely(
            lambda: lifecycle.archive_queue(scope, qid, actor=who.name)
        ):
            st.success(f"Archived **{queue['name']}**.")
            st.rerun()
    else:
        st.info(f"This queue was archived at {queue['archived_at']:%Y-%m-%d %H:%M} UTC.")
        if st.button("Restore queue", key=f"restore_{qid}") and run_safely(
            lambda: lifecycle.restore_queue(scope, qid, actor=who.name)
        ):
            st.success(f"Restored **{queue['name']}**.")
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
