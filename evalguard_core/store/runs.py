"""SQL for runs, cases and scores: staging import files with DuckDB's readers, and reads."""

from __future__ import annotations

import copy
import functools
import json
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from evalguard_core.db import Database, Dialects, DuckDatabase
from evalguard_core.store import Scope

CORE_TEXT_COLUMNS = ("input", "output", "output_a", "output_b", "expected")
_NESTED_TYPES = ("STRUCT", "MAP", "JSON", "UNION")


def _quantiles(column: str) -> str:
    """p50/p90/p99 of a column (ordered-set aggregates: the same spelling on both backends)."""
    return ", ".join(
        f"percentile_cont({q}) WITHIN GROUP (ORDER BY {column}) AS p{round(q * 100)}"
        for q in (0.5, 0.9, 0.99)
    )


def decode_metadata(row: dict[str, Any]) -> dict[str, Any]:
    """Decode a case row's JSON `metadata` in place ({} when there is none); returns the row."""
    row["metadata"] = json.loads(row["metadata"]) if row["metadata"] else {}
    return row


def quote_ident(name: str) -> str:
    """Quote a column name taken from a user's file so it can never break out of the SQL."""
    return '"' + name.replace('"', '""') + '"'


@dataclass
class StagedFile:
    """A file read into a temporary DuckDB table: in the store itself when the store is
    DuckDB, else in a private in-memory DuckDB (`db`) that `drop_staged` closes."""

    table: str
    columns: dict[str, str]  # name -> DuckDB type
    rows: int
    db: Database


def _reader_sql(fmt: str) -> str:
    """The DuckDB table function that reads a file of this format (path, and for CSV the
    delimiter, are parameters)."""
    if fmt == "csv":
        # Read everything as text so that a bad number is reported by us, with its row; RFC
        # 4180 quoting, strictly, so a quote that is never closed is an error, not data.
        return (
            "read_csv(?, all_varchar = true, header = true, delim = ?, quote = '\"', "
            "escape = '\"', strict_mode = true)"
        )
    if fmt == "jsonl":
        # 'auto' reads newline-delimited JSON and a top-level JSON array alike.
        return "read_json(?, format = 'auto', records = true)"
    if fmt == "parquet":
        return "read_parquet(?)"
    raise ValueError(fmt)


def stage_file(scope: Scope, path: str, fmt: str, *, delimiter: str = ",") -> StagedFile:
    """Read `path` into a temp table with `_row` (1-based); DuckDB's readers parse it."""
    db = scope.db if isinstance(scope.db, DuckDatabase) else DuckDatabase(":memory:")
    cur = db.cursor()
    raw = f"_eg_raw_{uuid.uuid4().hex}"
    table = f"_eg_stage_{uuid.uuid4().hex}"
    params = [path, delimiter] if fmt == "csv" else [path]
    cur.execute(f"CREATE TEMP TABLE {raw} AS SELECT * FROM {_reader_sql(fmt)}", params)
    try:
        cur.execute(
            # row_number, not rowid + 1: inside an open transaction (an importer writing several
            # runs at once) DuckDB numbers uncommitted rows from 2^55
            f"CREATE TEMP TABLE {table} AS SELECT row_number() OVER (ORDER BY rowid) AS _row, * "
            f"FROM {raw} ORDER BY rowid"
        )
    finally:
        cur.execute(f"DROP TABLE IF EXISTS {raw}")
    described = cur.execute(f"DESCRIBE {table}").fetchall()
    columns = {row[0]: str(row[1]) for row in described if row[0] != "_row"}
    staged = StagedFile(table=table, columns=columns, rows=0, db=db)
    staged.rows = int(db.scalar(f"SELECT count(*) FROM {table}"))
    return staged


def drop_staged(scope: Scope, staged: StagedFile) -> None:
    """Drop a staging table (and its private database)."""
    staged.db.execute(f"DROP TABLE IF EXISTS {staged.table}")
    if staged.db is not scope.db:
        staged.db.close()


def _insert_staged(
    scope: Scope, staged: StagedFile, table: str, columns: str, select: str, params: list[Any]
) -> None:
    """INSERT INTO table (columns) SELECT … FROM the staged file: in place when the file is
    staged in the store, else the rows are computed in the staging DuckDB and bulk-loaded."""
    if staged.db is scope.db:
        scope.db.execute(f"INSERT INTO {table} ({columns}) {select}", params)
        return
    names = [c.strip() for c in columns.split(",")]
    data = staged.db.fetch_arrow(select, params)
    scope.db.load_arrow(table, data.rename_columns(names))


