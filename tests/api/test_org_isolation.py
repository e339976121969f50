"""Organizations: for EVERY API route, org A's key never reads, lists, changes or counts B's rows.

Routes are enumerated from the OpenAPI document, so a new endpoint without an entry in the tables
below fails this test until someone decides how it must treat another organization's ids.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from evalguard_core import annotations, auth, bootstrap, claims, labels, orgs, queues, runs, tasks
from evalguard_core.api import create_api
from evalguard_core.store import Store
from tests.conftest import SAMPLE_CSV, bearer

SECRET = "B-ONLY-SECRET"
PUBLIC = {("GET", "/health")}


def build_org(store: Store, org_name: str | None, tmp: Path, marker: str) -> dict[str, Any]:
    """A run, labels, a bootstrapped queue with a claim and a label, and a labelled task."""
    if org_name:
        orgs.create_org(store, org_name)
    org = auth.resolve_org(store, org_name)
    scope = store.scope(org["org_id"])
    run_file = tmp / f"{org['name']}_run.csv"
    run_file.write_text(SAMPLE_CSV.replace("What is 2+2?", f"What is 2+2? {marker}"))
    run_id = runs.import_run(scope, run_file, name=f"{marker} run").run_id
    labels_file = tmp / f"{org['name']}_labels.csv"
    labels_file.write_text("case_id,annotator,label\nc1,ann,pass\nc2,ann,fail\nc3,ann,pass\n")
    labels.import_labels(scope, labels_file, run_id=run_id)
    queue = queues.create_queue(scope, name=f"{marker} queue", target_type="eval_case")
    result = bootstrap.run_bootstrap(
        scope,
        queue_id=queue["queue_id"],
        run_id=run_id,
        sample_count=3,
        stratify_by="none",
        seed=1,
    )
    admin = auth.create_key(store, name=f"{org['name']}_admin", role="admin", org=org["name"])
    rater = auth.create_key(store, name=f"{org['name']}_rater", role="annotator", org=org["name"])
    claimed = claims.claim_next(scope, queue["queue_id"], rater["name"])["item"]
    labelled = annotations.create_annotation(
        scope,
        annotator=rater["name"],
        target_id=claimed["target_id"],
        target_type="eval_case",
        label="pass",
        queue_id=queue["queue_id"],
    )
    held = claims.claim_next(scope, queue["queue_id"], admin["name"])["item"]
    page = runs.list_cases(scope, run_id)["cases"]
    task = tasks.create_task(scope, name=f"{marker} task", trace_ids=[c["trace_id"] for c in page])
    task_item = tasks.get_task(scope, task["id"])["items"][0]
    tasks.label_item(scope, task["id"], task_item["id"], label="pass", actor=rater["name"])
    return {
        "org_id": org["org_id"],
        "run_id": run_id,
        "queue_id": queue["queue_id"],
        "job_id": result.get("job_id") or _job_of(scope, queue["queue_id"]),
        "task_id": task["id"],
        "task_item_id": task_item["id"],
        "item_id": held["item_id"],
        "target_id": held["target_id"],
        "trace_id": held["trace_id"],
        "admin_key": admin["key"],
        "rater_key": rater["key"],
        "key_id": admin["key_id"],
        "annotation_id": labelled["annotation_id"],
        "rater_name": rater["name"],
    }


def _job_of(scope, queue_id: str) -> str:
    """The bootstrap job that filled a queue."""
    return bootstrap.sampled_items(scope, queue_id)[0]["job_id"]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    """Two organizations with similar data; yields (client, A, B)."""
    tmp = tmp_path_factory.mktemp("orgs")
    store = Store.open(tmp / "orgs.duckdb")
    a = build_org(store, None, tmp, "A-ORG-DATA")
    b = build_org(store, "beta", tmp, SECRET)
    with TestClient(create_api(store, rate_limit="100000/minute")) as client:
        yield client, a, b
    store.close()


def b_secrets(b: dict[str, Any]) -> list[str]:
    """Strings that must never appear in an answer to org A."""
    return [
        SECRET,
        b["run_id"],
        b["queue_id"],
        b["job_id"],
        b["task_id"],
        b["task_item_id"],
        b["org_id"],
    ]


# What each path parameter is filled with: always org B's id.
PATH_PARAMS: dict[str, Callable[[dict], Any]] = {
    "run_id": lambda b: b["run_id"],
    "queue_id": lambda b: b["queue_id"],
    "job_id": lambda b: b["job_id"],
    "task_id": lambda b: b["task_id"],
    "kind": lambda b: "annotations",
    "annotation_id": lambda b: b["annotation_id"],
    "annotator": lambda b: b["rater_name"],
}

# Query strings for routes whose queries reference data, pointing at org B's ids.
QUERIES: dict[tuple[str, str], Callable[[dict], dict]] = {
    ("GET", "/v1/exports/{kind}"): lambda b: {"run_id": b["run_id"]},
    ("GET", "/v1/alignment"): lambda b: {"run_id": b["run_id"], "judge": "llm_judge"},
    ("GET", "/v1/annotations/bootstrap/preview"): lambda b: {
        "run_id": b["run_id"],
        "queue_id": b["queue_id"],
        "sample_count": 2,
    },
    ("GET", "/v1/annotations/history"): lambda b: {"queue_id": b["queue_id"]},
    ("GET", "/v1/alignment/questions"): lambda b: {
        "run_id": b["run_id"],
        "mapping": "label=llm_judge",
    },
}

# Bodies for write routes, referencing org B's ids; with the statuses that keep B hidden.
BODIES: dict[tuple[str, str], tuple[Callable[[dict], dict], set[int]]] = {
    ("POST", "/v1/annotations/queues"): (
        lambda b: {"name": "mine", "target_type": "eval_case"},
        {201},
    ),
    ("POST", "/v1/annotations/queues/items"): (
        lambda b: {"queue_id": b["queue_id"], "target_ids": [b["target_id"]]},
        {404},
    ),
    ("PATCH", "/v1/annotations/queues/{queue_id}"): (lambda b: {"name": "stolen"}, {404}),
    ("POST", "/v1/annotations/queue"): (lambda b: {"queue_id": b["queue_id"]}, {404}),
    ("POST", "/v1/annotations/queue/release"): (
        lambda b: {"queue_id": b["queue_id"], "item_id": b["item_id"]},
        {404},
    ),
    ("POST", "/v1/annotations/queue/heartbeat"): (
        lambda b: {"queue_id": b["queue_id"], "item_id": b["item_id"]},
        {404},
    ),
    ("POST", "/v1/annotations"): (
        lambda b: {"target_id": b["target_id"], "target_type": "eval_case", "label": "fail"},
        {400, 404},
    ),
    ("POST", "/v1/annotations/bootstrap"): (
        lambda b: {"queue_id": b["queue_id"], "run_id": b["run_id"], "sample_count": 1},
        {404},
    ),
    ("POST", "/annotations/tasks"): (
        lambda b: {"name": "mine", "traceIds": [b["trace_id"]]},
        {400},
    ),
    ("POST", "/annotations/tasks/{task_id}/items"): (
        lambda b: {"itemId": b["task_item_id"], "label": "fail"},
        {404},
    ),
    # Lifecycle (issue 21): A's admin can neither change nor learn of B's labels, queues, runs.
    ("PATCH", "/v1/annotations/labels/{annotation_id}"): (lambda b: {"label": "fail"}, {404}),
    ("POST", "/v1/annotations/labels/{annotation_id}/retract"): (
        lambda b: {"reason": "stolen"},
        {404},
    ),
    ("POST", "/v1/annotations/queue/undo"): (lambda b: {"queue_id": b["queue_id"]}, {404}),
    ("POST", "/v1/annotations/queues/{queue_id}/archive"): (lambda b: {}, {404}),
    ("POST", "/v1/annotations/queues/{queue_id}/restore"): (lambda b: {}, {404}),
    ("DELETE", "/v1/annotations/queues/{queue_id}"): (lambda b: {}, {404}),
    ("POST", "/v1/annotations/queues/{queue_id}/items/remove"): (
        lambda b: {"item_ids": [b["item_id"]], "include_labelled": True},
        {404},
    ),
    ("DELETE", "/v1/runs/{run_id}"): (lambda b: {}, {404}),
    ("POST", "/v1/raters/{annotator}/pseudonymise"): (lambda b: {}, {404}),
    # Only ever the caller's own organization, and only with its name as confirmation.
    ("DELETE", "/v1/organization/data"): (lambda b: {}, {400}),
    # Rubrics (issue 19): B's queue is unknown to A, for its rubric and for answers.
    ("PUT", "/v1/annotations/queues/{queue_id}/rubric"): (
        lambda b: {"questions": [{"name": "label", "kind": "single_choice", "options": ["a"]}]},
        {404},
    ),
    ("PUT", "/v1/annotations/tasks/{task_id}/rubric"): (
        lambda b: {"questions": [{"name": "label", "kind": "single_choice", "options": ["a"]}]},
        {404},
    ),
    ("POST", "/v1/annotations/tasks/{task_id}/answers"): (
        lambda b: {"itemId": b["task_item_id"], "answers": {"label": "fail"}},
        {404},
    ),
    ("POST", "/v1/annotations/answers"): (
        lambda b: {"queue_id": b["queue_id"], "target_id": b["target_id"], "answers": {}},
        {404},
    ),
    # uploads are multipart: a JSON body is refused; another org's run is unknown (404)
    ("POST", "/v1/runs"): (lambda b: {"name": "mine"}, {400}),
    ("POST", "/v1/runs/{run_id}/labels"): (lambda b: {}, {404}),
}


def api_operations(client: TestClient) -> list[tuple[str, str]]:
    """Every (METHOD, path) the API documents."""
    spec = client.get("/openapi.json").json()
    return sorted((m.upper(), p) for p, ops in spec["paths"].items() for m in ops)


def fill(path: str, b: dict[str, Any]) -> str:
    """The path with every parameter set to org B's id."""
    import re

    def sub(match: re.Match) -> str:
        name = match.group(1)
        assert name in PATH_PARAMS, f"add path parameter {name!r} to PATH_PARAMS"
        return str(PATH_PARAMS[name](b))

    return re.sub(r"\{(\w+)\}", sub, path)


