"""MT-Bench / FastChat `llm_judge` judgments (`*_single.jsonl`, `*_pair.jsonl`).

Joined with the question, answer and reference files when they sit beside the judgments
(FastChat's `data/mt_bench/` layout: `question.jsonl`, `model_answer/<model>.jsonl`,
`reference_answer/<judge>.jsonl`; flat `model_answer_<model>.jsonl` files are read too).
A single-grading score of -1 means the judge failed to answer: missing, not a score.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from evalguard_core.importers.base import (
    Format,
    RunTable,
    Sniff,
    as_dict,
    fail,
    iter_jsonl,
    number,
    scorer_name,
    text,
)

NAME = "mt-bench"


def _judgment_files(path: Path) -> list[Path]:
    """The judgment files of a path (a file, or a directory with or without model_judgment/)."""
    if path.is_file():
        return [path]
    found: list[Path] = []
    for folder in (path, path / "model_judgment"):
        if folder.is_dir():
            found += sorted(
                p for p in folder.iterdir() if p.name.endswith(("_single.jsonl", "_pair.jsonl"))
            )
    return found


def sniff(s: Sniff) -> bool:
    """A judgment JSONL (question_id, judge, and score or g1_winner) or a folder holding one."""
    if s.path.is_dir():
        return any(
            n.endswith(("_single.jsonl", "_pair.jsonl")) or n == "model_judgment" for n in s.names
        )
    first = s.first_json()
    return (
        isinstance(first, dict)
        and "question_id" in first
        and "judge" in first
        and ("score" in first or "g1_winner" in first)
    )


def _load_jsonl_by(path: Path, key: str) -> dict[Any, dict[str, Any]]:
    """A JSONL file keyed by one field."""
    out: dict[Any, dict[str, Any]] = {}
    for lineno, rec in iter_jsonl(path, NAME):
        rec = as_dict(rec, NAME, path, f"on line {lineno}")
        out[rec.get(key)] = rec
    return out


def _turn_text(record: dict[str, Any] | None, turn: int) -> str | None:
    """Turn `turn` (1-based) of a question or of an answer's first choice."""
    if not record:
        return None
    turns = record.get("turns")
    if turns is None:
        choices = record.get("choices") or [{}]
        turns = choices[0].get("turns") if isinstance(choices[0], dict) else None
    if isinstance(turns, list) and 0 < turn <= len(turns):
        return text(turns[turn - 1])
    return None


class _Joins:
    """Questions, answers per model and reference answers found beside the judgments."""

    def __init__(self, roots: list[Path]) -> None:
        self.questions: dict[Any, dict[str, Any]] = {}
        self.answers: dict[str, dict[Any, dict[str, Any]]] = {}
        self.references: dict[Any, dict[str, Any]] = {}
        for root in roots:
            if not self.questions and (root / "question.jsonl").is_file():
                self.questions = _load_jsonl_by(root / "question.jsonl", "question_id")
            for folder, prefix in ((root / "model_answer", ""), (root, "model_answer_")):
                if folder.is_dir():
                    for p in sorted(folder.glob(f"{prefix}*.jsonl")):
                        model = p.stem[len(prefix) :]
                        self.answers.setdefault(model, _load_jsonl_by(p, "question_id"))
            for folder, prefix in ((root / "reference_answer", ""), (root, "reference_answer_")):
                if folder.is_dir() and not self.references:
                    for p in sorted(folder.glob(f"{prefix}*.jsonl")):
                        self.references = _load_jsonl_by(p, "question_id")
                        break

    def answer(self, model: str, qid: Any) -> dict[str, Any] | None:
        """A model's answer to a question (model names matched with or without an org prefix)."""
        table = self.answers.get(model) or self.answers.get(model.rsplit("/", 1)[-1])
        return table.get(qid) if table else None


def load(path: Path) -> list[RunTable]:
    """Read each judgment file into one run (single grading, or pairwise for *_pair)."""
    files = _judgment_files(path)
    if not files:
        raise fail(NAME, path, None, "no *_single.jsonl or *_pair.jsonl judgment file found")
    base = path if path.is_dir() else path.parent
    joins = _Joins([base, base.parent] if base.name == "model_judgment" else [base, base.parent])
    return [_load_file(f, joins) for f in files]


