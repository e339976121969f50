"""REST rubrics: set a rubric, answer an item in one request, per-question alignment, export."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import bearer

QUESTIONS = [
    {"name": "verdict", "kind": "single_choice", "options": ["pass", "fail"]},
    {
        "name": "coherence",
        "kind": "rating",
        "scale_min": 1,
        "scale_max": 5,
        "min_label": "incoherent",
        "max_label": "coherent",
    },
    {"name": "why", "kind": "text", "required": False},
]


def _set(client: TestClient, keys: dict, queue_id: str, questions: list) -> dict:
    resp = client.put(
        f"/v1/annotations/queues/{queue_id}/rubric",
        json={"questions": questions},
        headers=bearer(keys["admin"]),
    )
    assert resp.status_code == 200, resp.text
    return resp.json()


def test_rubric_round_trip_and_answering(
    client: TestClient, keys: dict, queue_id: str, sample_run: str
) -> None:
    """An annotator answers every question at once; the claim completes; export is wide."""
    before = client.get(
        f"/v1/annotations/queues/{queue_id}/rubric", headers=bearer(keys["viewer"])
    ).json()
    assert [q["name"] for q in before["questions"]] == ["label"]
    rubric = _set(client, keys, queue_id, QUESTIONS)
    assert rubric["version"] == 1 and rubric["questions"][1]["step"] == 1.0
    ann = bearer(keys["annotator"])
    item = client.post("/v1/annotations/queue", json={"queue_id": queue_id}, headers=ann).json()[
        "item"
    ]
    resp = client.post(
        "/v1/annotations/answers",
        headers=ann,
        json={
            "queue_id": queue_id,
            "target_id": item["target_id"],
            "answers": {"verdict": "pass", "coherence": 4, "why": "clear"},
        },
    )
    assert resp.status_code == 200, resp.text
    assert resp.json()["item_status"] == "done" and resp.json()["lease"] == "live"
    rows = client.get(f"/v1/runs/{sample_run}/answers", headers=bearer(keys["viewer"])).json()
    assert rows["rows"] == [
        {
            "case_id": item["case_id"],
            "annotator": "annotator_user",
            "verdict": "pass",
            "coherence": 4.0,
            "why": "clear",
        }
    ]


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"verdict": "pass", "coherence": 4, "tone": "x"}, "answers.tone"),
        ({"coherence": 4}, "answers.verdict"),
        ({"verdict": "ok", "coherence": 4}, "answers.verdict"),
        ({"verdict": "pass", "coherence": 0}, "answers.coherence"),
    ],
)
def test_bad_answers_are_400_naming_the_question(
    client: TestClient, keys: dict, queue_id: str, answers: dict, field: str
) -> None:
    """Unknown question, missing required answer, option not allowed, off the scale."""
    _set(client, keys, queue_id, QUESTIONS)
    ann = bearer(keys["annotator"])
    item = client.post("/v1/annotations/queue", json={"queue_id": queue_id}, headers=ann).json()[
        "item"
    ]
    resp = client.post(
        "/v1/annotations/answers",
        headers=ann,
        json={"queue_id": queue_id, "target_id": item["target_id"], "answers": answers},
    )
    assert resp.status_code == 400
    assert resp.json()["error"]["details"]["field"] == field
    assert (
        client.get(f"/v1/annotations/queues/{queue_id}", headers=bearer(keys["admin"])).json()[
            "progress"
        ]["annotations"]
        == 0
    )


def test_answers_body_is_mass_assignment_safe(
    client: TestClient, keys: dict, queue_id: str, sample_run: str
) -> None:
    """The rater is the key's name; `annotator` or `rubric_version` in the body is a 400."""
    _set(client, keys, queue_id, QUESTIONS)
    for extra in ({"annotator": "mallory"}, {"rubric_version": 9}):
        resp = client.post(
            "/v1/annotations/answers",
            headers=bearer(keys["annotator"]),
            json={
                "queue_id": queue_id,
                "target_id": f"{sample_run}:c1",
                "answers": {"verdict": "pass", "coherence": 3},
                **extra,
            },
        )
        assert resp.status_code == 400


def test_viewer_cannot_change_a_rubric(client: TestClient, keys: dict, queue_id: str) -> None:
    """Only admins set rubrics; annotators answer them."""
    resp = client.put(
        f"/v1/annotations/queues/{queue_id}/rubric",
        json={"questions": QUESTIONS},
        headers=bearer(keys["annotator"]),
    )
    assert resp.status_code == 403


def test_seed_annotation_contract_is_unchanged(
    client: TestClient, keys: dict, queue_id: str, sample_run: str
) -> None:
    """`POST /annotations` with label still works on a queue created as before."""
    ann = bearer(keys["annotator"])
    item = client.post("/v1/annotations/queue", json={"queue_id": queue_id}, headers=ann)
    case_id = item.json()["item"]["case_id"]
    resp = client.post(
        "/v1/annotations",
        headers=ann,
        json={
            "target_id": f"{sample_run}:{case_id}",
            "target_type": "eval_case",
            "label": "pass",
            "queue_id": queue_id,
        },
    )
    assert resp.status_code == 200, resp.text
    rows = client.get(
        f"/v1/runs/{sample_run}/answers", params={"layout": "long"}, headers=bearer(keys["viewer"])
    ).json()["rows"]
    assert [(r["question"], r["value"], r["rubric_version"]) for r in rows] == [
        ("label", "pass", 1)
    ]


def test_question_alignment_endpoint(
    client: TestClient, keys: dict, queue_id: str, sample_run: str
) -> None:
    """Mapping one question to a judge gives its report and a summary row."""
    _set(
        client,
        keys,
        queue_id,
        [{"name": "verdict", "kind": "single_choice", "options": ["pass", "fail"]}],
    )
    ann = bearer(keys["annotator"])
    for _ in range(4):
        item = client.post(
            "/v1/annotations/queue", json={"queue_id": queue_id}, headers=ann
        ).json()["item"]
        client.post(
            "/v1/annotations/answers",
            headers=ann,
            json={
                "queue_id": queue_id,
                "target_id": item["target_id"],
                "answers": {"verdict": "pass" if item["case_id"] != "c2" else "fail"},
            },
        )
    resp = client.get(
        "/v1/alignment/questions",
        headers=bearer(keys["viewer"]),
        params={"run_id": sample_run, "mapping": "verdict=llm_judge", "n_boot": 50},
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    assert body["summary"][0]["question"] == "verdict" and body["summary"][0]["n"] == 4
    assert body["reports"]["verdict"]["metrics"]["accuracy"]["value"] == 1.0
    bad = client.get(
        "/v1/alignment/questions",
        headers=bearer(keys["viewer"]),
        params={"run_id": sample_run, "mapping": "verdict"},
    )
    assert bad.status_code == 400 and bad.json()["error"]["details"]["field"] == "questions"
