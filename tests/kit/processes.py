"""svodka as a user runs it: the ``svodka`` command and the service workers as real processes."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from svodka.runtime import credentials
from svodka.runtime.localkafka import pid_alive
from svodka.settings import Settings
from svodka_services.cli import stack
from tests.kit.waiting import wait_until

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
    return Settings.from_env(env)


def spawn(env: dict, service: str, spawned: list[stack.ServiceProc], index: int = 1,
          register: bool = False) -> stack.ServiceProc:
    """Start one service worker as a real process with the test's environment.

    It is appended to ``spawned`` (the caller kills what is left at teardown); with
    ``register`` it is also recorded where ``svodka status`` and ``svodka sql`` look.
    """
    settings = settings_for(env)
    proc = stack.spawn(settings, service, index, base_env=env)
    spawned.append(proc)
    if register:
        state = stack.StackState.load(settings)
        state.services = [p for p in state.services if p.name != proc.name and p.alive] + [proc]
        state.save(settings)
    return proc


def sink_auth(sink: stack.ServiceProc, wait_s: float = 30.0) -> dict[str, str]:
    """The header a client of ``sink``'s /sql/ sends: the stack's bearer token (the sink
    makes the credentials at start when ``svodka up`` has not)."""
    home = Path(sink.data_dir).parents[1]  # SVODKA_HOME/data/<name>
    creds = wait_until(lambda: credentials.load(home), wait_s, step=0.1)
    return creds.bearer() if creds else {}


def sink_sql(sink: stack.ServiceProc, sql: str, timeout: float = 30) -> dict | None:
    """POST ``sql`` to the sink's /sql/ with the stack's credentials; the JSON answer or None."""
    return stack.http_json(f"{sink.url}/sql/", {"sql": sql}, timeout=timeout, headers=sink_auth(sink))


def wait_ready(procs: list[stack.ServiceProc], timeout: float = 90) -> None:
    """Until each worker serves its web port (a sink: with its store open), as ``svodka up`` waits."""
    stack.wait_ready(procs, timeout)


def spawn_sink(env: dict, spawned: list[stack.ServiceProc], register: bool = False,
               ready: bool = True) -> stack.ServiceProc:
    """A sink worker with the test's environment; with ``ready``, once it is ready."""
    proc = spawn(env, "sink", spawned, register=register)
    if ready:
        wait_ready([proc])
    return proc


def wait_dead(pid: int, timeout: float = 10.0) -> None:
    """Until process ``pid`` is gone (reaped, if it is our child)."""
    def gone() -> bool:
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
        return not pid_alive(pid)

    wait_until(gone, timeout, step=0.05)


def kill_all(spawned: list[stack.ServiceProc]) -> None:
    """SIGKILL every process group in ``spawned`` that is still alive, and wait for it."""
    while spawned:
        proc = spawned.pop()
        if proc.alive:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            wait_dead(proc.pid)


def query(sink: stack.ServiceProc, sql: str) -> list:
    """The rows of ``sql`` run on ``sink``'s /sql/ (asserting it answered)."""
    answer = sink_sql(sink, sql)
    assert answer and "rows" in answer, answer
    return answer["rows"]


def wait_rows(sink: stack.ServiceProc, expected: int, timeout: float = 60) -> int:
    """Until ``sink``'s store holds at least ``expected`` articles; returns the last count seen."""
    seen = [-1]

    def enough() -> bool:
        answer = sink_sql(sink, "SELECT count() FROM articles", timeout=10)
        if answer and "rows" in answer:
            seen[0] = answer["rows"][0][0]
        return seen[0] >= expected

    wait_until(enough, timeout)
    return seen[0]
