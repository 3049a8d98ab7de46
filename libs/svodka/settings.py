"""Settings: every ``SVODKA_*`` environment variable, read and checked in one place.

``Settings.from_env(environ)`` is the only reader of the environment in svodka (a
test walks the package for others). The settings are grouped by who uses them —
``kafka``, ``worker``, ``dedup``, ``extract``, ``sink``, ``query``, ``observe`` — each
group a frozen dataclass whose fields declare, once, the variable, the default and
a one-line meaning (``setting(...)``). The README's configuration table and the
command-line help are generated from those fields (``table_markdown``,
``help_epilog``) and a test fails when the README drifts from them.

A value that cannot be used is refused when read, with a ``SettingsError`` naming
the variable, the value and what is expected; an empty variable is the same as an
unset one. A few defaults are derived from other settings and shown as such:
the bootstrap server from the local broker's port, the ClickHouse URL and a
worker's data dir from ``SVODKA_HOME``.
"""

from __future__ import annotations

import dataclasses
import os
import shlex
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

__all__ = [
    "PIPELINE_TOPICS", "TOPIC_DLQ", "TOPIC_DUPLICATES", "TOPIC_ENRICHED", "TOPIC_RAW", "TOPIC_UNIQUE",
    "DedupSettings", "ExtractSettings", "KafkaSettings", "ObserveSettings", "QuerySettings", "Settings",
    "SettingsError", "SinkSettings", "StoriesSettings", "TOPIC_STORIED", "Variable", "WorkerSettings", "help_epilog", "table_markdown", "variables",
]

# Topic names are part of the product's interface: docker-compose and the docs use them too.
TOPIC_RAW = "articles.raw"
TOPIC_UNIQUE = "articles.unique"
TOPIC_DUPLICATES = "articles.duplicates"
TOPIC_ENRICHED = "articles.enriched"
TOPIC_STORIED = "articles.storied"  # enriched + story_id and claim ids (the stories stage → sink)
TOPIC_DLQ = "articles.dlq"
PIPELINE_TOPICS = (TOPIC_RAW, TOPIC_UNIQUE, TOPIC_DUPLICATES, TOPIC_ENRICHED, TOPIC_STORIED, TOPIC_DLQ)

LOG_LEVELS = ("debug", "info", "warn", "warning", "error", "crit")


class SettingsError(ValueError):
    """An environment variable holds a value svodka cannot use."""


# -- declaring a setting --------------------------------------------------------------------

Check = Callable[[Any], str | None]  # returns what is wrong, or None


def setting(env: str, default: Any, meaning: str, *, check: Check | None = None, shown: str | None = None) -> Any:
    """A dataclass field read from ``env``; ``shown`` is how the docs show a derived default."""
    return field(default=default, metadata={"env": env, "meaning": meaning, "check": check, "shown": shown})


def _positive(value: float) -> str | None:
    return None if value > 0 else "must be > 0"


def _at_least_one(value: int) -> str | None:
    return None if value >= 1 else "must be at least 1"


def _port(value: int) -> str | None:
    return None if 0 < value < 65536 else "must be a port number (1-65535)"


def _fraction(value: float) -> str | None:
    return None if 0.0 < value <= 1.0 else "must be in (0, 1]"


def _log_level(value: str) -> str | None:
    return None if value.lower() in LOG_LEVELS else f"must be one of {', '.join(LOG_LEVELS[:3] + LOG_LEVELS[4:])}"


def _host_port(value: str) -> str | None:
    for address in value.split(","):
        host, _, port = address.strip().rpartition(":")
        if not host or not port.isdigit():
            return "must be HOST:PORT (or several, comma-separated)"
    return None


def _url(value: str) -> str | None:
    ok = value.startswith(("chdb://", "http://", "https://")) or not value
    return None if ok else "must be chdb://<path> or http(s)://[user:password@]host:port[/database]"


# -- the groups -----------------------------------------------------------------------------

