"""REST: bootstrap (202 + job), preview, jobs; validation as 400, auth 401/403, 404."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from evalguard_core import orgs, queues, runs
from evalguard_core.store import Scope, Store
from tests.conftest import bearer
from tests.core.test_bootstrap import write_run

UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def run_id(scope: Scope, tmp_path: Path) -> str:
    """A 300-case run."""
    return runs.import_run(scope, write_run(tmp_path / "r.csv", 300), name="r").run_id


@pytest.fixture
def queue_id(scope: Scope) -> str:
    """An eval_case queue."""
    return queues.create_queue(scope, name="review", target_type="eval_case")["queue_id"]


def poll(client: TestClient, job_id: str, key: str) -> dict:
    """Poll the job until it ends (bounded)."""
    for _ in range(600):
        job = client.get(f"/v1/jobs/{job_id}", headers=bearer(key)).json()
        if job["status"] in ("succeeded", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish: {job}")


def test_bootstrap_answers_202_and_the_job_completes(
    client: TestClient, keys: dict, run_id: str, queue_id: str
) -> None:
    r = client.post(
        "/v1/annotations/bootstrap",
        json={"queue_id": queue_id, "run_id": run_id, "sample_count": 30, "seed": 4},
        headers=bearer(keys["admin"]),
    )
    assert r.status_code == 202, r.text
    job_id = r.json()["job_id"]
    assert set(r.json()) == {"job_id"}
    assert r.headers["Location"].endswith(f"/v1/jobs/{job_id}")
    job = poll(client, job_id, keys["viewer"])
    assert job["status"] == "succeeded" and job["progress"] == 1.0 and job["error"] is None
    assert job["result"]["added"] == {"low": 10, "borderline": 10, "high": 10}
    assert job["result"]["queue_id"] == queue_id and job["created_by"] == "admin_user"


def test_defaults_and_extras(client: TestClient, keys: dict, run_id: str, queue_id: str) -> None:
    r = client.post(
        "/v1/annotations/bootstrap",
        json={"queue_id": queue_id, "run_id": run_id},
        headers=bearer(keys["admin"]),
    )
    job = poll(client, r.json()["job_id"], keys["admin"])
    assert job["result"]["sample_count"] == 100 and job["result"]["stratify_by"] == "score"
    assert job["params"]["seed"] is not None
    r = client.post(
        "/v1/annotations/bootstrap",
        json={
            "queue_id": queue_id,
            "run_id": run_id,
            "sample_count": 20,
            "stratify_by": "latency",
            "edges": [300, 800],
            "allocation": "proportional",
            "seed": 1,
        },
        headers=bearer(keys["admin"]),
    )
    job = poll(client, r.json()["job_id"], keys["admin"])
    assert job["status"] == "succeeded", job
    assert [s["stratum"] for s in job["result"]["strata"]] == ["<300ms", "300-800ms", ">=800ms"]
    assert job["result"]["total_added"] == 20


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"sample_count": 0}, "sample_count"),
        ({"sample_count": 1001}, "sample_count"),
        ({"stratify_by": "random"}, "stratify_by"),
        ({"allocation": "neyman"}, "allocation"),
        ({"edges": [0.5]}, "edges"),
        ({"queue_id": "not-a-uuid"}, "queue_id"),
        ({"annotator": "mallory"}, "annotator"),
        ({"scorer": "nope"}, "scorer"),
    ],
)
def test_bad_values_are_400_naming_the_field(
    client: TestClient, keys: dict, run_id: str, queue_id: str, body: dict, field: str
) -> None:
    r = client.post(
        "/v1/annotations/bootstrap",
        json={"queue_id": queue_id, "run_id": run_id, **body},
        headers=bearer(keys["admin"]),
    )
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["details"]["field"] == field
    assert error["code"] == "invalid_input"


def test_run_without_latency_and_incompatible_targets_are_400(
    client: TestClient, keys: dict, scope: Scope, tmp_path: Path, queue_id: str
) -> None:
    no_latency = runs.import_run(scope, write_run(tmp_path / "n.csv", 5, latency=False)).run_id
    r = client.post(
        "/v1/annotations/bootstrap",
        json={"queue_id": queue_id, "run_id": no_latency, "stratify_by": "latency"},
        headers=bearer(keys["admin"]),
    )
    assert r.status_code == 400 and "latency_ms" in r.json()["error"]["message"]
    pairwise_q = queues.create_queue(scope, name="pairs", target_type="pairwise")["queue_id"]
    r = client.post(
        "/v1/annotations/bootstrap",
        json={"queue_id": pairwise_q, "run_id": no_latency},
        headers=bearer(keys["admin"]),
    )
    assert r.status_code == 400 and r.json()["error"]["details"]["field"] == "run_id"


def test_auth_roles_and_not_found(
    client: TestClient, store: Store, keys: dict, run_id: str, queue_id: str
) -> None:
    body = {"queue_id": queue_id, "run_id": run_id}
    assert client.post("/v1/annotations/bootstrap", json=body).status_code == 401
    for role in ("viewer", "annotator"):
        r = client.post("/v1/annotations/bootstrap", json=body, headers=bearer(keys[role]))
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    h = bearer(keys["admin"])
    for missing in ({"queue_id": UNKNOWN}, {"run_id": UNKNOWN}):
        r = client.post("/v1/annotations/bootstrap", json={**body, **missing}, headers=h)
        assert r.status_code == 404 and UNKNOWN in r.json()["error"]["message"]
    assert client.get(f"/v1/jobs/{UNKNOWN}", headers=h).status_code == 404
    assert client.get("/v1/jobs/whatever", headers=h).status_code == 404
    assert client.get(f"/v1/jobs/{UNKNOWN}").status_code == 401
    # Another organization's admin sees neither the queue, the run nor the job.
    from evalguard_core import auth

    acme = orgs.create_org(store, "acme")
    other = auth.create_key(store, name="eve", role="admin", org="acme")["key"]
    r = client.post("/v1/annotations/bootstrap", json=body, headers=bearer(other))
    assert r.status_code == 404
    job_id = client.post("/v1/annotations/bootstrap", json=body, headers=h).json()["job_id"]
    poll(client, job_id, keys["admin"])
    assert client.get(f"/v1/jobs/{job_id}", headers=bearer(other)).status_code == 404
    assert acme["name"] == "acme"


def test_preview_matches_the_core_plan_and_writes_nothing(
    client: TestClient, keys: dict, scope: Scope, run_id: str, queue_id: str
) -> None:
    from evalguard_core import bootstrap

    r = client.get(
        "/v1/annotations/bootstrap/preview",
        params={
            "queue_id": queue_id,
            "run_id": run_id,
            "sample_count": 50,
            "stratify_by": "score",
            "edges": "0.3,0.8",
        },
        headers=bearer(keys["viewer"]),
    )
    assert r.status_code == 200, r.text
    body = r.json()
    core = bootstrap.preview(
        scope, queue_id=queue_id, run_id=run_id, sample_count=50, edges="0.3,0.8"
    )
    assert body["strata"] == core["strata"]
    assert body["edges"] == [0.3, 0.8] and body["eligible"] == 300
    assert sum(b["count"] for b in body["histogram"]) == 300
    assert bootstrap.sampled_items(scope, queue_id) == []
    bad = client.get(
        "/v1/annotations/bootstrap/preview",
        params={"queue_id": queue_id, "run_id": run_id, "sample_count": 1001},
        headers=bearer(keys["viewer"]),
    )
    assert bad.status_code == 400 and bad.json()["error"]["details"]["field"] == "sample_count"
    bad = client.get(
        "/v1/annotations/bootstrap/preview",
        params={"queue_id": queue_id, "run_id": run_id, "edges": "x"},
        headers=bearer(keys["viewer"]),
    )
    assert bad.status_code == 400 and bad.json()["error"]["details"]["field"] == "edges"


def test_openapi_documents_bootstrap_and_jobs(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert "202" in paths["/v1/annotations/bootstrap"]["post"]["responses"]
    assert "/v1/annotations/bootstrap/preview" in paths and "/v1/jobs/{job_id}" in paths
