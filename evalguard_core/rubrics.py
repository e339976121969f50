"""Rubrics: several versioned questions per item, answers validated per question.

A queue (or task) has a rubric: ordered questions, each with a kind (single choice, multiple
choice, rating on a scale, number, free text). Answers for one item arrive together and are
stored with the label that completes the rater's claim, in the same transaction. Changing a
rubric after labels exist writes a new version; every answer keeps the version it answered, and
reports refuse to mix versions unless asked to (docs/adr/0016-rubrics.md).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from evalguard_core.errors import InputFileError, ValidationError
from evalguard_core.store import Scope
from evalguard_core.store import events as events_sql
from evalguard_core.store import rubrics as sql

KINDS = ("single_choice", "multiple_choice", "rating", "number", "text")
MAX_QUESTIONS = 50
MAX_TEXT_CHARS = 10_000
ALL_VERSIONS = "all"
_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,63}$")
# A rating's value must sit on its steps; float steps (0.5, 0.1) need a tolerance.
_STEP_TOLERANCE = 1e-9


def _bad(message: str, field: str, **details: Any) -> ValidationError:
    """A ValidationError naming the field (a question or one of its settings)."""
    return ValidationError(message, details={"field": field, **details})


def _finite(value: Any) -> bool:
    """True for a real, finite number (booleans are not numbers here)."""
    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value)


def check_question(raw: dict[str, Any], index: int) -> dict[str, Any]:
    """One question's settings, validated and completed with defaults."""
    where = f"questions[{index}]"
    name = str(raw.get("name") or "").strip()
    if not _NAME_RE.match(name):
        raise _bad(
            f"{where}: a question name is a letter then letters, digits or _ (max 64), "
            f"not {name!r}",
            f"{where}.name",
        )
    kind = raw.get("kind")
    if kind not in KINDS:
        raise _bad(f"question {name!r}: kind must be one of {', '.join(KINDS)}", f"{where}.kind")
    q: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "options": None,
        "scale_min": None,
        "scale_max": None,
        "step": None,
        "min_label": None,
        "max_label": None,
        "required": bool(raw.get("required", True)),
        "description": (str(raw["description"]).strip() or None)
        if raw.get("description")
        else None,
    }
    if kind in ("single_choice", "multiple_choice"):
        options = [str(o).strip() for o in (raw.get("options") or [])]
        if not options or any(not o for o in options) or len(set(options)) != len(options):
            raise _bad(
                f"question {name!r}: options must be distinct, non-empty strings",
                f"{where}.options",
            )
        q["options"] = options
    elif raw.get("options"):
        raise _bad(f"question {name!r}: only choice questions have options", f"{where}.options")
    if kind in ("rating", "number"):
        lo, hi = raw.get("scale_min"), raw.get("scale_max")
        for key, value in (("scale_min", lo), ("scale_max", hi)):
            if value is not None and not _finite(value):
                raise _bad(f"question {name!r}: {key} must be a number", f"{where}.{key}")
        if kind == "rating" and (lo is None or hi is None):
            raise _bad(
                f"question {name!r}: a rating needs scale_min and scale_max", f"{where}.scale_min"
            )
        if lo is not None and hi is not None and lo >= hi:
            raise _bad(
                f"question {name!r}: scale_min must be below scale_max", f"{where}.scale_min"
            )
        q["scale_min"] = None if lo is None else float(lo)
        q["scale_max"] = None if hi is None else float(hi)
    if kind == "rating":
        step = 1 if raw.get("step") is None else raw["step"]
        if not _finite(step) or step <= 0:
            raise _bad(f"question {name!r}: step must be a positive number", f"{where}.step")
        q["step"] = float(step)
        q["min_label"] = (str(raw.get("min_label") or "").strip()) or None
        q["max_label"] = (str(raw.get("max_label") or "").strip()) or None
    return q


