"""Helpers that integration and end-to-end tests share: connectors, tables and topics."""
