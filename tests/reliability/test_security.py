"""Security checks: auth on every route (enumerated), hashed keys, parameterised SQL, body limit,
rate limit under concurrency."""

from __future__ import annotations

import csv
import json
import threading
import uuid
from pathlib import Path

import httpx
import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from evalguard_core import auth, runs
from evalguard_core.api import create_api
from evalguard_core.store import Store
from tests.api.conftest import LiveServer

# /docs and /redoc serve their assets from /docs-assets (no CDN), all public like the schema.
PUBLIC = {"/health", "/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc", "/docs-assets"}
ROLES = ("viewer", "annotator", "admin")


def _min_role(route: APIRoute) -> str | None:
    """The role a route requires, read from its dependency tree (require_<role>)."""
    found: list[str] = []

    def walk(dependant) -> None:
        for dep in dependant.dependencies:
            name = getattr(dep.call, "__name__", "")
            if name.startswith("require_"):
                found.append(name.removeprefix("require_"))
            walk(dep)

    walk(route.dependant)
    return max(found, key=ROLES.index) if found else None


def _authenticates(route: APIRoute) -> bool:
    """Whether the route depends on get_actor (directly or through a role/scope)."""

    def walk(dependant) -> bool:
        return any(
            getattr(d.call, "__name__", "") == "get_actor" or walk(d)
            for d in dependant.dependencies
        )

    return walk(route.dependant)


def _route_contexts(app) -> list:
    """Every served route with its full path (FastAPI >= 0.16x nests included routers)."""
    from fastapi import routing

    if hasattr(routing, "iter_route_contexts"):
        return list(routing.iter_route_contexts(app.routes))
    return list(app.routes)


def _routes(app) -> list[tuple[str, str, str | None]]:
    """(method, path, min role) of every route the app serves."""
    out = []
    for ctx in _route_contexts(app):
        route = getattr(ctx, "route", ctx)
        if isinstance(route, APIRoute):
            for method in sorted(ctx.methods):
                out.append((method, ctx.path, _min_role(route)))
        else:
            assert ctx.path in PUBLIC, f"unexpected non-API route {ctx.path}"
    return out


def _url(path: str) -> str:
    """The path with every parameter filled with a random (unknown) id."""
    import re

    return re.sub(
        r"\{(\w+)\}", lambda m: "annotations" if m.group(1) == "kind" else str(uuid.uuid4()), path
    )


@pytest.fixture
def app_and_keys(store: Store):
    keys = {role: auth.create_key(store, name=f"{role}_user", role=role)["key"] for role in ROLES}
    return create_api(store, rate_limit="1000000/minute", auth_fail_limit="1000000/minute"), keys


def test_every_route_is_public_or_needs_a_role(app_and_keys) -> None:
    app, _ = app_and_keys
    seen = 0
    for ctx in _route_contexts(app):
        route = getattr(ctx, "route", ctx)
        if ctx.path in PUBLIC:
            assert not isinstance(route, APIRoute) or not _authenticates(route), ctx.path
            continue
        seen += 1
        # A new endpoint without require(role) fails here instead of shipping open.
        assert isinstance(route, APIRoute) and _min_role(route), f"{ctx.path} has no role"
    assert seen >= 20


def test_every_protected_route_answers_401_then_403(app_and_keys) -> None:
    app, keys = app_and_keys
    checked = 0
    with TestClient(app) as client:
        for method, path, role in _routes(app):
            if path in PUBLIC:
                continue
            url = _url(path)
            for headers in (
                {},
                {"Authorization": "Bearer eg_not_a_key"},
                {"Authorization": "Basic abc"},
                {"Authorization": "Bearer "},
            ):
                r = client.request(method, url, headers=headers, json={})
                assert r.status_code == 401, (method, path, headers, r.status_code, r.text)
                assert r.json()["error"]["code"]
            for lower in ROLES[: ROLES.index(role)]:
                r = client.request(
                    method, url, headers={"Authorization": f"Bearer {keys[lower]}"}, json={}
                )
                assert r.status_code == 403, (method, path, lower, r.status_code, r.text)
            r = client.request(
                method, url, headers={"Authorization": f"Bearer {keys[role]}"}, json={}
            )
            assert r.status_code not in (401, 403, 500), (method, path, role, r.text)
            checked += 1
    assert checked >= 20


