"""Connecting to ClickHouse from ``SVODKA_CLICKHOUSE_URL``.

- ``chdb://<path>``: chDB, the ClickHouse engine in this process, data under <path>
  (relative paths are resolved against the working directory). One process owns a path.
- ``http(s)://user:pass@host:8123/db``: a ClickHouse server.

Both go through ``clickhouse_connect.get_client`` so the rest of the code never
knows which one it talks to.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import clickhouse_connect
from clickhouse_connect.driver.client import Client

DEFAULT_DATABASE = "svodka"


class ClickHouseError(RuntimeError):
    """ClickHouse could not be reached or refused a statement."""


def is_embedded(url: str) -> bool:
    return url.startswith("chdb:")


def chdb_path(url: str) -> Path:
    """The directory of a ``chdb://`` URL, absolute."""
    rest = url[len("chdb://"):] if url.startswith("chdb://") else url[len("chdb:"):]
    return Path(rest or ".svodka/clickhouse").expanduser().resolve()


def database_of(url: str) -> str:
    if is_embedded(url):
        return DEFAULT_DATABASE
    path = urlsplit(url).path.strip("/")
    return path or DEFAULT_DATABASE


def connect(url: str, *, database: str | None = None, create_database: bool = False) -> Client:
    """A clickhouse-connect client for the URL, with the svodka database as default."""
    db = database or database_of(url)
    try:
        if is_embedded(url):
            path = chdb_path(url)
            path.mkdir(parents=True, exist_ok=True)
            if create_database:
                bootstrap = clickhouse_connect.get_client(interface="chdb", path=str(path))
                bootstrap.command(f"CREATE DATABASE IF NOT EXISTS {db}")
                bootstrap.close()
            return clickhouse_connect.get_client(interface="chdb", path=str(path), database=db)
        parts = urlsplit(url)
        kwargs: dict[str, Any] = dict(
            host=parts.hostname or "localhost",
            port=parts.port or (8443 if parts.scheme == "https" else 8123),
            username=unquote(parts.username or "default"),
            password=unquote(parts.password or ""),
            secure=parts.scheme == "https",
            connect_timeout=5,
            send_receive_timeout=60,
        )
        if create_database:
            bootstrap = clickhouse_connect.get_client(**kwargs)
            bootstrap.command(f"CREATE DATABASE IF NOT EXISTS {db}")
            bootstrap.close()
        return clickhouse_connect.get_client(database=db, **kwargs)
    except Exception as exc:  # clickhouse-connect raises several types; name the URL once
        raise ClickHouseError(f"cannot open ClickHouse at {redact(url)}: {exc}") from exc


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password:
        netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
        return parts._replace(netloc=netloc).geturl()
    return url
