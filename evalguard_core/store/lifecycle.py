"""SQL for the lifecycle: retract labels, archive and delete queues, items, runs, organizations.

Every statement is written once for DuckDB and PostgreSQL (ADR 0010). Deletes go child first
(claims, items, annotations, then the parent) so PostgreSQL's foreign keys never see an orphan.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from evalguard_core.store import Scope, Store

# -- queues --------------------------------------------------------------------------------------


def queue_archived_at(scope: Scope, queue_id: str) -> tuple[bool, datetime | None]:
    """(the queue exists, when it was archived or None), read past every cache."""
    row = scope.db.fetchone(
        "SELECT archived_at FROM queues WHERE org_id = ? AND CAST(queue_id AS VARCHAR) = ?",
        [scope.org_id, str(queue_id)],
    )
    return (row is not None, row[0] if row else None)


def archived_queue_ids(scope: Scope) -> set[str]:
    """Ids of the organization's archived queues."""
    rows = scope.db.fetchall(
        "SELECT CAST(queue_id AS VARCHAR) FROM queues WHERE org_id = ? AND archived_at IS NOT NULL",
        [scope.org_id],
    )
    return {r[0] for r in rows}


def set_archived(scope: Scope, queue_id: str, when: datetime | None) -> None:
    """Archive (a time) or restore (None) a queue."""
    scope.db.execute(
        "UPDATE queues SET archived_at = ?, updated_at = ? WHERE org_id = ? "
        "AND queue_id = CAST(? AS UUID)",
        [when, scope.now(), scope.org_id, queue_id],
    )


def lock_items(scope: Scope, queue_id: str) -> int:
    """Bump every item's version first: holds their row locks (PostgreSQL) and makes a claim
    racing this transaction fail its compare-and-swap, so no lease lands on a vanishing item."""
    return scope.db.execute(
        "UPDATE queue_items SET version = version + 1 WHERE org_id = ? "
        "AND queue_id = CAST(? AS UUID)",
        [scope.org_id, queue_id],
    )


def end_active_claims(scope: Scope, queue_id: str, now: datetime, per_item: int) -> int:
    """Release every active lease of a queue and reset item statuses; returns leases ended."""
    ended = scope.db.execute(
        "UPDATE claims SET status = 'released', ended_at = ? WHERE org_id = ? "
        "AND queue_id = CAST(? AS UUID) AND status = 'active'",
        [now, scope.org_id, queue_id],
    )
    scope.db.execute(
        "UPDATE queue_items SET version = version + 1, status = CASE WHEN done_count >= ? "
        "THEN 'done' ELSE 'pending' END WHERE org_id = ? AND queue_id = CAST(? AS UUID) "
        "AND status = 'claimed'",
        [per_item, scope.org_id, queue_id],
    )
    return ended


def queue_counts(scope: Scope, queue_id: str) -> dict[str, int]:
    """What deleting a queue touches: items, labelled items, labels, live leases."""
    row = scope.db.fetchone(
        "SELECT (SELECT count(*) FROM queue_items WHERE org_id = ? AND queue_id = CAST(? AS UUID)),"
        " (SELECT count(*) FROM queue_items WHERE org_id = ? AND queue_id = CAST(? AS UUID) "
        "AND done_count > 0), "
        "(SELECT count(*) FROM annotations WHERE org_id = ? AND queue_id = CAST(? AS UUID)), "
        "(SELECT count(*) FROM claims WHERE org_id = ? AND queue_id = CAST(? AS UUID) "
        "AND status = 'active')",
        [scope.org_id, queue_id] * 4,
    )
    assert row is not None
    return {
        "items": int(row[0]),
        "labelled_items": int(row[1]),
        "labels": int(row[2]),
        "active_leases": int(row[3]),
    }


