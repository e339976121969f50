"""Read-only routes for runs and their cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from evalguard_core import runs
from evalguard_core.api.deps import ERROR_RESPONSES, MAX_OFFSET, ScopeDep, Viewer
from evalguard_core.models.runs import CasePage, RunDetail, RunList
from evalguard_core.runs import CaseFilter

router = APIRouter(prefix="/v1/runs", tags=["runs"], responses=ERROR_RESPONSES)


@router.get("", response_model=RunList, summary="List runs")
def list_runs(scope: ScopeDep, _: Viewer) -> dict:
    """Runs of the caller's organization with case counts and scorers."""
    return {"runs": runs.list_runs(scope)}


@router.get("/{run_id}", response_model=RunDetail, summary="Show one run")
def get_run(run_id: str, scope: ScopeDep, actor: Viewer) -> dict:
    """A run with scorer summaries, label distributions, latency and human-label counts
    (annotators, who label blind, get scorer names only)."""
    return runs.get_run_summary(scope, run_id, blind=actor.blind)


@router.get("/{run_id}/cases", response_model=CasePage, summary="List a run's cases")
def list_cases(
    run_id: str,
    scope: ScopeDep,
    actor: Viewer,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    scorer: str | None = None,
    score_min: float | None = None,
    score_max: float | None = None,
    label_scorer: Annotated[
        str | None, Query(description="scorer whose label to filter on")
    ] = None,
    label: str | None = None,
    q: Annotated[str | None, Query(description="text search in case id, input, output")] = None,
) -> dict:
    """A page of cases, filtered by score range, judge label or text, paged in DuckDB.
    Annotators label blind: no scores in the cases and no score or label filters (403)."""
    f = CaseFilter(
        scorer=scorer,
        score_min=score_min,
        score_max=score_max,
        label_scorer=label_scorer,
        label=label,
        search=q,
    )
    return runs.list_cases(scope, run_id, f, limit=limit, offset=offset, blind=actor.blind)
