"""Lifecycle commands, added to the existing groups: `labels replace|retract|history`,
`queues archive|restore|delete|remove-items`, `runs delete`, `orgs delete-data`,
`raters export|pseudonymise` and `store check`.

Commands that destroy print what will be lost and stop unless `--yes` is given.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from evalguard_core import auth, lifecycle
from evalguard_core.cli.common import add_common, emit, open_scope, open_store, table
from evalguard_core.errors import ValidationError

ACTOR = "cli"


def _group(sub: argparse._SubParsersAction, name: str, help_text: str) -> Any:
    """The subcommand action of an existing top-level group (or a new group)."""
    parser = sub.choices.get(name)
    if parser is None:
        parser = sub.add_parser(name, help=help_text)
        return parser.add_subparsers(dest=f"{name}_command", required=True, metavar="ACTION")
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action
    raise RuntimeError(f"{name} has no subcommands")


def _yes(p: argparse.ArgumentParser) -> None:
    """Add --yes to a destructive command."""
    p.add_argument("--yes", action="store_true", help="do it (without it: show what would go)")


def register(sub: argparse._SubParsersAction) -> None:
    """Add the commands."""
    labels = _group(sub, "labels", "human labels")
    p = labels.add_parser("replace", help="give a label a new value (as the rater who made it)")
    p.add_argument("annotation_id")
    p.add_argument("--as", dest="rater", required=True, help="the rater who made the label")
    p.add_argument("--label")
    p.add_argument("--score", type=float)
    p.add_argument("--comment")
    add_common(p)
    p.set_defaults(handler=cmd_replace)
    p = labels.add_parser("retract", help="retract a label (a reason is required); item reopens")
    p.add_argument("annotation_id")
    p.add_argument("--reason", required=True)
    _yes(p)
    add_common(p)
    p.set_defaults(handler=cmd_retract)
    p = labels.add_parser("history", help="every label, replacement and retraction")
    p.add_argument("--queue", help="only this queue")
    p.add_argument("--run", help="only cases of this run")
    add_common(p)
    p.set_defaults(handler=cmd_history)

    qs = _group(sub, "queues", "annotation queues")
    for name, helptext in (
        ("archive", "archive a queue: no claims or labels, hidden from lists, restorable"),
        ("restore", "restore an archived queue"),
    ):
        p = qs.add_parser(name, help=helptext)
        p.add_argument("queue_id")
        add_common(p)
        p.set_defaults(handler=cmd_archive if name == "archive" else cmd_restore)
    p = qs.add_parser("delete", help="delete a queue, its items and leases (labels kept)")
    p.add_argument("queue_id")
    p.add_argument("--delete-labels", action="store_true", help="delete its labels too")
    _yes(p)
    add_common(p)
    p.set_defaults(handler=cmd_delete_queue)
    p = qs.add_parser("remove-items", help="remove items from a queue (unlabelled ones)")
    p.add_argument("queue_id")
    p.add_argument("item_ids", nargs="+", type=int)
    p.add_argument(
        "--include-labelled", action="store_true", help="also labelled items, with their labels"
    )
    _yes(p)
    add_common(p)
    p.set_defaults(handler=cmd_remove_items)

    rs = _group(sub, "runs", "list and show runs")
    p = rs.add_parser("delete", help="delete a run with its cases and scores")
    p.add_argument("run_id")
    p.add_argument("--force", action="store_true", help="also the labels and items that use it")
    _yes(p)
    add_common(p)
    p.set_defaults(handler=cmd_delete_run)

    os_ = _group(sub, "orgs", "organizations")
    p = os_.add_parser("delete-data", help="offboarding: delete all of --org's data")
    p.add_argument(
        "--remove-org", action="store_true", help="remove the organization itself as well"
    )
    _yes(p)
    add_common(p)
    p.set_defaults(handler=cmd_delete_org)

    raters = _group(sub, "raters", "one rater's data: export, pseudonymise")
    p = raters.add_parser("export", help="everything one rater did, as JSON")
    p.add_argument("annotator")
    p.add_argument("--out", help="write the JSON to this file")
    add_common(p)
    p.set_defaults(handler=cmd_export_rater)
    p = raters.add_parser("pseudonymise", help="replace a departed rater's name by an alias")
    p.add_argument("annotator")
    _yes(p)
    add_common(p)
    p.set_defaults(handler=cmd_pseudonymise)

    st = _group(sub, "store", "whole-store operations")
    p = st.add_parser("check", help="referential consistency: no orphan rows (exit 1 if any)")
    add_common(p, org=False)
    p.set_defaults(handler=cmd_check)


def _confirm(args: argparse.Namespace, what: dict[str, Any], text: str) -> bool:
    """Without --yes: print what would be lost, exit code 2 follows. With it: go ahead."""
    if args.yes:
        return True
    emit(args, {"dry_run": True, **what}, f"{text}\nnothing was changed; re-run with --yes")
    return False


def cmd_replace(args: argparse.Namespace) -> int:
    """Replace a label's value."""
    out = lifecycle.replace_label(
        open_scope(args),
        args.annotation_id,
        annotator=args.rater,
        label=args.label,
        score=args.score,
        comment=args.comment,
    )
    emit(args, out, f"label {out['annotation_id']} replaced")
    return 0