def delete_queue(scope: Scope, queue_id: str, *, delete_labels: bool) -> dict[str, int]:
    """Delete a queue's claims, items and the queue; its labels go or are detached (kept)."""
    lock_items(scope, queue_id)
    claims = scope.db.execute(
        "DELETE FROM claims WHERE org_id = ? AND queue_id = CAST(? AS UUID)",
        [scope.org_id, queue_id],
    )
    if delete_labels:
        labels = scope.db.execute(
            "DELETE FROM annotations WHERE org_id = ? AND queue_id = CAST(? AS UUID)",
            [scope.org_id, queue_id],
        )
    else:
        # Kept labels stay valid for agreement statistics; they no longer point at the queue.
        labels = scope.db.execute(
            "UPDATE annotations SET queue_id = NULL, item_id = NULL WHERE org_id = ? "
            "AND queue_id = CAST(? AS UUID)",
            [scope.org_id, queue_id],
        )
    items = scope.db.execute(
        "DELETE FROM queue_items WHERE org_id = ? AND queue_id = CAST(? AS UUID)",
        [scope.org_id, queue_id],
    )
    scope.db.execute(
        "DELETE FROM queues WHERE org_id = ? AND queue_id = CAST(? AS UUID)",
        [scope.org_id, queue_id],
    )
    return {"claims": claims, "items": items, "labels": labels}


def items_by_id(scope: Scope, queue_id: str, item_ids: list[int]) -> list[dict[str, Any]]:
    """The named items of a queue with their label counts."""
    return scope.db.fetch_dicts(
        "SELECT item_id, trace_id, target_id, done_count, status FROM queue_items "
        "WHERE org_id = ? AND queue_id = CAST(? AS UUID) "
        "AND item_id IN (SELECT unnest(CAST(? AS BIGINT[]))) ORDER BY item_id",
        [scope.org_id, queue_id, [int(i) for i in item_ids]],
    )


def list_items(scope: Scope, queue_id: str, limit: int) -> list[dict[str, Any]]:
    """A queue's items in id order with their label counts (at most `limit`)."""
    return scope.db.fetch_dicts(
        "SELECT item_id, trace_id, target_id, done_count, status FROM queue_items "
        "WHERE org_id = ? AND queue_id = CAST(? AS UUID) ORDER BY item_id LIMIT ?",
        [scope.org_id, queue_id, int(limit)],
    )


def delete_items(
    scope: Scope, queue_id: str, item_ids: list[int], *, delete_labels: bool
) -> dict[str, int]:
    """Delete items of a queue with their leases; their labels go or are detached."""
    ids = [int(i) for i in item_ids]
    where = (
        "org_id = ? AND queue_id = CAST(? AS UUID) "
        "AND item_id IN (SELECT unnest(CAST(? AS BIGINT[])))"
    )
    params: list[Any] = [scope.org_id, queue_id, ids]
    scope.db.execute(f"UPDATE queue_items SET version = version + 1 WHERE {where}", params)
    claims = scope.db.execute(f"DELETE FROM claims WHERE {where}", params)
    if delete_labels:
        labels = scope.db.execute(f"DELETE FROM annotations WHERE {where}", params)
    else:
        labels = scope.db.execute(
            f"UPDATE annotations SET queue_id = NULL, item_id = NULL WHERE {where}", params
        )
    items = scope.db.execute(f"DELETE FROM queue_items WHERE {where}", params)
    return {"claims": claims, "items": items, "labels": labels}


# -- labels --------------------------------------------------------------------------------------


def delete_annotation(scope: Scope, annotation_id: str) -> int:
    """Remove one annotation row (the caller logs its value first)."""
    return scope.db.execute(
        "DELETE FROM annotations WHERE org_id = ? AND annotation_id = CAST(? AS UUID)",
        [scope.org_id, annotation_id],
    )


def last_own_annotation(scope: Scope, queue_id: str, annotator: str) -> dict[str, Any] | None:
    """The rater's most recent label in a queue (the one Undo brings back)."""
    return scope.db.fetch_dict(
        "SELECT CAST(annotation_id AS VARCHAR) AS annotation_id FROM annotations "
        "WHERE org_id = ? AND queue_id = CAST(? AS UUID) AND annotator = ? "
        "ORDER BY updated_at DESC, created_at DESC LIMIT 1",
        [scope.org_id, queue_id, annotator],
    )


