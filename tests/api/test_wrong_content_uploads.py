"""Files whose content is not what their name says: refused (400) in EvalGuard's own words.

No reader's wording (DuckDB, pandas, pyarrow), no server temp path in the message or the
details, the store unchanged; the same words from the core import the CLI and UI use.
"""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from evalguard_core import importers, runs
from evalguard_core.errors import InputFileError
from evalguard_core.store import Store
from tests.conftest import bearer


def png_bytes() -> bytes:
    """A real 1x1 PNG image."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def xlsx_bytes() -> bytes:
    """A zip laid out like an Excel workbook."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook/>")
    return buf.getvalue()


# (upload name, content, words the message must hold)
WRONG = {
    "png_as_csv": ("results.csv", png_bytes(), "results.csv: this is a PNG image"),
    "png_as_parquet": ("results.parquet", png_bytes(), "results.parquet: this is a PNG image"),
    "png_as_json": ("results.json", png_bytes(), "results.json: this is a PNG image"),
    "pdf_as_jsonl": ("results.jsonl", b"%PDF-1.7\n%...", "results.jsonl: this is a PDF document"),
    "xlsx_as_csv": ("results.csv", xlsx_bytes(), "this is an Excel workbook (export the sheet"),
    "utf16_csv": (
        "results.csv",
        "case_id,input,output\n1,a,b\n".encode("utf-16"),
        "the file is UTF-16 text; save it as UTF-8",
    ),
    "json_not_a_run": (
        "notes.json",
        json.dumps({"hello": "world", "items": [1, 2]}).encode(),
        "cannot tell which tool wrote this JSON file: it is neither EvalGuard's own layout",
    ),
    "json_array_not_a_run": (
        "numbers.json",
        b"[1, 2, 3]",
        "cannot tell which tool wrote this JSON file",
    ),
    "broken_parquet": ("run.parquet", b"PAR1 cut short", "not a readable Parquet file (no Parquet"),
    "broken_jsonl": (
        "run.jsonl",
        b'{"case_id": "a", "output": "x"}\n{"case_id": "b", oops}\n',
        "run.jsonl: line 2 is not valid JSON",
    ),
}
ENGINE_WORDS = ("Invalid Input Error", "DuckDB", "magic bytes", "codec", "Traceback", "/tmp/")


def _no_engine_words(text: str) -> None:
    for words in ENGINE_WORDS:
        assert words not in text, text


@pytest.mark.parametrize("case", sorted(WRONG))
def test_api_refuses_wrong_content_in_product_words(
    client: TestClient, keys: dict, store: Store, case: str
) -> None:
    name, content, expected = WRONG[case]
    r = client.post("/v1/runs", files={"file": (name, content)}, headers=bearer(keys["admin"]))
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "invalid_file"
    assert expected in error["message"], error["message"]
    _no_engine_words(r.text)  # message and details
    assert runs.list_runs(store.scope()) == []


@pytest.mark.parametrize("case", sorted(WRONG))
def test_core_import_and_preview_say_the_same(scope, tmp_path: Path, case: str) -> None:
    name, content, expected = WRONG[case]
    path = tmp_path / name
    path.write_bytes(content)
    for action in (lambda: importers.preview(path), lambda: importers.import_path(scope, path)):
        with pytest.raises(InputFileError) as info:
            action()
        assert expected in info.value.message
        _no_engine_words(info.value.message.replace(str(tmp_path), "<tmp>"))
    assert runs.list_runs(scope) == []


def test_labels_upload_names_the_file_without_the_temp_folder(
    client: TestClient, keys: dict, store: Store, sample_run: str
) -> None:
    r = client.post(
        f"/v1/runs/{sample_run}/labels",
        files={"file": ("labels.csv", b"case_id,annotator\nc1,ann\n")},
        headers=bearer(keys["admin"]),
    )
    assert r.status_code == 400, r.text
    assert "labels.csv" in r.json()["error"]["message"]
    assert "evalguard-upload-" not in r.text and "/tmp/" not in r.text
