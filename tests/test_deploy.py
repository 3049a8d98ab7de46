"""docker-compose.yml cannot run here (no Docker engine): check it is valid, faithful to the local
stack, and safe: ports on 127.0.0.1 only, no password in the repository, a read-only query user."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

from svodka.settings import Settings

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def test_compose_has_the_stack(compose):
    services = compose["services"]
    assert {"kafka", "clickhouse", "dedup", "extract", "stories", "sink"} <= set(services)
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert services["clickhouse"]["image"].startswith("clickhouse/clickhouse-server:")


def test_compose_kafka_matches_local_broker(compose):
    pom = (REPO / "deploy/local/kafka/pom.xml").read_text()
    version = compose["services"]["kafka"]["image"].split(":")[1]
    assert f"<kafka.version>{version}</kafka.version>" in pom, "compose and the local broker run different Kafka"
    env = compose["services"]["kafka"]["environment"]
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"  # KRaft, like the local broker
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert env["KAFKA_NUM_PARTITIONS"] == str(Settings().partitions)


def test_compose_services_use_the_same_settings(compose):
    for name in ("dedup", "extract", "stories", "sink"):
        svc = compose["services"][name]
        env = svc["environment"]
        assert env["SVODKA_KAFKA_BOOTSTRAP"] == "kafka:9092"
        assert env["SVODKA_CLICKHOUSE_URL"].startswith("http://")
        assert env["SVODKA_PARTITIONS"] == str(Settings().partitions)
        module = svc["command"][0]
        assert (REPO / "services" / module.split(".")[1] / "__main__.py").exists(), module


def test_extract_is_scalable(compose):
    extract = compose["services"]["extract"]
    assert "container_name" not in extract and "ports" not in extract


def docker_compose() -> str:
    """Debian's docker-compose; .ci/run installs it (SVODKA_CI=1), so CI never skips."""
    path = shutil.which("docker-compose")
    if path is None:
        if os.environ.get("SVODKA_CI"):
            pytest.fail("docker-compose is missing in CI: .ci/run installs Debian's package")
        pytest.skip("Debian's docker-compose is not installed (apt-get install docker-compose)")
    return path


def compose_config(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in ("CLICKHOUSE_PASSWORD", "SVODKA_READER_PASSWORD")}
    return subprocess.run([docker_compose(), "-f", str(REPO / "docker-compose.yml"), "--project-directory",
                           str(REPO / "tests"), "config", "-q"],
                          capture_output=True, text=True, env={**clean, **env}, timeout=120)


def env_example() -> dict[str, str]:
    lines = (REPO / ".env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line.strip() and not line.startswith("#"))


def test_docker_compose_config_is_valid():
    proc = compose_config(env_example())
    assert proc.returncode == 0, proc.stderr


def test_compose_refuses_to_start_without_the_passwords_from_env():
    proc = compose_config({})
    assert proc.returncode != 0 and "CLICKHOUSE_PASSWORD" in proc.stderr, proc.stderr


def test_compose_publishes_ports_on_localhost_only(compose):
    for name, service in compose["services"].items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} on every interface"


def test_no_password_is_written_in_the_repository(compose):
    text = (REPO / "docker-compose.yml").read_text()
    for url in re.findall(r"http://[^\s\"@]+@", text):
        password = url.split("://", 1)[1].split("@", 1)[0].partition(":")[2]
        assert not password or password.startswith("${"), url
    env = compose["services"]["clickhouse"]["environment"]
    for key, value in env.items():
        if "PASSWORD" in key:
            assert str(value).startswith("${") and ":?" in str(value), (key, value)
    assert ".env" in (REPO / ".gitignore").read_text().split()
    assert not (REPO / ".env").exists() or ".env" in (REPO / ".gitignore").read_text().split()


def test_queries_in_compose_use_a_read_only_clickhouse_user(compose):
    cli = compose["services"]["cli"]["environment"]["SVODKA_CLICKHOUSE_URL"]
    assert cli.startswith("http://svodka_reader:")
    mounts = compose["services"]["clickhouse"]["volumes"]
    assert any("deploy/clickhouse/compose/reader.xml" in m and m.endswith(":ro") for m in mounts), mounts
    root = ET.parse(REPO / "deploy/clickhouse/compose/reader.xml").getroot()
    user = root.find("users/svodka_reader")
    assert user.find("password").get("from_env") == "SVODKA_READER_PASSWORD" and not user.find("password").text
    assert [q.text for q in user.findall("grants/query")] == ["GRANT SELECT ON svodka.*"]
    profile = root.find("profiles/svodka_reader")
    assert profile.find("readonly").text in ("1", "2")
    for limit in ("max_execution_time", "max_memory_usage", "max_result_rows"):
        assert profile.find(f"constraints/{limit}/max") is not None, limit