def _load_file(path: Path, joins: _Joins) -> RunTable:
    """One judgment file as one run."""
    rows: list[dict[str, Any]] = []
    judges: set[str] = set()
    seen: set[str] = set()
    pair = path.name.endswith("_pair.jsonl")
    for lineno, raw in iter_jsonl(path, NAME):
        where = f"on line {lineno}"
        rec = as_dict(raw, NAME, path, where)
        qid, turn = rec.get("question_id"), rec.get("turn", 1)
        if qid is None or not isinstance(turn, int):
            raise fail(NAME, path, where, "needs question_id and an integer turn")
        judge = rec.get("judge")
        scorer = scorer_name(judge[0] if isinstance(judge, list) and judge else judge or "judge")
        judges.add(scorer)
        question = joins.questions.get(qid)
        row: dict[str, Any] = {
            "input": _turn_text(question, turn),
            "expected": _turn_text(joins.references.get(qid), turn),
            "question_id": text(qid),
            "turn": text(turn),
            "category": text(question.get("category")) if question else None,
            "judge_prompt": text(judge[1]) if isinstance(judge, list) and len(judge) > 1 else None,
        }
        if pair:
            m1, m2 = rec.get("model_1"), rec.get("model_2")
            if not m1 or not m2:
                raise fail(NAME, path, where, "a pair judgment needs model_1 and model_2")
            row["case_id"] = f"{qid}:{turn}:{m1}:{m2}"
            row["output_a"] = _turn_text(joins.answer(str(m1), qid), turn)
            row["output_b"] = _turn_text(joins.answer(str(m2), qid), turn)
            row["model_a"], row["model_b"] = str(m1), str(m2)
            g1, g2 = rec.get("g1_winner"), rec.get("g2_winner")
            row["g1_winner"], row["g2_winner"] = text(g1), text(g2)
            verdict = _pair_label(g1, g2)
            if verdict:
                row[f"label:{scorer}"] = verdict
            reasons = [rec.get("g1_judgment"), rec.get("g2_judgment")]
            row[f"reason:{scorer}"] = "\n\n---\n\n".join(str(r) for r in reasons if r) or None
        else:
            model = rec.get("model")
            if not model:
                raise fail(NAME, path, where, "a single judgment needs 'model'")
            row["case_id"] = f"{qid}:{turn}:{model}"
            row["output"] = _turn_text(joins.answer(str(model), qid), turn)
            row["model"] = str(model)
            score = number(rec.get("score"))
            row[f"score:{scorer}"] = None if score == -1 else score
            row["judge_failed"] = "true" if score == -1 or score is None else None
            row[f"reason:{scorer}"] = text(rec.get("judgment"))
        if row["case_id"] in seen:
            raise fail(NAME, path, where, f"judgment {row['case_id']!r} appears twice")
        seen.add(row["case_id"])
        rows.append(row)
    if not rows:
        raise fail(NAME, path, None, "the file holds no judgments")
    return RunTable(name=path.stem, rows=rows, judges=sorted(judges))


def _pair_label(g1: Any, g2: Any) -> str | None:
    """FastChat's rule: both orders agree on a winner, else a tie (its 'inconsistent')."""
    side = {"model_1": "A", "model_2": "B", "tie": "tie", "tie (inconsistent)": "tie"}
    a, b = side.get(str(g1)), side.get(str(g2)) if g2 is not None else side.get(str(g1))
    if a is None or b is None:
        return None  # the judge's answer was unparseable ("error")
    return a if a == b else "tie"


FORMAT = Format(
    name=NAME,
    title="MT-Bench / FastChat judgments",
    files="model_judgment/*_single.jsonl, *_pair.jsonl (+ question.jsonl, model_answer/)",
    maps="case_id = question_id:turn:model; question turns[turn-1] -> input; the model's answer "
    "-> output (pairs: output_a/output_b); reference answer -> expected; score -> score of the "
    "judge (-1 = judge failed: missing); g1/g2_winner -> A/B/tie; judgment -> reason",
    sniff=sniff,
    load=load,
)
