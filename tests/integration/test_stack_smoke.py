"""Smoke tests of the local stack: each talks to the real component it names."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import psycopg
import pymysql
import pytest
from kubernetes import client

from tests.stack import StackInfo, config
from tests.support.connectors import (
    ConnectAdmin,
    ConnectorSpec,
    mariadb_config,
    postgres_config,
    unique_suffix,
    wait_for,
)
from tests.support.kafka_topics import has_row, read_events

pytestmark = pytest.mark.stack

SMOKE_CRD = {
    "apiVersion": "apiextensions.k8s.io/v1",
    "kind": "CustomResourceDefinition",
    "metadata": {"name": "widgets.smoke.snapshot-operator.dev"},
    "spec": {
        "group": "smoke.snapshot-operator.dev",
        "scope": "Namespaced",
        "names": {"plural": "widgets", "singular": "widget", "kind": "Widget"},
        "versions": [
            {
                "name": "v1",
                "served": True,
                "storage": True,
                "subresources": {"status": {}},
                "schema": {
                    "openAPIV3Schema": {
                        "type": "object",
                        "properties": {
                            "spec": {"type": "object", "properties": {"size": {"type": "integer"}}},
                            "status": {
                                "type": "object",
                                "properties": {"phase": {"type": "string"}},
                            },
                        },
                    }
                },
            }
        ],
    },
}


def test_apiserver_lists_namespaces(stack: StackInfo) -> None:
    result = subprocess.run(
        [
            str(stack.kubectl),
            "--kubeconfig",
            str(stack.kubeconfig),
            "get",
            "namespaces",
            "-o",
            "name",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "namespace/default" in result.stdout.split()


def test_crd_status_subresource_patch(kube_api: client.ApiClient) -> None:
    extensions = client.ApiextensionsV1Api(kube_api)
    custom = client.CustomObjectsApi(kube_api)
    name = SMOKE_CRD["metadata"]["name"]  # type: ignore[index]
    try:
        extensions.create_custom_resource_definition(SMOKE_CRD)
    except client.ApiException as error:
        if error.status != 409:
            raise

    wait_for(
        lambda: any(
            c.type == "Established" and c.status == "True"
            for c in extensions.read_custom_resource_definition(name).status.conditions or []
        ),
        30,
        "the smoke CRD to be established",
    )

    widget = f"w-{unique_suffix()}"
    body = {
        "apiVersion": "smoke.snapshot-operator.dev/v1",
        "kind": "Widget",
        "metadata": {"name": widget},
        "spec": {"size": 3},
    }
    custom.create_namespaced_custom_object(
        "smoke.snapshot-operator.dev", "v1", "default", "widgets", body
    )
    custom.patch_namespaced_custom_object_status(
        "smoke.snapshot-operator.dev",
        "v1",
        "default",
        "widgets",
        widget,
        {"status": {"phase": "Done"}},
    )

    stored = custom.get_namespaced_custom_object(
        "smoke.snapshot-operator.dev", "v1", "default", "widgets", widget
    )
    assert stored["status"] == {"phase": "Done"}
    assert stored["metadata"]["generation"] == 1

    custom.delete_namespaced_custom_object(
        "smoke.snapshot-operator.dev", "v1", "default", "widgets", widget
    )


def test_connect_lists_debezium_plugins(connect_admin: ConnectAdmin) -> None:
    plugins = {
        p["class"]: p["version"] for p in connect_admin.http.get("/connector-plugins").json()
    }
    assert (
        plugins["io.debezium.connector.postgresql.PostgresConnector"]
        == config.DEBEZIUM_POSTGRES_VERSION
    )
    assert (
        plugins["io.debezium.connector.mariadb.MariaDbConnector"] == config.DEBEZIUM_MARIADB_VERSION
    )


@pytest.fixture
def postgres_connector(stack: StackInfo, connect_admin: ConnectAdmin) -> Iterator[ConnectorSpec]:
    suffix = unique_suffix()
    spec = ConnectorSpec(
        name=f"smoke-pg-{suffix}",
        family="postgres",
        topic_prefix=f"smokepg{suffix}",
        table=f"items_{suffix}",
    )
    with psycopg.connect(stack.postgres_dsn, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE {spec.table} (id INT PRIMARY KEY, label TEXT)")
        conn.execute(f"INSERT INTO {spec.table} VALUES (1, 'before')")
    connect_admin.create(
        spec.name, postgres_config(spec.name, spec.topic_prefix, [spec.qualified_table])
    )
    yield spec
    connect_admin.delete(spec.name)
    with psycopg.connect(stack.postgres_dsn, autocommit=True) as conn:
        wait_for(
            lambda: (
                conn.execute(
                    "SELECT count(*) FROM pg_replication_slots WHERE slot_name = %s AND active",
                    (f"slot_{spec.topic_prefix}",),
                ).fetchone()[0]
                == 0
            ),
            30,
            "the replication slot to be released",
        )
        conn.execute(
            "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots"
            " WHERE slot_name = %s",
            (f"slot_{spec.topic_prefix}",),
        )
        conn.execute(f"DROP TABLE {spec.table}")


@pytest.fixture
def mariadb_connector(stack: StackInfo, connect_admin: ConnectAdmin) -> Iterator[ConnectorSpec]:
    suffix = unique_suffix()
    spec = ConnectorSpec(
        name=f"smoke-maria-{suffix}",
        family="mariadb",
        topic_prefix=f"smokemaria{suffix}",
        table=f"items_{suffix}",
    )
    conn = pymysql.connect(**stack.mariadb, autocommit=True)  # type: ignore[arg-type]
    with conn.cursor() as cursor:
        cursor.execute(f"CREATE TABLE {spec.table} (id INT PRIMARY KEY, label VARCHAR(64))")
        cursor.execute(f"INSERT INTO {spec.table} VALUES (1, 'before')")
    connect_admin.create(
        spec.name, mariadb_config(spec.name, spec.topic_prefix, [spec.qualified_table])
    )
    yield spec
    connect_admin.delete(spec.name)
    with conn.cursor() as cursor:
        cursor.execute(f"DROP TABLE {spec.table}")
    conn.close()


def test_postgres_connector_streams_insert(
    stack: StackInfo, connect_admin: ConnectAdmin, postgres_connector: ConnectorSpec
) -> None:
    connect_admin.wait_running(postgres_connector.name)
    read_events(stack.kafka_bootstrap, postgres_connector.topic, stop_when=has_row("id", 1))
    with psycopg.connect(stack.postgres_dsn, autocommit=True) as conn:
        conn.execute(f"INSERT INTO {postgres_connector.table} VALUES (2, 'streamed')")

    events = read_events(
        stack.kafka_bootstrap, postgres_connector.topic, stop_when=has_row("id", 2)
    )

    streamed = [e for e in events if (e.get("after") or {}).get("id") == 2]
    assert len(streamed) == 1
    assert streamed[0]["after"]["label"] == "streamed"
    assert streamed[0]["op"] == "c"
    assert streamed[0]["source"]["connector"] == "postgresql"


def test_mariadb_connector_streams_insert(
    stack: StackInfo, connect_admin: ConnectAdmin, mariadb_connector: ConnectorSpec
) -> None:
    connect_admin.wait_running(mariadb_connector.name)
    read_events(stack.kafka_bootstrap, mariadb_connector.topic, stop_when=has_row("id", 1))
    conn = pymysql.connect(**stack.mariadb, autocommit=True)  # type: ignore[arg-type]
    with conn.cursor() as cursor:
        cursor.execute(f"INSERT INTO {mariadb_connector.table} VALUES (2, 'streamed')")
    conn.close()

    events = read_events(stack.kafka_bootstrap, mariadb_connector.topic, stop_when=has_row("id", 2))

    streamed = [e for e in events if (e.get("after") or {}).get("id") == 2]
    assert len(streamed) == 1
    assert streamed[0]["after"]["label"] == "streamed"
    assert streamed[0]["op"] == "c"
    assert streamed[0]["source"]["connector"] == "mariadb"


def test_offsets_endpoint_returns_debezium_offsets(
    stack: StackInfo,
    connect_admin: ConnectAdmin,
    postgres_connector: ConnectorSpec,
    mariadb_connector: ConnectorSpec,
) -> None:
    for connector in (postgres_connector, mariadb_connector):
        connect_admin.wait_running(connector.name)
    pg = wait_for(lambda: connect_admin.offsets(postgres_connector.name), 60, "PostgreSQL offsets")
    maria = wait_for(lambda: connect_admin.offsets(mariadb_connector.name), 60, "MariaDB offsets")

    assert pg[0]["partition"] == {"server": postgres_connector.topic_prefix}
    assert "lsn" in pg[0]["offset"]
    assert maria[0]["partition"] == {"server": mariadb_connector.topic_prefix}
    assert "file" in maria[0]["offset"]
    assert "pos" in maria[0]["offset"]
