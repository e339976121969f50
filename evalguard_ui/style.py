"""Page-wide style the theme cannot set: a keyboard focus ring that is always visible."""

from __future__ import annotations

import streamlit as st

# Streamlit's widgets hide the browser's outline on some elements (Base Web inputs and
# selects show only a faint border change); a keyboard user must always see where focus is.
# :focus-visible keeps the ring off mouse clicks.
FOCUS_CSS = """
<style>
:focus-visible,
button:focus-visible,
a:focus-visible,
[role="tab"]:focus-visible,
[role="checkbox"]:focus-visible,
[role="radio"]:focus-visible,
[role="slider"]:focus-visible,
summary:focus-visible {
  outline: 3px solid #0072B2 !important;
  outline-offset: 2px !important;
}
[data-baseweb="input"]:focus-within,
[data-baseweb="textarea"]:focus-within,
[data-baseweb="select"] > div:focus-within,
[data-testid="stFileUploaderDropzone"]:focus-within {
  outline: 3px solid #0072B2 !important;
  outline-offset: 1px !important;
}
</style>
"""


def inject() -> None:
    """Add the focus style to the page (a style-only st.html takes no space)."""
    st.html(FOCUS_CSS)