def test_keys_are_stored_hashed_only(tmp_path: Path) -> None:
    path = tmp_path / "keys.duckdb"
    store = Store.open(path)
    created = [auth.create_key(store, name=f"k{i}", role="admin")["key"] for i in range(3)]
    with TestClient(create_api(store)) as client:  # use them, so nothing caches them in clear
        for key in created:
            assert (
                client.get("/v1/runs", headers={"Authorization": f"Bearer {key}"}).status_code
                == 200
            )
    store.db.execute("CHECKPOINT")
    store.close()
    blobs = b"".join(p.read_bytes() for p in tmp_path.iterdir() if p.name.startswith("keys"))
    for key in created:
        assert key.encode() not in blobs
        assert key[10:].encode() not in blobs  # not even the secret part beyond the shown prefix
        assert auth.hash_key(key).encode() in blobs  # the hash is what is kept


HOSTILE = [
    "'; DROP TABLE cases; --",
    "Robert'); DELETE FROM annotations WHERE ('1'='1",
    '"double" \\back\\slash `tick` $1 ? %s {0} :name',
    "ünïcödé ✓ 🚀 中文 \u202eRTL",
    "line\nbreak\ttab",
    "x" * 150,
]


def test_hostile_strings_are_stored_and_returned_verbatim(store: Store, tmp_path: Path) -> None:
    column = "topic'; DROP TABLE runs; --"
    csv_path = tmp_path / "hostile.csv"
    with csv_path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["case_id", "input", "output", "label:llm_judge", column])
        for i, s in enumerate(HOSTILE):
            w.writerow([f"{s}#{i}", s, s, "pass", s])
    run_name = HOSTILE[0] + " run"
    run_id = runs.import_run(store.scope(), csv_path, name=run_name).run_id
    annotator = HOSTILE[1]
    admin = auth.create_key(store, name=annotator, role="admin")["key"]
    h = {"Authorization": f"Bearer {admin}"}
    labels = HOSTILE[:5]
    with TestClient(
        create_api(store, rate_limit="1000000/minute", auth_fail_limit="1000000/minute")
    ) as c:
        assert c.get(f"/v1/runs/{run_id}", headers=h).json()["name"] == run_name
        cases = c.get(f"/v1/runs/{run_id}/cases?limit=100", headers=h).json()["cases"]
        assert {x["case_id"] for x in cases} == {f"{s}#{i}" for i, s in enumerate(HOSTILE)}
        for x in cases:
            assert x["metadata"][column] == x["input"] == x["output"]
        q = c.post(
            "/v1/annotations/queues",
            headers=h,
            json={"name": HOSTILE[2], "instructions": HOSTILE[3], "label_options": labels},
        )
        assert q.status_code == 201, q.text
        queue = q.json()
        assert queue["name"] == HOSTILE[2] and queue["instructions"] == HOSTILE[3]
        assert queue["label_options"] == labels
        targets = [f"{run_id}:{s}#{i}" for i, s in enumerate(HOSTILE)]
        added = c.post(
            "/v1/annotations/queues/items",
            headers=h,
            json={"queue_id": queue["queue_id"], "target_ids": targets},
        ).json()
        assert added["added"] == len(HOSTILE)
        for i in range(len(HOSTILE)):
            item = c.post(
                "/v1/annotations/queue", headers=h, json={"queue_id": queue["queue_id"]}
            ).json()["item"]
            r = c.post(
                "/v1/annotations",
                headers=h,
                json={
                    "target_id": item["target_id"],
                    "target_type": "eval_case",
                    "label": labels[i % len(labels)],
                    "comment": HOSTILE[i],
                    "queue_id": queue["queue_id"],
                },
            )
            assert r.status_code == 200, r.text
        rows = [
            json.loads(line)
            for line in c.get(
                f"/v1/exports/annotations?format=jsonl&queue_id={queue['queue_id']}", headers=h
            ).text.splitlines()
        ]
        assert {r["annotator"] for r in rows} == {annotator}
        assert {r["comment"] for r in rows} == set(HOSTILE)
        assert {r["label"] for r in rows} <= set(labels)
        traces = [x["trace_id"] for x in cases]
        t = c.post(
            "/annotations/tasks",
            headers=h,
            json={
                "name": HOSTILE[0],
                "traceIds": traces,
                "instructions": HOSTILE[4],
                "labelOptions": labels,
            },
        )
        assert t.status_code == 201, t.text
        task = t.json()
        assert task["name"] == HOSTILE[0]
        detail = c.get(f"/annotations/tasks/{task['id']}", headers=h).json()
        item_id = detail["items"][0]["id"]
        li = c.post(
            f"/annotations/tasks/{task['id']}/items",
            headers=h,
            json={"itemId": item_id, "label": labels[0], "notes": HOSTILE[5]},
        )
        assert li.status_code == 200, li.text
        assert li.json()["notes"] == HOSTILE[5] and li.json()["labeledBy"] == annotator
        # Hostile filters and search are parameters too.
        for s in HOSTILE:
            r = c.get(
                f"/v1/runs/{run_id}/cases",
                headers=h,
                params={"q": s, "label": s, "label_scorer": s},
            )
            assert r.status_code == 200, r.text
    # Nothing was dropped or deleted by any of it.
    assert store.db.fetchone("SELECT count(*) FROM cases")[0] == len(HOSTILE)
    assert store.db.fetchone("SELECT count(*) FROM annotations")[0] == len(HOSTILE) + 1


