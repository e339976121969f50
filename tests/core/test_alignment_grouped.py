"""Grouped metrics: per-group values against SciPy / scikit-learn, mean over groups."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.metrics import cohen_kappa_score

from evalguard_core import labels, reports
from evalguard_core.alignment import alignment_report
from evalguard_core.alignment.grouped import grouped_section
from evalguard_core.store import Scope


def test_kendall_tau_per_context_averaged_like_chiang_and_lee() -> None:
    rng = np.random.default_rng(0)
    groups = np.repeat([f"ctx{k}" for k in range(12)], 6)
    ref = rng.integers(1, 6, size=len(groups)).astype(float)
    pred = ref + rng.normal(0, 1.2, size=len(groups))
    ref[groups == "ctx0"] = 3.0  # a constant group: tau undefined, skipped and counted
    sec = grouped_section(
        groups, ref, pred, field="context", categorical=False, n_boot=500,
        rng=np.random.default_rng(1), confidence=0.95,
    )  # fmt: skip
    taus = [
        stats.kendalltau(ref[groups == g], pred[groups == g]).statistic
        for g in np.unique(groups)
        if g != "ctx0"
    ]
    tau = sec["metrics"]["kendall_tau"]
    assert tau["value"] == pytest.approx(np.mean(taus))
    assert tau["groups"] == 12 and tau["groups_used"] == 11 and tau["groups_skipped"] == 1
    assert tau["ci_low"] < tau["value"] < tau["ci_high"]
    assert "11 of 12 groups" in sec["summary"]


def test_grouped_kappa_in_the_report() -> None:
    rng = np.random.default_rng(3)
    items = [f"i{k}" for k in range(60)]
    h = rng.choice(["pass", "fail"], size=60)
    j = np.where(rng.random(60) < 0.8, h, np.where(h == "pass", "fail", "pass"))
    human = pd.DataFrame({"item": items, "rater": "ann", "label": h})
    judge = pd.DataFrame({"item": items, "label": j, "score": None})
    grp = pd.DataFrame({"item": items, "group": [f"g{k % 5}" for k in range(60)]})
    report = alignment_report(
        human, judge, judge_name="j", groups=grp, group_field="topic", n_boot=200
    )
    kappa = report["grouped"]["metrics"]["cohen_kappa"]
    expected = np.mean([cohen_kappa_score(h[k::5], j[k::5]) for k in range(5)])
    assert kappa["value"] == pytest.approx(expected)
    assert report["grouped"]["field"] == "topic"


def test_group_by_a_metadata_key_through_the_store(scope: Scope, sample_run: str, tmp_path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text("case_id,annotator,label\nc1,ann,pass\nc2,ann,fail\nc3,ann,fail\nc4,ann,fail\n")
    labels.import_labels(scope, path, run_id=sample_run)
    report = reports.build_report(
        scope, run_id=sample_run, judge="llm_judge", group_by="topic", n_boot=50
    )
    acc = report["grouped"]["metrics"]["accuracy"]
    # math: c1 agree (1.0); geo: c2 agree (1.0); science: c3 no, c4 no (0.0) -> mean 2/3.
    assert acc["groups"] == 3 and acc["value"] == pytest.approx(2 / 3)
    with pytest.raises(Exception, match="no case of this run has 'nope'"):
        reports.build_report(scope, run_id=sample_run, judge="llm_judge", group_by="nope")
