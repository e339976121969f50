"""Pydantic v2 request and response models, one module per domain.

Input models forbid unknown fields (`extra="forbid"`): a client can never set a field the
server owns (annotator, timestamps, ids), see docs/adr/0004-mass-assignment.md.
"""

from pydantic import BaseModel, ConfigDict


class InputModel(BaseModel):
    """Base of every request body: unknown fields are an error."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class OutputModel(BaseModel):
    """Base of every response body."""

    model_config = ConfigDict(extra="allow")


class ErrorDetail(BaseModel):
    """The body of every error response."""

    code: str
    message: str
    details: object | None = None


class ErrorResponse(BaseModel):
    """`{"error": {...}}`, the one error shape of the API."""

    error: ErrorDetail
