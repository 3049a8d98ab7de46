"""Grafana in docker-compose cannot start here (no Docker): check its provisioning files instead.

- the data source is ClickHouse's HTTP interface as the read-only user, its password from .env;
- the dashboard file is loaded by the provider and every panel uses that data source;
- every panel's SQL, with Grafana's macros expanded as the plugin expands them, passes svodka's
  read-only allow-list and runs against the real schema (migrated into a chDB store here);
  the stories panel only has to parse until the stories table lands.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from svodka.store import connect
from svodka.store.query import check_read_only, readonly_client
from svodka.store.schema import migrate

REPO = Path(__file__).resolve().parents[1]
GRAFANA = REPO / "deploy" / "grafana"


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


@pytest.fixture(scope="module")
def datasource() -> dict:
    doc = yaml.safe_load((GRAFANA / "provisioning/datasources/svodka.yaml").read_text())
    assert doc["apiVersion"] == 1
    (source,) = doc["datasources"]
    return source


@pytest.fixture(scope="module")
def dashboard() -> dict:
    return json.loads((GRAFANA / "dashboards/svodka.json").read_text())


def test_the_data_source_is_clickhouse_http_as_the_read_only_user(datasource):
    assert datasource["type"] == "grafana-clickhouse-datasource"
    data = datasource["jsonData"]
    assert (data["host"], data["port"], data["protocol"]) == ("clickhouse", 8123, "http")
    assert data["username"] == "svodka_reader" and data["defaultDatabase"] == "svodka"
    assert datasource["secureJsonData"]["password"] == "$SVODKA_READER_PASSWORD"  # from .env, not the repo
    assert datasource["editable"] is False


def test_compose_runs_grafana_with_the_provisioning_mounted(compose):
    grafana = compose["services"]["grafana"]
    assert grafana["image"].startswith("grafana/grafana")
    assert "grafana-clickhouse-datasource" in grafana["environment"]["GF_INSTALL_PLUGINS"]
    assert all(p.startswith("127.0.0.1:") for p in grafana["ports"])
    mounts = {m.split(":")[0]: m.split(":")[1] for m in grafana["volumes"]}
    assert mounts["./deploy/grafana/provisioning"] == "/etc/grafana/provisioning"
    provider = yaml.safe_load((GRAFANA / "provisioning/dashboards/svodka.yaml").read_text())["providers"][0]
    assert mounts["./deploy/grafana/dashboards"] == provider["options"]["path"]
    assert "SVODKA_READER_PASSWORD" in grafana["environment"]
    assert grafana["depends_on"]["clickhouse"]["condition"] == "service_healthy"
    web = compose["services"]["web"]
    assert web["command"][0] == "svodka_services.web" and all(p.startswith("127.0.0.1:") for p in web["ports"])


def test_the_dashboard_has_the_panels_analysts_asked_for(dashboard, datasource):
    titles = [p["title"] for p in dashboard["panels"]]
    assert any("Упоминания" in t for t in titles) and any("единиц" in t for t in titles)
    assert any("Сюжеты" in t for t in titles)
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == datasource["uid"], panel["title"]
            assert target["editorType"] == "sql" and target["rawSql"].strip()


def expand_macros(sql: str) -> str:
    """As the plugin does before sending (from=2025-07-01, to=2025-08-01, a 1-hour interval)."""
    sql = re.sub(r"\$__timeFilter\((\w+)\)", r"\1 >= toDateTime(1751328000) AND \1 <= toDateTime(1754006400)", sql)
    sql = re.sub(r"\$__dateFilter\((\w+)\)", r"\1 >= toDate('2025-07-01') AND \1 <= toDate('2025-08-01')", sql)
    sql = re.sub(r"\$__timeInterval\((\w+)\)", r"toStartOfInterval(toDateTime(\1), INTERVAL 3600 second)", sql)
    assert "$__" not in sql, sql
    return sql


def test_every_panel_query_is_allowed_and_runs_on_the_schema(dashboard, chdb_url):
    owner = connect(chdb_url, database="grafana_check", create_database=True)
    migrate(owner)
    reader = readonly_client(chdb_url, database="grafana_check")
    for panel in dashboard["panels"]:
        for target in panel["targets"]:
            sql = expand_macros(target["rawSql"]).replace("svodka.", "grafana_check.")
            statement = check_read_only(reader, sql)
            if "stories" not in sql:
                reader.query(statement)  # runs (on empty tables): names and types are right
