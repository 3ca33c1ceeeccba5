"""Checks that the BulkStopSnapshot CRD and the pydantic models describe the same resource.

No API server runs here, so the CEL rules are checked as text and, for the cross-field
rules, by a small translation into Python that is compared with the model on a table of
specs. Tests against a real kube-apiserver settle how the server itself evaluates them.
"""

from __future__ import annotations

import enum
import re
import types
import typing
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel, ValidationError

from snapshot_operator.models import spec as spec_module
from snapshot_operator.models import status as status_module
from snapshot_operator.models.spec import BulkStopSnapshotSpec, Filters
from snapshot_operator.models.status import (
    BulkStopSnapshotStatus,
    Condition,
    InFlightSource,
    ResultData,
    SourceResult,
    Summary,
)

CRD_PATH = Path(__file__).parents[2] / "crds" / "bulkstopsnapshots.cdc.snapshot-operator.dev.yaml"


@pytest.fixture(scope="module")
def crd() -> dict[str, Any]:
    with CRD_PATH.open(encoding="utf-8") as stream:
        document = yaml.safe_load(stream)
    assert isinstance(document, dict)
    return document


@pytest.fixture(scope="module")
def version(crd: dict[str, Any]) -> dict[str, Any]:
    (only,) = crd["spec"]["versions"]
    assert isinstance(only, dict)
    return only


@pytest.fixture(scope="module")
def root_schema(version: dict[str, Any]) -> dict[str, Any]:
    schema = version["schema"]["openAPIV3Schema"]
    assert isinstance(schema, dict)
    return schema


@pytest.fixture(scope="module")
def spec_schema(root_schema: dict[str, Any]) -> dict[str, Any]:
    schema = root_schema["properties"]["spec"]
    assert isinstance(schema, dict)
    return schema


@pytest.fixture(scope="module")
def status_schema(root_schema: dict[str, Any]) -> dict[str, Any]:
    schema = root_schema["properties"]["status"]
    assert isinstance(schema, dict)
    return schema


def aliases(model: type[BaseModel]) -> set[str]:
    return {field.alias or name for name, field in model.model_fields.items()}


def required_aliases(model: type[BaseModel]) -> set[str]:
    return {
        field.alias or name for name, field in model.model_fields.items() if field.is_required()
    }


