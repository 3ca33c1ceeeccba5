"""The MySQL and MariaDB signaling-table channel, on PyMySQL in a worker thread."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import ssl
from collections.abc import Mapping
from typing import Any, Final

import pymysql  # type: ignore[import-untyped]

from snapshot_operator.backends.signals.base import (
    APPLICATION_NAME,
    SendResult,
    SignalTableChannel,
    driver_message,
    lock_digest,
)
from snapshot_operator.errors import (
    SignalChannelUnavailable,
    SignalRejected,
)
from snapshot_operator.models.status import ConnectorFamily

logger = logging.getLogger(__name__)


# MySQL and MariaDB error numbers of failures that may clear by themselves. They are the
# client-side connection errors (2002-2013, 2055) and too many connections (1040, 1203).
# Also included are a user resource limit (1226), a server shutdown (1053), a killed
# connection (1927), lock wait time-outs and deadlocks (1205, 1213), and statement
# time-outs (3024 on MySQL, 1969 on MariaDB). 0 is PyMySQL's code for a broken connection.
_MYSQL_TRANSIENT_ERRORS: Final = frozenset(
    {0, 1040, 1053, 1203, 1205, 1213, 1226, 1927, 1969, 2002, 2003, 2005, 2006, 2013, 2055, 3024}
)
_MYSQL_ACCESS_DENIED: Final = frozenset({1044, 1045, 1698})
_MYSQL_DUPLICATE_KEY: Final = 1062


class MySqlSignalTable(SignalTableChannel):
    """The signaling table of a Debezium MySQL or MariaDB connector, written with PyMySQL.

    PyMySQL is synchronous, so every call runs in a worker thread. Its read and write
    time-outs bound each network wait, and cancelling the awaiting task does not stop a
    call that already runs in its thread.
    """

    _namespace_kind = "database"

    families = frozenset({ConnectorFamily.MYSQL, ConnectorFamily.MARIADB})
    family_label = "mysql or mariadb"

    @property
    def _relation(self) -> str:
        return f"{_backtick(self.namespace)}.{_backtick(self.table)}"

    async def send(self, signal_id: str, signal_type: str, data: Mapping[str, Any]) -> SendResult:
        payload = self._encode(signal_id, data)
        logger.debug(
            "Inserting signal %s (%s) into %s at %s for connector %s.",
            signal_id,
            signal_type,
            self.table_name,
            self.target.address,
            self.target.connector,
        )
        inserted = await asyncio.to_thread(self._send_blocking, signal_id, signal_type, payload)
        if not inserted:
            logger.debug("Signal %s was already in %s.", signal_id, self.table_name)
        return SendResult(signal_id=signal_id, inserted=inserted)

    async def count(self, signal_id: str) -> int:
        return await asyncio.to_thread(self._count_blocking, signal_id)

    async def probe(self) -> None:
        await asyncio.to_thread(self._probe_blocking)

    def _send_blocking(self, signal_id: str, signal_type: str, payload: str) -> bool:
        # GET_LOCK names are at most 64 characters, so the lock is named by a digest.
        lock_name = "snapshot-operator:" + lock_digest(self.table_name, signal_id).hex()[:40]
        insert = (
            f"INSERT INTO {self._relation} (`id`, `type`, `data`) SELECT %s, %s, %s FROM DUAL"
            f" WHERE NOT EXISTS (SELECT 1 FROM {self._relation} WHERE `id` = %s)"
        )
        connection = self._connect()
        try:
            with connection.cursor() as cursor:
                lock_seconds = max(1, math.ceil(self.statement_timeout))
                cursor.execute("SELECT GET_LOCK(%s, %s)", (lock_name, lock_seconds))
                locked = cursor.fetchone()
                if locked is None or locked[0] != 1:
                    raise self._unavailable(
                        f"waiting for the lock on signal {signal_id} in {self.table_name} at "
                        f"{self.target.address} timed out after {lock_seconds} s, because "
                        "another writer holds it"
                    )
                connection.begin()
                try:
                    cursor.execute(insert, (signal_id, signal_type, payload, signal_id))
                    inserted = bool(cursor.rowcount == 1)
                    connection.commit()
                except pymysql.err.IntegrityError as error:
                    if error.args[0] != _MYSQL_DUPLICATE_KEY:
                        raise
                    # A writer that does not take the lock inserted the same id first.
                    connection.rollback()
                    inserted = False
                # Closing the connection would release the lock too.
                cursor.execute("SELECT RELEASE_LOCK(%s)", (lock_name,))
        except pymysql.err.Error as error:
            raise self._error(error) from None
        finally:
            _close_quietly(connection)
        return inserted

    def _count_blocking(self, signal_id: str) -> int:
        connection = self._connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT COUNT(*) FROM {self._relation} WHERE `id` = %s", (signal_id,)
                )
                row = cursor.fetchone()
        except pymysql.err.Error as error:
            raise self._error(error) from None
        finally:
            _close_quietly(connection)
        return int(row[0]) if row is not None else 0

    def _probe_blocking(self) -> None:
        connection = self._connect()
        try:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT COLUMN_NAME FROM information_schema.COLUMNS"
                    " WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s",
                    (self.namespace, self.table),
                )
                names = {str(row[0]).lower() for row in cursor.fetchall()}
                if not names:
                    # information_schema hides tables the user has no privilege on.
                    raise self._rejected(
                        f"the signaling table {self.table_name} at {self.target.address} "
                        f"does not exist, or user {self.target.user!r} has no privilege on it. "
                        "Create it with the columns id, type and data, and grant SELECT and "
                        "INSERT on it"
                    )
                problem = self._missing_columns(names)
                if problem is not None:
                    raise problem
                # NOTE: only the SELECT privilege is checked here, because INSERT may be
                # granted globally, per database, per table or through a role.
                cursor.execute(f"SELECT `id`, `type`, `data` FROM {self._relation} WHERE 1 = 0")
        except pymysql.err.Error as error:
            raise self._error(error) from None
        finally:
            _close_quietly(connection)

    def _connect(self) -> Any:
        target = self.target
        try:
            return pymysql.connect(
                host=target.host,
                port=target.port,
                user=target.user,
                password=target.password,
                connect_timeout=self.connect_timeout,
                read_timeout=self.statement_timeout,
                write_timeout=self.statement_timeout,
                autocommit=False,
                charset="utf8mb4",
                program_name=APPLICATION_NAME,
                **_mysql_tls_options(target.ssl_mode),
            )
        except pymysql.err.Error as error:
            raise self._error(error) from None

    def _error(self, error: Any) -> SignalChannelUnavailable | SignalRejected:
        code = error.args[0] if error.args and isinstance(error.args[0], int) else 0
        text = str(error.args[1]) if len(error.args) > 1 else str(error)
        message = driver_message(text, self.target.password)
        where = f"{self._server_kind} at {self.target.address}"
        if code in _MYSQL_TRANSIENT_ERRORS:
            return self._unavailable(
                f"the request to {where} for {self.table_name} failed: {message}"
            )
        if code in _MYSQL_ACCESS_DENIED:
            return self._rejected(
                f"{where} did not accept user {self.target.user!r} ({message}). Check the "
                "connector's database.user and database.password, or the signal credentials "
                "mapped to this connector in the operator configuration"
            )
        if code in (1146, 1049):
            return self._rejected(
                f"the signaling table {self.table_name} does not exist at "
                f"{self.target.address} ({message}). Create it with the columns id, type "
                "and data"
            )
        if code == 1054:
            return self._rejected(
                f"the signaling table {self.table_name} at {self.target.address} lacks a "
                f"column ({message}). The operator writes the columns id, type and data"
            )
        if code in (1142, 1143):
            return self._rejected(
                f"user {self.target.user!r} may not use {self.table_name} at "
                f"{self.target.address} ({message}). Grant SELECT and INSERT on it"
            )
        return self._rejected(f"{where} returned error {code} for {self.table_name}: {message}")

    @property
    def _server_kind(self) -> str:
        return "MariaDB" if self.target.family is ConnectorFamily.MARIADB else "MySQL"


def _backtick(identifier: str) -> str:
    return "`" + identifier.replace("`", "``") + "`"


def _close_quietly(connection: Any) -> None:
    # A connection that is already closed or broken raises, and the server frees it anyway.
    with contextlib.suppress(pymysql.err.Error):
        connection.close()


def _mysql_tls_options(mode: str) -> dict[str, Any]:
    """Translate a Debezium MySQL or MariaDB TLS mode into PyMySQL connect arguments."""
    if mode in ("disabled", "disable"):
        return {"ssl_disabled": True}
    if mode == "preferred":
        # PyMySQL 1.2 tries TLS without verification and falls back to plain text when the
        # server does not offer TLS, as MySQL's own "preferred" mode does.
        return {}
    context = ssl.create_default_context()
    if mode in ("required", "trust"):
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    elif mode in ("verify_ca", "verify-ca"):
        context.check_hostname = False
    # A context passed as ssl makes PyMySQL fail when the server does not offer TLS.
    return {"ssl": context}
