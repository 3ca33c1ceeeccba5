"""A single-node KRaft Kafka broker and a distributed Kafka Connect worker with Debezium plugins.

All jars come from Maven Central through the poms in ``maven/``: Kafka 4.3.1 (the release
Debezium 3.6.1.Final is built against), the Debezium PostgreSQL connector 3.6.1.Final and the
Debezium MariaDB connector 3.5.0.Final (the newest that Maven Central serves). Each plugin gets its
own folder under ``plugin.path`` so Kafka Connect loads it in an isolated class loader; Kafka's own
and SLF4J's jars are left out of the plugin folders because the worker provides them.

The worker commits source offsets every second (``offset.flush.interval.ms=1000``) instead of the
default minute, so tests see snapshot state in ``GET /connectors/{name}/offsets`` quickly.
"""

from __future__ import annotations

import json
import shutil
import urllib.request
from pathlib import Path

from . import config, proc
from .proc import Component

MAVEN = config.HERE / "maven"

KAFKA = Component("kafka", config.PORTS.kafka)
CONNECT = Component("kafka-connect", config.PORTS.connect)

# A fixed cluster id (a base64 UUID) so the storage folder can be formatted once and reused.
CLUSTER_ID = "c25hcHNob3Qtb3BlcmF0b3I"

PLUGINS = {
    "debezium-postgres": "io.debezium.connector.postgresql.PostgresConnector",
    "debezium-mariadb": "io.debezium.connector.mariadb.MariaDbConnector",
}

JVM_FLAGS = ["-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Djava.awt.headless=true"]

LOG4J2 = """\
status = warn
appender.console.type = Console
appender.console.name = console
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c{1})%n
rootLogger.level = info
rootLogger.appenderRef.console.ref = console
logger.kafka.name = kafka
logger.kafka.level = warn
logger.apache.name = org.apache.kafka
logger.apache.level = warn
logger.connect.name = org.apache.kafka.connect.runtime.distributed
logger.connect.level = info
logger.worker.name = org.apache.kafka.connect.runtime.Worker
logger.worker.level = info
logger.debezium.name = io.debezium
logger.debezium.level = info
"""


def _jar_dir(name: str) -> Path:
    pom = MAVEN / name / "pom.xml"
    return config.cache_dir() / "maven" / f"{name}-{config.content_key(pom)}"


def resolve_jars() -> None:
    """Copy each pom's runtime jars into the cache folder, unless a previous run did."""
    log = config.log_dir() / "build-maven.log"
    excludes = {
        "kafka": "",
        "debezium-postgres": "org.apache.kafka,org.slf4j",
        "debezium-mariadb": "org.apache.kafka,org.slf4j",
    }
    for name, exclude in excludes.items():
        target = _jar_dir(name)
        if (target / ".complete").exists():
            continue
        shutil.rmtree(target, ignore_errors=True)
        command = [
            "mvn",
            "-B",
            "-q",
            "dependency:copy-dependencies",
            f"-DoutputDirectory={target}",
            "-DincludeScope=runtime",
        ]
        if exclude:
            command.append(f"-DexcludeGroupIds={exclude}")
        proc.run(command, what=f"Resolving the {name} jars with Maven", log=log, cwd=MAVEN / name)
        (target / ".complete").write_text("")


def plugin_path() -> Path:
    """Return a folder whose subfolders are the Debezium plugins (symbolic links to the cache)."""
    folder = config.stack_dir() / "connect" / "plugins"
    folder.mkdir(parents=True, exist_ok=True)
    for name in PLUGINS:
        link = folder / name
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(_jar_dir(name), target_is_directory=True)
    return folder


def bootstrap_servers() -> str:
    return f"127.0.0.1:{config.PORTS.kafka}"


def connect_url() -> str:
    return f"http://127.0.0.1:{config.PORTS.connect}"


def _java(heap: str, main: str, *args: str) -> list[str]:
    log4j = config.stack_dir() / "kafka-log4j2.properties"
    log4j.write_text(LOG4J2)
    return [
        "java",
        "-Xms128m",
        f"-Xmx{heap}",
        *JVM_FLAGS,
        f"-Dlog4j2.configurationFile={log4j}",
        "-cp",
        f"{_jar_dir('kafka')}/*",
        main,
        *args,
    ]


