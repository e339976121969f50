"""Tasks (EvalGate style): a named set of traces that raters label with one of a few options,
or answer the questions of the task's rubric.

The public shapes use the seed's camelCase field names, the same on every surface (API, CLI
--json), so a script can move between them without renaming anything.

Labelling: a task item carries one label. Labelling it again replaces label and notes
(the latest label wins, labeledAt/labeledBy name the latest rater); the previous label stays
in the event log (`task_label` events carry it as `previous`). Every label is also written to
`annotations` (source `task`, one row per rater per trace per task) so the alignment report
sees task labels beside queue and imported ones, and to `rubric_answers` under the task's
newest rubric version. A task with a rubric of several questions is answered with all answers
in one call (`answer_item`); the item's `label` is then the first single-choice answer (None
when the rubric has none) and it counts as done once answered (`labeledAt`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from evalguard_core import bounds, rubrics
from evalguard_core.errors import ConflictError, NotFoundError, ValidationError, expect_row
from evalguard_core.queues import MAX_TRACE_ID
from evalguard_core.runs import require_run
from evalguard_core.store import Scope, TransactionConflict
from evalguard_core.store import events as events_sql
from evalguard_core.store import runs as runs_sql
from evalguard_core.store import tasks as sql
from evalguard_core.store.runs import CaseFilter
from evalguard_core.textlist import split_list

__all__ = [
    "DEFAULT_LABELS",
    "MAX_ITEMS",
    "STATUSES",
    "create_task",
    "answer_item",
    "create_task_from_run",
    "get_task",
    "label_item",
    "require_task",
    "task_lock",
    "list_tasks",
    "next_unlabelled",
    "parse_options",
    "select_trace_ids",
]

DEFAULT_LABELS = ["pass", "fail"]
STATUSES = ("draft", "in_progress", "completed")
MAX_ITEMS = bounds.TASK_ITEMS_MAX
MAX_LABEL_OPTIONS = bounds.TASK_LABEL_OPTIONS_MAX
MAX_NAME = bounds.NAME_MAX_CHARS
MAX_TEXT = bounds.INSTRUCTIONS_MAX_CHARS
MAX_LISTED = 20
_ATTEMPTS = 6
# One process serves UI and API (DuckDB allows one writer process), so a process lock per task
# serialises its labels without DuckDB write conflicts; striped so memory stays bounded.
_LABEL_LOCKS = [threading.Lock() for _ in range(64)]


# -- public shapes -----------------------------------------------------------------------------
def _public_task(row: dict[str, Any]) -> dict[str, Any]:
    """A task row in the seed's camelCase shape."""
    return {
        "id": row["task_id"],
        "name": row["name"],
        "instructions": row["instructions"],
        "labelOptions": row["label_options"],
        "status": row["status"],
        "itemCount": int(row["item_count"]),
        "completedCount": int(row["completed_count"]),
        "organizationId": row["org_id"],
        "createdBy": row["created_by"],
        "createdAt": row["created_at"],
        "updatedAt": row["updated_at"],
    }


def _public_item(row: dict[str, Any]) -> dict[str, Any]:
    """A task item row in camelCase, with the trace content a rater needs."""
    return {
        "id": row["item_id"],
        "taskId": row["task_id"],
        "traceId": int(row["trace_id"]),
        "position": int(row["position"]),
        "label": row["label"],
        "notes": row["notes"],
        "labeledAt": row["labeled_at"],
        "labeledBy": row["labeled_by"],
        "caseId": row["case_id"],
        "runId": row["run_id"],
        "input": row["input"],
        "output": row["output"],
        "outputA": row["output_a"],
        "outputB": row["output_b"],
        "expected": row["expected"],
        "rubricVersion": row.get("rubric_version"),
        "answers": row.get("answers"),
    }


