"""One process for UI and API: Streamlit's st.App with the FastAPI app mounted under /api.

DuckDB lets one process hold the file read-write, so the UI and the API share this process and
its store (docs/adr/0001-one-process-st-app.md). Start it with `make run` or `evalguard serve`.
Sign-in, the page guard, security headers and the header timeout: docs/adr/0009-*.md.
"""

from __future__ import annotations

import sys
from typing import Any

import streamlit as st
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Mount, Route

from evalguard_core.api import create_api
from evalguard_core.api.web import (
    PageGuard,
    SecurityHeaders,
    header_timeout_protocol,
    session_routes,
)
from evalguard_core.config import settings
from evalguard_core.errors import EvalGuardError
from evalguard_core.serving import NO_AUTH_BANNER, check_exposure, open_server_store
from evalguard_ui.navigation import ALIASES, PAGE_FILE_ROUTE, page_file_target


def alias(path: str, target: str) -> Route:
    """`path` answers 307 to the page at `target`, keeping the query string."""

    async def endpoint(request: Request) -> RedirectResponse:
        query = request.url.query
        return RedirectResponse(f"{target}?{query}" if query else target, status_code=307)

    return Route(path, endpoint, methods=["GET", "HEAD"])


async def page_file(request: Request) -> RedirectResponse:
    """/pages/<name>.py answers 307 to the page itself (never Streamlit's blank index page)."""
    target = page_file_target(request.path_params["name"])
    query = request.url.query
    return RedirectResponse(f"{target}?{query}" if query else target, status_code=307)


def install_header_timeout(seconds: float) -> None:
    """Make the uvicorn server Streamlit starts close connections whose headers never finish.

    st.App builds its uvicorn.Config itself and offers no hook for the protocol class, so this
    wraps Streamlit's (private) config helper; ADR 0009 records the trade-off.
    """
    from streamlit.web.server.starlette import starlette_server

    original = starlette_server._get_uvicorn_config_kwargs

    def with_timeout() -> dict[str, Any]:
        kwargs = original()
        kwargs["http"] = header_timeout_protocol(seconds)
        return kwargs

    starlette_server._get_uvicorn_config_kwargs = with_timeout


def disable_pages_directory() -> None:
    """Never run a file of pages/ by itself (Streamlit's multipage v1).

    Streamlit decides per process whether the app "uses the pages directory" from the mere
    existence of pages/, until some session calls st.navigation. Until then a first visit to a
    deep link such as /label ran pages/label.py without app.py: no sign-in check, no sidebar,
    the page files listed by name. app.py always calls st.navigation, so v1 is never wanted.
    """
    from streamlit.runtime.pages_manager import PagesManager

    PagesManager.uses_pages_directory = False


disable_pages_directory()
store = open_server_store()
try:
    # Without keys everyone is admin: that mode is served on loopback only.
    if check_exposure(store, settings().host, insecure_no_auth=settings().insecure_no_auth):
        print(NO_AUTH_BANNER.format(host=settings().host), file=sys.stderr, flush=True)
except EvalGuardError as exc:
    print(f"error: {exc.message}", file=sys.stderr, flush=True)
    sys.exit(2)
api = create_api(store)
install_header_timeout(settings().header_timeout)

app = st.App(
    "app.py",
    routes=[
        Mount("/api", app=api),
        *session_routes(store, api.state.auth_limiter),
        *(alias(path, target) for path, target in ALIASES.items()),
        Route(PAGE_FILE_ROUTE, page_file, methods=["GET", "HEAD"]),
    ],
    middleware=[
        Middleware(SecurityHeaders),
        Middleware(PageGuard, store=store, redirects=tuple(ALIASES)),
    ],
)

if __name__ == "__main__":
    app.run(
        config={
            "server.port": settings().port,
            "server.address": settings().host,
            "server.headless": True,
            "browser.gatherUsageStats": False,
        }
    )
