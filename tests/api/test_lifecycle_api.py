"""Lifecycle over HTTP on both backends: replace, retract, undo, archive, delete; roles; raters
racing a delete against a live server get 404/409, never a 5xx; `store check` after each test."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient

from evalguard_core import lifecycle
from evalguard_core.store import Store
from tests.conftest import bearer

Q = "{queue_id}"
R = "{run_id}"
A = "{annotation_id}"
# (method, path, body, minimum role) of every lifecycle route.
ROUTES = [
    ("PATCH", f"/v1/annotations/labels/{A}", {"label": "fail"}, "annotator"),
    ("POST", f"/v1/annotations/labels/{A}/retract", {"reason": "x"}, "annotator"),
    ("POST", "/v1/annotations/queue/undo", {"queue_id": Q}, "annotator"),
    ("GET", "/v1/annotations/history", None, "admin"),
    ("POST", f"/v1/annotations/queues/{Q}/archive", None, "admin"),
    ("POST", f"/v1/annotations/queues/{Q}/restore", None, "admin"),
    ("DELETE", f"/v1/annotations/queues/{Q}", None, "admin"),
    ("POST", f"/v1/annotations/queues/{Q}/items/remove", {"item_ids": [1]}, "admin"),
    ("DELETE", f"/v1/runs/{R}", None, "admin"),
    ("GET", "/v1/raters/annotator_user/export", None, "admin"),
    ("POST", "/v1/raters/annotator_user/pseudonymise", None, "admin"),
    ("DELETE", "/v1/organization/data", None, "admin"),
]
LOWER = {"admin": ["annotator", "viewer"], "annotator": ["viewer"]}


@pytest.fixture(autouse=True)
def store_checked(store: Store) -> Iterator[None]:
    """After every lifecycle test: no orphan rows anywhere in the store."""
    yield
    report = lifecycle.store_check(store)
    assert report["ok"], [c for c in report["checks"] if c["rows"]]


def _fill(value, ids: dict[str, str]):
    """Put real ids into a path or body."""
    if isinstance(value, str):
        for k, v in ids.items():
            value = value.replace("{" + k + "}", str(v))
        return value
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def _label(client: TestClient, key: str, queue_id: str, label: str = "pass") -> dict:
    """Claim and label one item over HTTP."""
    item = client.post("/v1/annotations/queue", json={"queue_id": queue_id}, headers=bearer(key))
    assert item.status_code == 200, item.text
    target = item.json()["item"]["target_id"]
    r = client.post(
        "/v1/annotations",
        json={
            "target_id": target,
            "target_type": "eval_case",
            "label": label,
            "queue_id": queue_id,
        },
        headers=bearer(key),
    )
    assert r.status_code == 200, r.text
    return {**r.json(), "item": item.json()["item"]}


@pytest.mark.parametrize(("method", "path", "body", "role"), ROUTES)
def test_403_for_a_lower_role_and_documented(
    client: TestClient, keys: dict, queue_id: str, sample_run: str, method, path, body, role
) -> None:
    done = _label(client, keys["admin"], queue_id)
    ids = {"queue_id": queue_id, "run_id": sample_run, "annotation_id": done["annotation_id"]}
    for low in LOWER[role]:
        r = client.request(
            method, _fill(path, ids), json=_fill(body, ids), headers=bearer(keys[low])
        )
        assert r.status_code == 403, (method, path, low, r.text)
        assert r.json()["error"]["code"] == "forbidden"
    spec = client.get("/openapi.json").json()
    op = spec["paths"][path.replace("annotator_user", "{annotator}")][method.lower()]
    assert {"400", "401", "403", "404", "409", "429"} <= set(op["responses"])


def test_rater_replaces_retracts_and_undoes(client: TestClient, keys: dict, queue_id: str) -> None:
    rater = bearer(keys["annotator"])
    done = _label(client, keys["annotator"], queue_id)
    aid = done["annotation_id"]
    r = client.patch(f"/v1/annotations/labels/{aid}", json={"label": "fail"}, headers=rater)
    assert r.status_code == 200 and r.json()["updated"] is True
    r = client.patch(f"/v1/annotations/labels/{aid}", json={"label": "maybe"}, headers=rater)
    assert r.status_code == 400 and r.json()["error"]["details"]["field"] == "label"
    # Another rater's key: the label does not exist for them.
    other = client.patch(
        f"/v1/annotations/labels/{aid}", json={"label": "pass"}, headers=bearer(keys["admin"])
    )
    assert other.status_code == 404
    r = client.post("/v1/annotations/queue/undo", json={"queue_id": queue_id}, headers=rater)
    assert r.status_code == 200, r.text
    assert r.json()["claim"]["item_id"] == done["item"]["item_id"]
    again = _label(client, keys["annotator"], queue_id, label="pass")
    assert again["item"]["item_id"] == done["item"]["item_id"]
    r = client.post(
        f"/v1/annotations/labels/{again['annotation_id']}/retract", json={}, headers=rater
    )
    assert r.status_code == 200 and r.json()["item_status"] == "pending"
    history = client.get(
        "/v1/annotations/history", params={"queue_id": queue_id}, headers=bearer(keys["admin"])
    ).json()["events"]
    assert [e["kind"] for e in history] == ["annotate", "relabel", "retract", "annotate", "retract"]


def test_admin_retract_requires_a_reason(client: TestClient, keys: dict, queue_id: str) -> None:
    done = _label(client, keys["annotator"], queue_id)
    url = f"/v1/annotations/labels/{done['annotation_id']}/retract"
    r = client.post(url, json={}, headers=bearer(keys["admin"]))
    assert r.status_code == 400 and r.json()["error"]["details"]["field"] == "reason"
    r = client.post(url, json={"reason": "wrong rubric"}, headers=bearer(keys["admin"]))
    assert r.status_code == 200


def test_archive_restore_delete_queue(client: TestClient, keys: dict, queue_id: str) -> None:
    admin = bearer(keys["admin"])
    _label(client, keys["annotator"], queue_id)
    r = client.post(f"/v1/annotations/queues/{queue_id}/archive", headers=admin)
    assert r.status_code == 200 and r.json()["archived_at"]
    listed = client.get("/v1/annotations/queues", headers=admin).json()["queues"]
    assert queue_id not in {q["queue_id"] for q in listed}
    listed = client.get(
        "/v1/annotations/queues", params={"include_archived": True}, headers=admin
    ).json()["queues"]
    assert queue_id in {q["queue_id"] for q in listed}
    r = client.post(
        "/v1/annotations/queue", json={"queue_id": queue_id}, headers=bearer(keys["annotator"])
    )
    assert r.status_code == 409 and "archived" in r.json()["error"]["message"]
    assert client.post(f"/v1/annotations/queues/{queue_id}/restore", headers=admin).is_success
    r = client.delete(f"/v1/annotations/queues/{queue_id}", headers=admin)
    assert r.status_code == 200 and r.json()["labels_kept"] == 1
    assert client.get(f"/v1/annotations/queues/{queue_id}", headers=admin).status_code == 404


def test_remove_items_and_delete_run(
    client: TestClient, keys: dict, queue_id: str, sample_run: str
) -> None:
    admin = bearer(keys["admin"])
    done = _label(client, keys["annotator"], queue_id)
    url = f"/v1/annotations/queues/{queue_id}/items/remove"
    r = client.post(url, json={"item_ids": [done["item"]["item_id"]]}, headers=admin)
    assert r.status_code == 409 and "have labels" in r.json()["error"]["message"]
    r = client.post(url, json={"item_ids": ["x"]}, headers=admin)
    assert r.status_code == 400
    r = client.delete(f"/v1/runs/{sample_run}", headers=admin)
    assert r.status_code == 409
    assert "1 labels" in r.json()["error"]["message"]
    r = client.delete(f"/v1/runs/{sample_run}", params={"force": True}, headers=admin)
    assert r.status_code == 200 and r.json()["cases"] == 4
    assert client.get(f"/v1/runs/{sample_run}", headers=admin).status_code == 404


def test_rater_export_pseudonymise_and_org_data(
    client: TestClient, keys: dict, queue_id: str
) -> None:
    admin = bearer(keys["admin"])
    _label(client, keys["annotator"], queue_id)
    data = client.get("/v1/raters/annotator_user/export", headers=admin).json()
    assert len(data["labels"]) == 1 and data["claims"]
    r = client.post("/v1/raters/annotator_user/pseudonymise", headers=admin)
    assert r.status_code == 200 and r.json()["alias"].startswith("rater-")
    assert client.get("/v1/raters/annotator_user/export", headers=admin).status_code == 404
    r = client.delete("/v1/organization/data", headers=admin)
    assert r.status_code == 400 and r.json()["error"]["details"]["field"] == "confirm"
    r = client.delete("/v1/organization/data", params={"confirm": "default"}, headers=admin)
    assert r.status_code == 200 and r.json()["removed"]["api_keys"] == 3
    # Its keys went with it.
    assert client.get("/v1/runs", headers=admin).status_code == 401


def test_raters_racing_a_queue_delete_get_404_or_409(
    live_server, store: Store, keys: dict, queue_id: str
) -> None:
    """Four rater threads claim and label over real HTTP while the admin deletes the queue."""
    codes: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(5)

    def rater() -> None:
        with httpx.Client(base_url=live_server.url + "/api", timeout=30) as http:
            h = bearer(keys["annotator"])
            start.wait()
            for _ in range(25):
                r = http.post("/v1/annotations/queue", json={"queue_id": queue_id}, headers=h)
                got = [r.status_code]
                if r.status_code == 200:
                    item = r.json()["item"]
                    r = http.post(
                        "/v1/annotations",
                        json={
                            "target_id": item["target_id"],
                            "target_type": "eval_case",
                            "label": "pass",
                            "queue_id": queue_id,
                        },
                        headers=h,
                    )
                    got.append(r.status_code)
                with lock:
                    codes.extend(got)

    threads = [threading.Thread(target=rater) for _ in range(4)]
    for t in threads:
        t.start()
    start.wait()
    with httpx.Client(base_url=live_server.url + "/api", timeout=30) as http:
        r = http.delete(
            f"/v1/annotations/queues/{queue_id}",
            params={"delete_labels": True},
            headers=bearer(keys["admin"]),
        )
    assert r.status_code == 200, r.text
    for t in threads:
        t.join(timeout=60)
    assert set(codes) <= {200, 404, 409}, sorted(set(codes))
    assert 404 in codes
