"""SQL for rubrics: versioned questions of a queue or task, and the answers raters gave."""

from __future__ import annotations

import json
import uuid
from typing import Any

from evalguard_core.store import Scope

_QUESTION_COLUMNS = (
    "version, position, name, kind, options, scale_min, scale_max, step, min_label, max_label, "
    "required, description"
)

# Answers of a queue's labels: the rubric answers, plus the label / score of annotations made
# through the one-question contract before it recorded answers (older stores, imports), which
# answer version 1's `label` and `score` questions (docs/adr/0016-rubrics.md). An answer whose
# label was taken back (undo, retract, queue deleted) is gone with it; the label's current
# rater name and queue win, so pseudonymising a rater or keeping labels of a deleted queue
# reads the same here as everywhere else.
_ANSWERS = (
    "(SELECT r.run_id, r.trace_id, CASE WHEN r.annotation_id IS NULL THEN r.queue_id "
    "ELSE l.queue_id END AS queue_id, r.task_id, coalesce(l.annotator, r.annotator) AS annotator, "
    "r.rubric_version, r.question, r.value_label, r.value_score, r.annotation_id "
    "FROM rubric_answers r LEFT JOIN annotations l ON l.annotation_id = r.annotation_id "
    "AND l.org_id = r.org_id WHERE r.org_id = $org "
    "AND (r.annotation_id IS NULL OR l.annotation_id IS NOT NULL) "
    "UNION ALL SELECT a.run_id, a.trace_id, a.queue_id, a.task_id, a.annotator, 1, 'label', "
    "a.label, CAST(NULL AS DOUBLE PRECISION), a.annotation_id FROM annotations a "
    "WHERE a.org_id = $org AND a.label IS NOT NULL AND NOT EXISTS (SELECT 1 FROM rubric_answers x "
    "WHERE x.annotation_id = a.annotation_id) "
    "UNION ALL SELECT a.run_id, a.trace_id, a.queue_id, a.task_id, a.annotator, 1, 'score', "
    "CAST(NULL AS VARCHAR), a.score, a.annotation_id FROM annotations a "
    "WHERE a.org_id = $org AND a.score IS NOT NULL AND NOT EXISTS (SELECT 1 FROM rubric_answers x "
    "WHERE x.annotation_id = a.annotation_id)) ans"
)


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    """Parse a question row's JSON options and drop empty fields."""
    row["options"] = json.loads(row["options"]) if row.get("options") else None
    row["required"] = bool(row["required"])
    return row


def latest_version(scope: Scope, owner_id: str) -> int:
    """The newest rubric version of a queue or task (0 when it has none)."""
    value = scope.db.scalar(
        "SELECT max(version) FROM rubric_questions WHERE org_id = ? "
        "AND CAST(owner_id AS VARCHAR) = ?",
        [scope.org_id, str(owner_id)],
    )
    return int(value or 0)


def versions(scope: Scope, owner_id: str) -> list[int]:
    """Every rubric version of a queue or task, oldest first."""
    rows = scope.db.fetchall(
        "SELECT DISTINCT version FROM rubric_questions WHERE org_id = ? "
        "AND CAST(owner_id AS VARCHAR) = ? ORDER BY version",
        [scope.org_id, str(owner_id)],
    )
    return [int(r[0]) for r in rows]


def questions(scope: Scope, owner_id: str, version: int) -> list[dict[str, Any]]:
    """The questions of one rubric version, in order."""
    rows = scope.db.fetch_dicts(
        f"SELECT {_QUESTION_COLUMNS} FROM rubric_questions WHERE org_id = ? "
        "AND CAST(owner_id AS VARCHAR) = ? AND version = ? ORDER BY position",
        [scope.org_id, str(owner_id), int(version)],
    )
    return [_decode(r) for r in rows]


def delete_version(scope: Scope, owner_id: str, version: int) -> None:
    """Remove one rubric version's questions (only ever one nobody has answered)."""
    scope.db.execute(
        "DELETE FROM rubric_questions WHERE org_id = ? AND CAST(owner_id AS VARCHAR) = ? "
        "AND version = ?",
        [scope.org_id, str(owner_id), int(version)],
    )


def insert_questions(
    scope: Scope,
    owner_kind: str,
    owner_id: str,
    version: int,
    items: list[dict[str, Any]],
    created_by: str | None,
) -> None:
    """Write the questions of one rubric version."""
    now = scope.now()
    for position, q in enumerate(items):
        scope.db.execute(
            "INSERT INTO rubric_questions (org_id, owner_kind, owner_id, version, position, name, "
            "kind, options, scale_min, scale_max, step, min_label, max_label, required, "
            "description, created_by, created_at) "
            "VALUES (?, ?, CAST(? AS UUID), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                scope.org_id,
                owner_kind,
                str(owner_id),
                int(version),
                position,
                q["name"],
                q["kind"],
                json.dumps(q["options"]) if q.get("options") is not None else None,
                q.get("scale_min"),
                q.get("scale_max"),
                q.get("step"),
                q.get("min_label"),
                q.get("max_label"),
                bool(q.get("required", True)),
                q.get("description"),
                created_by,
                now,
            ],
        )


