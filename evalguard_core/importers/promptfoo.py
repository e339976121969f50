"""promptfoo output: `promptfoo eval -o results.json` (also `.jsonl`, one result per line, and
`.csv`).

One run per provider + prompt. Each assertion is a scorer named after its type (and metric,
when set): its score, pass/fail as a label, its reason kept; an `llm-rubric` (or any model-graded
assertion) is a judge. `assertion.type: "human"` results are human ratings, imported as labels.

The CSV (`-o results.csv`) is promptfoo's results table, read as promptfoo writes it in
`src/util/eval/evalTableUtils.ts` (`buildCsvHeaders` / `tableRowToCsvValues`, used by
`streamEvalCsv` for the CLI export) at promptfoo/promptfoo commit
9e9ba3815df42ac6708254650d5647d9731ed612: an optional `Description` column, one column per var,
then per prompt a group `[<provider>] <prompt label>` (the output text), `Status`
(PASS/FAIL/ERROR), `Score`, `Named Scores` (JSON), `Metric: <name>`..., `Grader Reason`,
`Comment`; red-team evals add trailing metadata columns. Older promptfoo (`writeOutput` in
`src/util/index.ts`, commit b1f05b8b231649dbdef5bf61bd9380cd7143284f) wrote one cell per prompt,
`[PASS] (score, name: value)\n\n<output>\n\nPass Reason: <reason>`; that layout is read too.
The CSV has no rendered prompt, latency or per-assertion results: the vars are the input, the
status is `label:promptfoo`, the grader reason its judge reasoning, case_id the data-row index
(0-based, promptfoo's testIdx order).
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
from pathlib import Path
from typing import Any

from evalguard_core.importers.base import (
    SNIFF_BYTES,
    Format,
    RunTable,
    Sniff,
    as_dict,
    fail,
    iter_jsonl,
    load_json,
    number,
    scorer_name,
    text,
)

NAME = "promptfoo"
_FAILURE = {0: "pass", 1: "fail", 2: "error"}
_JUDGE_TYPES = (
    "llm-rubric",
    "model-graded",
    "g-eval",
    "factuality",
    "answer-relevance",
    "context-faithfulness",
    "context-recall",
    "context-relevance",
    "select-best",
    "closed-qa",
)


def sniff(s: Sniff) -> bool:
    """promptfoo's export (evalId + results), one result per JSONL line, or its results CSV."""
    if s.has_keys("evalId", "results") and ('"promptIdx"' in s.head or '"prompts"' in s.head):
        return True
    first = s.first_json()
    if isinstance(first, dict):
        return "promptIdx" in first and "testIdx" in first
    return _csv_layout(s.head) is not None


def _results(path: Path) -> tuple[str, list[Any]]:
    """The eval id and the list of result records."""
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return path.stem, [obj for _, obj in iter_jsonl(path, NAME)]
    doc = as_dict(load_json(path, NAME), NAME, path, "document")
    results = doc.get("results")
    if isinstance(results, dict):
        results = results.get("results")
    if not isinstance(results, list):
        raise fail(NAME, path, None, "no 'results.results' list")
    return str(doc.get("evalId") or path.stem), results


def _assertion_scorer(comp: dict[str, Any], seen: dict[str, int]) -> tuple[str, str]:
    """The scorer name of an assertion result (type, or metric when named) and its type."""
    assertion = comp.get("assertion") or {}
    kind = str(assertion.get("type") or "assertion")
    base = scorer_name(assertion.get("metric") or kind)
    seen[base] = seen.get(base, 0) + 1
    return (base if seen[base] == 1 else f"{base}#{seen[base]}"), kind


