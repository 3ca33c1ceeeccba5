"""Unit tests of the BulkStopSnapshot status models: enums, limits, aliases, round trips."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from pydantic import ValidationError

from snapshot_operator.models import status as status_module
from snapshot_operator.models.status import (
    MAX_IN_FLIGHT,
    MAX_RESULTS,
    MESSAGE_MAX_LENGTH,
    RESULT_MAX_BYTES,
    RESULT_MESSAGE_MIN_LENGTH,
    SUCCESS_OUTCOMES,
    Action,
    BulkStopSnapshotStatus,
    Condition,
    ConditionStatus,
    ConditionType,
    ConnectorFamily,
    InFlightSource,
    Outcome,
    Phase,
    ResultData,
    SnapshotType,
    SourceResult,
    Summary,
    truncate_message,
)

NOON = datetime.datetime(2024, 5, 1, 12, 0, 0, tzinfo=datetime.UTC)


def make_result(source_id: str = "orders-pg", outcome: Outcome = Outcome.SIGNALLED) -> SourceResult:
    data = ResultData(snapshot_type=SnapshotType.INCREMENTAL, action=Action.SIGNAL, outcome=outcome)
    return SourceResult.from_outcome(source_id, "Sent a stop-snapshot signal.", data)


def full_status_k8s() -> dict[str, Any]:
    return {
        "observedGeneration": 1,
        "startTime": "2024-05-01T12:00:00Z",
        "completionTime": "2024-05-01T12:03:10Z",
        "phase": "PartiallySucceeded",
        "message": "1 of 2 sources succeeded.",
        "summary": {"total": 2, "succeeded": 1, "failed": 1},
        "results": [
            {
                "id": "orders-pg",
                "success": True,
                "message": "Sent a stop-snapshot signal; the incremental snapshot stopped.",
                "data": {
                    "snapshotType": "incremental",
                    "action": "signal",
                    "outcome": "Signalled",
                    "family": "postgres",
                    "connectorClass": "io.debezium.connector.postgresql.PostgresConnector",
                    "debeziumVersion": "3.1.2.Final",
                    "signalId": "bss-3f2a9c",
                    "channel": "source",
                    "verified": True,
                    "workerId": "connect-0:8083",
                    "detail": {"table": "debezium_signal"},
                    "evidence": {"offsetKeys": "incremental_snapshot_primary_key"},
                    "attempts": 1,
                },
            },
            {
                "id": "billing-mysql",
                "success": False,
                "message": "An initial snapshot is running, and neither a signal nor a "
                "restart stops it.",
                "data": {"snapshotType": "initial", "action": "none", "outcome": "NotStoppable"},
            },
        ],
        "inFlight": [{"id": "stock-pg", "action": "restart", "startedAt": "2024-05-01T12:02:00Z"}],
        "conditions": [
            {
                "type": "Complete",
                "status": "True",
                "reason": "SourcesProcessed",
                "message": "Every source has a result.",
                "lastTransitionTime": "2024-05-01T12:03:10Z",
                "observedGeneration": 1,
            }
        ],
    }


def test_snapshot_type_values() -> None:
    assert [member.value for member in SnapshotType] == [
        "none",
        "incremental",
        "blocking",
        "initial",
        "unknown",
    ]


def test_action_values() -> None:
    assert [member.value for member in Action] == ["none", "signal", "restart"]


def test_outcome_values() -> None:
    assert [member.value for member in Outcome] == [
        "NotRunning",
        "Signalled",
        "Stopped",
        "Restarted",
        "NotStoppable",
        "NoSignalChannel",
        "NotFound",
        "Unsupported",
        "Failed",
        "WouldSignal",
        "WouldRestart",
    ]


def test_phase_values() -> None:
    assert [member.value for member in Phase] == [
        "Pending",
        "Running",
        "Succeeded",
        "PartiallySucceeded",
        "Failed",
    ]


def test_connector_family_values() -> None:
    assert [member.value for member in ConnectorFamily] == [
        "postgres",
        "mysql",
        "mariadb",
        "sqlserver",
        "oracle",
        "mongodb",
        "db2",
        "informix",
        "other",
    ]


def test_condition_enums() -> None:
    assert [member.value for member in ConditionType] == ["Complete", "Failed", "Ready", "Stalled"]
    assert [member.value for member in ConditionStatus] == ["True", "False", "Unknown"]


@pytest.mark.parametrize(
    ("outcome", "success"),
    [
        (Outcome.NOT_RUNNING, True),
        (Outcome.SIGNALLED, True),
        (Outcome.STOPPED, True),
        (Outcome.RESTARTED, True),
        (Outcome.WOULD_SIGNAL, True),
        (Outcome.WOULD_RESTART, True),
        (Outcome.NOT_STOPPABLE, False),
        (Outcome.NO_SIGNAL_CHANNEL, False),
        (Outcome.NOT_FOUND, False),
        (Outcome.UNSUPPORTED, False),
        (Outcome.FAILED, False),
    ],
)
def test_outcome_is_success(outcome: Outcome, success: bool) -> None:
    assert outcome.is_success is success
    assert (outcome in SUCCESS_OUTCOMES) is success


@pytest.mark.parametrize(
    ("phase", "terminal"),
    [
        (Phase.PENDING, False),
        (Phase.RUNNING, False),
        (Phase.SUCCEEDED, True),
        (Phase.PARTIALLY_SUCCEEDED, True),
        (Phase.FAILED, True),
    ],
)
def test_phase_is_terminal(phase: Phase, terminal: bool) -> None:
    assert phase.is_terminal is terminal


def test_truncate_message_keeps_short_text() -> None:
    assert truncate_message("short") == "short"
    assert truncate_message("x" * MESSAGE_MAX_LENGTH) == "x" * MESSAGE_MAX_LENGTH


def test_truncate_message_cuts_long_text_with_ellipsis() -> None:
    cut = truncate_message("x" * 5000)

    assert len(cut) == MESSAGE_MAX_LENGTH
    assert cut == "x" * (MESSAGE_MAX_LENGTH - 1) + "…"


def test_truncate_message_with_own_limit() -> None:
    assert truncate_message("abcdef", 4) == "abc…"


def test_status_round_trip_through_k8s() -> None:
    document = full_status_k8s()

    status = BulkStopSnapshotStatus.from_k8s(document)

    assert status.to_k8s() == document


def test_status_reads_aliases_into_attributes() -> None:
    status = BulkStopSnapshotStatus.from_k8s(full_status_k8s())

    assert status.observed_generation == 1
    assert status.start_time == NOON
    assert status.phase is Phase.PARTIALLY_SUCCEEDED
    assert status.summary == Summary(total=2, succeeded=1, failed=1)
    first = status.results[0]
    assert first.data.snapshot_type is SnapshotType.INCREMENTAL
    assert first.data.family is ConnectorFamily.POSTGRES
    assert first.data.connector_class == "io.debezium.connector.postgresql.PostgresConnector"
    assert first.data.debezium_version == "3.1.2.Final"
    assert first.data.signal_id == "bss-3f2a9c"
    assert first.data.worker_id == "connect-0:8083"
    assert first.data.verified is True
    assert status.in_flight == [
        InFlightSource(
            id="stock-pg",
            action=Action.RESTART,
            started_at=datetime.datetime(2024, 5, 1, 12, 2, tzinfo=datetime.UTC),
        )
    ]
    assert status.conditions[0].last_transition_time.minute == 3


def test_status_from_absent_is_empty() -> None:
    status = BulkStopSnapshotStatus.from_k8s(None)

    assert status.to_k8s() == {"results": [], "inFlight": [], "conditions": []}


def test_status_writes_empty_lists() -> None:
    status = BulkStopSnapshotStatus(phase=Phase.RUNNING)

    assert status.to_k8s() == {
        "phase": "Running",
        "results": [],
        "inFlight": [],
        "conditions": [],
    }


def test_status_ignores_unknown_fields() -> None:
    document = {"phase": "Running", "kopf": {"progress": {}}, "futureField": 1}

    assert BulkStopSnapshotStatus.from_k8s(document).phase is Phase.RUNNING


def test_result_data_omits_unset_optional_fields() -> None:
    result = make_result()

    assert result.model_dump(mode="json", exclude_none=True) == {
        "id": "orders-pg",
        "success": True,
        "message": "Sent a stop-snapshot signal.",
        "data": {"snapshotType": "incremental", "action": "signal", "outcome": "Signalled"},
    }


def test_timestamp_written_in_utc_whole_seconds() -> None:
    moment = datetime.datetime(
        2024, 5, 1, 14, 0, 5, 987654, tzinfo=datetime.timezone(datetime.timedelta(hours=2))
    )

    status = BulkStopSnapshotStatus(start_time=moment)

    assert status.to_k8s()["startTime"] == "2024-05-01T12:00:05Z"


def test_timestamp_rejects_naive_datetime() -> None:
    with pytest.raises(ValidationError) as caught:
        BulkStopSnapshotStatus(start_time=datetime.datetime(2024, 5, 1, 12, 0))

    assert caught.value.errors()[0]["loc"] == ("start_time",)
    assert caught.value.errors()[0]["type"] == "timezone_aware"


def test_result_message_is_truncated() -> None:
    data = ResultData(snapshot_type=SnapshotType.NONE, action=Action.NONE, outcome=Outcome.FAILED)

    result = SourceResult.from_outcome("a", "e" * 3000, data)

    assert len(result.message) == MESSAGE_MAX_LENGTH
    assert result.message.endswith("…")


def test_status_message_is_truncated() -> None:
    status = BulkStopSnapshotStatus(message="m" * 2000)

    assert status.message is not None
    assert len(status.message) == MESSAGE_MAX_LENGTH


def test_condition_message_is_truncated() -> None:
    condition = Condition(
        type=ConditionType.READY,
        status=ConditionStatus.FALSE,
        reason="Running",
        message="c" * 2000,
        last_transition_time=NOON,
    )

    assert len(condition.message) == MESSAGE_MAX_LENGTH


def test_result_rejects_empty_message() -> None:
    data = ResultData(snapshot_type=SnapshotType.NONE, action=Action.NONE, outcome=Outcome.FAILED)

    with pytest.raises(ValidationError) as caught:
        SourceResult.from_outcome("a", "", data)

    assert caught.value.errors()[0]["loc"] == ("message",)


def test_from_outcome_sets_success() -> None:
    assert make_result(outcome=Outcome.NOT_RUNNING).success is True
    assert make_result(outcome=Outcome.NOT_FOUND).success is False


def test_result_rejects_contradicting_success() -> None:
    data = ResultData(
        snapshot_type=SnapshotType.INITIAL, action=Action.NONE, outcome=Outcome.NOT_STOPPABLE
    )

    with pytest.raises(ValidationError) as caught:
        SourceResult(id="billing", success=True, message="Stopped.", data=data)

    message = caught.value.errors()[0]["msg"]
    assert message.startswith("result 'billing' has success=True, but outcome NotStoppable")
    assert "SourceResult.from_outcome" in message


@pytest.mark.parametrize("source_id", ["", "x" * 250])
def test_result_rejects_id_length(source_id: str) -> None:
    data = ResultData(snapshot_type=SnapshotType.NONE, action=Action.NONE, outcome=Outcome.FAILED)

    with pytest.raises(ValidationError) as caught:
        SourceResult.from_outcome(source_id, "Failed.", data)

    assert caught.value.errors()[0]["loc"] == ("id",)


def test_result_data_rejects_unknown_outcome() -> None:
    with pytest.raises(ValidationError) as caught:
        ResultData.model_validate({"snapshotType": "none", "action": "none", "outcome": "Done"})

    assert caught.value.errors()[0]["loc"] == ("outcome",)


@pytest.mark.parametrize(
    ("field", "limit"),
    [
        ("connectorClass", 256),
        ("debeziumVersion", 64),
        ("signalId", 64),
        ("channel", 32),
        ("workerId", 256),
    ],
)
def test_result_data_string_limits(field: str, limit: int) -> None:
    base = {"snapshotType": "none", "action": "none", "outcome": "NotRunning"}

    assert ResultData.model_validate({**base, field: "v" * limit})
    with pytest.raises(ValidationError) as caught:
        ResultData.model_validate({**base, field: "v" * (limit + 1)})
    assert caught.value.errors()[0]["loc"] == (field,)


def test_result_data_rejects_negative_attempts() -> None:
    with pytest.raises(ValidationError):
        ResultData(
            snapshot_type=SnapshotType.NONE, action=Action.NONE, outcome=Outcome.FAILED, attempts=-1
        )


def test_detail_values_are_truncated() -> None:
    data = ResultData(
        snapshot_type=SnapshotType.NONE,
        action=Action.NONE,
        outcome=Outcome.FAILED,
        detail={"response": "r" * 1000},
    )

    assert data.detail is not None
    assert len(data.detail["response"]) == 256
    assert data.detail["response"].endswith("…")


def test_detail_rejects_more_than_16_entries() -> None:
    with pytest.raises(ValidationError) as caught:
        ResultData(
            snapshot_type=SnapshotType.NONE,
            action=Action.NONE,
            outcome=Outcome.FAILED,
            evidence={f"key{index}": "v" for index in range(17)},
        )

    assert caught.value.errors()[0]["loc"] == ("evidence",)
    assert "has 17 entries, more than the maximum of 16" in caught.value.errors()[0]["msg"]


@pytest.mark.parametrize("key", ["", "k" * 64])
def test_detail_rejects_bad_key_length(key: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ResultData(
            snapshot_type=SnapshotType.NONE,
            action=Action.NONE,
            outcome=Outcome.FAILED,
            detail={key: "v"},
        )

    assert "which is not 1 to 63 characters long" in caught.value.errors()[0]["msg"]


def result_size(result: SourceResult) -> int:
    return len(result.model_dump_json(by_alias=True, exclude_none=True).encode("utf-8"))


def large_data(evidence_value: int = 200, detail_value: int = 200, entries: int = 16) -> ResultData:
    return ResultData(
        snapshot_type=SnapshotType.UNKNOWN,
        action=Action.RESTART,
        outcome=Outcome.FAILED,
        family=ConnectorFamily.INFORMIX,
        connector_class="c" * status_module.CONNECTOR_CLASS_MAX_LENGTH,
        debezium_version="v" * status_module.DEBEZIUM_VERSION_MAX_LENGTH,
        signal_id="s" * status_module.SIGNAL_ID_MAX_LENGTH,
        channel="k" * status_module.CHANNEL_MAX_LENGTH,
        verified=False,
        worker_id="w" * status_module.WORKER_ID_MAX_LENGTH,
        detail={f"detail-{index}": "d" * detail_value for index in range(entries)},
        evidence={f"evidence-{index}": "e" * evidence_value for index in range(entries)},
        attempts=2**31 - 1,
    )


def test_small_result_keeps_everything() -> None:
    data = ResultData(
        snapshot_type=SnapshotType.INCREMENTAL,
        action=Action.SIGNAL,
        outcome=Outcome.SIGNALLED,
        detail={"table": "debezium_signal"},
        evidence={"offsetKey": "incremental_snapshot_primary_key"},
    )

    result = SourceResult.from_outcome("orders-pg", "Sent a stop-snapshot signal.", data)

    assert result.data.detail == {"table": "debezium_signal"}
    assert result.data.evidence == {"offsetKey": "incremental_snapshot_primary_key"}
    assert result.message == "Sent a stop-snapshot signal."


def test_oversized_result_drops_evidence_first() -> None:
    data = ResultData(
        snapshot_type=SnapshotType.BLOCKING,
        action=Action.RESTART,
        outcome=Outcome.RESTARTED,
        detail={"status": "202"},
        evidence={f"key-{index}": "e" * 200 for index in range(8)},
    )

    result = SourceResult.from_outcome("orders-pg", "Restarted the connector.", data)

    assert result.data.evidence is None
    assert result.data.detail == {"status": "202"}
    assert result.message == "Restarted the connector."
    assert result_size(result) <= RESULT_MAX_BYTES


def test_oversized_result_drops_detail_next() -> None:
    data = ResultData(
        snapshot_type=SnapshotType.BLOCKING,
        action=Action.RESTART,
        outcome=Outcome.RESTARTED,
        detail={f"key-{index}": "d" * 200 for index in range(8)},
        evidence={"offsetKey": "snapshot"},
    )

    result = SourceResult.from_outcome("orders-pg", "Restarted the connector.", data)

    assert result.data.evidence is None
    assert result.data.detail is None
    assert result.message == "Restarted the connector."


def test_oversized_result_cuts_message_last() -> None:
    result = SourceResult.from_outcome("orders-pg", "m" * 1024, large_data())

    assert result.data.evidence is None
    assert result.data.detail is None
    assert result.message.endswith("…")
    assert RESULT_MESSAGE_MIN_LENGTH <= len(result.message) < 1024
    assert result_size(result) == RESULT_MAX_BYTES


def test_worst_case_ascii_result_fits_budget() -> None:
    result = SourceResult.from_outcome("i" * 249, "m" * 5000, large_data(256, 256))

    assert result_size(result) <= RESULT_MAX_BYTES
    assert len(result.message) >= RESULT_MESSAGE_MIN_LENGTH


def test_multibyte_message_fits_budget() -> None:
    result = SourceResult.from_outcome("orders-pg", "ü" * 1024, large_data())

    assert result_size(result) <= RESULT_MAX_BYTES


def test_status_budget_for_500_results() -> None:
    # Every list at its maximum, with the largest ASCII content each field accepts.
    results = [
        SourceResult.from_outcome(f"{index:0249d}", "m" * 1024, large_data(256, 256))
        for index in range(MAX_RESULTS)
    ]
    in_flight = [
        InFlightSource(id=f"{index:0249d}", action=Action.RESTART, started_at=NOON)
        for index in range(MAX_IN_FLIGHT)
    ]
    conditions = [
        Condition(
            type=f"Type{index}",
            status=ConditionStatus.UNKNOWN,
            reason="R" * 1024,
            message="c" * 1024,
            last_transition_time=NOON,
            observed_generation=2**62,
        )
        for index in range(status_module.MAX_CONDITIONS)
    ]
    status = BulkStopSnapshotStatus(
        results=results, in_flight=in_flight, conditions=conditions, message="s" * 1024
    )

    size = len(status.model_dump_json(by_alias=True, exclude_none=True).encode("utf-8"))

    assert size < 800 * 1024


def test_summary_rejects_counts_above_total() -> None:
    with pytest.raises(ValidationError) as caught:
        Summary(total=2, succeeded=2, failed=1)

    assert caught.value.errors()[0]["msg"] == (
        "succeeded (2) plus failed (1) is more than total (2)"
    )


def test_summary_rejects_negative_count() -> None:
    with pytest.raises(ValidationError) as caught:
        Summary(total=1, succeeded=-1, failed=0)

    assert caught.value.errors()[0]["loc"] == ("succeeded",)


def test_summary_allows_pending_sources() -> None:
    assert Summary(total=10, succeeded=2, failed=1).total == 10


def test_status_accepts_500_results() -> None:
    results = [make_result(f"source-{index}") for index in range(MAX_RESULTS)]

    assert len(BulkStopSnapshotStatus(results=results).results) == MAX_RESULTS


def test_status_rejects_501_results() -> None:
    results = [make_result(f"source-{index}") for index in range(MAX_RESULTS + 1)]

    with pytest.raises(ValidationError) as caught:
        BulkStopSnapshotStatus(results=results)

    assert caught.value.errors()[0]["loc"] == ("results",)
    assert caught.value.errors()[0]["type"] == "too_long"


def test_status_rejects_duplicate_result_ids() -> None:
    with pytest.raises(ValidationError) as caught:
        BulkStopSnapshotStatus(results=[make_result("a"), make_result("b"), make_result("a")])

    assert caught.value.errors()[0]["msg"] == "results: the source 'a' appears more than once"


def test_status_rejects_33_in_flight() -> None:
    in_flight = [
        InFlightSource(id=f"source-{index}", action=Action.SIGNAL, started_at=NOON)
        for index in range(MAX_IN_FLIGHT + 1)
    ]

    with pytest.raises(ValidationError) as caught:
        BulkStopSnapshotStatus(in_flight=in_flight)

    assert caught.value.errors()[0]["loc"] == ("in_flight",)


def test_status_rejects_duplicate_in_flight_ids() -> None:
    source = InFlightSource(id="a", action=Action.SIGNAL, started_at=NOON)

    with pytest.raises(ValidationError) as caught:
        BulkStopSnapshotStatus(in_flight=[source, source])

    assert caught.value.errors()[0]["msg"] == "inFlight: the source 'a' appears more than once"


def test_status_rejects_duplicate_condition_types() -> None:
    condition = Condition(
        type="Ready", status="True", reason="Done", message="", last_transition_time=NOON
    )

    with pytest.raises(ValidationError) as caught:
        BulkStopSnapshotStatus(conditions=[condition, condition])

    assert caught.value.errors()[0]["msg"] == "conditions: the type 'Ready' appears more than once"


@pytest.mark.parametrize("reason", ["", "not a word", "1Starts", "Ends:", "Ends,"])
def test_condition_rejects_bad_reason(reason: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Condition(type="Ready", status="True", reason=reason, message="", last_transition_time=NOON)

    assert caught.value.errors()[0]["loc"] == ("reason",)


@pytest.mark.parametrize("reason", ["Done", "SourcesProcessed", "Failed_2", "A"])
def test_condition_accepts_camel_case_reason(reason: str) -> None:
    condition = Condition(
        type="Ready", status="True", reason=reason, message="", last_transition_time=NOON
    )

    assert condition.reason == reason


@pytest.mark.parametrize("condition_type", ["Ready", "example.com/Synced"])
def test_condition_accepts_type(condition_type: str) -> None:
    condition = Condition(
        type=condition_type, status="False", reason="Running", message="", last_transition_time=NOON
    )

    assert condition.type == condition_type


@pytest.mark.parametrize("condition_type", ["", "has space", "-Ready"])
def test_condition_rejects_bad_type(condition_type: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Condition(
            type=condition_type,
            status="False",
            reason="Running",
            message="",
            last_transition_time=NOON,
        )

    assert caught.value.errors()[0]["loc"] == ("type",)


def test_condition_rejects_status_not_in_enum() -> None:
    with pytest.raises(ValidationError) as caught:
        Condition.model_validate(
            {
                "type": "Ready",
                "status": "true",
                "reason": "Done",
                "message": "",
                "lastTransitionTime": "2024-05-01T12:00:00Z",
            }
        )

    assert caught.value.errors()[0]["loc"] == ("status",)


def test_recorded_ids() -> None:
    status = BulkStopSnapshotStatus(results=[make_result("a"), make_result("b")])

    assert status.recorded_ids() == {"a", "b"}


def test_condition_lookup() -> None:
    status = BulkStopSnapshotStatus.from_k8s(full_status_k8s())

    complete = status.condition(ConditionType.COMPLETE)
    assert complete is not None
    assert complete.status is ConditionStatus.TRUE
    assert status.condition(ConditionType.STALLED) is None
