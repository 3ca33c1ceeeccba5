"""Unit tests of the operator configuration: loading from YAML, rules, credentials, logging."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from snapshot_operator.errors import ConfigError
from snapshot_operator.models.config import (
    ConfigFileError,
    ConnectLimits,
    OperatorConfig,
    OperatorDefaults,
    SecretRef,
)

FULL_CONFIG = """\
connect_clusters:
  - name: default
    url: https://connect.kafka.svc:8083/
    auth:
      type: basic
      secret_ref: {name: connect-admin, namespace: kafka, username_key: user}
    ca_secret_ref: {name: connect-ca}
    limits:
      max_concurrency: 4
      requests_per_second: 2.5
      burst: 3
      restarts_per_worker: 2
      request_timeout_seconds: 10
      max_retries: 3
      backoff_base_seconds: 1
      backoff_max_seconds: 20
  - name: analytics
    url: http://connect-analytics:8083
    auth:
      type: bearer
      secret_ref: {name: analytics-token}
signal_credentials:
  - connector_pattern: "orders-*"
    secret_ref: {name: orders-signals}
  - connector_pattern: "orders-eu-?"
    secret_ref: {name: never-reached}
  - connector_pattern: "*-[pm]g"
    secret_ref: {name: pg-signals, namespace: db, username_key: u, password_key: p}
defaults:
  verify_timeout_seconds: 300
  status_update_interval_seconds: 10
  verify_poll_interval_seconds: 1.5
  blocking_confirm_seconds: 0
