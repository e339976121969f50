"""Routes for background jobs (e.g. bootstraps): status, progress, result or error."""

from __future__ import annotations

from fastapi import APIRouter

from evalguard_core import jobs
from evalguard_core.api.deps import ERROR_RESPONSES, ScopeDep, Viewer
from evalguard_core.auth import require_sighted
from evalguard_core.models.bootstrap import JobPublic

router = APIRouter(prefix="/v1/jobs", tags=["jobs"], responses=ERROR_RESPONSES)


@router.get("/{job_id}", response_model=JobPublic, summary="Job status", name="get_job")
def get_job(job_id: str, scope: ScopeDep, actor: Viewer) -> dict:
    """queued | running | succeeded | failed, with progress 0..1 and the result or error.
    Not for annotators (403): a bootstrap's result describes the judge's score strata."""
    require_sighted(actor, "job results (sampling strata from the judge's scores)")
    return jobs.get_job(scope, job_id)
