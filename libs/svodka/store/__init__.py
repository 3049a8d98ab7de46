"""ClickHouse: one code path through clickhouse-connect, embedded (chDB) or server."""

from svodka.store.client import ClickHouseError, connect, database_of

__all__ = ["ClickHouseError", "connect", "database_of"]
