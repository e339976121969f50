"""Eval runs: import files (CSV, JSONL, Parquet) as runs, and read them back."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from evalguard_core import files
from evalguard_core.errors import InputFileError, NotFoundError, PermissionDeniedError
from evalguard_core.store import Scope
from evalguard_core.store import runs as sql
from evalguard_core.store.runs import CaseFilter

__all__ = ["CaseFilter", "ImportResult", "get_run_summary", "import_run", "list_cases", "list_runs"]

KNOWN_COLUMNS = {"case_id", "input", "output", "output_a", "output_b", "expected", "latency_ms"}
MAX_LISTED = 10


@dataclass
class ImportResult:
    """What an import created."""

    run_id: str
    name: str
    kind: str
    cases: int
    scorers: list[str]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the CLI's --json output)."""
        return {
            "run_id": self.run_id,
            "name": self.name,
            "kind": self.kind,
            "cases": self.cases,
            "scorers": self.scorers,
        }


def _rows_text(rows: list[int], total: int) -> str:
    """'rows 3, 7 and 2 more' for messages."""
    shown = ", ".join(str(r) for r in rows)
    more = f" and {total - len(rows)} more" if total > len(rows) else ""
    return f"row{'s' if total > 1 else ''} {shown}{more}"


def stage_and_read(scope: Scope, path: Path, fmt: str | None) -> tuple[sql.StagedFile, str]:
    """Check and read a file into a staging table, turning reader errors into clear ones."""
    path = Path(path)
    fmt = files.detect_format(path, fmt)
    files.check_readable(path, fmt)
    delimiter = files.csv_delimiter(path) if fmt == "csv" else ","
    try:
        staged = sql.stage_file(scope, str(path), fmt, delimiter=delimiter)
    except Exception as exc:  # DuckDB's reader errors: corrupt or malformed files
        raise files.unreadable(path, fmt, exc) from None
    if staged.rows == 0:
        sql.drop_staged(scope, staged)
        raise InputFileError(f"{path.name}: the file has no data rows", details={"file": str(path)})
    return staged, fmt


def require_columns(staged: sql.StagedFile, path: Path, required: list[str]) -> None:
    """Fail naming the first required column the file lacks."""
    for column in required:
        if column not in staged.columns:
            found = ", ".join(list(staged.columns)[:12])
            raise InputFileError(
                f"{path.name}: missing required column {column!r} (found: {found})",
                details={"file": str(path), "column": column},
            )


def check_not_blank(scope: Scope, staged: sql.StagedFile, path: Path, column: str) -> None:
    """Fail naming the rows where a required value is blank."""
    total, rows = sql.staged_blank_rows(scope, staged, column)
    if total:
        raise InputFileError(
            f"{path.name}: {_rows_text(rows, total)}: column {column!r} is empty",
            details={"file": str(path), "column": column, "rows": rows},
        )


def check_numeric(scope: Scope, staged: sql.StagedFile, path: Path, column: str) -> None:
    """Fail naming the rows where a numeric column holds something else."""
    total, rows = sql.staged_non_numeric(scope, staged, column)
    if total:
        raise InputFileError(
            f"{path.name}: {_rows_text(rows, total)}: column {column!r} is not a number",
            details={"file": str(path), "column": column, "rows": rows},
        )


