"""Streamlit-side helpers shared by app.py and the pages (session, sign-in, formatting).

Only widgets and session state live here; every decision is made in evalguard_core.
"""
