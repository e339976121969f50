"""What every importer shares: the normalised table it produces, errors, and safe readers.

An importer turns a foreign file into one or more `RunTable`s whose rows use EvalGuard's own
run-file columns (`case_id`, `input`, `output`/`output_a`/`output_b`, `expected`, `latency_ms`,
`score:<s>`, `label:<s>`, `reason:<s>`, anything else = metadata). They are then imported by the
same validation and all-or-nothing write as a native file (`evalguard_core.runs.import_run`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from evalguard_core.errors import InputFileError

SNIFF_BYTES = 1 << 16


@dataclass
class RunTable:
    """One run an importer found: its rows (EvalGuard columns) and optional human labels."""

    name: str
    rows: list[dict[str, Any]]
    labels: list[dict[str, Any]] = field(default_factory=list)
    judges: list[str] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """single or pairwise (a pairwise row carries output_a and output_b)."""
        return "pairwise" if self.rows and "output_a" in self.rows[0] else "single"


@dataclass
class Sniff:
    """What detection looks at: the name, the first bytes, and for directories the listing."""

    path: Path
    head: str
    names: frozenset[str]

    @property
    def suffix(self) -> str:
        """The lower-case extension ('' for a directory)."""
        return self.path.suffix.lower()

    def first_json(self) -> Any:
        """The first JSON line of the head, parsed (None when it is not JSON)."""
        line = self.head.lstrip().split("\n", 1)[0]
        try:
            return json.loads(line)
        except ValueError:
            return None

    def has_keys(self, *keys: str) -> bool:
        """Whether every `"key":` occurs in the head."""
        return all(f'"{k}"' in self.head for k in keys)

    def csv_header(self) -> list[str]:
        """The first line split on commas (for CSV detection only)."""
        first = self.head.lstrip("\ufeff").split("\n", 1)[0].strip()
        return [c.strip().strip('"') for c in first.split(",")]


@dataclass(frozen=True)
class Format:
    """One foreign format: how to recognise it, what it maps, and how to read it."""

    name: str
    title: str
    files: str
    maps: str
    sniff: Callable[[Sniff], bool]
    load: Callable[[Path], list[RunTable]]
    directory: bool = False


def loads(raw: bytes | str) -> Any:
    """Parse JSON fast (orjson); files with bare NaN/Infinity (lm-eval) go through the stdlib,
    which reads them. orjson is ~3x faster on the 100k-record files of the import benchmark."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(raw)


def dumps(value: Any) -> str:
    """JSON text of a nested value (UTF-8, no escaping of non-ASCII)."""
    try:
        return orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(value, ensure_ascii=False, default=str)


def fail(fmt: str, path: Path, record: str | int | None, problem: str) -> InputFileError:
    """The one error an importer raises: names the format, the file and the record."""
    where = f" record {record}:" if record is not None else ""
    return InputFileError(
        f"{path.name}: {fmt}:{where} {problem}; nothing was imported",
        details={"file": str(path), "format": fmt, "record": record},
    )


def load_json(path: Path, fmt: str) -> Any:
    """A whole JSON document (bare NaN/Infinity allowed), or an error naming line and column."""
    try:
        with path.open("rb") as fh:
            return loads(fh.read())
    except UnicodeDecodeError as exc:
        raise fail(fmt, path, None, f"not UTF-8 text ({exc.reason})") from None
    except json.JSONDecodeError as exc:
        raise fail(
            fmt, path, None, f"invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}"
        ) from None


def iter_jsonl(path: Path, fmt: str) -> Iterator[tuple[int, Any]]:
    """(line number, object) for every non-blank line; a broken line names its number."""
    with path.open("rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                yield lineno, loads(raw)
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise fail(fmt, path, f"on line {lineno}", f"invalid JSON ({exc})") from None


def as_dict(value: Any, fmt: str, path: Path, record: str | int) -> dict[str, Any]:
    """The record as an object, or a clear error."""
    if not isinstance(value, dict):
        raise fail(fmt, path, record, f"expected a JSON object, found {type(value).__name__}")
    return value


def text(value: Any) -> str | None:
    """A cell as text: strings as they are, other values as JSON, None stays None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return dumps(value)


def number(value: Any) -> float | None:
    """A score as a float; booleans are 1/0; NaN, infinities, blanks and non-numbers are None."""
    kind = type(value)
    if kind is float:
        return value if math.isfinite(value) else None  # type: ignore[no-any-return]
    if kind is int:
        return float(value)
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return out if math.isfinite(out) else None


def ms(seconds: Any) -> float | None:
    """A duration in seconds as milliseconds (None when it is not a number)."""
    value = number(seconds)
    return value * 1000 if value is not None else None


def scorer_name(name: str) -> str:
    """A scorer name safe for a `score:<name>` column: trimmed, never empty."""
    return str(name).strip() or "score"


def message_text(content: Any) -> str | None:
    """Text of a chat message content (a string or a list of content parts)."""
    if content is None or isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if isinstance(part, dict):
                value = part.get("text") or part.get("content") or part.get("refusal")
                if isinstance(value, str):
                    parts.append(value)
            elif isinstance(part, str):
                parts.append(part)
        return "\n".join(parts) if parts else text(content)
    return text(content)


def chat_text(messages: Any) -> str | None:
    """A prompt given as a string or a list of chat messages, as text."""
    if isinstance(messages, list) and messages and all(isinstance(m, dict) for m in messages):
        if len(messages) == 1:
            return message_text(messages[0].get("content"))
        return "\n\n".join(
            f"{m.get('role', 'user')}: {message_text(m.get('content')) or ''}" for m in messages
        )
    return message_text(messages)
