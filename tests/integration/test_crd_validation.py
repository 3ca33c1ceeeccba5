"""The real API server rejects invalid BulkStopSnapshot resources with the CRD's messages."""

from __future__ import annotations

import json

import pytest

from tests.stack import StackInfo
from tests.support.connectors import unique_suffix
from tests.support.resources import install_crd, kubectl

pytestmark = pytest.mark.stack

NAMESPACE = "default"


@pytest.fixture(scope="module", autouse=True)
def crd(stack: StackInfo) -> None:
    install_crd(stack)


def apply(stack: StackInfo, spec: dict[str, object], name: str | None = None) -> tuple[int, str]:
    manifest = {
        "apiVersion": "cdc.snapshot-operator.dev/v1alpha1",
        "kind": "BulkStopSnapshot",
        "metadata": {"name": name or f"v-{unique_suffix()}", "namespace": NAMESPACE},
        "spec": spec,
    }
    result = kubectl(stack, "apply", "-f", "-", stdin=json.dumps(manifest), check=False)
    return result.returncode, result.stderr + result.stdout


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"ids": ["a"], "selectAll": True}, "set either ids or selectAll: true, not both"),
        ({}, "set ids to a list of connector names, or selectAll: true"),
        ({"selectAll": False}, "set ids to a list of connector names"),
        ({"ids": ["a"], "filters": {"sourceId": "a"}}, "filters are only allowed with selectAll"),
        ({"ids": []}, "ids must list at least one connector name"),
        ({"ids": ["a", "a"]}, 'Duplicate value: "a"'),
        ({"ids": ["a"], "maxConcurrency": 0}, "maxConcurrency"),
        (
            {"ids": ["a"], "connectCluster": "http://10.0.0.1:8083"},
            "connectCluster must be the name of a Kafka Connect cluster",
        ),
        ({"ids": ["a"], "unknownField": 1}, "unknownField"),
    ],
    ids=[
        "ids-and-selectall",
        "neither",
        "selectall-false",
        "filters-without-selectall",
        "empty-ids",
        "duplicate-ids",
        "zero-concurrency",
        "url-as-cluster",
        "unknown-field",
    ],
)
def test_invalid_spec_rejected(stack: StackInfo, spec: dict[str, object], expected: str) -> None:
    code, output = apply(stack, spec)

    assert code != 0, output
    assert expected in output


def test_valid_specs_accepted(stack: StackInfo) -> None:
    for spec in (
        {"ids": ["orders-pg", "customers-mariadb"]},
        {"selectAll": True},
        {"selectAll": True, "filters": {"sourceId": "orders-pg"}},
        {"selectAll": True, "filters": {"destinationId": "warehouse-sink"}, "dryRun": True},
    ):
        code, output = apply(stack, spec)
        assert code == 0, output


def test_spec_change_rejected(stack: StackInfo) -> None:
    name = f"immutable-{unique_suffix()}"
    code, output = apply(stack, {"ids": ["a"]}, name)
    assert code == 0, output

    code, output = apply(stack, {"ids": ["b"]}, name)

    assert code != 0
    assert "spec is immutable: to run again, create a new BulkStopSnapshot" in output


def test_printer_columns_and_short_name(stack: StackInfo) -> None:
    name = f"columns-{unique_suffix()}"
    apply(stack, {"ids": ["a"]}, name)

    output = kubectl(stack, "get", "bss", name, "-n", NAMESPACE, "-o", "wide").stdout

    header = output.splitlines()[0].split()
    assert header == ["NAME", "PHASE", "TOTAL", "SUCCEEDED", "FAILED", "AGE", "MESSAGE"]
