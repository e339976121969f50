"""Comma-separated lists as people type them in flags, query strings and text boxes."""

from __future__ import annotations


def split_list(text: str | None) -> list[str] | None:
    """'pass, fail,,' -> ['pass', 'fail']; None, blank or only commas -> None (not given)."""
    parts = [part.strip() for part in (text or "").split(",") if part.strip()]
    return parts or None
