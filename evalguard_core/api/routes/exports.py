"""Download exports as CSV, JSONL or Parquet."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from evalguard_core import exports
from evalguard_core.api.deps import ERROR_RESPONSES, ScopeDep, Viewer

router = APIRouter(prefix="/v1/exports", tags=["exports"], responses=ERROR_RESPONSES)


@router.get(
    "/{kind}",
    summary="Download an export",
    response_class=Response,
    responses={
        200: {"content": {m: {} for m in exports.MEDIA_TYPES.values()}, "description": "The file"}
    },
)
def download(
    kind: Literal["annotations", "queue_items", "paired"],
    scope: ScopeDep,
    actor: Viewer,
    format: Annotated[Literal["csv", "jsonl", "parquet"], Query()] = "csv",
    run_id: str | None = None,
    queue_id: str | None = None,
    judge: str | None = None,
) -> Response:
    """Annotations with rater identity, queue items with strata and inclusion probabilities,
    or judge-vs-human pairs. Annotators label blind: their own labels only, no strata, no
    pairs (403)."""
    table = exports.export_table(
        scope, kind, run_id=run_id, queue_id=queue_id, judge=judge, actor=actor
    )
    return Response(
        exports.to_bytes(table, format),
        media_type=exports.MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{kind}.{format}"'},
    )
