"""Rubrics on tasks, rubric versions that follow queue settings and one-question labels, and a
four-criterion run bootstrapped into one rubric queue (issue #19)."""

from __future__ import annotations

import pytest

from evalguard_core import (
    annotations,
    bootstrap,
    claims,
    labels,
    lifecycle,
    queues,
    rubrics,
    runs,
    tasks,
)
from evalguard_core.errors import ValidationError
from evalguard_core.store import Scope
from tests.core.test_rubrics import CRITERIA, _topical_chat

TASK_RUBRIC = [
    {"name": "verdict", "kind": "single_choice", "options": ["pass", "fail"]},
    {"name": "issues", "kind": "multiple_choice", "options": ["typo", "wrong"], "required": False},
    {"name": "coherence", "kind": "rating", "scale_min": 1, "scale_max": 3},
]


def _label(scope: Scope, queue_id: str, rater: str, **value: object) -> dict:
    """Claim the rater's next item and label it the one-question way (`POST /annotations`)."""
    item = claims.claim_next(scope, queue_id, rater)["item"]
    annotations.label_claimed(scope, queue_id, rater, item, **value)  # type: ignore[arg-type]
    return item


def _versions_answered(scope: Scope, run_id: str, queue_id: str) -> list[tuple[str, str, int]]:
    """(annotator, question, rubric version) of every answer in the queue."""
    rows = rubrics.answers_table(scope, run_id, queue_id=queue_id, layout="long")
    return sorted((r["annotator"], r["question"], r["rubric_version"]) for r in rows)


# -- bug: PATCH of label_options / score range --------------------------------------------------
def test_patching_label_options_rewrites_the_rubric_in_place_before_labels(
    scope: Scope, sample_run: str
) -> None:
    """No labels yet: the one-question rubric is edited in place (still version 1)."""
    queue = queues.create_queue(scope, name="plain")
    queues.update_queue(scope, queue["queue_id"], {"label_options": ["good", "bad", "unsure"]})
    rubric = rubrics.get_rubric(scope, queue["queue_id"])
    assert rubric["versions"] == [1]
    assert rubric["questions"][0]["options"] == ["good", "bad", "unsure"]


def test_patching_label_options_after_labels_makes_a_new_version(
    scope: Scope, sample_run: str
) -> None:
    """Labels exist: v2 asks the new options; the old label keeps v1, the new one records v2."""
    queue = queues.create_queue(scope, name="plain")
    qid = queue["queue_id"]
    queues.add_items(scope, qid, [f"{sample_run}:c1", f"{sample_run}:c2"])
    _label(scope, qid, "ann", label="pass")
    queues.update_queue(scope, qid, {"label_options": ["pass", "fail", "unsure"]}, actor="admin")
    rubric = rubrics.get_rubric(scope, qid)
    assert rubric["versions"] == [1, 2]
    assert rubric["questions"][0]["options"] == ["pass", "fail", "unsure"]
    assert rubrics.get_rubric(scope, qid, 1)["questions"][0]["options"] == ["pass", "fail"]
    _label(scope, qid, "bob", label="unsure")
    assert _versions_answered(scope, sample_run, qid) == [
        ("ann", "label", 1),
        ("bob", "label", 2),
    ]
    # A per-question report never mixes the two versions silently.
    with pytest.raises(ValidationError, match="rubric versions 1, 2"):
        rubrics.choose_version(
            scope, sample_run, "label", queue_id=qid, task_id=None, rubric_version=None
        )
    # A score range added later becomes an optional rating question of the next version.
    queues.update_queue(scope, qid, {"score_min": 1, "score_max": 5})
    rubric = rubrics.get_rubric(scope, qid)
    assert rubric["version"] == 3
    assert [(q["name"], q["required"]) for q in rubric["questions"]] == [
        ("label", False),
        ("score", False),
    ]
    assert rubric["questions"][1]["scale_max"] == 5