def load(path: Path) -> list[RunTable]:
    """Read promptfoo results (JSON, JSONL or CSV): one run per provider/prompt."""
    if path.suffix.lower() not in (".json", ".jsonl", ".ndjson"):
        with path.open("rb") as fh:
            head = fh.read(SNIFF_BYTES).decode("utf-8", errors="replace").lstrip("\ufeff")
        if not head.lstrip().startswith(("{", "[")):
            return _load_csv(path)
    eval_id, results = _results(path)
    runs: dict[tuple[str, int], RunTable] = {}
    for i, raw in enumerate(results):
        rec = as_dict(raw, NAME, path, f"results[{i}]")
        provider = rec.get("provider")
        provider_id = (
            str(provider.get("label") or provider.get("id"))
            if isinstance(provider, dict)
            else str(provider or "provider")
        )
        prompt_idx = rec.get("promptIdx", 0)
        test_idx = rec.get("testIdx", i)
        if not isinstance(prompt_idx, int) or not isinstance(test_idx, int):
            raise fail(NAME, path, f"results[{i}]", "promptIdx and testIdx must be integers")
        key = (provider_id, prompt_idx)
        run = runs.get(key)
        if run is None:
            run = runs[key] = RunTable(name=f"{eval_id} {provider_id} prompt {prompt_idx}", rows=[])
        prompt = rec.get("prompt") or {}
        response = rec.get("response") or {}
        test_case = rec.get("testCase") or {}
        case_id = str(test_idx)
        row: dict[str, Any] = {
            "case_id": case_id,
            "input": text(prompt.get("raw") if isinstance(prompt, dict) else prompt),
            "output": text(response.get("output") if isinstance(response, dict) else None),
            "expected": _expected(test_case),
            "latency_ms": number(rec.get("latencyMs")),
            "provider": provider_id,
            "prompt_label": text(prompt.get("label")) if isinstance(prompt, dict) else None,
            "vars": text(rec.get("vars") or test_case.get("vars")),
            "cost": number(rec.get("cost")),
            "error": text(rec.get("error")),
        }
        if rec.get("score") is not None:
            row["score:promptfoo"] = number(rec.get("score"))
        reason_code = rec.get("failureReason")
        verdict = _FAILURE.get(reason_code) if isinstance(reason_code, int) else None
        if verdict is None and isinstance(rec.get("success"), bool):
            verdict = "pass" if rec["success"] else "fail"
        if verdict:
            row["label:promptfoo"] = verdict
        grading = rec.get("gradingResult") or {}
        seen: dict[str, int] = {}
        for comp in grading.get("componentResults") or []:
            if not isinstance(comp, dict):
                continue
            scorer, kind = _assertion_scorer(comp, seen)
            if kind == "human":
                run.labels.append(
                    {
                        "case_id": case_id,
                        "annotator": str(
                            (comp.get("assertion") or {}).get("value") or "promptfoo-human"
                        ),
                        "label": "pass" if comp.get("pass") else "fail",
                        "score": number(comp.get("score")),
                        "comment": text(comp.get("reason")),
                    }
                )
                continue
            row[f"score:{scorer}"] = number(comp.get("score"))
            if isinstance(comp.get("pass"), bool):
                row[f"label:{scorer}"] = "pass" if comp["pass"] else "fail"
            if comp.get("reason") and (kind in _JUDGE_TYPES or kind.startswith("model-")):
                row[f"reason:{scorer}"] = text(comp["reason"])
                if scorer not in run.judges:
                    run.judges.append(scorer)
        for name, value in (rec.get("namedScores") or {}).items():
            row.setdefault(f"score:{scorer_name(name)}", number(value))
        run.rows.append(row)
    if not runs:
        raise fail(NAME, path, None, "the file holds no results")
    return list(runs.values())


def _expected(test_case: dict[str, Any]) -> str | None:
    """The expected answer: the value of the first equals/contains-style assertion."""
    for a in test_case.get("assert") or []:
        if isinstance(a, dict) and a.get("type") in ("equals", "contains", "icontains", "similar"):
            return text(a.get("value"))
    return None


# -- CSV ---------------------------------------------------------------------------------------
_STATUS = {"PASS": "pass", "FAIL": "fail", "ERROR": "error"}
_PROMPT_HEADER = re.compile(r"\[(?P<provider>[^\]]*)\] (?P<label>.*)", re.S)
_LEGACY_CELL = re.compile(
    r"\[(?P<status>PASS|FAIL)\] \((?P<scores>[^)\n]*)\)(?:\n\n(?P<rest>.*))?", re.S
)
_LEGACY_REASON = re.compile(r"(?:^|\n\n)(?:Pass|Fail) Reason: ")


class _Group:
    """One prompt's columns in promptfoo's CSV: where they are and what they hold."""

    def __init__(
        self, index: int, header: str, output: int, metrics: dict[str, int], legacy: bool = False
    ) -> None:
        match = _PROMPT_HEADER.fullmatch(header)
        self.index = index
        self.provider = match["provider"] if match else ""
        self.label = match["label"] if match else header
        self.output = output
        self.metrics = metrics  # `Metric: <name>` -> column
        self.legacy = legacy

    @property
    def last(self) -> int:
        """The group's last column (`Comment`; the one cell in the legacy layout)."""
        return self.output if self.legacy else self.output + 5 + len(self.metrics)


