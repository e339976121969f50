"""Bootstrapping queues from runs against a real DuckDB store: strata, π, determinism."""

from __future__ import annotations

import random
from collections import Counter
from pathlib import Path

import pytest

from evalguard_core import bootstrap, jobs, queues, runs
from evalguard_core.errors import NotFoundError, ValidationError
from evalguard_core.sampling import MISSING, horvitz_thompson_total
from evalguard_core.store import Scope, Store
from evalguard_core.store import bootstrap as bootstrap_sql


def write_run(
    path: Path,
    n: int,
    *,
    seed: int = 1,
    latency: bool = True,
    score=None,
    pairwise: bool = False,
) -> Path:
    """A CSV run of n cases: score:quality in [0, 1], score:stars 1..5, judge pass/fail."""
    rng = random.Random(seed)
    head = ["case_id", "input"]
    head += ["output_a", "output_b"] if pairwise else ["output"]
    head += ["latency_ms"] if latency else []
    head += ["score:quality", "score:stars", "label:llm_judge"]
    lines = [",".join(head)]
    for i in range(n):
        q = score(i) if score else rng.random() ** 0.5
        row = [f"c{i:05d}", f"question {i}"]
        row += ["a", "b"] if pairwise else [f"answer {i}"]
        row += [f"{rng.lognormvariate(6, 0.5):.1f}"] if latency else []
        row += [f"{q:.4f}", str(1 + min(4, int(q * 5))), "pass" if q >= 0.5 else "fail"]
        lines.append(",".join(row))
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def big_run(scope: Scope, tmp_path: Path) -> str:
    """A 600-case single run."""
    return runs.import_run(scope, write_run(tmp_path / "big.csv", 600), name="big").run_id


@pytest.fixture
def queue(scope: Scope) -> str:
    """An eval_case queue."""
    return queues.create_queue(scope, name="review", target_type="eval_case")["queue_id"]


def new_queue(scope: Scope, name: str = "q", target_type: str = "eval_case") -> str:
    """Another queue."""
    return queues.create_queue(scope, name=name, target_type=target_type)["queue_id"]


def items_of(scope: Scope, queue_id: str) -> list[dict]:
    """The queue's items with stratum and π."""
    return bootstrap.sampled_items(scope, queue_id)


