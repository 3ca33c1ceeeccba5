"""Session fixtures: the real local stack, brought up once per run or reused when running."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests import stack as local_stack
from tests.support.connectors import ConnectAdmin


@pytest.fixture(scope="session")
def stack() -> local_stack.StackInfo:
    """Start the local stack (or reuse a running one) and return where its components listen."""
    return local_stack.up()


@pytest.fixture(scope="session")
def kube_api(stack: local_stack.StackInfo) -> Iterator[object]:
    """A kubernetes ApiClient signed in as the stack's admin."""
    from kubernetes import config

    api_client = config.new_client_from_config(config_file=str(stack.kubeconfig))
    yield api_client
    api_client.close()


@pytest.fixture
def connect_admin(stack: local_stack.StackInfo) -> Iterator[ConnectAdmin]:
    admin = ConnectAdmin(stack)
    yield admin
    admin.close()
