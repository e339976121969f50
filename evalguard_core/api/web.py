"""What the one-process server adds around Streamlit: sign-in cookie, page guard, headers.

docs/adr/0009-sessions-blind-raters-auth-limits.md explains the design: the UI session is a
signed, HttpOnly, SameSite=Lax cookie naming the key (by id) and a session id; Streamlit reads
it with `st.context.cookies` and re-checks the key on every rerun. The sign-in form is a plain
page served here (Streamlit cannot set an HttpOnly cookie), so a deep link survives sign-in.
"""

from __future__ import annotations

import asyncio
import html
import json
import time
from urllib.parse import quote, urlsplit

from limits import parse, storage, strategies
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from evalguard_core import auth
from evalguard_core.config import settings
from evalguard_core.errors import AuthenticationError, RateLimitedError
from evalguard_core.sessions import (
    COOKIE,
    end_session,
    make_cookie,
    session_actor,
    session_max_age,
)
from evalguard_core.store import Store

# Streamlit needs inline styles and its own scripts (and eval for some chart code); everything
# else stays on this origin: images, fonts, connections (the websocket is same-origin), frames.
CSP = (
    "default-src 'self'; "
    "script-src 'self' 'unsafe-inline' 'unsafe-eval'; "
    "style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; "
    "font-src 'self' data:; "
    "connect-src 'self'; "
    "media-src 'self' data: blob:; "
    "worker-src 'self' blob:; "
    "frame-src 'self' blob: data:; "
    "object-src 'none'; "
    "base-uri 'self'; "
    "form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-frame-options", b"DENY"),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
]


