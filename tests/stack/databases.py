"""PostgreSQL 15 and MariaDB 10.11 from Debian's packages, set up for Debezium.

Both servers refuse to run as root, so PostgreSQL runs as the ``postgres`` user (through
``runuser``) and MariaDB drops to ``mysql`` by itself. Each gets its own data folder under the stack
folder and listens on 127.0.0.1 only; the packages' own default clusters are left alone.

PostgreSQL: ``wal_level=logical`` for the ``pgoutput`` plugin, and a superuser ``dbz`` so the
connector may create its publication ``FOR ALL TABLES`` (Debezium's default
``publication.autocreate.mode=all_tables`` needs it). MariaDB: a row-based binlog with full row
images, and a ``dbz`` user with the grants Debezium's MariaDB connector documents. Both databases
are named ``inventory`` and hold the signaling table ``debezium_signal (id, type, data)``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import psycopg
import pymysql

from . import config, proc
from .proc import Component, StackError

POSTGRES = Component("postgresql", config.PORTS.postgres)
MARIADB = Component("mariadb", config.PORTS.mariadb)

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def signal_table_ddl(qualified_name: str) -> str:
    """Return the DDL of Debezium's signaling table: exactly the columns id, type and data."""
    return (
        f"CREATE TABLE IF NOT EXISTS {qualified_name} "
        "(id VARCHAR(64) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048) NULL)"
    )


def install_packages() -> None:
    """Install the Debian packages that are missing, at their tested versions where served."""
    missing = [name for name in config.DEBIAN_PACKAGES if not _package_installed(name)]
    if not missing:
        return
    if os.geteuid() != 0:
        raise StackError(
            f"The Debian packages {', '.join(missing)} are missing and only root can install them: "
            f"run `sudo apt-get install {' '.join(missing)}` once."
        )
    log = config.log_dir() / "apt.log"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    proc.run(["apt-get", "update", "-q"], what="apt-get update", log=log, env=env)
    for name in missing:
        version = config.DEBIAN_PACKAGES[name]
        command = ["apt-get", "install", "-y", "-q", "--no-install-recommends"]
        try:
            proc.run(
                [*command, f"{name}={version}" if version else name],
                what=f"Installing {name}",
                log=log,
                env=env,
            )
        except StackError:
            if version is None:
                raise
            # The mirror keeps only the newest patch release of a package.
            proc.run([*command, name], what=f"Installing {name}", log=log, env=env)


def _package_installed(name: str) -> bool:
    result = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", name], capture_output=True, text=True, check=False
    )
    return result.stdout.strip() == "install ok installed"


def postgres_dsn(database: str = config.DB_NAME) -> str:
    return f"postgresql://{config.DB_USER}:{config.DB_PASSWORD}@127.0.0.1:{config.PORTS.postgres}/{database}"


def _pg_dirs() -> tuple[Path, Path]:
    base = config.stack_dir() / "postgresql"
    return base / "data", base / "run"


def _postgres_up() -> None:
    data, sockets = _pg_dirs()
    log = config.log_dir() / "postgresql-setup.log"
    if not (data / "PG_VERSION").exists():
        data.mkdir(parents=True, exist_ok=True)
        sockets.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(data.parent, "postgres", "postgres")
            shutil.chown(data, "postgres", "postgres")
            shutil.chown(sockets, "postgres", "postgres")
        password_file = data.parent / "initdb-password"
        password_file.write_text(config.DB_PASSWORD)
        if os.geteuid() == 0:
            shutil.chown(password_file, "postgres", "postgres")
        proc.run(
            proc.as_user(
                "postgres",
                [
                    str(PG_BIN / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "--auth-local=trust",
                    "--auth-host=scram-sha-256",
                    "--encoding=UTF8",
                    "--no-sync",
                ],
            ),
            what="Initialising the PostgreSQL data folder",
            log=log,
        )
        password_file.unlink()
        with (data / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# snapshot-operator test stack\n"
                "listen_addresses = '127.0.0.1'\n"
                f"port = {config.PORTS.postgres}\n"
                f"unix_socket_directories = '{sockets}'\n"
                "wal_level = logical\n"
                "max_wal_senders = 20\n"
                "max_replication_slots = 20\n"
                "fsync = off\n"
                "synchronous_commit = off\n"
                "full_page_writes = off\n"
            )
        with (data / "pg_hba.conf").open("a") as hba:
            hba.write("host replication all 127.0.0.1/32 scram-sha-256\n")

    if not POSTGRES.is_running():
        proc.start(POSTGRES, proc.as_user("postgres", [str(PG_BIN / "postgres"), "-D", str(data)]))
    proc.wait_until(
        POSTGRES,
        lambda: proc.port_open(config.PORTS.postgres) and _pg_superuser_ready(sockets),
        timeout=60,
        hint="Check that the postgres user can write the stack folder.",
    )
    _postgres_setup(sockets)


def _pg_superuser_ready(sockets: Path) -> bool:
    with psycopg.connect(
        host=str(sockets), port=config.PORTS.postgres, user="postgres", dbname="postgres"
    ):
        return True


def _postgres_setup(sockets: Path) -> None:
    with psycopg.connect(
        host=str(sockets),
        port=config.PORTS.postgres,
        user="postgres",
        dbname="postgres",
        autocommit=True,
    ) as conn:
        if (
            conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (config.DB_USER,)).fetchone()
            is None
        ):
            conn.execute(
                f"CREATE ROLE {config.DB_USER} LOGIN SUPERUSER REPLICATION"
                f" PASSWORD '{config.DB_PASSWORD}'"
            )
        if (
            conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (config.DB_NAME,)
            ).fetchone()
            is None
        ):
            conn.execute(f"CREATE DATABASE {config.DB_NAME} OWNER {config.DB_USER}")
    with psycopg.connect(postgres_dsn(), autocommit=True) as conn:
        conn.execute(signal_table_ddl(f"public.{config.SIGNAL_TABLE}"))


