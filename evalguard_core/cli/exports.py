"""`evalguard export KIND`: annotations, queue items or paired judge/human labels to a file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from evalguard_core import exports
from evalguard_core.cli.common import add_common, emit, open_scope
from evalguard_core.cli.remote import add_remote, client


def register(sub: argparse._SubParsersAction) -> None:
    """Add the command."""
    p = sub.add_parser("export", help="export annotations, queue items or paired labels")
    p.add_argument("kind", choices=exports.KINDS)
    p.add_argument("--run", help="run id (required for paired)")
    p.add_argument("--queue", help="queue id (required for queue_items)")
    p.add_argument("--judge", help="judge scorer name (paired)")
    p.add_argument("--format", choices=exports.FORMATS, help="default: from --output's extension")
    p.add_argument("--output", "-o", help="file to write (default: CSV to stdout)")
    add_common(p)
    add_remote(p)
    p.set_defaults(handler=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    """Write the export."""
    eg = client(args)
    if eg is not None:
        return _remote_export(args, eg)
    scope = open_scope(args)
    filters = {"run_id": args.run, "queue_id": args.queue, "judge": args.judge}
    if args.output:
        n = exports.export_to_file(scope, args.kind, Path(args.output), args.format, **filters)
        emit(
            args,
            {"kind": args.kind, "rows": n, "path": args.output},
            f"wrote {n} rows to {args.output}",
        )
        return 0
    table = exports.export_table(scope, args.kind, **filters)
    sys.stdout.buffer.write(exports.to_bytes(table, args.format or "csv"))
    return 0


def _remote_export(args: argparse.Namespace, eg: Any) -> int:
    """The same export fetched from the server."""
    fmt = args.format or (exports.format_for_path(Path(args.output)) if args.output else "csv")
    data = eg.export(args.kind, format=fmt, run_id=args.run, queue_id=args.queue, judge=args.judge)
    if args.output:
        Path(args.output).write_bytes(data)
        n = exports.count_rows(data, fmt)
        emit(
            args,
            {"kind": args.kind, "rows": n, "path": args.output},
            f"wrote {n} rows to {args.output}",
        )
        return 0
    sys.stdout.buffer.write(data)
    return 0
