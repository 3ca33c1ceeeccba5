"""Stop the snapshot of one source: resolve, detect, act, verify, and return its result.

Each step reads Kafka Connect through the cluster's shared client, so every request passes the
cluster's limiter and retry policy. The steps:

1. Resolve: the connector exists (``NotFound``) and is a Debezium source (``Unsupported``); its
   family comes from ``connector.class`` and its Debezium version from ``GET /connector-plugins``.
2. Detect: classify the committed offsets. A ``BLOCKING`` marker is read twice, because a restart
   during a blocking snapshot leaves a stale marker behind (see ``detect``).
3. Act. No snapshot needs nothing. An incremental snapshot gets a ``stop-snapshot`` signal. A
   blocking one gets a connector and task restart where the Debezium version makes that safe.
   Anything else is refused, with the reason. In dry-run mode the result names what would be done.
4. Verify within the timeout: the incremental keys leave the offsets, or the restarted
   connector and its tasks run again. A stop that is not visible yet is reported as such.

Before it acts, the runner calls ``record_action`` so the caller can persist the source as in
flight. A source that was in flight when the operator stopped is detected again on the next run
and is never acted on twice: a signal reuses its deterministic id (the channel inserts nothing
when that row exists), and a restart already recorded is not repeated.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from snapshot_operator.backends.connect import ConnectClient
from snapshot_operator.backends.connect_responses import ConnectorStatus
from snapshot_operator.backends.signals import signal_id
from snapshot_operator.engine import families
from snapshot_operator.engine.channels import (
    SOURCE_CHANNEL,
    CredentialsLookup,
    NoSignalChannel,
    open_signal_table,
)
from snapshot_operator.engine.detect import (
    Detection,
    classify,
    incremental_collections,
    incremental_keys_cleared,
)
from snapshot_operator.errors import ConnectError, ConnectorNotFound, SignalError
from snapshot_operator.models.status import (
    Action,
    ConnectorFamily,
    Outcome,
    ResultData,
    SnapshotType,
    SourceResult,
)

logger = logging.getLogger(__name__)

STOP_SIGNAL_TYPE = "stop-snapshot"
# Stopping a task waits up to task.shutdown.graceful.timeout.ms (5 s by default), so a restart
# shows as RESTARTING or UNASSIGNED for about that long. Polling twice a second catches it.
RESTART_POLL_SECONDS = 0.5
_REGEX_SPECIAL = set("\\.^$|?*+()[]{}")


def stop_signal_data(collections: list[str]) -> dict[str, object]:
    """Return the ``data`` of a stop-snapshot signal limited to ``collections``.

    Every connector that captures a signaling table reads every row of it, so a stop without
    ``data-collections`` would also stop the incremental snapshots of other connectors that
    share the table. Debezium reads each entry as a regular expression, hence the escaping.
    With no known collections the signal stops the whole incremental snapshot.
    """
    data: dict[str, object] = {"type": "incremental"}
    if collections:
        data["data-collections"] = [
            "".join(f"\\{char}" if char in _REGEX_SPECIAL else char for char in name)
            for name in collections
        ]
    return data


RecordAction = Callable[[str, Action], Awaitable[None]]
Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


def _loop_time() -> float:
    return asyncio.get_running_loop().time()


@dataclass
class SourceRun:
    """Settings and callbacks that one resource's run shares between its sources."""

    client: ConnectClient
    resource_uid: str
    log_prefix: str
    dry_run: bool = False
    verify_timeout_seconds: float = 120.0
    verify_poll_interval_seconds: float = 2.0
    blocking_confirm_seconds: float = 5.0
    credentials: CredentialsLookup | None = None
    record_action: RecordAction | None = None
    acted: Mapping[str, Action] = field(default_factory=dict)
    sleep: Sleep = asyncio.sleep
    clock: Clock = _loop_time


