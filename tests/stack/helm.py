"""The helm command-line tool, built from the Go module proxy at a pinned version.

``go install helm.sh/helm/v4/cmd/helm@v4.3.2`` builds helm straight from its published module
(helm's go.mod has no replace lines, unlike k8s.io/kubernetes). The binary goes to the cache
folder, keyed by version, and is built only when missing. CGO is off, as in helm's own release
builds, so the binary needs no C toolchain.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from . import config, proc
from .proc import StackError

HELM_VERSION = "v4.3.2"
HELM_PACKAGE = "helm.sh/helm/v4/cmd/helm"

__all__ = ["HELM_VERSION", "StackError", "build", "helm_binary"]


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
    # go install writes the binary into GOBIN under its command name; a partial folder that is
    # renamed at the end means an interrupted build never leaves a half-written binary behind.
    partial = bin_dir().with_name(f"{bin_dir().name}.partial")
    partial.mkdir(parents=True, exist_ok=True)
    log.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "CGO_ENABLED": "0", "GOBIN": str(partial)}
    started = time.monotonic()
    proc.run(
        ["go", "install", "-trimpath", f"{HELM_PACKAGE}@{HELM_VERSION}"],
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
