"""The kopf handler that runs a BulkStopSnapshot once, from creation to its final status.

One async handler serves both create and resume. It runs the whole selection itself, sources
concurrently inside it, instead of as kopf sub-handlers, which would run one per processing
cycle and each add an annotation. The ``when`` filter skips resources whose phase is final, so
a finished resource is never processed again, not even after an operator restart.

kopf runs an unfinished handler again from the start after a restart. The handler therefore
reads the results already in the status, skips those sources, and passes the sources recorded
as in flight to the engine, which detects them again and never acts on them twice.
"""

from __future__ import annotations

import logging
from typing import Any

import kopf

from snapshot_operator.engine.resolve import SelectionError
from snapshot_operator.engine.run import run_bulk_stop
from snapshot_operator.engine.source import SourceRun
from snapshot_operator.errors import ConfigError, ConnectError, ConnectUnavailable
from snapshot_operator.handlers.kube import GROUP, PLURAL, VERSION
from snapshot_operator.handlers.progress import ProgressRecorder
from snapshot_operator.handlers.runtime import Runtime
from snapshot_operator.models.spec import BulkStopSnapshotSpec, InvalidSpecError
from snapshot_operator.models.status import (
    MAX_RESULTS,
    TERMINAL_PHASES,
    BulkStopSnapshotStatus,
    Phase,
)

logger = logging.getLogger(__name__)


def _unfinished(status: kopf.Status, **_: Any) -> bool:
    return status.get("phase") not in {phase.value for phase in TERMINAL_PHASES}


@kopf.on.resume(GROUP, VERSION, PLURAL, when=_unfinished)
@kopf.on.create(GROUP, VERSION, PLURAL, when=_unfinished)
async def run_bulk_stop_snapshot(
    body: kopf.Body,
    spec: kopf.Spec,
    status: kopf.Status,
    meta: kopf.Meta,
    name: str,
    namespace: str | None,
    uid: str,
    memo: kopf.Memo,
    **_: Any,
) -> None:
    if namespace is None:  # The resource is namespaced, so kopf always passes one.
        raise kopf.PermanentError("A BulkStopSnapshot without a namespace cannot be handled.")
    runtime: Runtime = memo.runtime
    generation = meta.get("generation")
    prefix = f"[{namespace}/{name}]"
    recorder = ProgressRecorder(
        runtime.kube,
        namespace,
        name,
        BulkStopSnapshotStatus.from_k8s(status),
        interval=runtime.config.defaults.status_update_interval_seconds,
    )

    try:
        request = BulkStopSnapshotSpec.from_k8s(spec)
    except InvalidSpecError as error:
        await recorder.fail("InvalidSpec", str(error), generation)
        kopf.warn(body, reason="InvalidSpec", message=str(error))
        return

    cluster = runtime.config.find_cluster(request.connect_cluster)
    if cluster is None:
        known = ", ".join(c.name for c in runtime.config.connect_clusters)
        message = (
            f"spec.connectCluster is {request.connect_cluster!r}, which the operator configuration "
            f"does not define. Use one of: {known}."
        )
        await recorder.fail("UnknownConnectCluster", message, generation)
        kopf.warn(body, reason="UnknownConnectCluster", message=message)
        return

    try:
        client = await runtime.client(cluster)
    except ConfigError as error:
        await recorder.fail("ConnectCredentialsUnavailable", str(error), generation)
        kopf.warn(body, reason="ConnectCredentialsUnavailable", message=str(error))
        return

    resumed = bool(recorder.status.results or recorder.status.in_flight)
    await recorder.start(generation)
    kopf.info(
        body,
        reason="Resumed" if resumed else "Started",
        message=f"Stopping snapshots on Kafka Connect cluster {cluster.name}"
        + (" (dry run)." if request.dry_run else "."),
    )

    async def on_targets(targets: list[str]) -> None:
        if len(targets) > MAX_RESULTS:
            raise SelectionError(
                f"The selection matches {len(targets)} connectors, more than the {MAX_RESULTS} "
                "results one BulkStopSnapshot can hold. Narrow it with filters or list ids in "
                "several resources."
            )
        await recorder.set_targets(targets)

    run = SourceRun(
        client=client,
        resource_uid=uid,
        log_prefix=prefix,
        dry_run=request.dry_run,
        verify_timeout_seconds=request.verify_timeout_seconds,
        verify_poll_interval_seconds=runtime.config.defaults.verify_poll_interval_seconds,
        blocking_confirm_seconds=runtime.config.defaults.blocking_confirm_seconds,
        credentials=runtime.credentials_for,
        record_action=recorder.mark_in_flight,
        acted={entry.id: entry.action for entry in recorder.status.in_flight},
    )
    try:
        results = await run_bulk_stop(
            request,
            run,
            cluster_limit=cluster.limits.max_concurrency,
            recorded=recorder.status.results,
            on_targets=on_targets,
            on_result=recorder.add_result,
        )
    except SelectionError as error:
        await recorder.fail("InvalidSelection", str(error), generation)
        kopf.warn(body, reason="InvalidSelection", message=str(error))
        return
    except ConnectUnavailable as error:
        # Only the selection step lets this through: per-source errors become results.
        raise kopf.TemporaryError(f"{error} Retrying the selection.", delay=30) from error
    except ConnectError as error:
        await recorder.fail("ConnectError", str(error), generation)
        kopf.warn(body, reason="ConnectError", message=str(error))
        return

    phase = await recorder.finish(results, generation)
    message = recorder.status.message or ""
    if phase is Phase.SUCCEEDED:
        kopf.info(body, reason="Completed", message=message)
    else:
        kopf.warn(body, reason=phase.value, message=message)
