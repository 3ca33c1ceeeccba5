"""The spec of a BulkStopSnapshot: which sources to stop, on which Kafka Connect cluster.

The request half follows Streamkap's public "Bulk Stop Snapshot Sources" API (API version
2.0.0, ``POST /sources/bulk/stop-snapshot``): a request names ``ids``, or sets
``select_all`` with optional ``filters {source_id, destination_id}``. Kubernetes fields are
camelCase, so ``selectAll`` is ``select_all`` and ``filters.sourceId`` is
``filters.source_id``. ``PUBLIC_API_FIELDS`` contains that mapping. ``connectCluster``,
``maxConcurrency``, ``dryRun`` and ``verifyTimeoutSeconds`` are this operator's own fields.

Every rule here is also in the CRD (``crds/bulkstopsnapshots.cdc.snapshot-operator.dev.yaml``),
so the API server rejects a bad spec at ``kubectl apply``. The cross-field messages are the
same text in both places. This model checks the spec again when the operator reads it,
because a CRD installed from an older chart may lack a rule.

Source ids are Kafka Connect connector names. Kafka Connect validates the ``name`` setting
with ``ConfigDef.NonEmptyStringWithoutControlChars``, which rejects ISO control characters
(U+0000 to U+001F and U+007F to U+009F, Java's ``Character.isISOControl``), in apache/kafka
``clients/.../config/ConfigDef.java``. The operator also rejects ``/``, because it calls
``/connectors/{name}`` and many HTTP servers reject or decode an encoded ``/`` (``%2F``) in a
path segment. Early Kafka Connect releases rejected it in new connector names as well.
The 249-character cap is this operator's bound, chosen to match Kafka's limit on topic
names, and keeps the spec and status small.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator
from pydantic.alias_generators import to_camel
from pydantic_core import ErrorDetails, PydanticCustomError

from snapshot_operator.errors import SnapshotOperatorError

CONNECTOR_NAME_MAX_LENGTH = 249
MAX_IDS = 500
# Written with escapes so the same text works in Python's re and in the API server's RE2.
CONNECTOR_NAME_PATTERN = r"^[^/\x00-\x1F\x7F-\x9F]+$"

CLUSTER_NAME_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
CLUSTER_NAME_MAX_LENGTH = 63
DEFAULT_CONNECT_CLUSTER = "default"

MAX_CONCURRENCY_LIMIT = 32
VERIFY_TIMEOUT_MAX_SECONDS = 3600
DEFAULT_VERIFY_TIMEOUT_SECONDS = 120

# The CRD carries these same messages in its x-kubernetes-validations rules.
CLUSTER_NAME_MESSAGE = (
    "connectCluster must be the name of a Kafka Connect cluster from the operator's "
    "configuration, such as default, never a URL: lowercase letters, digits and '-'"
)
IMMUTABLE_SPEC_MESSAGE = "spec is immutable: to run again, create a new BulkStopSnapshot"
NO_SELECTION_MESSAGE = (
    "set ids to a list of connector names, or selectAll: true to select every Debezium source "
    "connector"
)
BOTH_SELECTIONS_MESSAGE = "set either ids or selectAll: true, not both"
FILTERS_NEED_SELECT_ALL_MESSAGE = (
    "filters are only allowed with selectAll: true, so remove filters or replace ids with "
    "selectAll: true"
)
IDS_EMPTY_MESSAGE = (
    "ids must list at least one connector name. To stop snapshots on every source "
    "connector, remove ids and set selectAll: true"
)

PUBLIC_API_FIELDS: Mapping[str, str] = {
    "ids": "ids",
    "selectAll": "select_all",
    "filters": "filters",
    "filters.sourceId": "filters.source_id",
    "filters.destinationId": "filters.destination_id",
}
"""Kubernetes field paths of the spec mapped to the Streamkap API field they mirror."""

_CONNECTOR_NAME_RE = re.compile(CONNECTOR_NAME_PATTERN)
_CLUSTER_NAME_RE = re.compile(CLUSTER_NAME_PATTERN)


class InvalidSpecError(SnapshotOperatorError):
    """The spec of a BulkStopSnapshot breaks a rule, so the operator cannot run it.

    ``problems`` lists one sentence per broken rule, each naming the field.
    """

    def __init__(self, problems: tuple[str, ...]):
        super().__init__(
            "The BulkStopSnapshot spec is invalid: "
            + " ".join(problems)
            + " Create a new BulkStopSnapshot with a corrected spec."
        )
        self.problems = problems


def is_valid_connector_name(name: str) -> bool:
    """Return whether ``name`` fits this operator's rules for a connector name.

    The engine uses it on names listed by Kafka Connect for ``selectAll``, because a result
    for a name that breaks these rules cannot be written to status.
    """
    return len(name) <= CONNECTOR_NAME_MAX_LENGTH and bool(_CONNECTOR_NAME_RE.match(name))


def _check_connector_name(name: str) -> str:
    if not name:
        raise PydanticCustomError(
            "connector_name", "a connector name must not be empty. Remove the empty entry"
        )
    if len(name) > CONNECTOR_NAME_MAX_LENGTH:
        raise PydanticCustomError(
            "connector_name",
            f"the connector name starting {name[:40]!r} has {len(name)} characters, more "
            f"than the maximum of {CONNECTOR_NAME_MAX_LENGTH}",
        )
    if "/" in name:
        raise PydanticCustomError(
            "connector_name",
            f"the connector name {name!r} contains '/', which Kafka Connect cannot address "
            "in /connectors/{name}. Use the name exactly as GET /connectors lists it",
        )
    if not _CONNECTOR_NAME_RE.match(name):
        raise PydanticCustomError(
            "connector_name",
            f"the connector name {name!r} contains a control character, which Kafka "
            "Connect does not allow in connector names",
        )
    return name


ConnectorName = Annotated[str, AfterValidator(_check_connector_name)]
"""A Kafka Connect connector name: 1 to 249 characters, no '/', no control characters."""


def _check_cluster_name(name: str) -> str:
    if len(name) > CLUSTER_NAME_MAX_LENGTH or not _CLUSTER_NAME_RE.match(name):
        raise PydanticCustomError(
            "cluster_name",
            f"{name!r} is not a valid Kafka Connect cluster name. Use the name of a cluster "
            "from the operator's configuration: lowercase letters, digits and '-', "
            f"starting and ending with a letter or digit, at most {CLUSTER_NAME_MAX_LENGTH} "
            "characters",
        )
    return name


ClusterName = Annotated[str, AfterValidator(_check_cluster_name)]
"""The name of a Kafka Connect cluster in the operator's configuration (a DNS-1123 label)."""


