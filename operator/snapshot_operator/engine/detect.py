"""Classify the snapshot a Debezium source connector runs, from its committed offsets.

The input is the ``offsets`` list of ``GET /connectors/{name}/offsets`` (Kafka Connect 3.5+):
one ``{"partition": {...}, "offset": {...}}`` entry per source partition. SQL Server has one
partition per captured database, the other connectors have one. Each partition is classified
on its own, then the most consequential kind wins: initial, blocking, unknown, incremental,
none, in that order. The stop that suits a lesser kind cannot end a greater one, and a
partition of unknown kind must keep the operator from acting.

Offset keys that Debezium writes, from each connector's ``OffsetContext.getOffset()`` and
``CommonOffsetContext``:

- ``incremental_snapshot_*`` (``..._collections``, ``..._primary_key``, ``..._maximum_key``,
  ``..._correlation_id``) only while an incremental snapshot runs. ``..._collections`` is a
  JSON array of objects from 2.0 and a comma-separated list in 1.x.
- ``snapshot``: boolean ``true`` during an initial or blocking snapshot before 3.0.2.Final.
  From 3.0.2.Final it is the type, ``INITIAL``, ``BLOCKING`` or ``INCREMENTAL``. Records of
  an incremental snapshot chunk carry ``INCREMENTAL``, and on SQL Server before 3.4 and
  Oracle before 3.3 they carry no ``incremental_snapshot_*`` keys.
- ``snapshot_completed`` (SQL Server, Oracle, Db2, Informix, and PostgreSQL from 3.0.2) and
  ``last_snapshot_record`` (PostgreSQL) turn true on the last record of a snapshot. MySQL
  and MariaDB write neither and drop ``snapshot`` instead.
- MongoDB writes ``initsync: true`` for initial and blocking snapshots alike.

The value is read, not the version: a connector upgraded across 3.0.2 keeps ``true`` until
it commits new offsets, and an unparseable version still gives a usable result.

Limits:

- Offsets are committed every ``offset.flush.interval.ms`` (60 s by default) and at task
  stop, so they lag the connector by about one interval. A finished snapshot still shows
  until the next record or heartbeat is committed.
- After a restart in the middle of a blocking snapshot (3.0.2+), Debezium skips the rest of
  the snapshot but nothing clears the loaded ``BLOCKING`` marker, so later streaming offsets
  keep it. The integration test ``test_blocking_marker_outlives_restart`` reproduces this on
  the PostgreSQL connector 3.6.1.Final. ``judge_blocking_marker`` therefore compares two reads
  before it calls a marker a running blocking snapshot.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from snapshot_operator.engine.families import (
    DebeziumVersion,
    writes_snapshot_type_offsets,
)
from snapshot_operator.models.status import ConnectorFamily, SnapshotType

INCREMENTAL_KEY_PREFIX = "incremental_snapshot_"
COLLECTIONS_KEY = "incremental_snapshot_collections"

STREAMING_POSITION_KEYS: Mapping[ConnectorFamily, tuple[str, ...]] = {
    ConnectorFamily.POSTGRES: ("lsn", "lsn_proc", "lsn_commit"),
    ConnectorFamily.MYSQL: ("file", "pos", "gtids"),
    ConnectorFamily.MARIADB: ("file", "pos", "gtids"),
    ConnectorFamily.SQLSERVER: ("commit_lsn", "change_lsn"),
    ConnectorFamily.ORACLE: ("scn", "commit_scn"),
    ConnectorFamily.DB2: ("commit_lsn", "change_lsn"),
    ConnectorFamily.INFORMIX: ("commit_lsn", "change_lsn", "begin_lsn"),
    ConnectorFamily.MONGODB: ("sec", "ord", "resume_token"),
}
"""Offset keys that hold the log position. They stay fixed while a snapshot runs, because the
snapshot records carry the position the snapshot started from, and advance while streaming."""

_ALL_POSITION_KEYS = tuple(
    sorted({key for keys in STREAMING_POSITION_KEYS.values() for key in keys})
)

_PRECEDENCE = {
    SnapshotType.NONE: 0,
    SnapshotType.INCREMENTAL: 1,
    SnapshotType.UNKNOWN: 2,
    SnapshotType.BLOCKING: 3,
    SnapshotType.INITIAL: 4,
}

_EVIDENCE_VALUE_LIMIT = 64
_COLLECTION_NAMES_SHOWN = 3

_MARKER_TRUE = "true"
_MARKER_INITIAL = "INITIAL"
_MARKER_BLOCKING = "BLOCKING"
_MARKER_INCREMENTAL = "INCREMENTAL"


@dataclass(frozen=True)
class Detection:
    """Snapshot kind read from a connector's offsets, with the reason and the keys behind it."""

    snapshot_type: SnapshotType
    reason: str
    evidence: dict[str, str] = field(default_factory=dict)
    stale_blocking_suspected: bool = False


