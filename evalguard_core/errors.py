"""One exception tree for the whole product; the API, CLI and UI map it to their own surfaces."""

from __future__ import annotations

from typing import Any, TypeVar

_T = TypeVar("_T")


class EvalGuardError(Exception):
    """Base of every error EvalGuard raises on purpose."""

    code = "error"
    http_status = 400

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details

    def to_dict(self) -> dict[str, Any]:
        """The error as the JSON body every surface uses."""
        return {"error": {"code": self.code, "message": self.message, "details": self.details}}


class ValidationError(EvalGuardError):
    """Input that breaks a rule; `details` names the field (and row) at fault."""

    code = "invalid_input"
    http_status = 400


class InputFileError(ValidationError):
    """An import file that cannot be accepted; nothing was written."""

    code = "invalid_file"


class NotFoundError(EvalGuardError):
    """The id does not exist in the caller's organization."""

    code = "not_found"
    http_status = 404


class ConflictError(EvalGuardError):
    """The request is valid but the state does not allow it (e.g. nothing left to claim)."""

    code = "conflict"
    http_status = 409


class AuthenticationError(EvalGuardError):
    """Missing or invalid API key."""

    code = "unauthorized"
    http_status = 401


class PermissionDeniedError(EvalGuardError):
    """The caller's role is too low for the action."""

    code = "forbidden"
    http_status = 403


class RateLimitedError(EvalGuardError):
    """Too many requests for one key."""

    code = "rate_limited"
    http_status = 429

    def __init__(self, message: str, *, retry_after: float, details: Any = None) -> None:
        super().__init__(message, details=details)
        self.retry_after = retry_after


class StoreError(EvalGuardError):
    """The database file cannot be used (locked by another process, too new, corrupt)."""

    code = "store_unavailable"
    http_status = 503


class TransactionConflict(ConflictError):
    """Two transactions touched the same rows (or a declared uniqueness); callers retry."""

    code = "conflict"


class ConstraintViolation(TransactionConflict):
    """A write broke a declared uniqueness (e.g. a live key name); a retry may succeed or not."""


def expect_row(row: _T | None, what: str) -> _T:
    """`row`, which the caller just wrote or read in the same transaction; a StoreError if gone."""
    if row is None:
        raise StoreError(f"{what} is missing from the store")
    return row
