"""svodka: streaming ingestion of Russian-language news into ClickHouse.

The package holds the pure logic (records, text normalisation, dedup, extraction)
and the thin I/O layers the services use (ClickHouse schema and writer, local Kafka).
"""

__version__ = "0.1.0"