def staged_rows_where(
    scope: Scope, staged: StagedFile, condition: str, limit: int = 10
) -> tuple[int, list[int]]:
    """Count rows matching a condition built from quoted identifiers, plus the first few."""
    count = staged.db.scalar(f"SELECT count(*) FROM {staged.table} WHERE {condition}")
    sample = staged.db.fetchall(
        f"SELECT _row FROM {staged.table} WHERE {condition} ORDER BY _row LIMIT {int(limit)}"
    )
    return int(count), [int(r[0]) for r in sample]


def staged_blank_rows(scope: Scope, staged: StagedFile, column: str) -> tuple[int, list[int]]:
    """Rows whose `column` is missing or blank."""
    col = quote_ident(column)
    return staged_rows_where(scope, staged, f"{col} IS NULL OR trim(CAST({col} AS VARCHAR)) = ''")


def staged_non_numeric(scope: Scope, staged: StagedFile, column: str) -> tuple[int, list[int]]:
    """Rows whose `column` has a value that is not a number."""
    col = quote_ident(column)
    return staged_rows_where(
        scope,
        staged,
        f"{col} IS NOT NULL AND trim(CAST({col} AS VARCHAR)) <> '' "
        f"AND TRY_CAST(CAST({col} AS VARCHAR) AS DOUBLE) IS NULL",
    )


def staged_duplicates(
    scope: Scope, staged: StagedFile, columns: list[str], limit: int = 10
) -> list[dict[str, Any]]:
    """Values of `columns` that occur on more than one row, with the rows."""
    cols = ", ".join(f"CAST({quote_ident(c)} AS VARCHAR)" for c in columns)
    rows = staged.db.fetchall(
        f"SELECT [{cols}] AS k, list(_row ORDER BY _row) FROM {staged.table} "
        f"GROUP BY ALL HAVING count(*) > 1 ORDER BY min(_row) LIMIT {int(limit)}"
    )
    return [{"value": list(k), "rows": list(r)} for k, r in rows]


def _text_expr(column: str, dtype: str) -> str:
    """A column as text; nested JSON values keep their JSON form."""
    col = quote_ident(column)
    if any(dtype.upper().startswith(t) for t in _NESTED_TYPES) or dtype.endswith("[]"):
        return f"CAST(to_json({col}) AS VARCHAR)"
    return f"CAST({col} AS VARCHAR)"


def insert_run(
    scope: Scope,
    staged: StagedFile,
    *,
    name: str,
    kind: str,
    source: str,
    score_columns: dict[str, str],
    label_columns: dict[str, str],
    metadata_columns: list[str],
    reason_columns: dict[str, str] | None = None,
) -> str:
    """Insert a validated staged file as a new run (caller holds the transaction)."""
    run_id = str(uuid.uuid4())
    db = scope.db
    cols = staged.columns
    db.execute(
        "INSERT INTO runs (run_id, org_id, name, kind, source, case_count, created_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [run_id, scope.org_id, name, kind, source, staged.rows, scope.now()],
    )
    text = [_text_expr(c, cols[c]) if c in cols else "NULL" for c in CORE_TEXT_COLUMNS]
    latency = (
        f"CAST(CAST({quote_ident('latency_ms')} AS VARCHAR) AS DOUBLE)"
        if "latency_ms" in cols
        else "NULL"
    )
    if metadata_columns:
        pairs = ", ".join(f"{_sql_str(c)}, {quote_ident(c)}" for c in metadata_columns)
        metadata = f"json_object({pairs})"
    else:
        metadata = "NULL"
    _insert_staged(
        scope,
        staged,
        "cases",
        "trace_id, run_id, org_id, case_id, input, output, output_a, output_b, expected, "
        "latency_ms, metadata",
        f"SELECT _trace_id, ?, ?, trim(CAST({quote_ident('case_id')} AS VARCHAR)), "
        f"{', '.join(text)}, {latency}, {metadata} FROM {staged.table} ORDER BY _row",
        [run_id, scope.org_id],
    )
    reason_columns = reason_columns or {}
    for scorer in sorted(set(score_columns) | set(label_columns) | set(reason_columns)):
        score = (
            f"CAST(CAST({quote_ident(score_columns[scorer])} AS VARCHAR) AS DOUBLE)"
            if scorer in score_columns
            else "NULL"
        )
        label = (
            f"NULLIF(trim(CAST({quote_ident(label_columns[scorer])} AS VARCHAR)), '')"
            if scorer in label_columns
            else "NULL"
        )
        _insert_staged(
            scope,
            staged,
            "scores",
            "trace_id, run_id, org_id, scorer, score, label",
            f"SELECT _trace_id, ?, ?, ?, {score}, {label} FROM {staged.table} "
            f"WHERE {score} IS NOT NULL OR {label} IS NOT NULL",
            [run_id, scope.org_id, scorer],
        )
    return run_id


