"""Human labels made elsewhere (CSV, JSONL, Parquet) imported as annotations of a run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evalguard_core import rubrics
from evalguard_core.errors import InputFileError
from evalguard_core.runs import (
    check_not_blank,
    check_numeric,
    require_columns,
    require_run,
    stage_and_read,
)
from evalguard_core.store import Scope
from evalguard_core.store import labels as sql
from evalguard_core.store import runs as runs_sql


def import_labels(
    scope: Scope, path: str | Path, *, run_id: str, fmt: str | None = None
) -> dict[str, Any]:
    """Import human labels for a run in one transaction; unknown case ids import nothing."""
    path = Path(path)
    run = require_run(scope, run_id)
    staged, fmt = stage_and_read(scope, path, fmt)
    try:
        cols = staged.columns
        require_columns(staged, path, ["case_id", "annotator"])
        if "label" not in cols and "score" not in cols:
            raise InputFileError(
                f"{path.name}: a labels file needs a 'label' and/or a 'score' column",
                details={"file": str(path), "column": "label"},
            )
        if "question" in cols:
            # A long file: one row per case, rater and rubric question.
            return rubrics.import_staged_answers(scope, staged, path, run, fmt)
        check_not_blank(scope, staged, path, "case_id")
        check_not_blank(scope, staged, path, "annotator")
        if "score" in cols:
            check_numeric(scope, staged, path, "score")
        dups = runs_sql.staged_duplicates(scope, staged, ["case_id", "annotator"])
        if dups:
            case_id, annotator = dups[0]["value"]
            raise InputFileError(
                f"{path.name}: annotator {annotator!r} labels case {case_id!r} more than once "
                f"(rows {', '.join(map(str, dups[0]['rows']))})",
                details={"file": str(path), "column": "annotator", "duplicates": dups},
            )
        total, unknown = sql.staged_unknown_case_ids(scope, staged, run["run_id"])
        if total:
            more = f" and {total - len(unknown)} more" if total > len(unknown) else ""
            raise InputFileError(
                f"{path.name}: {total} case_id(s) not in run {run['run_id']}: "
                f"{', '.join(unknown)}{more}; nothing was imported",
                details={"file": str(path), "column": "case_id", "unknown": unknown},
            )
        with scope.db.atomic():
            rows = sql.insert_labels(scope, staged, run["run_id"], kind=run["kind"])
        return {"run_id": run["run_id"], "labels": rows, "format": fmt}
    finally:
        runs_sql.drop_staged(scope, staged)
