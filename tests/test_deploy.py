"""docker-compose.yml cannot run here (no Docker engine): check it is valid and faithful to the local stack."""

from __future__ import annotations

import shutil
import subprocess
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


@pytest.mark.skipif(not shutil.which("docker-compose"), reason="Debian's docker-compose is not installed")
def test_docker_compose_config_is_valid():
    proc = subprocess.run(["docker-compose", "-f", str(REPO / "docker-compose.yml"), "config", "-q"],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