def check_rubric(questions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A whole rubric validated: 1..50 questions with distinct names."""
    if not questions:
        raise _bad("a rubric needs at least one question", "questions")
    if len(questions) > MAX_QUESTIONS:
        raise _bad(f"a rubric has at most {MAX_QUESTIONS} questions", "questions")
    out = [check_question(dict(q), i) for i, q in enumerate(questions)]
    seen: set[str] = set()
    for i, q in enumerate(out):
        if q["name"] in seen:
            raise _bad(f"question name {q['name']!r} is used twice", f"questions[{i}].name")
        seen.add(q["name"])
    return out


def default_rubric(settings: dict[str, Any]) -> list[dict[str, Any]]:
    """The rubric of a queue created the one-question way: its label set (and score range)."""
    has_score = settings.get("score_min") is not None and settings.get("score_max") is not None
    questions: list[dict[str, Any]] = [
        {
            "name": "label",
            "kind": "single_choice",
            "options": list(settings["label_options"]),
            # A label or a score (or both) answers a one-question queue, as before rubrics.
            "required": not has_score,
        }
    ]
    if has_score and settings["score_min"] < settings["score_max"]:
        questions.append(
            {
                "name": "score",
                "kind": "rating",
                "scale_min": settings["score_min"],
                "scale_max": settings["score_max"],
                "step": None,
                "required": False,
            }
        )
    return [{**check_question(q, i), "step": q.get("step")} for i, q in enumerate(questions)]


def asks_one_question(questions: list[dict[str, Any]]) -> bool:
    """True for the rubric of a queue created the one-question way (label, optional score)."""
    shape = [(q["name"], q["kind"]) for q in questions]
    return shape in (
        [("label", "single_choice")],
        [("label", "single_choice"), ("score", "rating")],
    )


OWNER_KINDS = ("queue", "task")


def init_rubric(
    scope: Scope, owner_kind: str, owner_id: str, settings: dict[str, Any], actor: str | None
) -> None:
    """Give a new queue or task version 1 of its rubric (caller holds the transaction)."""
    sql.insert_questions(scope, owner_kind, owner_id, 1, default_rubric(settings), actor)


def init_queue_rubric(
    scope: Scope, queue_id: str, settings: dict[str, Any], actor: str | None
) -> None:
    """Give a new queue version 1 of its rubric (caller holds the transaction)."""
    init_rubric(scope, "queue", queue_id, settings, actor)


def _owner(scope: Scope, owner_kind: str, owner_id: str) -> dict[str, Any]:
    """The queue or task row a rubric belongs to (404 naming it when absent)."""
    if owner_kind == "queue":
        from evalguard_core.queues import require_queue

        return {**require_queue(scope, owner_id), "owner_id": None}
    from evalguard_core.tasks import require_task

    task = require_task(scope, owner_id)
    return {**task, "queue_id": None}


def _owner_id(owner: dict[str, Any]) -> str:
    """The id of a queue or task row."""
    return str(owner.get("queue_id") or owner["task_id"])


def _rubric(
    scope: Scope, owner_kind: str, owner: dict[str, Any], version: int | None
) -> dict[str, Any]:
    """The rubric of a queue or task row at one version (the newest by default)."""
    oid = _owner_id(owner)
    known = sql.versions(scope, oid)
    if not known:
        # An owner made by code older than the rubric migration's create path: derive it once.
        init_rubric(scope, owner_kind, oid, owner, None)
        known = [1]
    chosen = known[-1] if version is None else int(version)
    if chosen not in known:
        raise _bad(
            f"{owner_kind} {oid} has no rubric version {chosen} "
            f"(versions: {', '.join(map(str, known))})",
            "version",
        )
    return {
        "queue_id": oid if owner_kind == "queue" else None,
        "task_id": oid if owner_kind == "task" else None,
        "version": chosen,
        "latest_version": known[-1],
        "versions": known,
        "questions": sql.questions(scope, oid, chosen),
    }


def get_rubric(scope: Scope, queue_id: str, version: int | None = None) -> dict[str, Any]:
    """A queue's rubric (the newest version unless one is named) and the versions it has."""
    return _rubric(scope, "queue", _owner(scope, "queue", queue_id), version)


def get_task_rubric(scope: Scope, task_id: str, version: int | None = None) -> dict[str, Any]:
    """A task's rubric (the newest version unless one is named) and the versions it has."""
    return _rubric(scope, "task", _owner(scope, "task", task_id), version)


def latest_version(scope: Scope, owner_id: str) -> int:
    """The newest rubric version of a queue or task (1 for one made before rubrics)."""
    return sql.latest_version(scope, owner_id) or 1


def _same(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> bool:
    """True when two rubrics ask the same questions the same way."""
    keys = (
        "name",
        "kind",
        "options",
        "scale_min",
        "scale_max",
        "step",
        "min_label",
        "max_label",
        "required",
        "description",
    )
    return [[q.get(k) for k in keys] for q in a] == [[q.get(k) for k in keys] for q in b]


def _write_version(
    scope: Scope,
    owner_kind: str,
    owner_id: str,
    checked: list[dict[str, Any]],
    actor: str | None,
    reason: str,
) -> int:
    """Write a rubric: in place while unanswered, else as the next version (caller: tx + lock)."""
    latest = sql.latest_version(scope, owner_id)
    if sql.labels_exist(scope, owner_kind, owner_id):
        version = latest + 1
    else:
        version = max(latest, 1)
        sql.delete_version(scope, owner_id, version)
    sql.insert_questions(scope, owner_kind, owner_id, version, checked, actor)
    events_sql.append_event(
        scope,
        "rubric_update",
        actor=actor,
        queue_id=owner_id if owner_kind == "queue" else None,
        payload={
            "version": version,
            "questions": [q["name"] for q in checked],
            "reason": reason,
            **({"task_id": owner_id} if owner_kind == "task" else {}),
        },
    )
    return version


def _owner_lock(scope: Scope, owner_kind: str, owner_id: str) -> AbstractContextManager[None]:
    """The lock that serialises a queue's or task's rubric writes with its labelling."""
    if owner_kind == "queue":
        from evalguard_core.queues import queue_write_lock

        return queue_write_lock(owner_id)
    from evalguard_core.tasks import task_lock

    return task_lock(scope, owner_id)


def _replace(
    scope: Scope, owner_kind: str, owner_id: str, questions: list[dict[str, Any]], actor: str | None
) -> dict[str, Any]:
    """Replace a queue's or task's rubric: in place while unanswered, else as a new version."""
    checked = check_rubric(questions)
    current = _rubric(scope, owner_kind, _owner(scope, owner_kind, owner_id), None)
    oid = str(current[f"{owner_kind}_id"])
    if _same(current["questions"], checked):
        return {**current, "changed": False}
    with _owner_lock(scope, owner_kind, oid), scope.db.atomic():
        _write_version(scope, owner_kind, oid, checked, actor, "rubric")
    return {**_rubric(scope, owner_kind, _owner(scope, owner_kind, oid), None), "changed": True}


def set_rubric(
    scope: Scope, queue_id: str, questions: list[dict[str, Any]], *, actor: str | None
) -> dict[str, Any]:
    """Replace a queue's rubric: in place while nobody has labelled, else as a new version."""
    return _replace(scope, "queue", queue_id, questions, actor)


def set_task_rubric(
    scope: Scope, task_id: str, questions: list[dict[str, Any]], *, actor: str | None
) -> dict[str, Any]:
    """Replace a task's rubric: in place while nobody has labelled, else as a new version."""
    return _replace(scope, "task", task_id, questions, actor)


def follow_queue_settings(
    scope: Scope,
    queue_id: str,
    old: dict[str, Any],
    new: dict[str, Any],
    actor: str | None,
) -> int | None:
    """After a queue's label set or score range changed: rewrite a one-question rubric to match.

    Runs inside the caller's transaction. A rubric an admin wrote (several questions) is left
    alone: the settings then only govern `POST /annotations`. Returns the version written.
    """
    known = sql.versions(scope, queue_id)
    if known and not _same(sql.questions(scope, queue_id, known[-1]), default_rubric(old)):
        return None
    wanted = default_rubric(new)
    if known and _same(sql.questions(scope, queue_id, known[-1]), wanted):
        return None
    return _write_version(scope, "queue", queue_id, wanted, actor, "queue settings")


def one_question_answers(scope: Scope, owner_id: str) -> Callable[[str], None]:
    """`after_write` hook of a one-question label: records it under the newest rubric version.

    Without it such a label would be read as answering version 1 (docs/adr/0016-rubrics.md).
    """

    def write(annotation_id: str) -> None:
        """Store the label's label/score as answers, inside its transaction."""
        row = sql.annotation_row(scope, annotation_id)
        if row is None:  # pragma: no cover - the annotation was written in this transaction
            return
        answers = {
            name: value
            for name, value in (
                ("label", (row["label"], None)),
                ("score", (None, row["score"])),
            )
            if value != (None, None)
        }
        sql.replace_answers(scope, row, latest_version(scope, owner_id), answers)

    return write


def check_answer(question: dict[str, Any], value: Any) -> tuple[str | None, float | None]:
    """One answer validated against its question, as its stored (text, number) pair."""
    name, kind = question["name"], question["kind"]
    field = f"answers.{name}"
    if kind == "single_choice":
        if not isinstance(value, str) or value.strip() not in question["options"]:
            raise _bad(
                f"answer to {name!r} must be one of {', '.join(question['options'])}",
                field,
                allowed=question["options"],
            )
        return value.strip(), None
    if kind == "multiple_choice":
        chosen = [value] if isinstance(value, str) else value
        if not isinstance(chosen, list) or not chosen:
            raise _bad(f"answer to {name!r} must be a list of options", field)
        picked = [str(v).strip() for v in chosen]
        bad = [v for v in picked if v not in question["options"]]
        if bad or len(set(picked)) != len(picked):
            raise _bad(
                f"answer to {name!r}: {', '.join(bad) or 'a repeated option'} is not allowed "
                f"(options: {', '.join(question['options'])})",
                field,
                allowed=question["options"],
            )
        # Stored in the rubric's option order, so equal answers compare equal.
        ordered = [o for o in question["options"] if o in picked]
        return json.dumps(ordered), None
    if kind in ("rating", "number"):
        if not _finite(value):
            raise _bad(f"answer to {name!r} must be a finite number", field)
        number = float(value)
        lo, hi = question["scale_min"], question["scale_max"]
        if (lo is not None and number < lo) or (hi is not None and number > hi):
            raise _bad(
                f"answer to {name!r} is {number:g}, outside the scale "
                f"{'-inf' if lo is None else f'{lo:g}'}..{'inf' if hi is None else f'{hi:g}'}",
                field,
                min=lo,
                max=hi,
            )
        step = question.get("step")
        if kind == "rating" and step and lo is not None:
            steps = (number - lo) / step
            if abs(steps - round(steps)) > _STEP_TOLERANCE * max(1.0, abs(steps)):
                raise _bad(f"answer to {name!r} must be {lo:g} plus a multiple of {step:g}", field)
        return None, number
    if not isinstance(value, str) or not value.strip():
        raise _bad(f"answer to {name!r} must be non-empty text", field)
    if len(value) > MAX_TEXT_CHARS:
        raise _bad(f"answer to {name!r} is longer than {MAX_TEXT_CHARS} characters", field)
    return value.strip(), None


def check_answers(
    questions: list[dict[str, Any]], answers: dict[str, Any]
) -> dict[str, tuple[str | None, float | None]]:
    """All answers for one item validated: unknown, missing or invalid ones name the question."""
    if not isinstance(answers, dict):
        raise _bad("answers must be an object of question name to value", "answers")
    by_name = {q["name"]: q for q in questions}
    unknown = sorted(set(answers) - set(by_name))
    if unknown:
        raise _bad(
            f"unknown question {unknown[0]!r}; the rubric asks {', '.join(by_name)}",
            f"answers.{unknown[0]}",
            questions=list(by_name),
        )
    out: dict[str, tuple[str | None, float | None]] = {}
    for q in questions:
        value = answers.get(q["name"])
        if value is None or (isinstance(value, str | list) and not value):
            if q["required"]:
                raise _bad(f"question {q['name']!r} needs an answer", f"answers.{q['name']}")
            continue
        out[q["name"]] = check_answer(q, value)
    if not out:
        raise _bad("answer at least one question", "answers")
    return out


def headline(
    questions: list[dict[str, Any]], cleaned: dict[str, tuple[str | None, float | None]]
) -> tuple[str | None, float | None]:
    """The label and score the annotation row carries: the first choice and first rating.

    Queue progress, exports and one-question reports read the annotation row; the full answer
    set lives in rubric_answers.
    """
    label = next(
        (
            cleaned[q["name"]][0]
            for q in questions
            if q["kind"] == "single_choice" and q["name"] in cleaned
        ),
        None,
    )
    score = next(
        (
            cleaned[q["name"]][1]
            for q in questions
            if q["kind"] in ("rating", "number") and q["name"] in cleaned
        ),
        None,
    )
    return label, score


def answer_item(
    scope: Scope,
    *,
    annotator: str,
    queue_id: str,
    target_id: str | int,
    answers: dict[str, Any],
    comment: str | None = None,
    source: str = "api",
    shown_order: str | None = None,
) -> dict[str, Any]:
    """Record all of a rater's answers for one queue item; completes their claim atomically.

    Answering again replaces the rater's earlier answers (a relabel), under the rubric's newest
    version.
    """
    from evalguard_core import annotations
    from evalguard_core.claims import rater_lock
    from evalguard_core.queues import require_queue

    if source not in annotations.SOURCES:
        raise ValueError(source)
    queue = require_queue(scope, queue_id)
    rubric = get_rubric(scope, queue["queue_id"])
    cleaned = check_answers(rubric["questions"], answers)
    label, score = headline(rubric["questions"], cleaned)
    comment = (comment or "").strip() or None
    if comment is not None and len(comment) > annotations.MAX_COMMENT_CHARS:
        raise _bad(f"comment is longer than {annotations.MAX_COMMENT_CHARS} characters", "comment")
    if shown_order is not None and (
        queue["target_type"] != "pairwise" or shown_order not in annotations.SHOWN_ORDERS
    ):
        raise _bad("shown_order (AB or BA) applies to pairwise targets only", "shown_order")

    def write_answers(annotation_id: str) -> None:
        """Store the answers next to the annotation, inside its transaction."""
        row = sql.annotation_row(scope, annotation_id)
        if row is None:  # pragma: no cover - the annotation was written in this transaction
            raise ValidationError("annotation vanished", details={"field": "target_id"})
        sql.replace_answers(scope, row, rubric["version"], cleaned)

    with rater_lock(scope.org_id, annotator):
        result = annotations._in_queue(
            scope,
            queue,
            str(target_id).strip(),
            annotator,
            source,
            label,
            score,
            comment,
            shown_order,
            after_write=write_answers,
        )
    return {
        **result,
        "rubric_version": rubric["version"],
        "answers": {k: public_value(v) for k, v in cleaned.items()},
    }


def public_value(pair: tuple[str | None, float | None]) -> Any:
    """An answer as the API returns it (a multiple choice as its list)."""
    text, number = pair
    if number is not None:
        return number
    if text is not None and text.startswith("["):
        try:
            return json.loads(text)
        except ValueError:
            return text
    return text


# -- reports --------------------------------------------------------------------------------
def choose_version(
    scope: Scope,
    run_id: str,
    question: str,
    *,
    queue_id: str | None,
    task_id: str | None,
    rubric_version: int | str | None,
) -> int | None:
    """The rubric version a question's report reads; refuses to mix versions silently.

    None means every version (only when asked with "all", or when the answers carry none:
    imported labels).
    """
    found = sql.answer_versions(scope, run_id, question, queue_id=queue_id, task_id=task_id)
    if not found:
        raise _bad(f"no answers to question {question!r} in this selection", "question")
    if rubric_version == ALL_VERSIONS:
        return None
    if rubric_version is not None:
        wanted = int(rubric_version)
        if wanted not in found:
            raise _bad(
                f"no answers to {question!r} under rubric version {wanted} (answered under: "
                f"{', '.join(str(v) for v in found)})",
                "rubric_version",
            )
        return wanted
    if len(found) > 1:
        raise _bad(
            f"answers to {question!r} come from rubric versions "
            f"{', '.join('none' if v is None else str(v) for v in found)}; choose one with "
            "rubric_version (or 'all' to pool them on purpose)",
            "rubric_version",
            versions=found,
        )
    return found[0]


def question_labels(
    scope: Scope,
    run_id: str,
    question: str,
    *,
    queue_id: str | None,
    task_id: str | None,
    rubric_version: int | str | None,
) -> tuple[Any, int | None]:
    """The human answers to one question as the engine's long table, and the version read."""
    version = choose_version(
        scope,
        run_id,
        question,
        queue_id=queue_id,
        task_id=task_id,
        rubric_version=rubric_version,
    )
    frame = sql.human_answers(
        scope, run_id, question, queue_id=queue_id, task_id=task_id, version=version
    )
    return frame, version


def judge_for_items(scope: Scope, run_id: str, judge: str, items: list[int]) -> Any:
    """The judge's verdicts on the given cases."""
    return sql.judge_for_items(scope, run_id, judge, items)


def parse_mapping(spec: str) -> dict[str, str]:
    """`question=judge,question=judge` as a mapping; names the bad pair."""
    mapping: dict[str, str] = {}
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        question, sep, judge = part.partition("=")
        if not sep or not question.strip() or not judge.strip():
            raise _bad(f"mapping entry {part!r} is not question=judge", "questions")
        mapping[question.strip()] = judge.strip()
    if not mapping:
        raise _bad("give at least one question=judge pair", "questions")
    return mapping


def align_questions(
    scope: Scope,
    *,
    run_id: str,
    mapping: dict[str, str],
    queue_id: str | None = None,
    task_id: str | None = None,
    rubric_version: int | str | None = None,
    reference: str = "consensus",
    n_boot: int = 1000,
    seed: int = 0,
) -> dict[str, Any]:
    """One alignment report per question (each against its judge) and a summary table."""
    from evalguard_core import reports

    out: dict[str, Any] = {}
    summary = []
    for question, judge in mapping.items():
        report = reports.build_report(
            scope,
            run_id=run_id,
            judge=judge,
            queue_id=queue_id,
            task_id=task_id,
            reference=reference,
            n_boot=n_boot,
            seed=seed,
            question=question,
            rubric_version=rubric_version,
        )
        out[question] = report
        metric = reports.verdict_metric(report)
        entry = (report.get("metrics") or {}).get(metric) or {}
        inter = report.get("inter_rater") or {}
        summary.append(
            {
                "question": question,
                "judge": judge,
                "rubric_version": report.get("rubric_version"),
                "n": report.get("n"),
                "metric": metric,
                "value": entry.get("value"),
                "ci_low": entry.get("ci_low"),
                "ci_high": entry.get("ci_high"),
                "inter_rater": _inter_raterheadline(inter),
            }
        )
    return {
        "run_id": run_id,
        "queue_id": queue_id,
        "reports": out,
        "summary": summary,
        "pooled": rubric_version == ALL_VERSIONS,
    }


def _version_text(version: int | None, pooled: bool) -> str:
    """How the summary names the rubric version read: a number, all (pooled) or - (imported)."""
    if version is not None:
        return str(version)
    return "all" if pooled else "-"


def _inter_raterheadline(inter: dict[str, Any]) -> dict[str, Any] | None:
    """Krippendorff's alpha of the humans on this question, when the report has it."""
    for key in ("krippendorff_alpha", "fleiss_kappa"):
        entry = inter.get(key)
        if isinstance(entry, dict) and entry.get("value") is not None:
            return {"metric": key, "value": entry.get("value")}
    return None


def summary_text(result: dict[str, Any]) -> str:
    """The per-question summary as an aligned text table (CLI, Markdown code block)."""
    header = ("question", "judge", "version", "n", "metric", "value", "95% CI", "humans")
    rows = [header]
    for s in result["summary"]:
        ci = (
            f"[{s['ci_low']:.3f}, {s['ci_high']:.3f}]"
            if s["ci_low"] is not None and s["ci_high"] is not None
            else "-"
        )
        humans = s["inter_rater"]
        rows.append(
            (
                s["question"],
                s["judge"],
                _version_text(s["rubric_version"], result.get("pooled", False)),
                str(s["n"]),
                s["metric"],
                "-" if s["value"] is None else f"{s['value']:.3f}",
                ci,
                "-" if not humans else f"{humans['metric']} {humans['value']:.3f}",
            )
        )
    widths = [max(len(r[i]) for r in rows) for i in range(len(header))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows)


# -- labels files with a question column ----------------------------------------------------
def import_staged_answers(
    scope: Scope, staged: Any, path: Path, run: dict[str, Any], fmt: str
) -> dict[str, Any]:
    """Import a long labels file (case_id, annotator, question, label and/or score)."""
    from evalguard_core.runs import check_not_blank, check_numeric
    from evalguard_core.store import labels as labels_sql
    from evalguard_core.store import runs as runs_sql

    for column in ("case_id", "annotator", "question"):
        check_not_blank(scope, staged, path, column)
    if "score" in staged.columns:
        check_numeric(scope, staged, path, "score")
    dups = runs_sql.staged_duplicates(scope, staged, ["case_id", "annotator", "question"])
    if dups:
        case_id, annotator, question = dups[0]["value"]
        raise InputFileError(
            f"{path.name}: annotator {annotator!r} answers {question!r} on case {case_id!r} "
            f"more than once (rows {', '.join(map(str, dups[0]['rows']))})",
            details={"file": str(path), "column": "question", "duplicates": dups},
        )
    rows = sql.staged_answers(staged)
    bad = next((r for r in rows if not _NAME_RE.match(r["question"])), None)
    if bad is not None:
        raise InputFileError(
            f"{path.name}: question {bad['question']!r} is not a valid name (a letter then "
            "letters, digits or _)",
            details={"file": str(path), "column": "question"},
        )
    empty = next((r for r in rows if r["label"] is None and r["score"] is None), None)
    if empty is not None:
        raise InputFileError(
            f"{path.name}: row {empty['row']} has neither a label nor a score",
            details={"file": str(path), "column": "label", "row": empty["row"]},
        )
    total, unknown = labels_sql.staged_unknown_case_ids(scope, staged, run["run_id"])
    if total:
        more = f" and {total - len(unknown)} more" if total > len(unknown) else ""
        raise InputFileError(
            f"{path.name}: {total} case_id(s) not in run {run['run_id']}: "
            f"{', '.join(unknown)}{more}; nothing was imported",
            details={"file": str(path), "column": "case_id", "unknown": unknown},
        )
    with scope.db.atomic():
        count = sql.insert_imported(
            scope,
            run["run_id"],
            rows,
            replace_annotators=sorted({r["annotator"] for r in rows}),
        )
    return {
        "run_id": run["run_id"],
        "labels": count,
        "format": fmt,
        "questions": sorted({r["question"] for r in rows}),
    }


# -- exports ---------------------------------------------------------------------------------
def answers_table(
    scope: Scope, run_id: str, *, queue_id: str | None = None, layout: str = "wide"
) -> list[dict[str, Any]]:
    """A run's answers: `long` (one row per case, rater, question) or `wide` (one column each).

    In the wide layout a question answered under several rubric versions gets one column per
    version (`coherence@v2`), so versions are never merged silently.
    """
    from evalguard_core.runs import require_run

    if layout not in ("wide", "long"):
        raise _bad("layout must be wide or long", "layout")
    run = require_run(scope, run_id)
    rows = sql.answers_long(scope, run["run_id"], queue_id=queue_id)
    for r in rows:
        r["value"] = r["score"] if r["score"] is not None else public_value((r["label"], None))
    if layout == "long":
        return rows
    versions_of: dict[str, set[Any]] = {}
    for r in rows:
        versions_of.setdefault(r["question"], set()).add(r["rubric_version"])
    wide: dict[tuple[str, str], dict[str, Any]] = {}
    for r in rows:
        column = r["question"]
        if len(versions_of[column]) > 1:
            column = f"{column}@v{r['rubric_version'] or 0}"
        key = (r["case_id"], r["annotator"])
        wide.setdefault(key, {"case_id": r["case_id"], "annotator": r["annotator"]})[column] = r[
            "value"
        ]
    return list(wide.values())
