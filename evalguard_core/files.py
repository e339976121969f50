"""Checks on an input file before DuckDB reads it: format, existence, emptiness, encoding."""

from __future__ import annotations

import codecs
import csv
import json
import re
import zipfile
from pathlib import Path

from evalguard_core.errors import InputFileError

FORMATS = ("csv", "jsonl", "parquet")
_EXTENSIONS = {
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}
_CHUNK = 1 << 20
# What a file that is not eval results at all starts with, named in the product's words.
_SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"%PDF-", "a PDF document"),
    (b"\x1f\x8b", "a gzip-compressed file (unpack it first)"),
    (b"BZh", "a bzip2-compressed file (unpack it first)"),
    (b"\xfd7zXZ\x00", "an xz-compressed file (unpack it first)"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Microsoft Office file (e.g. .xls)"),
    (b"\x7fELF", "a program (an ELF binary)"),
)
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_OFFICE_ZIPS = (
    ("xl/", "an Excel workbook (export the sheet as CSV)"),
    ("word/", "a Word document"),
    ("ppt/", "a PowerPoint presentation"),
)
_EXPECTED = {"csv": "a CSV file", "jsonl": "a JSONL file", "parquet": "a Parquet file"}


def detect_format(path: Path, fmt: str | None = None) -> str:
    """The file's format: the explicit one if given, else from the extension."""
    if fmt:
        fmt = fmt.lower()
        if fmt not in FORMATS:
            raise InputFileError(
                f"{path.name}: unknown format {fmt!r}; use one of {', '.join(FORMATS)}",
                details={"field": "format", "file": str(path)},
            )
        return fmt
    found = _EXTENSIONS.get(path.suffix.lower())
    if not found:
        raise InputFileError(
            f"{path.name}: cannot tell the format from the extension {path.suffix or '(none)'!r}; "
            f"name the file .csv, .jsonl or .parquet, or pass --format",
            details={"field": "format", "file": str(path)},
        )
    return found


def check_readable(path: Path, fmt: str) -> None:
    """Fail early, naming the file, when it is missing, empty, not eval results at all (an
    image, an archive ...) or (for text) not UTF-8."""
    if not path.exists():
        raise InputFileError(f"{path}: no such file", details={"file": str(path)})
    if not path.is_file():
        raise InputFileError(f"{path}: not a file", details={"file": str(path)})
    if path.stat().st_size == 0:
        raise InputFileError(f"{path.name}: the file is empty", details={"file": str(path)})
    check_content(path, _EXPECTED.get(fmt, "an eval-results file"))
    if fmt in ("csv", "jsonl"):
        if _head(path).startswith(b"PAR1"):
            raise InputFileError(
                f"{path.name}: this is a Parquet file, not {_EXPECTED[fmt]}; name it .parquet",
                details={"file": path.name, "field": "file"},
            )
        _check_utf8(path)


def _head(path: Path, size: int = 16) -> bytes:
    """The first bytes of a file."""
    with path.open("rb") as fh:
        return fh.read(size)


def foreign_kind(path: Path) -> str | None:
    """What a file is when it is plainly not eval results (e.g. 'a PNG image'), else None."""
    if not path.is_file():
        return None
    head = _head(path)
    for magic, kind in _SIGNATURES:
        if head.startswith(magic):
            return kind
    if head.startswith(b"PK\x03\x04") and zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as zf:
                names = zf.namelist()
        except (zipfile.BadZipFile, OSError):
            return "a broken zip archive"
        for prefix, kind in _OFFICE_ZIPS:
            if any(n.startswith(prefix) for n in names):
                return kind
    return None


def check_content(path: Path, expected: str = "an eval-results file") -> None:
    """Refuse a file that is plainly something else (an image, a PDF, a spreadsheet ...),
    saying what it is rather than how a reader failed on it."""
    if not path.is_file():
        return
    if _head(path, 2) in _UTF16_BOMS:
        raise InputFileError(
            f"{path.name}: the file is UTF-16 text; save it as UTF-8 and import it again",
            details={"file": path.name, "field": "file"},
        )
    kind = foreign_kind(path)
    if kind:
        raise InputFileError(
            f"{path.name}: this is {kind}, not {expected}; EvalGuard imports eval results as "
            "CSV, JSONL or Parquet, or the files of a supported eval tool",
            details={"file": path.name, "field": "file"},
        )


