"""Every environment variable EvalGuard reads, with its default, in one place.

Read through `settings()` at the moment of use (not at import), so a test or a CLI flag that
sets the variable takes effect. The README's "Configuration" table lists the same variables;
`tests/test_config.py` checks the two agree.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

DEFAULT_DB = "data/evalguard.duckdb"
DEFAULT_PORT = 8501
DEFAULT_HOST = "127.0.0.1"
DEFAULT_RATE_LIMIT = "6000/minute"
DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024
DEFAULT_MAX_UPLOAD_BYTES = 1024 * 1024 * 1024
DEFAULT_AUTH_FAIL_LIMIT = "20/minute"
_FALSE = ("0", "false", "no", "off")


@dataclass(frozen=True)
class Variable:
    """One environment variable: its name, default (as text) and what it does."""

    name: str
    default: str
    help: str


# The documented list; `settings()` reads exactly these.
VARIABLES: tuple[Variable, ...] = (
    Variable("EVALGUARD_DB", DEFAULT_DB, "DuckDB store file used by the server and the CLI"),
    Variable(
        "EVALGUARD_DATABASE_URL",
        "",
        "postgresql://user:pass@host:port/db: use this PostgreSQL database instead of EVALGUARD_DB",
    ),
    Variable("EVALGUARD_ORG", "", "organization (id or name) for CLI data commands"),
    Variable("EVALGUARD_DEMO", "1", "seed the synthetic demo run into a new store (0 to skip)"),
    Variable("EVALGUARD_PORT", str(DEFAULT_PORT), "port `server.py` listens on"),
    Variable("EVALGUARD_HOST", DEFAULT_HOST, "address `server.py` binds"),
    Variable("EVALGUARD_RATE_LIMIT", DEFAULT_RATE_LIMIT, "API rate limit per key"),
    Variable("EVALGUARD_MAX_BODY_BYTES", str(DEFAULT_MAX_BODY_BYTES), "largest API request body"),
    Variable("EVALGUARD_DEBUG", "", "1: CLI errors print the full traceback"),
    Variable(
        "EVALGUARD_MAX_UPLOAD_BYTES",
        str(DEFAULT_MAX_UPLOAD_BYTES),
        "largest file upload to POST /api/v1/runs and /runs/{id}/labels (413 past it)",
    ),
    Variable("EVALGUARD_URL", "", "remote CLI: the EvalGuard server to talk to (as --url)"),
    Variable("EVALGUARD_API_KEY", "", "remote CLI: the API key sent to --url"),
    Variable(
        "EVALGUARD_SECRET",
        "",
        "key that signs UI session cookies (default: one generated once and kept in the store)",
    ),
    Variable("EVALGUARD_SESSION_HOURS", "12", "how long a UI sign-in lasts"),
    Variable(
        "EVALGUARD_AUTH_FAIL_LIMIT",
        DEFAULT_AUTH_FAIL_LIMIT,
        "failed sign-ins/API authentications allowed per client address",
    ),
    Variable(
        "EVALGUARD_HEADER_TIMEOUT", "10", "seconds a connection may take to send request headers"
    ),
    Variable(
        "EVALGUARD_INSECURE_NO_AUTH",
        "",
        "1: serve a store without keys on a non-loopback address (everyone is admin)",
    ),
    Variable(
        "EVALGUARD_REPLICA_ID",
        "",
        "this server's name among replicas (owner of its jobs); default host-pid-random",
    ),
    Variable(
        "EVALGUARD_HEARTBEAT_SECONDS",
        "2",
        "how often a server records its running jobs' heartbeat and sweeps silent replicas' jobs",
    ),
    Variable(
        "EVALGUARD_JOB_STALE_SECONDS",
        "30",
        "a running job whose heartbeat is older than this is failed by another replica",
    ),
)


@dataclass(frozen=True)
class Settings:
    """The configuration read from the environment at one moment."""

    db: str
    database_url: str | None
    org: str | None
    demo: bool
    port: int
    host: str
    rate_limit: str
    max_body_bytes: int
    debug: bool
    max_upload_bytes: int
    url: str | None
    api_key: str | None
    secret: str | None
    session_hours: float
    auth_fail_limit: str
    header_timeout: float
    insecure_no_auth: bool
    replica_id: str
    heartbeat_seconds: float
    job_stale_seconds: float


def _flag(name: str) -> bool:
    """A boolean variable: anything but empty, 0, false, no, off is on."""
    return _get(name).strip().lower() not in ("", *_FALSE)


def _get(name: str) -> str:
    """The variable's value, or its documented default when unset or empty."""
    default = next(v.default for v in VARIABLES if v.name == name)
    return os.environ.get(name) or default


def settings() -> Settings:
    """Read every EvalGuard variable now, applying the defaults."""
    return Settings(
        db=_get("EVALGUARD_DB"),
        database_url=_get("EVALGUARD_DATABASE_URL").strip() or None,
        org=_get("EVALGUARD_ORG") or None,
        demo=_get("EVALGUARD_DEMO").strip().lower() not in _FALSE,
        port=int(_get("EVALGUARD_PORT")),
        host=_get("EVALGUARD_HOST"),
        rate_limit=_get("EVALGUARD_RATE_LIMIT"),
        max_body_bytes=int(_get("EVALGUARD_MAX_BODY_BYTES")),
        max_upload_bytes=int(_get("EVALGUARD_MAX_UPLOAD_BYTES")),
        url=_get("EVALGUARD_URL").strip() or None,
        api_key=_get("EVALGUARD_API_KEY").strip() or None,
        debug=_flag("EVALGUARD_DEBUG"),
        secret=_get("EVALGUARD_SECRET") or None,
        session_hours=float(_get("EVALGUARD_SESSION_HOURS")),
        auth_fail_limit=_get("EVALGUARD_AUTH_FAIL_LIMIT"),
        header_timeout=float(_get("EVALGUARD_HEADER_TIMEOUT")),
        insecure_no_auth=_flag("EVALGUARD_INSECURE_NO_AUTH"),
        replica_id=_get("EVALGUARD_REPLICA_ID").strip(),
        heartbeat_seconds=float(_get("EVALGUARD_HEARTBEAT_SECONDS")),
        job_stale_seconds=float(_get("EVALGUARD_JOB_STALE_SECONDS")),
    )


def store_location(db: str | None = None, database_url: str | None = None) -> str:
    """Where the store lives: the PostgreSQL URL when one is set, else the DuckDB file."""
    current = settings()
    return database_url or current.database_url or db or current.db


def variable_names() -> list[str]:
    """The names of every documented variable, in table order."""
    return [v.name for v in VARIABLES]