def cmd_retract(args: argparse.Namespace) -> int:
    """Retract a label as admin."""
    scope = open_scope(args)
    if not _confirm(
        args, {"annotation_id": args.annotation_id}, f"would retract label {args.annotation_id}"
    ):
        return 2
    out = lifecycle.retract_label(
        scope, args.annotation_id, actor=ACTOR, admin=True, reason=args.reason
    )
    emit(args, out, f"label {out['annotation_id']} retracted; item {out['item_status'] or '-'}")
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    """Print the label history."""
    rows = lifecycle.label_history(open_scope(args), queue_id=args.queue, run_id=args.run)
    emit(
        args,
        {"events": rows},
        table(rows, ["event_id", "event_at", "actor", "kind", "trace_id", "annotation_id"]),
    )
    return 0


def cmd_archive(args: argparse.Namespace) -> int:
    """Archive a queue."""
    q = lifecycle.archive_queue(open_scope(args), args.queue_id, actor=ACTOR)
    emit(args, q, f"queue {q['queue_id']} archived ({q['leases_ended']} live lease(s) ended)")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    """Restore a queue."""
    q = lifecycle.restore_queue(open_scope(args), args.queue_id, actor=ACTOR)
    emit(args, q, f"queue {q['queue_id']} restored")
    return 0


def cmd_delete_queue(args: argparse.Namespace) -> int:
    """Delete a queue (after --yes)."""
    scope = open_scope(args)
    pre = lifecycle.queue_deletion_preview(scope, args.queue_id)
    if not _confirm(args, pre, lifecycle.queue_loss_text(pre, delete_labels=args.delete_labels)):
        return 2
    out = lifecycle.delete_queue(
        scope, args.queue_id, actor=ACTOR, delete_labels=args.delete_labels
    )
    emit(
        args,
        out,
        f"deleted queue {out['queue_id']}: {out['items_deleted']} item(s), "
        f"{out['leases_deleted']} lease(s), {out['labels_deleted']} label(s) deleted, "
        f"{out['labels_kept']} kept",
    )
    return 0


def cmd_remove_items(args: argparse.Namespace) -> int:
    """Remove items from a queue (after --yes)."""
    scope = open_scope(args)
    if not _confirm(
        args,
        {"queue_id": args.queue_id, "item_ids": args.item_ids},
        f"would remove {len(args.item_ids)} item(s) from queue {args.queue_id}"
        + (" with their labels" if args.include_labelled else ""),
    ):
        return 2
    out = lifecycle.remove_items(
        scope, args.queue_id, args.item_ids, actor=ACTOR, include_labelled=args.include_labelled
    )
    emit(
        args,
        out,
        f"removed {out['items_removed']} item(s), {out['labels_deleted']} label(s), "
        f"{out['leases_deleted']} lease(s)",
    )
    return 0


def cmd_delete_run(args: argparse.Namespace) -> int:
    """Delete a run (after --yes)."""
    scope = open_scope(args)
    pre = lifecycle.run_deletion_preview(scope, args.run_id)
    if not args.force:
        # The same refusal the API gives, before asking for --yes.
        lifecycle.check_run_deletable(pre)
    if not _confirm(args, pre, lifecycle.run_loss_text(pre)):
        return 2
    out = lifecycle.delete_run(scope, args.run_id, actor=ACTOR, force=args.force)
    emit(
        args,
        out,
        f"deleted run {out['run_id']}: {out['cases']} case(s), {out['scores']} score(s), "
        f"{out['labels']} label(s), {out['queue_items']} queue item(s)",
    )
    return 0


def cmd_delete_org(args: argparse.Namespace) -> int:
    """Delete an organization's data (after --yes)."""
    store = open_store(args)
    org = auth.resolve_org(store, args.org)
    counts = lifecycle.org_deletion_preview(store, org["org_id"])
    if not _confirm(
        args,
        {"org_id": org["org_id"], "name": org["name"], "rows": counts},
        lifecycle.org_loss_text(org, counts, remove_org=args.remove_org),
    ):
        return 2
    out = lifecycle.delete_org_data(store, org, actor=ACTOR, keep_org=not args.remove_org)
    total = sum(out["removed"].values())
    emit(args, out, f"deleted {total} row(s) of organization {org['name']!r}")
    return 0


def cmd_export_rater(args: argparse.Namespace) -> int:
    """Export one rater's activity."""
    data = lifecycle.export_rater(open_scope(args), args.annotator)
    if args.out:
        path = Path(args.out)
        try:
            path.write_text(lifecycle.rater_json(data), encoding="utf-8")
        except OSError as exc:
            raise ValidationError(f"cannot write {path}: {exc.strerror}") from None
        emit(
            args,
            {"out": str(path), **lifecycle.rater_counts(data)},
            f"wrote {path}: {len(data['labels'])} label(s), {len(data['events'])} event(s)",
        )
    else:
        emit(args, data)
    return 0


def cmd_pseudonymise(args: argparse.Namespace) -> int:
    """Pseudonymise a rater (after --yes)."""
    scope = open_scope(args)
    alias = lifecycle.pseudonym(scope.org_id, args.annotator)
    if not _confirm(
        args,
        {"annotator": args.annotator, "alias": alias},
        f"would replace {args.annotator!r} by {alias} on every label, lease and event "
        "(irreversible)",
    ):
        return 2
    out = lifecycle.pseudonymise_rater(scope, args.annotator, actor=ACTOR)
    emit(args, out, f"{args.annotator!r} is now {out['alias']} ({out['renamed']['labels']} labels)")
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    """Run the referential checks; exit 1 when any fails."""
    out = lifecycle.store_check(open_store(args))
    rows = [
        {"check": c["check"], "rows": c["rows"], "ok": "yes" if not c["rows"] else "NO"}
        for c in out["checks"]
    ]
    emit(args, out, table(rows, ["check", "rows", "ok"]) + ("\nno orphans" if out["ok"] else ""))
    return 0 if out["ok"] else 1
