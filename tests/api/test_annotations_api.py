"""REST annotations: mass assignment, validation, relabel history, durability in a new process."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from fastapi.testclient import TestClient

from evalguard_core.store import Store
from tests.conftest import REPO, bearer

FORBIDDEN = {
    "annotator": "mallory",
    "created_at": "2020-01-01T00:00:00Z",
    "updated_at": "2020-01-01T00:00:00Z",
    "annotation_id": "00000000-0000-4000-8000-000000000009",
    "org_id": "00000000-0000-4000-8000-000000000002",
    "source": "import",
    "run_id": "00000000-0000-4000-8000-000000000003",
    "trace_id": 1,
    "item_id": 1,
    "task_id": "00000000-0000-4000-8000-000000000004",
    "role": "admin",
}


def _count(store: Store) -> int:
    return store.db.fetchone("SELECT count(*) FROM annotations")[0]


@pytest.mark.parametrize("field", sorted(FORBIDDEN))
def test_every_forbidden_field_is_400_and_nothing_is_written(
    client: TestClient, store: Store, keys: dict, sample_run: str, queue_id: str, field: str
) -> None:
    body = {
        "target_id": f"{sample_run}:c1",
        "target_type": "eval_case",
        "label": "pass",
        "queue_id": queue_id,
        field: FORBIDDEN[field],
    }
    events_before = store.db.fetchone("SELECT count(*) FROM events")[0]
    r = client.post("/v1/annotations", json=body, headers=bearer(keys["annotator"]))
    assert r.status_code == 400
    assert r.json()["error"]["details"]["field"] == field
    assert field in r.json()["error"]["message"]
    assert _count(store) == 0
    assert store.db.fetchone("SELECT count(*) FROM events")[0] == events_before


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"label": "maybe"}, "label"),
        ({"score": "high"}, "score"),
        ({"score": 7.0}, "score"),
        ({"target_type": "video"}, "target_type"),
        ({"target_type": "trace"}, "target_type"),
        ({"queue_id": "nope"}, "queue_id"),
        ({"target_id": "not-a-target"}, "target_id"),
        ({"label": None}, "label"),
        ({"target_id": None}, "target_id"),
    ],
)
def test_bad_bodies_are_400_naming_the_field(
    client: TestClient, store: Store, keys: dict, sample_run: str, scope, patch, field
) -> None:
    from evalguard_core import queues

    q = queues.create_queue(scope, name="scored", score_min=0, score_max=5)
    queues.add_items(scope, q["queue_id"], [f"{sample_run}:c1"])
    body = {
        "target_id": f"{sample_run}:c1",
        "target_type": "eval_case",
        "label": "pass",
        "queue_id": q["queue_id"],
        **patch,
    }
    r = client.post("/v1/annotations", json=body, headers=bearer(keys["annotator"]))
    assert r.status_code == 400, r.text
    assert r.json()["error"]["details"]["field"].split(".")[0] == field
    assert _count(store) == 0


def test_unknown_queue_is_404(client: TestClient, keys: dict, sample_run: str) -> None:
    r = client.post(
        "/v1/annotations",
        json={
            "target_id": f"{sample_run}:c1",
            "target_type": "eval_case",
            "label": "pass",
            "queue_id": "00000000-0000-4000-8000-0000000000ff",
        },
        headers=bearer(keys["annotator"]),
    )
    assert r.status_code == 404


def test_relabel_updates_one_row_and_logs_the_old_value(
    client: TestClient, store: Store, keys: dict, sample_run: str, open_queue_id: str
) -> None:
    h = bearer(keys["annotator"])
    body = {"target_id": f"{sample_run}:c2", "target_type": "eval_case", "queue_id": open_queue_id}
    first = client.post("/v1/annotations", json={**body, "label": "pass"}, headers=h).json()
    second = client.post("/v1/annotations", json={**body, "label": "fail"}, headers=h).json()
    assert first["annotation_id"] == second["annotation_id"] and second["updated"] is True
    rows = store.db.fetchall("SELECT annotator, label FROM annotations")
    assert rows == [("annotator_user", "fail")]
    ev = client.get(
        f"/v1/annotations/queues/{open_queue_id}/events?kind=relabel", headers=bearer(keys["admin"])
    ).json()["events"][0]
    assert ev["payload"]["old"]["label"] == "pass" and ev["payload"]["new"]["label"] == "fail"


def test_free_standing_label_by_trace_id(
    client: TestClient, store: Store, keys: dict, sample_run: str
) -> None:
    trace = store.db.fetchone("SELECT trace_id FROM cases WHERE case_id = 'c3'")[0]
    r = client.post(
        "/v1/annotations",
        json={"target_id": trace, "target_type": "trace", "label": "anything", "score": 0.5},
        headers=bearer(keys["annotator"]),
    )
    assert r.status_code == 200, r.text
    assert store.db.fetchone("SELECT target_id, queue_id FROM annotations") == (str(trace), None)


def test_label_is_durable_in_the_file_after_200(
    client: TestClient,
    store: Store,
    store_location: str,
    keys: dict,
    sample_run: str,
    open_queue_id: str,
) -> None:
    r = client.post(
        "/v1/annotations",
        json={
            "target_id": f"{sample_run}:c4",
            "target_type": "eval_case",
            "label": "fail",
            "comment": "Jupiter, not Saturn",
            "queue_id": open_queue_id,
        },
        headers=bearer(keys["annotator"]),
    )
    assert r.status_code == 200
    store.close()  # the file lock is per process: the reader below is a new process
    if store.dialect == "duckdb":
        code = (
            "import duckdb, json, sys\n"
            "con = duckdb.connect(sys.argv[1], read_only=True)\n"
            "print(json.dumps(con.execute('SELECT annotator, label, comment, target_id "
            "FROM annotations').fetchall()))\n"
        )
    else:
        code = (
            "import psycopg, json, sys\n"
            "con = psycopg.connect(sys.argv[1])\n"
            "print(json.dumps(con.execute('SELECT annotator, label, comment, target_id "
            "FROM annotations').fetchall()))\n"
        )
    out = subprocess.run(
        [sys.executable, "-c", code, store_location],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == [
        ["annotator_user", "fail", "Jupiter, not Saturn", f"{sample_run}:c4"]
    ]
