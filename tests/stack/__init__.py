"""The local test stack: real components started on 127.0.0.1, without Docker.

``python -m tests.stack up`` builds or installs whatever is missing and starts, in order: etcd and
kube-apiserver (built from the Go module proxy), PostgreSQL and MariaDB (Debian packages), a KRaft
Kafka broker and a Kafka Connect worker with Debezium plugins (Maven Central). ``up`` reuses
running components and waits on real health checks; ``down`` stops every process it started.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from . import config, databases, helm, kafka, kube
from .proc import StackError

__all__ = ["StackError", "StackInfo", "down", "info", "up"]


@dataclass(frozen=True)
class StackInfo:
    """Where tests reach each component of a running stack."""

    kubeconfig: Path
    kubectl: Path
    connect_url: str
    kafka_bootstrap: str
    postgres_dsn: str
    mariadb: dict[str, object]
    log_dir: Path


def info() -> StackInfo:
    return StackInfo(
        kubeconfig=kube.kubeconfig_path(),
        kubectl=kube.binary("kubectl"),
        connect_url=kafka.connect_url(),
        kafka_bootstrap=kafka.bootstrap_servers(),
        postgres_dsn=databases.postgres_dsn(),
        mariadb=databases.mariadb_params(),
        log_dir=config.log_dir(),
    )


def up() -> StackInfo:
    config.log_dir().mkdir(parents=True, exist_ok=True)
    kube.up()
    helm.build()
    databases.up()
    kafka.up()
    return info()


def down() -> None:
    kafka.down()
    databases.down()
    kube.down()
