"""Rubrics: questions per queue, answers validated per question, versions, per-question reports."""

from __future__ import annotations

import random
from pathlib import Path

import duckdb
import pytest

from evalguard_core import annotations, claims, labels, queues, reports, rubrics, runs
from evalguard_core.db import migrations
from evalguard_core.errors import InputFileError, ValidationError
from evalguard_core.store import Scope, Store

CRITERIA = ["naturalness", "coherence", "engagingness", "groundedness"]

RUBRIC = [
    {"name": "verdict", "kind": "single_choice", "options": ["pass", "fail"]},
    {
        "name": "issues",
        "kind": "multiple_choice",
        "options": ["typo", "wrong", "rude"],
        "required": False,
    },
    {
        "name": "coherence",
        "kind": "rating",
        "scale_min": 1,
        "scale_max": 5,
        "step": 1,
        "min_label": "incoherent",
        "max_label": "coherent",
    },
    {"name": "confidence", "kind": "number", "scale_min": 0, "scale_max": 1, "required": False},
    {"name": "why", "kind": "text", "required": False},
]


@pytest.fixture
def rubric_queue(scope: Scope, sample_run: str) -> str:
    """A queue of the four sample cases with a five-question rubric."""
    queue = queues.create_queue(scope, name="rubric", created_by="admin")
    queues.add_items(scope, queue["queue_id"], [f"{sample_run}:c{i}" for i in range(1, 5)])
    rubrics.set_rubric(scope, queue["queue_id"], RUBRIC, actor="admin")
    return str(queue["queue_id"])


def test_queue_created_as_today_gets_a_one_question_rubric(scope: Scope) -> None:
    """The label set becomes a required single-choice question `label`, version 1."""
    queue = queues.create_queue(scope, name="plain")
    rubric = rubrics.get_rubric(scope, queue["queue_id"])
    assert rubric["version"] == 1 and rubric["versions"] == [1]
    assert [(q["name"], q["kind"], q["options"], q["required"]) for q in rubric["questions"]] == [
        ("label", "single_choice", ["pass", "fail"], True)
    ]
    scored = queues.create_queue(scope, name="scored", score_min=1, score_max=5)
    names = [q["name"] for q in rubrics.get_rubric(scope, scored["queue_id"])["questions"]]
    assert names == ["label", "score"]


def test_answers_complete_the_claim_atomically(scope: Scope, rubric_queue: str) -> None:
    """One request stores every answer and completes the rater's lease; item counts as done."""
    item = claims.claim_next(scope, rubric_queue, "ann")["item"]
    result = rubrics.answer_item(
        scope,
        annotator="ann",
        queue_id=rubric_queue,
        target_id=item["target_id"],
        answers={"verdict": "fail", "issues": ["wrong", "typo"], "coherence": 4, "why": "meh"},
    )
    assert result["item_status"] == "done" and result["rubric_version"] == 1
    # Multiple choice is stored in the rubric's option order.
    assert result["answers"]["issues"] == ["typo", "wrong"]
    assert claims.list_claims(scope, rubric_queue)["claims"] == []
    stored = annotations.list_queue_annotations(scope, rubric_queue)
    # The annotation row carries the first choice and first rating, for one-question readers.
    assert [(a["label"], a["score"]) for a in stored] == [("fail", 4.0)]
    long = rubrics.answers_table(scope, item["run_id"], layout="long")
    assert sorted((r["question"], r["value"]) for r in long) == [
        ("coherence", 4.0),
        ("issues", ["typo", "wrong"]),
        ("verdict", "fail"),
        ("why", "meh"),
    ]


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"verdict": "pass", "coherence": 3, "novelty": 1}, "answers.novelty"),
        ({"coherence": 3}, "answers.verdict"),
        ({"verdict": "maybe", "coherence": 3}, "answers.verdict"),
        ({"verdict": "pass", "coherence": 6}, "answers.coherence"),
        ({"verdict": "pass", "coherence": 2.5}, "answers.coherence"),
        ({"verdict": "pass", "coherence": 3, "issues": ["spam"]}, "answers.issues"),
        ({"verdict": "pass", "coherence": 3, "confidence": 1.5}, "answers.confidence"),
        ({"verdict": "pass", "coherence": True}, "answers.coherence"),
    ],
)
def test_bad_answers_name_the_question_and_store_nothing(
    scope: Scope, rubric_queue: str, answers: dict, field: str
) -> None:
    """Unknown question, missing required, option not allowed, off the scale: 400-style error."""
    item = claims.claim_next(scope, rubric_queue, "ann")["item"]
    with pytest.raises(ValidationError) as err:
        rubrics.answer_item(
            scope,
            annotator="ann",
            queue_id=rubric_queue,
            target_id=item["target_id"],
            answers=answers,
        )
    assert err.value.details["field"] == field
    assert annotations.list_queue_annotations(scope, rubric_queue) == []
    assert len(claims.list_claims(scope, rubric_queue)["claims"]) == 1