@pytest.mark.parametrize("value", ["a\x00b", "\x00", "x" * 100_000, "\ud800"])
def test_nul_huge_and_broken_unicode_are_400_or_verbatim(
    client: TestClient, keys: dict, value: str
) -> None:
    h = {"Authorization": f"Bearer {keys['admin']}"}
    try:
        body = json.dumps({"name": value})
    except UnicodeEncodeError:
        return
    r = client.post(
        "/v1/annotations/queues",
        headers={**h, "content-type": "application/json"},
        content=body.encode("utf-8", "surrogatepass"),
    )
    assert r.status_code in (201, 400), r.text
    if r.status_code == 201:
        got = client.get(f"/v1/annotations/queues/{r.json()['queue_id']}", headers=h).json()
        assert got["name"] == value


def test_request_body_limit_is_413(store: Store) -> None:
    key = auth.create_key(store, name="a", role="admin")["key"]
    h = {"Authorization": f"Bearer {key}"}
    big = {"queue_id": str(uuid.uuid4()), "target_ids": ["x" * 100] * 200}
    with TestClient(create_api(store, max_body_bytes=4096)) as c:
        r = c.post("/v1/annotations/queues/items", headers=h, json=big)
        assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"
        small = c.post(
            "/v1/annotations/queues/items",
            headers=h,
            json={"queue_id": str(uuid.uuid4()), "target_ids": ["x"]},
        )
        assert small.status_code == 404


def test_request_body_limit_holds_without_content_length(store: Store) -> None:
    """A chunked body (no Content-Length) is counted as it streams in."""
    key = auth.create_key(store, name="a", role="admin")["key"]
    h = {"Authorization": f"Bearer {key}", "content-type": "application/json"}
    payload = json.dumps({"queue_id": str(uuid.uuid4()), "target_ids": ["x" * 100] * 200}).encode()

    def chunks():
        for i in range(0, len(payload), 1000):
            yield payload[i : i + 1000]

    with LiveServer(store, max_body_bytes=4096) as server:
        r = httpx.post(
            f"{server.url}/api/v1/annotations/queues/items", headers=h, content=chunks(), timeout=10
        )
        assert r.status_code == 413, r.text


def test_rate_limit_holds_under_concurrent_clients(store: Store) -> None:
    key = auth.create_key(store, name="a", role="viewer")["key"]
    limit, threads, per_thread = 40, 8, 15
    codes: list[int] = []
    retry_after: list[str] = []
    lock = threading.Lock()
    with LiveServer(store, rate_limit=f"{limit}/minute") as server:

        def hammer() -> None:
            with httpx.Client(
                base_url=server.url, timeout=10, headers={"Authorization": f"Bearer {key}"}
            ) as c:
                for _ in range(per_thread):
                    r = c.get("/api/v1/runs")
                    with lock:
                        codes.append(r.status_code)
                        if r.status_code == 429:
                            retry_after.append(r.headers.get("retry-after", ""))

        ts = [threading.Thread(target=hammer) for _ in range(threads)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(timeout=60)
    assert len(codes) == threads * per_thread
    assert codes.count(200) == limit
    assert codes.count(429) == threads * per_thread - limit
    assert all(v.isdigit() and int(v) >= 1 for v in retry_after)
