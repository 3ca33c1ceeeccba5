"""Start, watch and stop the stack's background processes.

Each component runs detached from the process that started it (its own session), so a running
stack outlives one pytest run and the next run reuses it. A component is tracked by a pid file in
the stack folder; its output goes to one log file per component under ``logs/``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from . import config


class StackError(RuntimeError):
    """A component of the local stack failed to build, start or stop."""


@dataclass(frozen=True)
class Component:
    """A background process of the stack: its name, the port it serves and its log file."""

    name: str
    port: int

    @property
    def pid_file(self) -> Path:
        return config.stack_dir() / "run" / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return config.log_dir() / f"{self.name}.log"

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        return pid if pid_alive(pid) else None

    def is_running(self) -> bool:
        return self.pid() is not None and port_open(self.port)


def memory_mib(component: Component) -> tuple[int, int]:
    """Return the resident and peak resident memory (MiB) of the component's process group."""
    pid = component.pid()
    if pid is None:
        return 0, 0
    group = os.getpgid(pid)
    resident = peak = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != group:
                continue
            fields = dict(
                line.split(":", 1)
                for line in (entry / "status").read_text().splitlines()
                if ":" in line
            )
        except (ProcessLookupError, FileNotFoundError, PermissionError):
            continue
        resident += int(fields.get("VmRSS", "0 kB").split()[0])
        peak += int(fields.get("VmHWM", "0 kB").split()[0])
    return resident // 1024, peak // 1024


def leftover_processes() -> list[tuple[int, str]]:
    """Return the processes whose command line names the stack folder (every component's does)."""
    marker = str(config.stack_dir())
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (FileNotFoundError, PermissionError, ProcessLookupError):
            continue
        if marker in command and pid_alive(int(entry.name)):
            found.append((int(entry.name), command.strip()[:200]))
    return found


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # kill(0) succeeds on a zombie too, but a zombie no longer runs.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[-1].split()[0] != "Z"


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def as_user(user: str, command: Sequence[str]) -> list[str]:
    """Wrap a command to run as a service user when we are root (the databases refuse root)."""
    if os.geteuid() == 0:
        return ["runuser", "-u", user, "--", *command]
    return list(command)


def run(command: Sequence[str], *, what: str, log: Path | None = None, **kwargs: object) -> str:
    """Run a command to completion and return its output, or raise StackError naming ``what``."""
    result = subprocess.run(  # commands are built from constants in this package
        list(command),
        capture_output=True,
        text=True,
        check=False,
        **kwargs,  # type: ignore[call-overload]
    )
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a") as handle:
            handle.write(f"$ {' '.join(command)}\n{result.stdout}{result.stderr}\n")
    if result.returncode != 0:
        where = f" See {log}." if log is not None else ""
        raise StackError(
            f"{what} failed with exit code {result.returncode}: "
            f"{(result.stderr or result.stdout).strip()[-2000:]}{where}"
        )
    return str(result.stdout)


def start(
    component: Component,
    command: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> int:
    """Start ``command`` detached, with its output appended to the component's log file."""
    component.pid_file.parent.mkdir(parents=True, exist_ok=True)
    component.log_file.parent.mkdir(parents=True, exist_ok=True)
    with component.log_file.open("ab") as log:
        log.write(
            f"\n=== {time.strftime('%Y-%m-%d %H:%M:%S')} starting: {' '.join(command)}\n".encode()
        )
        log.flush()
        process = subprocess.Popen(  # commands are built from constants in this package
            list(command),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, **(env or {})},
            cwd=cwd,
        )
    component.pid_file.write_text(str(process.pid))
    return process.pid


def wait_until(
    component: Component,
    healthy: Callable[[], bool],
    *,
    timeout: float,
    hint: str,
) -> None:
    """Wait until ``healthy()`` is true, or raise a StackError that points to the log file."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while time.monotonic() < deadline:
        pid = component.pid()
        if pid is None and component.pid_file.exists():
            raise StackError(
                f"{component.name} exited during start-up. {hint} "
                f"Its log is {component.log_file}:\n{tail(component.log_file)}"
            )
        try:
            if healthy():
                return
        except Exception as error:  # any failure of a probe means "not ready yet"
            last_error = error
        time.sleep(0.5)
    detail = f" The last health check failed with: {last_error}." if last_error else ""
    raise StackError(
        f"{component.name} did not become healthy within {timeout:.0f} s.{detail} {hint} "
        f"Its log is {component.log_file}:\n{tail(component.log_file)}"
    )


def stop(component: Component, *, timeout: float = 30.0) -> None:
    """Stop the component's process group: SIGTERM, then SIGKILL after ``timeout`` seconds."""
    pid = component.pid()
    if pid is not None:
        _signal_group(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        if pid_alive(pid):
            _signal_group(pid, signal.SIGKILL)
            while pid_alive(pid):
                time.sleep(0.1)
    component.pid_file.unlink(missing_ok=True)


def _signal_group(pid: int, signum: int) -> None:
    try:
        os.killpg(pid, signum)
    except ProcessLookupError:
        pass
    except PermissionError:
        os.kill(pid, signum)


def tail(path: Path, lines: int = 25) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log written)"
