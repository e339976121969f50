"""SQL for exports: annotations, queue items, and paired judge/human tables (as Arrow)."""

from __future__ import annotations

from typing import Any

from evalguard_core.store import Scope


def _arrow(scope: Scope, sql: str, params: list[Any]) -> Any:
    """Run a query and return a pyarrow Table."""
    return scope.db.fetch_arrow(sql, params)


def annotations_table(
    scope: Scope, *, run_id: str | None, queue_id: str | None, annotator: str | None = None
) -> Any:
    """Every annotation with the rater's identity, optionally for one run, queue or rater."""
    return _arrow(
        scope,
        "SELECT CAST(a.annotation_id AS VARCHAR) AS annotation_id, "
        "CAST(a.run_id AS VARCHAR) AS run_id, c.case_id, a.trace_id, a.target_type, a.target_id, "
        "CAST(a.queue_id AS VARCHAR) AS queue_id, CAST(a.task_id AS VARCHAR) AS task_id, "
        "a.annotator, a.label, a.score, a.comment, a.source, a.created_at, a.updated_at "
        "FROM annotations a JOIN cases c ON c.trace_id = a.trace_id AND c.org_id = a.org_id "
        "WHERE a.org_id = ? AND (CAST(? AS VARCHAR) IS NULL OR CAST(a.run_id AS VARCHAR) = ?) "
        "AND (CAST(? AS VARCHAR) IS NULL OR CAST(a.queue_id AS VARCHAR) = ?) "
        "ORDER BY a.created_at, a.trace_id",
        [scope.org_id, run_id, run_id, queue_id, queue_id],
    )


def queue_items_table(scope: Scope, *, queue_id: str) -> Any:
    """A queue's items with their strata and inclusion probabilities."""
    return _arrow(
        scope,
        "SELECT qi.item_id, CAST(qi.queue_id AS VARCHAR) AS queue_id, qi.target_id, "
        "CAST(qi.run_id AS VARCHAR) AS run_id, c.case_id, qi.trace_id, qi.status, qi.done_count, "
        "qi.stratum, qi.inclusion_prob, CAST(qi.job_id AS VARCHAR) AS job_id, qi.added_at "
        "FROM queue_items qi JOIN cases c ON c.trace_id = qi.trace_id AND c.org_id = qi.org_id "
        "WHERE qi.org_id = ? AND CAST(qi.queue_id AS VARCHAR) = ? ORDER BY qi.item_id",
        [scope.org_id, queue_id],
    )


def paired_table(scope: Scope, *, run_id: str, judge: str, queue_id: str | None) -> Any:
    """One row per human label beside the judge's verdict on the same case."""
    return _arrow(
        scope,
        "SELECT CAST(c.run_id AS VARCHAR) AS run_id, c.case_id, c.trace_id, "
        "s.label AS judge_label, s.score AS judge_score, a.annotator, a.label AS human_label, "
        "a.score AS human_score, a.comment, CAST(a.queue_id AS VARCHAR) AS queue_id, "
        "qi.stratum, qi.inclusion_prob "
        "FROM annotations a JOIN cases c ON c.trace_id = a.trace_id AND c.org_id = a.org_id "
        "LEFT JOIN scores s ON s.trace_id = a.trace_id AND s.scorer = ? AND s.org_id = a.org_id "
        "LEFT JOIN queue_items qi ON qi.trace_id = a.trace_id AND qi.queue_id = a.queue_id "
        "AND qi.org_id = a.org_id "
        "WHERE a.org_id = ? AND CAST(a.run_id AS VARCHAR) = ? "
        "AND (CAST(? AS VARCHAR) IS NULL OR CAST(a.queue_id AS VARCHAR) = ?) "
        "ORDER BY c.trace_id, a.annotator",
        [judge, scope.org_id, run_id, queue_id, queue_id],
    )
