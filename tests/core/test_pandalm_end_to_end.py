"""Real data through the whole product: PandaLM's 999 pairwise items, 3 humans, 2 LLM judges.

The files are converted to our import formats here (never copied into the repo), imported with
`evalguard import` / `evalguard labels import`, and the report must reproduce the figures the
PandaLM authors published (../shared/data/pandalm/README.md) to two decimals.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from evalguard_core import reports
from evalguard_core.store import Store

PANDALM = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "pandalm"
pytestmark = pytest.mark.skipif(
    not (PANDALM / "testset-v1.json").exists(),
    reason=f"PandaLM data not found at {PANDALM} (the shared/ folder beside the repo is absent)",
)

GPT_MAP = {"1": "1", "2": "2", "Tie": "0", "garbage": "0"}


def load(name: str) -> list[dict]:
    """One of the PandaLM files."""
    return json.loads((PANDALM / name).read_text())


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """Import the converted run and labels through the CLI; returns (db, run_id)."""
    tmp = tmp_path_factory.mktemp("pandalm")
    items = load("testset-v1.json")
    gpt = {
        r["idx"]: GPT_MAP.get(str(r["gpt_result"]).strip(), "0")
        for r in load("gpt-3.5-turbo-testset-v1.json")
    }
    panda = {r["idx"]: str(r["pandalm_result"]).strip() for r in load("pandalm-7b-testset-v1.json")}
    run = pd.DataFrame(
        {
            "case_id": [r["idx"] for r in items],
            "input": [f"{r['instruction']}\n\n{r['input']}" for r in items],
            "output_a": [str(r["response1"]) for r in items],
            "output_b": [str(r["response2"]) for r in items],
            "label:gpt35": [gpt[r["idx"]] for r in items],
            "label:pandalm7b": [panda[r["idx"]] for r in items],
            "cmp_key": [r["cmp_key"] for r in items],
        }
    )
    run_path = tmp / "pandalm_run.parquet"
    run.to_parquet(run_path, index=False)
    human = pd.DataFrame(
        [
            {"case_id": r["idx"], "annotator": f"annotator{k}", "label": str(r[f"annotator{k}"])}
            for r in items
            for k in (1, 2, 3)
        ]
    )
    labels_path = tmp / "pandalm_labels.jsonl"
    human.to_json(labels_path, orient="records", lines=True)
    db = tmp / "pandalm.duckdb"
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "evalguard_core",
            "import",
            str(run_path),
            "--json",
            "--db",
            str(db),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    run_id = json.loads(out.stdout)["run_id"]
    subprocess.run(
        [
            sys.executable,
            "-m",
            "evalguard_core",
            "labels",
            "import",
            str(labels_path),
            "--run",
            run_id,
            "--db",
            str(db),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return db, run_id


@pytest.mark.parametrize(
    ("judge", "accuracy", "precision", "recall", "f1"),
    [("gpt35", 0.7107, 0.5879, 0.5736, 0.5755), ("pandalm7b", 0.6677, 0.5738, 0.5750, 0.5743)],
)
def test_judges_match_published_figures(imported, judge, accuracy, precision, recall, f1) -> None:
    db, run_id = imported
    store = Store.open(db)
    try:
        report = reports.build_report(store.scope(), run_id=run_id, judge=judge, n_boot=200)
    finally:
        store.close()
    m = report["metrics"]
    assert report["n"] == 999
    assert round(m["accuracy"]["value"], 2) == round(accuracy, 2)
    assert round(m["precision_macro"]["value"], 2) == round(precision, 2)
    assert round(m["recall_macro"]["value"], 2) == round(recall, 2)
    assert round(m["f1_macro"]["value"], 2) == round(f1, 2)
    assert m["accuracy"]["ci_low"] < m["accuracy"]["value"] < m["accuracy"]["ci_high"]


def test_inter_annotator_kappas_match_published_figures(imported) -> None:
    db, run_id = imported
    store = Store.open(db)
    try:
        report = reports.build_report(store.scope(), run_id=run_id, judge="gpt35", n_boot=100)
    finally:
        store.close()
    pairs = report["inter_rater"]["pairs"]
    got = {(p["rater_a"], p["rater_b"]): round(p["cohen_kappa"]["value"], 2) for p in pairs}
    assert got == {
        ("annotator1", "annotator2"): 0.85,
        ("annotator1", "annotator3"): 0.88,
        ("annotator2", "annotator3"): 0.86,
    }


def test_cli_gate_exit_codes(imported) -> None:
    db, run_id = imported
    base = [
        sys.executable,
        "-m",
        "evalguard_core",
        "align",
        "--run",
        run_id,
        "--judge",
        "gpt35",
        "--db",
        str(db),
        "--n-boot",
        "200",
    ]
    passing = subprocess.run(
        [*base, "--fail-under", "accuracy=0.6"], capture_output=True, text=True, timeout=120
    )
    assert passing.returncode == 0, passing.stderr
    failing = subprocess.run(
        [*base, "--fail-under", "accuracy=0.8"], capture_output=True, text=True, timeout=120
    )
    assert failing.returncode == 1
    assert failing.stderr.strip().startswith("evalguard: gate failed: accuracy")
    as_json = subprocess.run(
        [*base, "--json", "--fail-under", "accuracy=0.71", "--on", "point"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    report = json.loads(as_json.stdout)
    assert report["gate"]["passed"] is True and as_json.returncode == 0
