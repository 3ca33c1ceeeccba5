"""kopf glue: importing this package registers the operator's handlers with kopf."""

from snapshot_operator.handlers import bulkstop, lifecycle

__all__ = ["bulkstop", "lifecycle"]
