"""Every queue, claim and annotation endpoint: 401 without key, 403 for a low role, 429."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from evalguard_core.api import create_api
from evalguard_core.store import Store
from tests.conftest import bearer

Q = "{queue_id}"
# (method, path, body, minimum role)
ENDPOINTS = [
    ("POST", "/v1/annotations/queues", {"name": "x"}, "admin"),
    ("GET", "/v1/annotations/queues", None, "viewer"),
    ("GET", f"/v1/annotations/queues/{Q}", None, "viewer"),
    ("PATCH", f"/v1/annotations/queues/{Q}", {"name": "y"}, "admin"),
    ("POST", "/v1/annotations/queues/items", {"queue_id": Q, "target_ids": ["1"]}, "admin"),
    ("POST", "/v1/annotations/queue", {"queue_id": Q}, "annotator"),
    ("POST", "/v1/annotations/queue/release", {"queue_id": Q, "item_id": 1}, "annotator"),
    ("POST", "/v1/annotations/queue/heartbeat", {"queue_id": Q, "item_id": 1}, "annotator"),
    ("GET", f"/v1/annotations/queues/{Q}/claims", None, "admin"),
    ("GET", f"/v1/annotations/queues/{Q}/events", None, "admin"),
    (
        "POST",
        "/v1/annotations",
        {"target_id": "1", "target_type": "trace", "label": "pass"},
        "annotator",
    ),
]
LOWER = {"admin": ["annotator", "viewer"], "annotator": ["viewer"], "viewer": []}


def _fill(value, queue_id: str):
    """Put the real queue id into a path or body."""
    if isinstance(value, str):
        return value.replace(Q, queue_id)
    if isinstance(value, dict):
        return {k: _fill(v, queue_id) for k, v in value.items()}
    return value


@pytest.mark.parametrize(("method", "path", "body", "role"), ENDPOINTS)
def test_401_without_or_with_a_bad_key(
    client: TestClient, queue_id: str, method: str, path: str, body, role: str
) -> None:
    for headers in ({}, bearer("eg_wrong")):
        r = client.request(
            method, _fill(path, queue_id), json=_fill(body, queue_id), headers=headers
        )
        assert r.status_code == 401, (method, path)
        assert r.json()["error"]["code"] == "unauthorized"


@pytest.mark.parametrize(("method", "path", "body", "role"), ENDPOINTS)
def test_403_for_a_lower_role(
    client: TestClient, keys: dict, queue_id: str, method: str, path: str, body, role: str
) -> None:
    for low in LOWER[role]:
        r = client.request(
            method, _fill(path, queue_id), json=_fill(body, queue_id), headers=bearer(keys[low])
        )
        assert r.status_code == 403, (method, path, low)
        assert r.json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize(
    ("method", "path", "body", "role"), [e for e in ENDPOINTS if Q in str(e[1]) + str(e[2])]
)
def test_404_for_another_queue_id(
    client: TestClient, keys: dict, queue_id: str, method: str, path: str, body, role: str
) -> None:
    other = "00000000-0000-4000-8000-00000000dead"
    r = client.request(
        method, _fill(path, other), json=_fill(body, other), headers=bearer(keys[role])
    )
    assert r.status_code == 404, (method, path, r.text)


def test_429_past_the_limit_with_retry_after(store: Store, keys: dict, queue_id: str) -> None:
    with TestClient(create_api(store, rate_limit="5/minute")) as limited:
        codes = [
            limited.post(
                "/v1/annotations/queue", json={"queue_id": queue_id}, headers=bearer(keys["admin"])
            ).status_code
            for _ in range(7)
        ]
        assert codes[:5] == [200] * 5 and codes[5:] == [429, 429]
        r = limited.get("/v1/annotations/queues", headers=bearer(keys["admin"]))
        assert r.status_code == 429 and int(r.headers["Retry-After"]) >= 1
        assert r.json()["error"]["code"] == "rate_limited"


def test_openapi_documents_every_endpoint_with_errors(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for method, path, _, _ in ENDPOINTS:
        op = spec["paths"][path.replace(Q, "{queue_id}")][method.lower()]
        assert {"400", "401", "403", "404", "429"} <= set(op["responses"])
        assert op["responses"]["401"]["content"]["application/json"]["schema"]
    claim = spec["paths"]["/v1/annotations/queue"]["post"]["responses"]
    assert "409" in claim and "200" in claim
    assert spec["paths"]["/v1/annotations/queues"]["post"]["responses"].get("201")
