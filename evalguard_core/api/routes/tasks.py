"""Tasks (seed 003): list, create, show with items, label an item. Paths and fields exact."""

from __future__ import annotations

from fastapi import APIRouter

from evalguard_core import tasks
from evalguard_core.api.deps import ERROR_RESPONSES, Admin, Annotator, ScopeDep, Viewer
from evalguard_core.models.tasks import (
    TaskCreate,
    TaskDetail,
    TaskItemPublic,
    TaskLabel,
    TaskList,
    TaskPublic,
)

router = APIRouter(prefix="/annotations/tasks", tags=["tasks"], responses=ERROR_RESPONSES)


@router.get("", response_model=TaskList, summary="List tasks")
def list_tasks(scope: ScopeDep, _: Viewer) -> dict:
    """The organization's tasks with status, itemCount and completedCount."""
    return {"tasks": tasks.list_tasks(scope)}


@router.post("", status_code=201, response_model=TaskPublic, summary="Create a task")
def create_task(body: TaskCreate, scope: ScopeDep, actor: Admin) -> dict:
    """Admin: a draft task over `traceIds`; unknown trace ids answer 400 naming them."""
    return tasks.create_task(
        scope,
        name=body.name,
        trace_ids=body.trace_ids,
        instructions=body.instructions,
        label_options=body.label_options,
        created_by=actor.name,
    )


@router.get("/{task_id}", response_model=TaskDetail, summary="Show a task with its items")
def get_task(task_id: str, scope: ScopeDep, actor: Viewer) -> dict:
    """The task with `items` (label, notes, labeledAt, labeledBy and the trace's content);
    annotators label blind and see only their own labels."""
    return tasks.get_task(scope, task_id, blind_for=actor.name if actor.blind else None)


@router.post(
    "/{task_id}/items",
    response_model=TaskItemPublic,
    summary="Label a task item",
    responses={409: ERROR_RESPONSES[404] | {"description": "Concurrent labels; retry"}},
)
def label_item(task_id: str, body: TaskLabel, scope: ScopeDep, actor: Annotator) -> dict:
    """Annotator: label an item; labeledBy is the key's name. Relabelling replaces the label."""
    return tasks.label_item(
        scope, task_id, body.item_id, label=body.label, notes=body.notes, actor=actor.name
    )