def _check_ids(ids: list[str] | None) -> list[str] | None:
    if ids is None:
        return None
    if not ids:
        raise PydanticCustomError("ids_empty", IDS_EMPTY_MESSAGE)
    if len(ids) > MAX_IDS:
        raise PydanticCustomError(
            "ids_too_long",
            f"ids lists {len(ids)} connectors, more than the maximum of {MAX_IDS}. Split "
            "them across several BulkStopSnapshot resources",
        )
    seen: set[str] = set()
    duplicates: list[str] = []
    for source_id in ids:
        if source_id in seen and source_id not in duplicates:
            duplicates.append(source_id)
        seen.add(source_id)
    if duplicates:
        listed = ", ".join(repr(name) for name in duplicates)
        raise PydanticCustomError(
            "ids_duplicate",
            f"ids lists {listed} more than once. List each connector once",
        )
    return ids


class _SpecModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
        extra="forbid",
        frozen=True,
        strict=True,
    )


class Filters(_SpecModel):
    """Filters that narrow ``selectAll``, mirroring the API's ``BulkSelectionFilter``."""

    source_id: ConnectorName | None = None
    """Only this source connector (API: ``filters.source_id``)."""

    destination_id: ConnectorName | None = None
    """Only sources whose topics this sink connector consumes (API: ``filters.destination_id``)."""


