"""Validation limits shared by the pydantic request models and the core (one number, one place).

The API rejects an out-of-range value with a 400 before the core sees it; the core checks the
same bounds for the CLI and the UI, which do not go through the models.
"""

from __future__ import annotations

NAME_MAX_CHARS = 200
INSTRUCTIONS_MAX_CHARS = 20_000
COMMENT_MAX_CHARS = 10_000
LABEL_MAX_CHARS = 200
QUEUE_LABEL_OPTIONS_MAX = 50

ANNOTATIONS_PER_ITEM_MIN = 1
ANNOTATIONS_PER_ITEM_MAX = 100
ANNOTATIONS_PER_ITEM_DEFAULT = 1

LEASE_SECONDS_MIN = 10
LEASE_SECONDS_MAX = 7 * 24 * 3600
LEASE_SECONDS_DEFAULT = 900

# Trace ids are 64-bit integers: a larger number cannot name a case (and must not reach SQL).
MAX_TRACE_ID = 2**63 - 1

TARGETS_PER_CALL_MAX = 10_000
TASK_ITEMS_MAX = 10_000
TASK_LABEL_OPTIONS_MAX = 20
