"""Folding per-source results into the summary, phase, message and conditions of the status."""

from __future__ import annotations

import datetime

import pytest

from snapshot_operator.engine.aggregate import (
    failed_conditions,
    final_conditions,
    final_message,
    final_phase,
    keep_transition_times,
    running_conditions,
    summarize,
)
from snapshot_operator.models.status import (
    Action,
    Condition,
    ConditionStatus,
    Outcome,
    Phase,
    ResultData,
    SnapshotType,
    SourceResult,
    Summary,
)

EARLIER = datetime.datetime(2025, 3, 1, 9, 0, 0, tzinfo=datetime.UTC)
NOW = datetime.datetime(2025, 3, 1, 9, 5, 0, tzinfo=datetime.UTC)
CONDITION_TYPES = ["Complete", "Failed", "Ready", "Reconciling", "Stalled"]


def result(name: str, outcome: Outcome) -> SourceResult:
    data = ResultData(snapshot_type=SnapshotType.NONE, action=Action.NONE, outcome=outcome)
    return SourceResult.from_outcome(name, f"{name} ended with {outcome.value}.", data)


def statuses(conditions: list[Condition]) -> dict[str, ConditionStatus]:
    return {condition.type: condition.status for condition in conditions}


T = ConditionStatus.TRUE
F = ConditionStatus.FALSE


def test_summarize_counts_success_outcomes() -> None:
    results = [
        result("a", Outcome.NOT_RUNNING),
        result("b", Outcome.STOPPED),
        result("c", Outcome.WOULD_RESTART),
        result("d", Outcome.NOT_FOUND),
        result("e", Outcome.NOT_STOPPABLE),
    ]

    summary = summarize(results, total=7)

    assert summary == Summary(total=7, succeeded=3, failed=2)


@pytest.mark.parametrize(
    ("succeeded", "failed", "phase"),
    [
        (3, 0, Phase.SUCCEEDED),
        (0, 0, Phase.SUCCEEDED),
        (2, 1, Phase.PARTIALLY_SUCCEEDED),
        (0, 3, Phase.FAILED),
    ],
)
def test_final_phase(succeeded: int, failed: int, phase: Phase) -> None:
    summary = Summary(total=succeeded + failed, succeeded=succeeded, failed=failed)

    assert final_phase(summary) is phase


def test_final_message_all_succeeded() -> None:
    results = [result("a", Outcome.NOT_RUNNING), result("b", Outcome.RESTARTED)]

    assert final_message(results, summarize(results, 2)) == "2 of 2 sources succeeded."


def test_final_message_empty_selection() -> None:
    message = final_message([], summarize([], 0))

    assert message == (
        "No Debezium source connector matched the selection, so there was nothing to stop."
    )


def test_final_message_names_failures() -> None:
    results = [
        result("a", Outcome.NOT_RUNNING),
        result("b", Outcome.NOT_FOUND),
        result("c", Outcome.FAILED),
    ]

    message = final_message(results, summarize(results, 3))

    assert message == "1 of 3 sources succeeded; failed: b (NotFound), c (Failed)."


def test_final_message_names_at_most_five_failures() -> None:
    results = [result(f"src-{index}", Outcome.NOT_STOPPABLE) for index in range(8)]
    results.append(result("ok", Outcome.STOPPED))

    message = final_message(results, summarize(results, 9))

    named = ", ".join(f"src-{index} (NotStoppable)" for index in range(5))
    assert message == f"1 of 9 sources succeeded; failed: {named} and 3 more."
    assert "src-5" not in message


def test_running_conditions() -> None:
    conditions = running_conditions("Stopping snapshots on 4 sources.", NOW, 2)

    assert [condition.type for condition in conditions] == CONDITION_TYPES
    assert statuses(conditions) == {
        "Complete": F,
        "Failed": F,
        "Ready": F,
        "Reconciling": T,
        "Stalled": F,
    }
    for condition in conditions:
        assert condition.reason == "Running"
        assert condition.message == "Stopping snapshots on 4 sources."
        assert condition.last_transition_time == NOW
        assert condition.observed_generation == 2


@pytest.mark.parametrize(
    ("phase", "expected"),
    [
        (
            Phase.SUCCEEDED,
            {"Complete": T, "Failed": F, "Ready": T, "Reconciling": F, "Stalled": F},
        ),
        (
            Phase.PARTIALLY_SUCCEEDED,
            {"Complete": F, "Failed": T, "Ready": F, "Reconciling": F, "Stalled": T},
        ),
        (
            Phase.FAILED,
            {"Complete": F, "Failed": T, "Ready": F, "Reconciling": F, "Stalled": T},
        ),
    ],
)
def test_final_conditions(phase: Phase, expected: dict[str, ConditionStatus]) -> None:
    conditions = final_conditions(phase, "Done.", NOW, 1)

    assert [condition.type for condition in conditions] == CONDITION_TYPES
    assert statuses(conditions) == expected
    assert {condition.reason for condition in conditions} == {phase.value}


def test_failed_conditions() -> None:
    conditions = failed_conditions("InvalidSelection", "No such sink.", NOW, 3)

    assert statuses(conditions) == {
        "Complete": F,
        "Failed": T,
        "Ready": F,
        "Reconciling": F,
        "Stalled": T,
    }
    assert {condition.reason for condition in conditions} == {"InvalidSelection"}
    assert {condition.message for condition in conditions} == {"No such sink."}


def test_keep_transition_times_for_unchanged_status() -> None:
    old = running_conditions("Stopping snapshots.", EARLIER, 1)
    new = final_conditions(Phase.SUCCEEDED, "2 of 2 sources succeeded.", NOW, 1)

    merged = keep_transition_times(old, new)

    times = {condition.type: condition.last_transition_time for condition in merged}
    # Failed and Stalled stay False, so they keep the time they became False.
    assert times == {
        "Complete": NOW,
        "Failed": EARLIER,
        "Ready": NOW,
        "Reconciling": NOW,
        "Stalled": EARLIER,
    }
    assert {condition.message for condition in merged} == {"2 of 2 sources succeeded."}


def test_keep_transition_times_without_old_conditions() -> None:
    new = running_conditions("Stopping snapshots.", NOW, 1)

    assert keep_transition_times([], new) == new