_HISTORY = (
    "SELECT event_id, event_at, actor, kind, CAST(queue_id AS VARCHAR) AS queue_id, item_id, "
    "trace_id, CAST(annotation_id AS VARCHAR) AS annotation_id, CAST(payload AS VARCHAR) AS "
    "payload FROM events WHERE org_id = ? AND kind IN ('annotate', 'relabel', 'retract') "
    "AND (CAST(? AS VARCHAR) IS NULL OR CAST(queue_id AS VARCHAR) = ?) "
    "AND (CAST(? AS VARCHAR) IS NULL OR trace_id IN "
    "(SELECT trace_id FROM cases WHERE org_id = ? AND CAST(run_id AS VARCHAR) = ?)) "
    "AND (CAST(? AS VARCHAR) IS NULL OR actor = ?) "
    "ORDER BY event_id"
)


def label_history(scope: Scope, queue_id: str | None, run_id: str | None) -> list[dict[str, Any]]:
    """Every annotate, relabel and retract event (oldest first), for an export with history."""
    return scope.db.fetch_dicts(
        _HISTORY, [scope.org_id, queue_id, queue_id, run_id, scope.org_id, run_id, None, None]
    )


def label_history_table(
    scope: Scope, queue_id: str | None, run_id: str | None, *, actor: str | None = None
) -> Any:
    """The label history as an Arrow table (the `label_history` export; one actor's if given)."""
    return scope.db.fetch_arrow(
        _HISTORY, [scope.org_id, queue_id, queue_id, run_id, scope.org_id, run_id, actor, actor]
    )


# -- runs ----------------------------------------------------------------------------------------


def run_references(scope: Scope, run_id: str) -> dict[str, int]:
    """What a run holds and what points at it: cases, scores, labels, queue items, task items."""
    row = scope.db.fetchone(
        "SELECT (SELECT count(*) FROM cases WHERE org_id = ? AND run_id = CAST(? AS UUID)), "
        "(SELECT count(*) FROM scores WHERE org_id = ? AND run_id = CAST(? AS UUID)), "
        "(SELECT count(*) FROM annotations WHERE org_id = ? AND run_id = CAST(? AS UUID)), "
        "(SELECT count(*) FROM queue_items WHERE org_id = ? AND run_id = CAST(? AS UUID)), "
        "(SELECT count(*) FROM task_items t WHERE t.org_id = ? AND t.trace_id IN "
        "(SELECT c.trace_id FROM cases c WHERE c.org_id = ? AND c.run_id = CAST(? AS UUID)))",
        [scope.org_id, run_id] * 4 + [scope.org_id, scope.org_id, run_id],
    )
    assert row is not None
    return dict(
        zip(("cases", "scores", "labels", "queue_items", "task_items"), map(int, row), strict=True)
    )


def delete_run(scope: Scope, run_id: str) -> dict[str, int]:
    """Delete a run and everything that references it (the caller decided it may)."""
    org, rid = scope.org_id, run_id
    traces = "(SELECT c.trace_id FROM cases c WHERE c.org_id = ? AND c.run_id = CAST(? AS UUID))"
    items = (
        "(SELECT i.item_id FROM queue_items i WHERE i.org_id = ? AND i.run_id = CAST(? AS UUID))"
    )
    scope.db.execute(
        "UPDATE queue_items SET version = version + 1 WHERE org_id = ? "
        "AND run_id = CAST(? AS UUID)",
        [org, rid],
    )
    out = {
        "claims": scope.db.execute(
            f"DELETE FROM claims WHERE org_id = ? AND item_id IN {items}", [org, org, rid]
        ),
        "labels": scope.db.execute(
            "DELETE FROM annotations WHERE org_id = ? AND run_id = CAST(? AS UUID)", [org, rid]
        ),
        "queue_items": scope.db.execute(
            "DELETE FROM queue_items WHERE org_id = ? AND run_id = CAST(? AS UUID)", [org, rid]
        ),
        "task_items": scope.db.execute(
            f"DELETE FROM task_items WHERE org_id = ? AND trace_id IN {traces}", [org, org, rid]
        ),
        "scores": scope.db.execute(
            "DELETE FROM scores WHERE org_id = ? AND run_id = CAST(? AS UUID)", [org, rid]
        ),
        "cases": scope.db.execute(
            "DELETE FROM cases WHERE org_id = ? AND run_id = CAST(? AS UUID)", [org, rid]
        ),
    }
    scope.db.execute("DELETE FROM runs WHERE org_id = ? AND run_id = CAST(? AS UUID)", [org, rid])
    return out


