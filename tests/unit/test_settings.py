"""svodka.settings: one reader of SVODKA_* variables, grouped, checked, and documented from its fields."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from svodka.settings import Settings, SettingsError, table_markdown, variables

REPO = Path(__file__).resolve().parents[2]


def test_defaults_without_any_variable():
    s = Settings.from_env({})
    assert s == Settings()
    assert (s.kafka.bootstrap, s.kafka.partitions, s.kafka.managed) == ("127.0.0.1:9092", 8, True)
    assert s.clickhouse_url == "chdb://.svodka/clickhouse"
    assert s.data_dir("dedup") == Path(".svodka/data/dedup")
    assert (s.dedup.threshold, s.dedup.window_days, s.sink.batch_size, s.observe.log_level) == (0.5, 30, 1000, "warn")


def test_each_group_reads_its_variables_and_derived_defaults_follow_what_they_derive_from():
    s = Settings.from_env({"SVODKA_HOME": "/srv/svodka", "SVODKA_KAFKA_PORT": "19092", "SVODKA_PARTITIONS": " 4 ",
                           "SVODKA_DEDUP_WINDOW_DAYS": "7", "SVODKA_EXTRACT_TRIES": "3",
                           "SVODKA_SINK_BATCH_SECONDS": "0.3",
                           "SVODKA_QUERY_TIMEOUT": "5", "SVODKA_STALL_SECONDS": "3", "SVODKA_WEB_PORT": "6070",
                           "SVODKA_DATA_DIR": "/tmp/w1", "SVODKA_KAFKA_JAVA_OPTS": "-Xss1m -Dx='a b'"})
    assert s.kafka.bootstrap == "127.0.0.1:19092" and s.kafka.managed and s.kafka.partitions == 4
    assert s.clickhouse_url == "chdb:///srv/svodka/clickhouse"
    assert (s.dedup.window_days, s.extract.tries, s.sink.batch_seconds, s.query.timeout_s) == (7, 3, 0.3, 5)
    assert (s.observe.stall_seconds, s.worker.web_port, s.data_dir("sink")) == (3, 6070, Path("/tmp/w1"))
    assert s.kafka.jvm_options == ["-Xss1m", "-Dx=a b"]


def test_a_bootstrap_server_means_the_broker_is_someone_elses():
    s = Settings.from_env({"SVODKA_KAFKA_BOOTSTRAP": "kafka:9092", "SVODKA_CLICKHOUSE_URL": "http://ch:8123/svodka"})
    assert (s.kafka.bootstrap, s.kafka.managed, s.clickhouse_url) == ("kafka:9092", False, "http://ch:8123/svodka")


def test_an_empty_variable_is_the_same_as_an_unset_one():
    assert Settings.from_env({var.env: "" for var in variables()}) == Settings()


@pytest.mark.parametrize("env, message", [
    ({"SVODKA_PARTITIONS": "восемь"}, "SVODKA_PARTITIONS='восемь': not an integer"),
    ({"SVODKA_PARTITIONS": "0"}, "SVODKA_PARTITIONS='0': must be at least 1"),
    ({"SVODKA_DEDUP_THRESHOLD": "1.5"}, "SVODKA_DEDUP_THRESHOLD='1.5': must be in (0, 1]"),
    ({"SVODKA_SINK_BATCH_SECONDS": "-1"}, "SVODKA_SINK_BATCH_SECONDS='-1': must be > 0"),
    ({"SVODKA_KAFKA_BOOTSTRAP": "kafka"}, "SVODKA_KAFKA_BOOTSTRAP='kafka': must be HOST:PORT"),
    ({"SVODKA_CLICKHOUSE_URL": "/var/lib/ch"}, "SVODKA_CLICKHOUSE_URL='/var/lib/ch': must be chdb://"),
    ({"SVODKA_WEB_PORT": "70000"}, "SVODKA_WEB_PORT='70000': must be a port number"),
    ({"SVODKA_LOG_LEVEL": "громко"}, "SVODKA_LOG_LEVEL='громко': must be one of"),
])
def test_a_value_that_cannot_be_used_is_refused_naming_the_variable(env, message):
    with pytest.raises(SettingsError) as err:
        Settings.from_env(env)
    assert str(err.value).startswith(message)


def test_settings_written_as_variables_read_back_the_same():
    s = Settings.from_env({"SVODKA_KAFKA_BOOTSTRAP": "127.0.0.1:1234", "SVODKA_PARTITIONS": "3",
                           "SVODKA_DEDUP_THRESHOLD": "0.7", "SVODKA_LOG_LEVEL": "info"})
    assert Settings.from_env(s.to_env()) == s


def test_every_variable_has_a_group_a_default_and_a_meaning():
    names = [var.env for var in variables()]
    assert len(names) == len(set(names)) and all(n.startswith("SVODKA_") for n in names)
    assert {var.group for var in variables()} == {None, "kafka", "worker", "dedup", "extract", "stories", "sink", "query",
                                                  "observe"}
    assert all(var.default and var.meaning for var in variables())


def test_the_readme_configuration_table_is_the_one_generated_from_the_fields():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert table_markdown() in readme, "README's configuration table drifted: regenerate it with table_markdown()"


def test_the_command_help_lists_every_variable_with_its_default():
    out = subprocess.run([sys.executable, "-m", "svodka_services.cli.main", "--help"], capture_output=True,
                         text=True, check=True).stdout
    for var in variables():
        assert f"{var.env} (default {var.default})" in out


def _environment_reads(tree: ast.AST) -> list[str]:
    """SVODKA_* names read from the environment: os.environ[...], os.environ.get(...), os.getenv(...)."""
    found = []
    for node in ast.walk(tree):
        key = None
        if isinstance(node, ast.Call) and node.args and isinstance(node.func, ast.Attribute) and (
                node.func.attr == "getenv" or node.func.attr in ("get", "pop") and "environ" in ast.unparse(node.func)):
            key = node.args[0]
        elif isinstance(node, ast.Subscript) and "environ" in ast.unparse(node.value):
            key = node.slice
        if isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value.startswith("SVODKA_"):
            found.append(key.value)
    return found


def test_no_module_but_settings_reads_a_svodka_variable():
    readers = {}
    for path in [*(REPO / "libs" / "svodka").rglob("*.py"), *(REPO / "services").rglob("*.py")]:
        if path.name == "settings.py" and path.parent.name == "svodka":
            continue
        names = _environment_reads(ast.parse(path.read_text(encoding="utf-8")))
        if names:
            readers[str(path.relative_to(REPO))] = names
    assert readers == {}


def test_with_replaces_a_group_field_by_its_flat_name_or_a_whole_group():
    s = Settings().with_(kafka_bootstrap="127.0.0.1:1234", partitions=3, sink_batch_size=50)
    assert (s.kafka.bootstrap, s.kafka.partitions, s.kafka.managed) == ("127.0.0.1:1234", 3, False)
    assert s.sink.batch_size == 50
    assert s.with_(home=Path("/x")).home == Path("/x")
