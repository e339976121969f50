"""SQL that gathers the inputs of an alignment report: human labels, judge verdicts, design.

Run ids are compared as UUIDs (callers pass the id `require_run` returned), so PostgreSQL can
use its indexes on `run_id` instead of casting every row.
"""

from __future__ import annotations

from typing import Any

from evalguard_core.store import Scope
from evalguard_core.store.runs import _immutable


def human_labels(scope: Scope, run_id: str, *, queue_id: str | None, task_id: str | None) -> Any:
    """Long table item (trace_id), rater, label, score of the run's human annotations."""
    return scope.db.fetch_df(
        "SELECT trace_id AS item, annotator AS rater, label, score FROM annotations "
        "WHERE org_id = ? AND run_id = CAST(? AS UUID) "
        "AND (CAST(? AS VARCHAR) IS NULL OR CAST(queue_id AS VARCHAR) = ?) "
        "AND (CAST(? AS VARCHAR) IS NULL OR CAST(task_id AS VARCHAR) = ?) "
        "ORDER BY trace_id, annotator",
        [scope.org_id, run_id, queue_id, queue_id, task_id, task_id],
    )


def judge_labels(
    scope: Scope,
    run_id: str,
    judge: str,
    *,
    queue_id: str | None = None,
    task_id: str | None = None,
) -> Any:
    """Table item (trace_id), label, score of one scorer on the run's human-labelled cases.

    Only cases with a human label in the selection can be compared, so the rest of a large run
    (1M judge rows) is never loaded.
    """
    return scope.db.fetch_df(
        "SELECT trace_id AS item, label, score FROM scores WHERE org_id = ? "
        "AND run_id = CAST(? AS UUID) AND scorer = ? AND trace_id IN ("
        "SELECT trace_id FROM annotations WHERE org_id = ? AND run_id = CAST(? AS UUID) "
        "AND (CAST(? AS VARCHAR) IS NULL OR CAST(queue_id AS VARCHAR) = ?) "
        "AND (CAST(? AS VARCHAR) IS NULL OR CAST(task_id AS VARCHAR) = ?)) ORDER BY trace_id",
        [scope.org_id, run_id, judge, scope.org_id, run_id, queue_id, queue_id, task_id, task_id],
    )


def label_sequence(
    scope: Scope, run_id: str, *, queue_id: str | None, task_id: str | None
) -> list[str]:
    """Items (trace_id) in the order they were first labelled: the sequential gate's order."""
    rows = scope.db.fetchall(
        "SELECT trace_id FROM annotations WHERE org_id = ? AND CAST(run_id AS VARCHAR) = ? "
        "AND (CAST(? AS VARCHAR) IS NULL OR CAST(queue_id AS VARCHAR) = ?) "
        "AND (CAST(? AS VARCHAR) IS NULL OR CAST(task_id AS VARCHAR) = ?) "
        "GROUP BY trace_id ORDER BY min(created_at), trace_id",
        [scope.org_id, run_id, queue_id, queue_id, task_id, task_id],
    )
    return [str(r[0]) for r in rows]


CASE_FIELDS = ("case_id", "input", "output", "output_a", "output_b", "expected")


def case_groups(scope: Scope, run_id: str, field: str) -> Any:
    """Table item, group: a case column (CASE_FIELDS) or a metadata key, per case of the run."""
    if field in CASE_FIELDS:
        expr, params = field, []
    else:
        # The key is a bound parameter, never spliced into the SQL; `->>` with a plain key
        # reads the same on DuckDB and PostgreSQL (dots and quotes in keys included).
        expr, params = "(metadata ->> ?)", [field]
    return scope.db.fetch_df(
        f'SELECT trace_id AS item, {expr} AS "group" FROM cases WHERE org_id = ? '
        "AND CAST(run_id AS VARCHAR) = ?",
        [*params, scope.org_id, run_id],
    )


def judge_run_counts(scope: Scope, run_id: str, judge: str) -> Any:
    """Table label, n: how often the scorer gave each label over the whole run (PPI's judge side).

    Counts, not rows, so a 1M-case run costs one aggregate.
    """
    return scope.db.fetch_df(
        "SELECT label, count(*) AS n FROM scores WHERE org_id = ? "
        "AND CAST(run_id AS VARCHAR) = ? AND scorer = ? AND label IS NOT NULL GROUP BY label "
        "ORDER BY label",
        [scope.org_id, run_id, judge],
    )


