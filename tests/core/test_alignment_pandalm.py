"""Reproduce the published PandaLM agreement figures through the engine's public API.

Data: the PandaLM human-annotated test set (999 pairwise comparisons, three annotators, two LLM
judges), read from the shared data directory next to the repository; see its README.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from evalguard_core.alignment import alignment_report

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "pandalm"
FILES = ("testset-v1.json", "gpt-3.5-turbo-testset-v1.json", "pandalm-7b-testset-v1.json")

pytestmark = pytest.mark.skipif(
    not all((DATA / f).is_file() for f in FILES),
    reason=f"PandaLM test set not found in {DATA} (shared data, not part of the repository)",
)


def _load(name: str) -> list[dict[str, Any]]:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def frames() -> dict[str, pd.DataFrame]:
    """Human labels (long) and both judges, keyed by idx; labels as strings '0', '1', '2'."""
    test, gpt, panda = (_load(f) for f in FILES)
    human = pd.DataFrame(
        [
            {
                "item": row["idx"],
                "rater": f"annotator{i}",
                "label": str(row[f"annotator{i}"]),
                "score": None,
            }
            for row in test
            for i in (1, 2, 3)
        ]
    )
    # gpt-3.5 answers '1', '2', 'Tie' or 'garbage'; the paper counts the last two as 0 (tie).
    gpt_df = pd.DataFrame(
        {
            "item": [r["idx"] for r in gpt],
            "label": [r["gpt_result"] if r["gpt_result"] in ("1", "2") else "0" for r in gpt],
        }
    )
    panda_df = pd.DataFrame(
        {
            "item": [r["idx"] for r in panda],
            "label": [str(r["pandalm_result"]) for r in panda],
        }
    )
    return {"human": human, "gpt-3.5-turbo": gpt_df, "pandalm-7b": panda_df}


@pytest.fixture(scope="module")
def reports(frames: dict[str, pd.DataFrame]) -> dict[str, dict[str, Any]]:
    """One consensus report per judge."""
    return {
        name: alignment_report(frames["human"], frames[name], judge_name=name, n_boot=200)
        for name in ("gpt-3.5-turbo", "pandalm-7b")
    }


def test_gold_labels_and_inter_annotator_kappa(reports: dict[str, dict[str, Any]]) -> None:
    report = reports["gpt-3.5-turbo"]
    assert report["n"] == 999 and report["no_majority"] == 0
    assert report["label_type"] == "ordinal"
    # Gold (majority of three) distribution: 0: 105, 1: 422, 2: 472 = confusion row totals.
    assert [sum(row) for row in report["confusion"]["matrix"]] == [105, 422, 472]
    kappas = {
        (p["rater_a"], p["rater_b"]): round(p["cohen_kappa"]["value"], 2)
        for p in report["inter_rater"]["pairs"]
    }
    assert kappas == {
        ("annotator1", "annotator2"): 0.85,
        ("annotator1", "annotator3"): 0.88,
        ("annotator2", "annotator3"): 0.86,
    }


@pytest.mark.parametrize(
    ("judge", "published"),
    [
        (
            "gpt-3.5-turbo",
            {"accuracy": 71.07, "precision_macro": 58.79, "recall_macro": 57.36, "f1_macro": 57.55},
        ),
        (
            "pandalm-7b",
            {"accuracy": 66.77, "precision_macro": 57.38, "recall_macro": 57.50, "f1_macro": 57.43},
        ),
    ],
)
def test_judge_vs_gold_matches_published(
    reports: dict[str, dict[str, Any]], judge: str, published: dict[str, float]
) -> None:
    metrics = reports[judge]["metrics"]
    for name, percent in published.items():
        entry = metrics[name]
        assert round(entry["value"], 4) == pytest.approx(percent / 100, abs=1e-4), name
        assert entry["ci_low"] < entry["value"] < entry["ci_high"], name


def test_human_ceiling_beats_both_judges(reports: dict[str, dict[str, Any]]) -> None:
    for report in reports.values():
        ceiling = report["inter_rater"]["human_ceiling"]
        human = ceiling["human_human"]["cohen_kappa"]
        judge = ceiling["judge_human"]["cohen_kappa"]
        assert human["ci_low"] > judge["ci_high"]
