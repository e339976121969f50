"""Models for rubrics: questions, a rubric version, answers for one item, per-question reports."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import Field

from evalguard_core.models import InputModel, OutputModel

QuestionKind = Literal["single_choice", "multiple_choice", "rating", "number", "text"]


class QuestionIn(InputModel):
    """One question of a rubric as an admin defines it."""

    name: str = Field(min_length=1, max_length=64)
    kind: QuestionKind
    options: list[str] | None = Field(default=None, max_length=50)
    scale_min: float | None = Field(default=None, allow_inf_nan=False)
    scale_max: float | None = Field(default=None, allow_inf_nan=False)
    step: float | None = Field(default=None, allow_inf_nan=False)
    min_label: str | None = Field(default=None, max_length=200)
    max_label: str | None = Field(default=None, max_length=200)
    required: bool = True
    description: str | None = Field(default=None, max_length=5_000)


class RubricSet(InputModel):
    """`PUT /api/v1/annotations/queues/{id}/rubric` (admin): the whole rubric, in order."""

    questions: list[QuestionIn] = Field(min_length=1, max_length=50)


class Question(OutputModel):
    """One stored question."""

    name: str
    kind: str
    options: list[str] | None = None
    scale_min: float | None = None
    scale_max: float | None = None
    step: float | None = None
    min_label: str | None = None
    max_label: str | None = None
    required: bool
    description: str | None = None


class Rubric(OutputModel):
    """A queue's (or task's) rubric at one version, and every version it has."""

    queue_id: str | None = None
    task_id: str | None = None
    version: int
    latest_version: int
    versions: list[int]
    questions: list[Question]
    changed: bool | None = None


class AnswersCreate(InputModel):
    """`POST /api/v1/annotations/answers`: every answer for one item; the rater is the caller."""

    queue_id: UUID
    target_id: str | int = Field(description="`<run_id>:<case_id>` or a numeric trace id")
    answers: dict[str, Any] = Field(description="question name to value")
    comment: str | None = Field(default=None, max_length=10_000)


class AnswersCreated(OutputModel):
    """The stored label and the answers as validated."""

    success: bool = True
    annotation_id: str
    updated: bool = False
    item_id: int | None = None
    item_status: str | None = None
    lease: str | None = None
    rubric_version: int
    answers: dict[str, Any]


class QuestionSummary(OutputModel):
    """One row of the per-question summary table."""

    question: str
    judge: str
    rubric_version: int | None = None
    n: int | None = None
    metric: str
    value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    inter_rater: dict[str, Any] | None = None


class QuestionReports(OutputModel):
    """`GET /api/v1/alignment/questions`: one report per question and the summary."""

    run_id: str
    queue_id: str | None = None
    reports: dict[str, Any]
    summary: list[QuestionSummary]


class AnswerRows(OutputModel):
    """`GET /api/v1/runs/{run_id}/answers`: rows in the wide or long layout."""

    run_id: str
    layout: str
    rows: list[dict[str, Any]]
