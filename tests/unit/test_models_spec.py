"""Unit tests of the BulkStopSnapshot spec model: each rule, with good and bad input."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from snapshot_operator.errors import SnapshotOperatorError
from snapshot_operator.models.spec import (
    BOTH_SELECTIONS_MESSAGE,
    FILTERS_NEED_SELECT_ALL_MESSAGE,
    IDS_EMPTY_MESSAGE,
    NO_SELECTION_MESSAGE,
    PUBLIC_API_FIELDS,
    BulkStopSnapshotSpec,
    Filters,
    InvalidSpecError,
    explain_validation_error,
    is_valid_connector_name,
)


def problems_of(spec: dict[str, Any]) -> tuple[str, ...]:
    with pytest.raises(InvalidSpecError) as caught:
        BulkStopSnapshotSpec.from_k8s(spec)
    return caught.value.problems


def test_spec_defaults_with_ids() -> None:
    spec = BulkStopSnapshotSpec.from_k8s({"ids": ["orders-pg"]})

    assert spec.connect_cluster == "default"
    assert spec.ids == ["orders-pg"]
    assert spec.select_all is False
    assert spec.filters is None
    assert spec.max_concurrency is None
    assert spec.dry_run is False
    assert spec.verify_timeout_seconds == 120


def test_spec_reads_every_camel_case_field() -> None:
    spec = BulkStopSnapshotSpec.from_k8s(
        {
            "connectCluster": "prod-eu",
            "selectAll": True,
            "filters": {"sourceId": "orders-pg", "destinationId": "orders-sink"},
            "maxConcurrency": 4,
            "dryRun": True,
            "verifyTimeoutSeconds": 0,
        }
    )

    assert spec.connect_cluster == "prod-eu"
    assert spec.select_all is True
    assert spec.filters == Filters(source_id="orders-pg", destination_id="orders-sink")
    assert spec.max_concurrency == 4
    assert spec.dry_run is True
    assert spec.verify_timeout_seconds == 0


def test_spec_accepts_snake_case_names_in_python() -> None:
    spec = BulkStopSnapshotSpec(select_all=True, filters=Filters(source_id="a"))

    assert spec.select_all is True
    assert spec.filters is not None
    assert spec.filters.source_id == "a"


def test_spec_to_k8s_writes_aliases_and_skips_unset() -> None:
    spec = BulkStopSnapshotSpec.from_k8s({"selectAll": True, "filters": {"sourceId": "a"}})

    assert spec.to_k8s() == {
        "connectCluster": "default",
        "selectAll": True,
        "filters": {"sourceId": "a"},
        "dryRun": False,
        "verifyTimeoutSeconds": 120,
    }


def test_spec_round_trip_through_k8s() -> None:
    original = BulkStopSnapshotSpec.from_k8s(
        {"ids": ["a", "b"], "maxConcurrency": 3, "dryRun": True}
    )

    assert BulkStopSnapshotSpec.from_k8s(original.to_k8s()) == original


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        pytest.param({}, NO_SELECTION_MESSAGE, id="neither"),
        pytest.param({"selectAll": False}, NO_SELECTION_MESSAGE, id="select-all-false"),
        pytest.param({"ids": ["a"], "selectAll": True}, BOTH_SELECTIONS_MESSAGE, id="both"),
    ],
)
def test_spec_requires_exactly_one_selection(spec: dict[str, Any], message: str) -> None:
    assert problems_of(spec) == (f"spec: {message}.",)


def test_spec_selection_messages_name_both_fields() -> None:
    for message in (NO_SELECTION_MESSAGE, BOTH_SELECTIONS_MESSAGE):
        assert "ids" in message
        assert "selectAll: true" in message


def test_spec_rejects_empty_ids() -> None:
    assert problems_of({"ids": []}) == (f"spec.ids: {IDS_EMPTY_MESSAGE}.",)


def test_spec_rejects_empty_ids_with_select_all() -> None:
    # The CRD's rule on ids rejects this too, even though selectAll alone would be valid.
    assert problems_of({"ids": [], "selectAll": True}) == (f"spec.ids: {IDS_EMPTY_MESSAGE}.",)


def test_spec_rejects_filters_with_ids() -> None:
    problems = problems_of({"ids": ["a"], "filters": {"sourceId": "a"}})

    assert problems == (f"spec: {FILTERS_NEED_SELECT_ALL_MESSAGE}.",)


def test_spec_accepts_empty_filters_with_select_all() -> None:
    spec = BulkStopSnapshotSpec.from_k8s({"selectAll": True, "filters": {}})

    assert spec.filters == Filters()


def test_spec_rejects_duplicate_ids() -> None:
    problems = problems_of({"ids": ["a", "b", "a", "b", "a"]})

    assert problems == ("spec.ids: ids lists 'a', 'b' more than once. List each connector once.",)


def test_spec_accepts_500_ids() -> None:
    ids = [f"connector-{index}" for index in range(500)]

    assert BulkStopSnapshotSpec.from_k8s({"ids": ids}).ids == ids


def test_spec_rejects_501_ids() -> None:
    problems = problems_of({"ids": [f"connector-{index}" for index in range(501)]})

    assert len(problems) == 1
    assert problems[0].startswith("spec.ids: ids lists 501 connectors, more than the maximum")
    assert "Split them across several BulkStopSnapshot resources" in problems[0]


def test_spec_accepts_id_of_249_characters() -> None:
    name = "x" * 249

    assert BulkStopSnapshotSpec.from_k8s({"ids": [name]}).ids == [name]


def test_spec_rejects_id_of_250_characters() -> None:
    problems = problems_of({"ids": ["ok", "x" * 250]})

    assert len(problems) == 1
    assert problems[0].startswith("spec.ids[1]: the connector name starting 'xxx")
    assert "has 250 characters, more than the maximum of 249" in problems[0]


def test_spec_rejects_empty_id() -> None:
    assert problems_of({"ids": [""]}) == (
        "spec.ids[0]: a connector name must not be empty. Remove the empty entry.",
    )


def test_spec_rejects_slash_in_id() -> None:
    (problem,) = problems_of({"ids": ["db/orders"]})

    assert problem.startswith("spec.ids[0]: the connector name 'db/orders' contains '/'")


@pytest.mark.parametrize("character", ["\x00", "\n", "\x1f", "\x7f", "\x85", "\x9f"])
def test_spec_rejects_control_character_in_id(character: str) -> None:
    (problem,) = problems_of({"ids": [f"orders{character}pg"]})

    assert problem.startswith("spec.ids[0]: the connector name ")
    assert "contains a control character" in problem


@pytest.mark.parametrize("name", ["orders pg", "Orders.PG_1", "ü-connector", "a\u00a0b", "x:y@z"])
def test_spec_accepts_unusual_but_valid_ids(name: str) -> None:
    assert BulkStopSnapshotSpec.from_k8s({"ids": [name]}).ids == [name]


@pytest.mark.parametrize("field", ["sourceId", "destinationId"])
def test_spec_checks_filter_names(field: str) -> None:
    (problem,) = problems_of({"selectAll": True, "filters": {field: "a/b"}})

    assert problem.startswith(f"spec.filters.{field}: the connector name 'a/b' contains '/'")


@pytest.mark.parametrize("name", ["default", "a", "prod-eu-1", "x" * 63])
def test_spec_accepts_cluster_name(name: str) -> None:
    assert BulkStopSnapshotSpec.from_k8s({"connectCluster": name, "ids": ["a"]}).connect_cluster


@pytest.mark.parametrize(
    "name", ["", "Prod", "-prod", "prod-", "prod_eu", "http://connect:8083", "x" * 64]
)
def test_spec_rejects_cluster_name(name: str) -> None:
    (problem,) = problems_of({"connectCluster": name, "ids": ["a"]})

    assert problem.startswith(f"spec.connectCluster: {name!r} is not a valid Kafka Connect")
    assert "lowercase letters, digits and '-'" in problem


@pytest.mark.parametrize("value", [1, 32])
def test_spec_accepts_max_concurrency_bounds(value: int) -> None:
    spec = BulkStopSnapshotSpec.from_k8s({"ids": ["a"], "maxConcurrency": value})

    assert spec.max_concurrency == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "spec.maxConcurrency: Input should be greater than or equal to 1 (got 0)."),
        (33, "spec.maxConcurrency: Input should be less than or equal to 32 (got 33)."),
    ],
)
def test_spec_rejects_max_concurrency_out_of_range(value: int, expected: str) -> None:
    assert problems_of({"ids": ["a"], "maxConcurrency": value}) == (expected,)


@pytest.mark.parametrize("value", [0, 3600])
def test_spec_accepts_verify_timeout_bounds(value: int) -> None:
    spec = BulkStopSnapshotSpec.from_k8s({"ids": ["a"], "verifyTimeoutSeconds": value})

    assert spec.verify_timeout_seconds == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (-1, "spec.verifyTimeoutSeconds: Input should be greater than or equal to 0 (got -1)."),
        (3601, "spec.verifyTimeoutSeconds: Input should be less than or equal to 3600 (got 3601)."),
    ],
)
def test_spec_rejects_verify_timeout_out_of_range(value: int, expected: str) -> None:
    assert problems_of({"ids": ["a"], "verifyTimeoutSeconds": value}) == (expected,)


@pytest.mark.parametrize(
    ("spec", "location"),
    [
        ({"ids": ["a"], "dryRun": "yes"}, "spec.dryRun"),
        ({"selectAll": "true"}, "spec.selectAll"),
        ({"ids": "a"}, "spec.ids"),
        ({"ids": ["a"], "maxConcurrency": "4"}, "spec.maxConcurrency"),
    ],
)
def test_spec_rejects_wrong_types(spec: dict[str, Any], location: str) -> None:
    problems = problems_of(spec)

    assert any(problem.startswith(f"{location}: ") for problem in problems), problems


def test_spec_rejects_unknown_field() -> None:
    problems = problems_of({"ids": ["a"], "select_al": True})

    assert problems == ("spec.select_al: is not a known field. Check its spelling, or remove it.",)


def test_spec_rejects_unknown_filter_field() -> None:
    problems = problems_of({"selectAll": True, "filters": {"sinkId": "x"}})

    assert problems == (
        "spec.filters.sinkId: is not a known field. Check its spelling, or remove it.",
    )


def test_spec_lists_every_problem() -> None:
    problems = problems_of({"ids": ["a/b"], "maxConcurrency": 0, "connectCluster": "X"})

    assert [problem.split(": ", 1)[0] for problem in problems] == [
        "spec.connectCluster",
        "spec.ids[0]",
        "spec.maxConcurrency",
    ]


def test_invalid_spec_error_message() -> None:
    with pytest.raises(InvalidSpecError) as caught:
        BulkStopSnapshotSpec.from_k8s({})

    message = str(caught.value)
    assert message.startswith("The BulkStopSnapshot spec is invalid: spec: set ids to a list")
    assert message.endswith("Create a new BulkStopSnapshot with a corrected spec.")
    assert isinstance(caught.value, SnapshotOperatorError)


def test_spec_is_frozen() -> None:
    spec = BulkStopSnapshotSpec.from_k8s({"ids": ["a"]})

    with pytest.raises(ValidationError):
        spec.dry_run = True  # type: ignore[misc]


def test_explain_validation_error_without_root() -> None:
    with pytest.raises(ValidationError) as caught:
        BulkStopSnapshotSpec.model_validate({"ids": ["a"], "maxConcurrency": 99})

    assert explain_validation_error(caught.value) == (
        "maxConcurrency: Input should be less than or equal to 32 (got 99).",
    )


def test_public_api_fields_cover_the_request_shape() -> None:
    assert PUBLIC_API_FIELDS == {
        "ids": "ids",
        "selectAll": "select_all",
        "filters": "filters",
        "filters.sourceId": "filters.source_id",
        "filters.destinationId": "filters.destination_id",
    }


def test_public_request_with_ids() -> None:
    spec = BulkStopSnapshotSpec.from_k8s({"ids": ["a", "b"], "dryRun": True})

    assert spec.to_public_request() == {"ids": ["a", "b"], "select_all": False}


def test_public_request_with_select_all_and_filters() -> None:
    spec = BulkStopSnapshotSpec.from_k8s(
        {"selectAll": True, "filters": {"destinationId": "orders-sink"}}
    )

    assert spec.to_public_request() == {
        "ids": None,
        "select_all": True,
        "filters": {"source_id": None, "destination_id": "orders-sink"},
    }


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("orders-pg", True),
        ("x" * 249, True),
        ("x" * 250, False),
        ("", False),
        ("a/b", False),
        ("a\tb", False),
    ],
)
def test_is_valid_connector_name(name: str, valid: bool) -> None:
    assert is_valid_connector_name(name) is valid