@dataclass
class _Facts:
    """Facts about a connector that the resolve and detect steps gathered."""

    connector_class: str
    family: ConnectorFamily
    config: dict[str, str]
    version_text: str | None
    version: families.DebeziumVersion | None
    offsets: list[dict[str, Any]] = field(default_factory=list)
    """The offsets the detect step classified last."""


async def stop_source(run: SourceRun, name: str) -> SourceResult:
    """Return the result of stopping the snapshot running on connector ``name``.

    Every error of this source becomes a failed result, so one source never stops the others;
    only cancellation of the calling task propagates.
    """
    facts: _Facts | None = None
    try:
        resolved = await _resolve(run, name)
        if isinstance(resolved, SourceResult):
            return resolved
        facts = resolved
        status = await run.client.get_status(name)
        detection = await _detect(run, name, facts, status)
        return await _act(run, name, facts, status, detection)
    except ConnectorNotFound:
        return _result(name, Outcome.NOT_FOUND, _not_found_message(run, name))
    except (ConnectError, SignalError) as error:
        logger.warning("%s %s: %s", run.log_prefix, name, error)
        return _result(name, Outcome.FAILED, str(error), facts=facts)
    except Exception as error:
        logger.exception("%s %s: unexpected error", run.log_prefix, name)
        message = f"An unexpected error stopped the operator on this source: {error!r}."
        return _result(name, Outcome.FAILED, message, facts=facts)


def _not_found_message(run: SourceRun, name: str) -> str:
    return (
        f"No connector named {name!r} exists on the Kafka Connect cluster "
        f"{run.client.cluster!r}. Check the id against GET /connectors."
    )


async def _resolve(run: SourceRun, name: str) -> _Facts | SourceResult:
    info = await run.client.get_connector_info(name)
    connector_class = info.config.get("connector.class", "")
    if not families.is_debezium_source(connector_class, info.type):
        message = (
            f"Connector {name!r} is not a Debezium source connector "
            f"(class {connector_class or 'unknown'}, type {info.type or 'unknown'}), "
            "so it has no snapshot to stop."
        )
        return _result(name, Outcome.UNSUPPORTED, message, connector_class=connector_class)

    version_text = None
    for plugin in await run.client.list_plugins():
        if plugin.class_name == connector_class:
            version_text = plugin.version
            break
    return _Facts(
        connector_class=connector_class,
        family=families.family_of(connector_class),
        config=info.config,
        version_text=version_text,
        version=families.parse_debezium_version(version_text),
    )


def _tasks_running(status: ConnectorStatus) -> bool:
    return (
        status.state == "RUNNING"
        and bool(status.tasks)
        and all(task.state == "RUNNING" for task in status.tasks)
    )


async def _read_offsets(run: SourceRun, name: str) -> list[dict[str, Any]]:
    return [
        {"partition": o.partition, "offset": o.offset} for o in await run.client.get_offsets(name)
    ]


async def _detect(run: SourceRun, name: str, facts: _Facts, status: ConnectorStatus) -> Detection:
    running = _tasks_running(status)
    facts.offsets = await _read_offsets(run, name)
    detection = classify(facts.family, facts.version, facts.offsets, tasks_running=running)
    if detection.snapshot_type is not SnapshotType.BLOCKING or not running:
        return detection

    # A BLOCKING marker may be stale: read again and compare the streaming position.
    await run.sleep(run.blocking_confirm_seconds)
    first, facts.offsets = facts.offsets, await _read_offsets(run, name)
    return classify(
        facts.family, facts.version, facts.offsets, previous_offsets=first, tasks_running=running
    )


