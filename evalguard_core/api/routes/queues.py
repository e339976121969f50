"""Routes for annotation queues: settings, bulk add, claim/release/heartbeat, claims, events."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from evalguard_core import claims, events, queues
from evalguard_core.api.deps import ERROR_RESPONSES, MAX_OFFSET, Admin, Annotator, ScopeDep, Viewer
from evalguard_core.models import ErrorResponse
from evalguard_core.models.queues import (
    ClaimList,
    ClaimRequest,
    ClaimResponse,
    EventPage,
    HeartbeatRequest,
    HeartbeatResponse,
    ItemsAdd,
    ItemsAdded,
    LeaseRequest,
    QueueCreate,
    QueueList,
    QueuePublic,
    QueueUpdate,
    ReleaseResponse,
)

CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {"model": ErrorResponse, "description": "Nothing available / state does not allow it"}
}

router = APIRouter(prefix="/v1/annotations", tags=["queues"], responses=ERROR_RESPONSES)


@router.post(
    "/queues",
    status_code=201,
    response_model=QueuePublic,
    summary="Create a queue (admin)",
)
def create_queue(body: QueueCreate, scope: ScopeDep, actor: Admin) -> dict:
    """Create a queue; label options default to pass/fail (pairwise: A/B/tie)."""
    return queues.create_queue(scope, created_by=actor.name, **body.model_dump())


@router.get("/queues", response_model=QueueList, summary="List queues with progress")
def list_queues(scope: ScopeDep, _: Viewer) -> dict:
    """Queues of the caller's organization with progress and per-rater counts."""
    return {"queues": queues.list_queues(scope)}


@router.post(
    "/queues/items",
    response_model=ItemsAdded,
    summary="Add targets to a queue (admin)",
)
def add_items(body: ItemsAdd, scope: ScopeDep, actor: Admin) -> dict:
    """Bulk add up to 10,000 targets in one transaction; re-adding one counts as duplicate."""
    return queues.add_items(scope, str(body.queue_id), body.target_ids, actor=actor.name)


@router.get("/queues/{queue_id}", response_model=QueuePublic, summary="Show a queue")
def get_queue(queue_id: str, scope: ScopeDep, _: Viewer) -> dict:
    """One queue with progress and per-rater counts."""
    return queues.get_queue(scope, queue_id)


@router.patch(
    "/queues/{queue_id}",
    response_model=QueuePublic,
    summary="Change a queue's settings (admin)",
)
def update_queue(queue_id: str, body: QueueUpdate, scope: ScopeDep, actor: Admin) -> dict:
    """Change the settings sent in the body (the target type cannot change)."""
    return queues.update_queue(
        scope, queue_id, body.model_dump(exclude_unset=True), actor=actor.name
    )


@router.post(
    "/queue",
    response_model=ClaimResponse,
    responses=CONFLICT,
    summary="Claim the next item",
)
def claim_next(body: ClaimRequest, scope: ScopeDep, actor: Annotator) -> dict:
    """Lease the next item you may label (your held one if any); 409 when none is left."""
    return claims.claim_next(scope, str(body.queue_id), actor.name)


@router.post(
    "/queue/release",
    response_model=ReleaseResponse,
    responses=CONFLICT,
    summary="Release (skip) a claimed item",
)
def release(body: LeaseRequest, scope: ScopeDep, actor: Annotator) -> dict:
    """Give back your lease; an admin may release another rater's lease by naming it."""
    whose = body.annotator or actor.name
    if whose != actor.name:
        actor.require("admin")
    return claims.release(scope, str(body.queue_id), body.item_id, whose, actor=actor.name)


@router.post(
    "/queue/heartbeat",
    response_model=HeartbeatResponse,
    responses=CONFLICT,
    summary="Extend your lease on an item",
)
def heartbeat(body: HeartbeatRequest, scope: ScopeDep, actor: Annotator) -> dict:
    """Move your lease's expiry to now plus the queue's lease time."""
    return claims.heartbeat(scope, str(body.queue_id), body.item_id, actor.name)


@router.get(
    "/queues/{queue_id}/claims",
    response_model=ClaimList,
    summary="Live claims of a queue (admin)",
)
def list_claims(queue_id: str, scope: ScopeDep, _: Admin) -> dict:
    """Live leases with their expiry (run-out ones are marked expired first)."""
    return claims.list_claims(scope, queue_id)


@router.get(
    "/queues/{queue_id}/events",
    response_model=EventPage,
    summary="Event log of a queue (admin)",
)
def list_events(
    queue_id: str,
    scope: ScopeDep,
    _: Admin,
    kind: Annotated[str | None, Query(description="e.g. claim, release, expire, annotate")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> dict:
    """Claims, releases, expiries, heartbeats and labels of a queue, newest first."""
    return events.list_events(scope, queue_id=queue_id, kind=kind, limit=limit, offset=offset)
