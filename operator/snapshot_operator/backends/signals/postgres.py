"""The PostgreSQL signaling-table channel, on psycopg 3's async connection."""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from typing import Any, Final

import psycopg
from psycopg import sql

from snapshot_operator.backends.signals.base import (
    APPLICATION_NAME,
    SendResult,
    SignalTableChannel,
    driver_message,
    join_keys,
    lock_digest,
)
from snapshot_operator.errors import (
    SignalChannelUnavailable,
    SignalRejected,
)
from snapshot_operator.models.status import ConnectorFamily

logger = logging.getLogger(__name__)


# SQLSTATEs of failures that may clear by themselves: connection exceptions (class 08),
# insufficient resources (53), a server shutdown or start (57P01-57P03), the statement
# time-out (57014), serialization failures, deadlocks and lock time-outs.
_PG_TRANSIENT_CLASSES: Final = frozenset({"08", "53"})
_PG_TRANSIENT_STATES: Final = frozenset(
    {"57P01", "57P02", "57P03", "57014", "40001", "40P01", "55P03"}
)
# libpq reports connection failures without a SQLSTATE. These phrases mark the ones that may
# clear by themselves: client-side network errors, and a server starting, stopping or full.
_PG_TRANSIENT_PHRASES: Final = (
    "connection refused",
    "timeout expired",
    "could not translate host name",
    "failed to resolve host",
    "network is unreachable",
    "no route to host",
    "connection reset",
    "server closed the connection unexpectedly",
    "could not receive data",
    "could not send data",
    "too many clients",
    "remaining connection slots are reserved",
    "the database system is starting up",
    "the database system is shutting down",
    "the database system is in recovery mode",
    "not yet accepting connections",
)