async def _act(
    run: SourceRun,
    name: str,
    facts: _Facts,
    status: ConnectorStatus,
    detection: Detection,
) -> SourceResult:
    kind = detection.snapshot_type
    earlier = run.acted.get(name)
    if kind is SnapshotType.NONE and earlier is not None:
        return _earlier_action_took_effect(name, earlier, facts, detection)
    if kind is SnapshotType.NONE:
        return _result(
            name, Outcome.NOT_RUNNING, detection.reason, facts=facts, detection=detection
        )
    if kind is SnapshotType.INITIAL:
        message = (
            f"{detection.reason} Neither a signal nor a restart stops an initial snapshot: a "
            "restart starts it over. Nothing was changed."
        )
        return _result(name, Outcome.NOT_STOPPABLE, message, facts=facts, detection=detection)
    if kind is SnapshotType.UNKNOWN:
        message = (
            f"{detection.reason} The operator changed nothing, because it could not tell "
            "which snapshot runs."
        )
        return _result(name, Outcome.FAILED, message, facts=facts, detection=detection)
    if kind is SnapshotType.INCREMENTAL:
        return await _stop_incremental(run, name, facts, detection)
    if not _tasks_running(status) and earlier is None:
        message = (
            f"{detection.reason} The connector is {status.state} and its tasks are "
            f"{', '.join(sorted({task.state for task in status.tasks})) or 'not assigned'}, so no "
            "snapshot runs now; on its next start Debezium 3.0.2+ skips the interrupted blocking "
            "snapshot. Nothing was changed."
        )
        return _result(name, Outcome.NOT_RUNNING, message, facts=facts, detection=detection)
    return await _stop_blocking(run, name, facts, status, detection)


def _earlier_action_took_effect(
    name: str, action: Action, facts: _Facts, detection: Detection
) -> SourceResult:
    """Return the result of a source an earlier run acted on, whose snapshot is now gone."""
    if action is Action.RESTART:
        what, outcome = "restarted the connector", Outcome.RESTARTED
    else:
        what, outcome = "sent the stop-snapshot signal", Outcome.STOPPED
    message = (
        f"An earlier run of this resource {what} before the operator stopped, and no snapshot "
        f"runs now. {detection.reason}"
    )
    return _result(
        name, outcome, message, facts=facts, detection=detection, action=action, verified=True
    )


async def _stop_incremental(
    run: SourceRun, name: str, facts: _Facts, detection: Detection
) -> SourceResult:
    if not families.supports_stop_snapshot_signal(facts.version):
        if facts.version is None:
            why = (
                f"The Debezium version of the connector plugin is unknown "
                f"({facts.version_text or 'not reported'}), and the stop-snapshot signal "
                "exists only from 2.0, so the operator does not send it."
            )
        else:
            why = (
                f"Debezium {facts.version_text} has no stop-snapshot signal (it arrived in 2.0). "
                "Upgrade the connector to stop it."
            )
        message = f"{detection.reason} {why}"
        return _result(name, Outcome.NOT_STOPPABLE, message, facts=facts, detection=detection)

    credentials = await run.credentials(name) if run.credentials else None
    try:
        channel = open_signal_table(facts.family, name, facts.config, credentials)
    except NoSignalChannel as error:
        message = f"{detection.reason} The operator cannot signal it: {error}"
        return _result(name, Outcome.NO_SIGNAL_CHANNEL, message, facts=facts, detection=detection)

    ident = signal_id(run.resource_uid, name, STOP_SIGNAL_TYPE)
    extra = {"signal_id": ident, "channel": SOURCE_CHANNEL, "action": Action.SIGNAL}
    if run.dry_run:
        message = (
            f"{detection.reason} Dry run: would send stop-snapshot signal {ident} through "
            f"{channel.describe()}."
        )
        return _result(
            name, Outcome.WOULD_SIGNAL, message, facts=facts, detection=detection, **extra
        )

    if run.record_action is not None:
        await run.record_action(name, Action.SIGNAL)
    data = stop_signal_data(incremental_collections(facts.offsets))
    sent = await channel.send(ident, STOP_SIGNAL_TYPE, data)
    verb = "sent" if sent.inserted else "found already sent"
    logger.info(
        "%s %s: incremental snapshot running; %s stop-snapshot signal %s through %s",
        run.log_prefix,
        name,
        verb,
        ident,
        channel.describe(),
    )

    cleared = await _poll(run, lambda: _incremental_cleared(run, name))
    if cleared:
        message = (
            f"Stopped the incremental snapshot: signal {ident} {verb}, and the incremental "
            "snapshot keys left the offsets."
        )
        return _result(
            name, Outcome.STOPPED, message, facts=facts, detection=detection, verified=True, **extra
        )
    message = (
        f"Signal {ident} {verb} through {channel.describe()}. The stop is not yet visible in the "
        f"offsets after {run.verify_timeout_seconds:.0f} s: Debezium applies it at its next "
        "chunk and "
        "commits offsets every offset.flush.interval.ms."
    )
    return _result(
        name, Outcome.SIGNALLED, message, facts=facts, detection=detection, verified=False, **extra
    )


