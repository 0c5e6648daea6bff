"""dbt-duckdb plugin: dbt's DuckDB connection takes the limits signalhouse's own take.

profiles.yml loads it (`plugins: - module: signalhouse.duckdb_limits`). With
SIGNALHOUSE_MEMORY_LIMIT or SIGNALHOUSE_TEMP_DIRECTORY set (or `--memory-limit` /
`--temp-directory` given to the CLI), dbt opens the warehouse with DuckDB's memory_limit and
temp_directory set, as `signalhouse.warehouse.connect` does: DuckDB spills past the limit
instead of growing, and under a memory limit glibc's mmap threshold is fixed as the CLI
fixes it (`warehouse.connection_limits`, shared by all three), also when dbt is run directly.
Unset, the connection is opened as without the plugin.
"""

from __future__ import annotations

from dbt.adapters.duckdb.plugins import BasePlugin

from signalhouse.warehouse import connection_limits


class Plugin(BasePlugin):
    def update_connection_config(self, creds, config: dict) -> None:
        config.update(connection_limits())
