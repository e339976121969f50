"""Typed rows the store returns for the claim path and organizations (decoded, never cursors)."""

from __future__ import annotations

from datetime import datetime
from typing import TypedDict


class RaterClaim(TypedDict):
    """One of a rater's claims in a queue (its lease, or an item it released or let expire)."""

    item_id: int
    claim_id: str
    status: str
    lease_expires_at: datetime
    claimed_at: datetime


class LastClaim(TypedDict):
    """A rater's most recent claim on an item."""

    claim_id: str
    status: str
    lease_expires_at: datetime
    shown_order: str | None


class ExpiredClaim(TypedDict):
    """A lease that ran out and was just marked expired."""

    claim_id: str
    annotator: str
    lease_expires_at: datetime


class LiveClaim(TypedDict):
    """A live lease of a queue with its item."""

    claim_id: str
    item_id: int
    target_id: str
    trace_id: int
    annotator: str
    claimed_at: datetime
    lease_expires_at: datetime


class Organization(TypedDict):
    """An organization as listed."""

    org_id: str
    name: str
    is_default: bool