async def _incremental_cleared(run: SourceRun, name: str) -> bool:
    return incremental_keys_cleared(await _read_offsets(run, name))


async def _stop_blocking(
    run: SourceRun,
    name: str,
    facts: _Facts,
    status: ConnectorStatus,
    detection: Detection,
) -> SourceResult:
    refusal = _blocking_refusal(facts)
    if refusal is not None:
        message = f"{detection.reason} {refusal} Nothing was changed."
        return _result(name, Outcome.NOT_STOPPABLE, message, facts=facts, detection=detection)

    worker = status.worker_id
    extra = {"action": Action.RESTART, "worker_id": worker}
    if run.dry_run:
        message = (
            f"{detection.reason} Dry run: would restart the connector and its tasks "
            "(includeTasks=true), which ends the blocking snapshot and resumes streaming."
        )
        return _result(
            name, Outcome.WOULD_RESTART, message, facts=facts, detection=detection, **extra
        )

    if run.acted.get(name) is Action.RESTART:
        # The earlier run recorded the restart just before it sent it, so it was most likely sent.
        # A second restart would break the rule that a source is acted on only once.
        logger.info(
            "%s %s: an earlier run recorded a restart; not restarting again", run.log_prefix, name
        )
        if _restart_under_way(status):
            # The restart is under way: wait for the tasks as after a restart of this run.
            running = await _poll(run, lambda: _running_again(run, name))
            message = (
                "An earlier run of this resource restarted the connector and its tasks before "
                "the operator stopped; "
                + ("they run again." if running else "they are not yet running again.")
            )
            return _result(
                name,
                Outcome.RESTARTED,
                message,
                facts=facts,
                detection=detection,
                verified=running,
                **extra,
            )
        message = (
            f"{detection.reason} An earlier run of this resource recorded a restart of this "
            "connector, but the operator stopped before confirming it, and the offsets cannot "
            "show whether it happened. The operator does not restart a source twice: if the "
            "blocking snapshot still runs, create a new BulkStopSnapshot."
        )
        return _result(
            name,
            Outcome.RESTARTED,
            message,
            facts=facts,
            detection=detection,
            verified=False,
            **extra,
        )

    async with run.client.limiter.restart_slots(status.worker_ids):
        # Recorded as late as possible: a crash between this record and the restart request
        # leaves the one case the next run cannot tell apart (see the acted branch above).
        if run.record_action is not None:
            await run.record_action(name, Action.RESTART)
        logger.info(
            "%s %s: blocking snapshot running; restarting connector and tasks on %s",
            run.log_prefix,
            name,
            ", ".join(sorted(status.worker_ids)) or "an unknown worker",
        )
        await run.client.restart(name, include_tasks=True, only_failed=False)
        # Kafka Connect carries the restart out asynchronously, on the worker's herder thread:
        # until then the status still reads RUNNING. Wait to see the restart, then the tasks
        # running again.
        deadline = run.clock() + run.verify_timeout_seconds
        restarting = await _poll(
            run, lambda: _restart_seen(run, name), RESTART_POLL_SECONDS, deadline
        )
        running = restarting and await _poll(
            run, lambda: _running_again(run, name), deadline=deadline
        )

    if running:
        message = (
            "Restarted the connector and its tasks to end the blocking snapshot; they run again, "
            "and Debezium 3.0.2+ skips the interrupted snapshot and resumes streaming."
        )
        return _result(
            name,
            Outcome.RESTARTED,
            message,
            facts=facts,
            detection=detection,
            verified=True,
            **extra,
        )
    seen = "they are not yet running again" if restarting else "the restart was not yet seen"
    message = (
        f"Requested a restart of the connector and its tasks; {seen} after "
        f"{run.verify_timeout_seconds:.0f} s. Check GET /connectors/{name}/status."
    )
    return _result(
        name, Outcome.RESTARTED, message, facts=facts, detection=detection, verified=False, **extra
    )