# Reader messages start with the engine's error class ("Invalid Input Error: ...").
_ENGINE_PREFIX = re.compile(r"^(?:[A-Z][A-Za-z]*\s)*(?:Error|Exception):\s*")


def unreadable(path: Path, fmt: str, exc: BaseException) -> InputFileError:
    """The error for a file a reader (DuckDB, pandas, pyarrow) could not read, in EvalGuard's
    words: the line at fault where we can find it, never the engine's wording or a path."""
    where = None
    if fmt == "csv":
        where = csv_quote_problem(path, csv_delimiter(path))
    elif fmt == "jsonl":
        where = jsonl_problem(path)
    if where:
        return InputFileError(f"{path.name}: {where}", details={"file": path.name, "format": fmt})
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    if fmt == "parquet" and "magic" in first.lower():
        reason = "no Parquet footer: the file is cut short or not Parquet at all"
    else:
        reason = _ENGINE_PREFIX.sub("", first).rstrip(" .")
        for text in (str(path), str(path.resolve())):
            reason = reason.replace(text, path.name)
        reason = re.sub(r"(/[^\s'\"]+)+/", "", reason)  # any other directory path
    label = {"csv": "CSV", "jsonl": "JSONL", "parquet": "Parquet"}.get(fmt, fmt)
    return InputFileError(
        f"{path.name}: not a readable {label} file" + (f" ({reason})" if reason else ""),
        details={"file": path.name, "format": fmt},
    )


def jsonl_problem(path: Path, max_lines: int = 1_000_000) -> str | None:
    """The first line of a JSON Lines file (or the document of a JSON array file) that is not
    a JSON object, as 'line N: ...'; None when every line read is one."""
    with path.open("r", encoding="utf-8-sig", errors="replace") as fh:
        start = fh.read(1)
        rest = fh.read() if start == "[" else None
        if rest is not None:
            try:
                data = json.loads(start + rest)
            except json.JSONDecodeError as exc:
                return f"line {exc.lineno} is not valid JSON ({exc.msg})"
            bad = next((i for i, r in enumerate(data) if not isinstance(r, dict)), None)
            return None if bad is None else f"item {bad + 1} of the array is not a JSON object"
        fh.seek(0)
        for number, line in enumerate(fh, start=1):
            if number > max_lines:
                return None
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                return f"line {number} is not valid JSON ({exc.msg})"
            if not isinstance(record, dict):
                return f"line {number} is not a JSON object (one case per line)"
    return None


def _check_utf8(path: Path) -> None:
    """Stream the file through a UTF-8 decoder and name the line of the first bad byte."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    offset = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                bad_at = exc.start
                line += chunk.count(b"\n", 0, max(bad_at, 0))
                raise InputFileError(
                    f"{path.name}: line {line} is not valid UTF-8 (byte offset {offset + bad_at}); "
                    "save the file as UTF-8 and import it again",
                    details={"file": str(path), "line": line},
                ) from None
            line += chunk.count(b"\n")
            offset += len(chunk)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            raise InputFileError(
                f"{path.name}: the file ends in the middle of a UTF-8 character",
                details={"file": str(path), "line": line},
            ) from None


CSV_DELIMITERS = (",", ";", "\t", "|")


def csv_delimiter(path: Path) -> str:
    """The delimiter of a CSV file: whichever of , ; tab | its header line holds most of.

    Chosen here rather than by DuckDB's sniffer, which, given a stray quote, settles on a
    dialect without quoting and silently splits a quoted field at its commas.
    """
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        header = fh.readline()
    counts = {d: header.count(d) for d in CSV_DELIMITERS}
    best = max(CSV_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def csv_quote_problem(path: Path, delimiter: str) -> str | None:
    """Where a CSV breaks RFC 4180 quoting (e.g. a quote never closed), as 'line N: ...'."""
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter, quotechar='"', doublequote=True, strict=True)
        start = 1
        try:
            for _ in reader:
                start = reader.line_num + 1
        except csv.Error as exc:
            if "end of data" in str(exc) or "EOF" in str(exc):
                return f"line {start}: a quoted field is never closed"
            return f"line {reader.line_num}: {exc}"
    return None
