"""Dependencies: the store, the authenticated actor, roles and the per-key rate limit."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from limits import parse, storage, strategies

from evalguard_core import auth
from evalguard_core.api.web import client_address
from evalguard_core.auth import Actor
from evalguard_core.errors import AuthenticationError, RateLimitedError
from evalguard_core.models import ErrorResponse
from evalguard_core.store import Scope, Store

# Paging bounds: a larger offset is a 400, never an overflow in the database (a 500).
MAX_OFFSET = 1_000_000_000

bearer = HTTPBearer(auto_error=False, description="An API key from `evalguard keys create`.")

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "Invalid body or query (names the field)"},
    401: {"model": ErrorResponse, "description": "Missing or invalid API key"},
    403: {"model": ErrorResponse, "description": "Role too low"},
    404: {"model": ErrorResponse, "description": "Unknown id (in your organization)"},
    413: {"model": ErrorResponse, "description": "Request body over the size limit"},
    429: {"model": ErrorResponse, "description": "Rate limit exceeded; see Retry-After"},
}


class RateLimiter:
    """A moving-window limit per API key (in memory: one process serves UI and API)."""

    def __init__(self, spec: str) -> None:
        self.item = parse(spec)
        self._limiter = strategies.MovingWindowRateLimiter(storage.MemoryStorage())

    def check(self, key_id: str) -> None:
        """Count one request for the key, or raise RateLimitedError with Retry-After."""
        if not self._limiter.hit(self.item, key_id):
            stats = self._limiter.get_window_stats(self.item, key_id)
            raise RateLimitedError(
                f"rate limit of {self.item} exceeded for this key; retry later",
                retry_after=max(1.0, stats.reset_time - time.time()),
                details={"limit": str(self.item)},
            )


# The dependencies are `async def` on purpose: FastAPI runs a sync dependency in the thread
# pool, a hop per dependency per request that cost more than the work (bench/claims.py).
# They do no I/O except a key-cache miss, which goes to the thread pool.
async def get_store(request: Request) -> Store:
    """The store this API was built with."""
    return request.app.state.store


async def get_actor(
    request: Request,
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Actor:
    """Authenticate the Bearer key and count it against the rate limit."""
    store = request.app.state.store
    key = creds.credentials if creds else None
    actor = auth.cached_actor(store, key)
    if actor is None:
        # Not fresh in the cache: an address that failed too often is refused before any
        # database lookup, unless the key worked within the minute (on a shared database the
        # cache is fresh for only 0.5 s, but a working key must not be locked out).
        limiter = request.app.state.auth_limiter
        address = client_address(request.scope)
        limiter.admit(store, address, key)
        try:
            actor = await run_in_threadpool(auth.authenticate, store, key)
        except AuthenticationError:
            limiter.failed(address)
            raise
    request.app.state.rate_limiter.check(actor.key_id or actor.name)
    return actor


def require(role: str) -> Callable[..., Awaitable[Actor]]:
    """A dependency giving the actor when its role is at least `role` (403 otherwise)."""

    async def dependency(actor: Annotated[Actor, Depends(get_actor)]) -> Actor:
        actor.require(role)
        return actor

    dependency.__name__ = f"require_{role}"
    return dependency


async def get_scope(
    store: Annotated[Store, Depends(get_store)], actor: Annotated[Actor, Depends(get_actor)]
) -> Scope:
    """The caller's organization's view of the store."""
    return store.scope(actor.org_id)


StoreDep = Annotated[Store, Depends(get_store)]
ScopeDep = Annotated[Scope, Depends(get_scope)]
Viewer = Annotated[Actor, Depends(require("viewer"))]
Annotator = Annotated[Actor, Depends(require("annotator"))]
Admin = Annotated[Actor, Depends(require("admin"))]