def _header_row(head: str) -> list[str]:
    """The CSV header parsed as CSV (prompt labels may hold commas, quotes and newlines)."""
    try:
        return next(csv.reader(io.StringIO(head)), [])
    except csv.Error:
        return []


def _current_groups(header: list[str]) -> list[_Group]:
    """Prompt groups of the current layout: output, Status, Score, Named Scores, Metric: *,
    Grader Reason, Comment."""
    groups: list[_Group] = []
    i = 1
    while i + 2 < len(header):
        if header[i : i + 3] != ["Status", "Score", "Named Scores"]:
            i += 1
            continue
        j = i + 3
        metrics: dict[str, int] = {}
        while j < len(header) and header[j].startswith("Metric: "):
            metrics[header[j][len("Metric: ") :]] = j
            j += 1
        if header[j : j + 2] != ["Grader Reason", "Comment"]:
            return []
        groups.append(_Group(len(groups), header[i - 1], i - 1, metrics))
        i = j + 2
    # groups are contiguous: nothing but the next group between one Comment and the next output
    for a, b in zip(groups, groups[1:], strict=False):
        if b.output != a.last + 1:
            return []
    return groups


def _csv_layout(head: str) -> tuple[list[str], list[_Group], bool] | None:
    """(header, prompt groups, legacy?) when the head is promptfoo's results CSV, else None."""
    if not head.strip() or head.lstrip().startswith(("{", "[")):
        return None
    header = _header_row(head)
    if not header or "case_id" in header:
        return None  # EvalGuard's own layout
    groups = _current_groups(header)
    if groups:
        return header, groups, False
    # Legacy: vars, then only `[provider] label` columns whose cells start `[PASS] (` / `[FAIL] (`.
    first = next((i for i, h in enumerate(header) if _PROMPT_HEADER.fullmatch(h)), None)
    if first is None or not all(_PROMPT_HEADER.fullmatch(h) for h in header[first:]):
        return None
    if "[PASS] (" not in head and "[FAIL] (" not in head:
        return None
    return header, [_Group(k, h, first + k, {}, True) for k, h in enumerate(header[first:])], True


def _legacy_cell(cell: str) -> tuple[str, float | None, dict[str, float | None], str, str | None]:
    """(status, score, named scores, output, grader reason) of an old-layout cell; ValueError
    when the cell is not one."""
    match = _LEGACY_CELL.fullmatch(cell)
    if match is None:
        raise ValueError("does not start with '[PASS] (score)' or '[FAIL] (score)'")
    parts = [p.strip() for p in match["scores"].split(", ")]
    named: dict[str, float | None] = {}
    for part in parts[1:]:
        name, sep, value = part.rpartition(": ")
        if not sep:
            raise ValueError(f"named score {part!r} is not 'name: value'")
        named[name] = number(value)
    rest = match["rest"] or ""
    reason: str | None = None
    found = list(_LEGACY_REASON.finditer(rest))
    if found:
        reason = rest[found[-1].end() :]
        rest = rest[: found[-1].start()]
    return match["status"], number(parts[0]), named, rest, reason


