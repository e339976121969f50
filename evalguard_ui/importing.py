"""The Runs page's importer: keep the upload on disk across reruns, show the detected format
and the mapping preview, then import. Decisions are made in evalguard_core.importers."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from evalguard_core import importers, uploads
from evalguard_core.config import settings
from evalguard_core.importers import ImportOutcome, ImportProgress
from evalguard_core.store import Scope
from evalguard_ui.widgets import run_safely

_KEY = "import_upload"


def staged_upload(upload: Any) -> Path:
    """The uploaded file saved once under its own name (a zipped folder unpacked); the same
    path on every rerun until another file is uploaded."""
    held = st.session_state.get(_KEY)
    if held and held["file_id"] == upload.file_id and Path(held["path"]).exists():
        return Path(held["path"])
    if held:
        shutil.rmtree(held["dir"], ignore_errors=True)
    folder = tempfile.mkdtemp(prefix="evalguard-ui-upload-")
    path = Path(folder) / uploads.safe_name(upload.name)
    path.write_bytes(upload.getvalue())
    path = uploads.unpack_if_folder(path, settings().max_upload_bytes * 20)
    st.session_state[_KEY] = {"file_id": upload.file_id, "path": str(path), "dir": folder}
    return path


def size_text(n_bytes: int) -> str:
    """'12.3 MB' / '830 KB' / '512 bytes' for a file size."""
    size = float(n_bytes)
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1000 or unit == "GB":
            return f"{size:,.0f} {unit}" if unit == "bytes" else f"{size:,.1f} {unit}"
        size /= 1000
    return f"{n_bytes:,} bytes"  # unreachable: GB is the last unit


def show_upload(upload: Any) -> None:
    """How much was uploaded (the uploader shows the transfer itself while it runs)."""
    st.caption(f"Uploaded {upload.name}: {size_text(upload.size)} ({upload.size:,} bytes).")


def progress_text(p: ImportProgress) -> str:
    """One line for where an import is: rows read, cases stored, runs done."""
    total = p.runs_total or p.runs_done
    runs = f"{p.runs_done} of {total} run{'s' if total != 1 else ''}"
    if p.stage == "read" and not p.runs_done:
        read = f"read {p.rows_read:,} rows" if p.rows_read else "file read"
        return f"{read.capitalize()}; storing…"
    return f"Read {p.rows_read:,} rows; stored {p.cases_stored:,} cases ({runs})"


def run_import(
    scope: Scope, path: Path, *, upload: Any, name: str | None, fmt: str | None
) -> ImportOutcome | None:
    """Import the staged upload with live progress (rows read, cases stored); None on error."""
    bar = st.progress(0.0, text=f"Reading {upload.name} ({size_text(upload.size)})…")

    def on_progress(p: ImportProgress) -> None:
        done = p.runs_done / p.runs_total if p.runs_total else 0.0
        # Reading is the first tenth; each stored run moves the rest.
        bar.progress(min(1.0, 0.1 + 0.9 * done), text=progress_text(p))

    with st.spinner(f"Importing {upload.name}…"):
        outcome = run_safely(
            lambda: importers.import_path(scope, path, name=name, fmt=fmt, progress=on_progress)
        )
    if outcome is None:
        bar.empty()
    return outcome


def forget_upload() -> None:
    """Drop the saved upload (after an import)."""
    held = st.session_state.pop(_KEY, None)
    if held:
        shutil.rmtree(held["dir"], ignore_errors=True)


def cached_preview(path: Path, fmt: str | None) -> dict[str, Any]:
    """The mapping preview of the staged upload, computed once per file and format."""
    key = (str(path), fmt)
    held = st.session_state.get("import_preview")
    if held and held[0] == key:
        return held[1]
    preview = importers.preview(path, fmt)
    st.session_state["import_preview"] = (key, preview)
    return preview


def show_preview(preview: dict[str, Any]) -> None:
    """The detected format and, per run, what will be created: counts, scorers, judges, columns."""
    st.markdown(f"**Detected format:** `{preview['format']}` ({preview['title']})")
    for run in preview["runs"]:
        judges = ", ".join(run["judges"]) or "none"
        st.markdown(
            f"Run **{run['name']}** ({run['kind']}) from `{run['file']}`: "
            f"{run['cases']:,} cases · scorers: {', '.join(run['scorers']) or 'none'} · "
            f"judges with reasoning: {judges}"
            + (f" · {run['human_labels']:,} human labels" if run["human_labels"] else "")
        )
        st.caption("Columns: " + ", ".join(f"`{c}`" for c in run["columns"]))
        if run["sample"]:
            st.dataframe(pd.DataFrame(run["sample"]).astype(str), hide_index=True, width="stretch")


def format_choices() -> list[str]:
    """'(detect)' then every format name."""
    return ["(detect)", *(f["name"] for f in importers.describe_formats())]


def show_reasoning(cases: list[dict[str, Any]]) -> None:
    """Each case's judge verdicts with the judge's reasoning (admins and viewers only)."""
    for case in cases:
        st.markdown(f"**{case['case_id']}**")
        for scorer, entry in case["scores"].items():
            if entry.get("judge_reasoning"):
                verdict = entry["label"] if entry["label"] is not None else entry["score"]
                st.markdown(f"`{scorer}` → **{verdict}**")
                st.text(entry["judge_reasoning"])  # as written: no markdown interpretation
