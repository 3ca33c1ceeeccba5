"""Per-source work: classify the running snapshot, plan the safe stop, run and verify it.

``families`` and ``detect`` are pure functions over data read from Kafka Connect's REST API,
so they can be tested without a cluster.
"""