def _load_csv(path: Path) -> list[RunTable]:
    """Read promptfoo's results CSV: one run per prompt group, one case per data row."""
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    try:
        with path.open("r", encoding="utf-8-sig", newline="") as fh:
            head = fh.read(SNIFF_BYTES)
            layout = _csv_layout(head)
            if layout is None:
                raise fail(
                    NAME,
                    path,
                    None,
                    "the CSV header is not promptfoo's results table (vars, then per prompt "
                    "'[provider] label', Status, Score, Named Scores, Grader Reason, Comment)",
                )
            header, groups, legacy = layout
            fh.seek(0)
            reader = csv.reader(fh, strict=True)
            next(reader)
            records = [(n, reader.line_num, row) for n, row in enumerate(reader, 1) if row]
    except UnicodeDecodeError as exc:
        raise fail(NAME, path, None, f"not UTF-8 text ({exc.reason})") from None
    except csv.Error as exc:
        raise fail(NAME, path, None, f"broken CSV: {exc}") from None
    first = groups[0].output
    described = first > 0 and header[0] == "Description"
    var_names = header[1 if described else 0 : first]
    extra = header[groups[-1].last + 1 :]  # red-team metadata columns
    runs = [
        RunTable(name=f"{path.stem} {g.provider or 'provider'} prompt {g.index}", rows=[])
        for g in groups
    ]
    for case_index, (n, line, cells) in enumerate(records):
        where = f"row {n} (line {line})"
        if len(cells) != len(header):
            raise fail(
                NAME, path, where, f"has {len(cells)} cells, the header has {len(header)} columns"
            )
        values = {name: cells[(1 if described else 0) + k] for k, name in enumerate(var_names)}
        shared: dict[str, Any] = {
            "case_id": str(case_index),
            "input": _vars_input(values),
            "vars": json.dumps(values, ensure_ascii=False) if values else None,
            "description": (cells[0] or None) if described else None,
        }
        for k, name in enumerate(extra):
            shared[name] = cells[groups[-1].last + 1 + k] or None
        for group, run in zip(groups, runs, strict=True):
            try:
                row = _legacy_row(cells, group) if legacy else _current_row(cells, group)
            except ValueError as exc:
                raise fail(
                    NAME, path, where, f"prompt column {header[group.output]!r}: {exc}"
                ) from None
            if row is None:
                continue  # this prompt has no result for this test
            row.update(shared)
            row["provider"] = group.provider or None
            row["prompt_label"] = group.label
            run.rows.append(row)
    runs = [r for r in runs if r.rows]
    if not runs:
        raise fail(NAME, path, None, "the file holds no results")
    return runs


def _vars_input(values: dict[str, str]) -> str | None:
    """The case input: the one var's value, or every var as a JSON object."""
    if not values:
        return None
    if len(values) == 1:
        return next(iter(values.values()))
    return json.dumps(values, ensure_ascii=False)


def _current_row(cells: list[str], g: _Group) -> dict[str, Any] | None:
    """One prompt's result in the current layout (None when the prompt has none)."""
    span = cells[g.output : g.last + 1]
    if not any(span):
        return None
    status = cells[g.output + 1]
    if status not in _STATUS:
        raise ValueError(f"Status {status!r} is not PASS, FAIL or ERROR")
    row: dict[str, Any] = {"output": cells[g.output], "label:promptfoo": _STATUS[status]}
    row["score:promptfoo"] = _score(cells[g.output + 2], "Score")
    for name, column in g.metrics.items():
        row[f"score:{scorer_name(name)}"] = _score(cells[column], f"Metric: {name}")
    raw_named = cells[g.output + 3].strip()
    if raw_named:
        try:
            named = json.loads(raw_named)
        except ValueError:
            named = None
        if not isinstance(named, dict):
            raise ValueError(f"Named Scores {raw_named[:80]!r} is not a JSON object")
        for name, value in named.items():
            row.setdefault(f"score:{scorer_name(name)}", number(value))
    reason_at = g.output + 4 + len(g.metrics)
    if cells[reason_at]:
        row["reason:promptfoo"] = cells[reason_at]
    row["comment"] = cells[reason_at + 1] or None
    return row


def _legacy_row(cells: list[str], g: _Group) -> dict[str, Any] | None:
    """One prompt's result in the old one-cell layout (None when the cell is empty)."""
    cell = cells[g.output]
    if not cell:
        return None
    status, score, named, output, reason = _legacy_cell(cell)
    row: dict[str, Any] = {
        "output": output,
        "label:promptfoo": _STATUS[status],
        "score:promptfoo": score,
    }
    for name, value in named.items():
        row.setdefault(f"score:{scorer_name(name)}", value)
    if reason:
        row["reason:promptfoo"] = reason
    return row


def _score(cell: str, column: str) -> float | None:
    """A score cell: blank is missing; anything else must be a number."""
    if not cell.strip():
        return None
    value = number(cell)
    if value is None:
        raise ValueError(f"{column} {cell!r} is not a number")
    return value


FORMAT = Format(
    name=NAME,
    title="promptfoo output",
    files="results.json (-o), .jsonl, .csv",
    maps="one run per provider/prompt; case_id = testIdx; prompt.raw -> input; response.output -> "
    "output; latencyMs, cost; each assertion -> score + pass/fail label (llm-rubric = judge, "
    "reason kept); failureReason -> label:promptfoo; type 'human' -> human labels; CSV: one run "
    "per '[provider] label' column, case_id = row index, vars -> input, Status -> "
    "label:promptfoo, Score -> score:promptfoo, Named Scores / Metric: <m> -> score:<m>, "
    "Grader Reason -> judge reasoning, Comment -> metadata",
    sniff=sniff,
    load=load,
)