class BlockingJudgement(NamedTuple):
    """Verdict on a ``BLOCKING`` marker and one sentence that explains it."""

    snapshot_type: SnapshotType
    stale_suspected: bool
    explanation: str


def classify(
    family: ConnectorFamily,
    version: DebeziumVersion | None,
    offsets: Sequence[Mapping[str, Any]],
    previous_offsets: Sequence[Mapping[str, Any]] | None = None,
    tasks_running: bool = True,
) -> Detection:
    """Classify the snapshot shown by ``offsets``, the entries of the REST offsets response.

    ``previous_offsets`` is an earlier read of the same connector. Without it a ``BLOCKING``
    marker is taken at its word. ``tasks_running`` is whether the connector's tasks run now,
    which decides what an empty offset list means.
    """
    if not offsets:
        return _classify_without_offsets(tasks_running)

    previous_by_partition: dict[str, Mapping[str, Any]] | None = None
    if previous_offsets is not None:
        previous_by_partition = {_partition_key(e): _offset_of(e) for e in previous_offsets}

    verdicts: list[tuple[Mapping[str, Any], Detection]] = []
    for entry in offsets:
        previous: Mapping[str, Any] | None = None
        if previous_by_partition is not None:
            # A partition missing from the earlier read had no marker then.
            previous = previous_by_partition.get(_partition_key(entry), {})
        verdicts.append((entry, _classify_partition(family, version, _offset_of(entry), previous)))

    detection = _combine(verdicts)
    if not tasks_running and detection.snapshot_type is not SnapshotType.NONE:
        detection = dataclasses.replace(
            detection,
            reason=detection.reason + " No task of the connector is running now, so these "
            "offsets are where it starts from next time.",
        )
    return detection


def judge_blocking_marker(
    family: ConnectorFamily,
    offset: Mapping[str, Any],
    previous_offset: Mapping[str, Any] | None,
) -> BlockingJudgement:
    """Decide whether an unfinished ``BLOCKING`` marker belongs to a running blocking snapshot.

    ``previous_offset`` is the same partition's offset from an earlier read, ``{}`` when the
    partition had none then, and None when there was no earlier read.

    A running blocking snapshot pauses streaming, so the streaming position stays fixed; on the
    PostgreSQL connector 3.6.1.Final every snapshot record even carries the same offset. A
    streaming position that advances under the marker therefore proves the marker stale. A
    fixed offset cannot tell the two apart, and is judged blocking: restarting a connector
    whose marker is stale only makes it skip the snapshot again (3.0.2+), while leaving a real
    blocking snapshot running would ignore the request.
    """
    if previous_offset is None:
        return BlockingJudgement(
            SnapshotType.BLOCKING,
            False,
            "Only one read of the offsets was available, so a stale marker left by an earlier "
            "restart is not ruled out.",
        )
    if not _is_unfinished(previous_offset, _MARKER_BLOCKING):
        return BlockingJudgement(
            SnapshotType.BLOCKING,
            False,
            "The marker appeared since the previous read, so a blocking snapshot started in "
            "between.",
        )

    position_keys = STREAMING_POSITION_KEYS.get(family, _ALL_POSITION_KEYS)
    moved = [key for key in position_keys if offset.get(key) != previous_offset.get(key)]
    if moved:
        return BlockingJudgement(
            SnapshotType.NONE,
            True,
            f"The streaming position ({', '.join(moved)}) advanced between two reads while the "
            "BLOCKING marker stayed. Streaming is paused during a blocking snapshot, so the "
            "marker is stale, left by a restart during an earlier blocking snapshot.",
        )
    if dict(offset) == dict(previous_offset):
        return BlockingJudgement(
            SnapshotType.BLOCKING,
            True,
            "The offset did not change between two reads: a running blocking snapshot keeps it "
            "fixed, and so does a stale marker on a quiet database. A restart ends the former "
            "and is harmless for the latter.",
        )
    return BlockingJudgement(
        SnapshotType.BLOCKING,
        False,
        "The offset changed between two reads while the streaming position stayed, so the "
        "snapshot is making progress.",
    )


