"""The REST API: a thin FastAPI shim over evalguard_core (the only package importing fastapi)."""

from evalguard_core.api.app import create_api

__all__ = ["create_api"]
