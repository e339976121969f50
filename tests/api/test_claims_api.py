"""REST claims: claim/release/heartbeat/claims/events, and 8 real clients over uvicorn."""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from evalguard_core import auth, queues, runs
from evalguard_core.client import EvalGuard
from evalguard_core.errors import ConflictError
from evalguard_core.store import Scope, Store
from tests.conftest import bearer

UNKNOWN = "00000000-0000-4000-8000-00000000abcd"


def test_claim_returns_content_without_verdict_then_409(
    client: TestClient, keys: dict, queue_id: str
) -> None:
    h = bearer(keys["annotator"])
    seen = set()
    for _ in range(4):
        r = client.post("/v1/annotations/queue", json={"queue_id": queue_id}, headers=h)
        assert r.status_code == 200, r.text
        body = r.json()
        item = body["item"]
        assert body["success"] is True and body["lease_expires_at"] == item["lease_expires_at"]
        assert {"item_id", "target_id", "target_type", "input", "output", "expected"} <= set(item)
        assert "scores" not in item and "llm_judge" not in r.text
        seen.add(item["item_id"])
        done = client.post(
            "/v1/annotations",
            json={
                "target_id": item["target_id"],
                "target_type": "eval_case",
                "label": "pass",
                "queue_id": queue_id,
            },
            headers=h,
        )
        assert done.status_code == 200, done.text
    assert len(seen) == 4
    r = client.post("/v1/annotations/queue", json={"queue_id": queue_id}, headers=h)
    assert r.status_code == 409
    assert r.json()["error"]["message"] == "nothing left to label in this queue for you"


def test_release_and_heartbeat(client: TestClient, keys: dict, queue_id: str) -> None:
    h = bearer(keys["annotator"])
    item = client.post("/v1/annotations/queue", json={"queue_id": queue_id}, headers=h).json()[
        "item"
    ]
    beat = client.post(
        "/v1/annotations/queue/heartbeat",
        json={"queue_id": queue_id, "item_id": item["item_id"]},
        headers=h,
    )
    assert beat.status_code == 200 and beat.json()["lease_expires_at"] >= item["lease_expires_at"]
    live = client.get(f"/v1/annotations/queues/{queue_id}/claims", headers=bearer(keys["admin"]))
    assert [c["item_id"] for c in live.json()["claims"]] == [item["item_id"]]
    rel = client.post(
        "/v1/annotations/queue/release",
        json={"queue_id": queue_id, "item_id": item["item_id"]},
        headers=h,
    )
    assert rel.status_code == 200 and rel.json()["status"] == "pending"
    again = client.post(
        "/v1/annotations/queue/release",
        json={"queue_id": queue_id, "item_id": item["item_id"]},
        headers=h,
    )
    assert again.status_code == 409
    missing = client.post(
        "/v1/annotations/queue/heartbeat", json={"queue_id": queue_id, "item_id": 999999}, headers=h
    )
    assert missing.status_code == 404
    kinds = [
        e["kind"]
        for e in client.get(
            f"/v1/annotations/queues/{queue_id}/events", headers=bearer(keys["admin"])
        ).json()["events"]
    ]
    assert kinds[:3] == ["release", "heartbeat", "claim"]


def test_admin_releases_a_stale_claim_of_someone_else(
    client: TestClient, keys: dict, queue_id: str
) -> None:
    item = client.post(
        "/v1/annotations/queue", json={"queue_id": queue_id}, headers=bearer(keys["annotator"])
    ).json()["item"]
    body = {"queue_id": queue_id, "item_id": item["item_id"], "annotator": "annotator_user"}
    denied = client.post("/v1/annotations/queue/release", json=body, headers=bearer(keys["viewer"]))
    assert denied.status_code == 403
    ok = client.post("/v1/annotations/queue/release", json=body, headers=bearer(keys["admin"]))
    assert ok.status_code == 200
    events = client.get(
        f"/v1/annotations/queues/{queue_id}/events?kind=release", headers=bearer(keys["admin"])
    ).json()["events"]
    assert events[0]["actor"] == "admin_user"
    assert events[0]["payload"]["annotator"] == "annotator_user"


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"queue_id": "not-a-uuid"},
        {"queue_id": 5},
        {"queue_id": UNKNOWN, "extra": 1},
    ],
)
def test_claim_bad_bodies_are_400(client: TestClient, keys: dict, body: dict) -> None:
    r = client.post("/v1/annotations/queue", json=body, headers=bearer(keys["annotator"]))
    assert r.status_code == 400
    assert r.json()["error"]["code"] == "invalid_input" and r.json()["error"]["details"]["field"]


def test_claim_unknown_queue_is_404(client: TestClient, keys: dict) -> None:
    r = client.post(
        "/v1/annotations/queue", json={"queue_id": UNKNOWN}, headers=bearer(keys["annotator"])
    )
    assert r.status_code == 404


def _big_queue(scope: Scope, tmp_path: Path, n: int, per_item: int) -> str:
    """A queue of n generated cases."""
    path = tmp_path / "big.csv"
    path.write_text(
        "case_id,input,output\n" + "".join(f"c{i},q{i},a{i}\n" for i in range(n)), "utf-8"
    )
    run_id = runs.import_run(scope, path).run_id
    queue = queues.create_queue(scope, name="big", annotations_per_item=per_item)
    queues.add_items(scope, queue["queue_id"], [f"{run_id}:c{i}" for i in range(n)])
    return queue["queue_id"]


@pytest.mark.parametrize("per_item", [1, 3])
def test_eight_http_clients_over_uvicorn_never_share_an_item(
    store: Store, scope: Scope, tmp_path: Path, live_server, per_item: int
) -> None:
    n = 40
    queue_id = _big_queue(scope, tmp_path, n, per_item)
    raters = [f"rater{i}" for i in range(8)]
    keys = {r: auth.create_key(store, name=r, role="annotator")["key"] for r in raters}
    got: dict[str, list[int]] = {r: [] for r in raters}
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(raters))
    stop_at = time.monotonic() + 90

    def work(rater: str) -> None:
        with EvalGuard(api_key=keys[rater], base_url=live_server.url) as eg:
            barrier.wait()
            try:
                for _ in range(n + 5):
                    if time.monotonic() > stop_at:
                        return
                    try:
                        item = eg.claim_next(queue_id)["item"]
                    except ConflictError as exc:
                        assert "nothing left" in exc.message
                        return
                    got[rater].append(item["item_id"])
                    eg.annotate(
                        item["target_id"], item["target_type"], label="fail", queue_id=queue_id
                    )
            except BaseException as exc:
                errors.append(exc)

    threads = [threading.Thread(target=work, args=(r,)) for r in raters]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not errors, errors
    counts = Counter(i for items in got.values() for i in items)
    assert len(counts) == n and set(counts.values()) == {per_item}
    for items in got.values():
        assert len(items) == len(set(items))
    assert queues.get_queue(scope, queue_id)["progress"]["done"] == n
