"""`evalguard rubric show|set|export`: a queue's questions and a run's answers."""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path
from typing import Any

from evalguard_core import rubrics
from evalguard_core.cli.common import add_common, emit, open_scope, table
from evalguard_core.errors import ValidationError


def register(sub: argparse._SubParsersAction) -> None:
    """Add the commands."""
    rubric_p = sub.add_parser("rubric", help="rubric questions of a queue, answers of a run")
    rsub = rubric_p.add_subparsers(dest="rubric_command", required=True, metavar="ACTION")
    p = rsub.add_parser(
        "show", help="show a queue's or task's rubric (newest version unless --version)"
    )
    _owner_args(p)
    p.add_argument("--version", type=int, help="a rubric version")
    add_common(p)
    p.set_defaults(handler=cmd_show)
    p = rsub.add_parser(
        "set",
        help="replace a queue's or task's rubric from a JSON file (new version once labelled)",
    )
    p.add_argument("file", help='JSON: {"questions": [{"name", "kind", ...}, ...]} or the list')
    _owner_args(p)
    add_common(p)
    p.set_defaults(handler=cmd_set)
    p = rsub.add_parser("export", help="a run's answers as CSV: one column per question")
    p.add_argument("--run", required=True, help="run id")
    p.add_argument("--queue", help="only answers made in this queue")
    p.add_argument("--layout", choices=["wide", "long"], default="wide")
    p.add_argument("--out", help="CSV file to write (default: stdout)")
    add_common(p)
    p.set_defaults(handler=cmd_export)


def _owner_args(p: argparse.ArgumentParser) -> None:
    """--queue or --task: whose rubric."""
    owner = p.add_mutually_exclusive_group(required=True)
    owner.add_argument("--queue", help="queue id")
    owner.add_argument("--task", help="task id")


def read_questions(path: str) -> list[dict[str, Any]]:
    """The questions of a rubric JSON file (an object with `questions`, or the list)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValidationError(f"{path}: {exc}", details={"field": "file"}) from None
    questions = data.get("questions") if isinstance(data, dict) else data
    if not isinstance(questions, list) or not all(isinstance(q, dict) for q in questions):
        raise ValidationError(f"{path}: expected a list of questions", details={"field": "file"})
    return questions


def cmd_show(args: argparse.Namespace) -> int:
    """Print the questions."""
    scope = open_scope(args)
    rubric = (
        rubrics.get_task_rubric(scope, args.task, args.version)
        if args.task
        else rubrics.get_rubric(scope, args.queue, args.version)
    )
    text = f"rubric version {rubric['version']} of {rubric['versions']}\n" + table(
        rubric["questions"], ["name", "kind", "options", "scale_min", "scale_max", "required"]
    )
    emit(args, rubric, text)
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    """Write the rubric from a JSON file."""
    questions = read_questions(args.file)
    scope = open_scope(args)
    if args.task:
        rubric = rubrics.set_task_rubric(scope, args.task, questions, actor="cli")
        owner = f"task {rubric['task_id']}"
    else:
        rubric = rubrics.set_rubric(scope, args.queue, questions, actor="cli")
        owner = f"queue {rubric['queue_id']}"
    emit(
        args,
        rubric,
        f"{owner}: rubric version {rubric['version']}"
        + ("" if rubric["changed"] else " (unchanged)"),
    )
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write the answers as CSV."""
    rows = rubrics.answers_table(
        open_scope(args), args.run, queue_id=args.queue, layout=args.layout
    )
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    if args.out:
        with open(args.out, "w", newline="", encoding="utf-8") as handle:
            _write_csv(handle, columns, rows)
    else:
        _write_csv(sys.stdout, columns, rows)
    return 0


def _write_csv(out: Any, columns: list[str], rows: list[dict[str, Any]]) -> None:
    """Rows as CSV; multiple-choice answers as JSON lists."""
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    for row in rows:
        writer.writerow({k: json.dumps(v) if isinstance(v, list) else v for k, v in row.items()})
