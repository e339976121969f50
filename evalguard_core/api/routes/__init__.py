"""API routers, one module per domain; `ROUTERS` is what the app mounts."""

from evalguard_core.api.routes import exports, runs

ROUTERS = [runs.router, exports.router]
