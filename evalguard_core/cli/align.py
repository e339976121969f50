"""`evalguard align`: the judge alignment report, and a CI gate (exit 1 when it fails)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from evalguard_core import reports, rubrics
from evalguard_core.alignment import GATE_MIN_N, format_ci
from evalguard_core.cli.common import add_common, open_scope
from evalguard_core.cli.remote import add_remote, client
from evalguard_core.errors import ValidationError
from evalguard_core.textlist import split_list


def register(sub: argparse._SubParsersAction) -> None:
    """Add the command."""
    p = sub.add_parser(
        "align",
        help="judge vs human agreement with 95%% CIs; --fail-under gates CI (exit 1)",
    )
    p.add_argument("--run", required=True, help="run id")
    p.add_argument("--judge", help="the judge's scorer name, e.g. llm_judge")
    p.add_argument("--question", help="compare the judge with the answers to this rubric question")
    p.add_argument(
        "--questions",
        metavar="Q=JUDGE,...",
        help="one report per rubric question, each against its judge, and a summary table",
    )
    p.add_argument(
        "--rubric-version",
        help="the rubric version to read (required when answers span several; 'all' pools them)",
    )
    p.add_argument("--queue", help="only labels made in this queue (enables design weights)")
    p.add_argument("--task", help="only labels made in this task")
    p.add_argument(
        "--reference",
        default="consensus",
        help="consensus (default), each, dawid-skene (the humans' rater-model labels), "
        "or a rater's name",
    )
    p.add_argument(
        "--positive",
        metavar="LABEL",
        help="the label that means pass, for the corrected pass rate (default: pass/true/yes/1)",
    )
    p.add_argument("--label-order", help="declare an order for text labels: a,b,c (ordinal)")
    p.add_argument(
        "--fail-under",
        action="append",
        default=[],
        metavar="METRIC=VALUE",
        help="fail (exit 1) when the metric's 95%% CI lower bound is below VALUE",
    )
    p.add_argument(
        "--on",
        choices=["ci_low", "point"],
        default="ci_low",
        help="what --fail-under compares (default: the CI lower bound)",
    )
    p.add_argument(
        "--group-by",
        metavar="FIELD",
        help="the metric within each group (a case field or metadata key), averaged over groups",
    )
    p.add_argument(
        "--swapped-judge",
        metavar="SCORER",
        help="position bias: the scorer that judged each pair with B shown first",
    )
    p.add_argument(
        "--swapped-positional",
        action="store_true",
        help="--swapped-judge's labels name the winning position (A = shown first), not the "
        "winning output",
    )
    p.add_argument(
        "--order-field",
        metavar="FIELD",
        help="position bias: the case field or metadata key (AB / BA) saying which order the "
        "judge saw",
    )
    p.add_argument(
        "--rater-model",
        action="store_true",
        help="Dawid-Skene over the humans and the judge: each rater's confusion against the "
        "inferred truth, the judge's accuracy with a CI",
    )
    p.add_argument(
        "--alt-test",
        type=float,
        metavar="EPSILON",
        help="alternative annotator test with this epsilon (0.1 crowd, 0.15 skilled, 0.2 "
        "experts); needs 3+ human raters",
    )
    p.add_argument(
        "--sequential",
        action="store_true",
        help="gate on anytime-valid confidence sequences: safe to re-run after every labelling "
        "batch (accuracy, tpr, tnr, human_pass_rate)",
    )
    p.add_argument(
        "--allow-small",
        action="store_true",
        help=f"gate even with fewer than {GATE_MIN_N} compared items (refused by default)",
    )
    p.add_argument(
        "--n-boot",
        type=int,
        default=reports.DEFAULT_N_BOOT,
        help=f"bootstrap resamples (default {reports.DEFAULT_N_BOOT})",
    )
    p.add_argument("--seed", type=int, default=reports.DEFAULT_SEED)
    p.add_argument("--markdown", metavar="FILE", help="also write the report as Markdown")
    p.add_argument("--html", metavar="FILE", help="also write the report as HTML")
    add_common(p)
    add_remote(p)
    p.set_defaults(handler=cmd_align)


def text_report(report: dict[str, Any]) -> str:
    """A readable table of the report for the terminal."""
    lines = [
        f"judge {report['judge']} vs {report['reference']} on n={report['n']} items "
        f"({report['label_type']}); 95% CIs",
    ]
    width = max((len(k) for k in report["metrics"]), default=10)
    for name, entry in report["metrics"].items():
        lines.append(f"  {name.ljust(width)}  {format_ci(entry)}")
    inter = report.get("inter_rater") or {}
    ceiling = inter.get("human_ceiling")
    if ceiling:
        lines.append(
            f"like for like, on the {ceiling['n_items']} items with two or more human labels:"
        )
        for side, title in (
            ("judge_human", "judge vs each human (mean)   "),
            ("human_human", "human vs human (mean of pairs)"),
        ):
            part = ceiling.get(side) or {}
            lines.append(
                f"  {title}: "
                + ", ".join(f"{name} {format_ci(entry)}" for name, entry in part.items())
            )
    if inter.get("fleiss_kappa"):
        lines.append(f"  fleiss_kappa (humans)  {format_ci(inter['fleiss_kappa'])}")
    weighted = report.get("weighted") or {}
    if weighted.get("metrics"):
        lines.append("design-weighted (whole run):")
        for name, entry in weighted["metrics"].items():
            lines.append(f"  {name.ljust(width)}  {format_ci(entry)}")
    lines.extend(pass_rate_lines(report.get("pass_rate")))
    grouped = report.get("grouped")
    if grouped:
        lines.append(grouped["summary"])
        for name, entry in grouped["metrics"].items():
            lines.append(f"  mean over groups {name.ljust(width)}  {format_ci(entry)}")
    seq = report.get("sequential")
    if seq:
        lines.append("label until decided (anytime-valid confidence sequences):")
        lines += [f"  {line}" for line in seq["summary"]]
        for name, entry in seq["metrics"].items():
            lines.append(f"  {name.ljust(width)}  {format_ci(entry)}")
    lines.extend(extra_lines(report))
    for warning in report.get("warnings", []):
        lines.append(f"warning: {warning}")
    return "\n".join(lines)


def extra_lines(report: dict[str, Any]) -> list[str]:
    """Position bias, the rater model and the alt-test for the terminal: words, then figures."""
    lines: list[str] = []
    position = report.get("position_bias") or {}
    for side, title in (("judge", "judge"), ("humans", "human raters")):
        part = position.get(side)
        if part:
            lines.append(f"position bias ({title}):")
            lines += [f"  {line}" for line in part["summary"]]
    ds = report.get("rater_model")
    if ds:
        lines.append("rater model (Dawid-Skene, judge as a rater):")
        lines += [f"  {line}" for line in ds["summary"]]
        lines.append(f"  judge accuracy vs inferred truth  {format_ci(ds['judge_accuracy'])}")
        for row in ds["raters"]:
            acc = "n/a" if row["accuracy"] is None else f"{row['accuracy']:.3f}"
            lines.append(f"  {row['rater']}: accuracy {acc} on {row['n']} items")
    alt = report.get("alt_test")
    if alt:
        lines.append("alt-test (can the judge replace a human rater?):")
        lines += [f"  {line}" for line in alt["summary"]]
        for row in alt["raters"]:
            lines.append(
                f"  leave out {row['rater']}: judge advantage "
                f"{row['judge_advantage_probability']:.3f}, p={row['p_value']:.3g}, "
                f"{'judge wins' if row['judge_wins'] else 'judge does not win'}"
            )
    return lines


def pass_rate_lines(section: dict[str, Any] | None) -> list[str]:
    """The pass-rate section for the terminal: plain words, then the figures."""
    if not section:
        return []
    lines = [f"pass rate by human standards (label {section['positive']!r}):"]
    lines += [f"  {line}" for line in section["summary"]]
    for key, title in (
        ("corrected", "corrected_pass_rate (PPI++)"),
        ("human_only", "human_pass_rate (labels only)"),
        ("rogan_gladen", "rogan_gladen_pass_rate"),
        ("judge_only", "judge only (biased)"),
        ("tpr", "tpr"),
        ("tnr", "tnr"),
    ):
        lines.append(f"  {title.ljust(30)}  {format_ci(section[key])}")
    return lines


def cmd_align(args: argparse.Namespace) -> int:
    """Print the report; exit 1 when a --fail-under threshold fails."""
    if args.questions:
        return _cmd_align_questions(args)
    if not args.judge:
        raise ValidationError(
            "give --judge (or --questions Q=JUDGE,...)", details={"field": "judge"}
        )
    order = split_list(args.label_order)
    eg = client(args)
    passed, reasons = True, list[str]()
    if eg is not None and (args.question or args.rubric_version):
        raise ValidationError(
            "--question and --rubric-version work on a local store (not with --url) for now",
            details={"field": "question"},
        )
    if eg is not None:
        # The server computes the report and the gate with the same code.
        report = eg.alignment(
            args.run,
            args.judge,
            queue_id=args.queue,
            task_id=args.task,
            reference=args.reference,
            label_order=args.label_order,
            n_boot=args.n_boot,
            seed=args.seed,
            fail_under=args.fail_under or None,
            on=args.on,
            allow_small=args.allow_small or None,
            positive=args.positive,
            sequential=True if args.sequential else None,
            group_by=args.group_by,
            swapped_judge=args.swapped_judge,
            swapped_positional=True if args.swapped_positional else None,
            order_field=args.order_field,
            rater_model=True if args.rater_model else None,
            alt_test_epsilon=args.alt_test,
        )
        if args.fail_under:
            passed, reasons = report["gate"]["passed"], report["gate"]["reasons"]
    else:
        report = reports.build_report(
            open_scope(args),
            run_id=args.run,
            judge=args.judge,
            queue_id=args.queue,
            task_id=args.task,
            reference=args.reference,
            label_order=order,
            n_boot=args.n_boot,
            seed=args.seed,
            positive=args.positive,
            sequential=list(args.fail_under) if args.sequential else None,
            group_by=args.group_by,
            question=args.question,
            rubric_version=args.rubric_version,
            swapped_judge=args.swapped_judge,
            swapped_positional=args.swapped_positional,
            order_field=args.order_field,
            rater_model=args.rater_model,
            alt_test_epsilon=args.alt_test,
        )
        if args.fail_under:
            block = reports.gate_report(
                report, args.fail_under, on=args.on, allow_small=args.allow_small
            )
            passed, reasons = block["passed"], block["reasons"]
    if args.markdown:
        Path(args.markdown).write_text(reports.to_markdown(report), encoding="utf-8")
    if args.html:
        Path(args.html).write_text(reports.to_html(report), encoding="utf-8")
    if args.json:
        print(json.dumps(report, indent=2, default=str))
    else:
        print(text_report(report))
    if not passed:
        print(f"evalguard: gate failed: {'; '.join(reasons)}", file=sys.stderr)
        return 1
    if args.fail_under and not args.json:
        print("gate passed")
    return 0


def _cmd_align_questions(args: argparse.Namespace) -> int:
    """One report per mapped rubric question and the summary table; gates apply to each."""
    if args.judge or args.question:
        raise ValidationError(
            "--questions maps every judge itself; drop --judge/--question",
            details={"field": "questions"},
        )
    result = rubrics.align_questions(
        open_scope(args),
        run_id=args.run,
        mapping=rubrics.parse_mapping(args.questions),
        queue_id=args.queue,
        task_id=args.task,
        rubric_version=args.rubric_version,
        reference=args.reference,
        n_boot=args.n_boot,
        seed=args.seed,
    )
    failed = []
    if args.fail_under:
        for question, report in result["reports"].items():
            block = reports.gate_report(
                report, args.fail_under, on=args.on, allow_small=args.allow_small
            )
            failed += [f"{question}: {r}" for r in block["reasons"]] if not block["passed"] else []
    if args.markdown:
        parts = [f"## {q}\n\n{reports.to_markdown(r)}" for q, r in result["reports"].items()]
        summary = "## Summary\n\n```\n" + rubrics.summary_text(result) + "\n```\n"
        Path(args.markdown).write_text(summary + "\n" + "\n".join(parts), encoding="utf-8")
    if args.json:
        print(json.dumps(result, indent=2, default=str))
    else:
        for question, report in result["reports"].items():
            print(f"== {question} (judge {result_judge(result, question)}) ==")
            print(text_report(report))
            print()
        print(rubrics.summary_text(result))
    if failed:
        print(f"evalguard: gate failed: {'; '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def result_judge(result: dict[str, Any], question: str) -> str:
    """The judge mapped to a question in a per-question result."""
    return next(s["judge"] for s in result["summary"] if s["question"] == question)
