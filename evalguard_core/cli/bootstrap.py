"""`evalguard bootstrap`: sample a run's cases into a queue (or --dry-run the plan)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from evalguard_core import bootstrap, sampling
from evalguard_core.auth import LOCAL_ACTOR
from evalguard_core.cli.common import add_common, emit, open_scope, table


def register(sub: argparse._SubParsersAction) -> None:
    """Add the command."""
    p = sub.add_parser(
        "bootstrap",
        help="bootstrap a queue with a stratified sample of a run's cases",
        description="Draw --count cases of a run into a queue, stratified by score, latency, "
        "scorer label or not at all; each item keeps its stratum and inclusion probability.",
    )
    p.add_argument("--queue", required=True, help="queue id")
    p.add_argument("--run", required=True, help="run id")
    p.add_argument("--count", type=int, default=100, help="cases to draw, 1..1000 (100)")
    p.add_argument("--stratify-by", choices=sampling.STRATEGIES, default="score")
    p.add_argument("--scorer", help="numeric scorer (score) or label scorer (scorer)")
    p.add_argument(
        "--edges",
        help="score: a,b (low < a <= borderline < b <= high); latency: milliseconds, e.g. 500,2000",
    )
    p.add_argument("--allocation", choices=sampling.ALLOCATIONS, default="equal")
    p.add_argument("--seed", type=int, help="same seed, run and queue state → same sample")
    p.add_argument("--dry-run", action="store_true", help="print the plan; write nothing")
    add_common(p)
    p.set_defaults(handler=cmd_bootstrap)


def _params(args: argparse.Namespace) -> dict[str, Any]:
    """Core parameters from the flags."""
    return {
        "queue_id": args.queue,
        "run_id": args.run,
        "sample_count": args.count,
        "stratify_by": args.stratify_by,
        "scorer": args.scorer,
        "edges": args.edges,
        "allocation": args.allocation,
        "seed": args.seed,
    }


def _strata_table(plan: dict[str, Any], added: dict[str, int] | None = None) -> str:
    """Population, allocation and π per stratum as text."""
    rows = []
    last = len(plan["edges"])  # index of the top numeric stratum (closed above)
    for i, s in enumerate(plan["strata"]):
        row = {
            "stratum": s["stratum"],
            "range": _range(s, closed=i == last),
            "population": s["population"],
            "allocated": s["allocated"],
            "inclusion_prob": f"{s['inclusion_prob']:.4g}" if s["inclusion_prob"] else "-",
        }
        if added is not None:
            row["added"] = added.get(s["stratum"], 0)
        rows.append(row)
    columns = ["stratum", "range", "population", "allocated", "inclusion_prob"]
    return table(rows, columns + (["added"] if added is not None else []))


def _range(s: dict[str, Any], *, closed: bool) -> str:
    """'[0.4, 0.6)' for numeric strata ('[0.6, 1]' for the top one), '' otherwise."""
    if s["lower"] is None or s["upper"] is None:
        return ""
    return f"[{s['lower']:.4g}, {s['upper']:.4g}{']' if closed else ')'}"


def _header(plan: dict[str, Any]) -> list[str]:
    """What is sampled from where, and how."""
    how = plan["stratify_by"] + (f" on {plan['scorer']}" if plan["scorer"] else "")
    if plan["edges"]:
        how += f", edges {', '.join(f'{e:g}' for e in plan['edges'])} ({plan['edges_source']})"
    return [
        f"run {plan['run_name']} ({plan['run_cases']} cases, {plan['already_in_queue']} already "
        f"in the queue, {plan['eligible']} eligible) → queue {plan['queue_name']}",
        f"stratified by {how}; {plan['allocation']} allocation of {plan['sample_count']}",
    ]


def cmd_bootstrap(args: argparse.Namespace) -> int:
    """Preview or run a bootstrap."""
    scope = open_scope(args)
    if args.dry_run:
        plan = bootstrap.preview(scope, **_params(args))
        lines = [*_header(plan), _strata_table(plan)]
        lines += [f"note: {w}" for w in plan["warnings"]]
        lines.append("(dry run: nothing written)")
        emit(args, plan, "\n".join(lines))
        return 0

    def progress(fraction: float) -> None:
        if not args.json:
            print(f"\rbootstrapping… {fraction:4.0%}", end="", file=sys.stderr, flush=True)

    result = bootstrap.run_bootstrap(
        scope, created_by=LOCAL_ACTOR.name, on_progress=progress, **_params(args)
    )
    if not args.json:
        print(file=sys.stderr)
    lines = [
        f"added {result['total_added']} cases to queue {result['queue_name']} "
        f"({result['queue_id']}); job {result['job_id']}, seed {result['seed']}",
        *_header(result),
        _strata_table(result, result["added"]),
    ]
    lines += [f"note: {w}" for w in result["warnings"]]
    emit(args, result, "\n".join(lines))
    return 0
