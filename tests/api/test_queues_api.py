"""REST queues: create (201), list/get with progress, settings update, idempotent bulk add."""

from __future__ import annotations

from fastapi.testclient import TestClient

from evalguard_core import runs
from evalguard_core.store import Scope
from tests.conftest import bearer


def test_create_list_get_update(client: TestClient, keys: dict) -> None:
    h = bearer(keys["admin"])
    r = client.post(
        "/v1/annotations/queues", json={"name": "triage", "lease_seconds": 60}, headers=h
    )
    assert r.status_code == 201, r.text
    q = r.json()
    assert q["label_options"] == ["pass", "fail"] and q["created_by"] == "admin_user"
    assert q["progress"] == {"total": 0, "pending": 0, "claimed": 0, "done": 0, "annotations": 0}
    pair = client.post(
        "/v1/annotations/queues", json={"name": "ab", "target_type": "pairwise"}, headers=h
    ).json()
    assert pair["label_options"] == ["A", "B", "tie"]
    listed = client.get("/v1/annotations/queues", headers=bearer(keys["viewer"])).json()
    assert {x["name"] for x in listed["queues"]} == {"triage", "ab"}
    patched = client.patch(
        f"/v1/annotations/queues/{q['queue_id']}",
        json={"label_options": ["good", "bad", "unsure"], "annotations_per_item": 2},
        headers=h,
    ).json()
    assert patched["label_options"] == ["good", "bad", "unsure"]
    assert patched["annotations_per_item"] == 2 and patched["lease_seconds"] == 60
    bad = client.patch(
        f"/v1/annotations/queues/{q['queue_id']}", json={"target_type": "trace"}, headers=h
    )
    assert bad.status_code == 400 and bad.json()["error"]["details"]["field"] == "target_type"
    for body, field in [
        ({"name": ""}, "name"),
        ({"name": "x", "annotations_per_item": 0}, "annotations_per_item"),
        ({"name": "x", "lease_seconds": "soon"}, "lease_seconds"),
        ({"name": "x", "score_min": 5, "score_max": 1}, "score_min"),
        ({"name": "x", "target_type": "pairwise", "label_options": ["pass"]}, "label_options"),
    ]:
        r = client.post("/v1/annotations/queues", json=body, headers=h)
        assert r.status_code == 400 and r.json()["error"]["details"]["field"] == field, body


def test_bulk_add_is_idempotent_and_all_or_nothing(
    client: TestClient, keys: dict, scope: Scope, sample_run: str, tmp_path
) -> None:
    h = bearer(keys["admin"])
    qid = client.post("/v1/annotations/queues", json={"name": "q"}, headers=h).json()["queue_id"]
    trace = scope.db.fetchone("SELECT trace_id FROM cases WHERE case_id = 'c2'")[0]
    ids = [f"{sample_run}:c1", f"{sample_run}:c2", str(trace), f"{sample_run}:c1"]
    first = client.post(
        "/v1/annotations/queues/items", json={"queue_id": qid, "target_ids": ids}, headers=h
    ).json()
    assert first == {"success": True, "added": 2, "duplicates": 2}
    again = client.post(
        "/v1/annotations/queues/items", json={"queue_id": qid, "target_ids": ids}, headers=h
    ).json()
    assert again == {"success": True, "added": 0, "duplicates": 4}
    unknown = client.post(
        "/v1/annotations/queues/items",
        json={"queue_id": qid, "target_ids": [f"{sample_run}:c3", f"{sample_run}:nope", "999999"]},
        headers=h,
    )
    assert unknown.status_code == 400
    assert unknown.json()["error"]["details"]["unknown"] == [f"{sample_run}:nope", "999999"]
    progress = client.get(f"/v1/annotations/queues/{qid}", headers=h).json()["progress"]
    assert progress["total"] == 2  # c3 was not added: all or nothing
    too_many = client.post(
        "/v1/annotations/queues/items",
        json={"queue_id": qid, "target_ids": [str(i) for i in range(10_001)]},
        headers=h,
    )
    assert too_many.status_code == 400
    assert too_many.json()["error"]["details"]["field"] == "target_ids"
    empty = client.post(
        "/v1/annotations/queues/items", json={"queue_id": qid, "target_ids": []}, headers=h
    )
    assert empty.status_code == 400


def test_pairwise_queue_rejects_single_runs_naming_the_ids(
    client: TestClient, keys: dict, scope: Scope, sample_run: str, tmp_path
) -> None:
    h = bearer(keys["admin"])
    path = tmp_path / "pair.csv"
    path.write_text("case_id,input,output_a,output_b\np1,q,a,b\n")
    pair_run = runs.import_run(scope, path).run_id
    qid = client.post(
        "/v1/annotations/queues", json={"name": "ab", "target_type": "pairwise"}, headers=h
    ).json()["queue_id"]
    r = client.post(
        "/v1/annotations/queues/items",
        json={"queue_id": qid, "target_ids": [f"{pair_run}:p1", f"{sample_run}:c1"]},
        headers=h,
    )
    assert r.status_code == 400 and r.json()["error"]["details"]["wrong_type"] == [
        f"{sample_run}:c1"
    ]
    ok = client.post(
        "/v1/annotations/queues/items",
        json={"queue_id": qid, "target_ids": [f"{pair_run}:p1"]},
        headers=h,
    ).json()
    assert ok["added"] == 1
    item = client.post(
        "/v1/annotations/queue", json={"queue_id": qid}, headers=bearer(keys["annotator"])
    ).json()["item"]
    assert (item["output_a"], item["output_b"], item["target_type"]) == ("a", "b", "pairwise")
    bad = client.post(
        "/v1/annotations",
        json={
            "target_id": item["target_id"],
            "target_type": "pairwise",
            "label": "pass",
            "queue_id": qid,
        },
        headers=bearer(keys["annotator"]),
    )
    assert bad.status_code == 400 and bad.json()["error"]["details"]["field"] == "label"
