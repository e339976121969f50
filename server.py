"""One process for UI and API: Streamlit's st.App with the FastAPI app mounted under /api.

DuckDB lets one process hold the file read-write, so the UI and the API share this process and
its store (docs/adr/0001-one-process-st-app.md). Start it with `make run` or `evalguard serve`.
"""

from __future__ import annotations

import streamlit as st
from starlette.routing import Mount

from evalguard_core.api import create_api
from evalguard_core.config import settings
from evalguard_core.serving import open_server_store

store = open_server_store()
api = create_api(store)

app = st.App("app.py", routes=[Mount("/api", app=api)])

if __name__ == "__main__":
    app.run(
        config={
            "server.port": settings().port,
            "server.address": settings().host,
            "server.headless": True,
            "browser.gatherUsageStats": False,
        }
    )
