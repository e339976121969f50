"""Inspect AI logs: `.eval` (a zip of header.json and samples/<id>_epoch_<n>.json) and `.json`.

Read with the standard library rather than `inspect_ai.log.read_eval_log`: the reader pulls in
the whole Inspect AI runtime (see docs/adr/0011-importers.md); the sample layout is stable JSON.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from evalguard_core.importers.base import (
    Format,
    RunTable,
    Sniff,
    as_dict,
    chat_text,
    fail,
    load_json,
    loads,
    message_text,
    number,
    scorer_name,
    text,
)

NAME = "inspect"
_LETTERS = {"C": "C", "I": "I", "P": "P", "N": "N"}
_ATTACHMENT = "attachment://"


def sniff(s: Sniff) -> bool:
    """A zip holding header.json / samples/, or a JSON log with eval + samples."""
    if s.suffix == ".eval" or s.head.startswith("PK"):
        return "header.json" in s.names or any(n.startswith("samples/") for n in s.names)
    return s.head.lstrip().startswith("{") and s.has_keys("eval", "plan") and '"task"' in s.head


def _resolve(value: Any, attachments: dict[str, Any]) -> Any:
    """Replace an `attachment://<hash>` reference by the attached text."""
    if isinstance(value, str) and value.startswith(_ATTACHMENT):
        return attachments.get(value[len(_ATTACHMENT) :], value)
    if isinstance(value, list):
        return [_resolve(v, attachments) for v in value]
    if isinstance(value, dict):
        return {k: _resolve(v, attachments) for k, v in value.items()}
    return value


def _row(sample: dict[str, Any], path: Path, record: str) -> dict[str, Any]:
    """One sample as a case row."""
    attachments = sample.get("attachments") or {}
    sid, epoch = sample.get("id"), sample.get("epoch", 1)
    if sid is None:
        raise fail(NAME, path, record, "sample has no 'id'")
    output = sample.get("output") or {}
    choices = output.get("choices") if isinstance(output, dict) else None
    completion = None
    if choices:
        completion = message_text(
            _resolve((choices[0].get("message") or {}).get("content"), attachments)
        )
    if completion is None and isinstance(output, dict):
        completion = output.get("completion")
    target = sample.get("target")
    if isinstance(target, list):
        target = "\n".join(map(str, target))
    row: dict[str, Any] = {
        "case_id": f"{sid}:epoch{epoch}",
        "input": chat_text(_resolve(sample.get("input"), attachments)),
        "output": completion,
        "expected": text(target),
        "latency_ms": (number(sample.get("total_time")) or 0) * 1000
        if sample.get("total_time") is not None
        else None,
        "sample_id": text(sid),
        "epoch": text(epoch),
    }
    if sample.get("metadata"):
        row["sample_metadata"] = text(sample["metadata"])
    if sample.get("error"):
        row["error"] = text(sample["error"])
    for name, score in (sample.get("scores") or {}).items():
        if not isinstance(score, dict):
            raise fail(NAME, path, record, f"score {name!r} is not an object")
        scorer = scorer_name(name)
        value = score.get("value")
        if isinstance(value, str) and value.strip().upper() in _LETTERS:
            row[f"label:{scorer}"] = _LETTERS[value.strip().upper()]
        elif isinstance(value, dict):
            for sub, v in value.items():
                _put_value(row, f"{scorer}/{sub}", v)
        else:
            _put_value(row, scorer, value)
        if score.get("explanation"):
            row[f"reason:{scorer}"] = text(score["explanation"])
        if score.get("answer") is not None:
            row[f"answer:{scorer}"] = text(score["answer"])
    return row


def _put_value(row: dict[str, Any], scorer: str, value: Any) -> None:
    """A numeric value is a score, a letter a label, other text a label."""
    if isinstance(value, str) and value.strip().upper() in _LETTERS:
        row[f"label:{scorer}"] = value.strip().upper()
    elif number(value) is not None:
        row[f"score:{scorer}"] = number(value)
    elif value is not None:
        row[f"label:{scorer}"] = text(value)


def load(path: Path) -> list[RunTable]:
    """Read an Inspect AI log (zip or JSON) into one run."""
    with path.open("rb") as fh:
        is_zip = fh.read(2) == b"PK"
    samples: Any
    if is_zip or path.suffix.lower() == ".eval":
        header, samples = _read_zip(path)
    else:
        doc = as_dict(load_json(path, NAME), NAME, path, "log")
        header, samples = doc, doc.get("samples")
        if samples is None:
            raise fail(
                NAME, path, None, "the log has no 'samples' (was it written with --no-log-samples?)"
            )
    rows = []
    for i, sample in enumerate(samples or [], 1):
        rows.append(
            _row(as_dict(sample, NAME, path, f"samples[{i - 1}]"), path, f"samples[{i - 1}]")
        )
    if not rows:
        raise fail(NAME, path, None, "the log holds no samples")
    ev = header.get("eval") or {}
    name = " ".join(str(x) for x in (ev.get("task"), ev.get("model")) if x) or path.stem
    judges = sorted({k.split(":", 1)[1] for r in rows for k in r if k.startswith("reason:")})
    return [RunTable(name=name, rows=rows, judges=judges)]


def _read_zip(path: Path) -> tuple[dict[str, Any], Any]:
    """header.json and every samples/*.json of a .eval zip, in (id, epoch) file order."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = zf.namelist()
            header = loads(zf.read("header.json")) if "header.json" in names else {}
            if not header and "_journal/start.json" in names:
                header = loads(zf.read("_journal/start.json"))
            samples = []
            for n in sorted(x for x in names if x.startswith("samples/") and x.endswith(".json")):
                try:
                    samples.append(loads(zf.read(n)))
                except ValueError as exc:
                    raise fail(NAME, path, n, f"invalid JSON ({exc})") from None
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise fail(NAME, path, None, f"not a readable .eval zip ({exc})") from None
    except ValueError as exc:
        raise fail(NAME, path, "header.json", f"invalid JSON ({exc})") from None
    return header, samples


FORMAT = Format(
    name=NAME,
    title="Inspect AI log",
    files=".eval (zip), .json",
    maps="case_id = id:epoch; input, output (choices[0]), target -> expected; total_time -> "
    "latency_ms; numeric scores.<scorer>.value -> score, C/I/P/N -> label; explanation -> reason",
    sniff=sniff,
    load=load,
)
