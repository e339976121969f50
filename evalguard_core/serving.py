"""Process start-up for the one-process server: open the shared store, seed the demo once."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from evalguard_core.config import settings
from evalguard_core.jobs import fail_interrupted_jobs
from evalguard_core.store import Store, get_store

log = logging.getLogger("evalguard")


def db_path() -> Path:
    """The store file the server uses ($EVALGUARD_DB or data/evalguard.duckdb)."""
    return Path(settings().db)


def startup_tasks(store: Store) -> None:
    """Work every process start does on an opened store (e.g. fail interrupted jobs)."""
    for task in STARTUP_TASKS:
        task(store)


# Filled by domain modules that need start-up work; each takes the store.
STARTUP_TASKS: list = [fail_interrupted_jobs]


_started: set[int] = set()
_start_lock = threading.Lock()


def open_server_store(path: Path | None = None, *, seed_demo: bool | None = None) -> Store:
    """The process-wide store; a new file gets the synthetic demo run unless disabled.

    Pages call this on every rerun, so seeding and start-up work happen once per store object.
    """
    path = Path(path or db_path())
    with _start_lock:
        is_new = not path.exists()
        store = get_store(path)
        if id(store) in _started:
            return store
        _started.add(id(store))
        if seed_demo is None:
            seed_demo = settings().demo
        if is_new and seed_demo:
            from evalguard_core import demo

            info = demo.seed_demo(store.scope(), path.parent / "demo")
            log.info("seeded the synthetic demo run %s (%s cases)", info["run_id"], info["cases"])
        startup_tasks(store)
    return store
