"""End-to-end fixtures: the CRD installed, a namespace, and the operator running as a process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client

from tests.stack import StackInfo
from tests.support.connectors import ConnectAdmin, unique_suffix
from tests.support.operator_process import OperatorProcess, write_config
from tests.support.resources import ensure_namespace, install_crd
from tests.support.sources import Source, create_source, drop_source


@pytest.fixture(scope="session")
def crd(stack: StackInfo) -> None:
    install_crd(stack)


@pytest.fixture(scope="module")
def namespace(kube_api: client.ApiClient, crd: None) -> str:
    name = f"e2e-{unique_suffix()}"
    ensure_namespace(kube_api, name)
    return name


@pytest.fixture(scope="module")
def operator(
    stack: StackInfo, namespace: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[OperatorProcess]:
    folder = tmp_path_factory.mktemp("operator")
    config = write_config(stack, folder / "config.yaml")
    process = OperatorProcess(
        stack, config, [namespace], stack.log_dir / f"operator-{namespace}.log"
    )
    process.start()
    yield process
    process.stop()


@pytest.fixture(scope="module")
def module_admin(stack: StackInfo) -> Iterator[ConnectAdmin]:
    admin = ConnectAdmin(stack)
    yield admin
    admin.close()


class SourceFactory:
    """Creates sources for one test and drops them all afterwards."""

    def __init__(self, stack: StackInfo, admin: ConnectAdmin) -> None:
        self.stack = stack
        self.admin = admin
        self.created: list[Source] = []

    def __call__(self, family: str = "postgres", rows: int = 0, **extra: str) -> Source:
        source = create_source(self.stack, self.admin, family, rows, **extra)
        self.created.append(source)
        return source

    def drop_all(self) -> None:
        for source in self.created:
            drop_source(source)


@pytest.fixture
def sources(stack: StackInfo, module_admin: ConnectAdmin) -> Iterator[SourceFactory]:
    factory = SourceFactory(stack, module_admin)
    yield factory
    factory.drop_all()


def operator_log(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""