def test_every_route_hides_the_other_organization(world) -> None:
    client, a, b = world
    secrets = b_secrets(b)
    checked = []
    for method, path in api_operations(client):
        if (method, path) in PUBLIC:
            continue
        url = fill(path, b)
        params = QUERIES.get((method, path), lambda _: {})(b)
        sent = url + repr(params)
        if method == "GET":
            r = client.get(url, params=params, headers=bearer(a["admin_key"]))
            if "{" in path or params:
                assert r.status_code == 404, f"{method} {path}: {r.status_code} {r.text[:200]}"
        else:
            assert (method, path) in BODIES, f"add {method} {path} to BODIES (org isolation)"
            body, allowed = BODIES[(method, path)]
            sent += repr(body(b))
            r = client.request(method, url, json=body(b), headers=bearer(a["admin_key"]))
            assert r.status_code in allowed, f"{method} {path}: {r.status_code} {r.text[:300]}"
        # An id the caller sent may be echoed back ("queue X not found"); anything else is a leak.
        leaked = [s for s in secrets if s in r.text and s not in sent]
        assert not leaked, f"{method} {path} leaked {leaked}: {r.text[:300]}"
        checked.append((method, path))
    assert len(checked) >= 20


def test_lists_only_count_own_rows(world) -> None:
    client, a, b = world
    h = bearer(a["admin_key"])
    run_ids = [r["run_id"] for r in client.get("/v1/runs", headers=h).json()["runs"]]
    assert run_ids == [a["run_id"]]
    queues_a = client.get("/v1/annotations/queues", headers=h).json()
    listed = queues_a["queues"] if isinstance(queues_a, dict) else queues_a
    assert b["queue_id"] not in {q["queue_id"] for q in listed}
    task_ids = {t["id"] for t in client.get("/annotations/tasks", headers=h).json()["tasks"]}
    assert b["task_id"] not in task_ids and a["task_id"] in task_ids
    task = client.get(f"/annotations/tasks/{a['task_id']}", headers=h).json()
    assert task["organizationId"] == a["org_id"]


