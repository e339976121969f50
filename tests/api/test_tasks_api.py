"""REST: the seed's tasks endpoints (paths, camelCase, status codes), roles and org scoping."""

from __future__ import annotations

from fastapi.testclient import TestClient

from evalguard_core import auth, orgs, runs
from evalguard_core.store import Store
from tests.conftest import bearer

UNKNOWN = "00000000-0000-0000-0000-000000000000"
TASK_FIELDS = {
    "id",
    "name",
    "instructions",
    "labelOptions",
    "status",
    "itemCount",
    "completedCount",
    "organizationId",
    "createdAt",
    "createdBy",
    "updatedAt",
}


def trace_ids(store: Store, run_id: str) -> list[int]:
    cases = runs.list_cases(store.scope(), run_id, limit=100)["cases"]
    return [c["trace_id"] for c in cases]


def create(client: TestClient, key: str, **body) -> dict:
    r = client.post("/annotations/tasks", json=body, headers=bearer(key))
    assert r.status_code == 201, r.text
    return r.json()


def test_create_list_show_label_as_the_seed_says(
    client: TestClient, store: Store, keys: dict, sample_run: str
) -> None:
    ids = trace_ids(store, sample_run)
    task = create(client, keys["admin"], name="Weekly review", traceIds=ids[:2])
    assert set(task) == TASK_FIELDS
    assert task["labelOptions"] == ["pass", "fail"]
    assert task["status"] == "draft" and task["itemCount"] == 2 and task["completedCount"] == 0
    assert task["createdBy"] == "admin_user" and task["instructions"] is None

    listed = client.get("/annotations/tasks", headers=bearer(keys["viewer"]))
    assert listed.status_code == 200
    assert [t["id"] for t in listed.json()["tasks"]] == [task["id"]]

    shown = client.get(f"/annotations/tasks/{task['id']}", headers=bearer(keys["viewer"]))
    assert shown.status_code == 200
    items = shown.json()["items"]
    assert [i["traceId"] for i in items] == ids[:2]
    assert {"id", "traceId", "label", "notes", "labeledAt", "labeledBy"} <= set(items[0])
    assert items[0]["input"] == "What is 2+2?" and items[0]["output"] == "4"
    assert items[0]["expected"] == "4" and items[0]["caseId"] == "c1"
    assert items[0]["runId"] == sample_run

    h = bearer(keys["annotator"])
    url = f"/annotations/tasks/{task['id']}/items"
    r = client.post(url, json={"itemId": items[0]["id"], "label": "pass", "notes": "ok"}, headers=h)
    assert r.status_code == 200
    item = r.json()
    assert item["label"] == "pass" and item["notes"] == "ok"
    assert item["labeledBy"] == "annotator_user" and item["labeledAt"]
    mid = client.get(f"/annotations/tasks/{task['id']}", headers=h).json()
    assert (mid["status"], mid["completedCount"]) == ("in_progress", 1)

    client.post(url, json={"itemId": items[1]["id"], "label": "fail"}, headers=h)
    done = client.get("/annotations/tasks", headers=h).json()["tasks"][0]
    assert (done["status"], done["completedCount"], done["itemCount"]) == ("completed", 2, 2)


def test_custom_options_and_instructions(
    client: TestClient, store: Store, keys: dict, sample_run: str
) -> None:
    ids = trace_ids(store, sample_run)
    task = create(
        client,
        keys["admin"],
        name="t",
        traceIds=ids[:1],
        instructions="Is it correct?",
        labelOptions=["good", "bad", "unsure"],
    )
    assert task["labelOptions"] == ["good", "bad", "unsure"]
    assert task["instructions"] == "Is it correct?"
    item_id = client.get(f"/annotations/tasks/{task['id']}", headers=bearer(keys["viewer"])).json()[
        "items"
    ][0]["id"]
    r = client.post(
        f"/annotations/tasks/{task['id']}/items",
        json={"itemId": item_id, "label": "pass"},
        headers=bearer(keys["annotator"]),
    )
    assert r.status_code == 400
    assert r.json()["error"]["details"]["field"] == "label"
    assert "good" in r.json()["error"]["message"]


