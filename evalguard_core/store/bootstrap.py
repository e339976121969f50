"""SQL for bootstrapping queues: strata counts, quantiles, histograms and the seeded draw.

Everything runs in DuckDB over the run's rows; nothing loads a run into Python. The stratum of
a case is one CASE expression built from a `StrataSpec` whose edges and names are bound as
parameters (never pasted into the SQL).
"""

from __future__ import annotations

import re
from typing import Any

from evalguard_core.db import Dialects
from evalguard_core.sampling import MISSING, StrataSpec
from evalguard_core.store import Scope
from evalguard_core.store.runs import _immutable, _quantiles

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


def _source_sql(spec: StrataSpec, complete: bool) -> tuple[str, dict[str, Any]]:
    """A SELECT of (trace_id, v, stratum) over all of the run's cases, and its parameters.

    When every case has the scorer's value (`complete`), reading the scores table alone is
    enough, which avoids joining a million cases; otherwise cases are left-joined so cases
    without a value land in the missing stratum.
    """
    params: dict[str, Any] = {"missing": MISSING, "scorer": spec.scorer}
    run_filter = "org_id = CAST($org AS UUID) AND run_id = CAST($run AS UUID)"
    if spec.strategy in ("score", "scorer"):
        column = "score" if spec.strategy == "score" else "label"
        valid = f"{column} IS NOT NULL" + (" AND NOT isnan(score)" if column == "score" else "")
        scored = (
            f"SELECT trace_id, {column} AS v FROM scores WHERE {run_filter} AND scorer = $scorer"
        )
        if complete:
            rows = f"({scored} AND {valid}) c"
        else:
            rows = (
                f"(SELECT c.trace_id, s.v FROM cases c LEFT JOIN ({scored} AND {valid}) s "
                "ON s.trace_id = c.trace_id WHERE c.org_id = CAST($org AS UUID) "
                "AND c.run_id = CAST($run AS UUID)) c"
            )
    elif spec.strategy == "latency":
        rows = f"(SELECT trace_id, latency_ms AS v FROM cases WHERE {run_filter}) c"
    else:
        rows = f"(SELECT trace_id, NULL AS v FROM cases WHERE {run_filter}) c"
    stratum = _stratum_sql(spec, params)
    return f"SELECT c.trace_id, c.v, {stratum} AS stratum FROM {rows}", params


def _stratum_sql(spec: StrataSpec, params: dict[str, Any]) -> str:
    """The expression naming a row's stratum from its value `c.v` (adds its parameters)."""
    if spec.strategy == "none":
        params["all"] = spec.names[0]
        return "$all"
    if spec.strategy == "scorer":
        return "coalesce(c.v, $missing)"
    whens = ["WHEN c.v IS NULL OR isnan(c.v) THEN $missing"]
    for i, edge in enumerate(spec.edges):
        params[f"e{i}"] = float(edge)
        params[f"n{i}"] = spec.names[i]
        whens.append(f"WHEN c.v < $e{i} THEN $n{i}")
    params["nlast"] = spec.names[len(spec.edges)]
    return f"CASE {' '.join(whens)} ELSE $nlast END"


# A case's pseudo-random rank for a seed: portable (DuckDB's hash() has no PostgreSQL twin).
_RANK = "md5(CAST(trace_id AS VARCHAR) || ':' || CAST($seed AS VARCHAR))"

_QUEUED = (
    "SELECT trace_id FROM queue_items WHERE org_id = CAST($org AS UUID) "
    "AND queue_id = CAST($queue AS UUID)"
)


@_immutable
def scorer_kinds(scope: Scope, run_id: str) -> list[dict[str, Any]]:
    """Per scorer of a run: how many numeric scores and how many labels it has."""
    return scope.db.fetch_dicts(
        "SELECT scorer, count(score) AS n_scores, count(label) AS n_labels FROM scores "
        "WHERE org_id = CAST(? AS UUID) AND run_id = CAST(? AS UUID) GROUP BY scorer "
        "ORDER BY scorer",
        [scope.org_id, run_id],
    )


@_immutable
def label_values(scope: Scope, run_id: str, scorer: str) -> list[str]:
    """The distinct labels one scorer gave in a run."""
    rows = scope.db.fetchall(
        "SELECT DISTINCT label FROM scores WHERE org_id = CAST(? AS UUID) "
        "AND run_id = CAST(? AS UUID) AND scorer = ? AND label IS NOT NULL ORDER BY label",
        [scope.org_id, run_id, scorer],
    )
    return [r[0] for r in rows]


