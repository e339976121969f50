"""The labelling widget: shows one claimed item (never the judge's verdict) and its controls."""

from __future__ import annotations

from typing import Any

import streamlit as st

SHORTCUT_KEYS = [str(i) for i in range(1, 10)]


def show_item(item: dict[str, Any]) -> None:
    """Input, output (or A | B side by side) and expected, clearly separated."""
    st.markdown("**Input**")
    st.text(item.get("input") or "")
    if item.get("target_type") == "pairwise":
        a, b = st.columns(2)
        with a:
            st.markdown("**Output A**")
            st.text(item.get("output_a") or "")
        with b:
            st.markdown("**Output B**")
            st.text(item.get("output_b") or "")
    else:
        st.markdown("**Output**")
        st.text(item.get("output") or "")
    if item.get("expected"):
        st.markdown("**Expected**")
        st.text(item["expected"])
    if item.get("metadata"):
        with st.expander("Metadata"):
            st.json(item["metadata"])


def label_buttons(options: list[str]) -> str | None:
    """One button per label with shortcuts 1–9; returns the label clicked, if any."""
    cols = st.columns(len(options))
    picked = None
    for i, (col, option) in enumerate(zip(cols, options, strict=True)):
        key = SHORTCUT_KEYS[i] if i < len(SHORTCUT_KEYS) else None
        if col.button(f"{option}", key=f"label_{option}", shortcut=key, use_container_width=True):
            picked = option
    return picked
