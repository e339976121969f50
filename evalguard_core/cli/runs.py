"""`evalguard import`, `formats`, `labels import`, `runs list|show` (local or --url)."""

from __future__ import annotations

import argparse
from datetime import datetime
from typing import Any

from evalguard_core import importers, labels, runs
from evalguard_core.cli.common import add_common, emit, open_scope, table, warn
from evalguard_core.cli.remote import add_remote, client
from evalguard_core.files import FORMATS


def register(sub: argparse._SubParsersAction) -> None:
    """Add the commands."""
    p = sub.add_parser(
        "import",
        help="import eval results: EvalGuard CSV/JSONL/Parquet or another tool's files "
        "(format detected from the content; see `evalguard formats`)",
    )
    p.add_argument("file", help="the eval-result file or run directory")
    p.add_argument("--name", help="run name (default: from the file)")
    p.add_argument(
        "--format",
        type=str.lower,
        choices=[f.name for f in importers.FORMATS],
        metavar="NAME",
        help="force a format (see `evalguard formats`) instead of detecting it",
    )
    add_common(p)
    add_remote(p)
    p.set_defaults(handler=cmd_import)

    p = sub.add_parser("formats", help="the eval-result formats `import` reads and what each maps")
    p.add_argument("--json", action="store_true", help="machine-readable JSON output")
    p.set_defaults(handler=cmd_formats)

    labels_p = sub.add_parser("labels", help="human labels made elsewhere")
    lsub = labels_p.add_subparsers(dest="labels_command", required=True, metavar="ACTION")
    p = lsub.add_parser("import", help="import human labels for a run")
    p.add_argument("file", help="labels file: case_id, annotator, label and/or score, comment")
    p.add_argument("--run", required=True, help="the run the labels belong to")
    p.add_argument("--format", choices=FORMATS)
    add_common(p)
    add_remote(p)
    p.set_defaults(handler=cmd_labels_import)

    runs_p = sub.add_parser("runs", help="list and show runs")
    rsub = runs_p.add_subparsers(dest="runs_command", required=True, metavar="ACTION")
    p = rsub.add_parser("list", help="list runs")
    add_common(p)
    add_remote(p)
    p.set_defaults(handler=cmd_runs_list)
    p = rsub.add_parser("show", help="show one run: counts, scorers, labels, scores")
    p.add_argument("run_id")
    add_common(p)
    add_remote(p)
    p.set_defaults(handler=cmd_runs_show)


def cmd_import(args: argparse.Namespace) -> int:
    """Import a file or directory and print the run id(s); the detected format goes to stderr."""
    eg = client(args)
    if eg is not None:
        result: dict[str, Any] = eg.import_run(args.file, name=args.name, format=args.format)
    else:
        outcome = importers.import_path(
            open_scope(args), args.file, name=args.name, fmt=args.format
        )
        result = outcome.to_dict()
    if not args.json:
        for run in result["runs"]:
            judges = f"; judges {', '.join(run['judges'])}" if run.get("judges") else ""
            humans = f"; {run['human_labels']} human labels" if run.get("human_labels") else ""
            warn(
                f"detected {run['format']}: run {run['name']!r}, {run['cases']} cases, "
                f"scorers {', '.join(run['scorers']) or '(none)'}{judges}{humans}"
            )
    emit(args, result, "\n".join(run["run_id"] for run in result["runs"]))
    return 0


def cmd_formats(args: argparse.Namespace) -> int:
    """List the formats import reads."""
    rows = importers.describe_formats()
    if args.json:
        emit(args, rows)
        return 0
    lines = []
    for f in rows:
        lines += [f"{f['name']:<16} {f['title']}  [{f['files']}]", f"{'':<16} {f['maps']}"]
    print("\n".join(lines))
    return 0


def cmd_labels_import(args: argparse.Namespace) -> int:
    """Import human labels."""
    eg = client(args)
    if eg is not None:
        result = eg.import_labels(args.run, args.file, format=args.format)
    else:
        result = labels.import_labels(open_scope(args), args.file, run_id=args.run, fmt=args.format)
    emit(args, result, f"imported {result['labels']} labels into run {result['run_id']}")
    return 0


def cmd_runs_list(args: argparse.Namespace) -> int:
    """List runs."""
    eg = client(args)
    rows = eg.list_runs() if eg is not None else runs.list_runs(open_scope(args))
    for row in rows:
        row["created_at"] = _iso(row.get("created_at"))
    shown = [{**row, "scorers": ",".join(row["scorers"])} for row in rows]
    emit(args, rows, table(shown, ["run_id", "name", "kind", "cases", "scorers", "created_at"]))
    return 0


def cmd_runs_show(args: argparse.Namespace) -> int:
    """Show a run's summary."""
    eg = client(args)
    run = (
        eg.get_run(args.run_id)
        if eg is not None
        else runs.get_run_summary(open_scope(args), args.run_id)
    )
    run["created_at"] = _iso(run.get("created_at"))
    lines = [
        f"run      {run['run_id']}  ({run['name']}, {run['kind']})",
        f"cases    {run['cases']}",
        f"labels   {run['human_labels']['annotations']} human labels by "
        f"{run['human_labels']['annotators']} raters on {run['human_labels']['labelled_cases']} "
        "cases",
    ]
    lat = run["latency_ms"]
    if lat["n"]:
        lines.append(
            f"latency  p50 {lat['p50']:.0f} ms, p90 {lat['p90']:.0f} ms, max {lat['max']:.0f}"
        )
    lines.append("scorers:")
    for s in run["scorers"]:
        desc = f"  {s['scorer']}: n={s['n']}"
        if s["n_scores"]:
            desc += f" score min {s['min']:.3g} mean {s['mean']:.3g} max {s['max']:.3g}"
        if s["labels"]:
            desc += " labels " + ", ".join(f"{k}={v}" for k, v in s["labels"].items())
        lines.append(desc)
    emit(args, run, "\n".join(lines))
    return 0


def _iso(value: Any) -> Any:
    """A timestamp as the API writes it (ISO 8601, UTC as Z), so local and remote output match."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        return value.isoformat().replace("+00:00", "Z")
    return value