def test_patching_label_options_leaves_an_admin_written_rubric_alone(
    scope: Scope, sample_run: str
) -> None:
    """A rubric of several questions is not derived from label_options: it stays as written."""
    queue = queues.create_queue(scope, name="rubric")
    rubrics.set_rubric(scope, queue["queue_id"], TASK_RUBRIC, actor="admin")
    queues.update_queue(scope, queue["queue_id"], {"label_options": ["x", "y"]})
    rubric = rubrics.get_rubric(scope, queue["queue_id"])
    assert rubric["versions"] == [1]
    assert [q["name"] for q in rubric["questions"]] == ["verdict", "issues", "coherence"]


# -- bug: one-question labels on a queue at rubric version >= 2 ------------------------------------
def test_one_question_label_records_the_current_rubric_version(
    scope: Scope, sample_run: str
) -> None:
    """`POST /annotations` (label/score) on a queue at v2 answers v2, and a relabel follows."""
    queue = queues.create_queue(scope, name="scored", score_min=0, score_max=1)
    qid = queue["queue_id"]
    queues.add_items(scope, qid, [f"{sample_run}:c{i}" for i in (1, 2, 3)])
    _label(scope, qid, "ann", label="pass", score=0.5)
    v2 = rubrics.default_rubric({"label_options": ["pass", "fail"], "score_min": 0, "score_max": 1})
    v2[0]["description"] = "Is the answer right?"  # a changed question: a new version
    assert rubrics.set_rubric(scope, qid, v2, actor="admin")["version"] == 2
    item = _label(scope, qid, "bob", label="fail", score=0.25)
    assert _versions_answered(scope, sample_run, qid) == [
        ("ann", "label", 1),
        ("ann", "score", 1),
        ("bob", "label", 2),
        ("bob", "score", 2),
    ]
    frame, version = rubrics.question_labels(
        scope, sample_run, "score", queue_id=qid, task_id=None, rubric_version=2
    )
    assert version == 2 and list(frame["score"]) == [0.25]
    # Replacing the label through the lifecycle path keeps answers and label in step.
    annotation = next(
        a for a in annotations.list_queue_annotations(scope, qid) if a["annotator"] == "bob"
    )
    lifecycle.replace_label(
        scope, annotation["annotation_id"], annotator="bob", label="pass", score=0.75
    )
    long = rubrics.answers_table(scope, sample_run, queue_id=qid, layout="long")
    assert sorted(
        (r["case_id"], r["question"], r["value"], r["rubric_version"])
        for r in long
        if r["annotator"] == "bob"
    ) == [(item["case_id"], "label", "pass", 2), (item["case_id"], "score", 0.75, 2)]
    # The wide export keeps the versions apart.
    columns = {c for row in rubrics.answers_table(scope, sample_run) for c in row}
    assert {"label@v1", "label@v2", "score@v1", "score@v2"} <= columns


def test_answers_of_an_undone_label_are_gone(scope: Scope, sample_run: str) -> None:
    """Undo takes back the label and with it its answers (reports and exports no longer read
    them)."""
    queue = queues.create_queue(scope, name="rubric")
    qid = queue["queue_id"]
    queues.add_items(scope, qid, [f"{sample_run}:c1"])
    rubrics.set_rubric(scope, qid, TASK_RUBRIC, actor="admin")
    item = claims.claim_next(scope, qid, "ann")["item"]
    rubrics.answer_item(
        scope,
        annotator="ann",
        queue_id=qid,
        target_id=item["target_id"],
        answers={"verdict": "pass", "coherence": 2},
    )
    assert len(rubrics.answers_table(scope, sample_run, layout="long")) == 2
    lifecycle.undo_last(scope, qid, "ann")
    assert rubrics.answers_table(scope, sample_run, layout="long") == []


# -- task rubrics --------------------------------------------------------------------------------
@pytest.fixture
def task_id(scope: Scope, sample_run: str) -> str:
    """A task over the four sample cases with a three-question rubric."""
    task = tasks.create_task_from_run(scope, run_id=sample_run, name="review", created_by="adm")
    rubrics.set_task_rubric(scope, task["id"], TASK_RUBRIC, actor="adm")
    return str(task["id"])