"""


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load_error(tmp_path: Path, text: str) -> ConfigFileError:
    path = write_config(tmp_path, text)
    with pytest.raises(ConfigFileError) as caught:
        OperatorConfig.from_yaml_file(path)
    return caught.value


def one_cluster(extra: str = "", url: str = "http://connect:8083") -> str:
    return f"connect_clusters:\n  - name: default\n    url: {url}\n{extra}"


def test_config_defaults(tmp_path: Path) -> None:
    config = OperatorConfig.from_yaml_file(write_config(tmp_path, one_cluster()))

    cluster = config.connect_clusters[0]
    assert cluster.name == "default"
    assert cluster.url == "http://connect:8083"
    assert cluster.auth is None
    assert cluster.ca_secret_ref is None
    assert cluster.limits == ConnectLimits()
    assert config.signal_credentials == []
    assert config.defaults == OperatorDefaults()


def test_connect_limits_default_values() -> None:
    limits = ConnectLimits()

    assert limits.max_concurrency == 2
    assert limits.requests_per_second == 5.0
    assert limits.burst == 5
    assert limits.restarts_per_worker == 1
    assert limits.request_timeout_seconds == 30
    assert limits.max_retries == 5
    assert limits.backoff_base_seconds == 0.5
    assert limits.backoff_max_seconds == 30


def test_operator_defaults_values() -> None:
    defaults = OperatorDefaults()

    assert defaults.verify_timeout_seconds == 120
    assert defaults.status_update_interval_seconds == 5.0
    assert defaults.verify_poll_interval_seconds == 2.0
    assert defaults.blocking_confirm_seconds == 5.0


def test_config_full_file(tmp_path: Path) -> None:
    config = OperatorConfig.from_yaml_file(write_config(tmp_path, FULL_CONFIG))

    default, analytics = config.connect_clusters
    assert default.url == "https://connect.kafka.svc:8083"
    assert default.auth is not None
    assert default.auth.type == "basic"
    assert default.auth.secret_ref.name == "connect-admin"
    assert default.auth.secret_ref.namespace == "kafka"
    assert default.auth.username_key == "user"
    assert default.auth.password_key == "password"
    assert default.ca_secret_ref is not None
    assert default.ca_secret_ref.key == "ca.crt"
    assert default.limits.max_concurrency == 4
    assert default.limits.requests_per_second == 2.5
    assert default.limits.restarts_per_worker == 2
    assert analytics.auth is not None
    assert analytics.auth.type == "bearer"
    assert analytics.auth.token_key == "token"
    assert config.defaults.verify_timeout_seconds == 300
    assert config.defaults.blocking_confirm_seconds == 0


def test_find_cluster(tmp_path: Path) -> None:
    config = OperatorConfig.from_yaml_file(write_config(tmp_path, FULL_CONFIG))

    analytics = config.find_cluster("analytics")
    assert analytics is not None
    assert analytics.url == "http://connect-analytics:8083"
    assert config.find_cluster("missing") is None


def test_config_accepts_str_path(tmp_path: Path) -> None:
    path = write_config(tmp_path, one_cluster())

    assert OperatorConfig.from_yaml_file(str(path)).connect_clusters[0].name == "default"


def test_config_rejects_unknown_top_level_key(tmp_path: Path) -> None:
    error = load_error(tmp_path, one_cluster("connect_cluster: []\n"))

    assert error.fields == ("(top level)",)
    assert error.problems[0] == (
        "(top level): the key 'connect_cluster' is not a known setting here. "
        "Did you mean 'connect_clusters'? "
        "The allowed keys are: connect_clusters, defaults, signal_credentials."
    )


def test_config_rejects_misspelt_limit(tmp_path: Path) -> None:
    error = load_error(tmp_path, one_cluster("    limits: {max_concurency: 3}\n"))

    assert error.fields == ("connect_clusters[0].limits",)
    assert "the key 'max_concurency' is not a known setting here" in error.problems[0]
    assert "Did you mean 'max_concurrency'?" in error.problems[0]


def test_config_rejects_unknown_key_without_close_match(tmp_path: Path) -> None:
    error = load_error(tmp_path, one_cluster("    colour: blue\n"))

    assert error.fields == ("connect_clusters[0]",)
    assert "Did you mean" not in error.problems[0]
    assert "The allowed keys are: auth, ca_secret_ref, limits, name, url." in error.problems[0]


def test_config_rejects_duplicate_cluster_names(tmp_path: Path) -> None:
    text = """\
        connect_clusters:
          - {name: main, url: "http://a:8083"}
          - {name: other, url: "http://b:8083"}
          - {name: main, url: "http://c:8083"}
        """

    error = load_error(tmp_path, text)

    assert error.fields == ("connect_clusters",)
    assert error.problems == (
        "connect_clusters: the Kafka Connect cluster name 'main' is used more than once. "
        "Give each cluster its own name.",
    )


def test_config_requires_a_cluster(tmp_path: Path) -> None:
    error = load_error(tmp_path, "connect_clusters: []\n")

    assert error.fields == ("connect_clusters",)


def test_config_requires_connect_clusters_key(tmp_path: Path) -> None:
    error = load_error(tmp_path, "defaults: {}\n")

    assert error.problems == ("connect_clusters: is required.",)


@pytest.mark.parametrize(
    "url", ["ftp://connect:8083", "connect:8083", "file:///etc/passwd", "ws://connect"]
)
def test_config_rejects_url_scheme(tmp_path: Path, url: str) -> None:
    error = load_error(tmp_path, one_cluster(url=url))

    assert error.fields == ("connect_clusters[0].url",)
    assert "is not supported. Use an http:// or https:// URL" in error.problems[0]


def test_config_rejects_url_without_host(tmp_path: Path) -> None:
    error = load_error(tmp_path, one_cluster(url="http://:8083"))

    assert error.problems == (
        "connect_clusters[0].url: the URL has no host name. Add the host of the Kafka Connect "
        "REST API.",
    )


def test_config_rejects_url_credentials(tmp_path: Path) -> None:
    error = load_error(tmp_path, one_cluster(url="https://admin:s3cr3t-pw@connect:8083"))

    assert error.fields == ("connect_clusters[0].url",)
    assert "reference a Secret in auth.secret_ref instead" in str(error)
    assert "s3cr3t-pw" not in str(error)
    assert "admin" not in str(error)


def test_config_rejects_url_with_query(tmp_path: Path) -> None:
    error = load_error(tmp_path, one_cluster(url="https://connect:8083/?token=abc"))

    assert "the URL has a query or fragment" in error.problems[0]
    assert "abc" not in str(error)


def test_config_rejects_url_with_bad_port(tmp_path: Path) -> None:
    error = load_error(tmp_path, one_cluster(url="http://connect:99999"))

    assert error.problems == (
        "connect_clusters[0].url: the URL has an invalid port. Use a port from 1 to 65535.",
    )


def test_config_keeps_url_path(tmp_path: Path) -> None:
    path = write_config(tmp_path, one_cluster(url="https://gateway/kafka-connect/"))

    assert OperatorConfig.from_yaml_file(path).connect_clusters[0].url == (
        "https://gateway/kafka-connect"
    )


def test_config_rejects_bad_cluster_name(tmp_path: Path) -> None:
    text = 'connect_clusters:\n  - {name: Main_Cluster, url: "http://a:8083"}\n'

    error = load_error(tmp_path, text)

    assert error.fields == ("connect_clusters[0].name",)
    assert "'Main_Cluster' is not a valid Kafka Connect cluster name" in error.problems[0]


@pytest.mark.parametrize(
    ("limits", "field"),
    [
        ("{max_concurrency: 0}", "max_concurrency"),
        ("{max_concurrency: 33}", "max_concurrency"),
        ("{requests_per_second: 0}", "requests_per_second"),
        ("{burst: 0}", "burst"),
        ("{restarts_per_worker: 0}", "restarts_per_worker"),
        ("{request_timeout_seconds: 0}", "request_timeout_seconds"),
        ("{max_retries: -1}", "max_retries"),
        ("{backoff_base_seconds: 0}", "backoff_base_seconds"),
        ("{max_concurrency: many}", "max_concurrency"),
    ],
)
def test_config_rejects_bad_limit(tmp_path: Path, limits: str, field: str) -> None:
    error = load_error(tmp_path, one_cluster(f"    limits: {limits}\n"))

    assert error.fields == (f"connect_clusters[0].limits.{field}",)


def test_config_rejects_backoff_max_below_base(tmp_path: Path) -> None:
    limits = "    limits: {backoff_base_seconds: 10, backoff_max_seconds: 5}\n"

    error = load_error(tmp_path, one_cluster(limits))

    assert error.problems == (
        "connect_clusters[0].limits: backoff_max_seconds (5.0) must not be less than "
        "backoff_base_seconds (10.0).",
    )


@pytest.mark.parametrize(
    ("defaults", "field"),
    [
        ("{verify_timeout_seconds: 3601}", "verify_timeout_seconds"),
        ("{status_update_interval_seconds: 0}", "status_update_interval_seconds"),
        ("{verify_poll_interval_seconds: -1}", "verify_poll_interval_seconds"),
        ("{blocking_confirm_seconds: -0.5}", "blocking_confirm_seconds"),
    ],
)
def test_config_rejects_bad_default(tmp_path: Path, defaults: str, field: str) -> None:
    error = load_error(tmp_path, one_cluster() + f"defaults: {defaults}\n")

    assert error.fields == (f"defaults.{field}",)


def test_config_rejects_unknown_auth_type(tmp_path: Path) -> None:
    auth = "    auth: {type: digest, secret_ref: {name: s}}\n"

    error = load_error(tmp_path, one_cluster(auth))

    assert error.fields == ("connect_clusters[0].auth.type",)
    assert "'basic' or 'bearer'" in error.problems[0]


def test_config_rejects_token_key_for_basic_auth(tmp_path: Path) -> None:
    auth = "    auth: {type: basic, secret_ref: {name: s, token_key: t}}\n"

    error = load_error(tmp_path, one_cluster(auth))

    assert error.problems == (
        "connect_clusters[0].auth: secret_ref.token_key applies only to type: bearer. For "
        "type: basic, set username_key and password_key, or remove token_key.",
    )


def test_config_rejects_password_key_for_bearer_auth(tmp_path: Path) -> None:
    auth = "    auth: {type: bearer, secret_ref: {name: s, password_key: p}}\n"

    error = load_error(tmp_path, one_cluster(auth))

    assert error.fields == ("connect_clusters[0].auth",)
    assert "apply only to type: basic" in error.problems[0]


@pytest.mark.parametrize("name", ["Bad_Name", "-leading", "x" * 254])
def test_config_rejects_bad_secret_name(tmp_path: Path, name: str) -> None:
    text = (
        one_cluster()
        + f"signal_credentials:\n  - {{connector_pattern: '*', secret_ref: {{name: '{name}'}}}}\n"
    )

    error = load_error(tmp_path, text)

    assert error.fields == ("signal_credentials[0].secret_ref.name",)


def test_config_rejects_empty_connector_pattern(tmp_path: Path) -> None:
    text = (
        one_cluster() + "signal_credentials:\n  - {connector_pattern: ' ', secret_ref: {name: s}}\n"
    )

    error = load_error(tmp_path, text)

    assert error.problems == (
        "signal_credentials[0].connector_pattern: the connector pattern must not be empty. "
        "Use a glob such as 'orders-*', or '*' for every connector.",
    )


def test_config_lists_every_problem(tmp_path: Path) -> None:
    text = """\
        connect_clusters:
          - {name: a, url: "ftp://a"}
          - {name: b, url: "http://b", limits: {burst: 0}}
        defaults: {verify_poll_interval_seconds: 0}
        """

    error = load_error(tmp_path, text)

    assert error.fields == (
        "connect_clusters[0].url",
        "connect_clusters[1].limits.burst",
        "defaults.verify_poll_interval_seconds",
    )


def test_config_error_names_path_and_fix(tmp_path: Path) -> None:
    error = load_error(tmp_path, one_cluster(url="ftp://a"))

    assert isinstance(error, ConfigError)
    assert error.path == str(tmp_path / "config.yaml")
    assert str(error).startswith(f"The operator configuration {error.path} is invalid: ")
    assert str(error).endswith(
        "Fix the file (in the Helm chart: the config value) and restart the operator."
    )


def test_config_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"

    with pytest.raises(ConfigFileError) as caught:
        OperatorConfig.from_yaml_file(path)

    assert caught.value.path == str(path)
    assert caught.value.problems == ("No such file or directory.",)
    assert str(caught.value) == (
        f"The operator configuration {path} cannot be read: No such file or directory. "
        "Check the path given to --config."
    )


def test_config_invalid_yaml(tmp_path: Path) -> None:
    error = load_error(tmp_path, "connect_clusters: [\n")

    assert error.problems[0].startswith("The file is not valid YAML: ")
    assert "line" in error.problems[0]


@pytest.mark.parametrize(
    ("text", "kind"), [("", "empty"), ("- a\n- b\n", "a list"), ("just text\n", "a str")]
)
def test_config_top_level_must_be_mapping(tmp_path: Path, text: str, kind: str) -> None:
    error = load_error(tmp_path, text)

    assert error.problems == (
        f"The top level must be a mapping with connect_clusters, not {kind}.",
    )


@pytest.mark.parametrize(
    ("connector", "secret"),
    [
        ("orders-pg", "orders-signals"),
        ("orders-eu-1", "orders-signals"),
        ("stock-pg", "pg-signals"),
        ("stock-mg", "pg-signals"),
        ("stock-xg", None),
        ("Orders-pg", "pg-signals"),
        ("billing", None),
    ],
)
def test_credentials_for_first_matching_glob(
    tmp_path: Path, connector: str, secret: str | None
) -> None:
    config = OperatorConfig.from_yaml_file(write_config(tmp_path, FULL_CONFIG))

    found = config.credentials_for(connector)

    assert (found.name if found else None) == secret


def test_credentials_for_returns_secret_ref_with_keys(tmp_path: Path) -> None:
    config = OperatorConfig.from_yaml_file(write_config(tmp_path, FULL_CONFIG))

    assert config.credentials_for("stock-pg") == SecretRef(
        name="pg-signals", namespace="db", username_key="u", password_key="p"
    )
    assert config.credentials_for("orders-pg") == SecretRef(name="orders-signals")


def test_credentials_for_without_entries(tmp_path: Path) -> None:
    config = OperatorConfig.from_yaml_file(write_config(tmp_path, one_cluster()))

    assert config.credentials_for("orders-pg") is None


def test_redacted_summary_contents(tmp_path: Path) -> None:
    config = OperatorConfig.from_yaml_file(write_config(tmp_path, FULL_CONFIG))

    summary = config.redacted_summary()

    assert summary["connect_clusters"][0] == {
        "name": "default",
        "url": "https://connect.kafka.svc:8083",
        "auth": {"type": "basic", "secret": "kafka/connect-admin"},
        "ca_secret": "connect-ca",
        "limits": {
            "max_concurrency": 4,
            "requests_per_second": 2.5,
            "burst": 3,
            "restarts_per_worker": 2,
            "request_timeout_seconds": 10.0,
            "max_retries": 3,
            "backoff_base_seconds": 1.0,
            "backoff_max_seconds": 20.0,
        },
    }
    assert summary["connect_clusters"][1]["auth"] == {"type": "bearer", "secret": "analytics-token"}
    assert summary["signal_credentials"] == [
        {"connector_pattern": "orders-*", "secret": "orders-signals"},
        {"connector_pattern": "orders-eu-?", "secret": "never-reached"},
        {"connector_pattern": "*-[pm]g", "secret": "db/pg-signals"},
    ]
    assert summary["defaults"] == {
        "verify_timeout_seconds": 300,
        "status_update_interval_seconds": 10.0,
        "verify_poll_interval_seconds": 1.5,
        "blocking_confirm_seconds": 0.0,
    }


def test_redacted_summary_has_no_secret_keys(tmp_path: Path) -> None:
    config = OperatorConfig.from_yaml_file(write_config(tmp_path, FULL_CONFIG))

    logged = json.dumps(config.redacted_summary())

    for key_field in ("username_key", "password_key", "token_key", "secret_ref"):
        assert key_field not in logged
    # The custom Secret data keys from the file do not reach the log either.
    assert '"u"' not in logged
    assert '"p"' not in logged


def test_config_is_frozen(tmp_path: Path) -> None:
    config = OperatorConfig.from_yaml_file(write_config(tmp_path, one_cluster()))

    with pytest.raises(ValueError):
        config.connect_clusters[0].limits.max_concurrency = 10  # type: ignore[misc]
