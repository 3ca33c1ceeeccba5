"""Fold per-source results into the summary, phase, message and conditions of the status.

Conditions follow two conventions at once. ``Complete`` and ``Failed`` are set as a Job sets
them: ``Complete=True`` when every source succeeded, ``Failed=True`` when any failed.
``Ready``, ``Reconciling`` and ``Stalled`` follow kstatus, which Flux uses to judge health.
``Reconciling=True`` while sources are being processed, ``Ready=True`` when every source
succeeded, and ``Stalled=True`` when the run ended with failures that only a new resource can
retry.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from snapshot_operator.models.status import (
    Condition,
    ConditionStatus,
    Phase,
    SourceResult,
    Summary,
)

MAX_NAMED_FAILURES = 5


def summarize(results: Sequence[SourceResult], total: int) -> Summary:
    succeeded = sum(1 for result in results if result.success)
    return Summary(total=total, succeeded=succeeded, failed=len(results) - succeeded)


def final_phase(summary: Summary) -> Phase:
    if summary.failed == 0:
        return Phase.SUCCEEDED
    if summary.succeeded == 0:
        return Phase.FAILED
    return Phase.PARTIALLY_SUCCEEDED


def final_message(results: Sequence[SourceResult], summary: Summary) -> str:
    if summary.total == 0:
        return "No Debezium source connector matched the selection, so there was nothing to stop."
    noun = "source" if summary.total == 1 else "sources"
    text = f"{summary.succeeded} of {summary.total} {noun} succeeded"
    failed = [result for result in results if not result.success]
    if not failed:
        return text + "."
    named = ", ".join(f"{r.id} ({r.data.outcome.value})" for r in failed[:MAX_NAMED_FAILURES])
    more = len(failed) - MAX_NAMED_FAILURES
    suffix = f" and {more} more" if more > 0 else ""
    return f"{text}; failed: {named}{suffix}."


def _condition(
    kind: str,
    state: bool,
    reason: str,
    message: str,
    now: datetime.datetime,
    generation: int | None,
) -> Condition:
    return Condition(
        type=kind,
        status=ConditionStatus.TRUE if state else ConditionStatus.FALSE,
        reason=reason,
        message=message,
        last_transition_time=now,
        observed_generation=generation,
    )


def running_conditions(
    message: str, now: datetime.datetime, generation: int | None
) -> list[Condition]:
    return [
        _condition("Complete", False, "Running", message, now, generation),
        _condition("Failed", False, "Running", message, now, generation),
        _condition("Ready", False, "Running", message, now, generation),
        _condition("Reconciling", True, "Running", message, now, generation),
        _condition("Stalled", False, "Running", message, now, generation),
    ]


def final_conditions(
    phase: Phase, message: str, now: datetime.datetime, generation: int | None
) -> list[Condition]:
    succeeded = phase is Phase.SUCCEEDED
    reason = phase.value
    return [
        _condition("Complete", succeeded, reason, message, now, generation),
        _condition("Failed", not succeeded, reason, message, now, generation),
        _condition("Ready", succeeded, reason, message, now, generation),
        _condition("Reconciling", False, reason, message, now, generation),
        _condition("Stalled", not succeeded, reason, message, now, generation),
    ]


def failed_conditions(
    reason: str, message: str, now: datetime.datetime, generation: int | None
) -> list[Condition]:
    """Conditions of a run that failed as a whole (an invalid spec, an unknown cluster)."""
    return [
        _condition("Complete", False, reason, message, now, generation),
        _condition("Failed", True, reason, message, now, generation),
        _condition("Ready", False, reason, message, now, generation),
        _condition("Reconciling", False, reason, message, now, generation),
        _condition("Stalled", True, reason, message, now, generation),
    ]


def keep_transition_times(old: Sequence[Condition], new: list[Condition]) -> list[Condition]:
    """Return ``new``, keeping each lastTransitionTime where the status did not change."""
    previous = {condition.type: condition for condition in old}
    merged = []
    for condition in new:
        before = previous.get(condition.type)
        if before is not None and before.status == condition.status:
            condition = condition.model_copy(
                update={"last_transition_time": before.last_transition_time}
            )
        merged.append(condition)
    return merged
