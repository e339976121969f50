"""The pass-rate section on PandaLM: GPT-3.5 judges all 999 pairs, humans label a sample.

"Pass" here is "response 1 is better" (label 1): the human-defined share of response-1 wins
over all 999 items is known exactly (the three annotators' majority), so the corrected
estimate from 200 labelled items can be checked against the truth.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from evalguard_core.alignment import alignment_report

PANDALM = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "pandalm"
pytestmark = pytest.mark.skipif(
    not (PANDALM / "testset-v1.json").exists(),
    reason=f"PandaLM data not found at {PANDALM} (the shared/ folder beside the repo is absent)",
)
GPT_MAP = {"1": "1", "2": "2", "Tie": "0", "garbage": "0"}


def pandalm_sample(n: int = 200, seed: int = 0) -> dict:
    """Majority human label of every item, GPT-3.5's verdicts, and a report on a random n."""
    test = json.loads((PANDALM / "testset-v1.json").read_text())
    gpt = {r["idx"]: GPT_MAP[str(r["gpt_result"])] for r in json.loads(
        (PANDALM / "gpt-3.5-turbo-testset-v1.json").read_text())}  # fmt: skip
    rows = []
    for r in test:
        votes = [str(r[f"annotator{k}"]) for k in (1, 2, 3)]
        top = max(set(votes), key=votes.count)
        rows.append({"item": str(r["idx"]), "gold": top if votes.count(top) >= 2 else None})
    items = pd.DataFrame(rows)
    items["judge"] = [gpt[int(i)] for i in items["item"]]
    truth = float((items["gold"] == "1").mean())
    pick = items.dropna().sample(n=n, random_state=seed)
    human = pick.rename(columns={"gold": "label"}).assign(rater="majority")
    judge = items.loc[items["item"].isin(pick["item"]), ["item", "judge"]]
    judge = judge.rename(columns={"judge": "label"}).assign(score=None)
    counts = items["judge"].value_counts()
    judge_run = pd.DataFrame({"label": counts.index, "n": counts.to_numpy()})
    report = alignment_report(
        human[["item", "rater", "label"]], judge, judge_name="gpt-3.5-turbo",
        judge_run=judge_run, positive="1", n_boot=500,
    )  # fmt: skip
    return {"truth": truth, "report": report, "judge_rate": float((items["judge"] == "1").mean())}


def test_corrected_response1_win_rate_covers_the_full_human_answer() -> None:
    out = pandalm_sample()
    sec = out["report"]["pass_rate"]
    assert sec["run_cases"] == 999 and sec["labelled"] == 200
    assert sec["judge_only"]["value"] == pytest.approx(out["judge_rate"])
    c = sec["corrected"]
    assert c["ci_low"] <= out["truth"] <= c["ci_high"]
    assert np.isfinite(sec["tpr"]["value"]) and np.isfinite(sec["tnr"]["value"])
