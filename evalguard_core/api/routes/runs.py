"""Routes for runs and their cases: list, show, cases, and imports over the API."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncGenerator
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from evalguard_core import importers, labels, runs, uploads
from evalguard_core.api.deps import ERROR_RESPONSES, MAX_OFFSET, Admin, ScopeDep, Viewer
from evalguard_core.config import settings
from evalguard_core.errors import EvalGuardError, ValidationError
from evalguard_core.models.runs import CasePage, RunDetail, RunList
from evalguard_core.runs import CaseFilter

router = APIRouter(prefix="/v1/runs", tags=["runs"], responses=ERROR_RESPONSES)


@router.get("", response_model=RunList, summary="List runs")
def list_runs(scope: ScopeDep, _: Viewer) -> dict:
    """Runs of the caller's organization with case counts and scorers."""
    return {"runs": runs.list_runs(scope)}


@router.get("/{run_id}", response_model=RunDetail, summary="Show one run")
def get_run(run_id: str, scope: ScopeDep, actor: Viewer) -> dict:
    """A run with scorer summaries, label distributions, latency and human-label counts
    (annotators, who label blind, get scorer names only)."""
    return runs.get_run_summary(scope, run_id, blind=actor.blind)


@router.get("/{run_id}/cases", response_model=CasePage, summary="List a run's cases")
def list_cases(
    run_id: str,
    scope: ScopeDep,
    actor: Viewer,
    limit: Annotated[int, Query(ge=1, le=1000)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
    scorer: str | None = None,
    score_min: float | None = None,
    score_max: float | None = None,
    label_scorer: Annotated[
        str | None, Query(description="scorer whose label to filter on")
    ] = None,
    label: str | None = None,
    q: Annotated[str | None, Query(description="text search in case id, input, output")] = None,
) -> dict:
    """A page of cases, filtered by score range, judge label or text, paged in DuckDB.
    Annotators label blind: no scores in the cases and no score or label filters (403)."""
    f = CaseFilter(
        scorer=scorer,
        score_min=score_min,
        score_max=score_max,
        label_scorer=label_scorer,
        label=label,
        search=q,
    )
    return runs.list_cases(scope, run_id, f, limit=limit, offset=offset, blind=actor.blind)


_CHUNK = 1 << 20


class PayloadTooLarge(EvalGuardError):
    """An upload over EVALGUARD_MAX_UPLOAD_BYTES."""

    code = "payload_too_large"
    http_status = 413


def _multipart_doc(extra: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI request body of a multipart upload (parsed by hand to stream it to disk)."""
    return {
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["file"],
                        "properties": {
                            "file": {"type": "string", "format": "binary"},
                            **extra,
                        },
                    }
                }
            },
        }
    }


_FORMAT_FIELD = {
    "type": "string",
    "description": "force a format (see `evalguard formats`); default: detected from content",
}


def upload_limit(request: Request) -> int:
    """The upload size limit of this API (create_api's max_upload_bytes, or the setting)."""
    return int(getattr(request.app.state, "max_upload_bytes", 0) or settings().max_upload_bytes)


async def _receive_upload(request: Request, folder: Path) -> tuple[Path, dict[str, str]]:
    """Stream the multipart body to disk (413 past the limit); the file's path and the fields."""
    limit = upload_limit(request)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise PayloadTooLarge(f"upload over {limit} bytes", details={"field": "file"})
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        raise ValidationError(
            "send the file as multipart/form-data in a field named 'file'",
            details={"field": "file"},
        )

    async def limited() -> AsyncGenerator[bytes, None]:
        received = 0
        async for chunk in request.stream():
            received += len(chunk)
            if received > limit:
                raise PayloadTooLarge(f"upload over {limit} bytes", details={"field": "file"})
            yield chunk

    parser = MultiPartParser(request.headers, limited(), max_files=1, max_fields=10)
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise ValidationError(
            f"malformed multipart body: {exc.message}", details={"field": "file"}
        ) from None
    try:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise ValidationError(
                "the multipart field 'file' is missing", details={"field": "file"}
            )
        unknown = sorted(set(form.keys()) - {"file", "name", "format"})
        if unknown:
            raise ValidationError(
                f"{unknown[0]}: unknown field (not allowed)", details={"field": unknown[0]}
            )
        fields = {k: str(v) for k, v in form.items() if k != "file" and isinstance(v, str)}
        target = folder / uploads.safe_name(upload.filename)
        with target.open("wb") as out:
            while chunk := await upload.read(_CHUNK):
                out.write(chunk)
    finally:
        await form.close()
    if target.stat().st_size == 0:
        raise ValidationError(f"{target.name}: the file is empty", details={"field": "file"})
    return target, fields


@router.post(
    "",
    status_code=201,
    summary="Import an eval-result file as new run(s)",
    openapi_extra=_multipart_doc(
        {"name": {"type": "string", "description": "run name"}, "format": _FORMAT_FIELD}
    ),
)
async def import_run(request: Request, scope: ScopeDep, _: Admin) -> dict:
    """Any format `evalguard formats` lists (a run directory as a .zip); detected from content
    unless `format` is given. Same validation and all-or-nothing rule as the CLI."""
    with (
        tempfile.TemporaryDirectory(prefix="evalguard-upload-") as tmp,
        uploads.named_as_uploaded(Path(tmp)),
    ):
        path, fields = await _receive_upload(request, Path(tmp))
        path = uploads.unpack_if_folder(path, upload_limit(request) * 20)
        outcome = await run_in_threadpool(
            importers.import_path,
            scope,
            path,
            name=fields.get("name") or None,
            fmt=fields.get("format") or None,
        )
    return outcome.to_dict()


@router.post(
    "/{run_id}/labels",
    summary="Import human labels made elsewhere",
    openapi_extra=_multipart_doc(
        {"format": {"type": "string", "enum": ["csv", "jsonl", "parquet"]}}
    ),
)
async def import_labels(run_id: str, request: Request, scope: ScopeDep, _: Admin) -> dict:
    """A labels file (case_id, annotator, label and/or score, comment); unknown cases import
    nothing."""
    runs.require_run(scope, run_id)
    with (
        tempfile.TemporaryDirectory(prefix="evalguard-upload-") as tmp,
        uploads.named_as_uploaded(Path(tmp)),
    ):
        path, fields = await _receive_upload(request, Path(tmp))
        return await run_in_threadpool(
            labels.import_labels, scope, path, run_id=run_id, fmt=fields.get("format") or None
        )