@pytest.mark.parametrize(
    ("strategy", "strata"),
    [
        ("score", {"low", "borderline", "high"}),
        ("latency", {"p0-p50", "p50-p90", "p90-p100"}),
        ("scorer", {"pass", "fail"}),
        ("none", {"all"}),
    ],
)
def test_each_strategy_draws_the_planned_counts(scope, big_run, queue, strategy, strata) -> None:
    plan = bootstrap.preview(
        scope, queue_id=queue, run_id=big_run, sample_count=90, stratify_by=strategy
    )
    planned = {s["stratum"]: s["allocated"] for s in plan["strata"] if s["allocated"]}
    assert set(planned) == strata
    assert sum(planned.values()) == 90
    if strategy != "none":
        # Equal allocation: every stratum has plenty here, so each gets 90 / k.
        assert set(planned.values()) == {90 // len(strata)}
    result = bootstrap.run_bootstrap(
        scope, queue_id=queue, run_id=big_run, sample_count=90, stratify_by=strategy, seed=3
    )
    items = items_of(scope, queue)
    assert Counter(i["stratum"] for i in items) == Counter(planned)
    assert {k: v for k, v in result["added"].items() if v} == planned
    assert result["total_added"] == 90
    assert len({i["trace_id"] for i in items}) == 90  # no duplicates
    assert all(i["job_id"] == result["job_id"] for i in items)
    assert all(i["target_id"] == f"{big_run}:{i['case_id']}" for i in items)


@pytest.mark.parametrize("strategy", ["score", "latency", "scorer", "none"])
@pytest.mark.parametrize("allocation", ["equal", "proportional"])
def test_horvitz_thompson_identity(scope, big_run, strategy, allocation) -> None:
    queue_id = new_queue(scope)
    bootstrap.run_bootstrap(
        scope,
        queue_id=queue_id,
        run_id=big_run,
        sample_count=50,
        stratify_by=strategy,
        allocation=allocation,
        seed=11,
    )
    items = items_of(scope, queue_id)
    assert horvitz_thompson_total([i["inclusion_prob"] for i in items]) == pytest.approx(600)
    # π is n_h / N_h of the item's stratum.
    sizes = Counter(i["stratum"] for i in items)
    plan = bootstrap.preview(
        scope, queue_id=new_queue(scope, "fresh"), run_id=big_run, stratify_by=strategy
    )
    population = {s["stratum"]: s["population"] for s in plan["strata"]}
    for item in items:
        expected = sizes[item["stratum"]] / population[item["stratum"]]
        assert item["inclusion_prob"] == pytest.approx(expected)


def test_score_strata_respect_the_edges(scope, big_run, queue) -> None:
    bootstrap.run_bootstrap(scope, queue_id=queue, run_id=big_run, sample_count=60, seed=1)
    cases = runs.list_cases(scope, big_run, limit=1000)["cases"]
    quality = {c["trace_id"]: c["scores"]["quality"]["score"] for c in cases}
    for item in items_of(scope, queue):
        q = quality[item["trace_id"]]
        expected = "low" if q < 0.4 else "borderline" if q < 0.6 else "high"
        assert item["stratum"] == expected


def test_default_scorer_and_edges_are_reported(scope, big_run, queue) -> None:
    plan = bootstrap.preview(scope, queue_id=queue, run_id=big_run)
    assert plan["scorer"] == "quality"  # first numeric scorer alphabetically
    assert plan["edges"] == [0.4, 0.6] and plan["edges_source"] == "default-unit"
    stars = bootstrap.preview(scope, queue_id=queue, run_id=big_run, scorer="stars")
    assert stars["edges_source"] == "default-terciles"
    assert all(float(e).is_integer() for e in stars["edges"])  # observed values
    custom = bootstrap.preview(scope, queue_id=queue, run_id=big_run, edges="0.2,0.9")
    assert custom["edges"] == [0.2, 0.9] and custom["edges_source"] == "caller"
    lat = bootstrap.preview(scope, queue_id=queue, run_id=big_run, stratify_by="latency")
    stats = bootstrap_sql.latency_stats(scope, big_run)
    assert lat["edges"] == pytest.approx([stats["p50"], stats["p90"]])
    by_pop = {s["stratum"]: s["population"] for s in lat["strata"]}
    assert by_pop["p0-p50"] == 300 and by_pop["p90-p100"] == 60


def test_histogram_bins_cover_the_run_and_carry_strata(scope, big_run, queue) -> None:
    plan = bootstrap.preview(scope, queue_id=queue, run_id=big_run)
    bins = plan["histogram"]
    assert sum(b["count"] for b in bins) == 600
    assert {b["stratum"] for b in bins} == {"low", "borderline", "high"}
    for b in bins:
        assert b["bin_start"] < b["bin_end"]
    judge = bootstrap.preview(scope, queue_id=queue, run_id=big_run, stratify_by="scorer")
    assert {b["value"] for b in judge["histogram"]} == {"pass", "fail"}
    assert (
        bootstrap.preview(scope, queue_id=queue, run_id=big_run, stratify_by="none")["histogram"]
        == []
    )


def test_preview_writes_nothing(scope, big_run, queue) -> None:
    bootstrap.preview(scope, queue_id=queue, run_id=big_run, sample_count=100)
    assert items_of(scope, queue) == []


def test_same_seed_same_sample_other_seed_other_sample(scope, big_run) -> None:
    def draw(seed: int) -> set[str]:
        queue_id = new_queue(scope, f"q{seed}-{random.random()}")
        bootstrap.run_bootstrap(
            scope, queue_id=queue_id, run_id=big_run, sample_count=40, seed=seed
        )
        return {i["case_id"] for i in items_of(scope, queue_id)}

    assert draw(7) == draw(7)
    assert draw(7) != draw(8)


def test_cases_already_in_the_queue_are_not_drawn_again(scope, big_run, queue) -> None:
    first = bootstrap.run_bootstrap(scope, queue_id=queue, run_id=big_run, sample_count=200, seed=1)
    before = {i["trace_id"] for i in items_of(scope, queue)}
    second = bootstrap.run_bootstrap(
        scope, queue_id=queue, run_id=big_run, sample_count=200, seed=1
    )
    items = items_of(scope, queue)
    assert len(items) == 400 and len({i["trace_id"] for i in items}) == 400
    new = [i for i in items if i["job_id"] == second["job_id"]]
    assert not before & {i["trace_id"] for i in new}
    assert second["already_in_queue"] == 200 and second["eligible"] == 400
    # π of the second draw is relative to the eligible population (the 400 not yet queued).
    assert horvitz_thompson_total([i["inclusion_prob"] for i in new]) == pytest.approx(400)
    assert first["eligible"] == 600


def test_sample_count_larger_than_the_run_takes_everything(scope, tmp_path: Path) -> None:
    run_id = runs.import_run(scope, write_run(tmp_path / "s.csv", 12)).run_id
    queue_id = new_queue(scope)
    result = bootstrap.run_bootstrap(
        scope, queue_id=queue_id, run_id=run_id, sample_count=1000, seed=1
    )
    items = items_of(scope, queue_id)
    assert result["total_added"] == 12 and len(items) == 12
    assert all(i["inclusion_prob"] == 1.0 for i in items)
    assert any("all of them are taken" in w for w in result["warnings"])
    again = bootstrap.run_bootstrap(scope, queue_id=queue_id, run_id=run_id, sample_count=5)
    assert again["total_added"] == 0 and again["eligible"] == 0


def test_small_strata_redistribute(scope, tmp_path: Path) -> None:
    # 3 low, 2 borderline, 95 high: equal allocation of 30 gives 3, 2, 25.
    def score(i: int) -> float:
        return 0.1 if i < 3 else 0.5 if i < 5 else 0.9

    run_id = runs.import_run(scope, write_run(tmp_path / "r.csv", 100, score=score)).run_id
    queue_id = new_queue(scope)
    result = bootstrap.run_bootstrap(
        scope, queue_id=queue_id, run_id=run_id, sample_count=30, seed=1
    )
    assert result["added"] == {"low": 3, "borderline": 2, "high": 25}
    probs = {s["stratum"]: s["inclusion_prob"] for s in result["strata"]}
    assert probs == {"low": 1.0, "borderline": 1.0, "high": pytest.approx(25 / 95)}


def test_all_scores_equal(scope, tmp_path: Path) -> None:
    run_id = runs.import_run(scope, write_run(tmp_path / "eq.csv", 20, score=lambda i: 0.7)).run_id
    queue_id = new_queue(scope)
    result = bootstrap.run_bootstrap(
        scope, queue_id=queue_id, run_id=run_id, sample_count=10, seed=1
    )
    assert result["added"] == {"low": 0, "borderline": 0, "high": 10}
    assert any("empty strata" in w for w in result["warnings"])
    # Equal scores on a non-unit scale: terciles coincide, one stratum holds everything.
    stars = bootstrap.preview(scope, queue_id=queue_id, run_id=run_id, scorer="stars")
    assert stars["edges"] == [4.0, 4.0]
    assert [s["stratum"] for s in stars["strata"] if s["population"]] == ["high"]


def test_run_without_latency_is_a_clear_error(scope, tmp_path: Path, queue) -> None:
    run_id = runs.import_run(scope, write_run(tmp_path / "nl.csv", 10, latency=False)).run_id
    with pytest.raises(ValidationError) as exc:
        bootstrap.preview(scope, queue_id=queue, run_id=run_id, stratify_by="latency")
    assert "no latency_ms" in exc.value.message
    assert exc.value.details["field"] == "stratify_by"
    with pytest.raises(ValidationError):
        bootstrap.start_bootstrap(scope, queue_id=queue, run_id=run_id, stratify_by="latency")


def test_cases_without_the_variable_form_a_missing_stratum(scope, tmp_path: Path) -> None:
    path = tmp_path / "m.csv"
    path.write_text("case_id,score:q,latency_ms\na,0.1,10\nb,,20\nc,0.9,\nd,0.8,40\n")
    run_id = runs.import_run(scope, path).run_id
    queue_id = new_queue(scope)
    plan = bootstrap.preview(scope, queue_id=queue_id, run_id=run_id, sample_count=10)
    pops = {s["stratum"]: s["population"] for s in plan["strata"]}
    assert pops == {"low": 1, "borderline": 0, "high": 2, MISSING: 1}
    lat = bootstrap.preview(
        scope, queue_id=queue_id, run_id=run_id, stratify_by="latency", sample_count=10
    )
    assert {s["stratum"]: s["population"] for s in lat["strata"]}[MISSING] == 1
    assert lat["eligible"] == 4


def test_bad_scorer_and_edges_name_the_field(scope, big_run, queue) -> None:
    cases = [
        ({"scorer": "nope"}, "scorer"),
        ({"stratify_by": "scorer", "scorer": "quality"}, "scorer"),
        ({"stratify_by": "latency", "scorer": "quality"}, "scorer"),
        ({"edges": "0.5"}, "edges"),
        ({"stratify_by": "none", "edges": "1,2"}, "edges"),
        ({"stratify_by": "random"}, "stratify_by"),
        ({"allocation": "neyman"}, "allocation"),
        ({"sample_count": 0}, "sample_count"),
        ({"sample_count": 1001}, "sample_count"),
    ]
    for extra, field in cases:
        with pytest.raises(ValidationError) as exc:
            bootstrap.preview(scope, **{"queue_id": queue, "run_id": big_run, **extra})
        assert exc.value.details["field"] == field, extra


def test_target_types(scope, big_run, tmp_path: Path) -> None:
    trace_q = new_queue(scope, "traces", "trace")
    bootstrap.run_bootstrap(scope, queue_id=trace_q, run_id=big_run, sample_count=5, seed=1)
    assert all(i["target_id"] == str(i["trace_id"]) for i in items_of(scope, trace_q))
    pair_q = new_queue(scope, "pairs", "pairwise")
    with pytest.raises(ValidationError) as exc:
        bootstrap.preview(scope, queue_id=pair_q, run_id=big_run)
    assert exc.value.details["field"] == "run_id"
    pair_run = runs.import_run(scope, write_run(tmp_path / "p.csv", 30, pairwise=True)).run_id
    with pytest.raises(ValidationError):
        bootstrap.preview(scope, queue_id=new_queue(scope, "cases"), run_id=pair_run)
    result = bootstrap.run_bootstrap(
        scope, queue_id=pair_q, run_id=pair_run, sample_count=6, stratify_by="scorer", seed=1
    )
    assert result["total_added"] == 6
    assert all(i["target_id"].startswith(pair_run + ":") for i in items_of(scope, pair_q))


def test_other_organizations_ids_are_not_found(store: Store, scope, big_run, queue) -> None:
    from evalguard_core import orgs

    other = store.scope(orgs.create_org(store, "acme")["org_id"])
    other_queue = queues.create_queue(other, name="theirs", target_type="eval_case")
    with pytest.raises(NotFoundError):
        bootstrap.preview(other, queue_id=queue, run_id=big_run)
    with pytest.raises(NotFoundError):
        bootstrap.preview(other, queue_id=other_queue["queue_id"], run_id=big_run)
    with pytest.raises(NotFoundError):
        bootstrap.preview(scope, queue_id=other_queue["queue_id"], run_id=big_run)
    with pytest.raises(NotFoundError):
        bootstrap.preview(scope, queue_id="not-a-uuid", run_id=big_run)


def test_background_job_completes_and_records_an_event(scope, big_run, queue) -> None:
    from evalguard_core.store import events

    job_id = bootstrap.start_bootstrap(
        scope, created_by="alice", queue_id=queue, run_id=big_run, sample_count=30
    )
    job = jobs.wait_for(scope, job_id, timeout=60)
    assert job["status"] == "succeeded", job["error"]
    assert job["progress"] == 1.0 and job["created_by"] == "alice"
    assert job["params"]["seed"] is not None  # a drawn seed is recorded
    assert job["result"]["total_added"] == 30
    logged, _ = events.list_events(scope, queue_id=queue, kind="bootstrap")
    assert logged[0]["payload"]["job_id"] == job_id and logged[0]["actor"] == "alice"


def test_a_failing_bootstrap_leaves_the_queue_untouched(scope, big_run, queue, monkeypatch):
    # Fails after the items were inserted, inside the transaction: nothing may remain.
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(bootstrap.events_sql, "append_event", broken)
    job_id = bootstrap.start_bootstrap(scope, queue_id=queue, run_id=big_run, sample_count=10)
    job = jobs.wait_for(scope, job_id, timeout=60)
    assert job["status"] == "failed" and "disk full" in job["error"]
    assert items_of(scope, queue) == []
    with pytest.raises(RuntimeError):
        bootstrap.run_bootstrap(scope, queue_id=queue, run_id=big_run, sample_count=10)
    assert items_of(scope, queue) == []
