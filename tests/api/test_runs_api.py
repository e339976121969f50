"""REST: runs endpoints, auth (401/403), error shape, validation as 400."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import bearer

UNKNOWN = "00000000-0000-0000-0000-000000000000"


def test_health_and_openapi_are_public(client: TestClient) -> None:
    assert client.get("/health").json()["status"] == "ok"
    spec = client.get("/openapi.json").json()
    assert "/v1/runs/{run_id}/cases" in spec["paths"]


def test_missing_and_invalid_keys_are_401(client: TestClient, sample_run: str) -> None:
    missing = client.get("/v1/runs")
    assert missing.status_code == 401
    assert missing.json()["error"]["code"] == "unauthorized"
    bad = client.get("/v1/runs", headers=bearer("eg_not_a_key"))
    assert bad.status_code == 401


def test_list_and_show_runs(client: TestClient, keys: dict, sample_run: str) -> None:
    body = client.get("/v1/runs", headers=bearer(keys["viewer"])).json()
    assert [r["run_id"] for r in body["runs"]] == [sample_run]
    assert body["runs"][0]["cases"] == 4
    assert body["runs"][0]["scorers"] == ["accuracy", "llm_judge"]
    run = client.get(f"/v1/runs/{sample_run}", headers=bearer(keys["viewer"])).json()
    assert run["human_labels"]["annotations"] == 0
    missing = client.get(f"/v1/runs/{UNKNOWN}", headers=bearer(keys["viewer"]))
    assert missing.status_code == 404 and UNKNOWN in missing.json()["error"]["message"]


def test_cases_paged_and_filtered_with_trace_ids(client: TestClient, keys: dict, sample_run: str):
    h = bearer(keys["viewer"])
    page = client.get(f"/v1/runs/{sample_run}/cases?limit=2&offset=1", headers=h).json()
    assert page["total"] == 4 and [c["case_id"] for c in page["cases"]] == ["c2", "c3"]
    assert all(isinstance(c["trace_id"], int) for c in page["cases"])
    judged = client.get(
        f"/v1/runs/{sample_run}/cases?label_scorer=llm_judge&label=fail", headers=h
    ).json()
    assert [c["case_id"] for c in judged["cases"]] == ["c2"]
    assert judged["cases"][0]["scores"]["llm_judge"]["label"] == "fail"


def test_bad_query_is_400_naming_the_field(client: TestClient, keys: dict, sample_run: str):
    r = client.get(f"/v1/runs/{sample_run}/cases?limit=0", headers=bearer(keys["viewer"]))
    assert r.status_code == 400
    assert r.json()["error"]["details"]["field"] == "limit"
    r = client.get(
        f"/v1/runs/{sample_run}/cases?score_min=abc&scorer=x", headers=bearer(keys["viewer"])
    )
    assert r.status_code == 400 and r.json()["error"]["details"]["field"] == "score_min"


def test_rate_limit_answers_429_with_retry_after(store, keys: dict) -> None:
    from evalguard_core.api import create_api

    with TestClient(create_api(store, rate_limit="3/minute")) as limited:
        codes = [
            limited.get("/v1/runs", headers=bearer(keys["viewer"])).status_code for _ in range(5)
        ]
        assert codes == [200, 200, 200, 429, 429]
        r = limited.get("/v1/runs", headers=bearer(keys["viewer"]))
        assert int(r.headers["Retry-After"]) >= 1
        # Another key has its own budget.
        assert limited.get("/v1/runs", headers=bearer(keys["admin"])).status_code == 200


def test_oversized_body_is_413(store, keys: dict) -> None:
    from evalguard_core.api import create_api

    with TestClient(create_api(store, max_body_bytes=1000)) as small:
        r = small.post("/v1/annotations/queues", content=b"x" * 5000, headers=bearer(keys["admin"]))
        assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"