def test_bad_rubrics_are_refused(scope: Scope, rubric_queue: str) -> None:
    """A rating without a scale, duplicate names, options on a number: named errors."""
    bad = [
        ([{"name": "x", "kind": "rating"}], "questions[0].scale_min"),
        ([{"name": "x", "kind": "text"}, {"name": "x", "kind": "text"}], "questions[1].name"),
        ([{"name": "x", "kind": "number", "options": ["a"]}], "questions[0].options"),
        ([{"name": "1x", "kind": "text"}], "questions[0].name"),
        ([{"name": "x", "kind": "single_choice", "options": ["a", "a"]}], "questions[0].options"),
    ]
    for questions, field in bad:
        with pytest.raises(ValidationError) as err:
            rubrics.set_rubric(scope, rubric_queue, questions, actor="admin")
        assert err.value.details["field"] == field


def test_changing_a_rubric_after_labels_makes_a_new_version(
    scope: Scope, rubric_queue: str, sample_run: str
) -> None:
    """Labels keep the version they answered; a report refuses to mix versions unless asked."""
    # Before any label, an edit replaces version 1 in place.
    same = rubrics.set_rubric(scope, rubric_queue, RUBRIC[:3], actor="admin")
    assert same["versions"] == [1]
    first = claims.claim_next(scope, rubric_queue, "ann")["item"]
    rubrics.answer_item(
        scope,
        annotator="ann",
        queue_id=rubric_queue,
        target_id=first["target_id"],
        answers={"verdict": "pass", "coherence": 5},
    )
    changed = [*RUBRIC[:2], {**RUBRIC[2], "scale_max": 7}]
    after = rubrics.set_rubric(scope, rubric_queue, changed, actor="admin")
    assert after["version"] == 2 and after["versions"] == [1, 2] and after["changed"]
    # Re-sending the same rubric is no new version.
    assert rubrics.set_rubric(scope, rubric_queue, changed, actor="admin")["versions"] == [1, 2]
    second = claims.claim_next(scope, rubric_queue, "ann")["item"]
    with pytest.raises(ValidationError):  # 7 was off the old scale, so the new one is in force
        rubrics.answer_item(
            scope,
            annotator="ann",
            queue_id=rubric_queue,
            target_id=second["target_id"],
            answers={"verdict": "pass"},
        )
    out = rubrics.answer_item(
        scope,
        annotator="ann",
        queue_id=rubric_queue,
        target_id=second["target_id"],
        answers={"verdict": "pass", "coherence": 7},
    )
    assert out["rubric_version"] == 2
    assert rubrics.get_rubric(scope, rubric_queue, 1)["questions"][2]["scale_max"] == 5.0
    wide = rubrics.answers_table(scope, sample_run, queue_id=rubric_queue)
    assert {k for row in wide for k in row} >= {"coherence@v1", "coherence@v2"}
    with pytest.raises(ValidationError) as err:
        reports.build_report(
            scope,
            run_id=sample_run,
            judge="accuracy",
            queue_id=rubric_queue,
            question="coherence",
            n_boot=0,
        )
    assert err.value.details["field"] == "rubric_version"
    assert "versions 1, 2" in str(err.value)
    report = reports.build_report(
        scope,
        run_id=sample_run,
        judge="accuracy",
        queue_id=rubric_queue,
        question="coherence",
        rubric_version=2,
        n_boot=0,
    )
    assert report["n"] == 1 and report["rubric_version"] == 2


def test_seed_annotation_contract_answers_the_label_question(scope: Scope, sample_run: str) -> None:
    """`label`/`score` through the one-question path read as answers to `label`/`score`."""
    queue = queues.create_queue(scope, name="plain", score_min=0, score_max=1)
    queues.add_items(scope, queue["queue_id"], [f"{sample_run}:c1"])
    claims.claim_next(scope, queue["queue_id"], "bob")  # a queue label needs the rater's lease
    annotations.create_annotation(
        scope,
        annotator="bob",
        target_id=f"{sample_run}:c1",
        target_type="eval_case",
        label="pass",
        score=0.5,
        queue_id=queue["queue_id"],
    )
    wide = rubrics.answers_table(scope, sample_run, queue_id=queue["queue_id"])
    assert wide == [{"case_id": "c1", "annotator": "bob", "label": "pass", "score": 0.5}]