def _blocking_refusal(facts: _Facts) -> str | None:
    """Return why a restart would not safely end this blocking snapshot, or None when it would."""
    if facts.family is ConnectorFamily.MONGODB:
        return (
            "A restart would not end it: MongoDB offsets mark blocking and initial snapshots "
            "alike (initsync), so the restarted connector would take a new full snapshot."
        )
    if facts.version is None:
        return (
            f"The Debezium version of the connector plugin is unknown "
            f"({facts.version_text or 'not reported'}), and only 3.3 and later end a blocking "
            "snapshot safely on a restart, so the operator does not restart it."
        )
    version = facts.version_text
    if not families.restart_abandons_blocking_snapshot(facts.family, facts.version):
        return (
            f"Debezium {version} treats an interrupted blocking snapshot as an unfinished "
            "initial one, so a restart would re-run a full snapshot. Upgrade to 3.3 or later."
        )
    if not families.blocking_restart_keeps_position(facts.version):
        return (
            f"Debezium {version} can lose data when it restarts during a blocking snapshot "
            "(DBZ-9337, fixed in 3.3.0), so the operator does not restart it. "
            "Upgrade to 3.3 or later."
        )
    return None


def _restart_under_way(status: ConnectorStatus) -> bool:
    states = {status.state, *(task.state for task in status.tasks)}
    return bool(states & {"RESTARTING", "UNASSIGNED"})


async def _restart_seen(run: SourceRun, name: str) -> bool:
    """Return whether the connector or a task is no longer RUNNING, as during a restart."""
    return not _tasks_running(await run.client.get_status(name))


async def _running_again(run: SourceRun, name: str) -> bool:
    return _tasks_running(await run.client.get_status(name))


async def _poll(
    run: SourceRun,
    check: Callable[[], Awaitable[bool]],
    interval: float | None = None,
    deadline: float | None = None,
) -> bool:
    """Call ``check`` until it returns True or the deadline passes; return its last result.

    The deadline defaults to the verify timeout from now.
    """
    interval = run.verify_poll_interval_seconds if interval is None else interval
    if deadline is None:
        deadline = run.clock() + run.verify_timeout_seconds
    while True:
        if await check():
            return True
        if run.clock() + interval > deadline:
            return False
        await run.sleep(interval)


def _result(
    name: str,
    outcome: Outcome,
    message: str,
    *,
    facts: _Facts | None = None,
    detection: Detection | None = None,
    connector_class: str | None = None,
    **data: Any,
) -> SourceResult:
    snapshot_type = detection.snapshot_type if detection else SnapshotType.UNKNOWN
    if outcome is Outcome.UNSUPPORTED:
        snapshot_type = SnapshotType.NONE
    fields: dict[str, Any] = {
        "snapshot_type": snapshot_type,
        "action": Action.NONE,
        "outcome": outcome,
        "connector_class": facts.connector_class if facts else connector_class or None,
        "family": facts.family if facts else None,
        "debezium_version": facts.version_text if facts else None,
        "evidence": dict(detection.evidence) if detection and detection.evidence else None,
        **data,
    }
    return SourceResult.from_outcome(name, message, ResultData(**fields))
