"""The core suite runs on both backends."""

from __future__ import annotations

import pytest

from tests.conftest import BACKENDS


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    """duckdb, then postgresql."""
    return str(request.param)
