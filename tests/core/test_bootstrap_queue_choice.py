"""Which queue a run is drawn into: queues ranked for a run, and the warning before mixing runs."""

from __future__ import annotations

from pathlib import Path

from evalguard_core import bootstrap, queues, runs
from evalguard_core.store import Scope
from tests.core.test_bootstrap import write_run


def _two_runs(scope: Scope, tmp_path: Path) -> tuple[str, str]:
    a = runs.import_run(scope, write_run(tmp_path / "a.csv", 40, seed=1), name="run A").run_id
    b = runs.import_run(scope, write_run(tmp_path / "b.csv", 40, seed=2), name="run B").run_id
    return a, b


def test_queues_for_run_rank_this_runs_queues_then_empty_then_mixing(
    scope: Scope, tmp_path: Path
) -> None:
    run_a, run_b = _two_runs(scope, tmp_path)
    of_a = queues.create_queue(scope, name="of A")["queue_id"]
    bootstrap.run_bootstrap(scope, queue_id=of_a, run_id=run_a, sample_count=5)
    queues.create_queue(scope, name="empty")
    of_b = queues.create_queue(scope, name="of B")["queue_id"]  # the newest
    bootstrap.run_bootstrap(scope, queue_id=of_b, run_id=run_b, sample_count=7)
    queues.create_queue(scope, name="pairs", target_type="pairwise")  # does not fit a single run

    ranked = bootstrap.queues_for_run(scope, run_a)
    assert [q["name"] for q in ranked] == ["of A", "empty", "of B"]
    assert [q["mixes"] for q in ranked] == [False, False, True]
    assert ranked[0]["runs"] == {str(run_a): 5} and ranked[1]["runs"] == {}
    assert ranked[2]["runs"] == {str(run_b): 7}
    assert [q["name"] for q in bootstrap.queues_for_run(scope, run_b)] == ["of B", "empty", "of A"]


def test_preview_warns_before_mixing_two_runs_in_one_queue(scope: Scope, tmp_path: Path) -> None:
    run_a, run_b = _two_runs(scope, tmp_path)
    queue = queues.create_queue(scope, name="review")["queue_id"]
    first = bootstrap.preview(scope, queue_id=queue, run_id=run_a, sample_count=5)
    assert first["other_runs"] == [] and not any("mixes" in w for w in first["warnings"])
    bootstrap.run_bootstrap(scope, queue_id=queue, run_id=run_a, sample_count=5)

    mixing = bootstrap.preview(scope, queue_id=queue, run_id=run_b, sample_count=5)
    assert mixing["other_runs"] == [{"run_id": str(run_a), "run_name": "run A", "items": 5}]
    warned = [w for w in mixing["warnings"] if "mixes two runs" in w]
    assert warned == [
        "queue 'review' already holds 5 item(s) of run 'run A': drawing run 'run B' into it "
        "mixes two runs in one queue (its progress and exports then cover both)"
    ]
    # More of the same run is no mix.
    again = bootstrap.preview(scope, queue_id=queue, run_id=run_a, sample_count=5)
    assert again["other_runs"] == []
