"""SQL for importing human labels made elsewhere into annotations."""

from __future__ import annotations

from evalguard_core.store import Scope
from evalguard_core.store.runs import StagedFile, quote_ident


def staged_unknown_case_ids(
    scope: Scope, staged: StagedFile, run_id: str, limit: int = 20
) -> tuple[int, list[str]]:
    """Case ids in the staged labels that the run does not have."""
    cid = f"trim(CAST(s.{quote_ident('case_id')} AS VARCHAR))"
    base = (
        f"FROM (SELECT DISTINCT {cid} AS case_id FROM {staged.table} s) u "
        "WHERE NOT EXISTS (SELECT 1 FROM cases c WHERE c.org_id = ? "
        "AND c.run_id = CAST(? AS UUID) AND c.case_id = u.case_id)"
    )
    params = [scope.org_id, run_id]
    total = scope.db.scalar(f"SELECT count(*) {base}", params)
    sample = scope.db.fetchall(f"SELECT case_id {base} ORDER BY case_id LIMIT {int(limit)}", params)
    return int(total), [r[0] for r in sample]


def insert_labels(scope: Scope, staged: StagedFile, run_id: str, *, kind: str) -> int:
    """Replace each (case, annotator)'s imported label with the staged one; returns rows added."""
    cols = staged.columns
    cid = f"trim(CAST(s.{quote_ident('case_id')} AS VARCHAR))"
    ann = f"trim(CAST(s.{quote_ident('annotator')} AS VARCHAR))"
    label = (
        f"NULLIF(trim(CAST(s.{quote_ident('label')} AS VARCHAR)), '')"
        if "label" in cols
        else "NULL"
    )
    score = (
        f"CAST(CAST(s.{quote_ident('score')} AS VARCHAR) AS DOUBLE)" if "score" in cols else "NULL"
    )
    comment = f"CAST(s.{quote_ident('comment')} AS VARCHAR)" if "comment" in cols else "NULL"
    target_type = "pairwise" if kind == "pairwise" else "eval_case"
    now = scope.now()
    # One row per rater per target: a re-import replaces that rater's earlier imported label.
    scope.db.execute(
        "DELETE FROM annotations a WHERE a.org_id = ? AND a.run_id = CAST(? AS UUID) "
        "AND a.source = 'import' AND EXISTS (SELECT 1 FROM "
        f"{staged.table} s JOIN cases c ON c.case_id = {cid} AND c.run_id = CAST(? AS UUID) "
        f"AND c.org_id = ? WHERE c.trace_id = a.trace_id AND {ann} = a.annotator)",
        [scope.org_id, run_id, run_id, scope.org_id],
    )
    scope.db.execute(
        "INSERT INTO annotations (annotation_id, org_id, run_id, trace_id, target_type, target_id, "
        "annotator, label, score, comment, source, created_at, updated_at) "
        "SELECT uuid(), ?, c.run_id, c.trace_id, ?, "
        f"CAST(c.run_id AS VARCHAR) || ':' || c.case_id, {ann}, {label}, {score}, {comment}, "
        f"'import', ?, ? FROM {staged.table} s "
        f"JOIN cases c ON c.case_id = {cid} AND c.run_id = CAST(? AS UUID) AND c.org_id = ?",
        [scope.org_id, target_type, now, now, run_id, scope.org_id],
    )
    return staged.rows