@dataclass(frozen=True)
class KafkaSettings:
    """The broker: where it is, and the shape of the topics svodka creates."""

    port: int = setting("SVODKA_KAFKA_PORT", 9092, "port of the local broker that `svodka up` runs", check=_port)
    bootstrap: str = setting("SVODKA_KAFKA_BOOTSTRAP", "", "set it to use your own broker (then `up`/`down` leave "
                             "the broker alone)", check=_host_port, shown="127.0.0.1:$SVODKA_KAFKA_PORT")
    java_opts: str = setting("SVODKA_KAFKA_JAVA_OPTS", "", "extra JVM options for the local broker (it runs with "
                             "`-XX:+UseSerialGC -XX:TieredStopAtLevel=1`)", shown="(none)")
    partitions: int = setting("SVODKA_PARTITIONS", 8, "partitions per topic (the unit of scaling)",
                              check=_at_least_one)
    replication_factor: int = setting("SVODKA_REPLICATION_FACTOR", 1, "replication of the topics svodka creates "
                                      "(use 3 on a cluster)", check=_at_least_one)
    # svodka up/down run the local broker: true unless a bootstrap server was given.
    managed: bool | None = None

    def __post_init__(self) -> None:
        if self.managed is None:
            object.__setattr__(self, "managed", not self.bootstrap)
        if not self.bootstrap:
            object.__setattr__(self, "bootstrap", f"127.0.0.1:{self.port}")

    @property
    def jvm_options(self) -> list[str]:
        return shlex.split(self.java_opts)


@dataclass(frozen=True)
class WorkerSettings:
    """One stream worker process (``svodka up`` sets these per worker)."""

    data_dir: str = setting("SVODKA_DATA_DIR", "", "a worker's faust data dir (tables)",
                            shown="$SVODKA_HOME/data/<service>")
    web_port: int = setting("SVODKA_WEB_PORT", 6066, "a worker's web port (/metrics/, /health/)", check=_port)
    commit_interval: float = setting("SVODKA_COMMIT_INTERVAL", 1.0, "seconds between Kafka offset commits",
                                     check=_positive)


@dataclass(frozen=True)
class DedupSettings:
    threshold: float = setting("SVODKA_DEDUP_THRESHOLD", 0.5, "Jaccard similarity above which an article is a "
                               "near-duplicate (see `docs/dedup.md`)", check=_fraction)
    window_days: float = setting("SVODKA_DEDUP_WINDOW_DAYS", 30.0, "how long dedup remembers an article "
                                 "(by `published_at`)", check=_positive)
    sweep_seconds: float = setting("SVODKA_DEDUP_SWEEP_SECONDS", 600.0, "how often dedup deletes state older "
                                   "than the window", check=_positive)


def _ner_backend(value: str) -> str | None:
    return None if value in ("onnx", "numpy") else "must be onnx or numpy"


@dataclass(frozen=True)
class ExtractSettings:
    max_chars: int = setting("SVODKA_EXTRACT_MAX_CHARS", 200_000, "longer articles are dead-lettered without "
                             "trying (natasha's time grows with length)", check=_at_least_one)
    tries: int = setting("SVODKA_EXTRACT_TRIES", 2, "an article the extractor fails on this often is "
                         "dead-lettered", check=_at_least_one)
    batch: int = setting("SVODKA_EXTRACT_BATCH", 16, "extract runs NER on batches of up to this many articles …",
                         check=_at_least_one)
    batch_seconds: float = setting("SVODKA_EXTRACT_BATCH_SECONDS", 0.05, "… or what arrived within this many "
                                   "seconds", check=_positive)
    ner_backend: str = setting("SVODKA_NER_BACKEND", "onnx", "`onnx` (ONNX Runtime, faster here) or `numpy`: the "
                               "same tags (extract/ner.py)", check=_ner_backend)


@dataclass(frozen=True)
class StoriesSettings:
    sweep_every: int = setting("SVODKA_STORIES_SWEEP_EVERY", 1000, "the stories stage deletes state older than "
                               "its window every this many articles (see `docs/stories.md`)", check=_at_least_one)


@dataclass(frozen=True)
class SinkSettings:
    batch_size: int = setting("SVODKA_SINK_BATCH_SIZE", 1000, "the sink writes a batch at this many records",
                              check=_at_least_one)
    # 0.4 s: p99 ingest → queryable ≤ 1 s at half capacity, and each insert costs the sink
    # ~40–100 ms of CPU whatever its size, so not shorter (docs/BENCHMARKS.md)
    batch_seconds: float = setting("SVODKA_SINK_BATCH_SECONDS", 0.4, "… or after this many seconds",
                                   check=_positive)


