"""The ``snapshot-operator`` command: ``run`` starts the operator; ``--version`` prints it.

``run`` reads the configuration file first and exits with a message naming the file and the
bad field when it is invalid, before it contacts any API server. It then runs kopf against the
cluster of the current kubeconfig (or the pod's service account) in standalone mode: one
replica, no peering, as the Helm chart deploys it.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Sequence

from snapshot_operator import __version__
from snapshot_operator.errors import ConfigError
from snapshot_operator.models.config import OperatorConfig

DEFAULT_NAMESPACE_ENV = "SNAPSHOT_OPERATOR_NAMESPACE"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="snapshot-operator",
        description=(
            "Stop running Debezium snapshots on Kafka Connect, "
            "declared as BulkStopSnapshot resources."
        ),
    )
    parser.add_argument("--version", action="version", version=f"snapshot-operator {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    run = commands.add_parser("run", help="Run the operator until it is stopped.")
    run.add_argument(
        "--config", required=True, help="Path of the operator's YAML configuration file."
    )
    scope = run.add_mutually_exclusive_group(required=True)
    scope.add_argument(
        "-n",
        "--namespace",
        action="append",
        dest="namespaces",
        metavar="NAMESPACE",
        help="Watch BulkStopSnapshot resources in this namespace; repeat for several.",
    )
    scope.add_argument(
        "-A", "--all-namespaces", action="store_true", help="Watch resources in every namespace."
    )
    run.add_argument(
        "--secrets-namespace",
        default=os.environ.get(DEFAULT_NAMESPACE_ENV),
        help=(
            "Namespace of Secrets whose reference names none; default: the "
            f"{DEFAULT_NAMESPACE_ENV} environment variable, else the first watched namespace, "
            "else 'default'."
        ),
    )
    run.add_argument(
        "--liveness",
        metavar="URL",
        help="Serve kopf's health endpoint at this URL, for example http://0.0.0.0:8080/healthz.",
    )
    run.add_argument("-v", "--verbose", action="store_true", help="Log at DEBUG level.")
    run.add_argument(
        "--log-format",
        choices=["plain", "full", "json"],
        default="full",
        help="Log line format (kopf's formats). Default: full.",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        config = OperatorConfig.from_yaml_file(args.config)
    except ConfigError as error:
        print(f"snapshot-operator: {error}", file=sys.stderr)
        return 2
    return _run(args, config)


def _run(args: argparse.Namespace, config: OperatorConfig) -> int:
    import kopf

    import snapshot_operator.handlers  # noqa: F401 - registers the handlers with kopf

    kopf.configure(
        verbose=args.verbose,
        log_format=kopf.LogFormat[args.log_format.upper()],
        log_refkey="object",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    namespaces = args.namespaces or []
    default_namespace = args.secrets_namespace or (namespaces[0] if namespaces else "default")
    memo = kopf.Memo(config=config, default_namespace=default_namespace)
    asyncio.run(
        kopf.operator(
            standalone=True,
            clusterwide=bool(args.all_namespaces),
            namespaces=namespaces,
            liveness_endpoint=args.liveness,
            memo=memo,
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