def import_run(
    scope: Scope,
    path: str | Path,
    *,
    name: str | None = None,
    fmt: str | None = None,
    source: str | None = None,
) -> ImportResult:
    """Import an eval-run file as a new run in one transaction; bad files change nothing.

    `source` names where the rows came from when `path` is an importer's normalised table."""
    path = Path(path)
    staged, fmt = stage_and_read(scope, path, fmt)
    try:
        cols = staged.columns
        require_columns(staged, path, ["case_id"])
        check_not_blank(scope, staged, path, "case_id")
        dups = sql.staged_duplicates(scope, staged, ["case_id"])
        if dups:
            first = dups[0]
            raise InputFileError(
                f"{path.name}: duplicate case_id {first['value'][0]!r} on rows "
                f"{', '.join(map(str, first['rows'][:MAX_LISTED]))}"
                + (f" ({len(dups)} duplicated ids shown of more)" if len(dups) > 1 else ""),
                details={"file": str(path), "column": "case_id", "duplicates": dups},
            )
        has_a, has_b = "output_a" in cols, "output_b" in cols
        if has_a != has_b:
            missing = "output_b" if has_a else "output_a"
            raise InputFileError(
                f"{path.name}: a pairwise run needs both output_a and output_b; {missing!r} is "
                "missing",
                details={"file": str(path), "column": missing},
            )
        if has_a and "output" in cols:
            raise InputFileError(
                f"{path.name}: a run is single (an 'output' column) or pairwise ('output_a' and "
                "'output_b'), not both; drop or rename one of them",
                details={"file": str(path), "column": "output"},
            )
        kind = "pairwise" if has_a else "single"
        score_columns: dict[str, str] = {}
        label_columns: dict[str, str] = {}
        reason_columns: dict[str, str] = {}
        metadata_columns: list[str] = []
        for column in cols:
            if column.startswith("score:"):
                scorer = column[len("score:") :].strip()
                _check_scorer_name(path, column, scorer)
                check_numeric(scope, staged, path, column)
                score_columns[scorer] = column
            elif column.startswith("label:"):
                scorer = column[len("label:") :].strip()
                _check_scorer_name(path, column, scorer)
                label_columns[scorer] = column
            elif column.startswith("reason:"):
                # the judge's reasoning / raw output, kept with its verdict (judge data)
                scorer = column[len("reason:") :].strip()
                _check_scorer_name(path, column, scorer)
                reason_columns[scorer] = column
            elif column not in KNOWN_COLUMNS and column not in ("_trace_id",):
                metadata_columns.append(column)
        if "latency_ms" in cols:
            check_numeric(scope, staged, path, "latency_ms")
        run_name = name or path.stem
        with scope.db.atomic(bulk=True):
            sql.assign_trace_ids(scope, staged)
            run_id = sql.insert_run(
                scope,
                staged,
                name=run_name,
                kind=kind,
                source=source or path.name,
                score_columns=score_columns,
                label_columns=label_columns,
                reason_columns=reason_columns,
                metadata_columns=metadata_columns,
            )
        return ImportResult(
            run_id=run_id,
            name=run_name,
            kind=kind,
            cases=staged.rows,
            scorers=sorted(set(score_columns) | set(label_columns) | set(reason_columns)),
        )
    finally:
        sql.drop_staged(scope, staged)


def _check_scorer_name(path: Path, column: str, scorer: str) -> None:
    """A score:/label: column must name its scorer."""
    if not scorer:
        raise InputFileError(
            f"{path.name}: column {column!r} does not name a scorer (use e.g. 'score:accuracy')",
            details={"file": str(path), "column": column},
        )


def list_runs(scope: Scope) -> list[dict[str, Any]]:
    """The organization's runs with case counts and scorers."""
    return sql.list_runs(scope)


def require_run(scope: Scope, run_id: str) -> dict[str, Any]:
    """The run, or NotFoundError naming the id."""
    run = sql.get_run(scope, str(run_id))
    if run is None:
        raise NotFoundError(f"run {run_id} not found", details={"run_id": str(run_id)})
    return run


def get_run_summary(scope: Scope, run_id: str, *, blind: bool = False) -> dict[str, Any]:
    """A run with per-scorer summaries, label distributions, latency and label counts.

    `blind` (an annotator asks): scorer names only, no score or verdict distributions.
    """
    run = require_run(scope, run_id)
    summary = sql.scorer_summary(scope, run["run_id"])
    run["scorers"] = [s["scorer"] for s in summary] if blind else summary
    run["latency_ms"] = sql.latency_summary(scope, run["run_id"])
    run["human_labels"] = sql.annotation_counts(scope, run["run_id"])
    return run


def list_cases(
    scope: Scope,
    run_id: str,
    f: CaseFilter | None = None,
    *,
    limit: int = 50,
    offset: int = 0,
    blind: bool = False,
) -> dict[str, Any]:
    """A page of a run's cases, filtered and paged in DuckDB.

    `blind` (an annotator asks): no scores, and no filter on scores or verdicts, which would
    reveal them just as well.
    """
    require_run(scope, run_id)
    f = f or CaseFilter()
    if blind:
        for field in ("scorer", "score_min", "score_max", "label_scorer", "label"):
            if getattr(f, field) is not None:
                raise PermissionDeniedError(
                    f"raters label blind: the annotator role cannot filter on {field}",
                    details={"field": field, "reason": "blind_rater"},
                )
    cases, total = sql.list_cases(scope, str(run_id), f, limit=limit, offset=offset)
    if blind:
        for case in cases:
            case["scores"] = {}
    return {"cases": cases, "total": total, "limit": limit, "offset": offset}


def score_histogram(scope: Scope, run_id: str, scorer: str, bins: int = 30) -> list[dict[str, Any]]:
    """Histogram bins of one scorer's scores."""
    require_run(scope, run_id)
    return sql.score_histogram(scope, str(run_id), scorer, bins)
