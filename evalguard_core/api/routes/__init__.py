"""API routers, one module per domain; `ROUTERS` is what the app mounts."""

from evalguard_core.api.routes import alignment, exports, runs
from evalguard_core.api.routes import annotations as annotations_routes
from evalguard_core.api.routes import bootstrap as bootstrap_routes
from evalguard_core.api.routes import jobs as jobs_routes
from evalguard_core.api.routes import lifecycle as lifecycle_routes
from evalguard_core.api.routes import queues as queues_routes
from evalguard_core.api.routes import rubrics as rubrics_routes
from evalguard_core.api.routes import tasks as tasks_routes

ROUTERS = [
    runs.router,
    exports.router,
    alignment.router,
    queues_routes.router,
    annotations_routes.router,
    bootstrap_routes.router,
    jobs_routes.router,
    tasks_routes.router,
    lifecycle_routes.router,
    rubrics_routes.router,
]
