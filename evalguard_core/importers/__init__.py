"""Importers for the eval-result files other tools write, and format detection.

`detect(path)` looks at the content (not only the extension); `load(path, fmt)` turns a file or
directory into `RunTable`s in EvalGuard's own columns; `import_path` writes them through the one
import pipeline (`evalguard_core.runs.import_run`), every run of a file in one transaction.
"""

from __future__ import annotations

import json
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from evalguard_core import files, labels, runs
from evalguard_core.errors import InputFileError
from evalguard_core.importers import (
    alpacaeval,
    deepeval,
    every_eval_ever,
    helm,
    inspect_ai,
    lm_eval,
    mlflow,
    mtbench,
    native,
    openai_evals,
    promptfoo,
    ragas,
    traces,
)
from evalguard_core.importers.base import SNIFF_BYTES, Format, RunTable, Sniff
from evalguard_core.importers.table import write_labels, write_run
from evalguard_core.store import Scope

__all__ = [
    "FORMATS",
    "ImportOutcome",
    "ImportProgress",
    "RunTable",
    "describe_formats",
    "detect",
    "import_path",
    "load",
    "preview",
]

# Most specific first: detection takes the first format whose sniff matches.
FORMATS: tuple[Format, ...] = (
    helm.FORMAT,
    mtbench.FORMAT,
    inspect_ai.FORMAT,
    promptfoo.FORMAT,
    deepeval.FORMAT,
    mlflow.FORMAT,
    alpacaeval.FORMAT,
    lm_eval.FORMAT,
    every_eval_ever.FORMAT,
    openai_evals.FORMAT,
    *traces.FORMATS,
    ragas.FORMAT,
    *native.FORMATS,
)
_BY_NAME = {f.name: f for f in FORMATS}


def describe_formats() -> list[dict[str, Any]]:
    """Every format with its files and what it maps (for `evalguard formats` and the UI)."""
    return [{"name": f.name, "title": f.title, "files": f.files, "maps": f.maps} for f in FORMATS]


def format_named(name: str) -> Format:
    """The format called `name` (as listed by `evalguard formats`), or a clear error."""
    key = name.strip().lower()
    if key in _BY_NAME:
        return _BY_NAME[key]
    raise InputFileError(
        f"unknown format {name!r}; use one of {', '.join(_BY_NAME)}",
        details={"field": "format"},
    )


def _sniff(path: Path) -> Sniff:
    """The first bytes (as text) of a file, or the listing of a directory or zip."""
    if path.is_dir():
        return Sniff(path=path, head="", names=frozenset(p.name for p in path.iterdir()))
    with path.open("rb") as fh:
        raw = fh.read(SNIFF_BYTES)
    names: frozenset[str] = frozenset()
    if raw.startswith(b"PK") and zipfile.is_zipfile(path):
        try:
            with zipfile.ZipFile(path) as zf:
                names = frozenset(zf.namelist())
        except zipfile.BadZipFile:
            pass
    head = raw.decode("utf-8", errors="replace").lstrip("\ufeff")
    if raw.startswith(b"PK") or raw.startswith(b"PAR1"):
        head = raw[:4].decode("latin-1")
    return Sniff(path=path, head=head, names=names)


def detect(path: str | Path) -> Format:
    """The format of a file or directory, judged from its content; a clear error if unknown."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: no such file or directory", details={"file": str(path)})
    if path.is_file() and path.stat().st_size == 0:
        raise InputFileError(f"{path.name}: the file is empty", details={"file": str(path)})
    files.check_content(path)
    s = _sniff(path)
    for fmt in FORMATS:
        if (fmt.directory or not path.is_dir() or fmt.name == mtbench.NAME) and fmt.sniff(s):
            return fmt
    if path.is_file() and path.suffix.lower() in (".csv", ".jsonl", ".ndjson", ".parquet", ".pq"):
        # Nothing recognised it, but its name says EvalGuard's own layout: let the pipeline
        # name what is wrong with it (e.g. the missing case_id column).
        return _BY_NAME[files.detect_format(path)]
    kind = "directory" if path.is_dir() else "file"
    if s.head.lstrip().startswith(("{", "[")):
        kind = "JSON file"
    hint = ""
    if s.has_keys("results", "configs", "versions"):
        hint = (
            " (it looks like lm-eval's aggregate results; import the samples_<task>_*.jsonl "
            "files written with --log_samples)"
        )
    raise InputFileError(
        f"{path.name}: cannot tell which tool wrote this {kind}{hint}: it is neither "
        "EvalGuard's own layout (one record per case, with a case_id) nor the files of a "
        "supported eval tool. If a supported tool wrote it, choose that format (Format box, "
        "API field `format`, CLI --format; `evalguard formats` lists them)",
        details={"file": path.name, "field": "format"},
    )


@dataclass
class Loaded:
    """What one input (file or directory) holds: its format and its runs."""

    format: Format
    path: Path
    runs: list[RunTable] = field(default_factory=list)


def _sources(path: Path, fmt: str | None) -> list[tuple[Format, Path]]:
    """The (format, file) pairs an input stands for: one, or every recognised file of a folder."""
    if fmt:
        return [(format_named(fmt), path)]
    if path.is_dir():
        try:
            return [(detect(path), path)]
        except InputFileError:
            pass
        found = []
        for child in sorted(path.iterdir()):
            if child.is_file() and child.stat().st_size:
                try:
                    found.append((detect(child), child))
                except InputFileError:
                    continue
        if not found:
            raise InputFileError(
                f"{path.name}: no file in this directory is an eval-result file EvalGuard reads",
                details={"file": str(path)},
            )
        return found
    return [(detect(path), path)]


def load(path: str | Path, fmt: str | None = None) -> list[Loaded]:
    """Read a file or directory into runs (nothing is written)."""
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: no such file or directory", details={"file": str(path)})
    out = []
    for format_, source in _sources(path, fmt):
        files.check_content(source)  # also when the format was chosen, not detected
        if format_.name in native.NAMES:
            out.append(Loaded(format=format_, path=source))
        else:
            out.append(Loaded(format=format_, path=source, runs=format_.load(source)))
    return out


@dataclass
class ImportOutcome:
    """What an import created: the detected format(s) and one result per run."""

    formats: list[str]
    runs: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        """JSON form: the first run's fields at the top (as a native import), plus every run."""
        first = dict(self.runs[0]) if self.runs else {}
        return {**first, "format": ",".join(self.formats), "runs": self.runs}


