"""Models for tasks, in the seed's camelCase (`traceIds`, `labelOptions`, `labeledBy` ...).

Request bodies accept the camelCase names only: the seed contract is camelCase, and one
spelling per field keeps "unknown field" errors unambiguous.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import Field

from evalguard_core import bounds
from evalguard_core.models import Count, InputModel, OutputModel


class TaskCreate(InputModel):
    """`POST /api/annotations/tasks`; `labelOptions` defaults to pass/fail."""

    name: str = Field(min_length=1, max_length=bounds.NAME_MAX_CHARS)
    trace_ids: list[Count] = Field(
        alias="traceIds",
        min_length=1,
        max_length=bounds.TASK_ITEMS_MAX,
        description="numeric trace ids",
    )
    instructions: str | None = Field(default=None, max_length=bounds.INSTRUCTIONS_MAX_CHARS)
    label_options: list[str] | None = Field(
        default=None,
        alias="labelOptions",
        min_length=1,
        max_length=bounds.TASK_LABEL_OPTIONS_MAX,
        description='default ["pass", "fail"]',
    )


class TaskLabel(InputModel):
    """`POST /api/annotations/tasks/{id}/items`; who and when come from the key, never the body."""

    item_id: str = Field(alias="itemId", min_length=1, max_length=64)
    label: str = Field(min_length=1, max_length=100, description="one of the task's labelOptions")
    notes: str | None = Field(default=None, max_length=bounds.INSTRUCTIONS_MAX_CHARS)


class TaskPublic(OutputModel):
    """A task with its progress."""

    id: str
    name: str
    instructions: str | None = None
    labelOptions: list[str]
    status: str = Field(description="draft | in_progress | completed")
    itemCount: int
    completedCount: int
    organizationId: str
    createdBy: str | None = None
    createdAt: datetime
    updatedAt: datetime


class TaskItemPublic(OutputModel):
    """One item of a task: its label and the content of its trace."""

    id: str
    taskId: str
    traceId: int
    position: int
    label: str | None = None
    notes: str | None = None
    labeledAt: datetime | None = None
    labeledBy: str | None = None
    caseId: str | None = None
    runId: str | None = None
    input: str | None = None
    output: str | None = None
    outputA: str | None = None
    outputB: str | None = None
    expected: str | None = None
    rubricVersion: int | None = Field(default=None, description="rubric version answered")
    answers: dict[str, Any] | None = Field(
        default=None, description="question name to answer, for the item's current label"
    )


class TaskDetail(TaskPublic):
    """`GET /api/annotations/tasks/{id}`: the task with its items in order."""

    rubricVersion: int = Field(description="the task's newest rubric version")
    items: list[TaskItemPublic]


class TaskAnswers(InputModel):
    """`POST /api/v1/annotations/tasks/{id}/answers`: every answer for one item, in one request."""

    item_id: str = Field(alias="itemId", min_length=1, max_length=64)
    answers: dict[str, Any] = Field(description="question name to value")
    notes: str | None = Field(default=None, max_length=bounds.INSTRUCTIONS_MAX_CHARS)


class TaskList(OutputModel):
    """`GET /api/annotations/tasks`."""

    tasks: list[TaskPublic]
