"""Typed views of Kafka Connect's REST responses, and the checks that build them.

Each ``parse_*`` function takes the decoded JSON of one endpoint and returns frozen
dataclasses, or raises ``ResponseShapeError`` naming the field that does not have the expected
type, so a worker that returns something unexpected fails one request with a clear message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class TaskStatus:
    """One task's entry in a connector's status."""

    id: int
    state: str
    worker_id: str | None
    trace: str | None = None
    version: str | None = None


@dataclass(frozen=True)
class ConnectorStatus:
    """A connector's state and its tasks' states, as ``GET /connectors/{name}/status`` returns."""

    name: str
    state: str
    worker_id: str | None
    tasks: tuple[TaskStatus, ...]
    type: str | None = None
    trace: str | None = None
    version: str | None = None

    @property
    def worker_ids(self) -> frozenset[str]:
        """Ids of the workers that run the connector or any of its tasks."""
        ids = {task.worker_id for task in self.tasks} | {self.worker_id}
        return frozenset(worker_id for worker_id in ids if worker_id)


@dataclass(frozen=True)
class ConnectorInfo:
    """A connector's name, type, configuration and task ids."""

    name: str
    type: str | None
    config: dict[str, str] = field(repr=False)
    tasks: tuple[int, ...]


@dataclass(frozen=True)
class ConnectorOverview:
    """One connector's entry in ``GET /connectors?expand=info&expand=status``."""

    info: ConnectorInfo
    status: ConnectorStatus


@dataclass(frozen=True)
class ConnectorOffset:
    """One source partition and the offset that Kafka Connect committed for it."""

    partition: dict[str, Any]
    offset: dict[str, Any]


@dataclass(frozen=True)
class PluginInfo:
    """One installed connector plugin. ``class_name`` is the ``class`` field of the response."""

    class_name: str
    type: str
    version: str | None


class ResponseShapeError(Exception):
    """A response body does not have the shape that Kafka Connect documents."""


def expect_object(value: Any, location: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ResponseShapeError(f"{location} is not a JSON object")
    return value


def expect_list(value: Any, location: str) -> list[Any]:
    if not isinstance(value, list):
        raise ResponseShapeError(f"{location} is not a JSON array")
    return value


def expect_string(value: Any, location: str) -> str:
    if not isinstance(value, str):
        raise ResponseShapeError(f"{location} is not a string")
    return value


def expect_optional_string(value: Any, location: str) -> str | None:
    return None if value is None else expect_string(value, location)


def expect_integer(value: Any, location: str) -> int:
    # bool is a subclass of int, but true is no task id.
    if not isinstance(value, int) or isinstance(value, bool):
        raise ResponseShapeError(f"{location} is not an integer")
    return value


def parse_status(value: Any) -> ConnectorStatus:
    body = expect_object(value, "the status")
    connector = expect_object(body.get("connector"), "status.connector")
    tasks = []
    for index, item in enumerate(expect_list(body.get("tasks", []), "status.tasks")):
        task = expect_object(item, f"status.tasks[{index}]")
        tasks.append(
            TaskStatus(
                id=expect_integer(task.get("id"), f"status.tasks[{index}].id"),
                state=expect_string(task.get("state"), f"status.tasks[{index}].state"),
                worker_id=expect_optional_string(
                    task.get("worker_id"), f"status.tasks[{index}].worker_id"
                ),
                trace=expect_optional_string(task.get("trace"), f"status.tasks[{index}].trace"),
                version=expect_optional_string(
                    task.get("version"), f"status.tasks[{index}].version"
                ),
            )
        )
    return ConnectorStatus(
        name=expect_string(body.get("name"), "status.name"),
        state=expect_string(connector.get("state"), "status.connector.state"),
        worker_id=expect_optional_string(connector.get("worker_id"), "status.connector.worker_id"),
        tasks=tuple(tasks),
        type=expect_optional_string(body.get("type"), "status.type"),
        trace=expect_optional_string(connector.get("trace"), "status.connector.trace"),
        version=expect_optional_string(connector.get("version"), "status.connector.version"),
    )


def parse_config(value: Any, location: str) -> dict[str, str]:
    config = expect_object(value, location)
    for key, item in config.items():
        # The message names the key only, because values can be passwords.
        expect_string(item, f"{location} value of {key!r}")
    return config


def parse_info(value: Any) -> ConnectorInfo:
    body = expect_object(value, "the connector info")
    task_ids = []
    for index, item in enumerate(expect_list(body.get("tasks", []), "info.tasks")):
        task = expect_object(item, f"info.tasks[{index}]")
        task_ids.append(expect_integer(task.get("task"), f"info.tasks[{index}].task"))
    return ConnectorInfo(
        name=expect_string(body.get("name"), "info.name"),
        type=expect_optional_string(body.get("type"), "info.type"),
        config=parse_config(body.get("config"), "info.config"),
        tasks=tuple(task_ids),
    )


def parse_offsets(value: Any) -> list[ConnectorOffset]:
    entries = expect_list(expect_object(value, "the offsets").get("offsets"), "offsets.offsets")
    offsets = []
    for index, item in enumerate(entries):
        entry = expect_object(item, f"offsets[{index}]")
        if entry.get("offset") is None:
            # NOTE: a null offset (a tombstone) stores no position. The GET endpoint is
            # not known to return one, and it would carry no snapshot state if it did.
            continue
        offsets.append(
            ConnectorOffset(
                partition=expect_object(entry.get("partition"), f"offsets[{index}].partition"),
                offset=expect_object(entry.get("offset"), f"offsets[{index}].offset"),
            )
        )
    return offsets


def parse_plugins(value: Any) -> list[PluginInfo]:
    plugins = []
    for index, item in enumerate(expect_list(value, "the plugin list")):
        plugin = expect_object(item, f"plugins[{index}]")
        plugins.append(
            PluginInfo(
                class_name=expect_string(plugin.get("class"), f"plugins[{index}].class"),
                type=expect_string(plugin.get("type"), f"plugins[{index}].type"),
                version=expect_optional_string(plugin.get("version"), f"plugins[{index}].version"),
            )
        )
    return plugins