def incremental_keys_cleared(offsets: Sequence[Mapping[str, Any]]) -> bool:
    """Return whether no partition shows an incremental snapshot any more.

    True for an empty list, so compare with a read that showed the keys before the stop.
    """
    for entry in offsets:
        offset = _offset_of(entry)
        if _incremental_keys(offset) or _snapshot_marker(offset) == _MARKER_INCREMENTAL:
            return False
    return True


def streaming_resumed(
    previous_offsets: Sequence[Mapping[str, Any]], offsets: Sequence[Mapping[str, Any]]
) -> bool:
    """Return whether every partition that was in a blocking snapshot streams again.

    A partition streams again when its unfinished ``BLOCKING`` (or pre-3.0.2 ``true``) marker
    is gone, or when a ``BLOCKING`` marker stayed but the streaming position advanced. A new
    initial snapshot (``INITIAL``, ``true`` or ``initsync``) in its place does not count.
    True when no partition had such a marker.
    """
    current_by_partition = {_partition_key(e): _offset_of(e) for e in offsets}
    for entry in previous_offsets:
        before = _offset_of(entry)
        if not (_is_unfinished(before, _MARKER_BLOCKING) or _is_unfinished(before, _MARKER_TRUE)):
            continue

        after = current_by_partition.get(_partition_key(entry))
        if after is None:
            return False
        if _is_unfinished(after, _MARKER_INITIAL) or _is_unfinished(after, _MARKER_TRUE):
            return False
        if _is_true(after.get("initsync")):
            return False
        moved = any(after.get(key) != before.get(key) for key in _ALL_POSITION_KEYS)
        if _is_unfinished(after, _MARKER_BLOCKING) and not moved:
            return False
    return True


def _classify_without_offsets(tasks_running: bool) -> Detection:
    if tasks_running:
        return Detection(
            SnapshotType.UNKNOWN,
            "No offsets are committed yet. The connector is most likely taking its first "
            "initial snapshot, because offsets are committed only at the first flush "
            "(offset.flush.interval.ms, 60 s by default), but a new connector that has not "
            "flushed yet looks the same. Read the offsets again after the flush interval.",
        )
    return Detection(
        SnapshotType.NONE,
        "No offsets are committed and no task of the connector is running, so no snapshot is "
        "running.",
    )


def _classify_partition(
    family: ConnectorFamily,
    version: DebeziumVersion | None,
    offset: Mapping[str, Any],
    previous_offset: Mapping[str, Any] | None,
) -> Detection:
    marker = _snapshot_marker(offset)
    finished = _is_finished(offset)

    if _is_true(offset.get("initsync")):
        evidence = _evidence(offset, ("initsync",))
        return Detection(
            SnapshotType.INITIAL,
            f"Offsets show an initial or blocking snapshot in progress ({_describe(evidence)}). "
            "The initsync marker is the same for both kinds, so it is treated as initial.",
            evidence,
        )
    if marker == _MARKER_INITIAL and not finished:
        evidence = _evidence(offset, ("snapshot", "snapshot_completed", "last_snapshot_record"))
        return Detection(
            SnapshotType.INITIAL,
            f"Offsets show an initial snapshot in progress ({_describe(evidence)}).",
            evidence,
        )
    if marker == _MARKER_TRUE and not finished:
        return _classify_boolean_marker(version, offset)
    if marker == _MARKER_BLOCKING and not finished:
        return _classify_blocking_marker(family, offset, previous_offset)
    if _incremental_keys(offset) or marker == _MARKER_INCREMENTAL:
        return _classify_incremental(offset)
    if marker not in (None, _MARKER_TRUE, _MARKER_INITIAL, _MARKER_BLOCKING):
        evidence = _evidence(offset, ("snapshot",))
        return Detection(
            SnapshotType.UNKNOWN,
            f"Offsets carry an unrecognized snapshot marker ({_describe(evidence)}), so the kind "
            "of snapshot is unknown. Check the connector's Debezium version and log.",
            evidence,
        )
    if marker is not None:
        evidence = _evidence(offset, ("snapshot", "snapshot_completed", "last_snapshot_record"))
        return Detection(
            SnapshotType.NONE,
            f"Offsets show the last record of a finished snapshot ({_describe(evidence)}), so "
            "no snapshot is in progress.",
            evidence,
        )

    evidence = _evidence(offset, STREAMING_POSITION_KEYS.get(family, _ALL_POSITION_KEYS)[:2])
    return Detection(SnapshotType.NONE, "Offsets show no snapshot in progress.", evidence)


