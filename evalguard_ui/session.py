"""The shared store and the signed-in actor for a Streamlit session."""

from __future__ import annotations

import streamlit as st

from evalguard_core import auth, sessions
from evalguard_core.auth import LOCAL_ACTOR, Actor
from evalguard_core.errors import EvalGuardError
from evalguard_core.serving import open_server_store
from evalguard_core.store import Scope, Store

_ACTOR_KEY = "eg_actor"
CREATED_KEY = "eg_created_key"  # a key just created, shown once on the next run


def store() -> Store:
    """The process-wide store (the same object the API uses)."""
    return open_server_store()


def actor() -> Actor | None:
    """Who is using this session: the signed-in key, the local user, or None (sign-in needed).

    The browser's session cookie names the key; it is re-checked on every rerun (through the
    key cache), so a revoked key or a signed-out session ends here at the next interaction.
    AppTests, which cannot send cookies, put an Actor in session_state; it is re-checked too.
    """
    if not auth.sign_in_required(store()):
        return LOCAL_ACTOR
    who = sessions.session_actor(store(), _cookie())
    if who is not None:
        return who
    held = st.session_state.get(_ACTOR_KEY)
    if held is None or held.key_id is None:
        return None
    who = auth.actor_for_key_id(store(), held.key_id)
    if who is None:
        st.session_state.pop(_ACTOR_KEY, None)
    return who


def _cookie() -> str | None:
    """This browser's session cookie, if it sent one."""
    try:
        return st.context.cookies.get(sessions.COOKIE)
    except Exception:  # no browser connection (e.g. AppTest): no cookie
        return None


def sign_in_url(page: str = "") -> str:
    """The sign-in form, returning to `page` (a URL path) afterwards."""
    return f"/auth/sign-in?next=/{page.lstrip('/')}"


def scope() -> Scope:
    """The signed-in organization's view of the store."""
    who = actor()
    return store().scope(who.org_id if who else None)


def sign_in(key: str) -> Actor:
    """Check a key with the same core function the API uses and keep the actor in the session."""
    who = auth.authenticate(store(), key)
    st.session_state[_ACTOR_KEY] = who
    return who


def sign_out() -> None:
    """End this browser's session: its cookie never signs in again."""
    sessions.end_session(store(), _cookie())
    st.session_state.pop(_ACTOR_KEY, None)


def require_role(role: str) -> Actor:
    """Stop the page with a readable message unless the actor has at least `role`."""
    who = actor()
    if who is None:
        st.warning("Sign in with an API key (sidebar) to use this page.")
        st.stop()
    if not who.can(role):
        st.warning(f"This page needs the {role} role; you are signed in as {who.role}.")
        st.stop()
    return who


def blind_name() -> str | None:
    """The signed-in rater's name when it labels blind (annotator), else None."""
    who = actor()
    return who.name if who is not None and who.blind else None


def require_sighted() -> Actor:
    """Stop the page for a blind rater (annotator): it shows judge verdicts or others' labels."""
    who = require_role("viewer")
    if who.blind:
        st.warning(
            "Raters label blind: this page shows the judge's verdicts and other raters' labels, "
            "so it is not available to the annotator role."
        )
        st.stop()
    return who


def show_error(exc: EvalGuardError) -> None:
    """Show a domain error as a readable message, never a traceback."""
    st.error(exc.message)
