"""The CLI for task rubrics as a user runs it: create a task with a rubric, answer an item as a
rater, show the rubric; bad answers are one line on stderr and exit 2."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import SAMPLE_CSV
from tests.test_cli import evalguard

RUBRIC = {
    "questions": [
        {"name": "verdict", "kind": "single_choice", "options": ["pass", "fail"]},
        {"name": "coherence", "kind": "rating", "scale_min": 1, "scale_max": 3},
    ]
}


def test_task_with_a_rubric_answered_from_the_cli(tmp_path: Path) -> None:
    """tasks create --rubric, tasks answer --as, rubric show --task, tasks show."""
    db = tmp_path / "cli.duckdb"
    run_csv = tmp_path / "run.csv"
    run_csv.write_text(SAMPLE_CSV)
    run_id = evalguard("import", str(run_csv), db=db).stdout.strip()
    rubric = tmp_path / "rubric.json"
    rubric.write_text(json.dumps(RUBRIC))
    made = evalguard(
        "tasks", "create", "--name", "review", "--run", run_id, "--rubric", str(rubric), db=db
    )
    assert made.returncode == 0, made.stderr
    task_id = made.stdout.strip()
    shown = evalguard("rubric", "show", "--task", task_id, db=db)
    assert shown.returncode == 0 and "coherence" in shown.stdout and "verdict" in shown.stdout
    task = json.loads(evalguard("tasks", "show", task_id, "--json", db=db).stdout)
    item_id = task["items"][0]["id"]
    answers = json.dumps({"verdict": "fail", "coherence": 3})
    done = evalguard(
        "tasks", "answer", task_id, "--item", item_id, "--as", "rita", "--answers", answers, db=db
    )
    assert done.returncode == 0, done.stderr
    assert "rubric v1" in done.stdout and "coherence=3.0" in done.stdout
    task = json.loads(evalguard("tasks", "show", task_id, "--json", db=db).stdout)
    first = task["items"][0]
    assert first["labeledBy"] == "rita" and first["answers"] == {"verdict": "fail", "coherence": 3}
    assert task["completedCount"] == 1

    bad = evalguard(
        "tasks",
        "answer",
        task_id,
        "--item",
        item_id,
        "--as",
        "rita",
        "--answers",
        json.dumps({"verdict": "fail", "coherence": 9}),
        db=db,
    )
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1
    assert "coherence" in bad.stderr and "Traceback" not in bad.stderr

    # A bad rubric file creates no task.
    rubric.write_text(json.dumps({"questions": [{"name": "x", "kind": "rating"}]}))
    refused = evalguard(
        "tasks", "create", "--name", "no", "--run", run_id, "--rubric", str(rubric), db=db
    )
    assert refused.returncode == 2 and "scale_min" in refused.stderr
    assert len(json.loads(evalguard("tasks", "list", "--json", db=db).stdout)) == 1