@dataclass(frozen=True)
class ImportProgress:
    """Where an import is: rows read from the file, cases stored, runs stored of all runs.

    stage "read": the file is parsed (rows_read known; for EvalGuard's own formats the rows
    are read into the store's staging table, so they are counted when each run is stored);
    stage "stored": one more run is written (still inside the one transaction).
    """

    stage: Literal["read", "stored"]
    rows_read: int
    cases_stored: int
    runs_done: int
    runs_total: int | None


ProgressFn = Callable[[ImportProgress], None]


def import_path(
    scope: Scope,
    path: str | Path,
    *,
    name: str | None = None,
    fmt: str | None = None,
    progress: ProgressFn | None = None,
) -> ImportOutcome:
    """Import a file or directory of any known format; every run of it or none.

    `progress`, when given, is called after the file is read and after each run is stored,
    so a UI can show rows and runs instead of a bare spinner.
    """
    path = Path(path)
    loaded = load(path, fmt)
    results: list[dict[str, Any]] = []
    foreign_rows = sum(len(run.rows) for item in loaded for run in item.runs)
    runs_total = sum(
        len(item.runs) if item.format.name not in native.NAMES else 1 for item in loaded
    )
    counts = {"read": foreign_rows, "stored": 0}

    def report(stage: Literal["read", "stored"]) -> None:
        if progress is not None:
            progress(
                ImportProgress(stage, counts["read"], counts["stored"], len(results), runs_total)
            )

    report("read")
    with tempfile.TemporaryDirectory(prefix="evalguard-import-") as tmp, scope.db.atomic(bulk=True):
        for item in loaded:
            if item.format.name in native.NAMES:
                result = runs.import_run(
                    scope, item.path, name=name, fmt=native.reader_format(item.format.name)
                ).to_dict()
                results.append({**result, "format": item.format.name, "judges": []})
                counts["read"] += result["cases"]
                counts["stored"] += result["cases"]
                report("stored")
                continue
            many = len(item.runs) > 1 or len(loaded) > 1
            for i, run in enumerate(item.runs):
                staged = write_run(run, Path(tmp) / f"{i}" / item.path.name, item, i)
                run_name = f"{name} {run.name}" if name and many else (name or run.name)
                try:
                    result = runs.import_run(
                        scope, staged, name=run_name, fmt="parquet", source=item.path.name
                    ).to_dict()
                except InputFileError as exc:
                    # The pipeline's rule (e.g. a duplicate case id) named with the format and
                    # the run the rows were mapped to.
                    raise InputFileError(
                        f"{item.format.name}: run {run.name!r}: {exc.message}; nothing was "
                        "imported",
                        details={**(exc.details or {}), "format": item.format.name},
                    ) from None
                human = 0
                if run.labels:
                    label_file = write_labels(run, Path(tmp) / f"{i}" / "labels" / item.path.name)
                    human = labels.import_labels(
                        scope, label_file, run_id=result["run_id"], fmt="parquet"
                    )["labels"]
                results.append(
                    {
                        **result,
                        "format": item.format.name,
                        "judges": run.judges,
                        "human_labels": human,
                    }
                )
                counts["stored"] += result["cases"]
                report("stored")
    return ImportOutcome(formats=sorted({i.format.name for i in loaded}), runs=results)


def preview(path: str | Path, fmt: str | None = None, *, sample: int = 5) -> dict[str, Any]:
    """The detected format and the mapping (columns, counts, scorers, judges); writes nothing."""
    loaded = load(path, fmt)
    runs_out = []
    for item in loaded:
        tables = item.runs or [native.read_table(item.path, item.format.name)]
        for run in tables:
            columns: dict[str, None] = {}
            for row in run.rows:
                for key in row:
                    columns.setdefault(key, None)
            cols = list(columns)
            runs_out.append(
                {
                    "format": item.format.name,
                    "file": item.path.name,
                    "name": run.name,
                    "kind": run.kind,
                    "cases": len(run.rows),
                    "columns": cols,
                    "scorers": sorted(
                        {c.split(":", 1)[1] for c in cols if c.startswith(("score:", "label:"))}
                    ),
                    "judges": run.judges,
                    "human_labels": len(run.labels),
                    "sample": [json.loads(json.dumps(r, default=str)) for r in run.rows[:sample]],
                }
            )
    return {
        "format": ",".join(sorted({i.format.name for i in loaded})),
        "title": "; ".join(sorted({i.format.title for i in loaded})),
        "runs": runs_out,
    }
