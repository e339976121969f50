"""The home dashboard's content: what is in the store and what to do next, per role."""

from __future__ import annotations

from typing import Any

from evalguard_core import queues, reports, runs, tasks
from evalguard_core.auth import Actor
from evalguard_core.errors import EvalGuardError
from evalguard_core.store import Scope

MAX_VERDICT_RUNS = 3


def _latest_verdicts(scope: Scope, run_list: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The judge's verdict for the newest runs that have human labels.

    The same report configuration and verdict as the Alignment page (reports.verdict), so the
    two pages never show different numbers for the same data.
    """
    verdicts: list[dict[str, Any]] = []
    for run in run_list:
        if len(verdicts) >= MAX_VERDICT_RUNS:
            break
        judges = reports.judge_candidates(scope, run["run_id"])
        if not judges:
            continue
        try:
            report = reports.build_report(scope, run_id=run["run_id"], judge=judges[0])
        except EvalGuardError:
            continue  # no human labels yet for this run
        v = reports.verdict(report)
        verdicts.append(
            {
                "run_id": run["run_id"],
                "run": run["name"],
                "judge": judges[0],
                "n": report["n"],
                "metric": v["metric"],
                "bar": v["bar"],
                **(v["entry"] or {}),
                "passed": v["passed"],
                "reasons": v["reasons"],
                "headline": v["headline"],
                "ceiling": v["ceiling"],
            }
        )
    return verdicts


def _next_steps(actor: Actor, run_list: list, queue_list: list, verdicts: list) -> list[str]:
    """Plain-language suggestions for what to do next."""
    steps = []
    if not run_list:
        steps.append("Import an eval run: Runs page → Import, or `evalguard import FILE`.")
        return steps
    if actor.can("admin") and not queue_list:
        steps.append("Bootstrap a queue from a run: Bootstrap page (stratified by score).")
    open_queues = [q for q in queue_list if q["progress"]["done"] < q["progress"]["total"]]
    if open_queues and actor.can("annotator"):
        steps.append(f"Label items: {len(open_queues)} queue(s) still have work (Label page).")
    if verdicts:
        steps.append("Read the judge's verdict with its uncertainty on the Alignment page.")
    elif queue_list:
        steps.append("Once items are labelled, check the judge on the Alignment page.")
    return steps


def overview(scope: Scope, actor: Actor) -> dict[str, Any]:
    """Runs, queues with progress, tasks, latest verdicts and next steps for this actor."""
    run_list = runs.list_runs(scope)
    queue_list = queues.list_queues(scope)
    task_list = tasks.list_tasks(scope)
    verdicts = _latest_verdicts(scope, run_list) if actor.can("viewer") else []
    return {
        "runs": run_list,
        "queues": queue_list,
        "tasks": task_list,
        "verdicts": verdicts,
        "next_steps": _next_steps(actor, run_list, queue_list, verdicts),
        "rater_queues": [q for q in queue_list if q["progress"]["done"] < q["progress"]["total"]],
    }