def _classify_boolean_marker(
    version: DebeziumVersion | None, offset: Mapping[str, Any]
) -> Detection:
    evidence = _evidence(offset, ("snapshot", "snapshot_completed", "last_snapshot_record"))
    reason = (
        f"Offsets show an initial or blocking snapshot in progress ({_describe(evidence)}). "
        "Debezium before 3.0.2 writes the same marker for both kinds, so it is treated as "
        "initial."
    )
    if writes_snapshot_type_offsets(version):
        reason += (
            f" Debezium {version} writes the snapshot type instead, so these offsets were "
            "written by an earlier version before an upgrade."
        )
    return Detection(SnapshotType.INITIAL, reason, evidence)


def _classify_blocking_marker(
    family: ConnectorFamily,
    offset: Mapping[str, Any],
    previous_offset: Mapping[str, Any] | None,
) -> Detection:
    evidence = _evidence(offset, ("snapshot", "snapshot_completed", "last_snapshot_record"))
    judgement = judge_blocking_marker(family, offset, previous_offset)
    if judgement.snapshot_type is SnapshotType.BLOCKING:
        opening = f"Offsets show a blocking snapshot in progress ({_describe(evidence)})."
    else:
        opening = f"Offsets carry a blocking snapshot marker ({_describe(evidence)})."
    return Detection(
        judgement.snapshot_type,
        f"{opening} {judgement.explanation}",
        evidence,
        judgement.stale_suspected,
    )


def _classify_incremental(offset: Mapping[str, Any]) -> Detection:
    keys = _incremental_keys(offset)
    evidence = _evidence(
        offset, ("snapshot", COLLECTIONS_KEY, "incremental_snapshot_correlation_id")
    )
    if not keys:
        return Detection(
            SnapshotType.INCREMENTAL,
            f"Offsets show a record of an incremental snapshot chunk ({_describe(evidence)}), "
            "so an incremental snapshot is in progress.",
            evidence,
        )

    collections = _collection_names(offset.get(COLLECTIONS_KEY))
    if not collections:
        evidence.setdefault(keys[0], _shorten(offset[keys[0]]))
        return Detection(
            SnapshotType.INCREMENTAL,
            f"Offsets show an incremental snapshot in progress ({', '.join(keys)}).",
            evidence,
        )

    count = len(collections)
    noun = "collection" if count == 1 else "collections"
    listed_names = ", ".join(collections[:_COLLECTION_NAMES_SHOWN])
    if count > _COLLECTION_NAMES_SHOWN:
        listed_names += f" and {count - _COLLECTION_NAMES_SHOWN} more"
    return Detection(
        SnapshotType.INCREMENTAL,
        f"Offsets show an incremental snapshot of {count} {noun} in progress ({listed_names}), "
        f"read from {COLLECTIONS_KEY}.",
        evidence,
    )


