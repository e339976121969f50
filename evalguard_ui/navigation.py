"""Which pages a session's navigation offers, and the page addresses documented outside the app.

The role decides what the menu lists. Whoever opens a page's address that their role (or no
sign-in) does not reach still gets that page, whose `session.require_role` then says why not:
sign in, or which role it needs. Streamlit would otherwise answer "page not found" in a dialog
over the sign-in form.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from streamlit.runtime.scriptrunner import get_script_run_ctx

from evalguard_core.auth import Actor


def url_path(page: str) -> str:
    """The address Streamlit gives a page file: its stem ("pages/keys.py" -> "keys")."""
    return PurePosixPath(page).stem


# Addresses other documents use (the API reference: "Generate API keys at /dashboard/api-keys"),
# redirected by server.py to the page's own address. Streamlit page addresses cannot nest, and
# the page keeps its file's name: the browser checks the first address against pages/ before
# the app's navigation runs, and any other name shows "page not found" over the page.
ALIASES = {"/dashboard/api-keys": "/" + url_path("pages/keys.py")}
# A page file's path typed as an address (/pages/label.py, e.g. copied from the source tree)
# would get Streamlit's index page with its assets under /pages/: a blank page. server.py sends
# it to the page instead (the home page lives at the root).
PAGE_FILE_ROUTE = "/pages/{name}.py"
HOME_PAGE = "pages/home.py"


def page_file_target(name: str) -> str:
    """Where /pages/<name>.py leads: the page of that file (a name no page has gets
    Streamlit's own "page not found")."""
    return "/" if name == url_path(HOME_PAGE) else "/" + name


def requested_path() -> str:
    """The page address the browser asked for ("" for the home page or when unknown)."""
    # Not st.context.url: before st.navigation runs it strips any suffix that matches a file in
    # pages/ ("/keys" comes back as "/"), the very part we need. The page name sent is exact.
    # A rerun (a widget, st.rerun after sign-in) names the page by its script hash instead,
    # one of the pages the previous run offered.
    ctx = get_script_run_ctx()
    if ctx is None:
        return ""
    manager = ctx.pages_manager
    if manager.intended_page_name:
        return manager.intended_page_name.strip("/")
    page = manager.get_pages().get(manager.intended_page_script_hash or "")
    return str(page.get("url_pathname") or "") if page else ""


def offered(page: str, role: str, who: Actor | None, *, home: bool = False) -> bool:
    """Whether `page` (needing `role`) is in the navigation of a session signed in as `who`
    (None: not signed in). The home page comes along with a page opened by address: Streamlit
    gives the default page the root address, so a lone page could not keep its own."""
    if who is not None and who.can(role):
        return True
    requested = requested_path()
    return requested == url_path(page) or (home and requested != "")
