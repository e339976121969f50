"""`evalguard queues create|list|show|add|claims|events|expire`."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from evalguard_core import claims, events, queues
from evalguard_core.cli.common import add_common, emit, open_scope, table
from evalguard_core.cli.remote import add_remote, client
from evalguard_core.errors import ValidationError
from evalguard_core.runs import CaseFilter
from evalguard_core.textlist import split_list

_PAGE = 1000


def register(sub: argparse._SubParsersAction) -> None:
    """Add the commands."""
    queues_p = sub.add_parser("queues", help="annotation queues")
    qsub = queues_p.add_subparsers(dest="queues_command", required=True, metavar="ACTION")
    p = qsub.add_parser("create", help="create a queue")
    p.add_argument("--name", required=True)
    p.add_argument("--target-type", default="eval_case", choices=queues.TARGET_TYPES)
    p.add_argument("--labels", help="comma-separated label options (default pass,fail; A,B,tie)")
    p.add_argument("--score-min", type=float)
    p.add_argument("--score-max", type=float)
    p.add_argument("--instructions")
    p.add_argument("--per-item", type=int, default=1, help="raters per item (overlap)")
    p.add_argument("--lease-seconds", type=int, default=queues.DEFAULT_LEASE_SECONDS)
    p.add_argument(
        "--allow-unclaimed",
        action="store_true",
        help="accept labels on items the rater did not claim (while the item has room)",
    )
    add_common(p)
    add_remote(p)
    p.set_defaults(handler=cmd_create)
    p = qsub.add_parser("list", help="list queues with progress")
    add_common(p)
    add_remote(p)
    p.set_defaults(handler=cmd_list)
    p = qsub.add_parser("show", help="one queue with progress per rater")
    p.add_argument("queue_id")
    add_common(p)
    add_remote(p)
    p.set_defaults(handler=cmd_show)
    p = qsub.add_parser("add", help="add targets: ids, a file of ids, or a run's filtered cases")
    p.add_argument("queue_id")
    p.add_argument("targets", nargs="*", help="<run_id>:<case_id> or trace ids")
    p.add_argument("--file", help="a text file with one target id per line")
    p.add_argument("--run", help="add this run's cases (with --label-scorer/--label filters)")
    p.add_argument("--label-scorer", help="e.g. llm_judge")
    p.add_argument("--label", help="e.g. fail")
    add_common(p)
    add_remote(p)
    p.set_defaults(handler=cmd_add)
    p = qsub.add_parser("claims", help="live claims of a queue")
    p.add_argument("queue_id")
    add_common(p)
    add_remote(p)
    p.set_defaults(handler=cmd_claims)
    p = qsub.add_parser("expire", help="mark run-out leases expired")
    p.add_argument("queue_id")
    add_common(p)
    add_remote(p)
    p.set_defaults(handler=cmd_expire)
    p = qsub.add_parser("events", help="the queue's event log, newest first")
    p.add_argument("queue_id")
    p.add_argument("--kind", help="claim, release, expire, heartbeat, annotate, relabel ...")
    p.add_argument("--limit", type=int, default=50)
    add_common(p)
    add_remote(p)
    p.set_defaults(handler=cmd_events)


def _progress_text(q: dict) -> str:
    """'12/100 done, 3 claimed, 85 pending, 14 labels'."""
    p = q["progress"]
    return (
        f"{p['done']}/{p['total']} done, {p['claimed']} claimed, {p['pending']} pending, "
        f"{p['annotations']} labels"
    )


def cmd_create(args: argparse.Namespace) -> int:
    """Create a queue and print its id."""
    settings = {
        "name": args.name,
        "target_type": args.target_type,
        "label_options": split_list(args.labels),
        "score_min": args.score_min,
        "score_max": args.score_max,
        "instructions": args.instructions,
        "annotations_per_item": args.per_item,
        "lease_seconds": args.lease_seconds,
        "allow_unclaimed": args.allow_unclaimed,
    }
    eg = client(args)
    if eg is not None:
        body = {k: v for k, v in settings.items() if v is not None}
        q = eg.create_queue(body.pop("name"), body.pop("target_type"), **body)
    else:
        q = queues.create_queue(open_scope(args), created_by="cli", **settings)
    emit(args, q, q["queue_id"])
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """List queues."""
    eg = client(args)
    rows = eg.list_queues() if eg is not None else queues.list_queues(open_scope(args))
    for q in rows:
        q["status"] = _progress_text(q)
    emit(args, rows, table(rows, ["queue_id", "name", "target_type", "status"]))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """Show a queue."""
    eg = client(args)
    q = (
        eg.get_queue(args.queue_id)
        if eg is not None
        else queues.get_queue(open_scope(args), args.queue_id)
    )
    lines = [
        f"queue    {q['queue_id']}  ({q['name']}, {q['target_type']})",
        f"labels   {', '.join(q['label_options'])}; {q['annotations_per_item']} per item; "
        f"lease {q['lease_seconds']} s",
        f"progress {_progress_text(q)}",
        table(q["per_rater"], ["annotator", "annotations", "claimed"]),
    ]
    emit(args, q, "\n".join(lines))
    return 0


def cmd_add(args: argparse.Namespace) -> int:
    """Add targets to a queue."""
    eg = client(args)
    if eg is not None:
        ids = _target_ids(args)
        if args.run:
            ids += _remote_run_targets(eg, args)
        result = eg.add_items(args.queue_id, ids)
        emit(args, result, f"added {result['added']}, duplicates {result['duplicates']}")
        return 0
    scope = open_scope(args)
    if args.run:
        f = CaseFilter(label_scorer=args.label_scorer, label=args.label)
        result = queues.add_from_run(scope, args.queue_id, args.run, f, actor="cli")
    else:
        result = queues.add_items(scope, args.queue_id, _target_ids(args), actor="cli")
    emit(args, result, f"added {result['added']}, duplicates {result['duplicates']}")
    return 0


def _target_ids(args: argparse.Namespace) -> list[str | int]:
    """Target ids given on the command line and in --file."""
    ids: list[str | int] = list(args.targets)
    if args.file:
        ids += [x.strip() for x in Path(args.file).read_text("utf-8").splitlines() if x.strip()]
    return ids


def _remote_run_targets(eg: Any, args: argparse.Namespace) -> list[str | int]:
    """A run's (filtered) cases as target ids, paged from the server's case listing."""
    out: list[str | int] = []
    offset = 0
    while True:  # bounded by the run's size: each page advances by its length
        page = eg.list_cases(
            args.run, label_scorer=args.label_scorer, label=args.label, limit=_PAGE, offset=offset
        )
        out += [f"{args.run}:{c['case_id']}" for c in page["cases"]]
        offset += len(page["cases"])
        if not page["cases"] or offset >= page["total"]:
            return out


def cmd_claims(args: argparse.Namespace) -> int:
    """List live claims."""
    eg = client(args)
    rows = (
        eg.list_claims(args.queue_id)
        if eg is not None
        else claims.list_claims(open_scope(args), args.queue_id)
    )["claims"]
    emit(args, rows, table(rows, ["item_id", "target_id", "annotator", "lease_expires_at"]))
    return 0


def cmd_expire(args: argparse.Namespace) -> int:
    """Sweep run-out leases."""
    if getattr(args, "url", None):
        # The server expires leases itself on every claim; there is no API to force a sweep.
        raise ValidationError(
            "queues expire works on a local store only (the server expires leases itself); "
            "drop --url / unset EVALGUARD_URL",
            details={"field": "url"},
        )
    n = claims.expire_leases(open_scope(args), args.queue_id)
    emit(args, {"expired_items": n}, f"expired leases on {n} item(s)")
    return 0


def cmd_events(args: argparse.Namespace) -> int:
    """Print the event log."""
    eg = client(args)
    if eg is not None:
        page = eg.list_events(args.queue_id, kind=args.kind, limit=args.limit)
    else:
        page = events.list_events(
            open_scope(args), queue_id=args.queue_id, kind=args.kind, limit=args.limit
        )
    emit(args, page, table(page["events"], ["event_id", "at", "actor", "kind", "item_id"]))
    return 0
