"""Judge alignment reports over the store: gather labels, run the engine, gate for CI."""

from __future__ import annotations

from typing import Any

from evalguard_core.errors import NotFoundError, ValidationError
from evalguard_core.queues import require_queue
from evalguard_core.runs import require_run
from evalguard_core.store import Scope
from evalguard_core.store import alignment as sql

REFERENCES = ("consensus", "each")


def _engine() -> Any:
    """The statistics engine, imported on first use: scikit-learn, SciPy and statsmodels add
    ~60 MB to the server's memory, which only processes that compute reports should pay."""
    from evalguard_core import alignment

    return alignment


def judge_candidates(scope: Scope, run_id: str) -> list[str]:
    """The run's scorers that can be compared with humans, judges (labelled) first."""
    require_run(scope, run_id)
    return sql.scorer_names(scope, run_id)


def build_report(
    scope: Scope,
    *,
    run_id: str,
    judge: str,
    queue_id: str | None = None,
    task_id: str | None = None,
    reference: str = "consensus",
    label_order: list[str] | None = None,
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """The DESIGN §6 report of `judge` against the human labels of a run (or queue / task)."""
    run = require_run(scope, run_id)
    if queue_id:
        require_queue(scope, queue_id)
    if task_id:
        _require_task(scope, task_id)
    if judge not in sql.scorer_names(scope, run["run_id"]):
        raise ValidationError(
            f"run {run['run_id']} has no scorer {judge!r}",
            details={"field": "judge", "scorers": sql.scorer_names(scope, run["run_id"])},
        )
    human = sql.human_labels(scope, run["run_id"], queue_id=queue_id, task_id=task_id)
    if human.empty:
        raise ValidationError(
            "no human labels for this selection yet: label some items first",
            details={"field": "queue_id" if queue_id else "run_id"},
        )
    raters = set(human["rater"])
    if reference not in REFERENCES and reference not in raters:
        raise ValidationError(
            f"reference must be consensus, each or a rater ({', '.join(sorted(raters))})",
            details={"field": "reference"},
        )
    judge_df = sql.judge_labels(scope, run["run_id"], judge, queue_id=queue_id, task_id=task_id)
    design = sql.design(scope, queue_id) if queue_id else None
    if design is not None and design.empty:
        design = None
    try:
        report = _engine().alignment_report(
            human,
            judge_df,
            judge_name=judge,
            reference=reference,
            label_order=label_order,
            design=design,
            n_boot=n_boot,
            seed=seed,
        )
    except ValueError as exc:
        raise ValidationError(str(exc), details={"field": "judge"}) from None
    report["run_id"] = run["run_id"]
    report["queue_id"] = queue_id
    report["task_id"] = task_id
    return report


def gate_report(
    report: dict[str, Any], specs: list[str], *, on: str = "ci_low"
) -> tuple[bool, list[str]]:
    """Apply `METRIC=VALUE` thresholds; a bad spec is a ValidationError."""
    try:
        thresholds = _engine().parse_thresholds(specs)
    except ValueError as exc:
        raise ValidationError(str(exc), details={"field": "fail_under"}) from None
    return _engine().gate(report, thresholds, on="point" if on == "point" else "ci_low")


def disagreements(
    scope: Scope,
    *,
    run_id: str,
    judge: str,
    queue_id: str | None = None,
    task_id: str | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Human labels that differ from the judge, to read one by one."""
    require_run(scope, run_id)
    return sql.disagreements(scope, run_id, judge, queue_id=queue_id, task_id=task_id, limit=limit)


def to_markdown(report: dict[str, Any]) -> str:
    """The report as Markdown."""
    return _engine().report_to_markdown(report)


def to_html(report: dict[str, Any]) -> str:
    """The report as a standalone HTML page (Markdown rendered with tables)."""
    import markdown

    body = markdown.markdown(to_markdown(report), extensions=["tables"])
    title = f"EvalGuard alignment: {report.get('judge', '')}"
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
        "<style>body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px}</style>"
        f"</head><body>{body}</body></html>"
    )


def _require_task(scope: Scope, task_id: str) -> None:
    """NotFoundError unless the task exists in the organization."""
    from evalguard_core import tasks

    try:
        tasks.get_task(scope, task_id)
    except NotFoundError:
        raise
