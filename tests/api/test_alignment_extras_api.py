"""Position bias, the rater model, the alt-test and the queue's live decision over REST, on both
backends, with human labels made through real claims (the shown side order on each claim)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from evalguard_core import annotations, claims, queues, runs
from evalguard_core.store import Scope
from tests.conftest import bearer

N = 40
RATERS = ("r1", "r2", "r3")


def truth(i: int) -> str:
    return "A" if i % 2 == 0 else "B"


def write_run(tmp_path: Path) -> Path:
    """A pairwise run judged in both orders. With A shown first the judge says A unless
    i % 4 == 3; with B first it says B unless i % 4 == 0 (verdicts name the winning output)."""
    rows = ["case_id,input,output_a,output_b,label:judge_ab,label:judge_ba,shown"]
    for i in range(N):
        ab = "B" if i % 4 == 3 else "A"
        ba = "A" if i % 4 == 0 else "B"
        rows.append(f"p{i},q{i},a{i},b{i},{ab},{ba},{'AB' if i % 2 == 0 else 'BA'}")
    path = tmp_path / "pairs.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.fixture
def labelled_queue(scope: Scope, tmp_path: Path) -> tuple[str, str, int]:
    """(run_id, queue_id, first-shown wins among the human labels)."""
    run_id = runs.import_run(scope, write_run(tmp_path)).run_id
    queue = queues.create_queue(scope, name="pairs", target_type="pairwise", annotations_per_item=3)
    queues.add_items(scope, queue["queue_id"], [f"{run_id}:p{i}" for i in range(N)])
    first_won = 0
    for rater in RATERS:
        for _ in range(N):
            item = claims.claim_next(scope, queue["queue_id"], rater)["item"]
            order = claims.pairwise_order(queue["queue_id"], item["item_id"], rater)
            label = truth(int(item["target_id"].rsplit(":p", 1)[1]))
            first_won += label == order[0]
            annotations.create_annotation(
                scope,
                annotator=rater,
                target_id=item["target_id"],
                target_type="pairwise",
                label=label,
                queue_id=queue["queue_id"],
                source="ui",
                shown_order=order,
            )
    return run_id, queue["queue_id"], first_won


def test_report_sections(client: TestClient, keys: dict, labelled_queue: tuple) -> None:
    run_id, queue_id, first_won = labelled_queue
    r = client.get(
        f"/v1/alignment?run_id={run_id}&judge=judge_ab&queue_id={queue_id}"
        "&swapped_judge=judge_ba&rater_model=true&alt_test_epsilon=0.2&n_boot=100",
        headers=bearer(keys["viewer"]),
    )
    assert r.status_code == 200, r.text
    report = r.json()
    judge = report["position_bias"]["judge"]
    # i % 4 == 0 and 3: same verdict; 1 and 2: the winner reverses.
    assert judge["both_orders"]["positional_agreement"]["value"] == pytest.approx(0.5)
    assert judge["both_orders"]["flip_rate"]["value"] == pytest.approx(0.5)
    first = judge["first_position_win_rate"]
    assert (first["wins"], first["n"]) == (60, 80)
    assert judge["agreement_by_order"]["AB"]["value"] == pytest.approx(0.75)
    humans = report["position_bias"]["humans"]
    assert humans["n_labels"] == N * 3
    assert humans["first_position_win_rate"]["wins"] == first_won
    assert humans["by_order"]["AB"]["agreement_with_other_raters"]["value"] == 1.0
    ds = report["rater_model"]
    assert ds["judge_accuracy"]["value"] == pytest.approx(0.75, abs=0.02)
    assert ds["judge_accuracy"]["ci_low"] < 0.75 < ds["judge_accuracy"]["ci_high"]
    alt = report["alt_test"]
    # Raters always agree: the judge ties them on 75% of items and loses on 25%: mean
    # difference 0.25 > epsilon 0.2, so it wins against no rater.
    assert alt["advantage_probability"] == pytest.approx(0.75)
    assert alt["winning_rate"] == 0.0 and alt["passed"] is False


def test_order_field_and_errors(client: TestClient, keys: dict, labelled_queue: tuple) -> None:
    run_id, queue_id, _ = labelled_queue
    h = bearer(keys["viewer"])
    base = f"/v1/alignment?run_id={run_id}&judge=judge_ab&queue_id={queue_id}&n_boot=0"
    r = client.get(base + "&order_field=shown", headers=h)
    assert r.status_code == 200, r.text
    first = r.json()["position_bias"]["judge"]["first_position_win_rate"]
    # shown AB on even items (verdict A: first won), BA on odd (A on i%4==1: second; B: first).
    assert (first["wins"], first["n"]) == (30, 40)
    for query, field in (
        ("&alt_test_epsilon=1.5", "alt_test_epsilon"),
        ("&swapped_judge=nope", "swapped_judge"),
        ("&order_field=nope", "order_field"),
        ("&order_field=input", "order_field"),
        ("&reference=dawid-skene&label_order=A,B", None),
    ):
        bad = client.get(base + query, headers=h)
        if field is None:
            assert bad.status_code == 200, bad.text
            continue
        assert bad.status_code == 400, (query, bad.text)
        assert bad.json()["error"]["details"]["field"] == field


def test_queue_decision(client: TestClient, keys: dict, labelled_queue: tuple) -> None:
    run_id, queue_id, _ = labelled_queue
    h = bearer(keys["viewer"])
    url = f"/v1/alignment/decision?queue_id={queue_id}&judge=judge_ab"
    low = client.get(url + "&fail_under=accuracy=0.3", headers=h).json()
    assert low["decided"] == "pass" and low["n"] == N and low["run_id"] == run_id
    assert low["decisions"]["accuracy"]["decided"] == "pass"
    high = client.get(url + "&fail_under=accuracy=0.65", headers=h).json()
    assert high["decided"] == "not yet" and high["decisions"]["accuracy"]["bar"] == 0.65
    # The planner's estimate at the current agreement (None: more than it plans for).
    assert high["more_labels_needed"] is None or high["more_labels_needed"] > 0
    assert "not decided yet" in high["summary"][0]
    at_bar = client.get(url + "&fail_under=accuracy=0.75", headers=h).json()
    assert at_bar["decided"] == "not yet" and at_bar["more_labels_needed"] is None
    missing = client.get(url, headers=h)
    assert (
        missing.status_code == 400 and missing.json()["error"]["details"]["field"] == "fail_under"
    )
    kappa = client.get(url + "&fail_under=cohen_kappa=0.5", headers=h)
    assert kappa.status_code == 400
    assert (
        client.get(url + "&fail_under=accuracy=0.3", headers=bearer(keys["annotator"])).status_code
        == 403
    )
