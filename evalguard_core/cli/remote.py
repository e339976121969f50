"""Remote mode: `--url URL` (env EVALGUARD_URL) + EVALGUARD_API_KEY run a command through the
REST API of a running server, with the same output and exit codes as against a local store."""

from __future__ import annotations

import argparse

from evalguard_core.client import EvalGuard
from evalguard_core.config import settings
from evalguard_core.errors import ValidationError

_opened: list[EvalGuard] = []


def add_remote(parser: argparse.ArgumentParser) -> None:
    """Add --url to a command that can run against a server."""
    parser.add_argument(
        "--url",
        default=settings().url,
        help="talk to this EvalGuard server instead of a local store (env EVALGUARD_URL; the "
        "key comes from EVALGUARD_API_KEY)",
    )


def client(args: argparse.Namespace) -> EvalGuard | None:
    """The API client when --url is set (None means: use the local store)."""
    url = getattr(args, "url", None)
    if not url:
        return None
    key = settings().api_key
    if not key:
        raise ValidationError(
            "--url needs an API key: set EVALGUARD_API_KEY (create one with `evalguard keys "
            "create` on the server)",
            details={"field": "EVALGUARD_API_KEY"},
        )
    # Imports and alignment reports can take a while on big runs: generous read timeout.
    eg = EvalGuard(api_key=key, base_url=url, timeout=600.0)
    _opened.append(eg)
    return eg


def close_clients() -> None:
    """Close what the command opened."""
    while _opened:
        _opened.pop().close()
