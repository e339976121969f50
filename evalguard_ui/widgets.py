"""Small reusable widgets."""

from __future__ import annotations

import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from evalguard_core.errors import EvalGuardError

# `![alt](url)` and `![alt][ref]` make the browser fetch the URL when rendered.
_IMAGE = re.compile(r"!(?=\[)")


def inert(text: str | None) -> str:
    """Markdown from users (cases, queue names, instructions, comments) that fetches nothing.

    Image syntax becomes literal text, so a tracking pixel in a case never loads (the
    server's Content-Security-Policy blocks other origins as a second line).
    """
    return _IMAGE.sub("\\!", text or "")


def with_uploaded_file(upload: Any, action: Callable[[Path], Any]) -> Any:
    """Save an uploaded file under its own name in a temp dir and run `action` on the path."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / Path(upload.name).name
        path.write_bytes(upload.getvalue())
        return action(path)


def run_safely(action: Callable[[], Any]) -> Any:
    """Run a core call and show its error as a message instead of a traceback."""
    try:
        return action()
    except EvalGuardError as exc:
        st.error(exc.message)
        return None


def run_label(run: dict[str, Any]) -> str:
    """How a run is named in select boxes."""
    return f"{run['name']} · {run['cases']:,} cases · {run['run_id'][:8]}"
