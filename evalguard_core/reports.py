"""Judge alignment reports over the store: gather labels, run the engine, gate for CI."""

from __future__ import annotations

from typing import Any

from evalguard_core import rubrics
from evalguard_core.alignment.common import SEQUENTIAL_METRICS
from evalguard_core.errors import NotFoundError, ValidationError
from evalguard_core.queues import require_queue
from evalguard_core.runs import require_run
from evalguard_core.store import Scope
from evalguard_core.store import alignment as sql

REFERENCES = ("consensus", "each", "dawid-skene")
# One report configuration for every face (Alignment page, Home, API, CLI): the same data gives
# the same numbers everywhere.
DEFAULT_N_BOOT = 1000
DEFAULT_SEED = 0
# The verdict is fixed by configuration, not picked on a page: choosing the best of several
# metrics after seeing them passes a judge at the bar far more often than the 2.5% promised.
VERDICT_METRICS = {"label": "cohen_kappa", "score": "pearson"}
VERDICT_BAR = 0.6


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
    n_boot: int = DEFAULT_N_BOOT,
    seed: int = DEFAULT_SEED,
    positive: str | None = None,
    sequential: list[str] | None = None,
    group_by: str | None = None,
    question: str | None = None,
    rubric_version: int | str | None = None,
    swapped_judge: str | None = None,
    order_field: str | None = None,
    swapped_positional: bool = False,
    rater_model: bool = False,
    alt_test_epsilon: float | None = None,
) -> dict[str, Any]:
    """The DESIGN §6 report of `judge` against the human labels of a run (or queue / task).

    With labels, it includes the run's pass rate by human standards (PPI++, Rogan–Gladen,
    judge TPR / TNR): `positive` names the passing label when it is not a usual spelling.
    `sequential` (METRIC=VALUE specs, may be empty) adds the label-until-decided section;
    `group_by` (a case field or metadata key) adds the grouped section.

    Position bias (pairwise runs): `swapped_judge` names the scorer that judged every pair with
    B shown first (its labels name the winning candidate, or the winning position with
    `swapped_positional`); `order_field` (a case field or metadata key holding AB / BA) says
    which order `judge` saw each case in. The humans' side orders come from their claims.
    `rater_model` adds the Dawid-Skene section; `alt_test_epsilon` the alt-test.

    With `question`, the humans are the answers to that rubric question, read under one rubric
    version (`rubric_version`; required when answers span several, "all" pools them).
    """
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
    version: int | None = None
    if question is None:
        human = sql.human_labels(scope, run["run_id"], queue_id=queue_id, task_id=task_id)
    else:
        human, version = rubrics.question_labels(
            scope,
            run["run_id"],
            question,
            queue_id=queue_id,
            task_id=task_id,
            rubric_version=rubric_version,
        )
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
    if question is None:
        judge_df = sql.judge_labels(scope, run["run_id"], judge, queue_id=queue_id, task_id=task_id)
    else:
        items = sorted({int(i) for i in human["item"]})
        judge_df = rubrics.judge_for_items(scope, run["run_id"], judge, items)
    design = sql.design(scope, queue_id) if queue_id else None
    if design is not None and design.empty:
        design = None
    bars, sequence = None, None
    if sequential is not None:
        bars = _sequential_bars(sequential)
        sequence = sql.label_sequence(scope, run["run_id"], queue_id=queue_id, task_id=task_id)
    groups = None
    if group_by:
        groups = sql.case_groups(scope, run["run_id"], group_by)
        if groups["group"].isna().all():
            raise ValidationError(
                f"no case of this run has {group_by!r} (a case field: "
                f"{', '.join(sql.CASE_FIELDS)}, or a metadata key)",
                details={"field": "group_by"},
            )
    judge_orders = _judge_orders(
        scope,
        run,
        judge,
        judge_df,
        swapped_judge,
        order_field,
        swapped_positional,
        queue_id,
        task_id,
    )
    human_orders = None
    if run.get("kind") == "pairwise" and question is None:
        human_orders = sql.shown_orders(scope, run["run_id"], queue_id=queue_id, task_id=task_id)
        if human_orders.empty:
            human_orders = None
    if alt_test_epsilon is not None and not 0.0 <= alt_test_epsilon < 1.0:
        raise ValidationError(
            "alt-test epsilon must be in [0, 1), e.g. 0.1 for crowd workers, 0.2 for experts",
            details={"field": "alt_test_epsilon"},
        )
    try:
        report = _engine().alignment_report(
            human,
            judge_df,
            judge_name=judge,
            reference=reference,
            label_order=label_order,
            kind=_label_kind(run, human, judge_df),
            design=design,
            n_boot=n_boot,
            seed=seed,
            judge_run=sql.judge_run_counts(scope, run["run_id"], judge),
            positive=positive,
            sequential=bars,
            sequence=sequence,
            groups=groups,
            group_field=group_by,
            judge_orders=judge_orders,
            human_orders=human_orders,
            rater_model=rater_model,
            alt_test_epsilon=alt_test_epsilon,
        )
    except ValueError as exc:
        field = "positive" if "positive label" in str(exc) else "judge"
        if "judge order" in str(exc):
            field = "order_field"
        elif "dawid-skene" in str(exc):
            field = "reference"
        raise ValidationError(str(exc), details={"field": field}) from None
    report["run_id"] = run["run_id"]
    report["queue_id"] = queue_id
    report["task_id"] = task_id
    if question is not None:
        report["question"] = question
        report["rubric_version"] = version
    return report


