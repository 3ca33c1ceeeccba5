"""The status of a BulkStopSnapshot: one result per source, a summary and conditions.

``results`` and ``summary`` follow the response of Streamkap's public "Bulk Stop Snapshot
Sources" API (API version 2.0.0): ``results [{id, success, message, data}]`` and
``summary {total, succeeded, failed}``. ``data`` is declared field by field in the CRD, so
the API server prunes nothing the operator writes.

The rest follows Kubernetes conventions for Job-like resources. ``conditions`` uses the
fields of ``metav1.Condition``, with the types ``Complete`` and ``Failed`` as a Job has, and
``Ready`` and ``Stalled`` for kstatus-based tools such as Flux. ``phase`` exists for display
only. ``inFlight`` lists the sources the operator has acted on but whose result is not yet
recorded, so that after an operator restart it re-detects them instead of acting twice.

Status must stay far below etcd's default request limit of 1.5 MiB
(``--max-request-bytes``), which the whole object, spec and annotations included, shares.
So the lists are bounded (``MAX_RESULTS`` results, ``MAX_IN_FLIGHT`` sources in flight,
``MAX_CONDITIONS`` conditions), messages are cut to ``MESSAGE_MAX_LENGTH`` characters with
an ellipsis, and every string in ``data`` has a maximum length. The CRD declares the same
limits. On top of that, each result is fitted into ``RESULT_MAX_BYTES`` of JSON, so 500
results take about 750 KiB at most.

Timestamps are timezone-aware and written as RFC 3339 in UTC with whole seconds, the way
``metav1.Time`` is written.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    model_validator,
)
from pydantic.alias_generators import to_camel
from pydantic_core import PydanticCustomError

from snapshot_operator.models.spec import CONNECTOR_NAME_MAX_LENGTH, MAX_CONCURRENCY_LIMIT

MESSAGE_MAX_LENGTH = 1024
MAX_RESULTS = 500
MAX_IN_FLIGHT = MAX_CONCURRENCY_LIMIT
RESULT_MAX_BYTES = 1536
RESULT_MESSAGE_MIN_LENGTH = 120
ELLIPSIS = "…"

DETAIL_MAX_ENTRIES = 16
DETAIL_KEY_MAX_LENGTH = 63
DETAIL_VALUE_MAX_LENGTH = 256

CONNECTOR_CLASS_MAX_LENGTH = 256
DEBEZIUM_VERSION_MAX_LENGTH = 64
# Debezium's documented signaling table declares the id column as VARCHAR(42).
SIGNAL_ID_MAX_LENGTH = 64
CHANNEL_MAX_LENGTH = 32
WORKER_ID_MAX_LENGTH = 256

# The patterns and limits of metav1.Condition's type and reason, from its kubebuilder markers.
CONDITION_TYPE_PATTERN = (
    r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?"
    r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$"
)
CONDITION_TYPE_MAX_LENGTH = 316
CONDITION_REASON_PATTERN = r"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$"
CONDITION_REASON_MAX_LENGTH = 1024
MAX_CONDITIONS = 8


class SnapshotType(enum.StrEnum):
    """The kind of snapshot found running on a source."""

    NONE = "none"
    INCREMENTAL = "incremental"
    BLOCKING = "blocking"
    INITIAL = "initial"
    UNKNOWN = "unknown"


class Action(enum.StrEnum):
    """The step the operator took, or would take in a dry run, to stop the snapshot."""

    NONE = "none"
    SIGNAL = "signal"
    RESTART = "restart"


class Outcome(enum.StrEnum):
    """The result of one source, as one CamelCase word."""

    NOT_RUNNING = "NotRunning"
    SIGNALLED = "Signalled"
    STOPPED = "Stopped"
    RESTARTED = "Restarted"
    NOT_STOPPABLE = "NotStoppable"
    NO_SIGNAL_CHANNEL = "NoSignalChannel"
    NOT_FOUND = "NotFound"
    UNSUPPORTED = "Unsupported"
    FAILED = "Failed"
    WOULD_SIGNAL = "WouldSignal"
    WOULD_RESTART = "WouldRestart"

    @property
    def is_success(self) -> bool:
        """Whether a result with this outcome counts as succeeded in the summary."""
        return self in SUCCESS_OUTCOMES


SUCCESS_OUTCOMES = frozenset(
    {
        Outcome.NOT_RUNNING,
        Outcome.SIGNALLED,
        Outcome.STOPPED,
        Outcome.RESTARTED,
        Outcome.WOULD_SIGNAL,
        Outcome.WOULD_RESTART,
    }
)


class Phase(enum.StrEnum):
    """The state of the whole resource, for display. Conditions carry the same facts."""

    PENDING = "Pending"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    PARTIALLY_SUCCEEDED = "PartiallySucceeded"
    FAILED = "Failed"

    @property
    def is_terminal(self) -> bool:
        """Whether the run has finished, so the operator must not process the resource again."""
        return self in TERMINAL_PHASES


TERMINAL_PHASES = frozenset({Phase.SUCCEEDED, Phase.PARTIALLY_SUCCEEDED, Phase.FAILED})


class ConnectorFamily(enum.StrEnum):
    """The database a Debezium source connector reads from."""

    POSTGRES = "postgres"
    MYSQL = "mysql"
    MARIADB = "mariadb"
    SQLSERVER = "sqlserver"
    ORACLE = "oracle"
    MONGODB = "mongodb"
    DB2 = "db2"
    INFORMIX = "informix"
    OTHER = "other"


class ConditionType(enum.StrEnum):
    """The condition types this operator sets."""

    COMPLETE = "Complete"
    FAILED = "Failed"
    READY = "Ready"
    STALLED = "Stalled"


class ConditionStatus(enum.StrEnum):
    """The status of a condition, as ``metav1.Condition`` spells it."""

    TRUE = "True"
    FALSE = "False"
    UNKNOWN = "Unknown"


def truncate_message(text: str, limit: int = MESSAGE_MAX_LENGTH) -> str:
    """Cut ``text`` to at most ``limit`` characters, ending with an ellipsis if it was cut."""
    if len(text) <= limit:
        return text
    return text[: limit - len(ELLIPSIS)] + ELLIPSIS


def _truncate_if_text(value: Any) -> Any:
    return truncate_message(value) if isinstance(value, str) else value


def _format_timestamp(moment: datetime.datetime) -> str:
    utc = moment.astimezone(datetime.UTC).replace(microsecond=0)
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


def _check_small_mapping(mapping: dict[str, str] | None) -> dict[str, str] | None:
    if mapping is None:
        return None
    if len(mapping) > DETAIL_MAX_ENTRIES:
        raise PydanticCustomError(
            "mapping_too_large",
            f"has {len(mapping)} entries, more than the maximum of {DETAIL_MAX_ENTRIES}. "
            "Keep only the entries a reader needs",
        )
    for key in mapping:
        if not 1 <= len(key) <= DETAIL_KEY_MAX_LENGTH:
            raise PydanticCustomError(
                "mapping_key_length",
                f"has the key {key[:80]!r}, which is not 1 to {DETAIL_KEY_MAX_LENGTH} "
                "characters long",
            )
    return {key: truncate_message(value, DETAIL_VALUE_MAX_LENGTH) for key, value in mapping.items()}


Timestamp = Annotated[AwareDatetime, PlainSerializer(_format_timestamp, return_type=str)]
"""A timezone-aware time, written as ``2024-05-01T12:00:00Z``."""

Message = Annotated[str, BeforeValidator(_truncate_if_text)]
"""Free text for people, cut to ``MESSAGE_MAX_LENGTH`` characters."""

SmallMapping = Annotated[dict[str, str] | None, AfterValidator(_check_small_mapping)]
"""At most 16 short string entries, each value cut to 256 characters."""


class _StatusModel(BaseModel):
    # Unknown fields are ignored, so an operator can read a status that a newer version wrote.
    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        extra="ignore",
    )


class ResultData(_StatusModel):
    """The findings and actions for one source: the ``data`` of a result."""

    snapshot_type: SnapshotType
    action: Action
    outcome: Outcome
    family: ConnectorFamily | None = None
    connector_class: str | None = Field(default=None, max_length=CONNECTOR_CLASS_MAX_LENGTH)
    debezium_version: str | None = Field(default=None, max_length=DEBEZIUM_VERSION_MAX_LENGTH)
    signal_id: str | None = Field(default=None, max_length=SIGNAL_ID_MAX_LENGTH)
    channel: str | None = Field(default=None, max_length=CHANNEL_MAX_LENGTH)
    verified: bool | None = None
    worker_id: str | None = Field(default=None, max_length=WORKER_ID_MAX_LENGTH)
    detail: SmallMapping = None
    evidence: SmallMapping = None
    attempts: int | None = Field(default=None, ge=0)


class SourceResult(_StatusModel):
    """The result for one source, mirroring the API's ``BulkOperationResult``.

    A result whose JSON form is longer than ``RESULT_MAX_BYTES`` is shortened: first
    ``data.evidence`` is dropped, then ``data.detail``, then the message is cut, to no less
    than ``RESULT_MESSAGE_MIN_LENGTH`` characters. With ASCII text every result then fits.
    """

    id: str = Field(min_length=1, max_length=CONNECTOR_NAME_MAX_LENGTH)
    success: bool
    message: Message = Field(min_length=1)
    data: ResultData

    @model_validator(mode="after")
    def _check_success_matches_outcome(self) -> SourceResult:
        expected = self.data.outcome.is_success
        if self.success != expected:
            raise PydanticCustomError(
                "success_mismatch",
                f"result {self.id!r} has success={self.success}, but outcome "
                f"{self.data.outcome.value} means success={expected}. Build results with "
                "SourceResult.from_outcome",
            )
        return self

    @model_validator(mode="after")
    def _fit_size_budget(self) -> SourceResult:
        if _json_size(self) <= RESULT_MAX_BYTES:
            return self
        if self.data.evidence is not None:
            self.data = self.data.model_copy(update={"evidence": None})
        if _json_size(self) > RESULT_MAX_BYTES and self.data.detail is not None:
            self.data = self.data.model_copy(update={"detail": None})

        size = _json_size(self)
        while size > RESULT_MAX_BYTES and len(self.message) > RESULT_MESSAGE_MIN_LENGTH:
            # Characters can take several bytes, so cut by the excess and measure again.
            target = max(RESULT_MESSAGE_MIN_LENGTH, len(self.message) - (size - RESULT_MAX_BYTES))
            self.message = truncate_message(self.message, target)
            size = _json_size(self)
        return self

    @classmethod
    def from_outcome(cls, source_id: str, message: str, data: ResultData) -> SourceResult:
        """Build a result whose ``success`` follows from ``data.outcome``."""
        return cls(id=source_id, success=data.outcome.is_success, message=message, data=data)


def _json_size(model: BaseModel) -> int:
    return len(model.model_dump_json(by_alias=True, exclude_none=True).encode("utf-8"))


class Summary(_StatusModel):
    """Counts over all sources, mirroring the API's ``BulkOperationSummary``.

    ``total`` counts every selected source, so while the run is going on it is larger than
    ``succeeded + failed``.
    """

    total: int = Field(ge=0)
    succeeded: int = Field(ge=0)
    failed: int = Field(ge=0)

    @model_validator(mode="after")
    def _check_counts(self) -> Summary:
        if self.succeeded + self.failed > self.total:
            raise PydanticCustomError(
                "summary_counts",
                f"succeeded ({self.succeeded}) plus failed ({self.failed}) is more than "
                f"total ({self.total})",
            )
        return self


class Condition(_StatusModel):
    """One condition, with the fields of ``metav1.Condition``."""

    type: str = Field(pattern=CONDITION_TYPE_PATTERN, max_length=CONDITION_TYPE_MAX_LENGTH)
    status: ConditionStatus
    reason: str = Field(
        pattern=CONDITION_REASON_PATTERN, min_length=1, max_length=CONDITION_REASON_MAX_LENGTH
    )
    message: Message
    last_transition_time: Timestamp
    observed_generation: int | None = Field(default=None, ge=0)


class InFlightSource(_StatusModel):
    """A source the operator has acted on whose result is not recorded yet."""

    id: str = Field(min_length=1, max_length=CONNECTOR_NAME_MAX_LENGTH)
    action: Action
    started_at: Timestamp


def _check_unique(values: list[str], label: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise PydanticCustomError(
                "duplicate_entry", f"{label} {value!r} appears more than once"
            )
        seen.add(value)


class BulkStopSnapshotStatus(_StatusModel):
    """The whole ``status`` of a BulkStopSnapshot.

    The lists default to empty and are always written. A merge patch replaces a list as a
    whole, so writing ``inFlight: []`` clears the sources that finished.
    """

    observed_generation: int | None = Field(default=None, ge=0)
    start_time: Timestamp | None = None
    completion_time: Timestamp | None = None
    phase: Phase | None = None
    message: Message | None = None
    summary: Summary | None = None
    results: list[SourceResult] = Field(default_factory=list, max_length=MAX_RESULTS)
    in_flight: list[InFlightSource] = Field(default_factory=list, max_length=MAX_IN_FLIGHT)
    conditions: list[Condition] = Field(default_factory=list, max_length=MAX_CONDITIONS)

    @model_validator(mode="after")
    def _check_unique_keys(self) -> BulkStopSnapshotStatus:
        _check_unique([result.id for result in self.results], "results: the source")
        _check_unique([source.id for source in self.in_flight], "inFlight: the source")
        _check_unique([condition.type for condition in self.conditions], "conditions: the type")
        return self

    @classmethod
    def from_k8s(cls, status: Mapping[str, Any] | None) -> BulkStopSnapshotStatus:
        """Read a resource's ``status`` mapping. An absent status gives an empty one."""
        return cls.model_validate(dict(status or {}))

    def to_k8s(self) -> dict[str, Any]:
        """Return the status as the camelCase, JSON-ready mapping to patch into the resource."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)

    def recorded_ids(self) -> set[str]:
        """Return the ids of the sources that already have a result."""
        return {result.id for result in self.results}

    def condition(self, condition_type: str) -> Condition | None:
        """Return the condition of ``condition_type``, or None if the status has none."""
        for condition in self.conditions:
            if condition.type == condition_type:
                return condition
        return None
