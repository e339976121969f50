"""REST alignment report and the service's validation."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from evalguard_core import labels, reports
from evalguard_core.errors import NotFoundError, ValidationError
from evalguard_core.store import Scope
from tests.conftest import bearer


@pytest.fixture
def labelled(scope: Scope, sample_run: str, tmp_path: Path) -> str:
    path = tmp_path / "labels.csv"
    rows = ["case_id,annotator,label"]
    for case, votes in {"c1": "ppp", "c2": "fff", "c3": "ppf", "c4": "fff"}.items():
        for rater, vote in zip(("ann", "bob", "cy"), votes, strict=True):
            rows.append(f"{case},{rater},{'pass' if vote == 'p' else 'fail'}")
    path.write_text("\n".join(rows) + "\n")
    labels.import_labels(scope, path, run_id=sample_run)
    return sample_run


def test_report_shape_and_hand_checked_accuracy(client: TestClient, keys: dict, labelled: str):
    r = client.get(
        f"/v1/alignment?run_id={labelled}&judge=llm_judge&n_boot=200",
        headers=bearer(keys["viewer"]),
    )
    assert r.status_code == 200, r.text
    report = r.json()
    # Consensus: c1 pass, c2 fail, c3 pass, c4 fail; judge: pass, fail, pass, pass -> 3/4.
    assert report["n"] == 4 and report["reference"] == "consensus"
    assert report["metrics"]["accuracy"]["value"] == pytest.approx(0.75)
    assert set(report) >= {"metrics", "confusion", "inter_rater", "per_stratum", "weighted"}
    assert any("wide" in w or "unreliable" in w for w in report["warnings"])


def test_gate_in_the_api(client: TestClient, keys: dict, labelled: str) -> None:
    url = (
        f"/v1/alignment?run_id={labelled}&judge=llm_judge&n_boot=100"
        "&fail_under=accuracy=0.7&on=point"
    )
    # 4 items: below the gate's minimum of 30, it refuses to pass and says how many are missing.
    refused = client.get(url, headers=bearer(keys["viewer"])).json()["gate"]
    assert refused["passed"] is False and refused["min_n"] == 30
    assert any("label 26 more" in r for r in refused["reasons"])
    r = client.get(url + "&allow_small=true", headers=bearer(keys["viewer"]))
    assert r.json()["gate"]["passed"] is True and r.json()["gate"]["allow_small"] is True


def test_errors(client: TestClient, keys: dict, labelled: str, scope: Scope) -> None:
    h = bearer(keys["viewer"])
    unknown = client.get(
        "/v1/alignment?run_id=00000000-0000-0000-0000-000000000000&judge=x", headers=h
    )
    assert unknown.status_code == 404
    bad_judge = client.get(f"/v1/alignment?run_id={labelled}&judge=nope", headers=h)
    assert bad_judge.status_code == 400
    assert bad_judge.json()["error"]["details"]["field"] == "judge"
    assert client.get(f"/v1/alignment?run_id={labelled}&judge=llm_judge").status_code == 401
    with pytest.raises(ValidationError, match="reference must be"):
        reports.build_report(scope, run_id=labelled, judge="llm_judge", reference="zed")
    with pytest.raises(NotFoundError):
        reports.build_report(
            scope,
            run_id=labelled,
            judge="llm_judge",
            queue_id="00000000-0000-0000-0000-000000000000",
        )


def test_no_labels_yet_is_a_clear_400(client: TestClient, keys: dict, sample_run: str) -> None:
    r = client.get(
        f"/v1/alignment?run_id={sample_run}&judge=llm_judge", headers=bearer(keys["viewer"])
    )
    assert r.status_code == 400 and "no human labels" in r.json()["error"]["message"]


def _run_with_labels(scope: Scope, tmp_path: Path, header: str, judge: list[str]) -> str:
    """A run of len(judge) cases labelled by the judge and one human who copies it."""
    from evalguard_core import runs

    n = len(judge)
    cases = [header] + [
        f"c{i},q{i},{'a,b' if 'output_a' in header else 'x'},{judge[i]}" for i in range(n)
    ]
    path = tmp_path / f"run{len(header)}.csv"
    path.write_text("\n".join(cases) + "\n")
    run_id = runs.import_run(scope, path, name="r").run_id
    lab = tmp_path / f"labels{len(header)}.csv"
    lab.write_text(
        "case_id,annotator,label\n" + "".join(f"c{i},ann,{judge[i]}\n" for i in range(n))
    )
    labels.import_labels(scope, lab, run_id=run_id)
    return run_id


def test_pairwise_comes_from_the_run_kind_not_the_label_values(
    scope: Scope, tmp_path: Path
) -> None:
    # Defect 7: a multiple-choice a/b question on a single-output run stays nominal.
    single = _run_with_labels(scope, tmp_path, "case_id,input,output,label:judge", ["a", "b"] * 3)
    report = reports.build_report(scope, run_id=single, judge="judge", n_boot=0)
    assert report["label_type"] == "nominal" and report["confusion"]["labels"] == ["a", "b"]
    pair = _run_with_labels(
        scope, tmp_path, "case_id,input,output_a,output_b,label:judge", ["A", "B", "tie"] * 2
    )
    report = reports.build_report(scope, run_id=pair, judge="judge", n_boot=0)
    assert report["label_type"] == "pairwise"
    assert "agreement_without_ties" in report["metrics"]
