"""SQL for bootstrapping queues: strata counts, quantiles, histograms and the seeded draw.

Everything runs in DuckDB over the run's rows; nothing loads a run into Python. The stratum of
a case is one CASE expression built from a `StrataSpec` whose edges and names are bound as
parameters (never pasted into the SQL).
"""

from __future__ import annotations

import re
from typing import Any

from evalguard_core.sampling import MISSING, StrataSpec
from evalguard_core.store import Scope

HISTOGRAM_BINS = 30

# Target ids as the queues contract addresses them; keys are validated target types.
_TARGET_EXPR = {
    "eval_case": "CAST(c.run_id AS VARCHAR) || ':' || c.case_id",
    "pairwise": "CAST(c.run_id AS VARCHAR) || ':' || c.case_id",
    "trace": "CAST(c.trace_id AS VARCHAR)",
}


_PARAM_RE = re.compile(r"\$([A-Za-z_]\w*)")


def _bound(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """Only the named parameters the statement uses (DuckDB rejects extra ones)."""
    used = set(_PARAM_RE.findall(sql))
    return {k: v for k, v in params.items() if k in used}


def _fetchall(scope: Scope, sql: str, params: dict[str, Any]) -> list[tuple]:
    """Run a statement with named parameters."""
    return scope.db.fetchall(sql, _bound(sql, params))


def _variable(spec: StrataSpec) -> tuple[str, str]:
    """(join clause, value expression) for the spec's stratifying variable."""
    if spec.strategy in ("score", "scorer"):
        join = (
            "LEFT JOIN scores s ON s.org_id = c.org_id AND s.run_id = c.run_id "
            "AND s.trace_id = c.trace_id AND s.scorer = $scorer"
        )
        return join, "s.score" if spec.strategy == "score" else "s.label"
    if spec.strategy == "latency":
        return "", "c.latency_ms"
    return "", "NULL"


def _stratum_sql(spec: StrataSpec) -> tuple[str, dict[str, Any]]:
    """The CASE expression naming each case's stratum, with its parameters."""
    params: dict[str, Any] = {"missing": MISSING}
    join, value = _variable(spec)
    if spec.scorer is not None:
        params["scorer"] = spec.scorer
    if spec.strategy == "none":
        params["all"] = spec.names[0]
        return "$all", params
    if spec.strategy == "scorer":
        return f"coalesce({value}, $missing)", params
    whens = [f"WHEN {value} IS NULL OR isnan({value}) THEN $missing"]
    for i, edge in enumerate(spec.edges):
        params[f"e{i}"] = float(edge)
        params[f"n{i}"] = spec.names[i]
        whens.append(f"WHEN {value} < $e{i} THEN $n{i}")
    params["nlast"] = spec.names[len(spec.edges)]
    return f"CASE {' '.join(whens)} ELSE $nlast END", params


def _population_sql(spec: StrataSpec) -> tuple[str, dict[str, Any]]:
    """A SELECT of (trace_id, case_id, run_id, stratum) over the eligible cases."""
    join, _ = _variable(spec)
    stratum, params = _stratum_sql(spec)
    sql = (
        f"SELECT c.trace_id, c.case_id, c.run_id, {stratum} AS stratum FROM cases c {join} "
        "WHERE c.org_id = CAST($org AS UUID) AND c.run_id = CAST($run AS UUID) "
        "AND NOT EXISTS (SELECT 1 FROM queue_items q WHERE q.org_id = c.org_id "
        "AND q.queue_id = CAST($queue AS UUID) AND q.trace_id = c.trace_id)"
    )
    return sql, params


def scorer_kinds(scope: Scope, run_id: str) -> list[dict[str, Any]]:
    """Per scorer of a run: how many numeric scores and how many labels it has."""
    return scope.db.fetch_dicts(
        "SELECT scorer, count(score) AS n_scores, count(label) AS n_labels FROM scores "
        "WHERE org_id = CAST(? AS UUID) AND run_id = CAST(? AS UUID) GROUP BY scorer "
        "ORDER BY scorer",
        [scope.org_id, run_id],
    )


def label_values(scope: Scope, run_id: str, scorer: str) -> list[str]:
    """The distinct labels one scorer gave in a run."""
    rows = scope.db.fetchall(
        "SELECT DISTINCT label FROM scores WHERE org_id = CAST(? AS UUID) "
        "AND run_id = CAST(? AS UUID) AND scorer = ? AND label IS NOT NULL ORDER BY label",
        [scope.org_id, run_id, scorer],
    )
    return [r[0] for r in rows]


def score_stats(scope: Scope, run_id: str, scorer: str) -> dict[str, Any]:
    """Count, range and terciles (observed values) of one scorer's scores over the whole run."""
    rows = scope.db.fetch_dicts(
        "SELECT count(score) AS n, min(score) AS min, max(score) AS max, "
        "quantile_disc(score, 1 / 3) AS t1, quantile_disc(score, 2 / 3) AS t2 FROM scores "
        "WHERE org_id = CAST(? AS UUID) AND run_id = CAST(? AS UUID) AND scorer = ? "
        "AND score IS NOT NULL AND NOT isnan(score)",
        [scope.org_id, run_id, scorer],
    )
    return rows[0]


def latency_stats(scope: Scope, run_id: str) -> dict[str, Any]:
    """Count, range and p50/p90/p99 of latency_ms over the whole run."""
    rows = scope.db.fetch_dicts(
        "SELECT count(latency_ms) AS n, min(latency_ms) AS min, max(latency_ms) AS max, "
        "quantile_cont(latency_ms, 0.5) AS p50, quantile_cont(latency_ms, 0.9) AS p90, "
        "quantile_cont(latency_ms, 0.99) AS p99 FROM cases "
        "WHERE org_id = CAST(? AS UUID) AND run_id = CAST(? AS UUID) "
        "AND latency_ms IS NOT NULL AND NOT isnan(latency_ms)",
        [scope.org_id, run_id],
    )
    return rows[0]


def queued_from_run(scope: Scope, queue_id: str, run_id: str) -> int:
    """How many of the run's cases the queue already holds."""
    row = scope.db.fetchone(
        "SELECT count(DISTINCT trace_id) FROM queue_items WHERE org_id = CAST(? AS UUID) "
        "AND queue_id = CAST(? AS UUID) AND run_id = CAST(? AS UUID)",
        [scope.org_id, queue_id, run_id],
    )
    return int(row[0]) if row else 0


def stratum_populations(
    scope: Scope, run_id: str, queue_id: str, spec: StrataSpec
) -> dict[str, int]:
    """{stratum: N_h} over the run's cases that are not in the queue yet."""
    pop, params = _population_sql(spec)
    rows = _fetchall(
        scope,
        f"SELECT stratum, count(*) FROM ({pop}) GROUP BY stratum",
        {**params, "org": scope.org_id, "run": run_id, "queue": queue_id},
    )
    return {name: int(n) for name, n in rows}


def histogram(
    scope: Scope,
    run_id: str,
    spec: StrataSpec,
    lo: float | None,
    hi: float | None,
    bins: int = HISTOGRAM_BINS,
) -> list[dict[str, Any]]:
    """Bins of the stratifying variable over the whole run, split by stratum (for colouring).

    Numeric: equal-width bins on [lo, hi], values beyond hi counted in the last bin. Labels:
    one bin per label value. `none`: no bins.
    """
    if spec.strategy == "none":
        return []
    join, value = _variable(spec)
    stratum, params = _stratum_sql(spec)
    params = {**params, "org": scope.org_id, "run": run_id}
    where = "c.org_id = CAST($org AS UUID) AND c.run_id = CAST($run AS UUID)"
    if spec.strategy == "scorer":
        rows = _fetchall(
            scope,
            f"SELECT {stratum} AS stratum, count(*) FROM cases c {join} WHERE {where} "
            "GROUP BY ALL ORDER BY stratum",
            params,
        )
        return [{"value": name, "stratum": name, "count": int(n)} for name, n in rows]
    if lo is None or hi is None:
        return []
    width = (hi - lo) / bins if hi > lo else 1.0
    nbins = bins if hi > lo else 1
    rows = _fetchall(
        scope,
        f"SELECT greatest(least(CAST(floor(({value} - $lo) / $width) AS BIGINT), $last), 0) AS b, "
        f"{stratum} AS stratum, count(*) FROM cases c {join} WHERE {where} "
        f"AND {value} IS NOT NULL AND NOT isnan({value}) GROUP BY ALL ORDER BY b, stratum",
        {**params, "lo": lo, "width": width, "last": nbins - 1},
    )
    return [
        {
            "bin_start": lo + b * width,
            "bin_end": lo + (b + 1) * width if hi > lo else hi,
            "stratum": name,
            "count": int(n),
        }
        for b, name, n in rows
    ]


def insert_sample(
    scope: Scope,
    *,
    run_id: str,
    queue_id: str,
    target_type: str,
    spec: StrataSpec,
    allocations: dict[str, int],
    inclusion_probs: dict[str, float],
    seed: int,
    job_id: str | None,
) -> dict[str, int]:
    """Draw n_h cases per stratum (seeded hash order) into the queue; returns added per stratum.

    The caller holds the transaction. `hash(trace_id, seed)` gives every case a fixed pseudo-
    random rank for a seed, so the same seed, run and queue state draw the same cases.
    """
    names = [k for k, v in allocations.items() if v > 0]
    if not names:
        return {}
    pop, params = _population_sql(spec)
    target = _TARGET_EXPR[target_type]
    rows = _fetchall(
        scope,
        "INSERT INTO queue_items (item_id, queue_id, org_id, trace_id, run_id, target_id, status, "
        "version, done_count, position, stratum, inclusion_prob, job_id, added_at) "
        f"WITH pop AS ({pop}), "
        "alloc AS (SELECT unnest($names) AS stratum, unnest($sizes) AS n_h, "
        "unnest($probs) AS pi), "
        "drawn AS (SELECT p.*, a.pi FROM pop p JOIN alloc a ON a.stratum = p.stratum "
        "QUALIFY row_number() OVER (PARTITION BY p.stratum "
        "ORDER BY hash(p.trace_id, $seed), p.trace_id) <= a.n_h) "
        "SELECT nextval('queue_item_id_seq'), CAST($queue AS UUID), CAST($org AS UUID), "
        f"c.trace_id, c.run_id, {target}, 'pending', 0, 0, random(), c.stratum, c.pi, "
        "CAST($job AS UUID), $now FROM drawn c ORDER BY c.trace_id "
        "RETURNING stratum",
        {
            **params,
            "org": scope.org_id,
            "run": run_id,
            "queue": queue_id,
            "names": names,
            "sizes": [int(allocations[k]) for k in names],
            "probs": [float(inclusion_probs[k]) for k in names],
            "seed": int(seed),
            "job": job_id,
            "now": scope.now(),
        },
    )
    added: dict[str, int] = {}
    for (name,) in rows:
        added[name] = added.get(name, 0) + 1
    return added


def sampled_items(scope: Scope, queue_id: str, job_id: str | None = None) -> list[dict[str, Any]]:
    """Items of a queue with their stratum and inclusion probability (optionally one job's)."""
    where = "q.org_id = CAST($org AS UUID) AND q.queue_id = CAST($queue AS UUID)"
    params: dict[str, Any] = {"org": scope.org_id, "queue": queue_id}
    if job_id is not None:
        where += " AND q.job_id = CAST($job AS UUID)"
        params["job"] = job_id
    sql = (
        "SELECT q.item_id, q.trace_id, CAST(q.run_id AS VARCHAR) AS run_id, q.target_id, "
        "c.case_id, q.stratum, q.inclusion_prob, CAST(q.job_id AS VARCHAR) AS job_id "
        "FROM queue_items q JOIN cases c ON c.org_id = q.org_id AND c.trace_id = q.trace_id "
        f"WHERE {where} ORDER BY q.item_id"
    )
    return scope.db.fetch_dicts(sql, _bound(sql, params))
