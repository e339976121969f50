"""POST /api/v1/runs and /api/v1/runs/{run_id}/labels: uploads streamed to disk, any format."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from fastapi.testclient import TestClient

from evalguard_core import runs
from evalguard_core.api import create_api
from evalguard_core.store import Store
from tests.conftest import SAMPLE_CSV, SHARED, bearer

FORMATS_DIR = SHARED / "data" / "formats"


def test_upload_native_csv_creates_run(client: TestClient, keys: dict, store: Store) -> None:
    r = client.post(
        "/v1/runs",
        files={"file": ("run.csv", SAMPLE_CSV.encode(), "text/csv")},
        data={"name": "uploaded"},
        headers=bearer(keys["admin"]),
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["name"] == "uploaded" and body["cases"] == 4 and body["format"] == "csv"
    assert [x["run_id"] for x in runs.list_runs(store.scope())] == [body["run_id"]]


def test_upload_detects_foreign_format(client: TestClient, keys: dict) -> None:
    path = FORMATS_DIR / "deepeval" / "test_run_sample.json"
    if not path.exists():
        import pytest

        pytest.skip(f"{path} is absent (shared format samples)")
    r = client.post(
        "/v1/runs",
        files={"file": ("latest.json", path.read_bytes())},
        headers=bearer(keys["admin"]),
    )
    assert r.status_code == 201, r.text
    assert r.json()["format"] == "deepeval" and "Faithfulness" in r.json()["judges"]


def test_upload_directory_as_zip(client: TestClient, keys: dict) -> None:
    folder = FORMATS_DIR / "helm" / "bbq_gpt-4o"
    if not folder.exists():
        import pytest

        pytest.skip(f"{folder} is absent (shared format samples)")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for f in folder.iterdir():
            zf.write(f, f"bbq_gpt-4o/{f.name}")
    r = client.post(
        "/v1/runs",
        files={"file": ("bbq_gpt-4o.zip", buf.getvalue())},
        headers=bearer(keys["admin"]),
    )
    assert r.status_code == 201, r.text
    assert r.json()["format"] == "helm" and r.json()["cases"] == 100


def test_bad_file_is_400_naming_row_and_changes_nothing(
    client: TestClient, keys: dict, store: Store
) -> None:
    bad = "case_id,output,score:acc\nc1,x,1\nc2,y,high\n"
    r = client.post(
        "/v1/runs", files={"file": ("bad.csv", bad.encode())}, headers=bearer(keys["admin"])
    )
    assert r.status_code == 400
    assert "row 2" in r.json()["error"]["message"] and "score:acc" in r.json()["error"]["message"]
    assert runs.list_runs(store.scope()) == []


def test_missing_file_field_unknown_field_and_wrong_content_type(
    client: TestClient, keys: dict
) -> None:
    h = bearer(keys["admin"])
    r = client.post("/v1/runs", data={"name": "x"}, files={"other": ("a", b"b")}, headers=h)
    assert r.status_code == 400 and r.json()["error"]["details"]["field"] in ("file", "other")
    r = client.post("/v1/runs", json={"name": "x"}, headers=h)
    assert r.status_code == 400 and r.json()["error"]["details"]["field"] == "file"
    r = client.post("/v1/runs", files={"file": ("e.csv", b"")}, headers=h)
    assert r.status_code == 400 and "empty" in r.json()["error"]["message"]
    r = client.post(
        "/v1/runs", files={"file": ("run.csv", SAMPLE_CSV.encode())}, data={"format": "nope"},
        headers=h,
    )  # fmt: skip
    assert r.status_code == 400 and "unknown format" in r.json()["error"]["message"]


def test_roles(client: TestClient, keys: dict) -> None:
    files = {"file": ("run.csv", SAMPLE_CSV.encode())}
    assert client.post("/v1/runs", files=files).status_code == 401
    assert client.post("/v1/runs", files=files, headers=bearer(keys["viewer"])).status_code == 403
    r = client.post("/v1/runs", files=files, headers=bearer(keys["annotator"]))
    assert r.status_code == 403


def test_upload_over_limit_is_413_and_changes_nothing(store: Store, keys: dict) -> None:
    with TestClient(create_api(store, max_upload_bytes=2000)) as small:
        big = SAMPLE_CSV + "".join(f"x{i},q,a,a,1,1,pass,1,t\n" for i in range(200))
        r = small.post(
            "/v1/runs", files={"file": ("big.csv", big.encode())}, headers=bearer(keys["admin"])
        )
        assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"
        ok = small.post(
            "/v1/runs",
            files={"file": ("run.csv", SAMPLE_CSV.encode())},
            headers=bearer(keys["admin"]),
        )
        assert ok.status_code == 201
    assert len(runs.list_runs(store.scope())) == 1


def test_chunked_upload_over_limit_is_413(store: Store, keys: dict) -> None:
    """A body sent without Content-Length is counted as it streams."""
    boundary = "b0undary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.csv"\r\n\r\n'
    ).encode()

    def body():  # noqa: ANN202  (a generator of chunks: no Content-Length)
        yield head
        for _ in range(10):
            yield b"x" * 1000
        yield f"\r\n--{boundary}--\r\n".encode()

    with TestClient(create_api(store, max_upload_bytes=2000)) as small:
        r = small.post(
            "/v1/runs",
            content=body(),
            headers={
                **bearer(keys["admin"]),
                "content-type": f"multipart/form-data; boundary={boundary}",
            },
        )
    assert r.status_code == 413


def test_labels_upload(client: TestClient, keys: dict, sample_run: str, store: Store) -> None:
    labels_csv = "case_id,annotator,label\nc1,ann,pass\nc2,ann,fail\nc2,bob,pass\n"
    r = client.post(
        f"/v1/runs/{sample_run}/labels",
        files={"file": ("labels.csv", labels_csv.encode())},
        headers=bearer(keys["admin"]),
    )
    assert r.status_code == 200, r.text
    assert r.json()["labels"] == 3
    bad = "case_id,annotator,label\nnope,ann,pass\n"
    r = client.post(
        f"/v1/runs/{sample_run}/labels",
        files={"file": ("labels.csv", bad.encode())},
        headers=bearer(keys["admin"]),
    )
    assert r.status_code == 400 and "nope" in r.json()["error"]["message"]
    r = client.post(
        "/v1/runs/00000000-0000-4000-8000-00000000dead/labels",
        files={"file": ("labels.csv", labels_csv.encode())},
        headers=bearer(keys["admin"]),
    )
    assert r.status_code == 404
    assert runs.get_run_summary(store.scope(), sample_run)["human_labels"]["annotations"] == 3


def test_openapi_documents_the_uploads(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    for path in ("/v1/runs", "/v1/runs/{run_id}/labels"):
        body = doc["paths"][path]["post"]["requestBody"]["content"]["multipart/form-data"]
        assert body["schema"]["properties"]["file"]["format"] == "binary"


def test_judge_reasoning_is_served_with_the_case(
    client: TestClient, keys: dict, tmp_path: Path
) -> None:
    csv = "case_id,output,label:judge,reason:judge\nc1,x,pass,because it is right\n"
    r = client.post(
        "/v1/runs", files={"file": ("r.csv", csv.encode())}, headers=bearer(keys["admin"])
    )
    run_id = r.json()["run_id"]
    cases = client.get(f"/v1/runs/{run_id}/cases", headers=bearer(keys["viewer"])).json()
    judge = cases["cases"][0]["scores"]["judge"]
    assert judge["label"] == "pass" and judge["judge_reasoning"] == "because it is right"


def test_broken_zip_is_400(client: TestClient, keys: dict) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("run/scenario_state.json", "{}" * 1000)
    data = bytearray(buf.getvalue())
    start = data.index(b"PK\x03\x04") + 40
    data[start : start + 20] = b"\x00" * 20  # corrupt the compressed member, keep the directory
    r = client.post(
        "/v1/runs", files={"file": ("run.zip", bytes(data))}, headers=bearer(keys["admin"])
    )
    assert r.status_code == 400, r.text