def _broker_properties() -> Path:
    folder = config.stack_dir() / "kafka"
    folder.mkdir(parents=True, exist_ok=True)
    port, controller = config.PORTS.kafka, config.PORTS.kafka_controller
    path = folder / "server.properties"
    path.write_text(
        "process.roles=broker,controller\n"
        "node.id=1\n"
        f"listeners=PLAINTEXT://127.0.0.1:{port},CONTROLLER://127.0.0.1:{controller}\n"
        f"advertised.listeners=PLAINTEXT://127.0.0.1:{port}\n"
        "controller.listener.names=CONTROLLER\n"
        "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT\n"
        f"controller.quorum.voters=1@127.0.0.1:{controller}\n"
        f"log.dirs={folder / 'data'}\n"
        "num.partitions=1\n"
        "offsets.topic.replication.factor=1\n"
        "offsets.topic.num.partitions=1\n"
        "transaction.state.log.replication.factor=1\n"
        "transaction.state.log.min.isr=1\n"
        "share.coordinator.state.topic.replication.factor=1\n"
        "share.coordinator.state.topic.min.isr=1\n"
        "group.initial.rebalance.delay.ms=0\n"
        "auto.create.topics.enable=true\n"
    )
    return path


def _connect_properties() -> Path:
    folder = config.stack_dir() / "connect"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "connect-distributed.properties"
    path.write_text(
        f"bootstrap.servers={bootstrap_servers()}\n"
        "group.id=snapshot-operator-stack\n"
        "key.converter=org.apache.kafka.connect.json.JsonConverter\n"
        "value.converter=org.apache.kafka.connect.json.JsonConverter\n"
        "key.converter.schemas.enable=false\n"
        "value.converter.schemas.enable=false\n"
        "offset.storage.topic=connect-offsets\n"
        "offset.storage.replication.factor=1\n"
        "offset.storage.partitions=1\n"
        "config.storage.topic=connect-configs\n"
        "config.storage.replication.factor=1\n"
        "status.storage.topic=connect-status\n"
        "status.storage.replication.factor=1\n"
        "status.storage.partitions=1\n"
        "offset.flush.interval.ms=1000\n"
        f"listeners=http://127.0.0.1:{config.PORTS.connect}\n"
        f"rest.advertised.host.name=127.0.0.1\n"
        f"rest.advertised.port={config.PORTS.connect}\n"
        f"plugin.path={plugin_path()}\n"
        "plugin.discovery=hybrid_warn\n"
        "scheduled.rebalance.max.delay.ms=0\n"
    )
    return path


def _kafka_ready() -> bool:
    return proc.port_open(config.PORTS.kafka)


def installed_plugins() -> list[dict[str, str]]:
    with urllib.request.urlopen(f"{connect_url()}/connector-plugins", timeout=5) as response:
        return list(json.load(response))


def _connect_ready() -> bool:
    classes = {plugin["class"] for plugin in installed_plugins()}
    return set(PLUGINS.values()) <= classes


def up() -> None:
    resolve_jars()
    if not KAFKA.is_running():
        properties = _broker_properties()
        if not (config.stack_dir() / "kafka" / "data" / "meta.properties").exists():
            proc.run(
                _java(
                    "256m",
                    "kafka.tools.StorageTool",
                    "format",
                    "-t",
                    CLUSTER_ID,
                    "-c",
                    str(properties),
                ),
                what="Formatting the Kafka storage folder",
                log=KAFKA.log_file,
            )
        proc.start(KAFKA, _java("512m", "kafka.Kafka", str(properties)))
    proc.wait_until(KAFKA, _kafka_ready, timeout=90, hint="Check that Java 17 is on PATH.")

    if not CONNECT.is_running():
        properties = _connect_properties()
        proc.start(
            CONNECT,
            _java("1g", "org.apache.kafka.connect.cli.ConnectDistributed", str(properties)),
        )
    proc.wait_until(
        CONNECT,
        _connect_ready,
        timeout=180,
        hint=(
            f"Check that the broker answers on {bootstrap_servers()}"
            f" and that the plugins are in {plugin_path()}."
        ),
    )


def down() -> None:
    proc.stop(CONNECT, timeout=60)
    proc.stop(KAFKA, timeout=60)
