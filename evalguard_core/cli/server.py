"""`evalguard serve` (UI + API in one process) and `evalguard demo`."""

from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from pathlib import Path

from evalguard_core.cli.common import add_common, emit, location, open_scope
from evalguard_core.errors import EvalGuardError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the commands."""
    p = sub.add_parser("serve", help="serve the UI and the API (under /api) in one process")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--no-demo", action="store_true", help="do not seed the demo into a new store")
    p.add_argument(
        "--insecure-no-auth",
        action="store_true",
        help="serve a store without API keys on a non-loopback host (every visitor is admin)",
    )
    add_common(p, org=False)
    p.set_defaults(handler=cmd_serve)

    p = sub.add_parser("demo", help="import the synthetic demo run and its human labels")
    add_common(p)
    p.set_defaults(handler=cmd_demo)


def server_script() -> Path:
    """server.py of the UI: at the top of a source checkout, or in the installed evalguard_app."""
    checkout = Path(__file__).resolve().parents[2] / "server.py"
    if checkout.exists():
        return checkout
    spec = importlib.util.find_spec("evalguard_app")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        script = Path(folder) / "server.py"
        if script.exists():
            return script
    raise EvalGuardError(
        "cannot find the EvalGuard UI (server.py); reinstall the package: pip install evalguard"
    )


def cmd_serve(args: argparse.Namespace) -> int:
    """Replace this process with the one-process server."""
    script = server_script()
    from evalguard_core.db import is_database_url
    from evalguard_core.serving import NO_AUTH_BANNER, check_exposure
    from evalguard_core.store import Store

    where = location(args)
    env = dict(os.environ)
    store = None
    if is_database_url(where):
        # Fail here with one line (server down, wrong password, missing database, unmigrated
        # or newer schema) rather than half-way through the server's start.
        store = Store.open(where)
        env["EVALGUARD_DATABASE_URL"] = where
    else:
        # Fail here with one clear line if another process holds the file. A file that does
        # not exist yet is left for the server to create, so it seeds the demo on first start.
        if Path(args.db).exists():
            store = Store.open(Path(args.db))
        env["EVALGUARD_DB"] = str(Path(args.db).resolve())
        env.pop("EVALGUARD_DATABASE_URL", None)
    # Without keys (local single-user mode: everyone is admin) only loopback is served.
    try:
        banner = check_exposure(store, args.host, insecure_no_auth=args.insecure_no_auth)
    finally:
        if store is not None:
            store.close()
    if banner:
        print(NO_AUTH_BANNER.format(host=args.host), file=sys.stderr, flush=True)
    env.update(EVALGUARD_PORT=str(args.port), EVALGUARD_HOST=args.host)
    if args.no_demo:
        env["EVALGUARD_DEMO"] = "0"
    if args.insecure_no_auth:
        env["EVALGUARD_INSECURE_NO_AUTH"] = "1"
    print(
        f"EvalGuard on http://{args.host}:{args.port}  (API: /api, docs: /api/docs)",
        file=sys.stderr,
        flush=True,
    )
    os.chdir(script.parent)
    os.execve(sys.executable, [sys.executable, str(script)], env)
    return 0  # pragma: no cover


def cmd_demo(args: argparse.Namespace) -> int:
    """Seed the demo into any store."""
    from evalguard_core import demo

    info = demo.seed_demo(open_scope(args), Path(args.db).resolve().parent / "demo")
    emit(
        args,
        info,
        f"imported the synthetic demo run {info['run_id']} ({info['cases']} cases, "
        f"{info['labels']} human labels)",
    )
    return 0
