"""The shared store and the signed-in actor for a Streamlit session."""

from __future__ import annotations

import streamlit as st

from evalguard_core import auth
from evalguard_core.auth import LOCAL_ACTOR, Actor
from evalguard_core.errors import EvalGuardError
from evalguard_core.serving import open_server_store
from evalguard_core.store import Scope, Store

_ACTOR_KEY = "eg_actor"


def store() -> Store:
    """The process-wide store (the same object the API uses)."""
    return open_server_store()


def actor() -> Actor | None:
    """Who is using this session: the signed-in key, the local user, or None (sign-in needed)."""
    if not auth.sign_in_required(store()):
        return LOCAL_ACTOR
    return st.session_state.get(_ACTOR_KEY)


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
    """Forget the signed-in key."""
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


def show_error(exc: EvalGuardError) -> None:
    """Show a domain error as a readable message, never a traceback."""
    st.error(exc.message)
