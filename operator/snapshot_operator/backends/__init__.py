"""Backends that talk to external systems: the Kafka Connect REST API and signal channels.

``connect`` is the Kafka Connect client. ``limiter`` and ``retry`` protect each Connect
cluster from the operator's own load. Backends import only ``snapshot_operator.errors``
and, where they need it, ``snapshot_operator.models``.
"""
