"""EvalGuard's Streamlit entry point: sidebar (who am I, which store) and navigation by role."""

from __future__ import annotations

import logging

import streamlit as st

from evalguard_core.errors import EvalGuardError
from evalguard_ui import session

log = logging.getLogger("evalguard.ui")

st.set_page_config(page_title="EvalGuard", page_icon=":material/fact_check:", layout="wide")

PAGES = [
    # (file, title, icon, minimum role)
    ("pages/home.py", "Home", ":material/home:", "viewer"),
    ("pages/runs.py", "Runs", ":material/table_view:", "viewer"),
    ("pages/queues.py", "Queues", ":material/queue:", "viewer"),
    ("pages/label.py", "Label", ":material/label:", "annotator"),
    ("pages/alignment.py", "Alignment", ":material/balance:", "viewer"),
    ("pages/tasks.py", "Tasks", ":material/checklist:", "viewer"),
    ("pages/bootstrap.py", "Bootstrap", ":material/shuffle:", "admin"),
    ("pages/keys.py", "API keys", ":material/key:", "admin"),
]


def sidebar() -> None:
    """Who is signed in, which store, and the sign-in form when keys exist."""
    with st.sidebar:
        store = session.store()
        if store.dialect == "duckdb":
            st.caption(f"Store: `{store.path.name}`", help=f"DuckDB file: {store.path.resolve()}")
        else:
            st.caption(f"Store: `{store.location}`", help="PostgreSQL database")
        who = session.actor()
        if who is None:
            st.subheader("Sign in")
            with st.form("sign_in"):
                key = st.text_input("API key", type="password", help="from `evalguard keys create`")
                if st.form_submit_button("Sign in"):
                    try:
                        session.sign_in(key)
                        st.rerun()
                    except EvalGuardError as exc:
                        st.error(exc.message)
        elif who.key_id is None:
            st.info(
                "Local single-user mode: no API keys exist, so everyone here is **local (admin)**. "
                "Create a key with `evalguard keys create --name NAME --role admin` to turn "
                "sign-in on."
            )
        else:
            st.success(f"Signed in as **{who.name}** ({who.role}) · org **{who.org_name}**")
            if st.button("Sign out"):
                session.sign_out()
                st.rerun()


sidebar()
who = session.actor()
pages = [
    st.Page(path, title=title, icon=icon, default=(path == PAGES[0][0]))
    for path, title, icon, role in PAGES
    if who is not None and who.can(role)
]
if not pages:
    st.title("EvalGuard")
    st.info("Sign in with an API key in the sidebar to continue.")
    st.stop()
try:
    st.navigation(pages).run()
except EvalGuardError as exc:  # a domain error a page did not catch: still a readable message
    st.error(exc.message)
except Exception as exc:  # never a traceback in the UI; the server log keeps the details
    log.exception("page failed")
    st.error(
        f"Something went wrong on this page ({type(exc).__name__}: {exc}). "
        "Reload to try again; the details are in the server log."
    )