def test_b_still_sees_its_own_data(world) -> None:
    client, _, b = world
    h = bearer(b["admin_key"])
    assert client.get(f"/v1/runs/{b['run_id']}", headers=h).status_code == 200
    assert client.get(f"/v1/annotations/queues/{b['queue_id']}", headers=h).status_code == 200
    assert client.get(f"/v1/jobs/{b['job_id']}", headers=h).status_code == 200


def test_alignment_and_exports_over_a_runs_never_include_other_labels(world) -> None:
    client, a, b = world
    h = bearer(a["admin_key"])
    exported = client.get(
        f"/v1/exports/annotations?format=jsonl&run_id={a['run_id']}", headers=h
    ).text
    assert "beta_rater" not in exported and "default_rater" in exported
    everything = client.get("/v1/exports/annotations?format=jsonl", headers=h).text
    assert "beta_rater" not in everything
    report = client.get(
        f"/v1/alignment?run_id={a['run_id']}&judge=llm_judge&n_boot=50", headers=h
    ).json()
    pairs = report["inter_rater"]["pairs"]
    raters = {p["rater_a"] for p in pairs} | {p["rater_b"] for p in pairs}
    assert raters == {"ann", "default_rater"}  # A's import and queue raters, no beta_*
    labelled_cases = {json.loads(line)["case_id"] for line in exported.splitlines()}
    # Only A's labelled cases are compared (ties between two raters have no majority).
    assert report["n"] + report["no_majority"] == len(labelled_cases)
    events = client.get(f"/v1/annotations/queues/{a['queue_id']}/events", headers=h).text
    assert "beta_" not in events


def test_rater_of_a_cannot_label_b_items(world) -> None:
    client, a, b = world
    r = client.post(
        "/v1/annotations",
        headers=bearer(a["rater_key"]),
        json={
            "target_id": b["target_id"],
            "target_type": "eval_case",
            "label": "pass",
            "queue_id": b["queue_id"],
        },
    )
    assert r.status_code == 404
