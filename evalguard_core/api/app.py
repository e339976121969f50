"""The FastAPI application factory: takes the store, so tests can pass a temporary one."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from evalguard_core import __version__
from evalguard_core.api.deps import RateLimiter
from evalguard_core.api.errors import error_body, install_error_handlers
from evalguard_core.api.routes import ROUTERS
from evalguard_core.api.web import FailedAuthGate, FailedAuthLimiter, SecurityHeaders
from evalguard_core.config import settings
from evalguard_core.store import Store

# File uploads stream to disk under their own, larger limit (EVALGUARD_MAX_UPLOAD_BYTES),
# enforced by the route itself as the body arrives.
_UPLOAD_PATH = re.compile(r"/v1/runs(/[^/]+/labels)?/?$")


def is_upload(scope: Scope) -> bool:
    """Whether a request is one of the file-upload routes."""
    return scope.get("method") == "POST" and bool(_UPLOAD_PATH.search(scope.get("path", "")))


class BodySizeLimit:
    """Reject request bodies over a size (413): by Content-Length before reading, and by
    counting the bytes of a body sent without one (chunked) as it streams in."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        if scope["type"] != "http" or is_upload(scope):
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_bytes:
            await _send_json(send, 413, self._body())
            return
        received = 0
        too_large = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, too_large
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    too_large = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if too_large:
                return  # the app's answer to the aborted body (e.g. a 400) is replaced below
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            # The app may wrap our exception (e.g. as a body parsing error); the flag decides.
            if not too_large:
                raise
        if too_large and not started:
            await _send_json(send, 413, self._body())

    def _body(self) -> dict:
        return error_body("payload_too_large", f"request body over {self.max_bytes} bytes")


class _BodyTooLarge(Exception):
    """Raised inside the app's receive() when a streamed body passes the limit."""


async def _send_json(send: Send, status: int, body: dict) -> None:
    """Send a small JSON response from raw ASGI."""
    import json

    data = json.dumps(body).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": data})


def create_api(
    store: Store,
    *,
    rate_limit: str | None = None,
    max_body_bytes: int | None = None,
    max_upload_bytes: int | None = None,
    auth_fail_limit: str | None = None,
) -> FastAPI:
    """Build the API over `store` (served under /api by server.py)."""
    api = FastAPI(
        title="EvalGuard API",
        version=__version__,
        description="Human review of LLM evaluations. Every call needs "
        "`Authorization: Bearer <key>` except /health and /openapi.json.",
        openapi_url="/openapi.json",
        docs_url=None,  # served below from local assets, not a CDN
        redoc_url=None,
    )
    api.state.store = store
    api.state.max_upload_bytes = max_upload_bytes or settings().max_upload_bytes
    api.state.rate_limiter = RateLimiter(rate_limit or settings().rate_limit)
    api.state.auth_limiter = FailedAuthLimiter(auth_fail_limit)
    install_error_handlers(api)

    @api.get("/health", tags=["meta"], summary="Liveness")
    def health() -> dict:
        """Public: answers as soon as the process serves."""
        return {"status": "ok", "version": __version__}

    for router in ROUTERS:
        api.include_router(router)
    _serve_docs_offline(api)
    limit = max_body_bytes or settings().max_body_bytes
    api.add_middleware(BodySizeLimit, max_bytes=limit)
    api.add_middleware(
        FailedAuthGate, limiter=api.state.auth_limiter, store=store
    )  # before routing
    api.add_middleware(SecurityHeaders)
    _document_400_not_422(api)
    return api


def _serve_docs_offline(api: FastAPI) -> None:
    """Swagger UI at /docs and ReDoc at /redoc from assets shipped in a pinned package.

    FastAPI's defaults load the scripts from a CDN (a blank page offline) and ReDoc also pulls
    Google Fonts; here every asset comes from this server (`fastapi-offline`'s static files).
    """
    import fastapi_offline

    assets = Path(fastapi_offline.__file__).parent / "static"
    api.mount("/docs-assets", StaticFiles(directory=assets), name="docs-assets")

    @api.get("/docs", include_in_schema=False)
    async def swagger(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(
            openapi_url=f"{root}/openapi.json",
            title="EvalGuard API",
            swagger_js_url=f"{root}/docs-assets/swagger-ui-bundle.js",
            swagger_css_url=f"{root}/docs-assets/swagger-ui.css",
            swagger_favicon_url=f"{root}/docs-assets/favicon.png",
            swagger_ui_parameters={"validatorUrl": None},
        )

    @api.get("/redoc", include_in_schema=False)
    async def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(
            openapi_url=f"{root}/openapi.json",
            title="EvalGuard API",
            redoc_js_url=f"{root}/docs-assets/redoc.standalone.js",
            redoc_favicon_url=f"{root}/docs-assets/favicon.png",
            with_google_fonts=False,
        )


def _document_400_not_422(api: FastAPI) -> None:
    """Invalid input answers 400 with the error model, so drop FastAPI's default 422 entries."""
    build = api.openapi

    def openapi() -> dict:
        if api.openapi_schema is None:
            doc = build()
            for item in doc.get("paths", {}).values():
                for op in item.values():
                    if isinstance(op, dict):
                        op.get("responses", {}).pop("422", None)
            schemas = doc.get("components", {}).get("schemas", {})
            schemas.pop("HTTPValidationError", None)
            schemas.pop("ValidationError", None)
            api.openapi_schema = doc
        return api.openapi_schema

    api.openapi = openapi  # type: ignore[method-assign]
