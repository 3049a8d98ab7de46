"""Helpers for tests that drive svodka as a user does: the CLI and the services as processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from pathlib import Path

from svodka.runtime import credentials
from svodka.settings import Settings
from svodka_services.cli import stack

SVODKA = [sys.executable, "-m", "svodka_services.cli.main"]


def svodka(env: dict, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the ``svodka`` command with the test's environment."""
    proc = subprocess.run([*SVODKA, *args], env=env, capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise AssertionError(f"svodka {' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def sql(env: dict, query: str) -> list[dict]:
    """Rows of ``svodka sql QUERY --format json`` as dicts."""
    out = svodka(env, "sql", query, "--format", "json").stdout
    return [json.loads(line) for line in out.splitlines() if line.strip()]


def last_json(proc: subprocess.CompletedProcess) -> dict:
    return json.loads(proc.stdout.strip().splitlines()[-1])


def settings_for(env: dict) -> Settings:
    """The Settings a process started with ``env`` would read."""
    old = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        return Settings.from_env()
    finally:
        os.environ.clear()
        os.environ.update(old)


def spawn(env: dict, service: str, spawned: list[stack.ServiceProc], index: int = 1,
          register: bool = False) -> stack.ServiceProc:
    """Start one service worker as a real process with the test's environment.

    It is appended to ``spawned`` (the caller kills what is left at teardown); with
    ``register`` it is also recorded where ``svodka status`` and ``svodka sql`` look.
    """
    settings = settings_for(env)
    proc = stack._spawn(settings, service, index, base_env=env)
    spawned.append(proc)
    if register:
        state = stack.StackState.load(settings)
        state.services = [p for p in state.services if p.name != proc.name and p.alive] + [proc]
        state.save(settings)
    return proc


def sink_auth(sink: stack.ServiceProc, wait_s: float = 30.0) -> dict[str, str]:
    """The header a client of ``sink``'s /sql/ sends: the stack's bearer token (the sink
    makes the credentials at start when ``svodka up`` has not)."""
    import time

    home = Path(sink.data_dir).parents[1]  # SVODKA_HOME/data/<name>
    deadline = time.monotonic() + wait_s
    while True:
        creds = credentials.load(home)
        if creds is not None or time.monotonic() > deadline:
            return creds.bearer() if creds else {}
        time.sleep(0.1)


def sink_sql(sink: stack.ServiceProc, sql: str, timeout: float = 30) -> dict | None:
    """POST ``sql`` to the sink's /sql/ with the stack's credentials; the JSON answer or None."""
    return stack.http_json(f"{sink.url}/sql/", {"sql": sql}, timeout=timeout, headers=sink_auth(sink))
