"""One process for UI and API: Streamlit's st.App with the FastAPI app mounted under /api.

DuckDB lets one process hold the file read-write, so the UI and the API share this process and
its store (docs/adr/0001-one-process-st-app.md). Start it with `make run` or `evalguard serve`.
"""

from __future__ import annotations

import streamlit as st
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import BaseRoute, Mount, Route
from streamlit.runtime.pages_manager import PagesManager

from evalguard_core.api import create_api
from evalguard_core.config import settings
from evalguard_core.serving import open_server_store
from evalguard_ui.navigation import ALIASES


def alias(path: str, target: str) -> Route:
    """`path` answers 307 to the page at `target`, keeping the query string."""

    async def endpoint(request: Request) -> RedirectResponse:
        query = request.url.query
        return RedirectResponse(f"{target}?{query}" if query else target, status_code=307)

    return Route(path, endpoint, methods=["GET", "HEAD"])


# app.py navigates with st.navigation. Until its first call in the process, Streamlit treats a
# pages/ directory as the old multipage mode: the first visitor after a start who opened a page's
# address (e.g. /dashboard/api-keys -> /keys) got that file run alone, without app.py's sign-in.
PagesManager.uses_pages_directory = False

store = open_server_store()
api = create_api(store)

routes: list[BaseRoute] = [Mount("/api", app=api)]
routes += [alias(path, target) for path, target in ALIASES.items()]
app = st.App("app.py", routes=routes)

if __name__ == "__main__":
    app.run(
        config={
            "server.port": settings().port,
            "server.address": settings().host,
            "server.headless": True,
            "browser.gatherUsageStats": False,
        }
    )
