"""Stratified sampling plans: strata definitions, default edges and allocation (pure, no I/O).

The store computes the numbers (counts, quantiles) in DuckDB; these functions decide what the
strata are and how many cases each gets, so they can be tested without a database.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from evalguard_core.errors import ValidationError
from evalguard_core.textlist import split_list

STRATEGIES = ("score", "latency", "scorer", "none")
ALLOCATIONS = ("equal", "proportional")
MIN_SAMPLE, MAX_SAMPLE = 1, 1000
MAX_SEED = 2**53

# Cases without a value for the stratifying variable form their own stratum, so the sample
# (and 1/π weighting) still covers the whole eligible population.
MISSING = "(missing)"
ALL = "all"
SCORE_STRATA = ("low", "borderline", "high")
LATENCY_STRATA = ("p0-p50", "p50-p90", "p90-p100")
LATENCY_QUANTILES = (0.5, 0.9)
# Scores that all lie in [0, 1] read as "pass at 0.5": borderline is the band around it.
UNIT_BORDERLINE = (0.4, 0.6)
TERCILES = (1 / 3, 2 / 3)
MAX_EDGES = 9


@dataclass(frozen=True)
class StrataSpec:
    """How cases are put into strata: a variable (score, latency, label) and its edges."""

    strategy: str
    scorer: str | None = None
    edges: tuple[float, ...] = ()
    names: tuple[str, ...] = (ALL,)
    edges_source: str = "none"  # default-unit | default-terciles | default-quantiles | caller

    @property
    def numeric(self) -> bool:
        """Whether strata are ranges of a number (score, latency)."""
        return self.strategy in ("score", "latency")


@dataclass
class Stratum:
    """One stratum of a plan: its population and how many cases it gets."""

    name: str
    population: int
    allocated: int = 0
    lower: float | None = None
    upper: float | None = None

    @property
    def inclusion_prob(self) -> float | None:
        """π = n_h / N_h, the chance each of its cases has to be drawn (None when empty)."""
        if self.population == 0 or self.allocated == 0:
            return None
        return self.allocated / self.population

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {
            "stratum": self.name,
            "lower": self.lower,
            "upper": self.upper,
            "population": self.population,
            "allocated": self.allocated,
            "inclusion_prob": self.inclusion_prob,
        }


@dataclass
class Plan:
    """A full sampling plan: which strata, their populations, allocation and warnings."""

    spec: StrataSpec
    sample_count: int
    allocation: str
    strata: list[Stratum]
    warnings: list[str] = field(default_factory=list)

    @property
    def eligible(self) -> int:
        """Cases that could be drawn (the run minus cases already in the queue)."""
        return sum(s.population for s in self.strata)

    @property
    def total_allocated(self) -> int:
        """Cases the plan draws."""
        return sum(s.allocated for s in self.strata)

    def allocations(self) -> dict[str, int]:
        """{stratum: n_h} for strata that get at least one case."""
        return {s.name: s.allocated for s in self.strata if s.allocated > 0}

    def inclusion_probs(self) -> dict[str, float]:
        """{stratum: π_h} for strata that get at least one case."""
        return {s.name: s.inclusion_prob for s in self.strata if s.inclusion_prob}


# -- validation ------------------------------------------------------------------------------
def check_sample_count(sample_count: Any) -> int:
    """1..1000, as the API contract says."""
    try:
        n = int(sample_count)
    except (TypeError, ValueError):
        n = None
    if n is None or n != sample_count or not MIN_SAMPLE <= n <= MAX_SAMPLE:
        raise ValidationError(
            f"sample_count must be an integer between {MIN_SAMPLE} and {MAX_SAMPLE}",
            details={"field": "sample_count", "value": sample_count},
        )
    return n


def check_choice(value: str, choices: Sequence[str], field_name: str) -> str:
    """One of `choices`, or a ValidationError naming the field."""
    if value not in choices:
        raise ValidationError(
            f"{field_name} must be one of {', '.join(choices)}",
            details={"field": field_name, "value": value},
        )
    return value


def check_seed(seed: Any) -> int | None:
    """None, or an integer in 0..2^53."""
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ValidationError(
            f"seed must be an integer between 0 and {MAX_SEED}",
            details={"field": "seed", "value": seed},
        )
    return seed


def parse_edges(text: str | Sequence[float] | None) -> tuple[float, ...] | None:
    """Edges from '0.3,0.7' (CLI, query string) or a list; None when not given."""
    if text is None:
        return None
    if isinstance(text, str):
        parts = split_list(text) or []
        if not parts:
            return None
    else:
        parts = [str(p) for p in text]
    try:
        edges = tuple(float(p) for p in parts)
    except (TypeError, ValueError):
        raise ValidationError(
            "edges must be numbers separated by commas, e.g. 0.4,0.6",
            details={"field": "edges", "value": text},
        ) from None
    if any(not math.isfinite(e) for e in edges):
        raise ValidationError("edges must be finite numbers", details={"field": "edges"})
    return edges


def check_edges(strategy: str, edges: tuple[float, ...] | None) -> tuple[float, ...] | None:
    """Caller edges fit the strategy: 2 for score (low|borderline|high), 1..9 for latency."""
    if edges is None:
        return None
    if strategy not in ("score", "latency"):
        raise ValidationError(
            "edges apply only to stratify_by score or latency", details={"field": "edges"}
        )
    if strategy == "score" and len(edges) != 2:
        raise ValidationError(
            "score strata need exactly two edges: low < a <= borderline < b <= high",
            details={"field": "edges", "value": list(edges)},
        )
    if not 1 <= len(edges) <= MAX_EDGES:
        raise ValidationError(
            f"latency strata need 1 to {MAX_EDGES} edges (milliseconds)",
            details={"field": "edges", "value": list(edges)},
        )
    if any(b < a for a, b in zip(edges, edges[1:], strict=False)):
        raise ValidationError(
            "edges must be in ascending order", details={"field": "edges", "value": list(edges)}
        )
    if strategy == "latency" and len(set(edges)) != len(edges):
        raise ValidationError("latency edges must be distinct", details={"field": "edges"})
    return edges


# -- strata definitions ----------------------------------------------------------------------
def default_score_scorer(numeric_scorers: Sequence[str]) -> str | None:
    """The run's first numeric scorer in alphabetical order."""
    return sorted(numeric_scorers)[0] if numeric_scorers else None