def assign_trace_ids(scope: Scope, staged: StagedFile) -> None:
    """Give each staged row a global trace id: a block of the store's sequence, in row order."""
    first = scope.db.reserve_ids("trace_id_seq", staged.rows) if staged.rows else 0
    staged.db.execute(f"ALTER TABLE {staged.table} ADD COLUMN _trace_id BIGINT")
    staged.db.execute(f"UPDATE {staged.table} SET _trace_id = ? + _row - 1", [first])


def _sql_str(value: str) -> str:
    """A SQL string literal for a column name used as a JSON key."""
    return "'" + value.replace("'", "''") + "'"


# -- reads -------------------------------------------------------------------------------------
# The distinct scorers of every run. DuckDB scans the scores column in a blink; PostgreSQL would
# read every score row (3M for a 1M-case run, seconds per page), so it skips through the
# (run_id, scorer) index instead: one index probe per distinct (run, scorer) pair.
_RUN_SCORERS = Dialects(
    duckdb=(
        "SELECT CAST(run_id AS VARCHAR), array_agg(DISTINCT scorer ORDER BY scorer) FROM scores "
        "WHERE org_id = ? AND org_id = ? GROUP BY run_id"
    ),
    postgresql=(
        "WITH RECURSIVE s AS ((SELECT run_id, scorer FROM scores WHERE org_id = ? "
        "ORDER BY run_id, scorer LIMIT 1) UNION ALL SELECT n.run_id, n.scorer FROM s, "
        "LATERAL (SELECT run_id, scorer FROM scores WHERE org_id = ? "
        "AND (run_id, scorer) > (s.run_id, s.scorer) ORDER BY run_id, scorer LIMIT 1) n) "
        "SELECT CAST(run_id AS VARCHAR), array_agg(scorer ORDER BY scorer) FROM s GROUP BY run_id"
    ),
)


def list_runs(scope: Scope) -> list[dict[str, Any]]:
    """The organization's runs, newest first, with their scorers."""
    runs = scope.db.fetch_dicts(
        "SELECT CAST(run_id AS VARCHAR) AS run_id, name, kind, source, case_count AS cases, "
        "created_at FROM runs WHERE org_id = ? ORDER BY created_at DESC",
        [scope.org_id],
    )
    scorers = scope.db.fetchall(_RUN_SCORERS, [scope.org_id, scope.org_id])
    by_run = dict(scorers)
    for run in runs:
        run["scorers"] = by_run.get(run["run_id"], [])
    return runs


def get_run(scope: Scope, run_id: str) -> dict[str, Any] | None:
    """One run of the organization, or None."""
    return scope.db.fetch_dict(
        "SELECT CAST(run_id AS VARCHAR) AS run_id, name, kind, source, case_count AS cases, "
        "created_at FROM runs WHERE org_id = ? AND CAST(run_id AS VARCHAR) = ?",
        [scope.org_id, run_id],
    )


# Scores, latencies and cases of a run never change after its import (runs are append-only and
# ids are fresh UUIDs), so their summaries are computed once per process: on PostgreSQL the
# percentiles over a 1M-case run take seconds, and every page rerun asks again.
_SUMMARIES: dict[tuple[Any, ...], Any] = {}
_SUMMARIES_MAX = 512
_SUMMARIES_LOCK = threading.Lock()


