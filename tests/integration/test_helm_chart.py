"""The Helm chart: lint, rendering, schema, and releases on the real API server.

helm v4.3.2 is built from the Go module proxy (tests/stack/helm.py). Rendering tests parse the
manifests ``helm template`` prints and check RBAC rules, Secret names and container arguments.
The rest run against the stack's kube-apiserver v1.36.3: ``kubectl apply --dry-run=server``,
a Pod built from the Deployment's template in a namespace that enforces the "restricted" Pod
Security Standard, and real releases.

Other tests apply the CRD with ``kubectl apply --server-side``. The releases here therefore
install with ``crds.install=false``, as a user who manages the CRD separately does, and the
chart's own CRD is checked by rendering and a server-side dry run. One test installs the CRD
through the chart for real, taking ownership of the existing one, to prove that ``helm
uninstall`` keeps it. That test hands the CRD back to kubectl when it ends.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from kubernetes import client

from snapshot_operator.models.config import OperatorConfig
from tests.stack import StackInfo, helm
from tests.support.connectors import unique_suffix
from tests.support.resources import create_bss, ensure_namespace, get_bss, install_crd, kubectl

pytestmark = pytest.mark.stack

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "charts" / "snapshot-operator"
CRD_FILE = ROOT / "crds" / "bulkstopsnapshots.cdc.snapshot-operator.dev.yaml"
CRD_NAME = "bulkstopsnapshots.cdc.snapshot-operator.dev"
RELEASE = "so"
FULLNAME = "so-snapshot-operator"
CHART_LABEL_KEYS = ("name", "instance", "version", "component", "part-of", "managed-by")

WATCH_RULES = [
    {
        "apiGroups": ["cdc.snapshot-operator.dev"],
        "resources": ["bulkstopsnapshots"],
        "verbs": ["get", "list", "watch", "patch"],
    },
    {
        "apiGroups": ["cdc.snapshot-operator.dev"],
        "resources": ["bulkstopsnapshots/status"],
        "verbs": ["get", "patch"],
    },
    {"apiGroups": [""], "resources": ["events"], "verbs": ["create"]},
]

SECRETS_VALUES: dict[str, Any] = {
    "crds": {"install": False},
    "config": {
        "connect_clusters": [
            {
                "name": "default",
                "url": "https://connect.kafka.svc:8083",
                "auth": {"type": "basic", "secret_ref": {"name": "connect-admin"}},
                "ca_secret_ref": {"name": "connect-ca", "namespace": "kafka"},
                "limits": {"max_concurrency": 4, "requests_per_second": 2.5},
            },
            {
                "name": "analytics",
                "url": "http://connect-analytics:8083",
                "auth": {
                    "type": "bearer",
                    "secret_ref": {"name": "analytics-token", "namespace": "kafka"},
                },
            },
        ],
        "signal_credentials": [
            {"connector_pattern": "orders-*", "secret_ref": {"name": "orders-db"}},
            {"connector_pattern": "*", "secret_ref": {"name": "connect-admin"}},
        ],
        "defaults": {"verify_timeout_seconds": 60},
    },
}


@pytest.fixture(scope="module")
def helm_cli(stack: StackInfo, tmp_path_factory: pytest.TempPathFactory) -> helm.Helm:
    helm.build()
    return helm.Helm(stack.kubeconfig, tmp_path_factory.mktemp("helm-home"))


@pytest.fixture
def values_file(tmp_path: Path) -> Any:
    def write(values: dict[str, Any]) -> Path:
        path = tmp_path / f"values-{unique_suffix()}.yaml"
        path.write_text(yaml.safe_dump(values))
        return path

    return write


def render(helm_cli: helm.Helm, *args: str, namespace: str = "ops") -> list[dict[str, Any]]:
    output = helm_cli.run("template", RELEASE, str(CHART), "--namespace", namespace, *args).stdout
    return [document for document in yaml.safe_load_all(output) if document]


def find(documents: list[dict[str, Any]], kind: str, namespace: str | None = None) -> list[Any]:
    return [
        document
        for document in documents
        if document["kind"] == kind
        and (namespace is None or document["metadata"].get("namespace") == namespace)
    ]


def only(documents: list[dict[str, Any]], kind: str, namespace: str | None = None) -> Any:
    matches = find(documents, kind, namespace)
    assert len(matches) == 1, f"expected one {kind} in {namespace}, found {len(matches)}"
    return matches[0]


def container(documents: list[dict[str, Any]]) -> dict[str, Any]:
    deployment = only(documents, "Deployment")
    containers = deployment["spec"]["template"]["spec"]["containers"]
    assert len(containers) == 1
    return dict(containers[0])


def test_lint_strict(helm_cli: helm.Helm, values_file: Any) -> None:
    result = helm_cli.run("lint", "--strict", str(CHART))
    assert "0 chart(s) failed" in result.stdout
    with_secrets = helm_cli.run(
        "lint", "--strict", str(CHART), "-f", str(values_file(SECRETS_VALUES))
    )
    assert "0 chart(s) failed" in with_secrets.stdout


def test_defaults_watch_release_namespace(helm_cli: helm.Helm) -> None:
    documents = render(helm_cli)

    kinds = sorted(document["kind"] for document in documents)
    assert kinds == [
        "ConfigMap",
        "CustomResourceDefinition",
        "Deployment",
        "Role",
        "RoleBinding",
        "ServiceAccount",
    ]
    role = only(documents, "Role", "ops")
    assert role["metadata"]["name"] == FULLNAME
    assert role["rules"] == WATCH_RULES
    binding = only(documents, "RoleBinding", "ops")
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "Role",
        "name": FULLNAME,
    }
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": FULLNAME, "namespace": "ops"}]
    assert container(documents)["args"] == [
        "run",
        "--config=/etc/snapshot-operator/config.yaml",
        "--namespace=ops",
        "--liveness=http://0.0.0.0:8080/healthz",
        "--log-format=json",
    ]


def test_defaults_deployment_shape(helm_cli: helm.Helm) -> None:
    documents = render(helm_cli)
    deployment = only(documents, "Deployment")
    spec = deployment["spec"]
    pod = spec["template"]["spec"]
    main = container(documents)

    assert spec["replicas"] == 1
    assert spec["strategy"] == {"type": "Recreate"}
    assert pod["serviceAccountName"] == FULLNAME
    assert pod["securityContext"] == {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "runAsGroup": 10001,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert main["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "runAsNonRoot": True,
        "capabilities": {"drop": ["ALL"]},
    }
    assert main["image"] == "snapshot-operator:0.1.0"
    assert main["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "health"}
    assert "readinessProbe" not in main
    assert main["resources"]["limits"]["memory"] == "256Mi"
    assert {"name": "tmp", "mountPath": "/tmp"} in main["volumeMounts"]
    assert {"name": "tmp", "emptyDir": {"sizeLimit": "64Mi"}} in pod["volumes"]
    namespace_env = {"fieldRef": {"fieldPath": "metadata.namespace"}}
    assert {"name": "SNAPSHOT_OPERATOR_NAMESPACE", "valueFrom": namespace_env} in main["env"]


def test_defaults_standard_labels(helm_cli: helm.Helm) -> None:
    for document in render(helm_cli):
        labels = document["metadata"]["labels"]
        where = f"{document['kind']} {document['metadata']['name']}"
        assert labels["app.kubernetes.io/name"] == "snapshot-operator", where
        assert labels["app.kubernetes.io/instance"] == RELEASE, where
        assert labels["app.kubernetes.io/version"] == "0.1.0", where
        assert labels["app.kubernetes.io/component"] == "operator", where
        assert labels["app.kubernetes.io/part-of"] == "snapshot-operator", where
        assert labels["app.kubernetes.io/managed-by"] == "Helm", where
        assert labels["helm.sh/chart"] == "snapshot-operator-0.1.0", where


def test_crd_matches_crd_file(helm_cli: helm.Helm) -> None:
    crd = only(render(helm_cli), "CustomResourceDefinition")
    expected = yaml.safe_load(CRD_FILE.read_text())

    assert crd["metadata"]["annotations"] == {"helm.sh/resource-policy": "keep"}
    assert crd["metadata"]["name"] == expected["metadata"]["name"]
    assert crd["spec"] == expected["spec"]
    assert {key: crd[key] for key in expected if key != "metadata"} == {
        key: value for key, value in expected.items() if key != "metadata"
    }


def test_crd_options(helm_cli: helm.Helm) -> None:
    assert find(render(helm_cli, "--set", "crds.install=false"), "CustomResourceDefinition") == []
    not_kept = only(render(helm_cli, "--set", "crds.keep=false"), "CustomResourceDefinition")
    assert "annotations" not in not_kept["metadata"]


def test_config_map_loads_in_operator(
    helm_cli: helm.Helm, values_file: Any, tmp_path: Path
) -> None:
    documents = render(helm_cli, "-f", str(values_file(SECRETS_VALUES)))
    config_map = only(documents, "ConfigMap")
    path = tmp_path / "config.yaml"
    path.write_text(config_map["data"]["config.yaml"])

    config = OperatorConfig.from_yaml_file(path)

    assert [cluster.name for cluster in config.connect_clusters] == ["default", "analytics"]
    assert config.connect_clusters[0].limits.max_concurrency == 4
    assert config.defaults.verify_timeout_seconds == 60
    mounts = container(documents)["volumeMounts"]
    assert {"name": "config", "mountPath": "/etc/snapshot-operator", "readOnly": True} in mounts


def test_all_namespaces_uses_cluster_role(helm_cli: helm.Helm) -> None:
    documents = render(helm_cli, "--set", "watch.allNamespaces=true")

    assert find(documents, "Role") == []
    assert find(documents, "RoleBinding") == []
    role = only(documents, "ClusterRole")
    assert role["metadata"]["name"] == f"ops-{FULLNAME}"
    assert role["rules"] == WATCH_RULES
    binding = only(documents, "ClusterRoleBinding")
    assert binding["roleRef"]["kind"] == "ClusterRole"
    assert binding["roleRef"]["name"] == f"ops-{FULLNAME}"
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": FULLNAME, "namespace": "ops"}]
    args = container(documents)["args"]
    assert "--all-namespaces" in args
    assert not [arg for arg in args if arg.startswith("--namespace")]


def test_several_namespaces_get_roles(helm_cli: helm.Helm, values_file: Any) -> None:
    values = {"watch": {"namespaces": ["team-a", "team-b"]}}
    documents = render(helm_cli, "-f", str(values_file(values)))

    assert find(documents, "ClusterRole") == []
    assert find(documents, "Role", "ops") == []
    for namespace in ("team-a", "team-b"):
        assert only(documents, "Role", namespace)["rules"] == WATCH_RULES
        binding = only(documents, "RoleBinding", namespace)
        assert binding["subjects"][0]["namespace"] == "ops"
    args = container(documents)["args"]
    assert [arg for arg in args if arg.startswith("--namespace")] == [
        "--namespace=team-a",
        "--namespace=team-b",
    ]


def _secret_rules(documents: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    by_namespace: dict[str, list[dict[str, Any]]] = {}
    for kind in ("Role", "ClusterRole"):
        for role in find(documents, kind):
            for rule in role["rules"]:
                if "secrets" in rule["resources"]:
                    namespace = role["metadata"].get("namespace", "<cluster>")
                    by_namespace.setdefault(namespace, []).append(rule)
    return by_namespace


def test_secrets_get_by_name_only(helm_cli: helm.Helm, values_file: Any) -> None:
    documents = render(helm_cli, "-f", str(values_file(SECRETS_VALUES)))

    rules = _secret_rules(documents)
    assert rules == {
        "ops": [
            {
                "apiGroups": [""],
                "resources": ["secrets"],
                "resourceNames": ["connect-admin", "orders-db"],
                "verbs": ["get"],
            }
        ],
        "kafka": [
            {
                "apiGroups": [""],
                "resources": ["secrets"],
                "resourceNames": ["analytics-token", "connect-ca"],
                "verbs": ["get"],
            }
        ],
    }
    for namespace in ("ops", "kafka"):
        binding = [
            item
            for item in find(documents, "RoleBinding", namespace)
            if item["metadata"]["name"] == f"{FULLNAME}-secrets"
        ]
        assert len(binding) == 1
        assert binding[0]["subjects"] == [
            {"kind": "ServiceAccount", "name": FULLNAME, "namespace": "ops"}
        ]


def test_secrets_stay_namespaced_cluster_wide(helm_cli: helm.Helm, values_file: Any) -> None:
    values = {**SECRETS_VALUES, "watch": {"allNamespaces": True}}
    documents = render(helm_cli, "-f", str(values_file(values)))

    rules = _secret_rules(documents)
    assert sorted(rules) == ["kafka", "ops"]
    assert only(documents, "ClusterRole")["rules"] == WATCH_RULES


def test_default_config_reads_no_secret(helm_cli: helm.Helm) -> None:
    assert _secret_rules(render(helm_cli)) == {}


def test_checksum_follows_config(helm_cli: helm.Helm) -> None:
    def checksum(*args: str) -> str:
        deployment = only(render(helm_cli, *args), "Deployment")
        return str(deployment["spec"]["template"]["metadata"]["annotations"]["checksum/config"])

    first = checksum()
    assert checksum() == first
    assert checksum("--set", "config.defaults.verify_timeout_seconds=30") != first
    assert checksum("--set", "logFormat=plain") == first


def test_image_options(helm_cli: helm.Helm, values_file: Any) -> None:
    digest = "sha256:" + "a" * 64
    values = {
        "image": {"repository": "registry.test/ops/snapshot-operator", "tag": "9.9.9"},
        "imagePullSecrets": [{"name": "regcred"}],
        "extraEnv": [{"name": "TZ", "value": "UTC"}],
        "extraArgs": ["--verbose"],
        "nodeSelector": {"kubernetes.io/os": "linux"},
        "tolerations": [{"key": "dedicated", "operator": "Exists", "effect": "NoSchedule"}],
        "podAnnotations": {"team": "data"},
    }
    documents = render(helm_cli, "-f", str(values_file(values)))
    pod = only(documents, "Deployment")["spec"]["template"]
    main = pod["spec"]["containers"][0]

    assert main["image"] == "registry.test/ops/snapshot-operator:9.9.9"
    assert pod["spec"]["imagePullSecrets"] == [{"name": "regcred"}]
    assert {"name": "TZ", "value": "UTC"} in main["env"]
    assert main["args"][-1] == "--verbose"
    assert pod["spec"]["nodeSelector"] == {"kubernetes.io/os": "linux"}
    assert pod["spec"]["tolerations"][0]["key"] == "dedicated"
    assert pod["metadata"]["annotations"]["team"] == "data"
    pinned = container(render(helm_cli, "--set", f"image.digest={digest}"))
    assert pinned["image"] == f"snapshot-operator@{digest}"


def test_url_credentials_rejected(helm_cli: helm.Helm, values_file: Any) -> None:
    values = {
        "config": {
            "connect_clusters": [{"name": "default", "url": "http://user:secret@connect:8083"}]
        }
    }

    result = helm_cli.run(
        "template", RELEASE, str(CHART), "-f", str(values_file(values)), check=False
    )

    assert result.returncode != 0
    assert (
        'config.connect_clusters: the url of cluster "default" contains a user name or password.'
        " Remove them and reference a Secret in auth.secret_ref instead." in result.stderr
    )
    assert "secret@" not in result.stderr


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"replicas": 2}, "additional properties 'replicas' not allowed"),
        ({"watch": {"namespace": ["a"]}}, "additional properties 'namespace' not allowed"),
        (
            {"config": {"connect_clusters": [{"name": "default", "url": "ftp://connect:21"}]}},
            "/config/connect_clusters/0/url': 'ftp://connect:21' does not match pattern",
        ),
        (
            {
                "config": {
                    "connect_clusters": [
                        {
                            "name": "default",
                            "url": "http://connect:8083",
                            "limits": {"max_concurrency": -1},
                        }
                    ]
                }
            },
            "/config/connect_clusters/0/limits/max_concurrency': minimum: got -1, want 1",
        ),
        (
            {
                "config": {
                    "connect_clusters": [{"name": "default", "url": "http://c:8083"}],
                    "defaults": {"verify_timeout": 5},
                }
            },
            "additional properties 'verify_timeout' not allowed",
        ),
        ({"config": {"connect_clusters": []}}, "minItems: got 0, want 1"),
        ({"logFormat": "xml"}, "/logFormat"),
        (
            {"watch": {"allNamespaces": True, "namespaces": ["team-a"]}},
            "/watch/namespaces': maxItems: got 1, want 0",
        ),
        (
            {
                "config": {
                    "connect_clusters": [
                        {
                            "name": "default",
                            "url": "http://c:8083",
                            "auth": {
                                "type": "basic",
                                "secret_ref": {"name": "creds", "token_key": "token"},
                            },
                        }
                    ]
                }
            },
            "/config/connect_clusters/0/auth",
        ),
    ],
    ids=[
        "unknown-top-level-key",
        "misspelt-nested-key",
        "url-scheme",
        "negative-concurrency",
        "unknown-default",
        "no-cluster",
        "log-format",
        "all-and-some-namespaces",
        "token-key-with-basic",
    ],
)
def test_schema_rejects(
    helm_cli: helm.Helm, values_file: Any, values: dict[str, Any], message: str
) -> None:
    result = helm_cli.run(
        "template", RELEASE, str(CHART), "-f", str(values_file(values)), check=False
    )
    assert result.returncode != 0
    assert "values don't meet the specifications of the schema" in result.stderr
    assert message in result.stderr


def test_duplicate_cluster_names_rejected(helm_cli: helm.Helm, values_file: Any) -> None:
    clusters = [
        {"name": "default", "url": "http://a:8083"},
        {"name": "default", "url": "http://b:8083"},
    ]
    result = helm_cli.run(
        "template",
        RELEASE,
        str(CHART),
        "-f",
        str(values_file({"config": {"connect_clusters": clusters}})),
        check=False,
    )
    assert result.returncode != 0
    assert 'the cluster name "default" is used more than once' in result.stderr


@pytest.fixture
def fresh_namespace(kube_api: client.ApiClient) -> str:
    name = f"helm-{unique_suffix()}"
    ensure_namespace(kube_api, name)
    return name


def test_manifests_pass_server_dry_run(
    stack: StackInfo,
    helm_cli: helm.Helm,
    kube_api: client.ApiClient,
    values_file: Any,
    fresh_namespace: str,
    tmp_path: Path,
) -> None:
    # The Secrets of SECRETS_VALUES live in the release namespace and in a second one.
    secrets_namespace = f"{fresh_namespace}-kafka"
    ensure_namespace(kube_api, secrets_namespace)
    secrets_values = json.loads(
        json.dumps(SECRETS_VALUES).replace('"kafka"', f'"{secrets_namespace}"')
    )
    variants = {
        "defaults": ["--set", "crds.install=false"],
        "secrets": ["-f", str(values_file(secrets_values))],
        "all-namespaces": ["--set", "crds.install=false", "--set", "watch.allNamespaces=true"],
    }
    for variant, args in variants.items():
        manifest = tmp_path / f"{variant}.yaml"
        output = helm_cli.run(
            "template", RELEASE, str(CHART), "--namespace", fresh_namespace, *args
        ).stdout
        manifest.write_text(output)
        result = kubectl(stack, "apply", "--dry-run=server", "-f", str(manifest), check=False)
        assert result.returncode == 0, f"{variant}: {result.stderr}"
        assert "created (server dry run)" in result.stdout
        assert "Warning" not in result.stderr, f"{variant}: {result.stderr}"


def test_chart_crd_passes_server_dry_run(
    stack: StackInfo, helm_cli: helm.Helm, tmp_path: Path
) -> None:
    install_crd(stack)
    crd = only(render(helm_cli), "CustomResourceDefinition")
    manifest = tmp_path / "crd.yaml"
    manifest.write_text(yaml.safe_dump(crd))

    result = kubectl(
        stack,
        "apply",
        "--server-side",
        "--dry-run=server",
        "--force-conflicts",
        "--field-manager=chart-test",
        "-f",
        str(manifest),
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert f"customresourcedefinition.apiextensions.k8s.io/{CRD_NAME}" in result.stdout


def test_pod_meets_restricted_standard(
    stack: StackInfo, helm_cli: helm.Helm, kube_api: client.ApiClient, tmp_path: Path
) -> None:
    namespace = f"restricted-{unique_suffix()}"
    client.CoreV1Api(kube_api).create_namespace(
        {
            "metadata": {
                "name": namespace,
                "labels": {"pod-security.kubernetes.io/enforce": "restricted"},
            }
        }
    )
    template = only(render(helm_cli, namespace=namespace), "Deployment")["spec"]["template"]
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "operator-pod", "namespace": namespace, **template["metadata"]},
        "spec": template["spec"],
    }
    manifest = tmp_path / "pod.json"
    manifest.write_text(json.dumps(pod))

    accepted = kubectl(stack, "create", "--dry-run=server", "-f", str(manifest), check=False)
    assert accepted.returncode == 0, accepted.stderr

    # The check can fail: without runAsNonRoot and the seccomp profile the same pod is rejected.
    del pod["spec"]["securityContext"]
    manifest.write_text(json.dumps(pod))
    rejected = kubectl(stack, "create", "--dry-run=server", "-f", str(manifest), check=False)
    assert rejected.returncode != 0
    assert 'violates PodSecurity "restricted' in rejected.stderr


def _config_yaml(stack: StackInfo, namespace: str) -> str:
    result = kubectl(stack, "get", "configmap", f"{FULLNAME}-config", "-n", namespace, "-o", "json")
    return str(json.loads(result.stdout)["data"]["config.yaml"])


def _exists(stack: StackInfo, namespace: str, resource: str) -> bool:
    result = kubectl(stack, "get", resource, "-n", namespace, "-o", "name", check=False)
    return result.returncode == 0


def test_install_upgrade_uninstall(
    stack: StackInfo,
    helm_cli: helm.Helm,
    kube_api: client.ApiClient,
    values_file: Any,
    fresh_namespace: str,
) -> None:
    install_crd(stack)
    namespace = fresh_namespace
    first = {
        "crds": {"install": False},
        "config": {"connect_clusters": [{"name": "default", "url": "http://connect-a:8083"}]},
    }
    installed = helm_cli.run(
        "install", RELEASE, str(CHART), "-n", namespace, "-f", str(values_file(first))
    )
    assert "STATUS: deployed" in installed.stdout
    assert f"It watches BulkStopSnapshot resources in: {namespace}." in installed.stdout
    for resource in (
        f"deployment/{FULLNAME}",
        f"serviceaccount/{FULLNAME}",
        f"role/{FULLNAME}",
        f"rolebinding/{FULLNAME}",
        f"configmap/{FULLNAME}-config",
    ):
        assert _exists(stack, namespace, resource), resource
    assert "http://connect-a:8083" in _config_yaml(stack, namespace)
    apps = client.AppsV1Api(kube_api)
    before = apps.read_namespaced_deployment(FULLNAME, namespace)
    checksum_before = before.spec.template.metadata.annotations["checksum/config"]

    second = {
        "crds": {"install": False},
        "config": {"connect_clusters": [{"name": "default", "url": "http://connect-b:8083"}]},
    }
    upgraded = helm_cli.run(
        "upgrade", RELEASE, str(CHART), "-n", namespace, "-f", str(values_file(second))
    )
    assert "REVISION: 2" in upgraded.stdout
    assert "http://connect-b:8083" in _config_yaml(stack, namespace)
    after = apps.read_namespaced_deployment(FULLNAME, namespace)
    assert after.spec.template.metadata.annotations["checksum/config"] != checksum_before
    assert after.metadata.generation > before.metadata.generation

    create_bss(kube_api, namespace, "kept-after-uninstall", {"ids": ["orders-pg"]})
    helm_cli.run("uninstall", RELEASE, "-n", namespace)

    assert not _exists(stack, namespace, f"deployment/{FULLNAME}")
    assert not _exists(stack, namespace, f"configmap/{FULLNAME}-config")
    assert not _exists(stack, namespace, f"role/{FULLNAME}")
    assert _exists(stack, "default", f"crd/{CRD_NAME}")
    assert get_bss(kube_api, namespace, "kept-after-uninstall")["spec"]["ids"] == ["orders-pg"]


@pytest.fixture
def chart_owned_crd(stack: StackInfo) -> Iterator[None]:
    """Hand the shared CRD back to kubectl after a test let a release own it."""
    yield
    chart_labels = [
        "helm.sh/chart",
        *(f"app.kubernetes.io/{key}" for key in CHART_LABEL_KEYS),
    ]
    kubectl(stack, "label", "crd", CRD_NAME, *(f"{label}-" for label in chart_labels), check=False)
    kubectl(
        stack,
        "annotate",
        "crd",
        CRD_NAME,
        "meta.helm.sh/release-name-",
        "meta.helm.sh/release-namespace-",
        "helm.sh/resource-policy-",
        check=False,
    )
    install_crd(stack)


def test_uninstall_keeps_chart_crd(
    stack: StackInfo,
    helm_cli: helm.Helm,
    kube_api: client.ApiClient,
    fresh_namespace: str,
    chart_owned_crd: None,
) -> None:
    # Taking over the CRD that other tests use must not change its schema.
    assert (CHART / "files" / "crd.yaml").read_bytes() == CRD_FILE.read_bytes()
    install_crd(stack)
    extensions = client.ApiextensionsV1Api(kube_api)
    uid = extensions.read_custom_resource_definition(CRD_NAME).metadata.uid

    helm_cli.run(
        "install",
        RELEASE,
        str(CHART),
        "-n",
        fresh_namespace,
        "--take-ownership",
        "--force-conflicts",
    )
    owned = extensions.read_custom_resource_definition(CRD_NAME)
    assert owned.metadata.annotations["meta.helm.sh/release-namespace"] == fresh_namespace
    assert owned.metadata.annotations["helm.sh/resource-policy"] == "keep"
    create_bss(kube_api, fresh_namespace, "survives", {"ids": ["orders-pg"]})

    uninstalled = helm_cli.run("uninstall", RELEASE, "-n", fresh_namespace)

    assert "kept due to the resource policy" in uninstalled.stdout + uninstalled.stderr
    assert extensions.read_custom_resource_definition(CRD_NAME).metadata.uid == uid
    assert get_bss(kube_api, fresh_namespace, "survives")["metadata"]["name"] == "survives"


def test_argocd_snippet_merges_into_argocd_cm(stack: StackInfo, tmp_path: Path) -> None:
    existing = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "argocd-cm", "namespace": "argocd"},
        "data": {"url": "https://argocd.example.test"},
    }
    current = tmp_path / "argocd-cm.json"
    current.write_text(json.dumps(existing))
    snippet = ROOT / "deploy" / "argocd" / "argocd-cm-health.yaml"

    result = kubectl(
        stack,
        "patch",
        "--local",
        "-f",
        str(current),
        "--type",
        "merge",
        "--patch-file",
        str(snippet),
        "-o",
        "json",
    )

    data = json.loads(result.stdout)["data"]
    assert data["url"] == "https://argocd.example.test"
    lua = (ROOT / "deploy" / "argocd" / "health-bulkstopsnapshot.lua").read_text()
    assert data["resource.customizations.health.cdc.snapshot-operator.dev_BulkStopSnapshot"] == lua
