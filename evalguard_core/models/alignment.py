"""Response model of the alignment report (DESIGN §6); extra sections pass through."""

from __future__ import annotations

from typing import Any

from evalguard_core.models import OutputModel


class MetricValue(OutputModel):
    """A metric's point value and 95% confidence interval (None when undefined)."""

    value: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    method: str | None = None  # wilson, bca, bootstrap (percentile fallback) or jackknife


class AlignmentReport(OutputModel):
    """`GET /api/v1/alignment`: judge vs human on the items both labelled."""

    n: int
    judge: str
    reference: str
    metrics: dict[str, MetricValue] = {}
    confusion: dict[str, Any] | None = None
    inter_rater: dict[str, Any] | None = None
    per_stratum: list[Any] = []
    weighted: dict[str, Any] | None = None
    pass_rate: dict[str, Any] | None = None
    sequential: dict[str, Any] | None = None
    grouped: dict[str, Any] | None = None
    position_bias: dict[str, Any] | None = None
    rater_model: dict[str, Any] | None = None
    alt_test: dict[str, Any] | None = None
