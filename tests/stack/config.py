"""Versions, ports and folders of the local test stack.

Every port is on 127.0.0.1 and away from the components' defaults, so the stack can run beside a
developer's own PostgreSQL or Kafka. Environment variables override the folders:

- ``SNAPSHOT_OPERATOR_STACK_DIR``: runtime state, data and logs (default
  ``/tmp/snapshot-operator-stack``);
- ``SNAPSHOT_OPERATOR_CACHE_DIR``: built binaries and resolved jars, keyed by version (default
  ``~/.cache/snapshot-operator``).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent

KUBERNETES_VERSION = "v1.36.3"
# The etcd version k8s.io/kubernetes v1.36.3 itself requires (see gomod/go.mod).
ETCD_VERSION = "v3.6.8"
KAFKA_VERSION = "4.3.1"
DEBEZIUM_POSTGRES_VERSION = "3.6.1.Final"
# NOTE: Maven Central serves debezium-connector-mariadb only up to 3.5.0.Final, so the MariaDB
# plugin is one minor release behind the PostgreSQL one.
DEBEZIUM_MARIADB_VERSION = "3.5.0.Final"

# Debian bookworm packages, with the versions the stack was last tested with. The installer
# falls back to the package name alone when the mirror has moved on to a newer patch release.
DEBIAN_PACKAGES = {
    "postgresql-15": "15.20-0+deb12u1",
    "mariadb-server": "1:10.11.19-0+deb12u1",
    "openssl": None,
    # Runs the Argo CD health check (Lua) in the chart tests.
    "lua5.4": "5.4.4-3+deb12u1",
}

ADMIN_TOKEN = "snapshot-operator-stack-admin"  # a fixed token for a loopback-only test server


@dataclass(frozen=True)
class Ports:
    etcd_client: int = 12379
    etcd_peer: int = 12380
    apiserver: int = 16443
    postgres: int = 15432
    mariadb: int = 13306
    kafka: int = 19092
    kafka_controller: int = 19093
    connect: int = 18083


PORTS = Ports()

DB_USER = "dbz"
DB_PASSWORD = "dbz"  # loopback-only test database
DB_NAME = "inventory"
SIGNAL_TABLE = "debezium_signal"


def stack_dir() -> Path:
    return Path(os.environ.get("SNAPSHOT_OPERATOR_STACK_DIR", "/tmp/snapshot-operator-stack"))


def cache_dir() -> Path:
    default = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "snapshot-operator"
    return Path(os.environ.get("SNAPSHOT_OPERATOR_CACHE_DIR", default))


def log_dir() -> Path:
    return stack_dir() / "logs"


def content_key(*files: Path) -> str:
    """Return a short hash of the files that define a build, so a changed pin rebuilds."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:12]
