"""The public Python client of the EvalGuard REST API.

    from evalguard import EvalGuard
    import os
    client = EvalGuard(api_key=os.environ["EVALGUARD_API_KEY"])
    response = client.request(method="POST", path="/api/v1/annotations/queue",
                              body={"queue_id": "..."})

The server comes from `base_url=`, else the environment variable EVALGUARD_BASE_URL, else
http://127.0.0.1:8501 (what `make run` / `evalguard serve` listens on); the key from `api_key=`,
else EVALGUARD_API_KEY. This package is thin on purpose: the one implementation is
`evalguard_core.client.EvalGuard` (docs/adr/0012-clients.md).
"""

from __future__ import annotations

import os

import httpx

from evalguard_core.client import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_RETRIES,
    DEFAULT_MAX_RETRY_WAIT,
)
from evalguard_core.client import EvalGuard as _CoreClient
from evalguard_core.errors import (
    AuthenticationError,
    ConflictError,
    EvalGuardError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ValidationError,
)

__all__ = [
    "DEFAULT_BASE_URL",
    "AuthenticationError",
    "ConflictError",
    "EvalGuard",
    "EvalGuardError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitedError",
    "ValidationError",
]

# The client's own two variables; the server's are in evalguard_core/config.py.
BASE_URL_ENV = "EVALGUARD_BASE_URL"
API_KEY_ENV = "EVALGUARD_API_KEY"


class EvalGuard(_CoreClient):
    """`evalguard_core.client.EvalGuard` with its key and server defaulting to the environment."""

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        timeout: float = 30.0,
        max_retries: int = DEFAULT_MAX_RETRIES,
        max_retry_wait: float = DEFAULT_MAX_RETRY_WAIT,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        super().__init__(
            api_key or os.environ.get(API_KEY_ENV) or "",
            base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL,
            timeout=timeout,
            max_retries=max_retries,
            max_retry_wait=max_retry_wait,
            transport=transport,
        )