def default_label_scorer(label_scorers: Sequence[str]) -> str | None:
    """The run's first scorer with labels in alphabetical order."""
    return sorted(label_scorers)[0] if label_scorers else None


def default_score_edges(stats: Mapping[str, Any]) -> tuple[tuple[float, float], str]:
    """Unit scores: [0.4, 0.6) is borderline around a 0.5 pass; otherwise terciles."""
    lo, hi = stats.get("min"), stats.get("max")
    if lo is not None and hi is not None and lo >= 0.0 and hi <= 1.0:
        return UNIT_BORDERLINE, "default-unit"
    t1, t2 = stats.get("t1"), stats.get("t2")
    if t1 is None or t2 is None:
        return UNIT_BORDERLINE, "default-unit"
    return (float(t1), float(t2)), "default-terciles"


def _fmt(x: float) -> str:
    """A number for a stratum name: 1200 not 1200.0."""
    return f"{x:g}"


def range_names(edges: Sequence[float], unit: str = "") -> tuple[str, ...]:
    """'<a', 'a–b', …, '≥z' names for caller-set latency edges."""
    names = [f"<{_fmt(edges[0])}{unit}"]
    names += [f"{_fmt(a)}-{_fmt(b)}{unit}" for a, b in zip(edges, edges[1:], strict=False)]
    names.append(f">={_fmt(edges[-1])}{unit}")
    return tuple(names)


def score_spec(
    scorer: str, edges: tuple[float, ...] | None, stats: Mapping[str, Any]
) -> StrataSpec:
    """low (< a), borderline ([a, b)), high (>= b) on one scorer's score."""
    chosen: tuple[float, ...]
    if edges is None:
        chosen, source = default_score_edges(stats)
    else:
        chosen, source = edges, "caller"
    return StrataSpec("score", scorer, tuple(chosen), SCORE_STRATA, source)


def latency_spec(edges: tuple[float, ...] | None, stats: Mapping[str, Any]) -> StrataSpec:
    """p0–50, p50–90, p90–100 of latency_ms by default; caller edges are milliseconds."""
    if edges is None:
        return StrataSpec(
            "latency",
            None,
            (float(stats["p50"]), float(stats["p90"])),
            LATENCY_STRATA,
            "default-quantiles",
        )
    return StrataSpec("latency", None, tuple(edges), range_names(edges, "ms"), "caller")


def label_spec(scorer: str, labels: Sequence[str]) -> StrataSpec:
    """One stratum per label value of one scorer (other scorers are ignored)."""
    return StrataSpec("scorer", scorer, (), tuple(sorted(labels)), "none")


def none_spec() -> StrataSpec:
    """A single stratum: simple random sampling."""
    return StrataSpec("none", None, (), (ALL,), "none")


def stratum_bounds(spec: StrataSpec, lo: float | None, hi: float | None) -> list[tuple]:
    """(name, lower, upper) for each numeric stratum; the outer bounds are the data's range."""
    if not spec.numeric:
        return [(name, None, None) for name in spec.names]
    cuts = [lo, *spec.edges, hi]
    return [(name, cuts[i], cuts[i + 1]) for i, name in enumerate(spec.names)]


