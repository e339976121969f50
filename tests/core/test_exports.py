"""Exports: annotations with rater identity, queue items, paired labels; CSV/JSONL/Parquet."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import pytest
from fastapi.testclient import TestClient

from evalguard_core import exports, labels
from evalguard_core.errors import ValidationError
from evalguard_core.store import Scope
from tests.conftest import bearer


@pytest.fixture
def labelled_run(scope: Scope, sample_run: str, tmp_path: Path) -> str:
    path = tmp_path / "labels.csv"
    path.write_text(
        "case_id,annotator,label,comment\nc1,alice,pass,\nc1,bob,fail,meh\nc2,alice,fail,\n"
    )
    labels.import_labels(scope, path, run_id=sample_run)
    return sample_run


def read(data: bytes, fmt: str) -> pd.DataFrame:
    """Parse exported bytes back."""
    if fmt == "csv":
        return pd.read_csv(io.BytesIO(data))
    if fmt == "jsonl":
        return pd.DataFrame([json.loads(line) for line in data.decode().splitlines()])
    return pd.read_parquet(io.BytesIO(data))


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_annotations_export_round_trips(scope: Scope, labelled_run: str, fmt: str) -> None:
    table = exports.export_table(scope, "annotations", run_id=labelled_run)
    df = read(exports.to_bytes(table, fmt), fmt)
    got = sorted(zip(df["case_id"], df["annotator"], df["label"], strict=True))
    assert got == [("c1", "alice", "pass"), ("c1", "bob", "fail"), ("c2", "alice", "fail")]


def test_paired_export_puts_judge_beside_each_human(scope: Scope, labelled_run: str) -> None:
    table = exports.export_table(scope, "paired", run_id=labelled_run, judge="llm_judge")
    rows = table.to_pylist()
    assert [(r["case_id"], r["annotator"], r["judge_label"], r["human_label"]) for r in rows] == [
        ("c1", "alice", "pass", "pass"),
        ("c1", "bob", "pass", "fail"),
        ("c2", "alice", "fail", "fail"),
    ]


def test_export_validation(scope: Scope, labelled_run: str) -> None:
    with pytest.raises(ValidationError, match="paired needs a run and a judge"):
        exports.export_table(scope, "paired", run_id=labelled_run)
    with pytest.raises(ValidationError, match="queue_items needs a queue"):
        exports.export_table(scope, "queue_items")


def test_export_to_file_by_extension(scope: Scope, labelled_run: str, tmp_path: Path) -> None:
    out = tmp_path / "out" / "labels.parquet"
    assert exports.export_to_file(scope, "annotations", out, run_id=labelled_run) == 3
    assert len(pd.read_parquet(out)) == 3


def test_api_download(client: TestClient, keys: dict, labelled_run: str) -> None:
    r = client.get(
        f"/v1/exports/annotations?format=jsonl&run_id={labelled_run}",
        headers=bearer(keys["viewer"]),
    )
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/x-ndjson")
    assert len(r.text.splitlines()) == 3
    r = client.get("/v1/exports/nonsense", headers=bearer(keys["viewer"]))
    assert r.status_code == 400
    r = client.get(f"/v1/exports/annotations?run_id={labelled_run}")
    assert r.status_code == 401
