"""API routers, one module per domain; `ROUTERS` is what the app mounts."""

from evalguard_core.api.routes import bootstrap as bootstrap_routes
from evalguard_core.api.routes import exports, runs
from evalguard_core.api.routes import jobs as jobs_routes

ROUTERS = [runs.router, exports.router, bootstrap_routes.router, jobs_routes.router]
