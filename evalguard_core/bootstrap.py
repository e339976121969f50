"""Bootstrap a queue from a run: a stratified, seeded sample with inclusion probabilities.

`preview` returns the plan without writing; `start_bootstrap` validates, records a job and
runs it on the job pool (the API's 202); `run_bootstrap` does the same synchronously (CLI).
The draw and its inserts are one transaction, so a bootstrap is applied whole or not at all.
See docs/adr/0005-stratified-bootstrap.md for the choices behind the defaults.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from evalguard_core import frontier, jobs, sampling
from evalguard_core.errors import ValidationError, expect_row
from evalguard_core.queues import hold_queue_lock, list_queues, queue_write_lock, require_queue
from evalguard_core.runs import require_run
from evalguard_core.sampling import Plan, StrataSpec
from evalguard_core.store import Scope
from evalguard_core.store import bootstrap as sql
from evalguard_core.store import events as events_sql

JOB_KIND = "bootstrap"
# Which run kinds each queue target type can take.
COMPATIBLE_RUN_KINDS = {"eval_case": "single", "trace": "single", "pairwise": "pairwise"}


@dataclass(frozen=True)
class BootstrapParams:
    """Validated inputs of a bootstrap (the API body, CLI flags and page widgets map to it)."""

    queue_id: str
    run_id: str
    sample_count: int = 100
    stratify_by: str = "score"
    scorer: str | None = None
    edges: tuple[float, ...] | None = None
    allocation: str = "equal"
    seed: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (stored on the job row)."""
        out = asdict(self)
        out["edges"] = list(self.edges) if self.edges is not None else None
        return out


def check_params(
    *,
    queue_id: Any,
    run_id: Any,
    sample_count: Any = 100,
    stratify_by: str | None = "score",
    scorer: str | None = None,
    edges: Any = None,
    allocation: str | None = "equal",
    seed: Any = None,
) -> BootstrapParams:
    """Validate values (not yet against the store); errors name the field."""
    for name, value in (("queue_id", queue_id), ("run_id", run_id)):
        if not value or not str(value).strip():
            raise ValidationError(f"{name} is required", details={"field": name})
    strategy = sampling.check_choice(stratify_by or "score", sampling.STRATEGIES, "stratify_by")
    scorer = (scorer or "").strip() or None
    return BootstrapParams(
        queue_id=str(queue_id).strip(),
        run_id=str(run_id).strip(),
        sample_count=sampling.check_sample_count(sample_count),
        stratify_by=strategy,
        scorer=scorer,
        edges=sampling.check_edges(strategy, sampling.parse_edges(edges)),
        allocation=sampling.check_choice(allocation or "equal", sampling.ALLOCATIONS, "allocation"),
        seed=sampling.check_seed(seed),
    )


@dataclass
class _Resolved:
    """A bootstrap's queue, run and strata definition, checked against the store."""

    queue: dict[str, Any]
    run: dict[str, Any]
    spec: StrataSpec
    lo: float | None  # range of the stratifying variable (outer bounds of the strata)
    hi: float | None
    hist_hi: float | None  # upper end of the histogram (latency: p99, so the tail stays readable)
    complete: bool = True  # every case has the variable's value (lets the store skip a join)


def _resolve(scope: Scope, p: BootstrapParams) -> _Resolved:
    """Check queue and run exist and fit, pick the scorer and the strata edges."""
    queue = require_queue(scope, p.queue_id)
    run = require_run(scope, p.run_id)
    wanted = COMPATIBLE_RUN_KINDS[queue["target_type"]]
    if run["kind"] != wanted:
        raise ValidationError(
            f"queue {queue['name']!r} takes {queue['target_type']} targets, which need a "
            f"{wanted} run; run {run['name']!r} is {run['kind']}",
            details={
                "field": "run_id",
                "queue_target_type": queue["target_type"],
                "run_kind": run["kind"],
            },
        )
    if p.scorer and p.stratify_by not in ("score", "scorer"):
        raise ValidationError(
            "scorer applies only to stratify_by score or scorer", details={"field": "scorer"}
        )
    run_id = run["run_id"]
    if p.stratify_by == "score":
        kinds = sql.scorer_kinds(scope, run_id)
        numeric = [k["scorer"] for k in kinds if k["n_scores"]]
        scorer = p.scorer or sampling.default_score_scorer(numeric)
        if scorer is None:
            raise ValidationError(
                f"run {run['name']!r} has no numeric scores; stratify by latency, scorer or none",
                details={"field": "stratify_by"},
            )
        if scorer not in numeric:
            raise ValidationError(
                f"run {run['name']!r} has no numeric scorer {scorer!r}; it has "
                f"{', '.join(numeric) or 'none'}",
                details={"field": "scorer", "value": scorer, "choices": numeric},
            )
        stats = sql.score_stats(scope, run_id, scorer)
        spec = sampling.score_spec(scorer, p.edges, stats)
        complete = stats["n"] == run["cases"]
        return _Resolved(queue, run, spec, stats["min"], stats["max"], stats["max"], complete)
    if p.stratify_by == "latency":
        stats = sql.latency_stats(scope, run_id)
        if not stats["n"]:
            raise ValidationError(
                f"run {run['name']!r} has no latency_ms values; stratify by score, scorer or none",
                details={"field": "stratify_by", "value": "latency"},
            )
        spec = sampling.latency_spec(p.edges, stats)
        hist_hi = min(stats["max"], max(stats["p99"], spec.edges[-1]))
        return _Resolved(queue, run, spec, stats["min"], stats["max"], hist_hi)
    if p.stratify_by == "scorer":
        kinds = sql.scorer_kinds(scope, run_id)
        labelled = [k["scorer"] for k in kinds if k["n_labels"]]
        n_labels = {k["scorer"]: k["n_labels"] for k in kinds}
        scorer = p.scorer or sampling.default_label_scorer(labelled)
        if scorer is None:
            raise ValidationError(
                f"run {run['name']!r} has no scorer with labels; stratify by score, latency "
                "or none",
                details={"field": "stratify_by", "value": "scorer"},
            )
        if scorer not in labelled:
            raise ValidationError(
                f"run {run['name']!r} has no labels from scorer {scorer!r}; scorers with labels: "
                f"{', '.join(labelled) or 'none'}",
                details={"field": "scorer", "value": scorer, "choices": labelled},
            )
        spec = sampling.label_spec(scorer, sql.label_values(scope, run_id, scorer))
        complete = n_labels[scorer] == run["cases"]
        return _Resolved(queue, run, spec, None, None, None, complete)
    return _Resolved(queue, run, sampling.none_spec(), None, None, None)