def _judge_orders(
    scope: Scope,
    run: dict[str, Any],
    judge: str,
    judge_df: Any,
    swapped_judge: str | None,
    order_field: str | None,
    swapped_positional: bool,
    queue_id: str | None,
    task_id: str | None,
) -> Any:
    """The judge's verdicts with the order each was given in (item, order, label), or None."""
    if swapped_judge is None and order_field is None:
        return None
    import pandas as pd

    if run.get("kind") != "pairwise":
        raise ValidationError(
            "position bias needs a pairwise run (output_a / output_b)",
            details={"field": "swapped_judge" if swapped_judge else "order_field"},
        )
    frames = []
    first = judge_df[["item", "label"]].copy()
    if order_field:
        groups = sql.case_groups(scope, run["run_id"], order_field)
        if groups["group"].isna().all():
            raise ValidationError(
                f"no case of this run has {order_field!r} (a case field or metadata key "
                "holding AB or BA)",
                details={"field": "order_field"},
            )
        first = first.merge(groups.rename(columns={"group": "order"}), on="item", how="left")
    else:
        first["order"] = "AB"
    frames.append(first)
    if swapped_judge:
        scorers = sql.scorer_names(scope, run["run_id"])
        if swapped_judge not in scorers or swapped_judge == judge:
            raise ValidationError(
                f"swapped_judge must be another scorer of run {run['run_id']} ({swapped_judge!r})",
                details={"field": "swapped_judge", "scorers": scorers},
            )
        second = sql.judge_labels(
            scope, run["run_id"], swapped_judge, queue_id=queue_id, task_id=task_id
        )[["item", "label"]].copy()
        if swapped_positional:
            # The label names the position it won in; with B shown first, "A" (first) is B.
            swap = {"a": "B", "b": "A"}
            second["label"] = [
                swap.get(str(v).strip().lower(), v) if v is not None else v for v in second["label"]
            ]
        second["order"] = "BA"
        frames.append(second)
    return pd.concat(frames, ignore_index=True)


def queue_decision(
    scope: Scope,
    queue_id: str,
    *,
    fail_under: list[str],
    judge: str | None = None,
    run_id: str | None = None,
) -> dict[str, Any]:
    """Label until decided, for a queue: pass / fail / not yet per bar, and labels still needed.

    The anytime-valid confidence sequences of `--sequential` over the queue's labels in labelling
    order, so it is safe to look after every label. `judge` defaults to the run's first judge,
    `run_id` to the run most of the queue's items come from.
    """
    require_queue(scope, queue_id)
    if not fail_under:
        raise ValidationError(
            "give at least one bar, e.g. fail_under=accuracy=0.8 (accuracy, tpr, tnr, "
            "human_pass_rate)",
            details={"field": "fail_under"},
        )
    _sequential_bars(fail_under)
    run_ids = sql.queue_runs(scope, queue_id)
    if run_id is None:
        if not run_ids:
            raise ValidationError("the queue has no items yet", details={"field": "queue_id"})
        run_id = run_ids[0]
    elif run_id not in run_ids:
        raise ValidationError(
            f"queue {queue_id} has no items from run {run_id}", details={"field": "run_id"}
        )
    judge = judge or next(iter(sql.scorer_names(scope, run_id)), None)
    if judge is None:
        raise ValidationError(f"run {run_id} has no judge scores", details={"field": "judge"})
    base = {"queue_id": queue_id, "run_id": run_id, "judge": judge}
    try:
        report = build_report(
            scope,
            run_id=run_id,
            judge=judge,
            queue_id=queue_id,
            n_boot=0,
            sequential=list(fail_under),
        )
    except ValidationError as exc:
        if "no human labels" not in str(exc):
            raise
        report = {"n": 0, "sequential": None, "warnings": []}
    seq = report.get("sequential") or {}
    decisions = seq.get("decisions") or {}
    states = [d["decided"] for d in decisions.values()]
    overall = (
        "fail"
        if "fail" in states
        else "pass"
        if states and all(s == "pass" for s in states)
        else "not yet"
    )
    more = [d["more_labels_needed"] for d in decisions.values() if d["decided"] == "not yet"]
    summary = list(seq.get("summary") or [])
    if not decisions:
        summary = [
            "Not decided yet: no item has both a human label and a judge verdict"
            if not report["n"]
            else "Not decided: the sequential gate needs labels (see warnings)"
        ]
    return {
        **base,
        "n": report["n"],
        "decided": overall,
        "more_labels_needed": (None if None in more else max(more)) if more else 0,
        "decisions": decisions,
        "summary": summary,
        "warnings": report.get("warnings", []),
    }