def design(scope: Scope, queue_id: str) -> Any:
    """Strata and inclusion probabilities of a bootstrapped queue's items."""
    return scope.db.fetch_df(
        "SELECT trace_id AS item, stratum, inclusion_prob FROM queue_items WHERE org_id = ? "
        "AND CAST(queue_id AS VARCHAR) = ? AND inclusion_prob IS NOT NULL",
        [scope.org_id, queue_id],
    )


@_immutable
def scorer_names(scope: Scope, run_id: str) -> list[str]:
    """Scorers of a run, judges (those with labels) first."""
    rows = scope.db.fetchall(
        "SELECT scorer, count(label) > 0 AS has_labels FROM scores WHERE org_id = ? "
        "AND run_id = CAST(? AS UUID) GROUP BY scorer ORDER BY has_labels DESC, scorer",
        [scope.org_id, run_id],
    )
    return [r[0] for r in rows]


def disagreements(
    scope: Scope,
    run_id: str,
    judge: str,
    *,
    queue_id: str | None,
    task_id: str | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Cases where a human label differs from the judge's label, with the case text."""
    return scope.db.fetch_dicts(
        "SELECT c.trace_id, c.case_id, c.input, c.output, c.output_a, c.output_b, c.expected, "
        "s.label AS judge_label, a.annotator, a.label AS human_label, a.comment, qi.stratum "
        "FROM annotations a JOIN scores s ON s.trace_id = a.trace_id AND s.scorer = ? "
        "AND s.org_id = a.org_id JOIN cases c ON c.trace_id = a.trace_id AND c.org_id = a.org_id "
        # The stratum the label's queue drew the case from (none for labels outside a queue).
        "LEFT JOIN queue_items qi ON qi.org_id = a.org_id AND qi.queue_id = a.queue_id "
        "AND qi.trace_id = a.trace_id "
        "WHERE a.org_id = ? AND a.run_id = CAST(? AS UUID) "
        "AND (CAST(? AS VARCHAR) IS NULL OR CAST(a.queue_id AS VARCHAR) = ?) "
        "AND (CAST(? AS VARCHAR) IS NULL OR CAST(a.task_id AS VARCHAR) = ?) "
        "AND a.label IS NOT NULL AND s.label IS NOT NULL AND lower(a.label) <> lower(s.label) "
        "ORDER BY c.trace_id, a.annotator LIMIT ?",
        [judge, scope.org_id, run_id, queue_id, queue_id, task_id, task_id, limit],
    )


def shown_orders(scope: Scope, run_id: str, *, queue_id: str | None, task_id: str | None) -> Any:
    """Table item, rater, order: the side order (AB / BA) each pairwise label was made in.

    The order is recorded on the rater's claim when the label completes it (claims.shown_order);
    labels made without a claim (API, imports) have none and are not listed.
    """
    return scope.db.fetch_df(
        'SELECT a.trace_id AS item, a.annotator AS rater, c.shown_order AS "order" '
        "FROM annotations a JOIN claims c ON c.org_id = a.org_id AND c.queue_id = a.queue_id "
        "AND c.item_id = a.item_id AND c.annotator = a.annotator "
        "WHERE a.org_id = ? AND a.run_id = CAST(? AS UUID) AND c.status = 'completed' "
        "AND c.shown_order IS NOT NULL "
        "AND (CAST(? AS VARCHAR) IS NULL OR CAST(a.queue_id AS VARCHAR) = ?) "
        "AND (CAST(? AS VARCHAR) IS NULL OR CAST(a.task_id AS VARCHAR) = ?) "
        "ORDER BY a.trace_id, a.annotator, c.ended_at",
        [scope.org_id, run_id, queue_id, queue_id, task_id, task_id],
    )


def queue_runs(scope: Scope, queue_id: str) -> list[str]:
    """Runs the queue's items come from, the one with most items first."""
    rows = scope.db.fetchall(
        "SELECT CAST(run_id AS VARCHAR), count(*) AS n FROM queue_items WHERE org_id = ? "
        "AND CAST(queue_id AS VARCHAR) = ? GROUP BY run_id ORDER BY n DESC, 1",
        [scope.org_id, queue_id],
    )
    return [str(r[0]) for r in rows]
