"""Routes for bootstrapping a queue from a run: preview (no writes) and the 202 job."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response

from evalguard_core import bootstrap
from evalguard_core.api.deps import ERROR_RESPONSES, Admin, ScopeDep, Viewer
from evalguard_core.auth import require_sighted
from evalguard_core.models.bootstrap import (
    Allocation,
    BootstrapPreview,
    BootstrapRequest,
    JobAccepted,
    Strategy,
)
from evalguard_core.sampling import MAX_SAMPLE, MAX_SEED, MIN_SAMPLE

router = APIRouter(
    prefix="/v1/annotations/bootstrap", tags=["bootstrap"], responses=ERROR_RESPONSES
)


@router.post(
    "",
    status_code=202,
    response_model=JobAccepted,
    summary="Bootstrap a queue from a run (admin; runs as a job)",
)
def start(
    body: BootstrapRequest, request: Request, response: Response, scope: ScopeDep, actor: Admin
) -> dict:
    """Validate, then draw a stratified sample in the background; poll the job for the result."""
    params = body.model_dump()
    params["queue_id"], params["run_id"] = str(body.queue_id), str(body.run_id)
    job_id = bootstrap.start_bootstrap(scope, created_by=actor.name, **params)
    response.headers["Location"] = str(request.url_for("get_job", job_id=job_id))
    return {"job_id": job_id}


@router.get("/preview", response_model=BootstrapPreview, summary="Preview a bootstrap plan")
def preview(
    scope: ScopeDep,
    actor: Viewer,
    queue_id: UUID,
    run_id: UUID,
    sample_count: Annotated[int, Query(ge=MIN_SAMPLE, le=MAX_SAMPLE)] = 100,
    stratify_by: Strategy = "score",
    scorer: str | None = None,
    edges: Annotated[str | None, Query(description="comma-separated, e.g. 0.4,0.6")] = None,
    allocation: Allocation = "equal",
    seed: Annotated[int | None, Query(ge=0, le=MAX_SEED)] = None,
) -> dict:
    """Strata with edges, eligible population, allocation, π and histogram bins; no writes.
    Not for annotators (403): the strata come from the judge's scores."""
    require_sighted(actor, "the judge's score distribution")
    return bootstrap.preview(
        scope,
        queue_id=str(queue_id),
        run_id=str(run_id),
        sample_count=sample_count,
        stratify_by=stratify_by,
        scorer=scorer,
        edges=edges,
        allocation=allocation,
        seed=seed,
    )
