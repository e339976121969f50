"""SQL for importing human labels made elsewhere into annotations.

The staged file may live in another database than the store (an in-memory DuckDB in front of
PostgreSQL), so its rows reach the store as array parameters, never by joining the two.
"""

from __future__ import annotations

from typing import Any

from evalguard_core.store import Scope
from evalguard_core.store.runs import StagedFile, quote_ident

# The staged labels, one row per label, as arrays bound to the store's statements.
_LABELS = (
    "(SELECT unnest(CAST(? AS VARCHAR[])) AS case_id, unnest(CAST(? AS VARCHAR[])) AS annotator, "
    "unnest(CAST(? AS VARCHAR[])) AS label, unnest(CAST(? AS DOUBLE PRECISION[])) AS score, "
    "unnest(CAST(? AS VARCHAR[])) AS comment) s"
)


def staged_unknown_case_ids(
    scope: Scope, staged: StagedFile, run_id: str, limit: int = 20
) -> tuple[int, list[str]]:
    """Case ids in the staged labels that the run does not have."""
    cid = f"trim(CAST({quote_ident('case_id')} AS VARCHAR))"
    ids = [r[0] for r in staged.db.fetchall(f"SELECT DISTINCT {cid} FROM {staged.table}")]
    rows = scope.db.fetchall(
        "SELECT u.case_id FROM (SELECT unnest(CAST(? AS VARCHAR[])) AS case_id) u "
        "WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.org_id = ? "
        "AND c.run_id = CAST(? AS UUID) AND c.case_id = u.case_id) ORDER BY u.case_id",
        [ids, scope.org_id, run_id],
    )
    return len(rows), [r[0] for r in rows[: int(limit)]]


def _staged_labels(staged: StagedFile) -> list[list[Any]]:
    """The staged labels as five parallel lists: case id, annotator, label, score, comment."""
    cols = staged.columns
    label = (
        f"NULLIF(trim(CAST({quote_ident('label')} AS VARCHAR)), '')" if "label" in cols else "NULL"
    )
    score = (
        f"CAST(CAST({quote_ident('score')} AS VARCHAR) AS DOUBLE)" if "score" in cols else "NULL"
    )
    comment = f"CAST({quote_ident('comment')} AS VARCHAR)" if "comment" in cols else "NULL"
    row = staged.db.fetchone(
        f"SELECT list(trim(CAST({quote_ident('case_id')} AS VARCHAR)) ORDER BY _row), "
        f"list(trim(CAST({quote_ident('annotator')} AS VARCHAR)) ORDER BY _row), "
        f"list({label} ORDER BY _row), list({score} ORDER BY _row), "
        f"list({comment} ORDER BY _row) FROM {staged.table}"
    )
    return [list(v) if v is not None else [] for v in (row or [None] * 5)]


def insert_labels(scope: Scope, staged: StagedFile, run_id: str, *, kind: str) -> int:
    """Replace each (case, annotator)'s imported label with the staged one; returns rows added."""
    labels = _staged_labels(staged)
    target_type = "pairwise" if kind == "pairwise" else "eval_case"
    now = scope.now()
    # One row per rater per target: a re-import replaces that rater's earlier imported label.
    scope.db.execute(
        "DELETE FROM annotations a WHERE a.org_id = ? AND a.run_id = CAST(? AS UUID) "
        f"AND a.source = 'import' AND EXISTS (SELECT 1 FROM {_LABELS} "
        "JOIN cases c ON c.case_id = s.case_id AND c.run_id = CAST(? AS UUID) "
        "AND c.org_id = ? WHERE c.trace_id = a.trace_id AND s.annotator = a.annotator)",
        [scope.org_id, run_id, *labels, run_id, scope.org_id],
    )
    scope.db.execute(
        "INSERT INTO annotations (annotation_id, org_id, run_id, trace_id, target_type, target_id, "
        "annotator, label, score, comment, source, created_at, updated_at) "
        "SELECT gen_random_uuid(), CAST(? AS UUID), c.run_id, c.trace_id, ?, "
        "CAST(c.run_id AS VARCHAR) || ':' || c.case_id, s.annotator, s.label, s.score, "
        f"s.comment, 'import', ?, ? FROM {_LABELS} "
        "JOIN cases c ON c.case_id = s.case_id AND c.run_id = CAST(? AS UUID) AND c.org_id = ?",
        [scope.org_id, target_type, now, now, *labels, run_id, scope.org_id],
    )
    return staged.rows
