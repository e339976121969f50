"""Checks on an input file before DuckDB reads it: format, existence, emptiness, encoding."""

from __future__ import annotations

import codecs
import csv
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
    """Fail early, naming the file, when it is missing, empty or (for text) not UTF-8."""
    if not path.exists():
        raise InputFileError(f"{path}: no such file", details={"file": str(path)})
    if not path.is_file():
        raise InputFileError(f"{path}: not a file", details={"file": str(path)})
    if path.stat().st_size == 0:
        raise InputFileError(f"{path.name}: the file is empty", details={"file": str(path)})
    if fmt in ("csv", "jsonl"):
        _check_utf8(path)


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
