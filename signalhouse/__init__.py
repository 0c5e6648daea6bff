"""Signalhouse: a dbt-style batch warehouse for product analytics on DuckDB."""

__version__ = "0.1.0"