# -- allocation ------------------------------------------------------------------------------
def allocate(populations: Mapping[str, int], n: int, method: str = "equal") -> dict[str, int]:
    """Split n over strata; a stratum never gets more than it has, leftovers go to the others.

    Ties in rounding are broken by the order of `populations`, so the result is deterministic.
    """
    names = list(populations)
    sizes = {k: max(0, int(v)) for k, v in populations.items()}
    total = sum(sizes.values())
    if n >= total:
        return dict(sizes)
    if method == "proportional":
        out = _proportional(names, sizes, n, total)
    else:
        out = _equal(names, sizes, n)
    return out


def _equal(names: list[str], sizes: dict[str, int], n: int) -> dict[str, int]:
    """Water-filling: equal shares, small strata take all they have and pass on the rest."""
    out = dict.fromkeys(names, 0)
    open_ = [k for k in names if sizes[k] > 0]
    left = n
    while left > 0 and open_:
        share, extra = divmod(left, len(open_))
        if share == 0:
            # Fewer cases left than open strata: one each, largest remaining capacity first.
            by_room = sorted(open_, key=lambda k: (-(sizes[k] - out[k]), names.index(k)))
            for k in by_room[:extra]:
                out[k] += 1
            break
        full = [k for k in open_ if sizes[k] - out[k] <= share]
        if not full:
            for k in open_:
                out[k] += share
            by_room = sorted(open_, key=lambda k: (-(sizes[k] - out[k]), names.index(k)))
            for k in by_room[:extra]:
                out[k] += 1
            break
        for k in full:
            left -= sizes[k] - out[k]
            out[k] = sizes[k]
        open_ = [k for k in open_ if k not in full]
    return out


def _proportional(names: list[str], sizes: dict[str, int], n: int, total: int) -> dict[str, int]:
    """n_h ∝ N_h by largest remainder, but every non-empty stratum gets one when n allows.

    Without that floor a tiny stratum could get 0, and the sample would then stand for only
    part of the population (Σ 1/π would fall short of the population).
    """
    quotas = {k: n * sizes[k] / total for k in names}
    out = {k: int(math.floor(quotas[k])) for k in names}
    rest = n - sum(out.values())
    order = sorted(names, key=lambda k: (-(quotas[k] - out[k]), names.index(k)))
    for k in order[:rest]:
        out[k] += 1
    nonempty = [k for k in names if sizes[k] > 0]
    if n >= len(nonempty):
        for k in nonempty:
            if out[k] == 0:
                donor = max(names, key=lambda d: (out[d], -names.index(d)))
                out[donor] -= 1
                out[k] = 1
    return out


def build_plan(
    spec: StrataSpec,
    populations: Mapping[str, int],
    sample_count: int,
    allocation: str,
    *,
    lo: float | None = None,
    hi: float | None = None,
) -> Plan:
    """The plan for these stratum populations: allocation, π per stratum and warnings."""
    ordered = _ordered_strata(spec, populations)
    alloc = allocate(ordered, sample_count, allocation)
    bounds = {name: (lower, upper) for name, lower, upper in stratum_bounds(spec, lo, hi)}
    strata = [
        Stratum(
            name=name,
            population=ordered[name],
            allocated=alloc.get(name, 0),
            lower=bounds.get(name, (None, None))[0],
            upper=bounds.get(name, (None, None))[1],
        )
        for name in ordered
    ]
    plan = Plan(spec=spec, sample_count=sample_count, allocation=allocation, strata=strata)
    eligible = plan.eligible
    if eligible == 0:
        plan.warnings.append("no eligible cases: the run is empty or all of it is in the queue")
    elif sample_count > eligible:
        plan.warnings.append(
            f"sample_count {sample_count} is more than the {eligible} eligible cases: "
            "all of them are taken"
        )
    skipped = [s.name for s in strata if s.population > 0 and s.allocated == 0]
    if skipped:
        plan.warnings.append(
            f"strata {', '.join(skipped)} get no cases (sample_count is smaller than the "
            "number of strata): the sample does not represent them"
        )
    empty = [s.name for s in strata if s.population == 0 and s.name != MISSING]
    if empty and eligible:
        plan.warnings.append(f"empty strata: {', '.join(empty)}; their share went to the others")
    return plan


def _ordered_strata(spec: StrataSpec, populations: Mapping[str, int]) -> dict[str, int]:
    """The spec's strata in order (empty ones included), then any missing-value stratum."""
    ordered = {name: int(populations.get(name, 0)) for name in spec.names}
    for name, count in populations.items():
        if name not in ordered and count:
            ordered[name] = int(count)
    return ordered


def horvitz_thompson_total(inclusion_probs: Sequence[float]) -> float:
    """Σ 1/π over a sample: an unbiased estimate of the population size it was drawn from."""
    return float(sum(1.0 / p for p in inclusion_probs))
