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
        str, Query(description="consensus, each, dawid-skene, or a rater's name")
    ] = "consensus",
    label_order: Annotated[str | None, Query(description="a,b,c declares ordinal labels")] = None,
    positive: Annotated[
        str | None, Query(description="the passing label for the corrected pass rate")
    ] = None,
    n_boot: Annotated[int, Query(ge=0, le=5000)] = reports.DEFAULT_N_BOOT,
    seed: int = reports.DEFAULT_SEED,
    fail_under: Annotated[list[str] | None, Query(description="METRIC=VALUE gates")] = None,
    on: Annotated[str, Query(pattern="^(ci_low|point)$")] = "ci_low",
    group_by: Annotated[
        str | None, Query(description="a case field or metadata key: metric per group, averaged")
    ] = None,
    sequential: Annotated[
        bool, Query(description="gate on anytime-valid confidence sequences (re-run per batch)")
    ] = False,
    allow_small: Annotated[
        bool, Query(description="gate even with fewer than 30 compared items")
    ] = False,
    swapped_judge: Annotated[
        str | None, Query(description="position bias: the scorer that saw B first")
    ] = None,
    swapped_positional: Annotated[
        bool, Query(description="swapped_judge's labels name positions (A = shown first)")
    ] = False,
    order_field: Annotated[
        str | None, Query(description="position bias: case field / metadata key, AB or BA")
    ] = None,
    rater_model: Annotated[
        bool, Query(description="Dawid-Skene over the humans and the judge")
    ] = False,
    alt_test_epsilon: Annotated[
        float | None, Query(description="run the alt-test with this epsilon (3+ raters)")
    ] = None,
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
        positive=positive,
        sequential=list(fail_under or []) if sequential else None,
        group_by=group_by,
        swapped_judge=swapped_judge,
        swapped_positional=swapped_positional,
        order_field=order_field,
        rater_model=rater_model,
        alt_test_epsilon=alt_test_epsilon,
    )
    if fail_under:
        reports.gate_report(report, fail_under, on=on, allow_small=allow_small)
    return report


@router.get("/decision", summary="Label until decided: pass / fail / not yet for a queue")
def queue_decision(
    scope: ScopeDep,
    actor: Viewer,
    queue_id: str,
    fail_under: Annotated[
        list[str] | None,
        Query(description="METRIC=VALUE bars: accuracy, tpr, tnr, human_pass_rate"),
    ] = None,
    judge: Annotated[str | None, Query(description="the judge scorer (default: first)")] = None,
    run_id: Annotated[str | None, Query(description="default: the queue's main run")] = None,
) -> dict[str, Any]:
    """Whether the queue's labels already decide each bar (anytime-valid, safe to poll after
    every label), and about how many more labels a decision needs at the current agreement."""
    require_sighted(actor, "the judge's verdicts")
    return reports.queue_decision(
        scope, queue_id, fail_under=list(fail_under or []), judge=judge, run_id=run_id
    )
