"""Run the demo: ``make demo`` (or ``.venv/bin/python -m demo``).

It brings the local stack up and creates Debezium connectors over PostgreSQL and MariaDB tables.
It starts incremental snapshots on some and blocking snapshots on others, and leaves one
streaming. Then it runs the operator and applies ``demo/bulkstopsnapshot.yaml``, which also names
a connector that does not exist. It prints ``kubectl get bss`` and the status, and shows that
streaming goes on: a row inserted after the stop arrives in Kafka. ``python -m demo clean``
removes what the demo created.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from kubernetes import config as kube_config
from tests import stack as local_stack
from tests.stack import StackInfo
from tests.support.connectors import ConnectAdmin
from tests.support.operator_process import OperatorProcess, write_config
from tests.support.resources import ensure_namespace, install_crd, kubectl
from tests.support.sources import (
    Source,
    blocking_running,
    create_source,
    drop_source,
    incremental_running,
    named_spec,
)

HERE = Path(__file__).resolve().parent
NAMESPACE = "demo"
RESOURCE = "stop-all-snapshots"

# name, family, rows, snapshot to start ("incremental", "blocking" or None)
SOURCES = [
    ("demo-orders-pg", "postgres", 200_000, "incremental"),
    ("demo-customers-pg", "postgres", 400_000, "blocking"),
    ("demo-inventory-mariadb", "mariadb", 200_000, "incremental"),
    ("demo-payments-mariadb", "mariadb", 300_000, "blocking"),
    ("demo-shipments-pg", "postgres", 1_000, None),
]


def say(text: str) -> None:
    print(f"\n==> {text}", flush=True)


def clean(stack: StackInfo, admin: ConnectAdmin) -> None:
    """Remove the demo's resource, connectors, offsets, tables, slots and publications."""
    kubectl(stack, "delete", "bss", RESOURCE, "-n", NAMESPACE, "--ignore-not-found", check=False)
    for name, family, _, _ in SOURCES:
        drop_source(Source(stack, admin, named_spec(name, family)), reset_offsets=True)


def create_sources(stack: StackInfo, admin: ConnectAdmin) -> list[Source]:
    created = []
    for name, family, rows, snapshot in SOURCES:
        source = create_source(stack, admin, family, rows, name=name)
        created.append(source)
        print(f"    {name}: {family} connector over {source.spec.qualified_table} ({rows:,} rows)")
        if snapshot is not None:
            source.start_snapshot(snapshot)
    for source, (_, _, _, snapshot) in zip(created, SOURCES, strict=True):
        if snapshot == "incremental":
            source.wait_offsets(incremental_running, f"the incremental snapshot of {source.name}")
        elif snapshot == "blocking":
            source.wait_offsets(blocking_running, f"the blocking snapshot of {source.name}")
        state = snapshot or "streaming only"
        print(
            f"    {source.name}: {state}; snapshot keys in its offsets: "
            f"{sorted(k for k in source.offsets() if 'snapshot' in k)}"
        )
    return created


def show_streaming(stack: StackInfo, sources: list[Source]) -> None:
    for number, source in enumerate(sources, start=1):
        row_id = 9_000_000 + number
        reached = source.row_reaches_kafka(row_id, "inserted after the stop")
        arrived = "arrived" if reached else "DID NOT arrive"
        print(
            f"    {source.name}: row {row_id} inserted after the stop {arrived} "
            f"in Kafka topic {source.spec.topic}"
        )


def run_demo() -> int:
    say("Checking the local stack (a first run builds it; see the README's Local stack section)")
    stack = local_stack.up()
    admin = ConnectAdmin(stack)
    try:
        install_crd(stack)
        ensure_namespace(
            kube_config.new_client_from_config(config_file=str(stack.kubeconfig)), NAMESPACE
        )
        clean(stack, admin)

        say("Creating Debezium connectors and starting snapshots")
        sources = create_sources(stack, admin)

        say("Starting the operator")
        config = write_config(stack, stack.log_dir / "demo-operator.yaml")
        operator = OperatorProcess(
            stack, config, [NAMESPACE], stack.log_dir / "demo-operator.log"
        ).start()
        print(
            f"    snapshot-operator run --config {config} --namespace {NAMESPACE}"
            f"   (log: {operator.log})"
        )
        try:
            say(f"kubectl apply -f {HERE.relative_to(Path.cwd()) / 'bulkstopsnapshot.yaml'}")
            print(
                kubectl(stack, "apply", "-f", str(HERE / "bulkstopsnapshot.yaml")).stdout.rstrip()
            )
            say(f"kubectl wait --for=jsonpath='{{.status.completionTime}}' bss/{RESOURCE}")
            started = time.monotonic()
            kubectl(
                stack,
                "wait",
                "--for=jsonpath={.status.completionTime}",
                f"bss/{RESOURCE}",
                "-n",
                NAMESPACE,
                "--timeout=600s",
            )
            print(f"    finished in {time.monotonic() - started:.0f} s")
        finally:
            operator.stop()

        say(f"kubectl get bss -n {NAMESPACE} -o wide")
        print(kubectl(stack, "get", "bss", "-n", NAMESPACE, "-o", "wide").stdout.rstrip())
        say("The status")
        status = kubectl(
            stack, "get", "bss", RESOURCE, "-n", NAMESPACE, "-o", "jsonpath={.status}"
        ).stdout
        document = json.loads(status)
        print(f"    phase: {document['phase']}; summary: {document['summary']}")
        for result in document["results"]:
            data = result["data"]
            print(
                f"    {result['id']:24} success={str(result['success']).lower():5} "
                f"snapshotType={data['snapshotType']:11} action={data['action']:7} "
                f"outcome={data['outcome']}"
            )
            print(f"        {result['message']}")

        say("Streaming goes on after the stop")
        show_streaming(stack, sources)
        say(
            "Done. `make demo-clean` removes the demo's connectors and tables; "
            "`make stack-down` stops the stack."
        )
        return 0
    finally:
        admin.close()


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m demo", description=__doc__)
    parser.add_argument("command", nargs="?", choices=["run", "clean"], default="run")
    args = parser.parse_args()
    if args.command == "clean":
        stack = local_stack.up()
        admin = ConnectAdmin(stack)
        clean(stack, admin)
        admin.close()
        print(
            f"Removed the demo's BulkStopSnapshot, connectors (with their offsets), tables, "
            "replication slots and publications. Its Kafka topics stay; `make stack-down` and "
            f"deleting {stack.log_dir.parent} remove everything."
        )
        return 0
    return run_demo()


if __name__ == "__main__":
    sys.exit(main())