def test_new_task_has_a_one_question_rubric(scope: Scope, sample_run: str) -> None:
    """A task made as before asks one required single choice over its label options."""
    task = tasks.create_task_from_run(
        scope, run_id=sample_run, name="t", label_options=["good", "bad"]
    )
    rubric = rubrics.get_task_rubric(scope, task["id"])
    assert rubric["task_id"] == task["id"] and rubric["queue_id"] is None
    assert [(q["name"], q["kind"], q["options"]) for q in rubric["questions"]] == [
        ("label", "single_choice", ["good", "bad"])
    ]
    # The seed label records the answer to `label` under that version.
    item = tasks.get_task(scope, task["id"])["items"][0]
    done = tasks.label_item(scope, task["id"], item["id"], label="bad", actor="ann")
    assert done["answers"] == {"label": "bad"} and done["rubricVersion"] == 1


def test_task_item_answered_in_one_call(scope: Scope, task_id: str, sample_run: str) -> None:
    """All answers stored together; the item counts as labelled; a second answer replaces."""
    item = tasks.get_task(scope, task_id)["items"][0]
    done = tasks.answer_item(
        scope,
        task_id,
        item["id"],
        answers={"verdict": "fail", "issues": ["wrong", "typo"], "coherence": 2},
        notes="off topic",
        actor="ann",
    )
    assert done["label"] == "fail" and done["labeledBy"] == "ann"
    assert done["answers"] == {"verdict": "fail", "issues": ["typo", "wrong"], "coherence": 2.0}
    assert done["rubricVersion"] == 1
    task = tasks.get_task(scope, task_id)
    assert task["completedCount"] == 1 and task["status"] == "in_progress"
    tasks.answer_item(
        scope, task_id, item["id"], answers={"verdict": "pass", "coherence": 3}, actor="ann"
    )
    long = rubrics.answers_table(scope, sample_run, layout="long")
    assert sorted((r["question"], r["value"]) for r in long) == [
        ("coherence", 3.0),
        ("verdict", "pass"),
    ]
    # A blind rater does not see another rater's answers.
    other = tasks.get_task(scope, task_id, blind_for="bob")["items"][0]
    assert other["answers"] is None and other["label"] is None


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"verdict": "pass", "coherence": 2, "tone": "ok"}, "answers.tone"),
        ({"coherence": 2}, "answers.verdict"),
        ({"verdict": "maybe", "coherence": 2}, "answers.verdict"),
        ({"verdict": "pass", "coherence": 4}, "answers.coherence"),
        ({"verdict": "pass", "coherence": 2, "issues": ["rude"]}, "answers.issues"),
    ],
)
def test_bad_task_answers_name_the_question_and_store_nothing(
    scope: Scope, task_id: str, sample_run: str, answers: dict, field: str
) -> None:
    """Unknown question, missing required answer, option not allowed, value off the scale."""
    item = tasks.get_task(scope, task_id)["items"][0]
    with pytest.raises(ValidationError) as err:
        tasks.answer_item(scope, task_id, item["id"], answers=answers, actor="ann")
    assert err.value.details["field"] == field
    task = tasks.get_task(scope, task_id)
    assert task["completedCount"] == 0 and task["items"][0]["labeledAt"] is None
    assert rubrics.answers_table(scope, sample_run, layout="long") == []


def test_task_rubric_versions_and_per_question_alignment(
    scope: Scope, task_id: str, sample_run: str
) -> None:
    """A change after labels is v2; answers keep their version; alignment reads one question."""
    items = tasks.get_task(scope, task_id)["items"]
    for rater in ("ann", "bob"):
        for item in items:
            tasks.answer_item(
                scope,
                task_id,
                item["id"],
                answers={"verdict": "fail" if item["caseId"] == "c2" else "pass", "coherence": 2},
                actor=rater,
            )
    changed = [*TASK_RUBRIC[:2], {**TASK_RUBRIC[2], "scale_max": 5}]
    assert rubrics.set_task_rubric(scope, task_id, changed, actor="adm")["version"] == 2
    assert rubrics.get_task_rubric(scope, task_id, 1)["questions"][2]["scale_max"] == 3
    result = rubrics.align_questions(
        scope, run_id=sample_run, mapping={"verdict": "llm_judge"}, task_id=task_id, n_boot=50
    )
    summary = result["summary"][0]
    assert summary["rubric_version"] == 1 and summary["n"] == 4
    # The v2 scale is enforced for new answers.
    done = tasks.answer_item(
        scope, task_id, items[0]["id"], answers={"verdict": "pass", "coherence": 5}, actor="cy"
    )
    assert done["rubricVersion"] == 2