class SecurityHeaders:
    """Add the Content-Security-Policy and frame protection to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in SECURITY_HEADERS if n not in names]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


class FailedAuthLimiter:
    """Failed authentications per client address (moving window, in memory, no database).

    Once an address is over the limit, requests from it with a key that is not already
    known (cached) are refused before any lookup, so a flood of bad keys costs a dict probe.
    """

    def __init__(self, spec: str | None = None) -> None:
        self.item = parse(spec or settings().auth_fail_limit)
        self._limiter = strategies.MovingWindowRateLimiter(storage.MemoryStorage())

    def check(self, address: str) -> None:
        """RateLimitedError (429 with Retry-After) when `address` is over the limit."""
        if not self._limiter.test(self.item, "fail", address):
            stats = self._limiter.get_window_stats(self.item, "fail", address)
            raise RateLimitedError(
                f"too many failed sign-ins from {address}; retry later",
                retry_after=max(1.0, stats.reset_time - time.time()),
                details={"limit": str(self.item), "reason": "auth_failures"},
            )

    def admit(self, store: Store, address: str, key: str | None) -> None:
        """RateLimitedError when `address` is over the limit, unless `key` is a known key.

        A working key (authenticated in the last minute) is never locked out by bad keys from
        the same address; it is still authenticated afterwards (revocation holds).
        """
        try:
            self.check(address)
        except RateLimitedError:
            if not auth.known_key(store, key):
                raise

    def failed(self, address: str) -> None:
        """Count one failed authentication from `address`."""
        self._limiter.hit(self.item, "fail", address)


# Over the limit, a refusal waits this long before it is sent: a sleeping coroutine costs the
# server nothing, and each flooding connection is held to about one request per second.
TARPIT_SECONDS = 1.0


class FailedAuthGate:
    """Refuse, before routing and before any lookup, requests from an address over the
    failed-authentication limit unless their key is already known (cached)."""

    def __init__(self, app: ASGIApp, limiter: FailedAuthLimiter, store: Store) -> None:
        self.app = app
        self.limiter = limiter
        self.store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        if scope["type"] == "http" and not scope.get("path", "").endswith(_PUBLIC_API_PATHS):
            address = client_address(scope)
            try:
                self.limiter.admit(self.store, address, _bearer(scope))
            except RateLimitedError as exc:
                await asyncio.sleep(TARPIT_SECONDS)
                retry = str(max(1, int(round(exc.retry_after))))
                response = Response(
                    json.dumps(exc.to_dict()),
                    status_code=429,
                    media_type="application/json",
                    headers={"Retry-After": retry},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


_PUBLIC_API_PATHS = ("/health", "/openapi.json", "/docs", "/redoc")


def _bearer(scope: Scope) -> str | None:
    """The key of an `Authorization: Bearer` header, if any."""
    for name, value in scope.get("headers") or []:
        if name == b"authorization":
            scheme, _, key = value.decode("latin-1").partition(" ")
            return key.strip() if scheme.lower() == "bearer" else None
    return None


def client_address(scope: Scope) -> str:
    """The peer address of a request (the limiter's key)."""
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


def safe_next(target: str | None) -> str:
    """A local path to return to after sign-in (never another host)."""
    if not target:
        return "/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or "\\" in target:
        return "/"
    if target.startswith("//"):
        return "/"
    return parts.path + (f"?{parts.query}" if parts.query else "")


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in · EvalGuard</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body {{ font-family: system-ui, sans-serif; background: #f6f7f9; margin: 0; }}
main {{ max-width: 26rem; margin: 12vh auto; background: #fff; padding: 2rem;
       border-radius: 12px; box-shadow: 0 1px 4px #0002; }}
h1 {{ font-size: 1.4rem; margin-top: 0; }}
label {{ display: block; margin: 1rem 0 .3rem; }}
input[type=password] {{ width: 100%; padding: .55rem; font-size: 1rem; box-sizing: border-box; }}
button {{ margin-top: 1.2rem; padding: .6rem 1.2rem; font-size: 1rem; cursor: pointer; }}
.error {{ color: #b00020; }}
.hint {{ color: #555; font-size: .9rem; }}
</style></head>
<body><main>
<h1>Sign in to EvalGuard</h1>
{message}
<form method="post" action="/auth/session">
<input type="hidden" name="next" value="{next}">
<label for="key">API key</label>
<input id="key" name="key" type="password" autocomplete="current-password" autofocus required>
<button type="submit">Sign in</button>
</form>
<p class="hint">Keys come from an admin (<code>evalguard keys create</code>).</p>
</main></body></html>
"""


def sign_in_page(next_path: str, message: str = "", status: int = 200) -> HTMLResponse:
    """The sign-in form (no external assets); `message` is shown as an error."""
    shown = f'<p class="error" role="alert">{html.escape(message)}</p>' if message else ""
    body = _PAGE.format(message=shown, next=html.escape(safe_next(next_path), quote=True))
    return HTMLResponse(body, status_code=status, headers={"cache-control": "no-store"})


def _same_origin(request: Request) -> bool:
    """A form post from this origin (or from a client that sends no Origin header)."""
    origin = request.headers.get("origin")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host")


def session_routes(store: Store, limiter: FailedAuthLimiter) -> list[Route]:
    """GET /auth/sign-in (form), POST /auth/session (sets the cookie), /auth/sign-out."""

    async def sign_in(request: Request) -> Response:
        if not auth.sign_in_required(store):
            return RedirectResponse(safe_next(request.query_params.get("next")), 303)
        response = sign_in_page(request.query_params.get("next") or "/")
        if request.cookies.get(COOKIE) and session_actor(store, request.cookies[COOKIE]) is None:
            response.delete_cookie(COOKIE, path="/")  # a dead cookie: revoked key or expired
        return response

    async def create_session(request: Request) -> Response:
        form = await request.form()
        next_path = safe_next(str(form.get("next") or "/"))
        if not _same_origin(request):
            return sign_in_page(next_path, "sign-in must come from this site", 403)
        address = client_address(request.scope)
        try:
            limiter.check(address)
        except RateLimitedError as exc:
            return sign_in_page(next_path, exc.message, 429)
        key = str(form.get("key") or "").strip()
        try:
            actor = await asyncio.to_thread(auth.authenticate, store, key)
        except AuthenticationError:
            limiter.failed(address)
            return sign_in_page(next_path, "That key is not valid (or was revoked).", 401)
        response = RedirectResponse(next_path, status_code=303)
        response.set_cookie(
            COOKIE,
            make_cookie(store, actor),
            max_age=session_max_age(),
            path="/",
            httponly=True,
            samesite="lax",
            secure=request.url.scheme == "https",
        )
        return response

    async def sign_out(request: Request) -> Response:
        if request.method == "POST" and not _same_origin(request):
            return Response(status_code=403)
        end_session(store, request.cookies.get(COOKIE))
        response = RedirectResponse("/auth/sign-in", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    return [
        Route("/auth/sign-in", sign_in, methods=["GET"]),
        Route("/auth/session", create_session, methods=["POST"]),
        Route("/auth/sign-out", sign_out, methods=["GET", "POST"]),
    ]


# Paths that are not Streamlit pages: served without the page guard.
_OPEN_PREFIXES = ("/api", "/auth/", "/_stcore", "/static", "/media", "/component", "/favicon")


class PageGuard:
    """Send a browser that opens a page without a live session to the sign-in form.

    Only page loads (GET of a page path) are redirected, carrying the page in `next`, so a
    deep link opens that page after sign-in; Streamlit's own endpoints and /api pass through.
    """

    def __init__(self, app: ASGIApp, store: Store, redirects: tuple[str, ...] = ()) -> None:
        self.app = app
        self.store = store
        # Addresses that only redirect to a page (e.g. /dashboard/api-keys): the page they
        # lead to is guarded, so the redirect itself passes.
        self.redirects = frozenset(redirects)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """ASGI entry point."""
        path = scope.get("path", "")
        if (
            scope["type"] != "http"
            or scope.get("method") != "GET"
            or path.startswith(_OPEN_PREFIXES)
            or path in self.redirects
            or "." in path.rsplit("/", 1)[-1]  # files (manifest, icons) are not pages
        ):
            await self.app(scope, receive, send)
            return
        cookie = Request(scope).cookies.get(COOKIE)
        if auth.sign_in_required(self.store) and session_actor(self.store, cookie) is None:
            query = scope.get("query_string", b"").decode("latin-1")
            target = path + (f"?{query}" if query else "")
            response = RedirectResponse(f"/auth/sign-in?next={quote(target, safe='/')}", 303)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


# -- connections that never finish their headers -------------------------------------------------
def header_timeout_protocol(seconds: float) -> type:
    """uvicorn's httptools protocol, closing a connection whose request headers take too long.

    uvicorn times out idle keep-alive connections but not a request whose headers trickle in
    (slowloris); a timer from the first byte of a request to the end of its headers does.
    """
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class HeaderTimeoutProtocol(HttpToolsProtocol):
        """Closes the connection when a request's headers are not complete in time."""

        _header_timer: asyncio.TimerHandle | None = None

        def _arm(self) -> None:
            self._disarm()
            self._header_timer = self.loop.call_later(seconds, self._headers_too_slow)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _headers_too_slow(self) -> None:
            self._header_timer = None
            if not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def on_message_begin(self) -> None:
            super().on_message_begin()
            if self._header_timer is None:
                self._arm()

        def on_headers_complete(self) -> None:
            self._disarm()
            super().on_headers_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return HeaderTimeoutProtocol