def mariadb_params(database: str = config.DB_NAME) -> dict[str, object]:
    return {
        "host": "127.0.0.1",
        "port": config.PORTS.mariadb,
        "user": config.DB_USER,
        "password": config.DB_PASSWORD,
        "database": database,
    }


def _maria_dirs() -> tuple[Path, Path]:
    base = config.stack_dir() / "mariadb"
    return base / "data", base / "run"


def _mariadb_up() -> None:
    data, run = _maria_dirs()
    log = config.log_dir() / "mariadb-setup.log"
    user_flag = ["--user=mysql"] if os.geteuid() == 0 else []
    if not (data / "mysql").exists():
        data.mkdir(parents=True, exist_ok=True)
        run.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            for folder in (data.parent, data, run):
                shutil.chown(folder, "mysql", "mysql")
        proc.run(
            [
                "mariadb-install-db",
                "--no-defaults",
                f"--datadir={data}",
                *user_flag,
                "--skip-test-db",
            ],
            what="Initialising the MariaDB data folder",
            log=log,
        )
    if not MARIADB.is_running():
        proc.start(
            MARIADB,
            [
                "mariadbd",
                "--no-defaults",
                f"--datadir={data}",
                *user_flag,
                "--bind-address=127.0.0.1",
                f"--port={config.PORTS.mariadb}",
                f"--socket={run / 'mariadb.sock'}",
                f"--pid-file={run / 'mariadb.pid'}",
                "--skip-name-resolve",
                "--server-id=223344",
                "--log-bin=mariadb-bin",
                "--binlog-format=ROW",
                "--binlog-row-image=FULL",
                "--binlog-expire-logs-seconds=86400",
                "--innodb-flush-log-at-trx-commit=0",
                "--innodb-buffer-pool-size=128M",
            ],
        )
    proc.wait_until(
        MARIADB,
        lambda: proc.port_open(config.PORTS.mariadb) and _mariadb_root(run) is not None,
        timeout=60,
        hint="Check that the mysql user can write the stack folder.",
    )
    _mariadb_setup(run)


def _mariadb_root(run: Path) -> pymysql.connections.Connection:
    # root@localhost authenticates by the unix_socket plugin: the OS user must be root.
    return pymysql.connect(unix_socket=str(run / "mariadb.sock"), user="root", autocommit=True)


def _mariadb_setup(run: Path) -> None:
    if os.geteuid() != 0:
        raise StackError(
            "Setting up MariaDB needs root, because root@localhost signs in over its socket."
        )
    conn = _mariadb_root(run)
    try:
        with conn.cursor() as cursor:
            cursor.execute(f"CREATE DATABASE IF NOT EXISTS {config.DB_NAME}")
            cursor.execute(
                f"CREATE USER IF NOT EXISTS '{config.DB_USER}'@'127.0.0.1'"
                f" IDENTIFIED BY '{config.DB_PASSWORD}'"
            )
            cursor.execute(
                "GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT,"
                " LOCK TABLES "
                f"ON *.* TO '{config.DB_USER}'@'127.0.0.1'"
            )
            cursor.execute(
                f"GRANT ALL PRIVILEGES ON {config.DB_NAME}.* TO '{config.DB_USER}'@'127.0.0.1'"
            )
            cursor.execute(signal_table_ddl(f"{config.DB_NAME}.{config.SIGNAL_TABLE}"))
    finally:
        conn.close()


def up() -> None:
    install_packages()
    _postgres_up()
    _mariadb_up()


def down() -> None:
    proc.stop(POSTGRES)
    proc.stop(MARIADB)