def inner_types(annotation: Any) -> list[Any]:
    """Unwrap Optional, list and Annotated down to the types a field holds."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return inner_types(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, list):
        found = []
        for argument in typing.get_args(annotation):
            found.extend(inner_types(argument))
        return found
    return [annotation]


def nested_model(annotation: Any) -> type[BaseModel] | None:
    for inner in inner_types(annotation):
        if isinstance(inner, type) and issubclass(inner, BaseModel):
            return inner
    return None


def enum_of(annotation: Any) -> type[enum.Enum] | None:
    for inner in inner_types(annotation):
        if isinstance(inner, type) and issubclass(inner, enum.Enum):
            return inner
    return None


def compare_model_with_schema(model: type[BaseModel], schema: dict[str, Any], path: str) -> None:
    """Assert that ``schema`` declares exactly the fields of ``model``, recursively."""
    assert schema["type"] == "object", path
    properties = schema["properties"]
    assert set(properties) == aliases(model), path
    assert set(schema.get("required", [])) == required_aliases(model), path

    for name, field in model.model_fields.items():
        alias = field.alias or name
        property_schema = properties[alias]
        field_path = f"{path}.{alias}"
        assert property_schema.get("description"), f"{field_path} has no description"

        item_schema = property_schema
        if property_schema["type"] == "array":
            item_schema = property_schema["items"]

        child = nested_model(field.annotation)
        if child is not None:
            compare_model_with_schema(child, item_schema, field_path)

        values = enum_of(field.annotation)
        if values is not None:
            assert item_schema["enum"] == [member.value for member in values], field_path


def test_crd_names(crd: dict[str, Any]) -> None:
    assert crd["apiVersion"] == "apiextensions.k8s.io/v1"
    assert crd["kind"] == "CustomResourceDefinition"
    assert crd["metadata"]["name"] == "bulkstopsnapshots.cdc.snapshot-operator.dev"
    assert crd["spec"]["group"] == "cdc.snapshot-operator.dev"
    assert crd["spec"]["scope"] == "Namespaced"
    assert crd["spec"]["names"] == {
        "kind": "BulkStopSnapshot",
        "listKind": "BulkStopSnapshotList",
        "plural": "bulkstopsnapshots",
        "singular": "bulkstopsnapshot",
        "shortNames": ["bss"],
        "categories": ["snapshot-operator"],
    }


def test_crd_single_version_with_status_subresource(version: dict[str, Any]) -> None:
    assert version["name"] == "v1alpha1"
    assert version["served"] is True
    assert version["storage"] is True
    assert version["subresources"] == {"status": {}}


def test_crd_requires_spec(root_schema: dict[str, Any]) -> None:
    assert root_schema["required"] == ["spec"]
    assert set(root_schema["properties"]) == {"apiVersion", "kind", "metadata", "spec", "status"}


def test_spec_schema_matches_model(spec_schema: dict[str, Any]) -> None:
    compare_model_with_schema(BulkStopSnapshotSpec, spec_schema, "spec")


def test_spec_schema_properties_are_model_aliases(spec_schema: dict[str, Any]) -> None:
    assert set(spec_schema["properties"]) == {
        "connectCluster",
        "ids",
        "selectAll",
        "filters",
        "maxConcurrency",
        "dryRun",
        "verifyTimeoutSeconds",
    }
    assert set(spec_schema["properties"]["filters"]["properties"]) == aliases(Filters)


def test_status_schema_matches_model(status_schema: dict[str, Any]) -> None:
    compare_model_with_schema(BulkStopSnapshotStatus, status_schema, "status")


@pytest.mark.parametrize(
    ("model", "path"),
    [
        (Summary, ["summary"]),
        (SourceResult, ["results", "items"]),
        (ResultData, ["results", "items", "data"]),
        (InFlightSource, ["inFlight", "items"]),
        (Condition, ["conditions", "items"]),
    ],
)
def test_status_nested_schema_declares_every_field(
    status_schema: dict[str, Any], model: type[BaseModel], path: list[str]
) -> None:
    schema = status_schema
    for step in path:
        schema = schema["items"] if step == "items" else schema["properties"][step]

    assert set(schema["properties"]) == aliases(model)


def test_status_data_declares_fields_without_preserving_unknown(
    status_schema: dict[str, Any],
) -> None:
    data = status_schema["properties"]["results"]["items"]["properties"]["data"]

    assert "x-kubernetes-preserve-unknown-fields" not in data
    assert "x-kubernetes-preserve-unknown-fields" not in status_schema


def test_schema_has_no_preserve_unknown_fields_anywhere() -> None:
    assert "x-kubernetes-preserve-unknown-fields" not in CRD_PATH.read_text(encoding="utf-8")


def test_every_property_has_description(root_schema: dict[str, Any]) -> None:
    missing: list[str] = []

    def walk(schema: dict[str, Any], path: str) -> None:
        for name, child in schema.get("properties", {}).items():
            child_path = f"{path}.{name}"
            if name != "metadata" and not child.get("description"):
                missing.append(child_path)
            walk(child, child_path)
        if "items" in schema:
            walk(schema["items"], f"{path}[]")

    walk(root_schema, "")

    assert missing == []


@pytest.mark.parametrize(
    ("field", "public_name"),
    [
        ("ids", "ids"),
        ("selectAll", "select_all"),
        ("filters", "filters"),
    ],
)
def test_spec_descriptions_name_public_api_field(
    spec_schema: dict[str, Any], field: str, public_name: str
) -> None:
    description = spec_schema["properties"][field]["description"]

    assert f"(API field: {public_name})" in description


@pytest.mark.parametrize(
    ("field", "public_name"),
    [("sourceId", "filters.source_id"), ("destinationId", "filters.destination_id")],
)
def test_filter_descriptions_name_public_api_field(
    spec_schema: dict[str, Any], field: str, public_name: str
) -> None:
    description = spec_schema["properties"]["filters"]["properties"][field]["description"]

    assert f"(API field: {public_name})" in " ".join(description.split())


def test_spec_defaults_match_model(spec_schema: dict[str, Any]) -> None:
    properties = spec_schema["properties"]
    model = BulkStopSnapshotSpec.model_fields

    assert properties["connectCluster"]["default"] == model["connect_cluster"].default
    assert properties["selectAll"]["default"] == model["select_all"].default
    assert properties["dryRun"]["default"] == model["dry_run"].default
    assert properties["verifyTimeoutSeconds"]["default"] == model["verify_timeout_seconds"].default
    assert "default" not in properties["maxConcurrency"]


def test_spec_bounds_match_model(spec_schema: dict[str, Any]) -> None:
    properties = spec_schema["properties"]

    assert properties["maxConcurrency"]["minimum"] == 1
    assert properties["maxConcurrency"]["maximum"] == spec_module.MAX_CONCURRENCY_LIMIT
    assert properties["verifyTimeoutSeconds"]["minimum"] == 0
    assert properties["verifyTimeoutSeconds"]["maximum"] == spec_module.VERIFY_TIMEOUT_MAX_SECONDS
    rules = properties["connectCluster"]["x-kubernetes-validations"]
    assert rules == [
        {
            "rule": f"self.matches('{spec_module.CLUSTER_NAME_PATTERN}')",
            "message": spec_module.CLUSTER_NAME_MESSAGE,
        }
    ]
    assert properties["connectCluster"]["maxLength"] == spec_module.CLUSTER_NAME_MAX_LENGTH


def test_ids_schema_limits(spec_schema: dict[str, Any]) -> None:
    ids = spec_schema["properties"]["ids"]

    assert "minItems" not in ids  # The CEL rule on ids gives a worded message instead.
    assert ids["maxItems"] == spec_module.MAX_IDS
    assert ids["x-kubernetes-list-type"] == "set"
    assert "duplicate" in ids["description"]
    assert ids["items"]["minLength"] == 1
    assert ids["items"]["maxLength"] == spec_module.CONNECTOR_NAME_MAX_LENGTH
    assert ids["items"]["pattern"] == spec_module.CONNECTOR_NAME_PATTERN


@pytest.mark.parametrize("field", ["sourceId", "destinationId"])
def test_filter_schema_limits(spec_schema: dict[str, Any], field: str) -> None:
    schema = spec_schema["properties"]["filters"]["properties"][field]

    assert schema["minLength"] == 1
    assert schema["maxLength"] == spec_module.CONNECTOR_NAME_MAX_LENGTH
    assert schema["pattern"] == spec_module.CONNECTOR_NAME_PATTERN


def test_status_limits_match_model(status_schema: dict[str, Any]) -> None:
    properties = status_schema["properties"]
    result = properties["results"]["items"]["properties"]
    data = result["data"]["properties"]
    condition = properties["conditions"]["items"]["properties"]

    assert properties["message"]["maxLength"] == status_module.MESSAGE_MAX_LENGTH
    assert properties["results"]["maxItems"] == status_module.MAX_RESULTS
    assert properties["inFlight"]["maxItems"] == status_module.MAX_IN_FLIGHT
    assert properties["conditions"]["maxItems"] == status_module.MAX_CONDITIONS
    assert result["id"]["maxLength"] == spec_module.CONNECTOR_NAME_MAX_LENGTH
    assert result["message"]["maxLength"] == status_module.MESSAGE_MAX_LENGTH
    assert data["connectorClass"]["maxLength"] == status_module.CONNECTOR_CLASS_MAX_LENGTH
    assert data["debeziumVersion"]["maxLength"] == status_module.DEBEZIUM_VERSION_MAX_LENGTH
    assert data["signalId"]["maxLength"] == status_module.SIGNAL_ID_MAX_LENGTH
    assert data["channel"]["maxLength"] == status_module.CHANNEL_MAX_LENGTH
    assert data["workerId"]["maxLength"] == status_module.WORKER_ID_MAX_LENGTH
    for mapping in ("detail", "evidence"):
        assert data[mapping]["maxProperties"] == status_module.DETAIL_MAX_ENTRIES
        assert data[mapping]["additionalProperties"] == {
            "type": "string",
            "maxLength": status_module.DETAIL_VALUE_MAX_LENGTH,
        }
    assert condition["message"]["maxLength"] == status_module.MESSAGE_MAX_LENGTH
    assert condition["reason"]["pattern"] == status_module.CONDITION_REASON_PATTERN
    assert condition["type"]["pattern"] == status_module.CONDITION_TYPE_PATTERN


@pytest.mark.parametrize(
    ("field", "key"),
    [("results", "id"), ("inFlight", "id"), ("conditions", "type")],
)
def test_status_lists_are_maps(status_schema: dict[str, Any], field: str, key: str) -> None:
    schema = status_schema["properties"][field]

    assert schema["x-kubernetes-list-type"] == "map"
    assert schema["x-kubernetes-list-map-keys"] == [key]
    assert key in schema["items"]["required"]


@pytest.mark.parametrize(
    ("field", "fmt"),
    [
        (["startTime"], "date-time"),
        (["completionTime"], "date-time"),
        (["inFlight", "items", "startedAt"], "date-time"),
        (["conditions", "items", "lastTransitionTime"], "date-time"),
        (["observedGeneration"], "int64"),
    ],
)
def test_status_formats(status_schema: dict[str, Any], field: list[str], fmt: str) -> None:
    schema = status_schema
    for step in field:
        schema = schema["items"] if step == "items" else schema["properties"][step]

    assert schema["format"] == fmt


def test_printer_columns(version: dict[str, Any]) -> None:
    columns = [
        (column["name"], column["type"], column["jsonPath"], column.get("priority", 0))
        for column in version["additionalPrinterColumns"]
    ]

    assert columns == [
        ("Phase", "string", ".status.phase", 0),
        ("Total", "integer", ".status.summary.total", 0),
        ("Succeeded", "integer", ".status.summary.succeeded", 0),
        ("Failed", "integer", ".status.summary.failed", 0),
        ("Age", "date", ".metadata.creationTimestamp", 0),
        ("Message", "string", ".status.message", 1),
    ]


def rules_by_message(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {rule["message"]: rule for rule in schema.get("x-kubernetes-validations", [])}


def test_spec_immutable_rule(spec_schema: dict[str, Any]) -> None:
    rule = rules_by_message(spec_schema)[spec_module.IMMUTABLE_SPEC_MESSAGE]

    assert rule["rule"] == "self == oldSelf"
    assert spec_module.IMMUTABLE_SPEC_MESSAGE == (
        "spec is immutable: to run again, create a new BulkStopSnapshot"
    )


def test_spec_no_selection_rule(spec_schema: dict[str, Any]) -> None:
    rule = rules_by_message(spec_schema)[spec_module.NO_SELECTION_MESSAGE]

    assert rule["rule"] == "has(self.ids) || (has(self.selectAll) && self.selectAll)"


def test_spec_both_selections_rule(spec_schema: dict[str, Any]) -> None:
    rule = rules_by_message(spec_schema)[spec_module.BOTH_SELECTIONS_MESSAGE]

    assert rule["rule"] == "!(has(self.ids) && has(self.selectAll) && self.selectAll)"


def test_spec_filters_rule(spec_schema: dict[str, Any]) -> None:
    rule = rules_by_message(spec_schema)[spec_module.FILTERS_NEED_SELECT_ALL_MESSAGE]

    assert rule["rule"] == "!has(self.filters) || (has(self.selectAll) && self.selectAll)"
    assert rule["fieldPath"] == ".filters"
    assert rule["reason"] == "FieldValueForbidden"


def test_ids_non_empty_rule(spec_schema: dict[str, Any]) -> None:
    rule = rules_by_message(spec_schema["properties"]["ids"])[spec_module.IDS_EMPTY_MESSAGE]

    assert rule["rule"] == "size(self) > 0"


def test_every_rule_has_message(root_schema: dict[str, Any]) -> None:
    found: list[dict[str, Any]] = []

    def walk(schema: dict[str, Any]) -> None:
        found.extend(schema.get("x-kubernetes-validations", []))
        for child in schema.get("properties", {}).values():
            walk(child)
        if "items" in schema:
            walk(schema["items"])

    walk(root_schema)

    assert len(found) == 6
    assert all(rule.get("message") for rule in found)


def cel_to_python(rule: str) -> str:
    """Translate the few CEL forms the spec rules use into a Python expression over ``s``."""
    expression = re.sub(r"has\(self\.(\w+)\)", r"('\1' in s)", rule)
    expression = re.sub(r"size\(self\.(\w+)\)", r"len(s['\1'])", expression)
    expression = re.sub(r"self\.(\w+)", r"s['\1']", expression)
    expression = expression.replace("&&", " and ").replace("||", " or ")
    expression = re.sub(r"!(?!=)", " not ", expression)
    assert "self" not in expression, expression
    return expression


def apply_crd_defaults(spec: dict[str, Any], spec_schema: dict[str, Any]) -> dict[str, Any]:
    defaulted = dict(spec)
    for name, schema in spec_schema["properties"].items():
        if "default" in schema and name not in defaulted:
            defaulted[name] = schema["default"]
    return defaulted


CROSS_FIELD_CASES = [
    {},
    {"ids": ["a"]},
    {"ids": ["a"], "selectAll": False},
    {"ids": ["a"], "selectAll": True},
    {"selectAll": True},
    {"selectAll": False},
    {"selectAll": True, "filters": {}},
    {"selectAll": True, "filters": {"sourceId": "a"}},
    {"ids": ["a"], "filters": {"sourceId": "a"}},
    {"selectAll": False, "filters": {"destinationId": "b"}},
    {"filters": {}},
]


@pytest.mark.parametrize("spec", CROSS_FIELD_CASES)
def test_cross_field_rules_agree_with_model(
    spec_schema: dict[str, Any], spec: dict[str, Any]
) -> None:
    defaulted = apply_crd_defaults(spec, spec_schema)
    rules = [
        rule["rule"]
        for rule in spec_schema["x-kubernetes-validations"]
        if "oldSelf" not in rule["rule"]
    ]
    crd_accepts = all(eval(cel_to_python(rule), {}, {"s": defaulted}) for rule in rules)

    try:
        BulkStopSnapshotSpec.model_validate(spec)
    except ValidationError:
        model_accepts = False
    else:
        model_accepts = True

    assert crd_accepts == model_accepts
