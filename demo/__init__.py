"""The README's demo: real Debezium snapshots on the local stack, stopped by one resource."""
