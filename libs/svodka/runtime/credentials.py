"""Credentials for every endpoint that runs SQL (the sink's ``/sql/``, the dashboard, the
ClickHouse HTTP interface).

A local stack makes one secret when it starts (``svodka up``) and keeps it in
``SVODKA_HOME/run/credentials.json`` with mode 0600, so only the user who started the
stack (and root) can read it; the CLI reads it from there. A request proves it knows the
secret in one of the ways real clients send it:

- ``Authorization: Bearer <password>`` (svodka's own CLI),
- ``Authorization: Basic base64(user:password)`` (browsers, curl, BI tools),
- ``X-ClickHouse-User`` / ``X-ClickHouse-Key`` (clickhouse-connect, Grafana's data source).

Comparison is constant-time. Origin checks for browsers live here too: a request that
carries an ``Origin`` header naming another site is refused, whatever its credentials.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

__all__ = ["CREDENTIALS_PATH", "Credentials", "authorized", "create", "load", "same_origin"]

CREDENTIALS_PATH = Path("run") / "credentials.json"  # under SVODKA_HOME
DEFAULT_USER = "svodka"


@dataclass(frozen=True)
class Credentials:
    """The user name and the secret a client must present."""

    user: str
    password: str

    def bearer(self) -> dict[str, str]:
        """The header svodka's own clients send."""
        return {"Authorization": f"Bearer {self.password}"}


def _path(home: Path) -> Path:
    return Path(home) / CREDENTIALS_PATH


def load(home: Path) -> Credentials | None:
    """The stack's credentials, or None when no stack has made them (or they are unreadable)."""
    try:
        data = json.loads(_path(home).read_text(encoding="utf-8"))
        return Credentials(user=str(data["user"]), password=str(data["password"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def create(home: Path) -> Credentials:
    """Make the credentials file if it is missing (mode 0600) and return what it holds.

    Kept across restarts of the stack, so a dashboard tab or a BI client configured once
    keeps working; delete the file to rotate the secret.
    """
    existing = load(home)
    if existing is not None:
        os.chmod(_path(home), 0o600)
        return existing
    path = _path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    creds = Credentials(user=DEFAULT_USER, password=secrets.token_urlsafe(24))
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump({"user": creds.user, "password": creds.password}, out)
    os.replace(tmp, path)
    return creds


def _equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))


def _header(headers: Mapping[str, str], name: str) -> str:
    value = headers.get(name)
    if value is None:
        value = headers.get(name.lower())
    return value or ""


def presented(headers: Mapping[str, str]) -> tuple[str, str] | None:
    """The (user, password) a request presents, or None. User is "" for a bearer token."""
    auth = _header(headers, "Authorization").strip()
    scheme, _, value = auth.partition(" ")
    if scheme.lower() == "bearer" and value:
        return "", value.strip()
    if scheme.lower() == "basic" and value:
        try:
            user, sep, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return (user, password) if sep else None
    key = _header(headers, "X-ClickHouse-Key")
    if key:
        return _header(headers, "X-ClickHouse-User"), key
    return None


def authorized(headers: Mapping[str, str], creds: Credentials) -> bool:
    """True when the request presents these credentials (a bearer token needs no user name)."""
    given = presented(headers)
    if given is None:
        return False
    user, password = given
    if user and not _equal(user, creds.user):
        return False
    return _equal(password, creds.password)


def same_origin(headers: Mapping[str, str]) -> bool:
    """False when a browser says the request comes from another site.

    Requests without ``Origin`` (curl, the CLI, BI clients) pass; a browser sends
    ``Origin`` on every cross-origin request and on same-origin POSTs, and it must then
    name the host the request was sent to.
    """
    origin = _header(headers, "Origin").strip()
    if not origin:
        return True
    if origin == "null":
        return False
    host = _header(headers, "Host").strip().lower()
    return urlsplit(origin).netloc.lower() == host
