"""The FastAPI application factory: takes the store, so tests can pass a temporary one."""

from __future__ import annotations

import os

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from evalguard_core import __version__
from evalguard_core.api.deps import RateLimiter
from evalguard_core.api.errors import error_body, install_error_handlers
from evalguard_core.api.routes import ROUTERS
from evalguard_core.store import Store

DEFAULT_RATE_LIMIT = "6000/minute"
DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024


class BodySizeLimit:
    """Reject request bodies over a size before they are read (413)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        if scope["type"] == "http":
            length = dict(scope.get("headers") or []).get(b"content-length")
            if length is not None and length.isdigit() and int(length) > self.max_bytes:
                await _send_json(
                    send,
                    413,
                    error_body("payload_too_large", f"request body over {self.max_bytes} bytes"),
                )
                return
        await self.app(scope, receive, send)


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
) -> FastAPI:
    """Build the API over `store` (served under /api by server.py)."""
    api = FastAPI(
        title="EvalGuard API",
        version=__version__,
        description="Human review of LLM evaluations. Every call needs "
        "`Authorization: Bearer <key>` except /health and /openapi.json.",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    api.state.store = store
    api.state.rate_limiter = RateLimiter(
        rate_limit or os.environ.get("EVALGUARD_RATE_LIMIT") or DEFAULT_RATE_LIMIT
    )
    install_error_handlers(api)

    @api.get("/health", tags=["meta"], summary="Liveness")
    def health() -> dict:
        """Public: answers as soon as the process serves."""
        return {"status": "ok", "version": __version__}

    for router in ROUTERS:
        api.include_router(router)
    limit = max_body_bytes or int(
        os.environ.get("EVALGUARD_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES)
    )
    api.add_middleware(BodySizeLimit, max_bytes=limit)
    _document_400_not_422(api)
    return api


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
