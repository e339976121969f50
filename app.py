"""EvalGuard's Streamlit entry point: sidebar (who am I, which store) and navigation by role.

st.navigation is called on every run (also when nobody is signed in), so Streamlit never falls
back to serving the files of pages/ by themselves. State changes the sidebar shows (sign-out,
the first key) happen in widget callbacks, which run before this script, so it is current.
"""

from __future__ import annotations

import logging

import streamlit as st

from evalguard_core.auth import Actor
from evalguard_core.errors import EvalGuardError
from evalguard_ui import navigation, session, style

log = logging.getLogger("evalguard.ui")

# No page_icon: Streamlit fetches a material favicon from fonts.gstatic.com (another origin).
st.set_page_config(page_title="EvalGuard", layout="wide")
style.inject()

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


def signed_out() -> None:
    """The only page for a browser without a live session: a link to the sign-in form."""
    st.title("EvalGuard")
    created = st.session_state.pop(session.CREATED_KEY, None)
    if created:  # the first key was just created on the Keys page: sign-in is on from now
        st.success(
            f"Key for **{created['name']}** ({created['role']}). Copy it now: it is shown only "
            "once. This was the first key, so sign-in is now on: sign in with it."
        )
        st.code(created["key"], language=None)
    else:
        st.info("Sign in to continue (your session ended, expired or was never started).")
    sign_in_link()


def sign_in_link() -> None:
    """A same-tab link to the sign-in form (Streamlit opens plain links in a new tab)."""
    st.markdown(
        f'<a href="{session.sign_in_url()}" target="_self">Sign in with an API key</a>',
        unsafe_allow_html=True,
    )


# Pages about the judge's verdicts and other raters' labels: raters label blind.
SIGHTED_ONLY = {"pages/alignment.py"}


def allowed(who: Actor | None) -> list[tuple[str, str, str, str]]:
    """The pages the actor's role may open (blind raters never get the sighted-only ones)."""
    return [
        p
        for p in PAGES
        if who is not None and who.can(p[3]) and not (who.blind and p[0] in SIGHTED_ONLY)
    ]


def sidebar(who: Actor | None, links: list) -> None:
    """Links to the pages the role may open, who is signed in and which store."""
    with st.sidebar:
        for page, icon in links:
            st.page_link(page, icon=icon)
        if who is None:
            st.subheader("Sign in")
            sign_in_link()
            return
        if who.can("admin"):  # the store's location is for admins, not every visitor
            store = session.store()
            if store.dialect == "duckdb":
                st.caption(
                    f"Store: `{store.path.name}`", help=f"DuckDB file: {store.path.resolve()}"
                )
            else:
                st.caption(f"Store: `{store.location}`", help="PostgreSQL database")
        if who.key_id is None:
            st.info(
                "Local single-user mode: no API keys exist, so everyone here is **local (admin)**. "
                "Create a key with `evalguard keys create --name NAME --role admin` to turn "
                "sign-in on."
            )
        else:
            st.success(f"Signed in as **{who.name}** ({who.role}) · org **{who.org_name}**")
            st.button("Sign out", on_click=session.sign_out)


who = session.actor()
# No icon on st.Page: Streamlit turns the page's icon into a favicon fetched from
# fonts.gstatic.com (another origin); the sidebar links carry the icons instead.
links = [
    (st.Page(path, title=title, default=(path == PAGES[0][0])), icon)
    for path, title, icon, _ in allowed(who)
]
listed = {path for path, _, _, _ in allowed(who)}
# A page a signed-in user opens by its address that the role does not reach is still registered
# (not linked), so that its own role check says why instead of Streamlit's "page not found"
# dialog. Without a session there is only the sign-in page (the server's guard sends page loads
# to the sign-in form anyway).
by_address = [
    st.Page(path, title=title, default=(path == PAGES[0][0]))
    for path, title, _, role in PAGES
    if who is not None
    and path not in listed
    and navigation.offered(path, role, None, home=(path == PAGES[0][0]))
]
pages = [page for page, _ in links] + by_address
if not pages:
    pages = [st.Page(signed_out, title="Sign in", url_path="sign-in", default=True)]
# Our own links instead of Streamlit's menu: st.page_link needs the pages registered first.
nav = st.navigation(pages, position="hidden")
sidebar(who, links)
try:
    nav.run()
except EvalGuardError as exc:  # a domain error a page did not catch: still a readable message
    st.error(exc.message)
except Exception as exc:  # never a traceback in the UI; the server log keeps the details
    log.exception("page failed")
    st.error(
        f"Something went wrong on this page ({type(exc).__name__}: {exc}). "
        "Reload to try again; the details are in the server log."
    )