def labels_exist(scope: Scope, owner_kind: str, owner_id: str) -> bool:
    """True once any label was made in the queue or task (answers or one-question labels)."""
    column = "task_id" if owner_kind == "task" else "queue_id"
    return bool(
        scope.db.scalar(
            f"SELECT count(*) FROM annotations WHERE org_id = ? AND CAST({column} AS VARCHAR) = ?",
            [scope.org_id, str(owner_id)],
        )
    )


def replace_answers(
    scope: Scope, annotation: dict[str, Any], version: int, answers: dict[str, Any]
) -> None:
    """Store one label's answers, replacing what the same label answered before."""
    scope.db.execute(
        "DELETE FROM rubric_answers WHERE org_id = ? AND CAST(annotation_id AS VARCHAR) = ?",
        [scope.org_id, str(annotation["annotation_id"])],
    )
    now = scope.now()
    for name, (text, number) in answers.items():
        scope.db.execute(
            "INSERT INTO rubric_answers (answer_id, org_id, annotation_id, run_id, trace_id, "
            "queue_id, task_id, annotator, rubric_version, question, value_label, value_score, "
            "source, created_at) VALUES (?, ?, CAST(? AS UUID), CAST(? AS UUID), ?, "
            "CAST(? AS UUID), CAST(? AS UUID), ?, ?, ?, ?, ?, ?, ?)",
            [
                str(uuid.uuid4()),
                scope.org_id,
                str(annotation["annotation_id"]),
                str(annotation["run_id"]),
                int(annotation["trace_id"]),
                annotation.get("queue_id"),
                annotation.get("task_id"),
                annotation["annotator"],
                int(version),
                name,
                text,
                number,
                annotation["source"],
                now,
            ],
        )


def annotation_row(scope: Scope, annotation_id: str) -> dict[str, Any] | None:
    """The fields of an annotation that its answers repeat."""
    return scope.db.fetch_dict(
        "SELECT CAST(annotation_id AS VARCHAR) AS annotation_id, CAST(run_id AS VARCHAR) "
        "AS run_id, trace_id, CAST(queue_id AS VARCHAR) AS queue_id, CAST(task_id AS VARCHAR) "
        "AS task_id, annotator, source, label, score FROM annotations WHERE org_id = ? "
        "AND CAST(annotation_id AS VARCHAR) = ?",
        [scope.org_id, str(annotation_id)],
    )


def answer_versions(
    scope: Scope, run_id: str, question: str, *, queue_id: str | None, task_id: str | None
) -> list[int | None]:
    """The rubric versions that answers to `question` in the selection were given under."""
    rows = scope.db.fetchall(
        f"SELECT DISTINCT rubric_version FROM {_ANSWERS} WHERE CAST(run_id AS VARCHAR) = $run "
        "AND question = $q AND (CAST($queue AS VARCHAR) IS NULL "
        "OR CAST(queue_id AS VARCHAR) = $queue) AND (CAST($task AS VARCHAR) IS NULL "
        "OR CAST(task_id AS VARCHAR) = $task) ORDER BY rubric_version",
        {"org": scope.org_id, "run": run_id, "q": question, "queue": queue_id, "task": task_id},
    )
    return [None if r[0] is None else int(r[0]) for r in rows]


def human_answers(
    scope: Scope,
    run_id: str,
    question: str,
    *,
    queue_id: str | None,
    task_id: str | None,
    version: int | None,
) -> Any:
    """Long table item (trace_id), rater, label, score of the answers to one question.

    `version` None takes every version (the caller decided that mixing them is intended).
    """
    return scope.db.fetch_df(
        "SELECT trace_id AS item, annotator AS rater, value_label AS label, value_score AS score "
        f"FROM {_ANSWERS} WHERE CAST(run_id AS VARCHAR) = $run AND question = $q "
        "AND (CAST($queue AS VARCHAR) IS NULL OR CAST(queue_id AS VARCHAR) = $queue) "
        "AND (CAST($task AS VARCHAR) IS NULL OR CAST(task_id AS VARCHAR) = $task) "
        "AND (CAST($version AS INTEGER) IS NULL OR rubric_version = $version) "
        "ORDER BY trace_id, annotator",
        {
            "org": scope.org_id,
            "run": run_id,
            "q": question,
            "queue": queue_id,
            "task": task_id,
            "version": version,
        },
    )


