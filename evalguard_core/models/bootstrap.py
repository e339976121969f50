"""Models for bootstrapping queues from runs, and for background jobs."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import Field

from evalguard_core.models import Count, InputModel, Number, OutputModel
from evalguard_core.sampling import MAX_EDGES, MAX_SAMPLE, MAX_SEED, MIN_SAMPLE

Strategy = Literal["score", "latency", "scorer", "none"]
Allocation = Literal["equal", "proportional"]


class BootstrapRequest(InputModel):
    """`POST /api/v1/annotations/bootstrap`: sample a run's cases into a queue."""

    queue_id: UUID
    run_id: UUID
    sample_count: Count = Field(100, ge=MIN_SAMPLE, le=MAX_SAMPLE)
    stratify_by: Strategy = "score"
    scorer: str | None = Field(
        None,
        description="score: a numeric scorer (default: the run's first, alphabetically); "
        "scorer: a scorer with labels (default: the run's first with labels)",
    )
    edges: list[Number] | None = Field(
        None,
        min_length=1,
        max_length=MAX_EDGES,
        description="score: [a, b] → low < a <= borderline < b <= high (default [0.4, 0.6] "
        "for scores in [0, 1], else terciles); latency: milliseconds (default p50, p90)",
    )
    allocation: Allocation = Field(
        "equal", description="equal (default, active learning) or proportional to stratum size"
    )
    seed: Count | None = Field(
        None, ge=0, le=MAX_SEED, description="same seed, same run, same queue → same sample"
    )


class JobAccepted(OutputModel):
    """202 answer: poll `GET /api/v1/jobs/{job_id}`."""

    job_id: str


class JobPublic(OutputModel):
    """`GET /api/v1/jobs/{job_id}`."""

    job_id: str
    kind: str
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: float
    result: dict[str, Any] | None = None
    error: str | None = None
    created_by: str | None = None
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None


class StratumPublic(OutputModel):
    """One stratum of a plan."""

    stratum: str
    lower: float | None = None
    upper: float | None = None
    population: int
    allocated: int
    inclusion_prob: float | None = None


class BootstrapPreview(OutputModel):
    """`GET /api/v1/annotations/bootstrap/preview`: the plan, nothing written."""

    queue_id: str
    run_id: str
    run_cases: int
    already_in_queue: int
    eligible: int
    sample_count: int
    total_allocated: int
    stratify_by: Strategy
    scorer: str | None = None
    edges: list[float]
    edges_source: str
    allocation: Allocation
    strata: list[StratumPublic]
    histogram: list[dict[str, Any]]
    warnings: list[str]