def _sequential_bars(specs: list[str]) -> dict[str, float]:
    """Bars for the sequential gate: only metrics that are means (ValidationError otherwise)."""
    try:
        bars = _engine().parse_thresholds(specs)
    except ValueError as exc:
        raise ValidationError(str(exc), details={"field": "fail_under"}) from None
    unsupported = sorted(set(bars) - set(SEQUENTIAL_METRICS))
    if unsupported:
        raise ValidationError(
            f"sequential gating supports {', '.join(SEQUENTIAL_METRICS)} (means of per-item "
            f"0/1 outcomes); not {', '.join(unsupported)}: see docs/adr/0014",
            details={"field": "fail_under"},
        )
    return bars


def _label_kind(run: dict[str, Any], human: Any, judge: Any) -> str:
    """'pairwise' for a pairwise run labelled A / B / tie, else 'auto'.

    Pairwise comes from the run's kind, never from the label values alone (an a/b multiple-choice
    question on a single run stays nominal); a pairwise run coded otherwise (PandaLM's 0/1/2) is
    compared on its own scale.
    """
    if run.get("kind") != "pairwise":
        return "auto"
    from evalguard_core.alignment import normalise_label

    seen = {
        normalise_label(v) for frame in (human, judge) for v in frame["label"].dropna().unique()
    }
    return "pairwise" if seen - {None} <= {"a", "b", "tie"} else "auto"


def gate_report(
    report: dict[str, Any], specs: list[str], *, on: str = "ci_low", allow_small: bool = False
) -> dict[str, Any]:
    """Apply `METRIC=VALUE` thresholds and attach the `gate` block (API and CLI alike).

    A bad spec is a ValidationError; below the minimum n the gate does not pass unless
    `allow_small`.
    """
    try:
        block = _engine().gate_block(
            report, specs, on="point" if on == "point" else "ci_low", allow_small=allow_small
        )
    except ValueError as exc:
        raise ValidationError(str(exc), details={"field": "fail_under"}) from None
    report["gate"] = block
    return block


def pass_rate_rows(report: dict[str, Any]) -> list[dict[str, Any]]:
    """The pass-rate section as table rows for the pages ([] when the report has none)."""
    from evalguard_core.alignment.render import pass_rate_rows as rows

    section = report.get("pass_rate")
    return rows(section) if section else []


def verdict_metric(report: dict[str, Any]) -> str:
    """The configured verdict metric for this report's kind of data."""
    return VERDICT_METRICS["score" if report.get("label_type") == "interval" else "label"]


def verdict(report: dict[str, Any], *, bar: float = VERDICT_BAR) -> dict[str, Any]:
    """The judge's verdict as every page shows it: the gate on the configured metric, and the
    judge-vs-each-human figure beside human-vs-human on the same items (like for like).

    A consensus is less noisy than one human, so judge-vs-consensus is never set against the
    human ceiling.
    """
    from evalguard_core.alignment import format_ci

    metric = verdict_metric(report)
    entry = (report.get("metrics") or {}).get(metric) or {}
    passed, reasons = _engine().gate(report, {metric: bar})
    ceiling = (report.get("inter_rater") or {}).get("human_ceiling") or {}
    like = "cohen_kappa" if metric != "pearson" else "pearson"
    judge_each = (ceiling.get("judge_human") or {}).get(like)
    human_human = (ceiling.get("human_human") or {}).get(like)
    ref = report.get("reference")
    lines = {
        "headline": f"judge vs {ref} {metric} {format_ci(entry, 2)} (n = {report.get('n')})",
        "ceiling": (
            f"on the {ceiling['n_items']} items with two or more human labels: judge vs each "
            f"human {like} {format_ci(judge_each, 2)}, human vs human {like} "
            f"{format_ci(human_human, 2)}"
            if ceiling
            else "no human ceiling: fewer than two humans labelled the same items"
        ),
    }
    return {
        "metric": metric,
        "bar": bar,
        "passed": passed,
        "reasons": reasons,
        "entry": entry,
        "judge_vs_each_human": judge_each,
        "human_vs_human": human_human,
        "ceiling_items": ceiling.get("n_items"),
        **lines,
    }


def disagreements(
    scope: Scope,
    *,
    run_id: str,
    judge: str,
    queue_id: str | None = None,
    task_id: str | None = None,
    limit: int = 200,
) -> list[dict[str, Any]]:
    """Human labels that differ from the judge, to read one by one.

    Compared through the report's label rule (case, whitespace, number and boolean spellings),
    so "1.0" vs "1" is not listed as a disagreement the report counts as agreement.
    """
    from evalguard_core.alignment import normalise_label

    require_run(scope, run_id)
    rows = sql.disagreements(scope, run_id, judge, queue_id=queue_id, task_id=task_id, limit=limit)
    return [
        r for r in rows if normalise_label(r["human_label"]) != normalise_label(r["judge_label"])
    ]


def format_ci(entry: dict[str, Any] | None, digits: int = 3) -> str:
    """'0.712 [0.681, 0.741]' (or 'n/a'): the one formatter for a metric with its interval."""
    from evalguard_core.alignment import format_ci as fmt

    return fmt(entry, digits)


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
