"""Routes for rubrics: a queue's questions, answering an item, per-question alignment, exports."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from evalguard_core import reports, rubrics, tasks
from evalguard_core.api.deps import ERROR_RESPONSES, Admin, Annotator, ScopeDep, Viewer
from evalguard_core.models.rubrics import (
    AnswerRows,
    AnswersCreate,
    AnswersCreated,
    QuestionReports,
    Rubric,
    RubricSet,
)
from evalguard_core.models.tasks import TaskAnswers, TaskItemPublic

router = APIRouter(prefix="/v1", tags=["rubrics"], responses=ERROR_RESPONSES)


@router.get(
    "/annotations/queues/{queue_id}/rubric", response_model=Rubric, summary="A queue's rubric"
)
def get_rubric(
    queue_id: str,
    scope: ScopeDep,
    _: Viewer,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> dict[str, Any]:
    """The newest rubric version (or the one named) and the list of versions."""
    return rubrics.get_rubric(scope, queue_id, version)


@router.put(
    "/annotations/queues/{queue_id}/rubric",
    response_model=Rubric,
    summary="Replace a queue's rubric (admin); a new version once labels exist",
)
def set_rubric(queue_id: str, body: RubricSet, scope: ScopeDep, actor: Admin) -> dict[str, Any]:
    """Write the rubric; unchanged questions keep the version, changed ones make a new one."""
    questions = [q.model_dump() for q in body.questions]
    return rubrics.set_rubric(scope, queue_id, questions, actor=actor.name)


@router.post(
    "/annotations/answers",
    response_model=AnswersCreated,
    summary="Answer every question of a rubric for one item (completes your claim)",
)
def answer_item(body: AnswersCreate, scope: ScopeDep, actor: Annotator) -> dict[str, Any]:
    """Validate the answers per question and store them with the label, atomically."""
    return rubrics.answer_item(
        scope,
        annotator=actor.name,
        queue_id=str(body.queue_id),
        target_id=body.target_id,
        answers=body.answers,
        comment=body.comment,
    )


@router.get("/annotations/tasks/{task_id}/rubric", response_model=Rubric, summary="A task's rubric")
def get_task_rubric(
    task_id: str,
    scope: ScopeDep,
    _: Viewer,
    version: Annotated[int | None, Query(ge=1)] = None,
) -> dict[str, Any]:
    """The newest rubric version of a task (or the one named) and the list of versions."""
    return rubrics.get_task_rubric(scope, task_id, version)


@router.put(
    "/annotations/tasks/{task_id}/rubric",
    response_model=Rubric,
    summary="Replace a task's rubric (admin); a new version once labels exist",
)
def set_task_rubric(task_id: str, body: RubricSet, scope: ScopeDep, actor: Admin) -> dict[str, Any]:
    """Write the task's rubric; once items are labelled a change makes a new version."""
    questions = [q.model_dump() for q in body.questions]
    return rubrics.set_task_rubric(scope, task_id, questions, actor=actor.name)


@router.post(
    "/annotations/tasks/{task_id}/answers",
    response_model=TaskItemPublic,
    summary="Answer every question of a task's rubric for one item",
    responses={409: ERROR_RESPONSES[404] | {"description": "Concurrent labels or a new rubric"}},
)
def answer_task_item(
    task_id: str, body: TaskAnswers, scope: ScopeDep, actor: Annotator
) -> dict[str, Any]:
    """Validate the answers per question and store them with the item's label, atomically."""
    return tasks.answer_item(
        scope, task_id, body.item_id, answers=body.answers, notes=body.notes, actor=actor.name
    )


@router.get(
    "/alignment/questions",
    response_model=QuestionReports,
    summary="One alignment report per rubric question, and a summary table",
)
def align_questions(
    scope: ScopeDep,
    _: Viewer,
    run_id: str,
    mapping: Annotated[str, Query(description="question=judge,question=judge")],
    queue_id: str | None = None,
    task_id: str | None = None,
    rubric_version: Annotated[
        str | None, Query(pattern=r"^(\d+|all)$", description="a version number, or all")
    ] = None,
    reference: str = "consensus",
    n_boot: Annotated[int, Query(ge=0, le=5000)] = reports.DEFAULT_N_BOOT,
    seed: int = reports.DEFAULT_SEED,
) -> dict[str, Any]:
    """Each mapped question's report against its judge; versions are never mixed silently."""
    return rubrics.align_questions(
        scope,
        run_id=run_id,
        mapping=rubrics.parse_mapping(mapping),
        queue_id=queue_id,
        task_id=task_id,
        rubric_version=rubric_version,
        reference=reference,
        n_boot=n_boot,
        seed=seed,
    )


@router.get(
    "/runs/{run_id}/answers",
    response_model=AnswerRows,
    summary="A run's rubric answers: one column per question (wide) or one row each (long)",
)
def export_answers(
    run_id: str,
    scope: ScopeDep,
    _: Viewer,
    layout: Annotated[str, Query(pattern="^(wide|long)$")] = "wide",
    queue_id: str | None = None,
) -> dict[str, Any]:
    """The answers of a run (or of one queue of it)."""
    rows = rubrics.answers_table(scope, run_id, queue_id=queue_id, layout=layout)
    return {"run_id": run_id, "layout": layout, "rows": rows}
