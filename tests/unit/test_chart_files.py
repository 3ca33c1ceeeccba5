"""Files of the Helm chart, the image build and the GitOps snippets, checked without a cluster.

The chart renders its CRD from ``charts/snapshot-operator/files/crd.yaml``, which must stay a
byte-for-byte copy of the CRD in ``crds/``. The Argo CD health script is run with a real Lua
interpreter where one is installed (Debian package ``lua5.4``); Argo CD itself runs it with
gopher-lua, a Lua 5.1 implementation, and the script uses nothing newer than Lua 5.1.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from snapshot_operator import __version__
from snapshot_operator.models.config import OperatorConfig

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "snapshot-operator"
CRD = ROOT / "crds" / "bulkstopsnapshots.cdc.snapshot-operator.dev.yaml"
ARGOCD = ROOT / "deploy" / "argocd"
HEALTH_SCRIPT = ARGOCD / "health-bulkstopsnapshot.lua"
HEALTH_KEY = "resource.customizations.health.cdc.snapshot-operator.dev_BulkStopSnapshot"

# Schema nodes that are maps of free-form strings (annotations, labels, node selectors).
STRING_MAPS = {"annotations", "podAnnotations", "podLabels", "nodeSelector"}
CONDITIONAL_KEYWORDS = {"if", "then", "else", "not", "allOf", "anyOf", "oneOf"}


def test_chart_crd_is_exact_copy() -> None:
    chart_copy = CHART / "files" / "crd.yaml"
    assert chart_copy.read_bytes() == CRD.read_bytes(), (
        f"{chart_copy} differs from {CRD}. Copy the CRD again: cp {CRD} {chart_copy}"
    )


def test_chart_app_version_matches_package() -> None:
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert chart["appVersion"] == __version__
    assert chart["apiVersion"] == "v2"


def test_default_config_accepted_by_operator() -> None:
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    config = OperatorConfig.model_validate(values["config"])
    assert [cluster.name for cluster in config.connect_clusters] == ["default"]


def _schema_keys(schema: dict[str, Any]) -> set[str]:
    return set(schema.get("properties", {}))


def _assert_values_declared(values: Any, schema: dict[str, Any], path: str) -> None:
    if not isinstance(values, dict) or "properties" not in schema:
        return
    unknown = set(values) - _schema_keys(schema)
    assert not unknown, f"values.yaml keys {sorted(unknown)} at {path or '/'} are not in the schema"
    for key, value in values.items():
        _assert_values_declared(value, schema["properties"][key], f"{path}/{key}")


def test_every_value_is_in_schema() -> None:
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    schema = json.loads((CHART / "values.schema.json").read_text())
    _assert_values_declared(values, schema, "")


def _objects_without_strictness(schema: Any, path: str) -> list[str]:
    found: list[str] = []
    if isinstance(schema, dict):
        if "properties" in schema and schema.get("additionalProperties") is not False:
            found.append(path or "/")
        if schema.get("type") == "object" and "properties" not in schema:
            name = path.rsplit("/", 1)[-1]
            # A string map, or a Kubernetes object passed through to the pod spec as it is.
            nested_kubernetes = "/podSecurityContext/" in path or "/securityContext/" in path
            passthrough = name in {"valueFrom", "nodeAffinity", "podAffinity", "podAntiAffinity"}
            if name not in STRING_MAPS and not nested_kubernetes and not passthrough:
                found.append(path)
        for key, value in schema.items():
            # Conditional subschemas only narrow an object that is declared strict already.
            if key not in CONDITIONAL_KEYWORDS:
                found += _objects_without_strictness(value, f"{path}/{key}")
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            found += _objects_without_strictness(value, f"{path}[{index}]")
    return found


def test_schema_strict_at_every_level() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text())
    assert _objects_without_strictness(schema, "") == []


def test_connect_url_pattern() -> None:
    schema = json.loads((CHART / "values.schema.json").read_text())
    cluster = schema["properties"]["config"]["properties"]["connect_clusters"]["items"]
    pattern = re.compile(cluster["properties"]["url"]["pattern"])
    accepted = [
        "http://kafka-connect:8083",
        "https://connect.kafka.svc:8083/",
        "https://[fd00::1]:8083/base",
        "http://127.0.0.1:18083",
        # The templates reject credentials with a message of their own (test_helm_chart).
        "http://user:secret@connect:8083",
    ]
    rejected = [
        "ftp://connect:8083",
        "connect:8083",
        "http://connect:8083/?debug=1",
        "http://connect:8083/#top",
        "http://",
    ]
    for url in accepted:
        assert pattern.search(url), f"{url} should be accepted"
    for url in rejected:
        assert not pattern.search(url), f"{url} should be rejected"


def _copy_sources(dockerfile: str) -> list[str]:
    sources: list[str] = []
    for line in dockerfile.splitlines():
        if line.startswith("COPY ") and "--from=" not in line:
            sources += line.split()[1:-1]
    return sources


def test_dockerfile_copies_existing_files() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    sources = _copy_sources(dockerfile)
    assert sources, "the Dockerfile copies nothing from the build context"
    missing = [source for source in sources if not (ROOT / source).exists()]
    assert missing == [], f"the Dockerfile copies files that do not exist: {missing}"
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    for source in sources:
        assert f"!{source.rstrip('/')}/" in ignored or f"!{source}" in ignored, (
            f".dockerignore leaves {source} out of the build context"
        )


def test_dockerfile_runs_as_non_root() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    final_stage = dockerfile.rsplit("\nFROM ", 1)[1]
    assert "USER 10001:10001" in final_stage
    assert 'ENTRYPOINT ["snapshot-operator"]' in final_stage
    assert "--no-index" in final_stage


def test_argocd_snippet_embeds_script() -> None:
    snippet = yaml.safe_load((ARGOCD / "argocd-cm-health.yaml").read_text())
    assert snippet["metadata"]["name"] == "argocd-cm"
    assert snippet["data"][HEALTH_KEY] == HEALTH_SCRIPT.read_text()


def _lua_literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        # A Lua long string keeps every character as it is.
        return f"[==[{value}]==]"
    if isinstance(value, list):
        return "{" + ", ".join(_lua_literal(item) for item in value) + "}"
    if isinstance(value, dict):
        fields = (f"[ {_lua_literal(key)} ] = {_lua_literal(item)}" for key, item in value.items())
        return "{" + ", ".join(fields) + "}"
    raise TypeError(f"No Lua literal for {value!r}.")


def _lua() -> str:
    for name in ("lua5.4", "lua5.3", "lua5.1", "lua"):
        path = shutil.which(name)
        if path:
            return path
    pytest.skip("No Lua interpreter found: install the Debian package lua5.4 to run this test.")


def _argocd_health(obj: dict[str, Any]) -> tuple[str, str]:
    driver = (
        f"obj = {_lua_literal(obj)}\n"
        f"local hs = dofile({_lua_literal(str(HEALTH_SCRIPT))})\n"
        'io.write(hs.status, "\\n", hs.message or "")\n'
    )
    result = subprocess.run(
        [_lua(), "-"], input=driver, capture_output=True, text=True, check=False, timeout=30
    )
    assert result.returncode == 0, result.stderr
    status, _, message = result.stdout.partition("\n")
    return status, message


def _resource(status: dict[str, Any] | None, generation: int = 1) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "apiVersion": "cdc.snapshot-operator.dev/v1alpha1",
        "kind": "BulkStopSnapshot",
        "metadata": {"name": "stop-1", "namespace": "team-a", "generation": generation},
        "spec": {"ids": ["orders-pg"]},
    }
    if status is not None:
        obj["status"] = status
    return obj


def test_argocd_health_without_status() -> None:
    status, message = _argocd_health(_resource(None))
    assert status == "Progressing"
    assert "Waiting" in message


@pytest.mark.parametrize(
    ("phase", "expected"),
    [
        ("Pending", "Progressing"),
        ("Running", "Progressing"),
        ("Succeeded", "Healthy"),
        ("PartiallySucceeded", "Degraded"),
        ("Failed", "Degraded"),
    ],
)
def test_argocd_health_per_phase(phase: str, expected: str) -> None:
    text = f"1 of 2 sources succeeded; failed: orders-pg (NotFound). [{phase}]"
    status, message = _argocd_health(
        _resource({"phase": phase, "message": text, "observedGeneration": 1})
    )
    assert status == expected
    assert message == text


def test_argocd_health_without_message() -> None:
    status, message = _argocd_health(_resource({"phase": "Failed"}))
    assert status == "Degraded"
    assert message == "Phase Failed."


def test_argocd_health_stale_generation() -> None:
    status, message = _argocd_health(
        _resource({"phase": "Succeeded", "observedGeneration": 1}, generation=2)
    )
    assert status == "Progressing"
    assert "generation 2" in message