# -- organizations and raters --------------------------------------------------------------------

# Child tables first, so PostgreSQL's foreign keys hold at every statement.
ORG_TABLES = (
    "claims",
    "annotations",
    "queue_items",
    "queues",
    "task_items",
    "tasks",
    "scores",
    "cases",
    "runs",
    "jobs",
    "events",
    "api_keys",
)


def org_row_counts(store: Store, org_id: str) -> dict[str, int]:
    """Rows per table that belong to an organization."""
    return {
        t: int(store.db.scalar(f"SELECT count(*) FROM {t} WHERE org_id = ?", [org_id]) or 0)
        for t in ORG_TABLES
    }


def delete_org(store: Store, org_id: str, *, keep_org: bool) -> dict[str, int]:
    """Delete every row of an organization (and the organization unless `keep_org`)."""
    out = {t: store.db.execute(f"DELETE FROM {t} WHERE org_id = ?", [org_id]) for t in ORG_TABLES}
    if not keep_org:
        store.db.execute("DELETE FROM organizations WHERE org_id = ?", [org_id])
    return out


def rater_activity(scope: Scope, annotator: str) -> dict[str, list[dict[str, Any]]]:
    """Everything one rater did: labels, leases, task labels and events."""
    return {
        "labels": scope.db.fetch_dicts(
            "SELECT CAST(annotation_id AS VARCHAR) AS annotation_id, CAST(run_id AS VARCHAR) "
            "AS run_id, trace_id, target_type, target_id, CAST(queue_id AS VARCHAR) AS queue_id,"
            " item_id, CAST(task_id AS VARCHAR) AS task_id, label, score, comment, source, "
            "created_at, updated_at FROM annotations WHERE org_id = ? AND annotator = ? "
            "ORDER BY created_at, annotation_id",
            [scope.org_id, annotator],
        ),
        "claims": scope.db.fetch_dicts(
            "SELECT CAST(claim_id AS VARCHAR) AS claim_id, CAST(queue_id AS VARCHAR) AS queue_id,"
            " item_id, status, claimed_at, lease_expires_at, ended_at FROM claims "
            "WHERE org_id = ? AND annotator = ? ORDER BY claimed_at",
            [scope.org_id, annotator],
        ),
        "task_labels": scope.db.fetch_dicts(
            "SELECT CAST(task_id AS VARCHAR) AS task_id, CAST(item_id AS VARCHAR) AS item_id, "
            "trace_id, label, notes, labeled_at FROM task_items WHERE org_id = ? "
            "AND labeled_by = ? ORDER BY labeled_at",
            [scope.org_id, annotator],
        ),
        "events": scope.db.fetch_dicts(
            "SELECT event_id, event_at, kind, CAST(queue_id AS VARCHAR) AS queue_id, item_id, "
            "trace_id, CAST(annotation_id AS VARCHAR) AS annotation_id, payload FROM events "
            "WHERE org_id = ? AND actor = ? ORDER BY event_id",
            [scope.org_id, annotator],
        ),
    }


def rename_rater(scope: Scope, annotator: str, alias: str) -> dict[str, int]:
    """Replace a rater's name by an alias on labels, leases, task labels and events."""
    org = scope.org_id
    return {
        "labels": scope.db.execute(
            "UPDATE annotations SET annotator = ? WHERE org_id = ? AND annotator = ?",
            [alias, org, annotator],
        ),
        "claims": scope.db.execute(
            "UPDATE claims SET annotator = ? WHERE org_id = ? AND annotator = ?",
            [alias, org, annotator],
        ),
        "task_labels": scope.db.execute(
            "UPDATE task_items SET labeled_by = ? WHERE org_id = ? AND labeled_by = ?",
            [alias, org, annotator],
        ),
        "events": scope.db.execute(
            "UPDATE events SET actor = ? WHERE org_id = ? AND actor = ?", [alias, org, annotator]
        ),
    }


