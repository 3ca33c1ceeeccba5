"""Unit tests for snapshot classification from Kafka Connect offsets.

The offsets are modelled on the keys each Debezium connector commits per state: streaming,
initial, blocking and incremental snapshots, before and after 3.0.2.Final.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from snapshot_operator.engine.detect import (
    Detection,
    classify,
    incremental_keys_cleared,
    judge_blocking_marker,
    streaming_resumed,
)
from snapshot_operator.engine.families import parse_debezium_version
from snapshot_operator.models.status import ConnectorFamily, SnapshotType

PG = ConnectorFamily.POSTGRES
MYSQL = ConnectorFamily.MYSQL
MARIADB = ConnectorFamily.MARIADB
SQLSERVER = ConnectorFamily.SQLSERVER
ORACLE = ConnectorFamily.ORACLE
MONGODB = ConnectorFamily.MONGODB
DB2 = ConnectorFamily.DB2

# Hex of a Java-serialized Object[] containing one Integer, as Debezium stores chunk keys.
PRIMARY_KEY_HEX = (
    "aced0005757200135b4c6a6176612e6c616e672e4f626a6563743b90ce589f1073296c020000787000000001"
    "737200116a6176612e6c616e672e496e746567657212e2a0a4f781873802000149000576616c7565787200"
    "106a6176612e6c616e672e4e756d62657286ac951d0b94e08b0200007870000003e8"
)
MAXIMUM_KEY_HEX = PRIMARY_KEY_HEX[:-8] + "000f4240"


def collections_json(*names: str) -> str:
    return json.dumps(
        [
            {
                "incremental_snapshot_collections_id": name,
                "incremental_snapshot_collections_additional_condition": None,
                "incremental_snapshot_collections_surrogate_key": None,
            }
            for name in names
        ]
    )


def incremental_keys(*names: str) -> dict[str, Any]:
    return {
        "incremental_snapshot_collections": collections_json(*names),
        "incremental_snapshot_primary_key": PRIMARY_KEY_HEX,
        "incremental_snapshot_maximum_key": MAXIMUM_KEY_HEX,
        "incremental_snapshot_correlation_id": "snap-orders-1",
    }


def entry(offset: dict[str, Any], partition: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"partition": partition or {"server": "dbserver1"}, "offset": offset}


def mssql(database: str, offset: dict[str, Any]) -> dict[str, Any]:
    return entry(offset, {"server": "mssql", "database": database})


PG_STREAMING = {
    "lsn_proc": 24023128,
    "messageType": "INSERT",
    "lsn_commit": 24023128,
    "lsn": 24023128,
    "txId": 555,
    "ts_usec": 1733343600123456,
}
PG_INCREMENTAL = {**PG_STREAMING, **incremental_keys("public.orders", "public.customers")}
PG_INCREMENTAL_WINDOW = {
    **PG_INCREMENTAL,
    "snapshot": "INCREMENTAL",
    "last_snapshot_record": True,
    "snapshot_completed": True,
}
PG_INITIAL = {
    "lsn": 24023128,
    "txId": 555,
    "ts_usec": 1733343600123456,
    "snapshot": "INITIAL",
    "last_snapshot_record": False,
    "snapshot_completed": False,
}
PG_INITIAL_LAST_RECORD = {**PG_INITIAL, "last_snapshot_record": True, "snapshot_completed": True}
PG_BLOCKING = {
    "lsn_proc": 24023128,
    "lsn_commit": 24023128,
    "lsn": 24023128,
    "txId": 555,
    "ts_usec": 1733343600123456,
    "snapshot": "BLOCKING",
    "last_snapshot_record": False,
    "snapshot_completed": False,
}
PG_BLOCKING_LATER = {**PG_BLOCKING, "ts_usec": 1733343605987654}
PG_BLOCKING_FINISHED = {**PG_BLOCKING, "last_snapshot_record": True, "snapshot_completed": True}
PG_STALE_BLOCKING_STREAMED = {**PG_BLOCKING, "lsn": 24100000, "lsn_proc": 24100000}
PG_LEGACY_SNAPSHOT = {
    "lsn": 24023128,
    "txId": 555,
    "ts_usec": 1733343600123456,
    "snapshot": True,
    "last_snapshot_record": False,
}
PG_LEGACY_LAST_RECORD = {**PG_LEGACY_SNAPSHOT, "last_snapshot_record": True}
PG_LEGACY_INCREMENTAL = {
    "lsn": 24023128,
    "txId": 555,
    "ts_usec": 1733343600123456,
    "incremental_snapshot_collections": "public.orders,public.customers",
    "incremental_snapshot_primary_key": PRIMARY_KEY_HEX,
    "incremental_snapshot_maximum_key": MAXIMUM_KEY_HEX,
}

MYSQL_STREAMING = {
    "ts_sec": 1733343600,
    "file": "mysql-bin.000003",
    "pos": 4567,
    "gtids": "3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5",
    "row": 1,
    "server_id": 223344,
    "event": 2,
}
MYSQL_INITIAL = {
    "ts_sec": 1733343600,
    "file": "mysql-bin.000003",
    "pos": 157,
    "snapshot": "INITIAL",
}
MYSQL_LAST_SNAPSHOT_RECORD = {"ts_sec": 1733343612, "file": "mysql-bin.000003", "pos": 157}
MYSQL_BLOCKING = {
    "ts_sec": 1733343600,
    "file": "mysql-bin.000003",
    "pos": 4567,
    "snapshot": "BLOCKING",
}
MYSQL_INCREMENTAL = {**MYSQL_STREAMING, **incremental_keys("inventory.orders")}
MYSQL_LEGACY_SNAPSHOT = {
    "ts_sec": 1733343600,
    "file": "mysql-bin.000003",
    "pos": 157,
    "snapshot": True,
}
MYSQL_LEGACY_INCREMENTAL = {**MYSQL_STREAMING, **incremental_keys("inventory.orders")}

MARIADB_STREAMING = {
    "ts_sec": 1733343600,
    "file": "mariadb-bin.000002",
    "pos": 1024,
    "gtids": "0-1-42",
    "server_id": 1,
}
MARIADB_BLOCKING = {
    "ts_sec": 1733343600,
    "file": "mariadb-bin.000002",
    "pos": 1024,
    "gtids": "0-1-42",
    "snapshot": "BLOCKING",
}
MARIADB_BLOCKING_LATER = {**MARIADB_BLOCKING, "ts_sec": 1733343661}
MARIADB_INITIAL = {
    "ts_sec": 1733343600,
    "file": "mariadb-bin.000002",
    "pos": 4,
    "snapshot": "INITIAL",
}
MARIADB_INCREMENTAL_WINDOW = {
    **MARIADB_STREAMING,
    **incremental_keys("inventory.orders", "inventory.customers", "inventory.products"),
    "snapshot": "INCREMENTAL",
}

MSSQL_STREAMING = {
    "commit_lsn": "0000002b:00000658:0003",
    "change_lsn": "0000002b:00000658:0002",
    "event_serial_no": 1,
}
MSSQL_INITIAL = {"snapshot": "INITIAL", "snapshot_completed": False, **MSSQL_STREAMING}
MSSQL_BLOCKING = {
    "snapshot": "BLOCKING",
    "snapshot_completed": False,
    "commit_lsn": "0000002b:00000658:0003",
}
MSSQL_INCREMENTAL = {**MSSQL_STREAMING, **incremental_keys("sales.dbo.orders")}
MSSQL_WINDOW_ONLY = {
    "snapshot": "INCREMENTAL",
    "snapshot_completed": True,
    "commit_lsn": "0000002b:00000658:0003",
}
MSSQL_LEGACY_SNAPSHOT = {
    "commit_lsn": "0000006a:00006608:0003",
    "snapshot": True,
    "snapshot_completed": False,
}
MSSQL_LEGACY_FINISHED = {**MSSQL_LEGACY_SNAPSHOT, "snapshot_completed": True}

ORACLE_STREAMING = {
    "scn": "2913347",
    "commit_scn": "2913347:1:0a001b00d3040000",
    "snapshot_scn": "2900000",
    "txId": "0a001b00d3040000",
    "txSeq": 3,
}
ORACLE_INITIAL = {
    "scn": "2900000",
    "snapshot_scn": "2900000",
    "snapshot": "INITIAL",
    "snapshot_completed": False,
    "snapshot_pending_tx": "",
}
ORACLE_BLOCKING = {"scn": "2913347", "snapshot": "BLOCKING", "snapshot_completed": False}
ORACLE_INCREMENTAL = {**ORACLE_STREAMING, **incremental_keys("ORCLPDB1.DEBEZIUM.ORDERS")}
ORACLE_WINDOW_ONLY = {"scn": "2913347", "snapshot": "INCREMENTAL", "snapshot_completed": True}
ORACLE_LEGACY_SNAPSHOT = {"scn": "2900000", "snapshot": True, "snapshot_completed": False}
ORACLE_FINISHED = {**ORACLE_INITIAL, "snapshot_completed": True}

MONGO_PARTITION = {"server_id": "mongo1"}
MONGO_STREAMING = {
    "sec": 1733343600,
    "ord": 3,
    "resume_token": "8267502B70000000032B022C0100296E5A10046C1F9A3D",
}
MONGO_INITSYNC = {**MONGO_STREAMING, "ord": 1, "initsync": True}
MONGO_INCREMENTAL = {**MONGO_STREAMING, **incremental_keys("inventory.orders")}

DB2_INITIAL = {
    "snapshot": "INITIAL",
    "snapshot_completed": False,
    "commit_lsn": "00000000:00000000:0000000000123456",
}
DB2_STREAMING = {
    "commit_lsn": "00000000:00000000:0000000000123456",
    "change_lsn": "00000000:00000000:0000000000123457",
    "event_serial_no": 1,
}


# Every row: connector family, Debezium version, offset, expected kind.
STATE_TABLE = [
    ("pg-3.6-streaming", PG, "3.6.1.Final", PG_STREAMING, SnapshotType.NONE),
    ("pg-3.6-incremental", PG, "3.6.1.Final", PG_INCREMENTAL, SnapshotType.INCREMENTAL),
    (
        "pg-3.6-incremental-window",
        PG,
        "3.6.1.Final",
        PG_INCREMENTAL_WINDOW,
        SnapshotType.INCREMENTAL,
    ),
    ("pg-3.6-initial", PG, "3.6.1.Final", PG_INITIAL, SnapshotType.INITIAL),
    ("pg-3.6-initial-last-record", PG, "3.6.1.Final", PG_INITIAL_LAST_RECORD, SnapshotType.NONE),
    ("pg-3.6-blocking", PG, "3.6.1.Final", PG_BLOCKING, SnapshotType.BLOCKING),
    ("pg-3.6-blocking-finished", PG, "3.6.1.Final", PG_BLOCKING_FINISHED, SnapshotType.NONE),
    ("pg-2.7-streaming", PG, "2.7.0.Final", PG_STREAMING, SnapshotType.NONE),
    ("pg-2.7-snapshot", PG, "2.7.0.Final", PG_LEGACY_SNAPSHOT, SnapshotType.INITIAL),
    ("pg-2.7-last-record", PG, "2.7.0.Final", PG_LEGACY_LAST_RECORD, SnapshotType.NONE),
    ("pg-2.7-incremental", PG, "2.7.0.Final", PG_INCREMENTAL, SnapshotType.INCREMENTAL),
    ("pg-1.9-incremental", PG, "1.9.7.Final", PG_LEGACY_INCREMENTAL, SnapshotType.INCREMENTAL),
    ("mysql-3.6-streaming", MYSQL, "3.6.1.Final", MYSQL_STREAMING, SnapshotType.NONE),
    ("mysql-3.6-initial", MYSQL, "3.6.1.Final", MYSQL_INITIAL, SnapshotType.INITIAL),
    ("mysql-3.6-last-record", MYSQL, "3.6.1.Final", MYSQL_LAST_SNAPSHOT_RECORD, SnapshotType.NONE),
    ("mysql-3.6-blocking", MYSQL, "3.6.1.Final", MYSQL_BLOCKING, SnapshotType.BLOCKING),
    ("mysql-3.6-incremental", MYSQL, "3.6.1.Final", MYSQL_INCREMENTAL, SnapshotType.INCREMENTAL),
    ("mysql-2.7-snapshot", MYSQL, "2.7.0.Final", MYSQL_LEGACY_SNAPSHOT, SnapshotType.INITIAL),
    (
        "mysql-2.7-incremental",
        MYSQL,
        "2.7.0.Final",
        MYSQL_LEGACY_INCREMENTAL,
        SnapshotType.INCREMENTAL,
    ),
    ("mariadb-3.6-streaming", MARIADB, "3.6.1.Final", MARIADB_STREAMING, SnapshotType.NONE),
    ("mariadb-3.6-initial", MARIADB, "3.6.1.Final", MARIADB_INITIAL, SnapshotType.INITIAL),
    ("mariadb-3.6-blocking", MARIADB, "3.6.1.Final", MARIADB_BLOCKING, SnapshotType.BLOCKING),
    (
        "mariadb-3.6-incremental-window",
        MARIADB,
        "3.6.1.Final",
        MARIADB_INCREMENTAL_WINDOW,
        SnapshotType.INCREMENTAL,
    ),
    ("mssql-3.6-streaming", SQLSERVER, "3.6.1.Final", MSSQL_STREAMING, SnapshotType.NONE),
    ("mssql-3.6-initial", SQLSERVER, "3.6.1.Final", MSSQL_INITIAL, SnapshotType.INITIAL),
    ("mssql-3.6-blocking", SQLSERVER, "3.6.1.Final", MSSQL_BLOCKING, SnapshotType.BLOCKING),
    (
        "mssql-3.6-incremental",
        SQLSERVER,
        "3.6.1.Final",
        MSSQL_INCREMENTAL,
        SnapshotType.INCREMENTAL,
    ),
    (
        "mssql-3.2-window-only",
        SQLSERVER,
        "3.2.0.Final",
        MSSQL_WINDOW_ONLY,
        SnapshotType.INCREMENTAL,
    ),
    ("mssql-2.7-snapshot", SQLSERVER, "2.7.0.Final", MSSQL_LEGACY_SNAPSHOT, SnapshotType.INITIAL),
    ("mssql-2.7-finished", SQLSERVER, "2.7.0.Final", MSSQL_LEGACY_FINISHED, SnapshotType.NONE),
    ("oracle-3.6-streaming", ORACLE, "3.6.1.Final", ORACLE_STREAMING, SnapshotType.NONE),
    ("oracle-3.6-initial", ORACLE, "3.6.1.Final", ORACLE_INITIAL, SnapshotType.INITIAL),
    ("oracle-3.6-finished", ORACLE, "3.6.1.Final", ORACLE_FINISHED, SnapshotType.NONE),
    ("oracle-3.6-blocking", ORACLE, "3.6.1.Final", ORACLE_BLOCKING, SnapshotType.BLOCKING),
    ("oracle-3.6-incremental", ORACLE, "3.6.1.Final", ORACLE_INCREMENTAL, SnapshotType.INCREMENTAL),
    ("oracle-3.2-window-only", ORACLE, "3.2.0.Final", ORACLE_WINDOW_ONLY, SnapshotType.INCREMENTAL),
    ("oracle-2.7-snapshot", ORACLE, "2.7.0.Final", ORACLE_LEGACY_SNAPSHOT, SnapshotType.INITIAL),
    ("mongo-3.6-streaming", MONGODB, "3.6.1.Final", MONGO_STREAMING, SnapshotType.NONE),
    ("mongo-3.6-initsync", MONGODB, "3.6.1.Final", MONGO_INITSYNC, SnapshotType.INITIAL),
    ("mongo-2.7-initsync", MONGODB, "2.7.0.Final", MONGO_INITSYNC, SnapshotType.INITIAL),
    ("mongo-3.6-incremental", MONGODB, "3.6.1.Final", MONGO_INCREMENTAL, SnapshotType.INCREMENTAL),
    ("db2-3.6-streaming", DB2, "3.6.1.Final", DB2_STREAMING, SnapshotType.NONE),
    ("db2-3.6-initial", DB2, "3.6.1.Final", DB2_INITIAL, SnapshotType.INITIAL),
]


@pytest.mark.parametrize(
    ("family", "version_text", "offset", "expected"),
    [row[1:] for row in STATE_TABLE],
    ids=[row[0] for row in STATE_TABLE],
)
def test_classify_state_table(
    family: ConnectorFamily,
    version_text: str,
    offset: dict[str, Any],
    expected: SnapshotType,
) -> None:
    partition = MONGO_PARTITION if family is MONGODB else None
    detection = classify(family, parse_debezium_version(version_text), [entry(offset, partition)])
    assert detection.snapshot_type is expected


@pytest.mark.parametrize(
    ("family", "version_text", "offset", "expected"),
    [row[1:] for row in STATE_TABLE],
    ids=[row[0] for row in STATE_TABLE],
)
def test_classify_reason_is_sentence(
    family: ConnectorFamily,
    version_text: str,
    offset: dict[str, Any],
    expected: SnapshotType,
) -> None:
    detection = classify(family, parse_debezium_version(version_text), [entry(offset)])
    assert detection.reason[:1].isupper()
    assert detection.reason.endswith(".")


def pg36(offsets: list[dict[str, Any]], **kwargs: Any) -> Detection:
    return classify(PG, parse_debezium_version("3.6.1.Final"), offsets, **kwargs)


def test_incremental_reason_counts_collections() -> None:
    detection = pg36([entry(PG_INCREMENTAL)])
    assert "incremental snapshot of 2 collections in progress" in detection.reason
    assert "public.orders, public.customers" in detection.reason
    assert "incremental_snapshot_collections" in detection.reason


def test_incremental_reason_one_collection() -> None:
    detection = classify(MYSQL, None, [entry(MYSQL_INCREMENTAL)])
    assert "of 1 collection in progress (inventory.orders)" in detection.reason


def test_incremental_reason_many_collections() -> None:
    names = [f"public.t{number}" for number in range(5)]
    offset = {**PG_STREAMING, **incremental_keys(*names)}
    detection = pg36([entry(offset)])
    assert "of 5 collections" in detection.reason
    assert "public.t2 and 2 more" in detection.reason
    assert "public.t3" not in detection.reason


def test_incremental_legacy_csv_collections() -> None:
    detection = classify(PG, parse_debezium_version("1.9.7.Final"), [entry(PG_LEGACY_INCREMENTAL)])
    assert "of 2 collections" in detection.reason


def test_incremental_without_collections_names_keys() -> None:
    offset = {**PG_STREAMING, "incremental_snapshot_primary_key": PRIMARY_KEY_HEX}
    detection = pg36([entry(offset)])
    assert detection.snapshot_type is SnapshotType.INCREMENTAL
    assert "incremental_snapshot_primary_key" in detection.reason


def test_incremental_evidence_keys() -> None:
    detection = pg36([entry(PG_INCREMENTAL)])
    assert set(detection.evidence) == {
        "incremental_snapshot_collections",
        "incremental_snapshot_correlation_id",
    }


def test_window_only_reason_names_marker() -> None:
    detection = classify(
        SQLSERVER, parse_debezium_version("3.2.0.Final"), [entry(MSSQL_WINDOW_ONLY)]
    )
    assert "incremental snapshot chunk (snapshot: INCREMENTAL" in detection.reason


def test_evidence_values_shortened() -> None:
    offset = {**PG_STREAMING, **incremental_keys(*[f"public.table_{n}" for n in range(20)])}
    detection = pg36([entry(offset)])
    collections = detection.evidence["incremental_snapshot_collections"]
    assert len(collections) == 64
    assert collections.endswith("…")


def test_initial_reason_names_keys() -> None:
    detection = pg36([entry(PG_INITIAL)])
    assert detection.reason == (
        "Offsets show an initial snapshot in progress (snapshot: INITIAL, "
        "snapshot_completed: false, last_snapshot_record: false)."
    )


def test_initial_evidence() -> None:
    detection = pg36([entry(PG_INITIAL)])
    assert detection.evidence == {
        "snapshot": "INITIAL",
        "snapshot_completed": "false",
        "last_snapshot_record": "false",
    }


def test_legacy_marker_reason_says_ambiguous() -> None:
    detection = classify(PG, parse_debezium_version("2.7.0.Final"), [entry(PG_LEGACY_SNAPSHOT)])
    assert "initial or blocking snapshot" in detection.reason
    assert "treated as initial" in detection.reason


def test_legacy_marker_after_upgrade() -> None:
    detection = pg36([entry(PG_LEGACY_SNAPSHOT)])
    assert detection.snapshot_type is SnapshotType.INITIAL
    assert "Debezium 3.6.1.Final writes the snapshot type instead" in detection.reason


def test_legacy_marker_string_true() -> None:
    offset = {**MYSQL_LEGACY_SNAPSHOT, "snapshot": "true"}
    detection = classify(MYSQL, parse_debezium_version("2.7.0.Final"), [entry(offset)])
    assert detection.snapshot_type is SnapshotType.INITIAL


def test_snapshot_false_is_none() -> None:
    offset = {**MYSQL_STREAMING, "snapshot": False}
    detection = classify(MYSQL, parse_debezium_version("2.7.0.Final"), [entry(offset)])
    assert detection.snapshot_type is SnapshotType.NONE


def test_mongo_initsync_reason_says_ambiguous() -> None:
    detection = classify(MONGODB, None, [entry(MONGO_INITSYNC, MONGO_PARTITION)])
    assert "initial or blocking snapshot in progress (initsync: true)" in detection.reason
    assert "treated as initial" in detection.reason


def test_mongo_initsync_beats_incremental() -> None:
    offset = {**MONGO_INITSYNC, **incremental_keys("inventory.orders")}
    detection = classify(MONGODB, None, [entry(offset, MONGO_PARTITION)])
    assert detection.snapshot_type is SnapshotType.INITIAL


def test_unrecognized_marker_unknown() -> None:
    offset = {**PG_STREAMING, "snapshot": "PARTIAL"}
    detection = pg36([entry(offset)])
    assert detection.snapshot_type is SnapshotType.UNKNOWN
    assert "unrecognized snapshot marker (snapshot: PARTIAL)" in detection.reason


def test_streaming_reason_and_evidence() -> None:
    detection = pg36([entry(PG_STREAMING)])
    assert detection.reason == "Offsets show no snapshot in progress."
    assert detection.evidence == {"lsn": "24023128", "lsn_proc": "24023128"}


def test_unparseable_version_blocking_string() -> None:
    detection = classify(PG, parse_debezium_version("junk"), [entry(PG_BLOCKING)])
    assert detection.snapshot_type is SnapshotType.BLOCKING


def test_unparseable_version_initial_string() -> None:
    detection = classify(SQLSERVER, None, [entry(MSSQL_INITIAL)])
    assert detection.snapshot_type is SnapshotType.INITIAL


def test_unparseable_version_boolean_marker() -> None:
    detection = classify(ORACLE, None, [entry(ORACLE_LEGACY_SNAPSHOT)])
    assert detection.snapshot_type is SnapshotType.INITIAL
    assert "initial or blocking snapshot" in detection.reason


def test_unparseable_version_incremental_marker() -> None:
    detection = classify(ORACLE, None, [entry(ORACLE_WINDOW_ONLY)])
    assert detection.snapshot_type is SnapshotType.INCREMENTAL


def test_no_offsets_tasks_running_unknown() -> None:
    detection = pg36([])
    assert detection.snapshot_type is SnapshotType.UNKNOWN
    assert "most likely taking its first initial snapshot" in detection.reason
    assert "offset.flush.interval.ms" in detection.reason


def test_no_offsets_tasks_stopped_none() -> None:
    detection = pg36([], tasks_running=False)
    assert detection.snapshot_type is SnapshotType.NONE


def test_tasks_stopped_snapshot_noted() -> None:
    detection = pg36([entry(PG_INCREMENTAL)], tasks_running=False)
    assert detection.snapshot_type is SnapshotType.INCREMENTAL
    assert detection.reason.endswith(
        "No task of the connector is running now, so these offsets are where it starts from "
        "next time."
    )


def test_tasks_stopped_streaming_not_noted() -> None:
    detection = pg36([entry(PG_STREAMING)], tasks_running=False)
    assert "No task" not in detection.reason


def test_offset_null_treated_as_empty() -> None:
    detection = pg36([{"partition": {"server": "dbserver1"}, "offset": None}])
    assert detection.snapshot_type is SnapshotType.NONE


# Stale BLOCKING marker: the second read decides.


def test_blocking_same_offsets_restartable() -> None:
    # PostgreSQL 3.6.1 commits one fixed offset for every blocking-snapshot record, and a stale
    # marker on a quiet database looks the same: both are judged blocking, with the doubt noted.
    detection = pg36([entry(PG_BLOCKING)], previous_offsets=[entry(PG_BLOCKING)])
    assert detection.snapshot_type is SnapshotType.BLOCKING
    assert detection.stale_blocking_suspected is True
    assert "did not change between two reads" in detection.reason


def test_blocking_progress_confirmed() -> None:
    detection = pg36([entry(PG_BLOCKING_LATER)], previous_offsets=[entry(PG_BLOCKING)])
    assert detection.snapshot_type is SnapshotType.BLOCKING
    assert detection.stale_blocking_suspected is False
    assert "making progress" in detection.reason


def test_blocking_mariadb_progress_confirmed() -> None:
    detection = classify(
        MARIADB,
        parse_debezium_version("3.6.1.Final"),
        [entry(MARIADB_BLOCKING_LATER)],
        previous_offsets=[entry(MARIADB_BLOCKING)],
    )
    assert detection.snapshot_type is SnapshotType.BLOCKING


def test_blocking_position_advanced_stale() -> None:
    detection = pg36([entry(PG_STALE_BLOCKING_STREAMED)], previous_offsets=[entry(PG_BLOCKING)])
    assert detection.snapshot_type is SnapshotType.NONE
    assert detection.stale_blocking_suspected is True
    assert "streaming position (lsn, lsn_proc) advanced" in detection.reason


def test_blocking_marker_new_confirmed() -> None:
    detection = pg36([entry(PG_BLOCKING)], previous_offsets=[entry(PG_STREAMING)])
    assert detection.snapshot_type is SnapshotType.BLOCKING
    assert "appeared since the previous read" in detection.reason


def test_blocking_partition_new_confirmed() -> None:
    detection = pg36([entry(PG_BLOCKING)], previous_offsets=[])
    assert detection.snapshot_type is SnapshotType.BLOCKING


def test_blocking_single_read_noted() -> None:
    detection = pg36([entry(PG_BLOCKING)])
    assert detection.stale_blocking_suspected is False
    assert "Only one read of the offsets was available" in detection.reason


def test_blocking_mssql_same_offsets_restartable() -> None:
    detection = classify(
        SQLSERVER,
        parse_debezium_version("3.6.1.Final"),
        [mssql("sales", MSSQL_BLOCKING)],
        previous_offsets=[mssql("sales", MSSQL_BLOCKING)],
    )
    assert detection.snapshot_type is SnapshotType.BLOCKING
    assert detection.stale_blocking_suspected is True


def test_judge_blocking_marker_no_previous() -> None:
    judgement = judge_blocking_marker(PG, PG_BLOCKING, None)
    assert judgement.snapshot_type is SnapshotType.BLOCKING
    assert judgement.stale_suspected is False


def test_judge_blocking_marker_other_family() -> None:
    moved = {**PG_BLOCKING, "scn": "2"}
    judgement = judge_blocking_marker(ConnectorFamily.OTHER, moved, {**PG_BLOCKING, "scn": "1"})
    assert judgement.stale_suspected is True


# Several partitions: SQL Server with one partition per database.


def test_multi_partition_incremental_wins_over_none() -> None:
    detection = classify(
        SQLSERVER,
        parse_debezium_version("3.6.1.Final"),
        [mssql("sales", MSSQL_STREAMING), mssql("hr", MSSQL_INCREMENTAL)],
    )
    assert detection.snapshot_type is SnapshotType.INCREMENTAL
    assert detection.reason.startswith("In partition server=mssql, database=hr (2 of 2), offsets")
    assert detection.evidence["partition"] == "server=mssql, database=hr"


def test_multi_partition_initial_dominates() -> None:
    detection = classify(
        SQLSERVER,
        parse_debezium_version("3.6.1.Final"),
        [
            mssql("sales", MSSQL_INCREMENTAL),
            mssql("hr", MSSQL_INITIAL),
            mssql("ops", MSSQL_STREAMING),
        ],
    )
    assert detection.snapshot_type is SnapshotType.INITIAL
    assert "database=hr (2 of 3)" in detection.reason
    assert detection.reason.endswith("1 other partition also shows a snapshot.")


def test_multi_partition_blocking_over_incremental() -> None:
    detection = classify(
        SQLSERVER,
        parse_debezium_version("3.6.1.Final"),
        [mssql("sales", MSSQL_INCREMENTAL), mssql("hr", MSSQL_BLOCKING)],
    )
    assert detection.snapshot_type is SnapshotType.BLOCKING


def test_multi_partition_unknown_over_incremental() -> None:
    detection = classify(
        SQLSERVER,
        parse_debezium_version("3.6.1.Final"),
        [mssql("sales", MSSQL_INCREMENTAL), mssql("hr", {"snapshot": "SOMETHING_NEW"})],
    )
    assert detection.snapshot_type is SnapshotType.UNKNOWN


def test_multi_partition_all_streaming() -> None:
    detection = classify(
        SQLSERVER,
        parse_debezium_version("3.6.1.Final"),
        [mssql("sales", MSSQL_STREAMING), mssql("hr", MSSQL_STREAMING)],
    )
    assert detection.snapshot_type is SnapshotType.NONE
    assert detection.reason == "Offsets of all 2 partitions show no snapshot in progress."


def test_multi_partition_first_of_equals() -> None:
    detection = classify(
        SQLSERVER,
        parse_debezium_version("3.6.1.Final"),
        [mssql("sales", MSSQL_INCREMENTAL), mssql("hr", MSSQL_INCREMENTAL)],
    )
    assert "database=sales (1 of 2)" in detection.reason
    assert detection.reason.endswith("1 other partition also shows a snapshot.")


# Verification helpers.


@pytest.mark.parametrize(
    ("offsets", "expected"),
    [
        ([entry(PG_STREAMING)], True),
        ([entry(PG_INCREMENTAL)], False),
        ([entry(PG_INCREMENTAL_WINDOW)], False),
        ([mssql("sales", MSSQL_WINDOW_ONLY)], False),
        ([entry(ORACLE_WINDOW_ONLY)], False),
        ([entry(PG_BLOCKING)], True),
        ([mssql("sales", MSSQL_STREAMING), mssql("hr", MSSQL_INCREMENTAL)], False),
        ([mssql("sales", MSSQL_STREAMING), mssql("hr", MSSQL_STREAMING)], True),
        ([], True),
    ],
    ids=[
        "streaming",
        "incremental-keys",
        "incremental-window",
        "mssql-window-only",
        "oracle-window-only",
        "blocking",
        "one-partition-of-two",
        "all-partitions-streaming",
        "no-offsets",
    ],
)
def test_incremental_keys_cleared_cases(offsets: list[dict[str, Any]], expected: bool) -> None:
    assert incremental_keys_cleared(offsets) is expected


@pytest.mark.parametrize(
    ("previous", "current", "expected"),
    [
        ([entry(PG_BLOCKING)], [entry(PG_STREAMING)], True),
        ([entry(PG_BLOCKING)], [entry(PG_BLOCKING)], False),
        ([entry(PG_BLOCKING)], [entry(PG_BLOCKING_LATER)], False),
        ([entry(PG_BLOCKING)], [entry(PG_STALE_BLOCKING_STREAMED)], True),
        ([entry(PG_BLOCKING)], [entry(PG_INITIAL)], False),
        ([entry(PG_BLOCKING)], [entry(PG_LEGACY_SNAPSHOT)], False),
        ([entry(PG_BLOCKING)], [entry(PG_INCREMENTAL_WINDOW)], True),
        ([entry(PG_BLOCKING)], [], False),
        ([entry(MARIADB_BLOCKING)], [entry(MARIADB_STREAMING)], True),
        ([mssql("sales", MSSQL_BLOCKING)], [mssql("sales", MSSQL_STREAMING)], True),
        (
            [mssql("sales", MSSQL_BLOCKING), mssql("hr", MSSQL_BLOCKING)],
            [mssql("sales", MSSQL_STREAMING), mssql("hr", MSSQL_BLOCKING)],
            False,
        ),
        ([entry(PG_STREAMING)], [entry(PG_STREAMING)], True),
    ],
    ids=[
        "marker-gone",
        "unchanged",
        "snapshot-still-progressing",
        "position-advanced-under-marker",
        "initial-snapshot-instead",
        "legacy-snapshot-instead",
        "incremental-resumed",
        "partition-missing",
        "mariadb-marker-gone",
        "mssql-marker-gone",
        "one-partition-still-blocking",
        "no-blocking-before",
    ],
)
def test_streaming_resumed_cases(
    previous: list[dict[str, Any]], current: list[dict[str, Any]], expected: bool
) -> None:
    assert streaming_resumed(previous, current) is expected
