"""A killed sink comes back fast and safely, with the real processes: `svodka ingest --wait` polls
while the sink is down (the CLI then opens the embedded store itself, one query at a time),
`svodka up` starts a new sink that takes the store back, and the waiting ingest finishes
normally. Before, the CLI kept the store open: up reported "not ready in time" and nothing
was stored until the wait gave up (416 s measured); with faust's default session timeout a
new sink took 57 s to get its partitions back."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time

import pytest

from svodka_services.cli import stack
from tests.kit.kafka import svodka_env
from tests.kit.seeds import SEEDS_DIR as SEEDS
from tests.kit.processes import SVODKA, last_json, settings_for, sink_sql, svodka

pytestmark = [pytest.mark.integration, pytest.mark.slow, pytest.mark.timeout(400)]

TEXTS = [
    "Правительство утвердило выделение 12 миллиардов рублей на ремонт дорог в Сибири.",
    "В Казани открылся новый мост длиной около 800 метров через реку Казанку.",
    "Центробанк сохранил ключевую ставку на уровне 16 процентов, сообщила Эльвира Набиуллина.",
    "На выставке в Новосибирске показали не менее 40 новых отечественных самолётов.",
    "Археологи нашли под Псковом клад из 300 серебряных монет XIV века.",
]


@pytest.fixture
def env(private_kafka, tmp_path):
    env = svodka_env(tmp_path / "home", private_kafka)
    yield env
    svodka(env, "down", "-q", check=False)


def test_a_killed_sink_is_storing_again_within_15_s_of_up_while_an_ingest_waits(env, tmp_path):
    svodka(env, "up", "-q")
    assert last_json(svodka(env, "ingest", str(SEEDS), "--wait", "--json"))["stored"] == 5
    settings = settings_for(env)
    [sink] = stack.StackState.load(settings).live("sink")
    os.killpg(sink.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while sink.alive and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not sink.alive

    inputs = tmp_path / "new"
    inputs.mkdir()
    for i, text in enumerate(TEXTS):
        (inputs / f"{i}.txt").write_text(text, encoding="utf-8")
    ingest = subprocess.Popen([*SVODKA, "ingest", str(inputs), "--wait", "--json", "--wait-timeout", "120"],
                              env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(4)  # it has published and polls the store itself (the sink is down)
    assert ingest.poll() is None, ingest.communicate()

    started = time.monotonic()
    up = svodka(env, "up", "-q", timeout=120)
    up_s = time.monotonic() - started
    [sink] = stack.StackState.load(settings).live("sink")
    stored_s, seen = None, []
    while time.monotonic() - started < 30:
        answer = sink_sql(sink, "SELECT count() FROM articles", timeout=5)
        n = answer["rows"][0][0] if answer and answer.get("rows") else None
        if not seen or seen[-1][1] != n:
            seen.append((round(time.monotonic() - started, 1), n))
        if n is not None and n >= 10:
            stored_s = time.monotonic() - started
            break
        time.sleep(0.2)
    print("seconds after up started, articles stored:", seen)
    out, err = ingest.communicate(timeout=120)
    print(f"svodka up returned in {up_s:.1f} s; all new articles stored {stored_s} s after up started")
    assert up.returncode == 0
    assert stored_s is not None and stored_s < 15, f"stored after {stored_s} s"
    assert ingest.returncode == 0, err
    result = json.loads(out.strip().splitlines()[-1])
    assert result["stored"] == 5 and result["published"] == 5, result