def name_in_use(scope: Scope, name: str) -> bool:
    """Whether any label or lease of the organization carries this rater name."""
    return bool(
        scope.db.scalar(
            "SELECT (SELECT count(*) FROM annotations WHERE org_id = ? AND annotator = ?) + "
            "(SELECT count(*) FROM claims WHERE org_id = ? AND annotator = ?)",
            [scope.org_id, name, scope.org_id, name],
        )
    )


# -- referential check ---------------------------------------------------------------------------

# (what, SQL counting the orphans) over the whole store, every organization.
ORPHAN_CHECKS: tuple[tuple[str, str], ...] = (
    (
        "rows of an unknown organization",
        "SELECT "
        + " + ".join(
            f"(SELECT count(*) FROM {t} x WHERE NOT EXISTS "
            f"(SELECT 1 FROM organizations o WHERE o.org_id = x.org_id))"
            for t in (*ORG_TABLES,)
        ),
    ),
    (
        "cases without their run",
        "SELECT count(*) FROM cases c WHERE NOT EXISTS "
        "(SELECT 1 FROM runs r WHERE r.run_id = c.run_id)",
    ),
    (
        "scores without their case",
        "SELECT count(*) FROM scores s WHERE NOT EXISTS "
        "(SELECT 1 FROM cases c WHERE c.trace_id = s.trace_id)",
    ),
    (
        "queue items without their queue",
        "SELECT count(*) FROM queue_items i WHERE NOT EXISTS "
        "(SELECT 1 FROM queues q WHERE q.queue_id = i.queue_id)",
    ),
    (
        "queue items without their case",
        "SELECT count(*) FROM queue_items i WHERE NOT EXISTS "
        "(SELECT 1 FROM cases c WHERE c.trace_id = i.trace_id)",
    ),
    (
        "leases without their item",
        "SELECT count(*) FROM claims l WHERE NOT EXISTS "
        "(SELECT 1 FROM queue_items i WHERE i.item_id = l.item_id AND i.queue_id = l.queue_id)",
    ),
    (
        "labels without their case",
        "SELECT count(*) FROM annotations a WHERE NOT EXISTS "
        "(SELECT 1 FROM cases c WHERE c.trace_id = a.trace_id AND c.run_id = a.run_id)",
    ),
    (
        "labels pointing at a missing queue",
        "SELECT count(*) FROM annotations a WHERE a.queue_id IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM queues q WHERE q.queue_id = a.queue_id)",
    ),
    (
        "labels pointing at a missing queue item",
        "SELECT count(*) FROM annotations a WHERE a.item_id IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM queue_items i WHERE i.item_id = a.item_id)",
    ),
    (
        "labels pointing at a missing task",
        "SELECT count(*) FROM annotations a WHERE a.task_id IS NOT NULL AND NOT EXISTS "
        "(SELECT 1 FROM tasks t WHERE t.task_id = a.task_id)",
    ),
    (
        "task items without their task",
        "SELECT count(*) FROM task_items ti WHERE NOT EXISTS "
        "(SELECT 1 FROM tasks t WHERE t.task_id = ti.task_id)",
    ),
    (
        "task items without their case",
        "SELECT count(*) FROM task_items ti WHERE NOT EXISTS "
        "(SELECT 1 FROM cases c WHERE c.trace_id = ti.trace_id)",
    ),
    (
        "queue items whose done count differs from their labels",
        "SELECT count(*) FROM queue_items i WHERE i.done_count <> "
        "(SELECT count(*) FROM annotations a WHERE a.item_id = i.item_id "
        "AND a.queue_id = i.queue_id)",
    ),
)


def orphan_counts(store: Store) -> list[tuple[str, int]]:
    """Each referential check with the number of rows that fail it."""
    return [(what, int(store.db.scalar(sql) or 0)) for what, sql in ORPHAN_CHECKS]
