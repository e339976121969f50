"""The Bootstrap page's choices: the queue offered first, how a queue reads, the job shown."""

from __future__ import annotations

from typing import Any

from evalguard_core import jobs
from evalguard_core.errors import NotFoundError
from evalguard_core.store import Scope


def queue_choice(queue: dict[str, Any], run_id: str) -> str:
    """How a queue reads in the Queue box: name, target type and what it holds already."""
    runs = queue["runs"]
    mine = runs.get(str(run_id), 0)
    others = sum(n for r, n in runs.items() if r != str(run_id))
    held = []
    if mine:
        held.append(f"{mine:,} of this run")
    if others:
        held.append(f"{others:,} of other runs")
    return f"{queue['name']} ({queue['target_type']}) · " + (", ".join(held) or "empty")


def default_queue(ranked: list[dict[str, Any]], created: str | None) -> str | None:
    """The queue to preselect: the one just created here, else the first that mixes no runs.

    `ranked` is `bootstrap.queues_for_run`'s list (best first). None means a new queue.
    """
    fine = [q["queue_id"] for q in ranked if not q["mixes"]]
    if created in fine:
        return created
    return fine[0] if fine else None


def job_for(
    scope: Scope, started: dict[str, Any] | None, queue_id: str, run_id: str
) -> dict[str, Any] | None:
    """The bootstrap job this session started for this queue and run, if any (else None)."""
    if not started or (started["queue_id"], started["run_id"]) != (queue_id, run_id):
        return None
    try:
        return jobs.get_job(scope, started["job_id"])
    except NotFoundError:  # jobs may be cleaned up; then there is nothing to show
        return None
