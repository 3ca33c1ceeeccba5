"""Stop running Debezium snapshots on Kafka Connect, declared as a Kubernetes resource."""

__version__ = "0.1.0"