def _immutable(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Memoize a per-run summary by (store, organization, arguments); returns deep copies."""

    @functools.wraps(fn)
    def wrapper(scope: Scope, *args: Any) -> Any:
        key = (fn.__name__, scope.store.location, scope.org_id, *args)
        with _SUMMARIES_LOCK:
            hit = _SUMMARIES.get(key)
        if hit is None:
            hit = fn(scope, *args)
            with _SUMMARIES_LOCK:
                if len(_SUMMARIES) >= _SUMMARIES_MAX:
                    _SUMMARIES.pop(next(iter(_SUMMARIES)))
                _SUMMARIES[key] = hit
        return copy.deepcopy(hit)

    return wrapper


@_immutable
def scorer_summary(scope: Scope, run_id: str) -> list[dict[str, Any]]:
    """Per scorer: how many cases, numeric summary and label distribution."""
    rows = scope.db.fetch_dicts(
        "SELECT scorer, count(*) AS n, count(score) AS n_scores, count(label) AS n_labels, "
        "min(score) AS min, avg(score) AS mean, "
        "percentile_cont(0.5) WITHIN GROUP (ORDER BY score) AS median, max(score) AS max "
        "FROM scores WHERE org_id = ? AND run_id = CAST(? AS UUID) GROUP BY scorer "
        "ORDER BY scorer",
        [scope.org_id, run_id],
    )
    labels = scope.db.fetchall(
        "SELECT scorer, label, count(*) FROM scores WHERE org_id = ? AND run_id = CAST(? AS UUID) "
        "AND label IS NOT NULL GROUP BY scorer, label ORDER BY scorer, count(*) DESC",
        [scope.org_id, run_id],
    )
    dist: dict[str, dict[str, int]] = {}
    for scorer, label, n in labels:
        dist.setdefault(scorer, {})[label] = int(n)
    for row in rows:
        row["labels"] = dist.get(row["scorer"], {})
    return rows


@_immutable
def latency_summary(scope: Scope, run_id: str) -> dict[str, Any]:
    """Count and quantiles of latency_ms."""
    row = scope.db.fetch_dicts(
        "SELECT count(latency_ms) AS n, min(latency_ms) AS min, "
        f"{_quantiles('latency_ms')}, max(latency_ms) AS max FROM cases "
        "WHERE org_id = ? AND run_id = CAST(? AS UUID)",
        [scope.org_id, run_id],
    )
    return row[0]


def annotation_counts(scope: Scope, run_id: str) -> dict[str, int]:
    """How many human labels a run has and from how many raters."""
    row = scope.db.fetchone(
        "SELECT count(*), count(DISTINCT annotator), count(DISTINCT trace_id) FROM annotations "
        "WHERE org_id = ? AND run_id = CAST(? AS UUID)",
        [scope.org_id, run_id],
    )
    n, raters, cases = row or (0, 0, 0)
    return {"annotations": int(n), "annotators": int(raters), "labelled_cases": int(cases)}


@dataclass
class CaseFilter:
    """Filters for listing a run's cases; all happen in DuckDB."""

    scorer: str | None = None
    score_min: float | None = None
    score_max: float | None = None
    label_scorer: str | None = None
    label: str | None = None
    search: str | None = None
    case_ids: list[str] | None = None


def _case_where(scope: Scope, run_id: str, f: CaseFilter) -> tuple[str, list[Any]]:
    """WHERE clause and parameters for a case filter."""
    where = ["c.org_id = ?", "c.run_id = CAST(? AS UUID)"]
    params: list[Any] = [scope.org_id, run_id]
    if f.scorer and (f.score_min is not None or f.score_max is not None):
        where.append(
            "EXISTS (SELECT 1 FROM scores s WHERE s.trace_id = c.trace_id AND s.scorer = ? "
            "AND s.score >= coalesce(CAST(? AS DOUBLE PRECISION), "
            "CAST('-infinity' AS DOUBLE PRECISION)) "
            "AND s.score <= coalesce(CAST(? AS DOUBLE PRECISION), "
            "CAST('infinity' AS DOUBLE PRECISION)))"
        )
        params += [f.scorer, f.score_min, f.score_max]
    if f.label_scorer and f.label is not None:
        where.append(
            "EXISTS (SELECT 1 FROM scores s WHERE s.trace_id = c.trace_id AND s.scorer = ? "
            "AND s.label = ?)"
        )
        params += [f.label_scorer, f.label]
    if f.search:
        where.append(
            "(c.case_id ILIKE ? OR c.input ILIKE ? OR c.output ILIKE ? OR c.expected ILIKE ? "
            "OR c.output_a ILIKE ? OR c.output_b ILIKE ?)"
        )
        needle = "%" + f.search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        params += [needle] * 6
    if f.case_ids is not None:
        where.append("list_contains(?, c.case_id)")
        params.append(f.case_ids)
    return " AND ".join(where), params


def list_cases(
    scope: Scope, run_id: str, f: CaseFilter, *, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """A page of cases matching the filter (with their scores) and the total count."""
    where, params = _case_where(scope, run_id, f)
    total = scope.db.scalar(f"SELECT count(*) FROM cases c WHERE {where}", params)
    cases = scope.db.fetch_dicts(
        "SELECT c.trace_id, c.case_id, c.input, c.output, c.output_a, c.output_b, c.expected, "
        f"c.latency_ms, c.metadata FROM cases c WHERE {where} ORDER BY c.trace_id "
        "LIMIT ? OFFSET ?",
        [*params, limit, offset],
    )
    attach_scores(scope, cases)
    for case in cases:
        decode_metadata(case)
    return cases, int(total)


def matching_trace_ids(scope: Scope, run_id: str, f: CaseFilter, limit: int) -> list[int]:
    """Trace ids of the cases matching a filter (for adding a selection to a queue)."""
    where, params = _case_where(scope, run_id, f)
    rows = scope.db.fetchall(
        f"SELECT c.trace_id FROM cases c WHERE {where} ORDER BY c.trace_id LIMIT ?",
        [*params, limit],
    )
    return [r[0] for r in rows]


def attach_scores(scope: Scope, cases: list[dict[str, Any]]) -> None:
    """Add a `scores` dict {scorer: {score, label}} to each case dict."""
    if not cases:
        return
    ids = [c["trace_id"] for c in cases]
    rows = scope.db.fetchall(
        "SELECT trace_id, scorer, score, label, judge_reasoning FROM scores WHERE org_id = ? "
        "AND list_contains(?, trace_id)",
        [scope.org_id, ids],
    )
    by_trace: dict[int, dict[str, dict[str, Any]]] = {}
    for trace_id, scorer, score, label, reasoning in rows:
        entry: dict[str, Any] = {"score": score, "label": label}
        if reasoning is not None:
            entry["judge_reasoning"] = reasoning
        by_trace.setdefault(trace_id, {})[scorer] = entry
    for case in cases:
        case["scores"] = by_trace.get(case["trace_id"], {})


@_immutable
def score_histogram(scope: Scope, run_id: str, scorer: str, bins: int = 30) -> list[dict[str, Any]]:
    """Equal-width histogram of one scorer's scores, computed in DuckDB."""
    bounds = scope.db.fetchone(
        "SELECT min(score), max(score) FROM scores WHERE org_id = ? AND run_id = CAST(? AS UUID) "
        "AND scorer = ?",
        [scope.org_id, run_id, scorer],
    )
    lo, hi = bounds if bounds else (None, None)
    if lo is None:
        return []
    width = (hi - lo) / bins if hi > lo else 1.0
    rows = scope.db.fetchall(
        "SELECT least(CAST(floor((score - ?) / ?) AS INTEGER), ?) AS b, count(*) FROM scores "
        "WHERE org_id = ? AND run_id = CAST(? AS UUID) AND scorer = ? AND score IS NOT NULL "
        "GROUP BY b ORDER BY b",
        [lo, width, bins - 1, scope.org_id, run_id, scorer],
    )
    counts = dict(rows)
    return [
        {
            "bin_start": lo + i * width,
            "bin_end": lo + (i + 1) * width,
            "count": int(counts.get(i, 0)),
        }
        for i in range(bins if hi > lo else 1)
    ]


def resolve_case_ids(scope: Scope, run_id: str, case_ids: list[str]) -> dict[str, int]:
    """Map case ids of a run to trace ids (unknown ids are absent)."""
    rows = scope.db.fetchall(
        "SELECT case_id, trace_id FROM cases WHERE org_id = ? AND run_id = CAST(? AS UUID) "
        "AND list_contains(?, case_id)",
        [scope.org_id, run_id, case_ids],
    )
    return dict(rows)


def get_cases_by_trace(scope: Scope, trace_ids: list[int]) -> dict[int, dict[str, Any]]:
    """Full case rows (with run kind) for trace ids of the organization."""
    rows = scope.db.fetch_dicts(
        "SELECT c.trace_id, CAST(c.run_id AS VARCHAR) AS run_id, r.kind, c.case_id, c.input, "
        "c.output, c.output_a, c.output_b, c.expected, c.latency_ms, c.metadata "
        "FROM cases c JOIN runs r ON r.run_id = c.run_id "
        "WHERE c.org_id = ? AND list_contains(?, c.trace_id)",
        [scope.org_id, trace_ids],
    )
    out = {}
    for row in rows:
        out[row["trace_id"]] = decode_metadata(row)
    return out
