"""Keys (admin): create and revoke API keys of your organization; a new key is shown once."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from evalguard_core import auth
from evalguard_core.errors import EvalGuardError
from evalguard_ui import lifecycle as lifecycle_ui
from evalguard_ui import session

st.title("API keys")
who = session.require_role("admin")
scope = session.scope()
st.caption(
    f"Organization **{who.org_name}**: you see and manage only its keys. "
    "The key's name is the identity recorded on every label."
)


def _create() -> None:
    """Create the key before the rerun (a callback), so the sidebar already shows its effect."""
    state = st.session_state
    current = session.actor()  # re-checked: the admin's own key may have been revoked since
    if current is None or not current.can("admin"):
        return
    try:
        state[session.CREATED_KEY] = auth.create_key(
            session.store(),
            name=state["new_key_name"],
            role=state["new_key_role"],
            org=scope.org_id,
        )
    except EvalGuardError as exc:
        state["new_key_error"] = exc.message


with st.form("create_key", clear_on_submit=True):
    c1, c2 = st.columns([3, 2])
    c1.text_input("Name (who will use the key)", key="new_key_name")
    c2.selectbox(
        "Role",
        list(reversed(auth.ROLES)),
        help="viewer reads; annotator also labels; admin does everything",
        key="new_key_role",
    )
    st.form_submit_button("Create key", type="primary", on_click=_create)
if "new_key_error" in st.session_state:
    st.warning(st.session_state.pop("new_key_error"))
created = st.session_state.pop(session.CREATED_KEY, None)
if created:
    st.success(
        f"Key for **{created['name']}** ({created['role']}). Copy it now: it is shown "
        "only once and only its hash is stored."
    )
    st.code(created["key"], language=None)

keys = auth.list_keys(scope)
if not keys:
    st.info("No keys yet: the app runs in local single-user mode until you create one.")
live = [k for k in keys if k["revoked_at"] is None]
if live:
    with st.form("revoke_key"):
        c1, c2 = st.columns([3, 1])
        target = c1.selectbox(
            "Revoke a key",
            [k["key_id"] for k in live],
            format_func=lambda i: next(
                f"{k['name']} ({k['role']}, {k['key_prefix']}…)" for k in live if k["key_id"] == i
            ),
        )
        if c2.form_submit_button("Revoke"):
            try:
                auth.revoke_key(scope, target, actor=who)
                st.success("Revoked: requests with that key now answer 401.")
                keys = auth.list_keys(scope)
            except EvalGuardError as exc:
                st.warning(exc.message)
if keys:
    table = pd.DataFrame(keys)[["key_id", "name", "role", "key_prefix", "created_at", "revoked_at"]]
    st.dataframe(table, hide_index=True, width="stretch")

st.divider()
lifecycle_ui.rater_actions(scope, who)
lifecycle_ui.org_deletion(session.store(), who)
