"""Pydantic v2 request and response models, one module per domain.

Input models forbid unknown fields (`extra="forbid"`): a client can never set a field the
server owns (annotator, timestamps, ids), see docs/adr/0004-mass-assignment.md.
"""

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# Request numbers are strict: JSON `true` or `"3"` is not a number, and NaN, Infinity and
# overflowing literals (1e309 parses as inf) are refused, each a 400 naming the field.
Number = Annotated[float, Field(strict=True, allow_inf_nan=False)]
Count = Annotated[int, Field(strict=True)]


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
