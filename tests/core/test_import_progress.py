"""Imports report their progress (rows read, cases stored, runs done) to an optional callback."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalguard_core import importers, runs
from evalguard_core.errors import InputFileError
from evalguard_core.importers import ImportProgress
from evalguard_core.store import Scope
from tests.core.test_importers import promptfoo_export


def test_native_file_reports_read_then_stored(scope: Scope, sample_csv: Path) -> None:
    seen: list[ImportProgress] = []
    outcome = importers.import_path(scope, sample_csv, progress=seen.append)
    assert [p.stage for p in seen] == ["read", "stored"]
    assert (seen[0].runs_done, seen[0].runs_total) == (0, 1)
    last = seen[-1]
    assert (last.rows_read, last.cases_stored, last.runs_done, last.runs_total) == (4, 4, 1, 1)
    assert outcome.runs[0]["cases"] == 4


def test_foreign_file_counts_rows_read_before_storing(scope: Scope, tmp_path: Path) -> None:
    seen: list[ImportProgress] = []
    outcome = importers.import_path(scope, promptfoo_export(tmp_path), progress=seen.append)
    stored = sum(r["cases"] for r in outcome.runs)
    assert seen[0].stage == "read" and seen[0].cases_stored == 0
    assert seen[0].rows_read >= stored > 0  # every row is read before anything is written
    assert seen[0].runs_total == len(outcome.runs)
    assert [p.runs_done for p in seen[1:]] == list(range(1, len(outcome.runs) + 1))
    assert seen[-1].cases_stored == stored


def test_a_failed_import_reports_no_stored_run_and_changes_nothing(
    scope: Scope, tmp_path: Path
) -> None:
    bad = tmp_path / "dup.csv"
    bad.write_text("case_id,input,output\nc1,a,b\nc1,c,d\n", encoding="utf-8")
    seen: list[ImportProgress] = []
    with pytest.raises(InputFileError):
        importers.import_path(scope, bad, progress=seen.append)
    assert all(p.stage == "read" for p in seen)
    assert runs.list_runs(scope) == []
