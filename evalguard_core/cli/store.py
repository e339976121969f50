"""`evalguard migrate` and `evalguard store copy --to URL`."""

from __future__ import annotations

import argparse

from evalguard_core.cli.common import add_common, emit, location, table
from evalguard_core.store import Store


def register(sub: argparse._SubParsersAction) -> None:
    """Add the commands."""
    p = sub.add_parser("migrate", help="bring the store's schema up to this EvalGuard's version")
    add_common(p, org=False)
    p.set_defaults(handler=cmd_migrate)

    store_p = sub.add_parser("store", help="whole-store operations")
    ssub = store_p.add_subparsers(dest="store_command", metavar="ACTION", required=True)
    p = ssub.add_parser(
        "copy",
        help="copy the whole store (--database-url or --db) into an empty store at --to, "
        "verifying row counts and checksums per table",
    )
    p.add_argument(
        "--to", required=True, metavar="URL_OR_FILE", help="postgresql://… or a DuckDB file"
    )
    add_common(p, org=False)
    p.set_defaults(handler=cmd_copy)


def cmd_migrate(args: argparse.Namespace) -> int:
    """Apply the pending migrations."""
    where = location(args)
    store = Store.open(where, migrate=True)
    try:
        version = store.db.schema_version()
    finally:
        store.close()
    emit(
        args,
        {"store": store.location, "schema_version": version},
        f"{store.location}: schema at version {version}",
    )
    return 0


def cmd_copy(args: argparse.Namespace) -> int:
    """Copy every table, print the per-table comparison."""
    from evalguard_core.store.copy import copy_store

    source = Store.open(location(args))
    try:
        target = Store.open(args.to, migrate=True)
        try:
            results = copy_store(source, target)
        finally:
            target.close()
    finally:
        source.close()
    rows = [
        {
            "table": r.table,
            "source_rows": r.source_rows,
            "target_rows": r.target_rows,
            "checksum": r.source_checksum[:12],
            "match": "yes" if r.ok else "NO",
        }
        for r in results
    ]
    emit(
        args,
        {"source": source.location, "target": target.location, "tables": rows},
        table(rows, ["table", "source_rows", "target_rows", "checksum", "match"])
        + f"\ncopied {source.location} -> {target.location}: every table matches",
    )
    return 0
