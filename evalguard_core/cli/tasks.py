"""`evalguard tasks create|list|show`: EvalGate-style review tasks over a set of traces."""

from __future__ import annotations

import argparse
import json

from evalguard_core import rubrics, tasks
from evalguard_core.cli.common import add_common, emit, open_scope, table
from evalguard_core.cli.rubrics import read_questions
from evalguard_core.errors import ValidationError
from evalguard_core.textlist import split_list

# The CLI acts as the operator of the store file, not as an API key.
CLI_ACTOR = "cli"


def register(sub: argparse._SubParsersAction) -> None:
    """Add the commands."""
    tasks_p = sub.add_parser("tasks", help="simple review tasks (label a set of traces)")
    tsub = tasks_p.add_subparsers(dest="tasks_command", required=True, metavar="ACTION")

    p = tsub.add_parser(
        "create",
        help="create a task from trace ids, or from a run's cases (named, or all of them)",
    )
    p.add_argument("--name", required=True, help="task name")
    p.add_argument("--run", help="take the cases of this run (all of them unless --case-ids)")
    p.add_argument("--case-ids", help="comma-separated case ids of --run")
    p.add_argument("--trace-ids", help="comma-separated numeric trace ids (instead of --run)")
    p.add_argument("--labels", help="comma-separated label options (default pass,fail)")
    p.add_argument("--instructions", help="what raters should look for")
    p.add_argument(
        "--rubric", help="JSON file of rubric questions (default: one question over --labels)"
    )
    add_common(p)
    p.set_defaults(handler=cmd_create)

    p = tsub.add_parser(
        "answer", help="answer every question of a task's rubric for one item, as a rater"
    )
    p.add_argument("task_id")
    p.add_argument("--item", required=True, help="item id (see `tasks show`)")
    p.add_argument("--as", dest="rater", required=True, help="the rater answering")
    p.add_argument(
        "--answers",
        required=True,
        help='JSON object of question to value, e.g. \'{"coherence": 3, "verdict": "pass"}\'',
    )
    p.add_argument("--notes", help="a note on the item")
    add_common(p)
    p.set_defaults(handler=cmd_answer)

    p = tsub.add_parser("list", help="list tasks with their progress")
    add_common(p)
    p.set_defaults(handler=cmd_list)

    p = tsub.add_parser("show", help="show a task and its items")
    p.add_argument("task_id")
    add_common(p)
    p.set_defaults(handler=cmd_show)


def cmd_create(args: argparse.Namespace) -> int:
    """Create a task and print its id."""
    if bool(args.run) == bool(args.trace_ids):
        raise ValidationError("give either --run (with optional --case-ids) or --trace-ids")
    if args.case_ids and not args.run:
        raise ValidationError("--case-ids needs --run")
    questions = read_questions(args.rubric) if args.rubric else None
    if questions is not None:
        rubrics.check_rubric(questions)  # a bad rubric creates no task
    scope = open_scope(args)
    common = {
        "name": args.name,
        "instructions": args.instructions,
        "label_options": tasks.parse_options(args.labels),
        "created_by": CLI_ACTOR,
    }
    if args.trace_ids:
        try:
            ids = [int(t) for t in split_list(args.trace_ids) or []]
        except ValueError:
            raise ValidationError("--trace-ids: trace ids are integers") from None
        task = tasks.create_task(scope, trace_ids=ids, **common)
    else:
        task = tasks.create_task_from_run(
            scope, run_id=args.run, case_ids=split_list(args.case_ids), **common
        )
    if questions is not None:
        rubrics.set_task_rubric(scope, task["id"], questions, actor=CLI_ACTOR)
    emit(args, task, task["id"])
    return 0


def cmd_answer(args: argparse.Namespace) -> int:
    """Record one rater's answers for one item."""
    try:
        answers = json.loads(args.answers)
    except ValueError as exc:
        raise ValidationError(
            f"--answers: not JSON ({exc})", details={"field": "answers"}
        ) from None
    if not isinstance(answers, dict):
        raise ValidationError(
            "--answers: a JSON object of question name to value", details={"field": "answers"}
        )
    item = tasks.answer_item(
        open_scope(args),
        args.task_id,
        args.item,
        answers=answers,
        notes=args.notes,
        actor=args.rater,
    )
    shown = ", ".join(f"{k}={v}" for k, v in (item["answers"] or {}).items())
    emit(args, item, f"item {item['position']} answered (rubric v{item['rubricVersion']}): {shown}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """List tasks with progress."""
    rows = tasks.list_tasks(open_scope(args))
    shown = [
        {
            **r,
            "progress": f"{r['completedCount']}/{r['itemCount']}",
            "labels": ",".join(r["labelOptions"]),
        }
        for r in rows
    ]
    emit(args, rows, table(shown, ["id", "name", "status", "progress", "labels", "createdAt"]))
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """Show a task and its items."""
    task = tasks.get_task(open_scope(args), args.task_id)
    rubric = rubrics.get_task_rubric(open_scope(args), task["id"])
    lines = [
        f"task     {task['id']}  ({task['name']}, {task['status']})",
        f"progress {task['completedCount']}/{task['itemCount']} labelled",
        f"labels   {', '.join(task['labelOptions'])}",
        f"rubric   v{rubric['version']}: "
        + ", ".join(f"{q['name']} ({q['kind']})" for q in rubric["questions"]),
    ]
    if task["instructions"]:
        lines.append(f"instructions: {task['instructions']}")
    lines.append(
        table(task["items"], ["id", "traceId", "caseId", "label", "labeledBy", "labeledAt"])
    )
    emit(args, task, "\n".join(lines))
    return 0
