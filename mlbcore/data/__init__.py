"""Snapshot tables: schema, reading and writing, and the synthetic demo season."""