def _topical_chat(tmp_path: Path, n: int = 40, seed: int = 7) -> tuple[Path, Path]:
    """A run with four judge scorers and a long labels file: three raters, four criteria."""
    rng = random.Random(seed)
    header = ["case_id", "input", "output"] + [f"score:judge_{c[:3]}" for c in CRITERIA]
    lines = [",".join(header)]
    truth: dict[tuple[int, str], int] = {}
    for i in range(n):
        judged = []
        for c in CRITERIA:
            truth[(i, c)] = rng.randint(1, 3)
            judged.append(str(truth[(i, c)] + rng.choice([0, 0, 0, 1, -1])))
        lines.append(f"k{i},ctx {i},resp {i}," + ",".join(judged))
    run_csv = tmp_path / "topical.csv"
    run_csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = ["case_id,annotator,question,score"]
    for i in range(n):
        for rater in ("r1", "r2", "r3"):
            for c in CRITERIA:
                rows.append(f"k{i},{rater},{c},{truth[(i, c)] + rng.choice([0, 0, 0, 0, 1])}")
    labels_csv = tmp_path / "topical_labels.csv"
    labels_csv.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return run_csv, labels_csv


def test_four_criterion_run_gets_four_reports_and_a_summary(scope: Scope, tmp_path: Path) -> None:
    """Topical-Chat style: one run, four questions, one report per question against its judge."""
    run_csv, labels_csv = _topical_chat(tmp_path)
    run_id = runs.import_run(scope, run_csv, name="topical").run_id
    imported = labels.import_labels(scope, labels_csv, run_id=run_id)
    assert imported["labels"] == 40 * 3 * 4 and imported["questions"] == sorted(CRITERIA)
    mapping = rubrics.parse_mapping(",".join(f"{c}=judge_{c[:3]}" for c in CRITERIA))
    result = rubrics.align_questions(scope, run_id=run_id, mapping=mapping, n_boot=200)
    assert list(result["reports"]) == CRITERIA
    assert [s["question"] for s in result["summary"]] == CRITERIA
    for s in result["summary"]:
        assert s["n"] == 40 and s["metric"] == "pearson"
        assert s["ci_low"] <= s["value"] <= s["ci_high"]
        assert s["inter_rater"] is not None
    table = rubrics.summary_text(result)
    assert all(c in table for c in CRITERIA)
    # Wide export: one column per question.
    wide = rubrics.answers_table(scope, run_id)
    assert len(wide) == 120 and set(wide[0]) == {"case_id", "annotator", *CRITERIA}
    # Re-importing replaces the raters' earlier answers rather than doubling them.
    labels.import_labels(scope, labels_csv, run_id=run_id)
    assert len(rubrics.answers_table(scope, run_id, layout="long")) == 480


def test_long_labels_file_errors_import_nothing(scope: Scope, tmp_path: Path) -> None:
    """A repeated (case, rater, question) or an unknown case names the problem, stores nothing."""
    run_csv, _ = _topical_chat(tmp_path, n=3)
    run_id = runs.import_run(scope, run_csv, name="topical").run_id
    dup = tmp_path / "dup.csv"
    dup.write_text("case_id,annotator,question,score\nk0,r1,coherence,2\nk0,r1,coherence,3\n")
    with pytest.raises(InputFileError, match="more than once"):
        labels.import_labels(scope, dup, run_id=run_id)
    unknown = tmp_path / "unknown.csv"
    unknown.write_text("case_id,annotator,question,score\nk0,r1,coherence,2\nzz,r1,coherence,3\n")
    with pytest.raises(InputFileError, match="not in run"):
        labels.import_labels(scope, unknown, run_id=run_id)
    assert rubrics.answers_table(scope, run_id, layout="long") == []


def test_old_duckdb_store_migrates_its_queues_to_rubrics(tmp_path: Path) -> None:
    """A store at schema 1 with queues opens with a version-1 rubric for each."""
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    version, name, script = migrations("duckdb")[0]
    for stmt in [s for s in script.split(";") if s.strip()]:
        con.execute(stmt)
    con.execute("INSERT INTO schema_version VALUES (?, ?, now())", [version, name])
    con.execute(
        "INSERT INTO queues (queue_id, org_id, name, target_type, label_options, score_min, "
        "score_max) VALUES ('11111111-1111-4111-8111-111111111111', "
        "'00000000-0000-4000-8000-000000000001', 'old', 'eval_case', '[\"good\", \"bad\"]', "
        "1, 5)"
    )
    con.close()
    store = Store.open(str(path))
    try:
        rubric = rubrics.get_rubric(store.scope(), "11111111-1111-4111-8111-111111111111")
        assert [(q["name"], q["kind"]) for q in rubric["questions"]] == [
            ("label", "single_choice"),
            ("score", "rating"),
        ]
        assert rubric["questions"][0]["options"] == ["good", "bad"]
        assert rubric["questions"][1]["scale_max"] == 5.0
    finally:
        store.close()
