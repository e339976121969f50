"""One process for UI and API: Streamlit's st.App with the FastAPI app mounted under /api.

DuckDB lets one process hold the file read-write, so the UI and the API share this process and
its store (docs/adr/0001-one-process-st-app.md). Start it with `make run` or `evalguard serve`.
"""

from __future__ import annotations

import os

import streamlit as st
from starlette.routing import Mount

from evalguard_core.api import create_api
from evalguard_core.serving import open_server_store

store = open_server_store()
api = create_api(store)

app = st.App("app.py", routes=[Mount("/api", app=api)])

if __name__ == "__main__":
    app.run(
        config={
            "server.port": int(os.environ.get("EVALGUARD_PORT", "8501")),
            "server.address": os.environ.get("EVALGUARD_HOST", "127.0.0.1"),
            "server.headless": True,
            "browser.gatherUsageStats": False,
        }
    )
