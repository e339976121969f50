"""Process start-up for the one-process server: open the shared store, seed the demo once."""

from __future__ import annotations

import ipaddress
import logging
import secrets
import threading
from pathlib import Path

from evalguard_core import auth
from evalguard_core.config import settings, store_location
from evalguard_core.db import is_database_url
from evalguard_core.errors import EvalGuardError
from evalguard_core.jobs import fail_interrupted_jobs
from evalguard_core.store import Store, get_store
from evalguard_core.store import keys as keys_sql

log = logging.getLogger("evalguard")


def db_path() -> Path:
    """The store file the server uses ($EVALGUARD_DB or data/evalguard.duckdb)."""
    return Path(settings().db)


def startup_tasks(store: Store) -> None:
    """Work every process start does on an opened store (e.g. fail interrupted jobs)."""
    for task in STARTUP_TASKS:
        task(store)


# Filled by domain modules that need start-up work; each takes the store.
STARTUP_TASKS: list = [fail_interrupted_jobs]


_started: set[int] = set()
_start_lock = threading.Lock()


def open_server_store(path: Path | str | None = None, *, seed_demo: bool | None = None) -> Store:
    """The process-wide store; a new DuckDB file gets the synthetic demo run unless disabled.

    The store is $EVALGUARD_DATABASE_URL when set (PostgreSQL: never seeded, and refused
    unless migrated), else the DuckDB file. Pages call this on every rerun, so seeding and
    start-up work happen once per store object.
    """
    where = str(path) if path is not None else store_location()
    if is_database_url(where):
        with _start_lock:
            store = get_store(where)
            if id(store) not in _started:
                _started.add(id(store))
                startup_tasks(store)
        return store
    path = Path(where)
    with _start_lock:
        is_new = not path.exists()
        store = get_store(path)
        if id(store) in _started:
            return store
        _started.add(id(store))
        if seed_demo is None:
            seed_demo = settings().demo
        if is_new and seed_demo:
            from evalguard_core import demo

            info = demo.seed_demo(store.scope(), path.parent / "demo")
            log.info("seeded the synthetic demo run %s (%s cases)", info["run_id"], info["cases"])
        startup_tasks(store)
    return store


NO_AUTH_BANNER = (
    "!! INSECURE: --insecure-no-auth serves a store without API keys on {host}: every visitor "
    "is admin. Create a key (`evalguard keys create --name NAME --role admin`) to turn "
    "sign-in on. !!"
)


def is_loopback(host: str) -> bool:
    """Whether `host` only accepts connections from this machine."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(store: Store | None, host: str, *, insecure_no_auth: bool = False) -> bool:
    """Refuse to serve a store without keys beyond loopback; True when the banner is due.

    Without keys everyone is admin (local single-user mode), so that mode never faces a
    network unless the operator says `--insecure-no-auth` explicitly.
    """
    if is_loopback(host) or (store is not None and auth.sign_in_required(store)):
        return False
    if insecure_no_auth:
        return True
    raise EvalGuardError(
        f"refusing to serve on {host}: the store has no API keys, so every visitor would be "
        "admin. Create the first key with `evalguard keys create --name NAME --role admin` "
        "(then sign in with it), serve on 127.0.0.1, or pass --insecure-no-auth"
    )


SECRET_NAME = "session_cookie"


def session_secret(store: Store) -> str:
    """The key that signs UI session cookies: $EVALGUARD_SECRET, else one generated once."""
    configured = settings().secret
    if configured:
        return configured
    found = keys_sql.get_secret(store, SECRET_NAME)
    return found or keys_sql.put_secret_once(store, SECRET_NAME, secrets.token_urlsafe(48))