def _attach(row: dict[str, Any], answers: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """An item row with the rubric version and answers of its current label."""
    given = answers.get(str(row["item_id"]))
    row["rubric_version"] = given["version"] if given else None
    row["answers"] = (
        {k: rubrics.public_value(v) for k, v in given["answers"].items()} if given else None
    )
    return row


def parse_options(text: str | None) -> list[str] | None:
    """'pass, fail' -> ['pass', 'fail']; blank or None -> None (the default options)."""
    return split_list(text)


# -- validation --------------------------------------------------------------------------------
def _check_text(value: str | None, field: str, limit: int, *, required: bool = False) -> str | None:
    """Strip a text value, enforce its length, and (if required) that it is not blank."""
    text = (value or "").strip()
    if required and not text:
        raise ValidationError(f"{field}: must not be empty", details={"field": field})
    if len(text) > limit:
        raise ValidationError(
            f"{field}: at most {limit} characters", details={"field": field, "limit": limit}
        )
    return text or None


def _check_label_options(options: list[str] | None) -> list[str]:
    """Default to pass/fail; otherwise distinct, non-empty strings."""
    if options is None:
        return list(DEFAULT_LABELS)
    cleaned = [str(o).strip() for o in options]
    if not cleaned:
        raise ValidationError(
            "labelOptions: give at least one option (or leave it out for pass/fail)",
            details={"field": "labelOptions"},
        )
    if len(cleaned) > MAX_LABEL_OPTIONS:
        raise ValidationError(
            f"labelOptions: at most {MAX_LABEL_OPTIONS} options",
            details={"field": "labelOptions"},
        )
    if any(not o or len(o) > 100 for o in cleaned) or len(set(cleaned)) != len(cleaned):
        raise ValidationError(
            "labelOptions: options must be distinct, non-empty strings of at most 100 characters",
            details={"field": "labelOptions"},
        )
    return cleaned


def _check_trace_ids(scope: Scope, trace_ids: list[int]) -> list[int]:
    """Deduplicate (first occurrence keeps its place) and reject ids the organization lacks."""
    try:
        ids = list(dict.fromkeys(int(t) for t in trace_ids))
    except (TypeError, ValueError):
        raise ValidationError(
            "traceIds: trace ids are integers", details={"field": "traceIds"}
        ) from None
    if not ids:
        raise ValidationError(
            "traceIds: a task needs at least one trace", details={"field": "traceIds"}
        )
    if len(ids) > MAX_ITEMS:
        raise ValidationError(
            f"traceIds: at most {MAX_ITEMS} traces per task (got {len(ids)})",
            details={"field": "traceIds", "limit": MAX_ITEMS},
        )
    # Ids outside BIGINT range cannot name a case: unknown, and never sent to SQL.
    known = sql.known_trace_ids(scope, [t for t in ids if 0 <= t <= MAX_TRACE_ID])
    # Another organization's traces are indistinguishable from ids that do not exist.
    unknown = [t for t in ids if t not in known]
    if unknown:
        shown = ", ".join(str(t) for t in unknown[:MAX_LISTED])
        more = f" and {len(unknown) - MAX_LISTED} more" if len(unknown) > MAX_LISTED else ""
        raise ValidationError(
            f"traceIds: unknown trace id{'s' if len(unknown) > 1 else ''} {shown}{more}",
            details={"field": "traceIds", "unknown": unknown[:MAX_LISTED], "count": len(unknown)},
        )
    return ids


# -- tasks -------------------------------------------------------------------------------------
def create_task(
    scope: Scope,
    *,
    name: str,
    trace_ids: list[int],
    instructions: str | None = None,
    label_options: list[str] | None = None,
    created_by: str | None = None,
) -> dict[str, Any]:
    """Create a draft task with one item per (distinct) trace id; nothing is written on error."""
    clean_name = expect_row(_check_text(name, "name", MAX_NAME, required=True), "name")
    clean_instructions = _check_text(instructions, "instructions", MAX_TEXT)
    options = _check_label_options(label_options)
    ids = _check_trace_ids(scope, trace_ids)
    with scope.db.atomic():
        task_id = sql.insert_task(
            scope,
            name=clean_name,
            instructions=clean_instructions,
            label_options=options,
            trace_ids=ids,
            created_by=created_by,
        )
        rubrics.init_rubric(scope, "task", task_id, {"label_options": options}, created_by)
        events_sql.append_event(
            scope,
            "task_create",
            actor=created_by,
            payload={"task_id": task_id, "name": clean_name, "items": len(ids)},
        )
    return _public_task(expect_row(sql.get_task(scope, task_id), "the new task"))


def select_trace_ids(
    scope: Scope,
    run_id: str,
    case_filter: CaseFilter | None = None,
    *,
    case_ids: list[str] | None = None,
    limit: int = MAX_ITEMS,
) -> list[int]:
    """Trace ids of a run's cases: named case ids (all must exist) or those matching a filter."""
    run = require_run(scope, run_id)
    if case_ids is not None:
        wanted = list(dict.fromkeys(c.strip() for c in case_ids if c.strip()))
        found = runs_sql.resolve_case_ids(scope, run["run_id"], wanted)
        missing = [c for c in wanted if c not in found]
        if missing:
            shown = ", ".join(missing[:MAX_LISTED])
            raise ValidationError(
                f"case ids not in run {run['run_id']}: {shown}",
                details={"field": "case_ids", "unknown": missing[:MAX_LISTED]},
            )
        return [found[c] for c in wanted]
    return runs_sql.matching_trace_ids(scope, run["run_id"], case_filter or CaseFilter(), limit)


def create_task_from_run(
    scope: Scope,
    *,
    run_id: str,
    name: str,
    case_filter: CaseFilter | None = None,
    case_ids: list[str] | None = None,
    limit: int = MAX_ITEMS,
    instructions: str | None = None,
    label_options: list[str] | None = None,
    created_by: str | None = None,
) -> dict[str, Any]:
    """Create a task over a run's selection (named cases or a filter, at most `limit`)."""
    ids = select_trace_ids(scope, run_id, case_filter, case_ids=case_ids, limit=limit)
    if not ids:
        raise ValidationError(
            "no cases of the run match the selection", details={"field": "traceIds"}
        )
    return create_task(
        scope,
        name=name,
        trace_ids=ids,
        instructions=instructions,
        label_options=label_options,
        created_by=created_by,
    )


def list_tasks(scope: Scope) -> list[dict[str, Any]]:
    """The organization's tasks with progress (itemCount, completedCount), newest first."""
    return [_public_task(row) for row in sql.list_tasks(scope)]


def require_task(scope: Scope, task_id: str) -> dict[str, Any]:
    """The task row, or NotFoundError naming the id."""
    row = sql.get_task(scope, str(task_id))
    if row is None:
        raise NotFoundError(f"task {task_id} not found", details={"task_id": str(task_id)})
    return row


def get_task(scope: Scope, task_id: str, *, blind_for: str | None = None) -> dict[str, Any]:
    """A task with its items in order, each with its label and the trace's content.

    `blind_for` (an annotator's name): other raters' labels and notes are withheld; the item
    still shows when and by whom it was labelled, so nobody labels it twice.
    """
    task = _public_task(require_task(scope, task_id))
    answers = sql.item_answers(scope, task["id"])
    rows = sql.list_items(scope, task["id"])
    task["items"] = [_public_item(_attach(row, answers)) for row in rows]
    task["rubricVersion"] = rubrics.latest_version(scope, task["id"])
    if blind_for is not None:
        for item in task["items"]:
            if item["labeledBy"] not in (None, blind_for):
                item["label"] = item["notes"] = item["answers"] = None
    return task


def next_unlabelled(task: dict[str, Any], after: str | None = None) -> dict[str, Any] | None:
    """The first unlabelled item after item `after` (wrapping around), or None when all are."""
    items = task.get("items") or []
    start = next((i + 1 for i, it in enumerate(items) if it["id"] == after), 0)
    for item in items[start:] + items[:start]:
        if item["label"] is None and item.get("labeledAt") is None and item["id"] != after:
            return item
    return None


@contextmanager
def task_lock(scope: Scope, task_id: str) -> Iterator[None]:
    """Serialise the writes of one task (labels, rubric changes) within this process."""
    with _LABEL_LOCKS[hash((scope.org_id, str(task_id))) % len(_LABEL_LOCKS)]:
        yield


def _check_shown_order(shown_order: str | None, item: dict[str, Any]) -> None:
    """A pairwise side order applies to an item with two responses only."""
    if shown_order is None:
        return
    if shown_order not in ("AB", "BA") or (item["output_a"] is None and item["output_b"] is None):
        raise ValidationError(
            "shownOrder (AB or BA) applies to pairwise items only",
            details={"field": "shownOrder"},
        )


def _labelled(
    scope: Scope,
    task: dict[str, Any],
    item_id: str,
    write: Callable[[dict[str, Any]], None],
) -> dict[str, Any]:
    """Run one label's writes under the task lock, retrying a DuckDB write conflict."""
    for attempt in range(_ATTEMPTS):
        try:
            with task_lock(scope, task["task_id"]), scope.db.atomic():
                write(_require_item(scope, task["task_id"], item_id))
            break
        except TransactionConflict:
            if attempt == _ATTEMPTS - 1:
                raise ConflictError(
                    "the task is being labelled concurrently; try again",
                    details={"task_id": task["task_id"], "item_id": str(item_id)},
                ) from None
            time.sleep(0.005 * 2**attempt)
    done = expect_row(sql.get_item(scope, task["task_id"], str(item_id)), "the task item")
    return _public_item(_attach(done, sql.item_answers(scope, task["task_id"])))


def _require_item(scope: Scope, task_id: str, item_id: str) -> dict[str, Any]:
    """The task item, or NotFoundError naming `itemId`."""
    item = sql.get_item(scope, task_id, str(item_id))
    if item is None:
        raise NotFoundError(
            f"item {item_id} not found in task {task_id}",
            details={"field": "itemId", "task_id": task_id, "item_id": str(item_id)},
        )
    return item


def label_item(
    scope: Scope,
    task_id: str,
    item_id: str,
    *,
    label: str,
    notes: str | None = None,
    actor: str,
    shown_order: str | None = None,
) -> dict[str, Any]:
    """Label one item as `actor` (the caller's identity, never from a request body).

    The latest label wins; the previous one is kept in the event log. Labels of one task are
    serialised by a process lock; a DuckDB write conflict that still happens (another writer)
    is retried, and answers 409 only when it persists. The label is recorded as the answer to
    `label` under the task's newest rubric version.
    """
    if not actor:
        raise ValidationError("a label needs the rater's identity", details={"field": "labeledBy"})
    task = require_task(scope, task_id)
    clean_label = (label or "").strip()
    if clean_label not in task["label_options"]:
        raise ValidationError(
            f"label: {clean_label!r} is not one of this task's options "
            f"({', '.join(task['label_options'])})",
            details={"field": "label", "options": task["label_options"]},
        )
    clean_notes = _check_text(notes, "notes", MAX_TEXT)

    def write(item: dict[str, Any]) -> None:
        """The label's writes, inside the transaction."""
        _check_shown_order(shown_order, item)
        version = rubrics.latest_version(scope, task["task_id"])
        _write_label(
            scope,
            task["task_id"],
            item,
            label=clean_label,
            score=None,
            notes=clean_notes,
            actor=actor,
            version=version,
            answers={"label": (clean_label, None)},
            shown_order=shown_order,
        )

    return _labelled(scope, task, item_id, write)


def answer_item(
    scope: Scope,
    task_id: str,
    item_id: str,
    *,
    answers: dict[str, Any],
    notes: str | None = None,
    actor: str,
    shown_order: str | None = None,
) -> dict[str, Any]:
    """Record all of `actor`'s answers to the task's rubric for one item, atomically.

    Every answer is validated against its question first (400 naming `answers.<question>`);
    nothing is written unless all are valid. Answering again replaces the earlier answers.
    """
    if not actor:
        raise ValidationError("a label needs the rater's identity", details={"field": "labeledBy"})
    task = require_task(scope, task_id)
    clean_notes = _check_text(notes, "notes", MAX_TEXT)
    rubric = rubrics.get_task_rubric(scope, task["task_id"])
    cleaned = rubrics.check_answers(rubric["questions"], answers)
    label, score = rubrics.headline(rubric["questions"], cleaned)

    def write(item: dict[str, Any]) -> None:
        """The answers' writes, inside the transaction (the version is re-read under the lock)."""
        _check_shown_order(shown_order, item)
        version = rubrics.latest_version(scope, task["task_id"])
        if version != rubric["version"]:
            raise ConflictError(
                f"the task's rubric changed to version {version} while you answered; "
                "reload it and answer again",
                details={"field": "answers", "rubric_version": version},
            )
        _write_label(
            scope,
            task["task_id"],
            item,
            label=label,
            score=score,
            notes=clean_notes,
            actor=actor,
            version=version,
            answers=cleaned,
            shown_order=shown_order,
        )

    return _labelled(scope, task, item_id, write)


def _write_label(
    scope: Scope,
    task_id: str,
    item: dict[str, Any],
    *,
    label: str | None,
    score: float | None,
    notes: str | None,
    actor: str,
    version: int,
    answers: dict[str, tuple[str | None, float | None]],
    shown_order: str | None,
) -> None:
    """The writes of one label, inside the caller's transaction (so a retry redoes all)."""
    from evalguard_core.store import rubrics as rubrics_sql

    now = scope.now()
    previous = (
        {
            "label": item["label"],
            "notes": item["notes"],
            "labeled_by": item["labeled_by"],
            "labeled_at": item["labeled_at"],
        }
        if item["labeled_at"] is not None
        else None
    )
    sql.set_item_label(
        scope,
        task_id,
        item["item_id"],
        label=label,
        notes=notes,
        labeled_at=now,
        labeled_by=actor,
    )
    annotation_id = sql.upsert_task_annotation(
        scope,
        task_id=task_id,
        run_id=item["run_id"],
        trace_id=int(item["trace_id"]),
        annotator=actor,
        label=label,
        score=score,
        comment=notes,
        now=now,
    )
    row = expect_row(rubrics_sql.annotation_row(scope, annotation_id), "the task label")
    rubrics_sql.replace_answers(scope, row, version, answers)
    sql.refresh_task_status(scope, task_id, now)
    events_sql.append_event(
        scope,
        "task_label",
        actor=actor,
        trace_id=int(item["trace_id"]),
        annotation_id=annotation_id,
        payload={
            "task_id": task_id,
            "item_id": item["item_id"],
            "label": label,
            "notes": notes,
            "rubric_version": version,
            "answers": {k: rubrics.public_value(v) for k, v in answers.items()},
            "previous": previous,
            **({"shown_order": shown_order} if shown_order else {}),
        },
    )
