"""EvalGuard core: the product behind the Streamlit UI, the REST API and the CLI.

Nothing in this package imports streamlit; only `evalguard_core.api` imports fastapi and only
`evalguard_core.db` and `evalguard_core.store` import duckdb or hold SQL.
"""

__version__ = "0.1.0"
