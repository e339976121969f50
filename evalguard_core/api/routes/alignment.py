"""The judge alignment report over REST."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from evalguard_core import reports
from evalguard_core.api.deps import ERROR_RESPONSES, ScopeDep, Viewer
from evalguard_core.auth import require_sighted
from evalguard_core.models.alignment import AlignmentReport
from evalguard_core.textlist import split_list

router = APIRouter(prefix="/v1/alignment", tags=["alignment"], responses=ERROR_RESPONSES)


@router.get(
    "",
    response_model=AlignmentReport,
    summary="Judge vs human alignment report (DESIGN §6)",
)
def alignment_report(
    scope: ScopeDep,
    actor: Viewer,
    run_id: str,
    judge: str,
    queue_id: str | None = None,
    task_id: str | None = None,
    reference: Annotated[
        str, Query(description="consensus, each, or a rater's name")
    ] = "consensus",
    label_order: Annotated[str | None, Query(description="a,b,c declares ordinal labels")] = None,
    n_boot: Annotated[int, Query(ge=0, le=5000)] = reports.DEFAULT_N_BOOT,
    seed: int = reports.DEFAULT_SEED,
    fail_under: Annotated[list[str] | None, Query(description="METRIC=VALUE gates")] = None,
    on: Annotated[str, Query(pattern="^(ci_low|point)$")] = "ci_low",
    allow_small: Annotated[
        bool, Query(description="gate even with fewer than 30 compared items")
    ] = False,
) -> dict[str, Any]:
    """Agreement between a judge scorer and the human labels, every metric with a 95% CI.
    Not for annotators (403): raters label blind to the judge and to each other."""
    require_sighted(actor, "the judge's verdicts or other raters' labels")
    order = split_list(label_order)
    report = reports.build_report(
        scope,
        run_id=run_id,
        judge=judge,
        queue_id=queue_id,
        task_id=task_id,
        reference=reference,
        label_order=order,
        n_boot=n_boot,
        seed=seed,
    )
    if fail_under:
        reports.gate_report(report, fail_under, on=on, allow_small=allow_small)
    return report