@dataclass(frozen=True)
class QuerySettings:
    timeout_s: float = setting("SVODKA_QUERY_TIMEOUT", 30.0, "the longest a user query may run (seconds); caps "
                               "any requested timeout", check=_positive)
    memory_bytes: int = setting("SVODKA_QUERY_MEMORY", 2 << 30, "ClickHouse's max_memory_usage for one user "
                                "query (bytes)", check=_at_least_one)
    port: int = setting("SVODKA_QUERY_PORT", 0, "the sink's ClickHouse HTTP interface on the embedded store, "
                        "for BI tools (127.0.0.1; `svodka up` picks a free port; 0: off)")


@dataclass(frozen=True)
class ObserveSettings:
    stall_seconds: float = setting("SVODKA_STALL_SECONDS", 60.0, "a partition with lag whose offset has not "
                                   "moved this long is reported stalled", check=_positive)
    log_level: str = setting("SVODKA_LOG_LEVEL", "warn", "logs are JSON lines on stderr", check=_log_level)


GROUPS = ("kafka", "worker", "dedup", "extract", "stories", "sink", "query", "observe")


@dataclass(frozen=True)
class Settings:
    """Everything svodka's processes are configured with (see the module doc)."""

    home: Path = setting("SVODKA_HOME", Path(".svodka"), "state: Kafka jars and data, faust tables, logs, pids")
    clickhouse_url: str = setting(
        "SVODKA_CLICKHOUSE_URL", "", "`chdb://<path>`: embedded chDB store (owned by the sink while the stack "
        "runs); `http://user:pass@host:8123/db`: a ClickHouse server", check=_url, shown="chdb://./.svodka/clickhouse")
    kafka: KafkaSettings = field(default_factory=KafkaSettings)
    worker: WorkerSettings = field(default_factory=WorkerSettings)
    dedup: DedupSettings = field(default_factory=DedupSettings)
    extract: ExtractSettings = field(default_factory=ExtractSettings)
    stories: StoriesSettings = field(default_factory=StoriesSettings)
    sink: SinkSettings = field(default_factory=SinkSettings)
    query: QuerySettings = field(default_factory=QuerySettings)
    observe: ObserveSettings = field(default_factory=ObserveSettings)

    def __post_init__(self) -> None:
        object.__setattr__(self, "home", Path(self.home))
        if not self.clickhouse_url:
            object.__setattr__(self, "clickhouse_url", f"chdb://{self.home / 'clickhouse'}")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> "Settings":
        """Settings from ``environ`` (default ``os.environ``); raises SettingsError naming
        the first variable whose value cannot be used."""
        env = os.environ if environ is None else environ
        groups = {name: _read(type(getattr(_DEFAULTS, name)), env) for name in GROUPS}
        return cls(**_read_fields(cls, env, skip=GROUPS), **groups)

    def with_(self, **changes: Any) -> "Settings":
        """A copy with top-level fields or groups replaced, or single group fields by their
        flat names (``kafka_bootstrap=...``, ``partitions=...``: see ``FLAT``)."""
        groups: dict[str, dict[str, Any]] = {}
        for name in [n for n in changes if n in FLAT]:
            group, attr = FLAT[name]
            groups.setdefault(group, {})[attr] = changes.pop(name)
        if "bootstrap" in groups.get("kafka", {}):
            groups["kafka"]["managed"] = False  # as when SVODKA_KAFKA_BOOTSTRAP is set
        for group, values in groups.items():
            changes[group] = replace(changes.get(group, getattr(self, group)), **values)
        return replace(self, **changes)

    def data_dir(self, service: str) -> Path:
        """The faust data dir of a ``service`` worker."""
        return Path(self.worker.data_dir) if self.worker.data_dir else self.home / "data" / service

    def to_env(self) -> dict[str, str]:
        """These settings as the SVODKA_* variables that ``from_env`` reads back to them
        (what ``svodka up`` hands to the workers it starts)."""
        env = {}
        for var in variables():
            value = var.value(self)
            if value != "" or var.group is None:
                env[var.env] = str(value)
        return env

    @property
    def run_dir(self) -> Path:
        return self.home / "run"

    @property
    def log_dir(self) -> Path:
        return self.home / "logs"

    # Flat names from before the grouping, read-only (this session's other branches still
    # use them); new code reads the groups.

    @property
    def kafka_bootstrap(self) -> str:
        return self.kafka.bootstrap

    @property
    def kafka_port(self) -> int:
        return self.kafka.port

    @property
    def partitions(self) -> int:
        return self.kafka.partitions

    @property
    def replication_factor(self) -> int:
        return self.kafka.replication_factor

    @property
    def manage_kafka(self) -> bool:
        return bool(self.kafka.managed)

    @property
    def sink_batch_size(self) -> int:
        return self.sink.batch_size

    @property
    def sink_batch_seconds(self) -> float:
        return self.sink.batch_seconds

    @property
    def query_timeout_s(self) -> float:
        return self.query.timeout_s

    @property
    def query_memory_bytes(self) -> int:
        return self.query.memory_bytes

    @property
    def dedup_window_days(self) -> float:
        return self.dedup.window_days

    @property
    def log_level(self) -> str:
        return self.observe.log_level


