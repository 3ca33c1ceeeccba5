"""Operator start-up and clean-up: kopf settings, the shared runtime, and its closing.

The settings keep kopf's own bookkeeping out of the resource's status: handler progress and
the last handled spec go to annotations under the operator's own prefix, where another kopf
operator in the cluster cannot collide with them.
"""

from __future__ import annotations

import logging
from typing import Any

import kopf

from snapshot_operator import __version__
from snapshot_operator.handlers.kube import KubeApi
from snapshot_operator.handlers.runtime import Runtime
from snapshot_operator.models.config import OperatorConfig

logger = logging.getLogger(__name__)

ANNOTATION_PREFIX = "snapshot-operator.dev"


@kopf.on.startup()
async def start_operator(settings: kopf.OperatorSettings, memo: kopf.Memo, **_: Any) -> None:
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(
        prefix=ANNOTATION_PREFIX
    )
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(
        prefix=ANNOTATION_PREFIX, key="last-handled-configuration"
    )
    settings.persistence.finalizer = f"{ANNOTATION_PREFIX}/finalizer"
    settings.posting.level = logging.INFO
    settings.scanning.disabled = True
    settings.execution.max_workers = 4

    config: OperatorConfig = memo.config
    logger.info(
        "snapshot-operator %s starting with configuration %s",
        __version__,
        config.redacted_summary(),
    )
    runtime = Runtime(config, KubeApi.from_environment(memo.default_namespace))
    await runtime.open_clients()
    memo.runtime = runtime


@kopf.on.cleanup()
async def stop_operator(memo: kopf.Memo, **_: Any) -> None:
    runtime: Runtime | None = getattr(memo, "runtime", None)
    if runtime is not None:
        await runtime.close()
    logger.info("snapshot-operator stopped")