def _plan(scope: Scope, p: BootstrapParams, r: _Resolved) -> Plan:
    """Populations per stratum (eligible cases only) and the allocation."""
    populations = sql.stratum_populations(
        scope, r.run["run_id"], r.queue["queue_id"], r.spec, complete=r.complete
    )
    return sampling.build_plan(r.spec, populations, p.sample_count, p.allocation, lo=r.lo, hi=r.hi)


def _describe(p: BootstrapParams, r: _Resolved, plan: Plan, queued: int) -> dict[str, Any]:
    """The plan as data (preview body, and part of a job's result)."""
    return {
        "queue_id": r.queue["queue_id"],
        "queue_name": r.queue["name"],
        "run_id": r.run["run_id"],
        "run_name": r.run["name"],
        "run_cases": r.run["cases"],
        "already_in_queue": queued,
        "eligible": plan.eligible,
        "sample_count": p.sample_count,
        "total_allocated": plan.total_allocated,
        "stratify_by": p.stratify_by,
        "variable": {"score": "score", "latency": "latency_ms", "scorer": "label"}.get(
            p.stratify_by
        ),
        "scorer": r.spec.scorer,
        "edges": list(r.spec.edges),
        "edges_source": r.spec.edges_source,
        "allocation": p.allocation,
        "seed": p.seed,
        "strata": [s.to_dict() for s in plan.strata],
        "warnings": plan.warnings,
    }


def preview(scope: Scope, **params: Any) -> dict[str, Any]:
    """The plan without writing: strata, edges, populations, allocation, π and histogram bins.

    Populations count the eligible cases (not yet in the queue); the histogram shows the whole
    run's distribution of the stratifying variable, split by stratum.
    """
    p = check_params(**params)
    r = _resolve(scope, p)
    plan = _plan(scope, p, r)
    queued = sql.queued_from_run(scope, r.queue["queue_id"], r.run["run_id"])
    out = _describe(p, r, plan, queued)
    out["other_runs"] = _other_runs(scope, r.queue["queue_id"], r.run["run_id"])
    for other in out["other_runs"]:
        out["warnings"].append(
            f"queue {r.queue['name']!r} already holds {other['items']} item(s) of run "
            f"{other['run_name']!r}: drawing run {r.run['name']!r} into it mixes two runs in one "
            "queue (its progress and exports then cover both)"
        )
    out["histogram"] = sql.histogram(
        scope, r.run["run_id"], r.spec, r.lo, r.hist_hi, complete=r.complete
    )
    return out


def _other_runs(scope: Scope, queue_id: str, run_id: str) -> list[dict[str, Any]]:
    """The runs other than `run_id` that the queue holds items of, most items first."""
    held = sql.runs_per_queue(scope, queue_id).get(str(queue_id), {})
    others = sorted(((n, rid) for rid, n in held.items() if rid != str(run_id)), reverse=True)
    return [
        {"run_id": rid, "run_name": require_run(scope, rid)["name"], "items": n}
        for n, rid in others
    ]


