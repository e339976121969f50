"""Models for runs and cases."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from evalguard_core.models import OutputModel


class RunPublic(OutputModel):
    """A run as listed."""

    run_id: str
    name: str
    kind: str
    source: str | None = None
    cases: int
    created_at: datetime
    scorers: list[Any] = []


class RunDetail(RunPublic):
    """`GET /api/v1/runs/{run_id}`: the run with scorer summaries, latency and label counts."""

    latency_ms: dict[str, Any] | None = None
    human_labels: Any = None


class RunList(OutputModel):
    """`GET /api/v1/runs`."""

    runs: list[RunPublic]


class CaseContent(OutputModel):
    """What a case says: the text a rater reads (no scores)."""

    trace_id: int
    case_id: str
    input: str | None = None
    output: str | None = None
    output_a: str | None = None
    output_b: str | None = None
    expected: str | None = None
    metadata: dict[str, Any] = {}


class CasePublic(CaseContent):
    """One case with its latency and scores."""

    latency_ms: float | None = None
    scores: dict[str, Any] = {}


class CasePage(OutputModel):
    """`GET /api/v1/runs/{run_id}/cases`."""

    cases: list[CasePublic]
    total: int
    limit: int
    offset: int
