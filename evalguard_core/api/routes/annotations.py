"""Route for creating annotations; the annotator is the authenticated key's name."""

from __future__ import annotations

from fastapi import APIRouter

from evalguard_core import annotations as annotation_service
from evalguard_core.api.deps import ERROR_RESPONSES, Annotator, ScopeDep
from evalguard_core.api.routes.queues import CONFLICT
from evalguard_core.models.queues import AnnotationCreate, AnnotationCreated

router = APIRouter(prefix="/v1/annotations", tags=["annotations"], responses=ERROR_RESPONSES)


@router.post(
    "",
    response_model=AnnotationCreated,
    responses=CONFLICT,
    summary="Label a target",
)
def create_annotation(body: AnnotationCreate, scope: ScopeDep, actor: Annotator) -> dict:
    """Label a target (in a queue or free-standing); any field beyond the six is a 400."""
    return annotation_service.create_annotation(
        scope,
        annotator=actor.name,
        target_id=body.target_id,
        target_type=body.target_type,
        label=body.label,
        score=body.score,
        comment=body.comment,
        queue_id=str(body.queue_id) if body.queue_id else None,
        source="api",
    )
