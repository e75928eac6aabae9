"""Observability: traces, logs, metrics and health of every process (docs/observability.md)."""