def test_task_rubric_of_ratings_only_counts_items_as_done(scope: Scope, sample_run: str) -> None:
    """A rubric without a choice question: the item has no headline label but is done."""
    task = tasks.create_task_from_run(scope, run_id=sample_run, name="t", case_ids=["c1"])
    rubrics.set_task_rubric(
        scope,
        task["id"],
        [{"name": "coherence", "kind": "rating", "scale_min": 1, "scale_max": 3}],
        actor="adm",
    )
    item = tasks.get_task(scope, task["id"])["items"][0]
    done = tasks.answer_item(scope, task["id"], item["id"], answers={"coherence": 3}, actor="a")
    assert done["label"] is None and done["answers"] == {"coherence": 3.0}
    task = tasks.get_task(scope, task["id"])
    assert task["status"] == "completed" and tasks.next_unlabelled(task) is None


# -- four criteria end to end ----------------------------------------------------------------------
def test_four_criterion_run_bootstraps_into_one_rubric_queue(scope: Scope, tmp_path) -> None:
    """One run with four judge scorers, one bootstrapped queue with four questions, three raters
    answering through the rubric path: four reports (one per question) and a summary."""
    run_csv, labels_csv = _topical_chat(tmp_path, n=30)
    run_id = runs.import_run(scope, run_csv, name="topical").run_id
    assert len(runs.list_runs(scope)) == 1
    queue = queues.create_queue(scope, name="topical", annotations_per_item=3)
    qid = queue["queue_id"]
    rubrics.set_rubric(
        scope,
        qid,
        [{"name": c, "kind": "rating", "scale_min": 1, "scale_max": 4} for c in CRITERIA],
        actor="admin",
    )
    drawn = bootstrap.run_bootstrap(
        scope, queue_id=qid, run_id=run_id, sample_count=30, stratify_by="none", seed=3
    )
    assert drawn["total_added"] == 30
    # The raters' answers are those of the labels file (the same truth + noise generator).
    wanted: dict[tuple[str, str], dict[str, float]] = {}
    for line in labels_csv.read_text().splitlines()[1:]:
        case_id, rater, question, score = line.split(",")
        wanted.setdefault((case_id, rater), {})[question] = min(4.0, float(score))
    for rater in ("r1", "r2", "r3"):
        while True:
            try:
                item = claims.claim_next(scope, qid, rater)["item"]
            except Exception:  # noqa: BLE001 - the queue is finished for this rater
                break
            rubrics.answer_item(
                scope,
                annotator=rater,
                queue_id=qid,
                target_id=item["target_id"],
                answers=wanted[(item["case_id"], rater)],
            )
    assert queues.get_queue(scope, qid)["progress"]["done"] == 30
    mapping = {c: f"judge_{c[:3]}" for c in CRITERIA}
    result = rubrics.align_questions(
        scope, run_id=run_id, mapping=mapping, queue_id=qid, n_boot=200
    )
    assert list(result["reports"]) == CRITERIA
    for s in result["summary"]:
        assert s["rubric_version"] == 1 and s["n"] == 30 and s["metric"] == "pearson"
        assert s["ci_low"] <= s["value"] <= s["ci_high"]
        assert s["inter_rater"] is not None
    wide = rubrics.answers_table(scope, run_id, queue_id=qid)
    assert len(wide) == 90 and set(wide[0]) == {"case_id", "annotator", *CRITERIA}
    # The same run also takes the labels file: imported answers stay apart from the queue's.
    labels.import_labels(scope, labels_csv, run_id=run_id)
    assert len(rubrics.answers_table(scope, run_id, queue_id=qid, layout="long")) == 360
