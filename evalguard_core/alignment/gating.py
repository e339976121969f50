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

# Fewest compared items the gate will pass on without --allow-small.
GATE_MIN_N = 30


def gate_block(
    report: dict[str, Any],
    specs: list[str],
    *,
    on: str = "ci_low",
    allow_small: bool = False,
) -> dict[str, Any]:
    """The report's `gate` section: one builder for the API and the CLI (ValueError on bad spec)."""
    thresholds = parse_thresholds(specs)
    passed, reasons = gate(report, thresholds, on=on, allow_small=allow_small)
    return {
        "passed": passed,
        "reasons": reasons,
        "on": on,
        "thresholds": list(specs),
        "n": report.get("n"),
        "min_n": GATE_MIN_N,
        "allow_small": allow_small,
    }


def _lookup(report: dict[str, Any], name: str) -> dict[str, Any] | None:
    """The metric entry a gate name refers to (weighted:<m>, fleiss_kappa, or a plain metric)."""
    if name.startswith(WEIGHTED_PREFIX):
        return (report.get("weighted") or {}).get("metrics", {}).get(name[len(WEIGHTED_PREFIX) :])
    if name == "fleiss_kappa" and name not in report.get("metrics", {}):
        return (report.get("inter_rater") or {}).get("fleiss_kappa")
    return report.get("metrics", {}).get(name)


def small_sample_reason(report: dict[str, Any], min_n: int = GATE_MIN_N) -> str | None:
    """Why the gate refuses to pass on too few compared items (None when there are enough)."""
    n = int(report.get("n") or 0)
    if n >= min_n:
        return None
    return (
        f"only {n} item(s) compared: the gate needs at least {min_n}, label {min_n - n} more "
        "(or pass --allow-small / allow_small=true to gate anyway)"
    )


def gate(
    report: dict[str, Any],
    thresholds: dict[str, float],
    *,
    on: str = "ci_low",
    allow_small: bool = False,
    min_n: int = GATE_MIN_N,
) -> tuple[bool, list[str]]:
    """Check thresholds on the CI bound (or point with on='point'); returns (passed, reasons).

    Below `min_n` compared items the gate does not pass (an interval's promise is asymptotic
    and a judge exactly at the bar passes too often there) unless `allow_small`.
    """
    if on not in ("ci_low", "point"):
        raise ValueError("on must be 'ci_low' or 'point'")
    reasons: list[str] = []
    small = small_sample_reason(report, min_n)
    if small and not allow_small:
        reasons.append(small)
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
