"""Command line of the local test stack: ``python -m tests.stack {up,down,status,env}``."""

from __future__ import annotations

import argparse
import sys
import time

from . import StackError, down, helm, info, up
from .databases import MARIADB, POSTGRES
from .kafka import CONNECT, KAFKA
from .kube import APISERVER, ETCD
from .proc import leftover_processes, memory_mib, port_open

COMPONENTS = (ETCD, APISERVER, POSTGRES, MARIADB, KAFKA, CONNECT)


def _status() -> int:
    running = 0
    total_resident = total_peak = 0
    for component in COMPONENTS:
        state = "running" if component.is_running() else "stopped"
        running += state == "running"
        resident, peak = memory_mib(component)
        total_resident += resident
        total_peak += peak
        print(
            f"{component.name:16} {state:8} 127.0.0.1:{component.port:<6}"
            f" RSS {resident:5} MiB (peak {peak:5} MiB)  log: {component.log_file}"
        )
    print(f"{'total':16} {'':8} {'':16} RSS {total_resident:5} MiB (peak {total_peak:5} MiB)")
    return 0 if running == len(COMPONENTS) else 1


def _env() -> None:
    stack = info()
    print(f"export KUBECONFIG={stack.kubeconfig}")
    print(f"export PATH={helm.bin_dir()}:{stack.kubectl.parent}:$PATH")
    print(f"export CONNECT_URL={stack.connect_url}")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.stack", description=__doc__)
    parser.add_argument("command", choices=["up", "down", "status", "env"])
    args = parser.parse_args()
    try:
        if args.command == "up":
            started = time.monotonic()
            up()
            print(f"The stack is up ({time.monotonic() - started:.0f} s).")
            return _status()
        if args.command == "down":
            down()
            busy = [c for c in COMPONENTS if port_open(c.port)]
            for component in busy:
                print(f"{component.name}: port {component.port} is still in use.", file=sys.stderr)
            left = leftover_processes()
            for pid, command in left:
                print(f"process {pid} is still running: {command}", file=sys.stderr)
            if not busy and not left:
                print("The stack is down: no listener and no process left.")
            return 1 if busy or left else 0
        if args.command == "env":
            _env()
            return 0
        return _status()
    except StackError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
