"""REST: a task's rubric, answering a task item in one request, and the two rubric-version bugs
of issue #19 (PATCH of label_options, one-question labels on a queue at version >= 2)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import bearer

QUESTIONS = [
    {"name": "verdict", "kind": "single_choice", "options": ["pass", "fail"]},
    {"name": "coherence", "kind": "rating", "scale_min": 1, "scale_max": 3},
    {"name": "why", "kind": "text", "required": False},
]


def _task(client: TestClient, keys: dict, sample_run: str) -> dict:
    """A task over the sample run's four cases, with the three-question rubric."""
    cases = client.get(f"/v1/runs/{sample_run}/cases", headers=bearer(keys["viewer"])).json()
    ids = [c["trace_id"] for c in cases["cases"]]
    task = client.post(
        "/annotations/tasks", json={"name": "t", "traceIds": ids}, headers=bearer(keys["admin"])
    ).json()
    resp = client.put(
        f"/v1/annotations/tasks/{task['id']}/rubric",
        json={"questions": QUESTIONS},
        headers=bearer(keys["admin"]),
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["task_id"] == task["id"] and resp.json()["version"] == 1
    return task


def test_task_rubric_round_trip_and_answering(
    client: TestClient, keys: dict, sample_run: str
) -> None:
    """An annotator answers every question of a task item at once; the task shows them."""
    task = _task(client, keys, sample_run)
    shown = client.get(
        f"/v1/annotations/tasks/{task['id']}/rubric", headers=bearer(keys["viewer"])
    ).json()
    assert [q["name"] for q in shown["questions"]] == ["verdict", "coherence", "why"]
    detail = client.get(f"/annotations/tasks/{task['id']}", headers=bearer(keys["viewer"])).json()
    item = detail["items"][0]
    resp = client.post(
        f"/v1/annotations/tasks/{task['id']}/answers",
        json={
            "itemId": item["id"],
            "answers": {"verdict": "fail", "coherence": 2, "why": "wrong city"},
            "notes": "checked",
        },
        headers=bearer(keys["annotator"]),
    )
    assert resp.status_code == 200, resp.text
    done = resp.json()
    assert done["labeledBy"] == "annotator_user" and done["label"] == "fail"
    assert done["answers"] == {"verdict": "fail", "coherence": 2.0, "why": "wrong city"}
    assert done["rubricVersion"] == 1 and done["notes"] == "checked"
    detail = client.get(f"/annotations/tasks/{task['id']}", headers=bearer(keys["viewer"])).json()
    assert detail["completedCount"] == 1 and detail["rubricVersion"] == 1
    rows = client.get(
        f"/v1/runs/{sample_run}/answers", params={"layout": "long"}, headers=bearer(keys["viewer"])
    ).json()["rows"]
    assert sorted((r["question"], r["value"]) for r in rows) == [
        ("coherence", 2.0),
        ("verdict", "fail"),
        ("why", "wrong city"),
    ]


def test_bad_task_answers_are_400_naming_the_question(
    client: TestClient, keys: dict, sample_run: str
) -> None:
    """Off the scale, missing, unknown: 400 with details.field; nothing is stored."""
    task = _task(client, keys, sample_run)
    item = client.get(f"/annotations/tasks/{task['id']}", headers=bearer(keys["viewer"])).json()[
        "items"
    ][0]
    for answers, field in (
        ({"verdict": "pass", "coherence": 7}, "answers.coherence"),
        ({"coherence": 2}, "answers.verdict"),
        ({"verdict": "pass", "coherence": 2, "tone": 1}, "answers.tone"),
    ):
        resp = client.post(
            f"/v1/annotations/tasks/{task['id']}/answers",
            json={"itemId": item["id"], "answers": answers},
            headers=bearer(keys["annotator"]),
        )
        assert resp.status_code == 400, resp.text
        assert resp.json()["error"]["details"]["field"] == field
    # Who answers comes from the key, never from the body.
    resp = client.post(
        f"/v1/annotations/tasks/{task['id']}/answers",
        json={"itemId": item["id"], "answers": {"verdict": "pass", "coherence": 1}, "by": "x"},
        headers=bearer(keys["annotator"]),
    )
    assert resp.status_code == 400
    detail = client.get(f"/annotations/tasks/{task['id']}", headers=bearer(keys["viewer"])).json()
    assert detail["completedCount"] == 0


def test_viewer_cannot_answer_or_change_a_task_rubric(
    client: TestClient, keys: dict, sample_run: str
) -> None:
    """Answering needs the annotator role, changing a rubric the admin role."""
    task = _task(client, keys, sample_run)
    viewer = bearer(keys["viewer"])
    put = client.put(
        f"/v1/annotations/tasks/{task['id']}/rubric", json={"questions": QUESTIONS}, headers=viewer
    )
    assert put.status_code == 403
    post = client.post(
        f"/v1/annotations/tasks/{task['id']}/answers",
        json={"itemId": "x", "answers": {"verdict": "pass"}},
        headers=viewer,
    )
    assert post.status_code == 403


def test_patch_of_label_options_makes_a_new_rubric_version_once_labelled(
    client: TestClient, keys: dict, queue_id: str, sample_run: str
) -> None:
    """PATCH label_options after a label: v2 asks the new options, the old label keeps v1, and a
    one-question label posted afterwards records v2."""
    ann = bearer(keys["annotator"])
    admin = bearer(keys["admin"])

    def label(value: str) -> None:
        item = client.post("/v1/annotations/queue", json={"queue_id": queue_id}, headers=ann)
        resp = client.post(
            "/v1/annotations",
            headers=ann,
            json={
                "target_id": f"{sample_run}:{item.json()['item']['case_id']}",
                "target_type": "eval_case",
                "label": value,
                "queue_id": queue_id,
            },
        )
        assert resp.status_code == 200, resp.text

    label("pass")
    resp = client.patch(
        f"/v1/annotations/queues/{queue_id}",
        json={"label_options": ["pass", "fail", "unsure"]},
        headers=admin,
    )
    assert resp.status_code == 200, resp.text
    rubric = client.get(f"/v1/annotations/queues/{queue_id}/rubric", headers=admin).json()
    assert rubric["versions"] == [1, 2]
    assert rubric["questions"][0]["options"] == ["pass", "fail", "unsure"]
    label("unsure")
    rows = client.get(
        f"/v1/runs/{sample_run}/answers", params={"layout": "long"}, headers=admin
    ).json()["rows"]
    assert sorted((r["value"], r["rubric_version"]) for r in rows) == [
        ("pass", 1),
        ("unsure", 2),
    ]
    # Reports ask which version to read rather than mixing them.
    report = client.get(
        "/v1/alignment/questions",
        params={"run_id": sample_run, "mapping": "label=llm_judge", "queue_id": queue_id},
        headers=admin,
    )
    assert report.status_code == 400
    assert report.json()["error"]["details"]["field"] == "rubric_version"