@_immutable
def score_stats(scope: Scope, run_id: str, scorer: str) -> dict[str, Any]:
    """Count, range and terciles (observed values) of one scorer's scores over the whole run.

    Terciles are only computed when the scores leave [0, 1] (the only case that uses them).
    """
    where = (
        "WHERE org_id = CAST(? AS UUID) AND run_id = CAST(? AS UUID) AND scorer = ? "
        "AND score IS NOT NULL AND NOT isnan(score)"
    )
    params = [scope.org_id, run_id, scorer]
    stats = scope.db.fetch_dicts(
        f"SELECT count(score) AS n, min(score) AS min, max(score) AS max FROM scores {where}",
        params,
    )[0]
    stats["t1"] = stats["t2"] = None
    if stats["n"] and not (stats["min"] >= 0.0 and stats["max"] <= 1.0):
        terciles = scope.db.fetchone(
            "SELECT percentile_disc(1.0 / 3) WITHIN GROUP (ORDER BY score), "
            f"percentile_disc(2.0 / 3) WITHIN GROUP (ORDER BY score) FROM scores {where}",
            params,
        )
        stats["t1"], stats["t2"] = terciles or (None, None)
    return stats


@_immutable
def latency_stats(scope: Scope, run_id: str) -> dict[str, Any]:
    """Count, range and p50/p90/p99 of latency_ms over the whole run."""
    rows = scope.db.fetch_dicts(
        "SELECT count(latency_ms) AS n, min(latency_ms) AS min, max(latency_ms) AS max, "
        f"{_quantiles('latency_ms')} FROM cases "
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


def runs_per_queue(scope: Scope, queue_id: str | None = None) -> dict[str, dict[str, int]]:
    """{queue_id: {run_id: items}}: which runs the organization's queues (or one) hold items of."""
    one = " AND queue_id = CAST(? AS UUID)" if queue_id is not None else ""
    out: dict[str, dict[str, int]] = {}
    for qid, run_id, n in scope.db.fetchall(
        "SELECT CAST(queue_id AS VARCHAR), CAST(run_id AS VARCHAR), count(*) FROM queue_items "
        f"WHERE org_id = CAST(? AS UUID){one} GROUP BY queue_id, run_id",
        [scope.org_id, *([queue_id] if queue_id is not None else [])],
    ):
        out.setdefault(str(qid), {})[str(run_id)] = int(n)
    return out


def stratum_populations(
    scope: Scope, run_id: str, queue_id: str, spec: StrataSpec, *, complete: bool
) -> dict[str, int]:
    """{stratum: N_h} over the run's cases that are not in the queue yet.

    Counted as the run's strata minus the queued cases' strata, so the common case (nothing of
    this run queued yet) never needs an anti-join over the whole run.
    """
    src, params = _source_sql(spec, complete)
    params = {**params, "org": scope.org_id, "run": run_id, "queue": queue_id}
    counts = {
        name: int(n)
        for name, n in _fetchall(
            scope, f"SELECT stratum, count(*) FROM ({src}) s GROUP BY stratum", params
        )
    }
    if queued_from_run(scope, queue_id, run_id):
        queued = _fetchall(
            scope,
            f"SELECT stratum, count(*) FROM ({src}) s WHERE trace_id IN ({_QUEUED}) "
            "GROUP BY stratum",
            params,
        )
        for name, n in queued:
            counts[name] -= int(n)
    return {name: n for name, n in counts.items() if n > 0}


def histogram(
    scope: Scope,
    run_id: str,
    spec: StrataSpec,
    lo: float | None,
    hi: float | None,
    *,
    complete: bool,
    bins: int = HISTOGRAM_BINS,
) -> list[dict[str, Any]]:
    """Bins of the stratifying variable over the whole run, split by stratum (for colouring).

    Numeric: equal-width bins on [lo, hi], values beyond hi counted in the last bin. Labels:
    one bin per label value. `none`: no bins.
    """
    if spec.strategy == "none":
        return []
    src, params = _source_sql(spec, complete)
    params = {**params, "org": scope.org_id, "run": run_id}
    if spec.strategy == "scorer":
        rows = _fetchall(
            scope, f"SELECT stratum, count(*) FROM ({src}) s GROUP BY 1 ORDER BY stratum", params
        )
        return [{"value": name, "stratum": name, "count": int(n)} for name, n in rows]
    if lo is None or hi is None:
        return []
    width = (hi - lo) / bins if hi > lo else 1.0
    nbins = bins if hi > lo else 1
    rows = _fetchall(
        scope,
        "SELECT greatest(least(CAST(floor((v - $lo) / $width) AS BIGINT), $last), 0) AS b, "
        f"stratum, count(*) FROM ({src}) s WHERE v IS NOT NULL AND NOT isnan(v) "
        "GROUP BY 1, 2 ORDER BY b, stratum",
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
    complete: bool,
    allocations: dict[str, int],
    inclusion_probs: dict[str, float],
    seed: int,
    job_id: str | None,
) -> dict[str, int]:
    """Draw n_h cases per stratum (seeded rank order) into the queue; returns added per stratum.

    The caller holds the transaction. `_RANK` (md5 of trace id and seed, the same on DuckDB and
    PostgreSQL) gives every case a fixed pseudo-random rank for a seed, so the same seed, run
    and queue state draw the same cases on either backend: the n_h eligible cases of lowest
    rank. On DuckDB `min_by(…, k)` first keeps only the k lowest per stratum (a top-k, not a
    sort of the run); k leaves room for cases skipped because they are queued.
    """
    names = [k for k, v in allocations.items() if v > 0]
    if not names:
        return {}
    src, params = _source_sql(spec, complete)
    k = max(allocations[n] for n in names) + queued_from_run(scope, queue_id, run_id)
    target = _TARGET_EXPR[target_type]
    draw = Dialects(
        duckdb=(
            f"top AS (SELECT stratum, min_by(trace_id, {_RANK}, $k) AS ids FROM src "
            "WHERE list_contains(CAST($names AS VARCHAR[]), stratum) GROUP BY stratum), "
            "cand AS (SELECT stratum, unnest(ids) AS trace_id FROM top), "
            "fresh AS (SELECT c.trace_id, c.stratum, a.n_h, a.pi FROM cand c "
            f"JOIN alloc a ON a.stratum = c.stratum WHERE c.trace_id NOT IN ({_QUEUED})), "
            "drawn AS (SELECT * FROM fresh QUALIFY row_number() OVER (PARTITION BY stratum "
            f"ORDER BY {_RANK}, trace_id) <= n_h) "
        ),
        postgresql=(
            "fresh AS (SELECT s.trace_id, s.stratum, a.n_h, a.pi FROM src s "
            f"JOIN alloc a ON a.stratum = s.stratum WHERE s.trace_id NOT IN ({_QUEUED})), "
            "drawn AS (SELECT * FROM (SELECT f.*, row_number() OVER (PARTITION BY stratum "
            f"ORDER BY {_RANK}, trace_id) AS rn FROM fresh f) r WHERE rn <= n_h) "
        ),
    )
    rows = _fetchall(
        scope,
        "INSERT INTO queue_items (item_id, queue_id, org_id, trace_id, run_id, target_id, status, "
        "version, done_count, position, stratum, inclusion_prob, job_id, added_at) "
        f"WITH src AS ({src}), "
        "alloc AS (SELECT unnest(CAST($names AS VARCHAR[])) AS stratum, "
        "unnest(CAST($sizes AS BIGINT[])) AS n_h, "
        "unnest(CAST($probs AS DOUBLE PRECISION[])) AS pi), "
        f"{scope.db.sql(draw)}"
        "SELECT nextval('queue_item_id_seq'), CAST($queue AS UUID), CAST($org AS UUID), "
        f"c.trace_id, c.run_id, {target}, 'pending', 0, 0, random(), d.stratum, d.pi, "
        "CAST($job AS UUID), $now FROM drawn d JOIN cases c ON c.trace_id = d.trace_id "
        "AND c.org_id = CAST($org AS UUID) AND c.run_id = CAST($run AS UUID) "
        "ORDER BY c.trace_id RETURNING stratum",
        {
            **params,
            "org": scope.org_id,
            "run": run_id,
            "queue": queue_id,
            "names": names,
            "sizes": [int(allocations[n]) for n in names],
            "probs": [float(inclusion_probs[n]) for n in names],
            "seed": int(seed),
            "k": int(k),
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
