"""`evalguard import`, `labels import`, `runs list|show`."""

from __future__ import annotations

import argparse

from evalguard_core import labels, runs
from evalguard_core.cli.common import add_common, emit, open_scope, table
from evalguard_core.files import FORMATS


def register(sub: argparse._SubParsersAction) -> None:
    """Add the commands."""
    p = sub.add_parser("import", help="import an eval run (CSV, JSONL or Parquet)")
    p.add_argument("file", help="the eval-run file")
    p.add_argument("--name", help="run name (default: the file name)")
    p.add_argument("--format", choices=FORMATS, help="override the format from the extension")
    add_common(p)
    p.set_defaults(handler=cmd_import)

    labels_p = sub.add_parser("labels", help="human labels made elsewhere")
    lsub = labels_p.add_subparsers(dest="labels_command", required=True, metavar="ACTION")
    p = lsub.add_parser("import", help="import human labels for a run")
    p.add_argument("file", help="labels file: case_id, annotator, label and/or score, comment")
    p.add_argument("--run", required=True, help="the run the labels belong to")
    p.add_argument("--format", choices=FORMATS)
    add_common(p)
    p.set_defaults(handler=cmd_labels_import)

    runs_p = sub.add_parser("runs", help="list and show runs")
    rsub = runs_p.add_subparsers(dest="runs_command", required=True, metavar="ACTION")
    p = rsub.add_parser("list", help="list runs")
    add_common(p)
    p.set_defaults(handler=cmd_runs_list)
    p = rsub.add_parser("show", help="show one run: counts, scorers, labels, scores")
    p.add_argument("run_id")
    add_common(p)
    p.set_defaults(handler=cmd_runs_show)


def cmd_import(args: argparse.Namespace) -> int:
    """Import a run file and print its id."""
    result = runs.import_run(open_scope(args), args.file, name=args.name, fmt=args.format)
    emit(args, result.to_dict(), result.run_id)
    return 0


def cmd_labels_import(args: argparse.Namespace) -> int:
    """Import human labels."""
    result = labels.import_labels(open_scope(args), args.file, run_id=args.run, fmt=args.format)
    emit(args, result, f"imported {result['labels']} labels into run {result['run_id']}")
    return 0


def cmd_runs_list(args: argparse.Namespace) -> int:
    """List runs."""
    rows = runs.list_runs(open_scope(args))
    for row in rows:
        row["scorers"] = ",".join(row["scorers"])
    emit(args, rows, table(rows, ["run_id", "name", "kind", "cases", "scorers", "created_at"]))
    return 0


def cmd_runs_show(args: argparse.Namespace) -> int:
    """Show a run's summary."""
    run = runs.get_run_summary(open_scope(args), args.run_id)
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