def judge_for_items(scope: Scope, run_id: str, judge: str, items: list[int]) -> Any:
    """Table item (trace_id), label, score of one scorer on the given cases."""
    return scope.db.fetch_df(
        "SELECT trace_id AS item, label, score FROM scores WHERE org_id = ? "
        "AND CAST(run_id AS VARCHAR) = ? AND scorer = ? "
        "AND list_contains(CAST(? AS BIGINT[]), trace_id) ORDER BY trace_id",
        [scope.org_id, run_id, judge, [int(i) for i in items]],
    )


def question_names(scope: Scope, run_id: str) -> list[str]:
    """Questions answered on a run, in name order."""
    rows = scope.db.fetchall(
        f"SELECT DISTINCT question FROM {_ANSWERS} WHERE CAST(run_id AS VARCHAR) = $run "
        "ORDER BY question",
        {"org": scope.org_id, "run": run_id},
    )
    return [r[0] for r in rows]


def answers_long(scope: Scope, run_id: str, *, queue_id: str | None) -> list[dict[str, Any]]:
    """Every answer of a run (or one queue's), one row per case, rater and question."""
    return scope.db.fetch_dicts(
        "SELECT c.case_id, ans.trace_id, ans.annotator, ans.rubric_version, ans.question, "
        f"ans.value_label AS label, ans.value_score AS score FROM {_ANSWERS} "
        "JOIN cases c ON c.trace_id = ans.trace_id AND c.org_id = $org "
        "WHERE CAST(ans.run_id AS VARCHAR) = $run "
        "AND (CAST($queue AS VARCHAR) IS NULL OR CAST(ans.queue_id AS VARCHAR) = $queue) "
        "ORDER BY ans.trace_id, ans.annotator, ans.question",
        {"org": scope.org_id, "run": run_id, "queue": queue_id},
    )


def insert_imported(
    scope: Scope, run_id: str, rows: list[dict[str, Any]], *, replace_annotators: list[str]
) -> int:
    """Write imported answers (no queue) of a run; a re-import replaces a rater's earlier ones."""
    scope.db.execute(
        "DELETE FROM rubric_answers WHERE org_id = ? AND CAST(run_id AS VARCHAR) = ? "
        "AND source = 'import' AND list_contains(CAST(? AS VARCHAR[]), annotator)",
        [scope.org_id, run_id, replace_annotators],
    )
    now = scope.now()
    if not rows:
        return 0
    scope.db.execute(
        "INSERT INTO rubric_answers (answer_id, org_id, run_id, trace_id, annotator, question, "
        "value_label, value_score, source, created_at) "
        "SELECT gen_random_uuid(), CAST(? AS UUID), c.run_id, c.trace_id, s.annotator, "
        "s.question, s.label, s.score, 'import', ? FROM "
        "(SELECT unnest(CAST(? AS VARCHAR[])) AS case_id, unnest(CAST(? AS VARCHAR[])) "
        "AS annotator, unnest(CAST(? AS VARCHAR[])) AS question, unnest(CAST(? AS VARCHAR[])) "
        "AS label, unnest(CAST(? AS DOUBLE PRECISION[])) AS score) s "
        "JOIN cases c ON c.case_id = s.case_id AND c.run_id = CAST(? AS UUID) AND c.org_id = ?",
        [
            scope.org_id,
            now,
            [r["case_id"] for r in rows],
            [r["annotator"] for r in rows],
            [r["question"] for r in rows],
            [r["label"] for r in rows],
            [r["score"] for r in rows],
            run_id,
            scope.org_id,
        ],
    )
    return len(rows)


def staged_answers(staged: Any) -> list[dict[str, Any]]:
    """The rows of a staged long labels file: case_id, annotator, question, label, score."""
    from evalguard_core.store.runs import quote_ident

    cols = staged.columns

    def text(column: str) -> str:
        """A trimmed text column, NULL when blank or absent."""
        if column not in cols:
            return "NULL"
        return f"NULLIF(trim(CAST({quote_ident(column)} AS VARCHAR)), '')"

    score = (
        f"CAST(CAST({quote_ident('score')} AS VARCHAR) AS DOUBLE)" if "score" in cols else "NULL"
    )
    return staged.db.fetch_dicts(
        f"SELECT _row AS row, {text('case_id')} AS case_id, {text('annotator')} AS annotator, "
        f"{text('question')} AS question, {text('label')} AS label, {score} AS score "
        f"FROM {staged.table} ORDER BY _row"
    )