def queues_for_run(scope: Scope, run_id: str) -> list[dict[str, Any]]:
    """The open queues a run's cases fit, the best place to draw it into first.

    Each queue gets `runs` ({run_id: items} it holds) and `mixes` (it holds another run's
    items). Order: queues of this run only, then empty queues, then mixing ones; newest first
    within each. A caller offering a default picks the first that does not mix, if any.
    """
    kinds = run_options(scope, run_id)["target_types"]
    held = sql.runs_per_queue(scope)
    run = str(require_run(scope, run_id)["run_id"])
    out = []
    for queue in list_queues(scope):  # newest first
        if queue["target_type"] not in kinds:
            continue
        runs = held.get(str(queue["queue_id"]), {})
        out.append({**queue, "runs": runs, "mixes": any(r != run for r in runs)})
    return sorted(out, key=lambda q: (q["mixes"], not q["runs"]))


def _work(
    scope: Scope, p: BootstrapParams, r: _Resolved, job_id: str, actor: str | None
) -> jobs.Work:
    """The job body: plan and draw in one transaction under the queue's write lock."""

    def work(progress: jobs.ProgressFn) -> dict[str, Any]:
        progress(0.1)
        queue_id, run_id = r.queue["queue_id"], r.run["run_id"]
        # Resolved (and validated) when the job was accepted; the ids must still exist.
        require_queue(scope, queue_id)
        require_run(scope, run_id)
        progress(0.3)
        # The queue's write lock (shared with manual adds) keeps two writers from both
        # inserting a case neither saw in the queue: queue_items has no unique index (ADR 0002).
        with queue_write_lock(queue_id), scope.db.atomic():
            hold_queue_lock(scope, queue_id)
            plan = _plan(scope, p, r)
            added = sql.insert_sample(
                scope,
                run_id=run_id,
                queue_id=queue_id,
                target_type=r.queue["target_type"],
                spec=r.spec,
                complete=r.complete,
                allocations=plan.allocations(),
                inclusion_probs=plan.inclusion_probs(),
                seed=expect_row(p.seed, "the bootstrap seed"),
                job_id=job_id,
            )
            events_sql.append_event(
                scope,
                "bootstrap",
                actor=actor,
                queue_id=queue_id,
                payload={
                    "job_id": job_id,
                    "run_id": run_id,
                    "stratify_by": p.stratify_by,
                    "seed": p.seed,
                    "added": added,
                },
            )
        frontier.forget(scope, queue_id)  # claims see the new items at once
        queued = sql.queued_from_run(scope, queue_id, run_id) - sum(added.values())
        result = _describe(p, r, plan, queued)
        result["added"] = {s.name: added.get(s.name, 0) for s in plan.strata}
        result["total_added"] = sum(added.values())
        result["job_id"] = job_id
        return result

    return work


def _prepare(
    scope: Scope, created_by: str | None, params: dict[str, Any]
) -> tuple[BootstrapParams, _Resolved, str]:
    """Validate against the store (so errors come before the job exists) and record the job."""
    p = check_params(**params)
    r = _resolve(scope, p)
    if p.seed is None:
        # A drawn seed is recorded on the job, so any bootstrap can be reproduced.
        p = BootstrapParams(**{**asdict(p), "seed": secrets.randbelow(2**31)})
    job_id = jobs.create_job(scope, JOB_KIND, p.to_dict(), created_by)
    return p, r, job_id


def start_bootstrap(scope: Scope, *, created_by: str | None = None, **params: Any) -> str:
    """Validate, record a job and run it in the background; returns the job id at once."""
    p, r, job_id = _prepare(scope, created_by, params)
    jobs.submit(scope, job_id, _work(scope, p, r, job_id, created_by))
    return job_id


def run_bootstrap(
    scope: Scope,
    *,
    created_by: str | None = None,
    on_progress: Callable[[float], None] | None = None,
    **params: Any,
) -> dict[str, Any]:
    """The same job run on this thread (the CLI); returns its result or raises its error."""
    p, r, job_id = _prepare(scope, created_by, params)
    inner = _work(scope, p, r, job_id, created_by)

    def work(progress: jobs.ProgressFn) -> dict[str, Any]:
        def report(fraction: float) -> None:
            progress(fraction)
            if on_progress is not None:
                on_progress(fraction)

        out = inner(report)
        report(1.0)
        return out

    return jobs.execute(scope, job_id, work)


def run_options(scope: Scope, run_id: str) -> dict[str, Any]:
    """What a run offers for stratifying: numeric scorers, label scorers, latency, queue types."""
    run = require_run(scope, run_id)
    kinds = sql.scorer_kinds(scope, run["run_id"])
    return {
        "run_id": run["run_id"],
        "kind": run["kind"],
        "numeric_scorers": [k["scorer"] for k in kinds if k["n_scores"]],
        "label_scorers": [k["scorer"] for k in kinds if k["n_labels"]],
        "has_latency": bool(sql.latency_stats(scope, run["run_id"])["n"]),
        "target_types": [t for t, kind in COMPATIBLE_RUN_KINDS.items() if kind == run["kind"]],
    }


def sampled_items(scope: Scope, queue_id: str, job_id: str | None = None) -> list[dict[str, Any]]:
    """A queue's items with stratum and inclusion probability (e.g. for weighting reports)."""
    require_queue(scope, queue_id)
    return sql.sampled_items(scope, str(queue_id), job_id)
