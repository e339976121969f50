"""Options and output helpers every CLI command shares."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from evalguard_core import auth
from evalguard_core.config import settings, store_location
from evalguard_core.store import Scope, Store

_opened: list[Store] = []


def default_db() -> str:
    """--db default: $EVALGUARD_DB or data/evalguard.duckdb."""
    return settings().db


def add_common(parser: argparse.ArgumentParser, *, org: bool = True) -> None:
    """Add --db, --database-url, --json and (for data commands) --org."""
    parser.add_argument(
        "--db", default=default_db(), help="DuckDB file (env EVALGUARD_DB; default %(default)s)"
    )
    parser.add_argument(
        "--database-url",
        default=settings().database_url,
        metavar="URL",
        help="postgresql://user:pass@host:port/db; wins over --db (env EVALGUARD_DATABASE_URL)",
    )
    parser.add_argument("--json", action="store_true", help="machine-readable JSON output")
    if org:
        parser.add_argument(
            "--org",
            default=settings().org,
            help="organization id or name (default: the default organization)",
        )


def location(args: argparse.Namespace) -> str:
    """The store the command uses: --database-url when given, else the --db file."""
    return store_location(args.db, getattr(args, "database_url", None))


def open_store(args: argparse.Namespace) -> Store:
    """Open the store named by --database-url or --db (one line when it cannot be used)."""
    store = Store.open(location(args))
    _opened.append(store)
    return store


def open_scope(args: argparse.Namespace) -> Scope:
    """Open the store and scope it to --org."""
    store = open_store(args)
    org = auth.resolve_org(store, getattr(args, "org", None))
    return store.scope(org["org_id"])


def close_store() -> None:
    """Close what the command opened (releases the file lock)."""
    while _opened:
        _opened.pop().close()


def emit(args: argparse.Namespace, data: Any, text: str | None = None) -> None:
    """Print JSON with --json, else the human text (or JSON when there is no text form)."""
    if args.json or text is None:
        print(json.dumps(data, indent=2, default=str))
    else:
        print(text)


def table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    """A plain aligned text table."""
    if not rows:
        return "(none)"
    cells = [[str(r.get(c, "")) if r.get(c) is not None else "" for c in columns] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(lines)


def warn(message: str) -> None:
    """A one-line notice on stderr."""
    print(f"evalguard: {message}", file=sys.stderr)