def test_unknown_trace_ids_are_400_naming_them(
    client: TestClient, store: Store, keys: dict, sample_run: str
) -> None:
    ids = trace_ids(store, sample_run)
    r = client.post(
        "/annotations/tasks",
        json={"name": "t", "traceIds": [ids[0], 424242]},
        headers=bearer(keys["admin"]),
    )
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["details"]["field"] == "traceIds" and err["details"]["unknown"] == [424242]
    assert "424242" in err["message"]
    assert client.get("/annotations/tasks", headers=bearer(keys["admin"])).json()["tasks"] == []


def test_invalid_bodies_are_400_naming_the_field(
    client: TestClient, store: Store, keys: dict, sample_run: str
) -> None:
    ids = trace_ids(store, sample_run)
    h = bearer(keys["admin"])
    cases = [
        ({"traceIds": ids}, "name"),
        ({"name": "t"}, "traceIds"),
        ({"name": "t", "traceIds": []}, "traceIds"),
        ({"name": "t", "traceIds": ["x"]}, "traceIds.0"),
        ({"name": "t", "traceIds": ids, "labelOptions": []}, "labelOptions"),
        ({"name": "t", "traceIds": ids, "labelOptions": ["a", "a"]}, "labelOptions"),
        ({"name": "t", "trace_ids": ids}, "traceIds"),
        ({"name": "t", "traceIds": ids, "status": "completed"}, "status"),
        ({"name": "t", "traceIds": ids, "organizationId": UNKNOWN}, "organizationId"),
    ]
    for body, field in cases:
        r = client.post("/annotations/tasks", json=body, headers=h)
        assert r.status_code == 400, (body, r.text)
        assert r.json()["error"]["details"]["field"] == field, (body, r.json())
    assert client.get("/annotations/tasks", headers=h).json()["tasks"] == []


def test_body_can_never_set_labeled_by_or_at(
    client: TestClient, store: Store, keys: dict, sample_run: str
) -> None:
    task = create(client, keys["admin"], name="t", traceIds=trace_ids(store, sample_run)[:1])
    url = f"/annotations/tasks/{task['id']}"
    item_id = client.get(url, headers=bearer(keys["viewer"])).json()["items"][0]["id"]
    for extra in ({"labeledBy": "mallory"}, {"labeledAt": "2020-01-01T00:00:00Z"}):
        r = client.post(
            f"{url}/items",
            json={"itemId": item_id, "label": "pass", **extra},
            headers=bearer(keys["annotator"]),
        )
        assert r.status_code == 400
        assert r.json()["error"]["details"]["field"] == next(iter(extra))
    after = client.get(url, headers=bearer(keys["viewer"])).json()
    assert after["status"] == "draft" and after["items"][0]["label"] is None
    assert store.db.fetchone("SELECT count(*) FROM annotations")[0] == 0
    r = client.post(f"{url}/items", json={"label": "pass"}, headers=bearer(keys["annotator"]))
    assert r.status_code == 400 and r.json()["error"]["details"]["field"] == "itemId"


def test_roles_and_auth(client: TestClient, store: Store, keys: dict, sample_run: str) -> None:
    ids = trace_ids(store, sample_run)
    body = {"name": "t", "traceIds": ids[:1]}
    assert client.get("/annotations/tasks").status_code == 401
    assert client.post("/annotations/tasks", json=body).status_code == 401
    assert (
        client.post("/annotations/tasks", json=body, headers=bearer("eg_nope")).status_code == 401
    )
    for role in ("viewer", "annotator"):
        r = client.post("/annotations/tasks", json=body, headers=bearer(keys[role]))
        assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"
    task = create(client, keys["admin"], **body)
    item_id = client.get(f"/annotations/tasks/{task['id']}", headers=bearer(keys["viewer"])).json()[
        "items"
    ][0]["id"]
    r = client.post(
        f"/annotations/tasks/{task['id']}/items",
        json={"itemId": item_id, "label": "pass"},
        headers=bearer(keys["viewer"]),
    )
    assert r.status_code == 403
    r = client.post(
        f"/annotations/tasks/{task['id']}/items",
        json={"itemId": item_id, "label": "pass"},
        headers=bearer(keys["admin"]),
    )
    assert r.status_code == 200 and r.json()["labeledBy"] == "admin_user"