def _combine(verdicts: list[tuple[Mapping[str, Any], Detection]]) -> Detection:
    stale = any(detection.stale_blocking_suspected for _, detection in verdicts)
    if len(verdicts) == 1:
        return verdicts[0][1]

    count = len(verdicts)
    index, (entry, chosen) = max(
        enumerate(verdicts), key=lambda item: (_PRECEDENCE[item[1][1].snapshot_type], -item[0])
    )
    if chosen.snapshot_type is SnapshotType.NONE:
        return Detection(
            SnapshotType.NONE,
            f"Offsets of all {count} partitions show no snapshot in progress.",
            {"partitions": str(count)},
        )

    label = _partition_label(entry)
    reason = f"In partition {label} ({index + 1} of {count}), {_lower_first(chosen.reason)}"
    others = sum(
        1
        for position, (_, detection) in enumerate(verdicts)
        if position != index and detection.snapshot_type is not SnapshotType.NONE
    )
    if others:
        noun_and_verb = "partition also shows" if others == 1 else "partitions also show"
        reason += f" {others} other {noun_and_verb} a snapshot."
    return Detection(
        chosen.snapshot_type,
        reason,
        {"partition": _shorten(label), **chosen.evidence},
        stale,
    )


def _offset_of(entry: Mapping[str, Any]) -> Mapping[str, Any]:
    offset = entry.get("offset")
    return offset if isinstance(offset, Mapping) else {}


def _partition_key(entry: Mapping[str, Any]) -> str:
    return json.dumps(entry.get("partition"), sort_keys=True, default=str)


def _partition_label(entry: Mapping[str, Any]) -> str:
    partition = entry.get("partition")
    if not isinstance(partition, Mapping) or not partition:
        return "(unnamed)"
    return ", ".join(f"{key}={value}" for key, value in partition.items())


def _snapshot_marker(offset: Mapping[str, Any]) -> str | None:
    """Return the ``snapshot`` value as ``true``, an upper-case type name, or None if absent."""
    value = offset.get("snapshot")
    if value is None or value is False:
        return None
    if value is True:
        return _MARKER_TRUE
    text = str(value).strip()
    if text.lower() == "true":
        return _MARKER_TRUE
    if text.lower() == "false" or not text:
        return None
    return text.upper()


def _is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _is_finished(offset: Mapping[str, Any]) -> bool:
    return _is_true(offset.get("snapshot_completed")) or _is_true(
        offset.get("last_snapshot_record")
    )


def _is_unfinished(offset: Mapping[str, Any], marker: str) -> bool:
    return _snapshot_marker(offset) == marker and not _is_finished(offset)


def _incremental_keys(offset: Mapping[str, Any]) -> list[str]:
    return sorted(key for key in offset if key.startswith(INCREMENTAL_KEY_PREFIX))


def _collection_names(value: Any) -> list[str]:
    """Return the table names in ``incremental_snapshot_collections``, JSON (2.0+) or 1.x CSV."""
    if not isinstance(value, str) or not value.strip():
        return []
    try:
        parsed = json.loads(value)
    except json.JSONDecodeError:
        return [name.strip() for name in value.split(",") if name.strip()]

    if not isinstance(parsed, list):
        return []
    names: list[str] = []
    for item in parsed:
        if isinstance(item, Mapping):
            name = item.get(f"{COLLECTIONS_KEY}_id")
            if name:
                names.append(str(name))
        elif isinstance(item, str) and item:
            names.append(item)
    return names


def _evidence(offset: Mapping[str, Any], keys: Sequence[str]) -> dict[str, str]:
    return {key: _shorten(offset[key]) for key in keys if key in offset}


def _describe(evidence: Mapping[str, str]) -> str:
    return ", ".join(f"{key}: {value}" for key, value in evidence.items())


def _shorten(value: Any) -> str:
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif value is None:
        text = "null"
    elif isinstance(value, str):
        text = value
    elif isinstance(value, (int, float)):
        text = str(value)
    else:
        text = json.dumps(value, sort_keys=True, default=str)
    if len(text) > _EVIDENCE_VALUE_LIMIT:
        return text[: _EVIDENCE_VALUE_LIMIT - 1] + "…"
    return text


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def incremental_collections(offsets: Sequence[Mapping[str, Any]]) -> list[str]:
    """Return the tables that incremental snapshots in the offsets still have to read.

    The names come from ``incremental_snapshot_collections`` in every partition, in order and
    without repeats. An empty list means the offsets name none, or in a format not understood.
    """
    names: list[str] = []
    for entry in offsets:
        for name in _collection_names(_offset_of(entry).get(COLLECTIONS_KEY)):
            if name not in names:
                names.append(name)
    return names
