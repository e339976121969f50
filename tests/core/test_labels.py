"""Human label import."""

from __future__ import annotations

from pathlib import Path

import pytest

from evalguard_core import labels
from evalguard_core.errors import InputFileError, NotFoundError
from evalguard_core.store import Scope


def annotation_rows(scope: Scope) -> list[tuple]:
    """(case target, annotator, label, score) of every annotation."""
    return scope.db.fetchall(
        "SELECT split_part(target_id, ':', 2), annotator, label, score FROM annotations "
        "ORDER BY 1, 2"
    )


def test_several_raters_per_case(scope: Scope, sample_run: str, tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text(
        "case_id,annotator,label,score,comment\n"
        "c1,alice,pass,4,\nc1,bob,fail,2,too short\nc2,alice,fail,,\n"
    )
    result = labels.import_labels(scope, path, run_id=sample_run)
    assert result["labels"] == 3
    assert annotation_rows(scope) == [
        ("c1", "alice", "pass", 4.0),
        ("c1", "bob", "fail", 2.0),
        ("c2", "alice", "fail", None),
    ]


def test_reimport_replaces_a_raters_label(scope: Scope, sample_run: str, tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text("case_id,annotator,label\nc1,alice,pass\n")
    labels.import_labels(scope, path, run_id=sample_run)
    path.write_text("case_id,annotator,label\nc1,alice,fail\n")
    labels.import_labels(scope, path, run_id=sample_run)
    assert annotation_rows(scope) == [("c1", "alice", "fail", None)]


def test_unknown_case_ids_are_named_and_nothing_is_imported(
    scope: Scope, sample_run: str, tmp_path: Path
) -> None:
    path = tmp_path / "labels.csv"
    path.write_text("case_id,annotator,label\nc1,alice,pass\nzz9,alice,fail\nzz8,bob,pass\n")
    with pytest.raises(InputFileError, match="2 case_id.*zz8, zz9; nothing was imported"):
        labels.import_labels(scope, path, run_id=sample_run)
    assert annotation_rows(scope) == []


def test_same_rater_twice_on_a_case_is_rejected(scope: Scope, sample_run: str, tmp_path: Path):
    path = tmp_path / "labels.jsonl"
    path.write_text(
        '{"case_id":"c1","annotator":"a","label":"pass"}\n'
        '{"case_id":"c1","annotator":"a","label":"fail"}\n'
    )
    with pytest.raises(InputFileError, match="annotator 'a' labels case 'c1' more than once"):
        labels.import_labels(scope, path, run_id=sample_run)


def test_needs_label_or_score_and_a_known_run(scope: Scope, sample_run: str, tmp_path: Path):
    path = tmp_path / "labels.csv"
    path.write_text("case_id,annotator\nc1,a\n")
    with pytest.raises(InputFileError, match="'label' and/or a 'score'"):
        labels.import_labels(scope, path, run_id=sample_run)
    with pytest.raises(NotFoundError):
        labels.import_labels(scope, path, run_id="00000000-0000-0000-0000-000000000000")