class BulkStopSnapshotSpec(_SpecModel):
    """The request of a BulkStopSnapshot: which sources to stop, on which cluster, and how.

    Example: ``BulkStopSnapshotSpec.model_validate({"ids": ["orders-pg"], "dryRun": True})``.
    """

    connect_cluster: ClusterName = DEFAULT_CONNECT_CLUSTER
    ids: Annotated[list[ConnectorName] | None, AfterValidator(_check_ids)] = None
    select_all: bool = False
    filters: Filters | None = None
    max_concurrency: int | None = Field(default=None, ge=1, le=MAX_CONCURRENCY_LIMIT)
    dry_run: bool = False
    verify_timeout_seconds: int = Field(
        default=DEFAULT_VERIFY_TIMEOUT_SECONDS, ge=0, le=VERIFY_TIMEOUT_MAX_SECONDS
    )

    @model_validator(mode="after")
    def _check_selection(self) -> BulkStopSnapshotSpec:
        if self.ids is None and not self.select_all:
            raise PydanticCustomError("selection", NO_SELECTION_MESSAGE)
        if self.ids is not None and self.select_all:
            raise PydanticCustomError("selection", BOTH_SELECTIONS_MESSAGE)
        if self.filters is not None and not self.select_all:
            raise PydanticCustomError("filters_without_select_all", FILTERS_NEED_SELECT_ALL_MESSAGE)
        return self

    @classmethod
    def from_k8s(cls, spec: Mapping[str, Any]) -> BulkStopSnapshotSpec:
        """Validate a resource's ``spec`` mapping, raising ``InvalidSpecError`` if it is invalid."""
        try:
            return cls.model_validate(dict(spec))
        except ValidationError as error:
            raise InvalidSpecError(explain_validation_error(error, root="spec")) from error

    def to_k8s(self) -> dict[str, Any]:
        """Return the spec as the camelCase mapping that the resource stores."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)

    def to_public_request(self) -> dict[str, Any]:
        """Return the request in the Streamkap API's shape (``BulkActionReq``)."""
        request: dict[str, Any] = {"ids": self.ids, "select_all": self.select_all}
        if self.filters is not None:
            request["filters"] = {
                "source_id": self.filters.source_id,
                "destination_id": self.filters.destination_id,
            }
        return request


def _format_location(location: tuple[int | str, ...], root: str) -> str:
    path = root
    for part in location:
        if isinstance(part, int):
            path += f"[{part}]"
        elif path:
            path += f".{part}"
        else:
            path = part
    return path


def _describe_error(error: ErrorDetails) -> str:
    message = error["msg"]
    if error["type"] == "extra_forbidden":
        return "is not a known field. Check its spelling, or remove it"
    if error["type"] == "missing":
        return "is required"
    value = error.get("input")
    # Echo only numbers and booleans, because a string input may be a URL with a password in it.
    if isinstance(value, bool | int | float):
        message += f" (got {value!r})"
    return message


def validation_problems(error: ValidationError, *, root: str = "") -> list[tuple[str, str]]:
    """List each problem of a pydantic ``ValidationError`` as (field path, sentence).

    ``root`` prefixes every field path, so ``spec`` gives ``spec.ids[2]``. The sentence
    starts with the path and ends with a full stop.
    """
    problems = []
    for detail in error.errors():
        location = _format_location(detail["loc"], root) or "(top level)"
        sentence = f"{location}: {_describe_error(detail)}"
        if not sentence.endswith("."):
            sentence += "."
        problems.append((location, sentence))
    return problems


def explain_validation_error(error: ValidationError, *, root: str = "") -> tuple[str, ...]:
    """Turn a pydantic ``ValidationError`` into one sentence per problem, naming the field."""
    return tuple(sentence for _, sentence in validation_problems(error, root=root))
