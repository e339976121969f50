"""UI sessions: a signed cookie naming an API key (by id) and a session id.

The cookie is set by the server's sign-in route (evalguard_core/api/web.py) as HttpOnly and
SameSite=Lax; the UI reads it on every rerun and re-checks the key, so a revoked key or an
ended session signs the tab out at its next interaction (docs/adr/0009-*.md).
"""

from __future__ import annotations

import secrets
import threading
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer

from evalguard_core import auth
from evalguard_core.auth import Actor
from evalguard_core.config import settings
from evalguard_core.store import Store

COOKIE = "evalguard_session"
_SALT = "evalguard.ui-session"
# Session ids signed out in this process (the one server process holds the DuckDB file).
_ended: set[str] = set()
_ended_lock = threading.Lock()


def _serializer(store: Store) -> URLSafeTimedSerializer:
    """Signs and checks session cookies with the server's secret."""
    from evalguard_core.serving import session_secret

    return URLSafeTimedSerializer(session_secret(store), salt=_SALT)


def session_max_age() -> int:
    """How long a sign-in lasts, in seconds."""
    return max(60, int(settings().session_hours * 3600))


def make_cookie(store: Store, actor: Actor) -> str:
    """A signed cookie value naming the actor's key and a fresh session id."""
    return _serializer(store).dumps({"kid": actor.key_id, "sid": secrets.token_urlsafe(16)})


def read_cookie(store: Store, value: str | None) -> dict[str, Any] | None:
    """The session a cookie value names if its signature, age and session are valid."""
    if not value:
        return None
    try:
        data = _serializer(store).loads(value, max_age=session_max_age())
    except BadSignature:
        return None
    if not isinstance(data, dict) or not data.get("kid") or not data.get("sid"):
        return None
    with _ended_lock:
        if data["sid"] in _ended:
            return None
    return data


def session_actor(store: Store, value: str | None) -> Actor | None:
    """The actor of a live session cookie: valid signature and age, key still live."""
    data = read_cookie(store, value)
    return auth.actor_for_key_id(store, str(data["kid"])) if data else None


def end_session(store: Store, value: str | None) -> None:
    """Sign a session out: its cookie never works again in this process."""
    data = read_cookie(store, value)
    if data:
        with _ended_lock:
            _ended.add(str(data["sid"]))
