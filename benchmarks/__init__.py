"""Benchmarks that run the operator against simulated load; see README.md."""
