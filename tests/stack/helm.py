"""The helm command-line tool, built from the Go module proxy at a pinned version.

``go install helm.sh/helm/v4/cmd/helm@v4.3.2`` builds helm straight from its published module
(helm's go.mod has no replace lines, unlike k8s.io/kubernetes). The binary goes to the cache
folder, keyed by version, and is built only when missing. CGO is off, as in helm's own release
builds, so the binary needs no C toolchain.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from . import config, proc
from .proc import StackError

HELM_VERSION = "v4.3.2"
HELM_PACKAGE = "helm.sh/helm/v4/cmd/helm"

__all__ = ["HELM_VERSION", "Helm", "StackError", "build", "helm_binary"]


def bin_dir() -> Path:
    return config.cache_dir() / "bin" / f"helm-{HELM_VERSION}"


def helm_binary() -> Path:
    return bin_dir() / "helm"


def build() -> Path:
    """Build helm into the cache folder unless it is there already, and return its path."""
    target = helm_binary()
    if target.exists():
        return target
    log = config.log_dir() / "build-helm.log"
    # go install writes the binary into GOBIN under its command name. GOBIN is a partial folder,
    # renamed at the end, so an interrupted build never leaves a half-written binary behind.
    partial = bin_dir().with_name(f"{bin_dir().name}.partial")
    partial.mkdir(parents=True, exist_ok=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    # The same version stamp helm's own Makefile sets, so `helm version` prints the full version.
    ldflags = f"-s -w -X helm.sh/helm/v4/internal/version.version={HELM_VERSION}"
    env = {**os.environ, "CGO_ENABLED": "0", "GOBIN": str(partial)}
    started = time.monotonic()
    proc.run(
        ["go", "install", "-trimpath", "-ldflags", ldflags, f"{HELM_PACKAGE}@{HELM_VERSION}"],
        what=f"Building helm {HELM_VERSION} ({HELM_PACKAGE}) with go",
        log=log,
        env=env,
        cwd=config.cache_dir(),
    )
    if not (partial / "helm").exists():
        raise StackError(f"go install finished but wrote no helm binary to {partial}. See {log}.")
    bin_dir().parent.mkdir(parents=True, exist_ok=True)
    partial.rename(bin_dir())
    with log.open("a") as handle:
        handle.write(f"Built helm {HELM_VERSION} in {time.monotonic() - started:.0f} s.\n")
    return target


class Helm:
    """Run the built helm against one kubeconfig, with its own config, cache and data folders.

    The folders live under ``home``, so tests neither read nor change the user's helm setup
    (repositories, registry logins, plugins).
    """

    def __init__(self, kubeconfig: Path, home: Path) -> None:
        self.kubeconfig = kubeconfig
        self.env = {
            **os.environ,
            "HELM_CONFIG_HOME": str(home / "config"),
            "HELM_CACHE_HOME": str(home / "cache"),
            "HELM_DATA_HOME": str(home / "data"),
            "KUBECONFIG": str(kubeconfig),
        }

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        """Run ``helm ARGS``; with ``check``, raise StackError naming the command on failure."""
        command = [str(helm_binary()), *args]
        result = subprocess.run(  # the arguments come from the tests, never from a user
            command, capture_output=True, text=True, env=self.env, check=False
        )
        if check and result.returncode != 0:
            raise StackError(
                f"`helm {' '.join(args)}` failed with exit code {result.returncode}: "
                f"{result.stderr.strip() or result.stdout.strip()}"
            )
        return result
