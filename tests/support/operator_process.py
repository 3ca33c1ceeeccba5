"""Run the operator as a real process against the stack, the way a user runs it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.stack import StackInfo

TEST_CONFIG = """\
connect_clusters:
  - name: default
    url: {connect_url}
    limits:
      max_concurrency: 2
      requests_per_second: 20
      burst: 20
defaults:
  verify_timeout_seconds: 90
  status_update_interval_seconds: 1
  verify_poll_interval_seconds: 1
  blocking_confirm_seconds: 3
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def write_config(stack: StackInfo, path: Path, text: str = TEST_CONFIG) -> Path:
    path.write_text(text.format(connect_url=stack.connect_url))
    return path


class OperatorProcess:
    """``snapshot-operator run`` in a subprocess, watching the given namespaces."""

    def __init__(self, stack: StackInfo, config: Path, namespaces: list[str], log: Path) -> None:
        self.stack = stack
        self.config = config
        self.namespaces = namespaces
        self.log = log
        self.process: subprocess.Popen[bytes] | None = None
        self.port = free_port()

    def start(self, timeout: float = 60) -> OperatorProcess:
        command = [
            sys.executable,
            "-m",
            "snapshot_operator",
            "run",
            "--config",
            str(self.config),
            "--liveness",
            f"http://127.0.0.1:{self.port}/healthz",
            "--verbose",
        ]
        for namespace in self.namespaces:
            command += ["--namespace", namespace]
        env = {**os.environ, "KUBECONFIG": str(self.stack.kubeconfig)}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(
                    f"The operator exited with {self.process.returncode}; see {self.log}."
                )
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=1):
                    return self
            except OSError:
                time.sleep(0.3)
        raise AssertionError(
            f"The operator did not report healthy within {timeout} s; see {self.log}."
        )

    def kill(self) -> None:
        """Kill the process at once, as a node failure or an OOM kill would."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()

    def output(self) -> str:
        return self.log.read_text(errors="replace")
