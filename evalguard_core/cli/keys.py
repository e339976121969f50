"""`evalguard keys create|list|revoke` and `evalguard orgs create|list`."""

from __future__ import annotations

import argparse

from evalguard_core import auth, orgs
from evalguard_core.cli.common import add_common, emit, open_scope, open_store, table


def register(sub: argparse._SubParsersAction) -> None:
    """Add the commands."""
    keys_p = sub.add_parser("keys", help="API keys (sign-in for the UI and the API)")
    ksub = keys_p.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    p = ksub.add_parser("create", help="create a key; it is printed once, only its hash is kept")
    p.add_argument("--name", required=True, help="identity recorded on labels")
    p.add_argument("--role", required=True, choices=auth.ROLES)
    add_common(p)
    p.set_defaults(handler=cmd_keys_create)
    p = ksub.add_parser("list", help="list keys (never the keys themselves)")
    add_common(p)
    p.set_defaults(handler=cmd_keys_list)
    p = ksub.add_parser("revoke", help="revoke a key by id")
    p.add_argument("key_id")
    add_common(p)
    p.set_defaults(handler=cmd_keys_revoke)

    orgs_p = sub.add_parser("orgs", help="organizations")
    osub = orgs_p.add_subparsers(dest="orgs_command", required=True, metavar="ACTION")
    p = osub.add_parser("create", help="create an organization")
    p.add_argument("--name", required=True)
    add_common(p, org=False)
    p.set_defaults(handler=cmd_orgs_create)
    p = osub.add_parser("list", help="list organizations")
    add_common(p, org=False)
    p.set_defaults(handler=cmd_orgs_list)


def cmd_keys_create(args: argparse.Namespace) -> int:
    """Create a key and print it once."""
    created = auth.create_key(open_store(args), name=args.name, role=args.role, org=args.org)
    data = {
        "name": created["name"],
        "role": created["role"],
        "key": created["key"],
        "key_id": created["key_id"],
        "org_id": created["org_id"],
        "org": created["org"],
    }
    emit(
        args,
        data,
        f"{created['key']}\n(key for {created['name']} as {created['role']} in "
        f"organization {created['org']}; shown once: store it now)",
    )
    return 0


def cmd_keys_list(args: argparse.Namespace) -> int:
    """List keys."""
    rows = auth.list_keys(open_scope(args))
    emit(
        args,
        rows,
        table(rows, ["key_id", "name", "role", "key_prefix", "created_at", "revoked_at"]),
    )
    return 0


def cmd_keys_revoke(args: argparse.Namespace) -> int:
    """Revoke a key."""
    auth.revoke_key(open_scope(args), args.key_id)
    emit(args, {"key_id": args.key_id, "revoked": True}, f"revoked {args.key_id}")
    return 0


def cmd_orgs_create(args: argparse.Namespace) -> int:
    """Create an organization."""
    org = orgs.create_org(open_store(args), args.name)
    emit(args, org, org["org_id"])
    return 0


def cmd_orgs_list(args: argparse.Namespace) -> int:
    """List organizations."""
    rows = orgs.list_orgs(open_store(args))
    emit(args, rows, table(rows, ["org_id", "name", "is_default", "created_at"]))
    return 0
