"""Which pages a session's navigation offers, and the page addresses documented outside the app.

The role decides what the menu lists. A signed-in user who opens a page's address that their
role does not reach still gets that page, whose `session.require_role` then says why not
(Streamlit would otherwise answer "page not found" and leave them guessing).
"""

from __future__ import annotations

from pathlib import PurePosixPath
from urllib.parse import urlparse

import streamlit as st

from evalguard_core.auth import Actor

# Page file -> its address when the file name is not the documented one.
URL_PATHS = {"pages/keys.py": "api-keys"}
# Addresses other documents use (the API reference: "Generate API keys at /dashboard/api-keys"),
# redirected by server.py to the page's own address; Streamlit page addresses cannot nest.
ALIASES = {"/dashboard/api-keys": "/" + URL_PATHS["pages/keys.py"]}


def url_path(page: str) -> str:
    """The address of a page file (Streamlit infers the file's stem when none is set)."""
    return URL_PATHS.get(page, PurePosixPath(page).stem)


def requested_path() -> str:
    """The page address in the browser's URL ("" for the home page or when unknown)."""
    url = st.context.url
    return urlparse(url).path.strip("/").rsplit("/", 1)[-1] if url else ""


def offered(page: str, role: str, who: Actor | None) -> bool:
    """Whether `page` (needing `role`) is in the navigation of a session signed in as `who`."""
    if who is None:
        return False
    return who.can(role) or requested_path() == url_path(page)
