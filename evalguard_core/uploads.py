"""Files that arrive over the API: a safe name on disk, and a zipped directory unpacked."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from evalguard_core import files
from evalguard_core.errors import EvalGuardError, InputFileError

_SAFE = re.compile(r"[^A-Za-z0-9._@+=,-]+")


def safe_name(filename: str | None, default: str = "upload") -> str:
    """The base name of an uploaded file, stripped of directories and odd characters."""
    base = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _SAFE.sub("_", base).strip("._")
    return cleaned[:200] or default


def unpack_if_folder(path: Path, max_bytes: int) -> Path:
    """A zip that holds a run directory (HELM, MT-Bench ...) unpacked beside it; else `path`.

    An Inspect AI `.eval` log is a zip too and is left as it is. The unpacked size is capped
    (zip bombs) and member names are confined to the target folder."""
    if path.suffix.lower() == ".eval" or not zipfile.is_zipfile(path):
        return path
    files.check_content(path)  # an Excel workbook or Word document is a zip too
    try:
        return _unpack(path, max_bytes)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise InputFileError(
            f"{path.name}: a broken zip archive ({exc})",
            details={"file": path.name, "field": "file"},
        ) from None


def _unpack(path: Path, max_bytes: int) -> Path:
    """Unpack a zip beside itself (checked: size and member names); the folder to import."""
    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        if "header.json" in names or any(n.startswith("samples/") for n in names):
            return path  # an Inspect AI log uploaded under another name
        total = sum(info.file_size for info in zf.infolist())
        if total > max_bytes:
            raise InputFileError(
                f"{path.name}: unpacks to {total} bytes, over the {max_bytes}-byte limit",
                details={"file": path.name, "field": "file"},
            )
        target = path.with_suffix("")
        target.mkdir()
        root = target.resolve()
        for info in zf.infolist():
            dest = (target / info.filename).resolve()
            if not dest.is_relative_to(root):
                raise InputFileError(
                    f"{path.name}: member {info.filename!r} points outside the archive",
                    details={"file": path.name, "field": "file"},
                )
        zf.extractall(target)
    entries = [p for p in target.iterdir() if not p.name.startswith("__MACOSX")]
    # A zip of one folder: import that folder.
    return entries[0] if len(entries) == 1 and entries[0].is_dir() else target


@contextmanager
def named_as_uploaded(folder: Path) -> Iterator[None]:
    """Errors raised while importing an upload held in `folder` name its files as the client
    sent them: the server's temporary folder never reaches the client (message or details)."""
    try:
        yield
    except EvalGuardError as exc:
        prefixes = sorted({f"{folder}/", f"{Path(folder).resolve()}/"}, key=len, reverse=True)
        exc.message = _without(exc.message, prefixes)
        exc.details = _without(exc.details, prefixes)
        raise


def _without(value: Any, prefixes: list[str]) -> Any:
    """`value` with every string in it stripped of the folder prefixes (dicts, lists too)."""
    if isinstance(value, str):
        for prefix in prefixes:
            value = value.replace(prefix, "")
        return value
    if isinstance(value, dict):
        return {k: _without(v, prefixes) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_without(v, prefixes) for v in value)
    return value