class PostgresSignalTable(SignalTableChannel):
    """The signaling table of a Debezium PostgreSQL connector, written with psycopg 3."""

    families = frozenset({ConnectorFamily.POSTGRES})
    family_label = "postgres"

    @property
    def _relation(self) -> sql.Identifier:
        return sql.Identifier(self.namespace, self.table)

    async def send(self, signal_id: str, signal_type: str, data: Mapping[str, Any]) -> SendResult:
        payload = self._encode(signal_id, data)
        lock_key = int.from_bytes(lock_digest(self.table_name, signal_id)[:8], signed=True)
        insert = sql.SQL(
            "INSERT INTO {table} (id, type, data) SELECT %s, %s, %s"
            " WHERE NOT EXISTS (SELECT 1 FROM {table} WHERE id = %s)"
        ).format(table=self._relation)
        logger.debug(
            "Inserting signal %s (%s) into %s at %s for connector %s.",
            signal_id,
            signal_type,
            self.table_name,
            self.target.address,
            self.target.connector,
        )

        connection = await self._connect()
        try:
            async with connection.transaction():
                await self._limit_statements(connection)
                await connection.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key,))
                cursor = await connection.execute(
                    insert, (signal_id, signal_type, payload, signal_id)
                )
                inserted = cursor.rowcount == 1
        except psycopg.errors.UniqueViolation:
            # A writer that does not take the advisory lock inserted the same id first.
            inserted = False
        except psycopg.Error as error:
            raise self._query_error(error) from None
        finally:
            await connection.close()

        if not inserted:
            logger.debug("Signal %s was already in %s.", signal_id, self.table_name)
        return SendResult(signal_id=signal_id, inserted=inserted)

    async def count(self, signal_id: str) -> int:
        query = sql.SQL("SELECT count(*) FROM {table} WHERE id = %s").format(table=self._relation)
        connection = await self._connect()
        try:
            async with connection.transaction():
                await self._limit_statements(connection)
                cursor = await connection.execute(query, (signal_id,))
                row = await cursor.fetchone()
        except psycopg.Error as error:
            raise self._query_error(error) from None
        finally:
            await connection.close()
        return int(row[0]) if row is not None else 0

    async def probe(self) -> None:
        # The catalogs are readable by every role, so a missing privilege does not hide the
        # table the way it would in information_schema.
        relation = (
            "SELECT c.oid, has_table_privilege(c.oid, 'SELECT'),"
            " has_table_privilege(c.oid, 'INSERT')"
            " FROM pg_catalog.pg_class c"
            " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = %s AND c.relname = %s AND c.relkind IN ('r', 'p')"
        )
        columns = (
            "SELECT attname FROM pg_catalog.pg_attribute"
            " WHERE attrelid = %s AND attnum > 0 AND NOT attisdropped"
        )
        connection = await self._connect()
        try:
            async with connection.transaction():
                await self._limit_statements(connection)
                cursor = await connection.execute(relation, (self.namespace, self.table))
                found = await cursor.fetchone()
                names: set[str] = set()
                if found is not None:
                    cursor = await connection.execute(columns, (found[0],))
                    names = {str(row[0]) for row in await cursor.fetchall()}
        except psycopg.Error as error:
            raise self._query_error(error) from None
        finally:
            await connection.close()

        if found is None:
            raise self._rejected(self._missing_table_detail())
        problem = self._missing_columns(names)
        if problem is not None:
            raise problem
        privileges = {"SELECT": found[1], "INSERT": found[2]}
        lacking = [name for name, granted in privileges.items() if not granted]
        if lacking:
            raise self._rejected(
                f"user {self.target.user!r} lacks the {join_keys(lacking)} privilege on "
                f"{self.table_name} at {self.target.address}. Grant SELECT and INSERT on it"
            )

    async def _connect(self) -> psycopg.AsyncConnection[tuple[Any, ...]]:
        target = self.target
        options: dict[str, Any] = {}
        if target.ssl_mode == "verify-full" and psycopg.pq.version() >= 160000:
            # libpq 16 reads the system trust store for sslrootcert=system, and allows it
            # only with verify-full. verify-ca keeps libpq's default root.crt location.
            options["sslrootcert"] = "system"
        try:
            return await psycopg.AsyncConnection.connect(
                host=target.host,
                port=target.port,
                user=target.user,
                password=target.password,
                dbname=target.database,
                sslmode=target.ssl_mode,
                # libpq takes whole seconds and treats values below 2 as 2.
                connect_timeout=max(2, math.ceil(self.connect_timeout)),
                application_name=APPLICATION_NAME,
                autocommit=True,
                **options,
            )
        except psycopg.Error as error:
            raise self._connect_error(error) from None

    async def _limit_statements(self, connection: psycopg.AsyncConnection[Any]) -> None:
        milliseconds = str(math.ceil(self.statement_timeout * 1000))
        await connection.execute(
            "SELECT set_config('statement_timeout', %s, true)", (milliseconds,)
        )

    def _connect_error(self, error: psycopg.Error) -> SignalChannelUnavailable | SignalRejected:
        message = driver_message(str(error), self.target.password)
        lowered = message.lower()
        where = f"PostgreSQL at {self.target.address}"
        if isinstance(error, psycopg.errors.ConnectionTimeout) or any(
            phrase in lowered for phrase in _PG_TRANSIENT_PHRASES
        ):
            return self._unavailable(f"connecting to {where} failed: {message}")
        if "password authentication failed" in lowered or "no pg_hba.conf entry" in lowered:
            return self._rejected(
                f"{where} did not accept user {self.target.user!r} ({message}). Check the "
                "connector's database.user and database.password, or the signal credentials "
                "mapped to this connector in the operator configuration"
            )
        if "fatal" in lowered or "ssl" in lowered or "certificate" in lowered:
            # NOTE: servers with a translated lc_messages send other words than these.
            return self._rejected(f"{where} refused the connection: {message}")
        return self._unavailable(f"connecting to {where} failed: {message}")

    def _query_error(self, error: psycopg.Error) -> SignalChannelUnavailable | SignalRejected:
        state = error.sqlstate
        message = driver_message(str(error), self.target.password)
        where = f"PostgreSQL at {self.target.address}"
        if state is None:
            return self._unavailable(
                f"the connection to {where} failed while using {self.table_name}: {message}"
            )
        if state[:2] in _PG_TRANSIENT_CLASSES or state in _PG_TRANSIENT_STATES:
            return self._unavailable(
                f"{where} could not complete the statement on {self.table_name} now: {message}"
            )
        if state in ("42P01", "3F000"):
            return self._rejected(self._missing_table_detail())
        if state == "42703":
            return self._rejected(
                f"the signaling table {self.table_name} at {self.target.address} lacks a "
                f"column ({message}). The operator writes the columns id, type and data"
            )
        if state == "42501":
            return self._rejected(
                f"user {self.target.user!r} may not use {self.table_name} at "
                f"{self.target.address} ({message}). Grant SELECT and INSERT on it"
            )
        if state == "25006":
            return self._rejected(
                f"{where} is read-only, as a standby is ({message}). Signals must be "
                "written on the primary server"
            )
        return self._rejected(f"{where} returned SQLSTATE {state} for {self.table_name}: {message}")

    def _missing_table_detail(self) -> str:
        return (
            f"the signaling table {self.table_name} does not exist in database "
            f"{self.target.database!r} at {self.target.address}. Create it with the columns "
            "id, type and data"
        )
