"""Pure sampling-plan functions: allocation, default edges, validation, HT identity."""

from __future__ import annotations

import random

import pytest

from evalguard_core import sampling
from evalguard_core.errors import ValidationError
from evalguard_core.sampling import allocate, build_plan


def test_equal_allocation_splits_evenly_with_deterministic_remainder() -> None:
    assert allocate({"low": 100, "borderline": 100, "high": 100}, 30) == {
        "low": 10,
        "borderline": 10,
        "high": 10,
    }
    # The remainder goes to the strata with the most room left, ties by order.
    assert allocate({"a": 100, "b": 200, "c": 100}, 10) == {"a": 3, "b": 4, "c": 3}
    assert allocate({"a": 100, "b": 100, "c": 100}, 10) == {"a": 4, "b": 3, "c": 3}


def test_small_strata_give_their_unused_share_to_the_others() -> None:
    assert allocate({"low": 2, "borderline": 100, "high": 100}, 30) == {
        "low": 2,
        "borderline": 14,
        "high": 14,
    }
    # Cascades: the second round fills another small stratum.
    assert allocate({"a": 1, "b": 5, "c": 1000}, 30) == {"a": 1, "b": 5, "c": 24}
    assert allocate({"a": 0, "b": 50, "c": 50}, 30) == {"a": 0, "b": 15, "c": 15}


def test_more_requested_than_available_takes_everything() -> None:
    assert allocate({"a": 3, "b": 4}, 100) == {"a": 3, "b": 4}
    assert allocate({"a": 3, "b": 4}, 7, "proportional") == {"a": 3, "b": 4}


def test_fewer_samples_than_strata() -> None:
    out = allocate({"a": 10, "b": 50, "c": 20}, 2)
    assert out == {"a": 0, "b": 1, "c": 1}


def test_proportional_allocation_with_largest_remainder_and_a_floor_of_one() -> None:
    assert allocate({"a": 500, "b": 300, "c": 200}, 10, "proportional") == {
        "a": 5,
        "b": 3,
        "c": 2,
    }
    # A tiny stratum still gets one case so the sample stands for the whole population.
    out = allocate({"a": 1, "b": 999}, 10, "proportional")
    assert out == {"a": 1, "b": 9}


@pytest.mark.parametrize("method", ["equal", "proportional"])
def test_allocation_invariants_on_random_populations(method: str) -> None:
    rng = random.Random(5)
    for _ in range(300):
        k = rng.randint(1, 6)
        pops = {f"s{i}": rng.choice([0, 1, 2, 5, rng.randint(0, 500)]) for i in range(k)}
        n = rng.randint(1, 1000)
        out = allocate(pops, n, method)
        assert sum(out.values()) == min(n, sum(pops.values()))
        assert all(0 <= out[k] <= pops[k] for k in pops)
        nonempty = [k for k in pops if pops[k]]
        if n >= len(nonempty):
            assert all(out[k] >= 1 for k in nonempty)
        assert allocate(pops, n, method) == out  # deterministic


def test_horvitz_thompson_identity_of_a_plan() -> None:
    spec = sampling.score_spec("acc", None, {"min": 0.0, "max": 1.0})
    plan = build_plan(spec, {"low": 37, "borderline": 5, "high": 958}, 100, "equal")
    probs = [s.inclusion_prob for s in plan.strata for _ in range(s.allocated)]
    assert len(probs) == 100
    assert sampling.horvitz_thompson_total(probs) == pytest.approx(1000)
    assert plan.allocations() == {"low": 37, "borderline": 5, "high": 58}
    assert plan.inclusion_probs()["low"] == 1.0


def test_plan_warns_about_uncovered_and_empty_strata() -> None:
    spec = sampling.score_spec("acc", None, {"min": 0.0, "max": 1.0})
    plan = build_plan(spec, {"low": 10, "high": 10}, 1, "equal")
    assert any("get no cases" in w for w in plan.warnings)
    assert any("empty strata: borderline" in w for w in plan.warnings)
    assert [s.name for s in plan.strata] == ["low", "borderline", "high"]


def test_missing_values_get_their_own_stratum() -> None:
    spec = sampling.latency_spec(None, {"p50": 10.0, "p90": 20.0})
    plan = build_plan(spec, {"p0-p50": 5, sampling.MISSING: 3}, 100, "equal")
    assert [s.name for s in plan.strata][-1] == sampling.MISSING
    assert plan.eligible == 8


def test_default_score_edges() -> None:
    assert sampling.default_score_edges({"min": 0.0, "max": 1.0, "t1": 0.2, "t2": 0.7}) == (
        (0.4, 0.6),
        "default-unit",
    )
    assert sampling.default_score_edges({"min": 1.0, "max": 5.0, "t1": 3.0, "t2": 4.0}) == (
        (3.0, 4.0),
        "default-terciles",
    )


def test_latency_spec_names() -> None:
    assert sampling.latency_spec(None, {"p50": 1.0, "p90": 2.0}).names == sampling.LATENCY_STRATA
    custom = sampling.latency_spec((500.0, 2000.0), {})
    assert custom.names == ("<500ms", "500-2000ms", ">=2000ms")


def test_stratum_bounds_use_the_data_range() -> None:
    spec = sampling.score_spec("acc", (0.3, 0.7), {})
    assert sampling.stratum_bounds(spec, 0.0, 1.0) == [
        ("low", 0.0, 0.3),
        ("borderline", 0.3, 0.7),
        ("high", 0.7, 1.0),
    ]


@pytest.mark.parametrize("value", [0, 1001, -1, 2.5, "10", None])
def test_bad_sample_count(value) -> None:
    with pytest.raises(ValidationError) as exc:
        sampling.check_sample_count(value)
    assert exc.value.details["field"] == "sample_count"


def test_edges_validation() -> None:
    assert sampling.parse_edges("0.3, 0.7") == (0.3, 0.7)
    assert sampling.parse_edges(None) is None
    assert sampling.check_edges("score", (0.3, 0.7)) == (0.3, 0.7)
    assert sampling.check_edges("latency", (100.0,)) == (100.0,)
    bad = [
        ("score", (0.5,)),
        ("score", (0.7, 0.3)),
        ("latency", (100.0, 100.0)),
        ("none", (0.5, 0.6)),
        ("scorer", (1.0, 2.0)),
    ]
    for strategy, edges in bad:
        with pytest.raises(ValidationError) as exc:
            sampling.check_edges(strategy, edges)
        assert exc.value.details["field"] == "edges"
    for text in ("a,b", "nan,1", "inf"):
        with pytest.raises(ValidationError):
            sampling.parse_edges(text)


def test_seed_and_choices() -> None:
    assert sampling.check_seed(None) is None
    assert sampling.check_seed(7) == 7
    for bad in (-1, True, "x", 2**60):
        with pytest.raises(ValidationError):
            sampling.check_seed(bad)
    with pytest.raises(ValidationError) as exc:
        sampling.check_choice("random", sampling.STRATEGIES, "stratify_by")
    assert exc.value.details["field"] == "stratify_by"