_DEFAULTS = Settings()

# The flat names of group fields (from before the grouping), for ``with_`` and the properties.
FLAT = {"kafka_bootstrap": ("kafka", "bootstrap"), "kafka_port": ("kafka", "port"),
        "partitions": ("kafka", "partitions"), "replication_factor": ("kafka", "replication_factor"),
        "manage_kafka": ("kafka", "managed"), "sink_batch_size": ("sink", "batch_size"),
        "sink_batch_seconds": ("sink", "batch_seconds"), "query_timeout_s": ("query", "timeout_s"),
        "query_memory_bytes": ("query", "memory_bytes"),
        "dedup_window_days": ("dedup", "window_days"), "log_level": ("observe", "log_level")}


def _read_fields(cls: type, env: Mapping[str, str], skip: tuple[str, ...] = ()) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name in skip or "env" not in f.metadata:
            continue
        raw = (env.get(f.metadata["env"]) or "").strip()
        if raw:
            values[f.name] = _convert(f, raw)
    return values


def _read(cls: type, env: Mapping[str, str]) -> Any:
    return cls(**_read_fields(cls, env))


def _convert(f: dataclasses.Field, raw: str) -> Any:
    default: Any = f.default
    name, kind = f.metadata["env"], type(default)
    try:
        value = kind(raw)
    except ValueError:
        expected = {int: "an integer", float: "a number"}.get(kind, kind.__name__)
        raise SettingsError(f"{name}={raw!r}: not {expected}") from None
    check = f.metadata["check"]
    problem = check(value) if check else None
    if problem:
        raise SettingsError(f"{name}={raw!r}: {problem}")
    return value


# -- documentation from the fields ------------------------------------------------------------

@dataclass(frozen=True)
class Variable:
    """One SVODKA_* variable: where it lands in Settings, its default and meaning."""

    env: str
    group: str | None  # None: a top-level field
    name: str
    default: str
    meaning: str

    def value(self, settings: Settings) -> Any:
        holder = settings if self.group is None else getattr(settings, self.group)
        return getattr(holder, self.name)


def _shown(f: dataclasses.Field) -> str:
    if f.metadata["shown"]:
        return f.metadata["shown"]
    default = f.default
    return f"{default:g}" if isinstance(default, float) else str(default)


def variables() -> Iterator[Variable]:
    """Every SVODKA_* variable Settings reads, in declaration order."""
    for f in dataclasses.fields(Settings):
        if f.name in GROUPS:
            for g in dataclasses.fields(type(getattr(_DEFAULTS, f.name))):
                if "env" in g.metadata:
                    yield Variable(g.metadata["env"], f.name, g.name, _shown(g), g.metadata["meaning"])
        else:
            yield Variable(f.metadata["env"], None, f.name, _shown(f), f.metadata["meaning"])


def table_markdown() -> str:
    """The README's configuration table."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    rows += [f"| `{v.env}` | `{v.default}` | {v.meaning} |" for v in variables()]
    return "\n".join(rows)


def help_epilog(names: tuple[str, ...] | None = None) -> str:
    """The variables (all, or those named) with their defaults, for a command's --help."""
    lines = ["environment (see README, Configuration):"]
    for v in variables():
        if names is None or v.env in names:
            lines.append(f"  {v.env} (default {v.default})")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m svodka.settings: the README's configuration table
    print(table_markdown())
