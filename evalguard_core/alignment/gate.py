"""The CI gate: thresholds on a report's interval bounds."""

from __future__ import annotations

import math
from typing import Any

from evalguard_core.alignment.common import (
    BASE_METRICS,
    LOWER_IS_BETTER,
    PER_CLASS_PREFIXES,
    WEIGHTED_PREFIX,
)


def _lookup(report: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The metric entry a gate name refers to (weighted:<m>, fleiss_kappa, or a plain metric)."""
    if name.startswith(WEIGHTED_PREFIX):
        return (report.get("weighted") or {}).get("metrics", {}).get(name[len(WEIGHTED_PREFIX) :])
    if name == "fleiss_kappa" and name not in report.get("metrics", {}):
        return (report.get("inter_rater") or {}).get("fleiss_kappa")
    return report.get("metrics", {}).get(name)


def gate(
    report: dict[str, Any], thresholds: dict[str, float], *, on: str = "ci_low"
) -> tuple[bool, list[str]]:
    """Check thresholds on the CI bound (or point with on='point'); returns (passed, reasons)."""
    if on not in ("ci_low", "point"):
        raise ValueError("on must be 'ci_low' or 'point'")
    reasons: list[str] = []
    for name, threshold in thresholds.items():
        entry = _lookup(report, name)
        if entry is None:
            available = ", ".join(sorted(report.get("metrics", {}))) or "none"
            reasons.append(f"{name}: not in the report (available: {available})")
            continue
        lower_better = name.removeprefix(WEIGHTED_PREFIX) in LOWER_IS_BETTER
        # For error metrics (mae) "under" means too high: check the pessimistic end, ci_high.
        field_name = "value" if on == "point" else ("ci_high" if lower_better else "ci_low")
        observed = entry.get(field_name)
        if observed is None:
            reasons.append(f"{name}: {field_name} is undefined for this data")
        elif lower_better and observed > threshold:
            reasons.append(f"{name}: {field_name} {observed:.4f} > {threshold:g}")
        elif not lower_better and observed < threshold:
            reasons.append(f"{name}: {field_name} {observed:.4f} < {threshold:g}")
    return not reasons, reasons


def _known_metric(name: str) -> bool:
    """True for a metric name the report can contain."""
    name = name.removeprefix(WEIGHTED_PREFIX)
    if name in BASE_METRICS:
        return True
    return any(name.startswith(p) and len(name) > len(p) for p in PER_CLASS_PREFIXES)


def parse_thresholds(specs: list[str]) -> dict[str, float]:
    """Parse ["cohen_kappa=0.6", ...] into {metric: threshold}; ValueError on a bad spec."""
    out: dict[str, float] = {}
    for spec in specs:
        if not isinstance(spec, str) or "=" not in spec:
            raise ValueError(f"bad threshold {spec!r}: expected METRIC=VALUE, e.g. cohen_kappa=0.6")
        # Split on the last '=': a per-class metric's label may itself contain '='.
        name, _, raw = spec.rpartition("=")
        name, raw = name.strip(), raw.strip()
        if not name:
            raise ValueError(f"bad threshold {spec!r}: the metric name is empty")
        if not _known_metric(name):
            raise ValueError(
                f"bad threshold {spec!r}: unknown metric {name!r}; known: "
                f"{', '.join(BASE_METRICS)}, precision:<label>, recall:<label>, f1:<label> "
                f"(prefix {WEIGHTED_PREFIX!r} for design-weighted figures)"
            )
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"bad threshold {spec!r}: {raw!r} is not a number") from None
        if not math.isfinite(value):
            raise ValueError(f"bad threshold {spec!r}: the value must be finite")
        if name in out and out[name] != value:
            raise ValueError(f"bad threshold {spec!r}: {name} is given twice with different values")
        out[name] = value
    return out