def test_unknown_task_and_item_are_404(
    client: TestClient, store: Store, keys: dict, sample_run: str
) -> None:
    h = bearer(keys["annotator"])
    r = client.get(f"/annotations/tasks/{UNKNOWN}", headers=h)
    assert r.status_code == 404 and UNKNOWN in r.json()["error"]["message"]
    assert client.get("/annotations/tasks/not-a-uuid", headers=h).status_code == 404
    r = client.post(
        f"/annotations/tasks/{UNKNOWN}/items", json={"itemId": UNKNOWN, "label": "pass"}, headers=h
    )
    assert r.status_code == 404
    task = create(client, keys["admin"], name="t", traceIds=trace_ids(store, sample_run)[:1])
    r = client.post(
        f"/annotations/tasks/{task['id']}/items",
        json={"itemId": UNKNOWN, "label": "pass"},
        headers=h,
    )
    assert r.status_code == 404 and r.json()["error"]["details"]["field"] == "itemId"


def test_another_organization_sees_404_and_cannot_use_our_traces(
    client: TestClient, store: Store, keys: dict, sample_run: str
) -> None:
    ids = trace_ids(store, sample_run)
    task = create(client, keys["admin"], name="ours", traceIds=ids)
    item_id = client.get(f"/annotations/tasks/{task['id']}", headers=bearer(keys["viewer"])).json()[
        "items"
    ][0]["id"]
    orgs.create_org(store, "acme")
    theirs = auth.create_key(store, name="acme_admin", role="admin", org="acme")["key"]
    h = bearer(theirs)
    assert client.get("/annotations/tasks", headers=h).json() == {"tasks": []}
    assert client.get(f"/annotations/tasks/{task['id']}", headers=h).status_code == 404
    r = client.post(
        f"/annotations/tasks/{task['id']}/items",
        json={"itemId": item_id, "label": "pass"},
        headers=h,
    )
    assert r.status_code == 404
    r = client.post("/annotations/tasks", json={"name": "steal", "traceIds": ids[:2]}, headers=h)
    assert r.status_code == 400
    assert r.json()["error"]["details"]["unknown"] == ids[:2]
    ours = client.get(f"/annotations/tasks/{task['id']}", headers=bearer(keys["viewer"])).json()
    assert ours["completedCount"] == 0


def test_labels_feed_annotations_for_alignment(
    client: TestClient, store: Store, keys: dict, sample_run: str
) -> None:
    ids = trace_ids(store, sample_run)
    task = create(client, keys["admin"], name="t", traceIds=ids[:1])
    url = f"/annotations/tasks/{task['id']}"
    item_id = client.get(url, headers=bearer(keys["viewer"])).json()["items"][0]["id"]
    h = bearer(keys["annotator"])
    client.post(f"{url}/items", json={"itemId": item_id, "label": "pass"}, headers=h)
    client.post(f"{url}/items", json={"itemId": item_id, "label": "fail", "notes": "no"}, headers=h)
    rows = store.db.fetch_dicts(
        "SELECT CAST(task_id AS VARCHAR) AS task_id, CAST(run_id AS VARCHAR) AS run_id, "
        "trace_id, target_type, target_id, annotator, label, comment, source FROM annotations"
    )
    assert rows == [
        {
            "task_id": task["id"],
            "run_id": sample_run,
            "trace_id": ids[0],
            "target_type": "trace",
            "target_id": str(ids[0]),
            "annotator": "annotator_user",
            "label": "fail",
            "comment": "no",
            "source": "task",
        }
    ]
    item = client.get(url, headers=h).json()["items"][0]
    assert (item["label"], item["notes"], item["labeledBy"]) == ("fail", "no", "annotator_user")


def test_openapi_documents_the_tasks_endpoints(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    create_op = paths["/annotations/tasks"]["post"]
    assert {"201", "400", "401", "403"} <= set(create_op["responses"])
    label_op = paths["/annotations/tasks/{task_id}/items"]["post"]
    assert {"200", "400", "401", "403", "404"} <= set(label_op["responses"])
    assert "get" in paths["/annotations/tasks"] and "get" in paths["/annotations/tasks/{task_id}"]
    schema = create_op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    body = client.get("/openapi.json").json()["components"]["schemas"][schema.split("/")[-1]]
    assert {"name", "traceIds", "instructions", "labelOptions"} == set(body["properties"])
