"""Settings, read once from the environment (``SVODKA_*``).

One dataclass so that every service, the CLI and the tests agree on topic names,
addresses and batch sizes. ``Settings.from_env()`` is the only reader of os.environ.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

# Topic names are part of the product's interface: docker-compose and the docs use them too.
TOPIC_RAW = "articles.raw"
TOPIC_UNIQUE = "articles.unique"
TOPIC_DUPLICATES = "articles.duplicates"
TOPIC_ENRICHED = "articles.enriched"
TOPIC_DLQ = "articles.dlq"
PIPELINE_TOPICS = (TOPIC_RAW, TOPIC_UNIQUE, TOPIC_DUPLICATES, TOPIC_ENRICHED, TOPIC_DLQ)


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


@dataclass(frozen=True)
class Settings:
    home: Path = Path(".svodka")
    kafka_bootstrap: str = "127.0.0.1:9092"
    kafka_port: int = 9092
    partitions: int = 8
    replication_factor: int = 1  # of the topics svodka creates (3 on a production cluster)
    clickhouse_url: str = "chdb://./.svodka/clickhouse"
    sink_batch_size: int = 1000
    sink_batch_seconds: float = 0.4  # freshness: p99 ingest → queryable ≤ 1 s (docs/BENCHMARKS.md)
    query_timeout_s: float = 30.0
    dedup_window_days: int = 30
    log_level: str = "warn"
    manage_kafka: bool = True  # svodka up/down run the local broker (off when a bootstrap is given)
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_env(cls) -> "Settings":
        home = Path(_env("SVODKA_HOME", ".svodka"))
        port = int(_env("SVODKA_KAFKA_PORT", "9092"))
        return cls(
            home=home,
            kafka_port=port,
            kafka_bootstrap=_env("SVODKA_KAFKA_BOOTSTRAP", f"127.0.0.1:{port}"),
            partitions=int(_env("SVODKA_PARTITIONS", "8")),
            replication_factor=int(_env("SVODKA_REPLICATION_FACTOR", "1")),
            clickhouse_url=_env("SVODKA_CLICKHOUSE_URL", f"chdb://{home / 'clickhouse'}"),
            sink_batch_size=int(_env("SVODKA_SINK_BATCH_SIZE", "1000")),
            sink_batch_seconds=float(_env("SVODKA_SINK_BATCH_SECONDS", "0.4")),
            query_timeout_s=float(_env("SVODKA_QUERY_TIMEOUT", "30")),
            dedup_window_days=int(_env("SVODKA_DEDUP_WINDOW_DAYS", "30")),
            log_level=_env("SVODKA_LOG_LEVEL", "warn"),
            manage_kafka=not os.environ.get("SVODKA_KAFKA_BOOTSTRAP", "").strip(),
        )

    def with_(self, **changes) -> "Settings":
        return replace(self, **changes)

    @property
    def run_dir(self) -> Path:
        return self.home / "run"

    @property
    def log_dir(self) -> Path:
        return self.home / "logs"
