"""Dedup through the real stream: a private Kafka broker per test, dedup workers as real
subprocesses (``python -m svodka_services.dedup worker``), articles published and results
read back with aiokafka.

- perturbed copies of the seeds come out as near duplicates of their seed;
- a worker killed with -9 and started again — on the same data dir, then on an empty one
  (its tables come back from the changelog topics) — creates no new unique ids;
- two workers in one consumer group over 8 partitions give the same result as one.
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from svodka.records import Article, Duplicate
from svodka.runtime.localkafka import LocalKafka, port_open, scratch_broker, terminate
from svodka.settings import TOPIC_DUPLICATES, TOPIC_RAW, TOPIC_UNIQUE
from svodka.text import split_seed_header
from tests.kit import kafka as kit_kafka
from tests.kit.kafka import svodka_env
from tests.kit.perturb import PERTURBATIONS, editor_note_added, every_tenth_word_replaced, paragraph_removed
from tests.kit.processes import kill_all, spawn
from tests.kit.records import article as art
from tests.kit.seeds import seed_texts
from tests.kit.waiting import wait_until

pytestmark = [pytest.mark.integration, pytest.mark.slow]

PARTITIONS = 8
TIMEOUT = 120.0
SEEDS = seed_texts()
_SPAWNED: list = []


# -- helpers ---------------------------------------------------------------------------------

class Worker:
    """One dedup worker, started as ``svodka up`` starts it (tests.kit.processes.spawn →
    cli.stack.spawn): its data dir is ``<home>/data/dedup-<index>``, so the same index
    restarts on the same RocksDB and a new index starts on an empty one."""

    def __init__(self, kafka: LocalKafka, home: Path, index: int, **env_extra: str) -> None:
        env = svodka_env(home, kafka, SVODKA_PARTITIONS=str(PARTITIONS), PYTHONUNBUFFERED="1", **env_extra)
        self.proc = spawn(env, "dedup", _SPAWNED, index)
        self.name, self.port, self.log = self.proc.name, self.proc.web_port, Path(self.proc.log)

    def wait_ready(self, timeout: float = TIMEOUT) -> None:
        """faust serves its web port once the tables are recovered and the agents run."""
        ready = wait_until(lambda: port_open(self.port) or not self.proc.alive, timeout, step=0.2)
        assert self.proc.alive, f"{self.name} exited:\n{self.tail()}"
        assert ready, f"{self.name} not ready in {timeout}s:\n{self.tail()}"

    @property
    def alive(self) -> bool:
        return self.proc.alive

    def kill9(self) -> None:
        kill_all([self.proc])

    def stop(self) -> None:
        terminate(self.proc.pid, 30)

    def tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


@pytest.fixture(autouse=True)
def _kill_leftover_workers():
    yield
    kill_all(_SPAWNED)


def raw_partitions(worker: Worker) -> set[int]:
    """The articles.raw partitions a worker has, as its /health/ reports them."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{worker.port}/health/", timeout=5) as response:
            body = json.loads(response.read())
    except urllib.error.HTTPError as exc:  # 503 (a stalled partition) still lists them
        body = json.loads(exc.read())
    except OSError:
        return set()
    return {p["partition"] for p in body["partitions"] if p["topic"] == TOPIC_RAW}


@contextmanager
def workers(kafka: LocalKafka, home: Path, count: int):
    """``count`` workers, returned once the group has shared articles.raw out among all of
    them (a worker serves its web port before the group's last rebalance is over)."""
    started = [Worker(kafka, home, i) for i in range(1, count + 1)]
    try:
        for w in started:
            w.wait_ready()

        def shared_out() -> list[set[int]] | None:
            shares = [raw_partitions(w) for w in started]
            complete = all(shares) and sum(map(len, shares)) == PARTITIONS \
                and set().union(*shares) == set(range(PARTITIONS))
            return shares if complete else None

        assert wait_until(shared_out, TIMEOUT), f"partitions never shared out: {[raw_partitions(w) for w in started]}"
        yield started
    finally:
        for w in started:
            w.stop()


@contextmanager
def private_broker(tmp: Path):
    """A broker of our own (as tests/conftest.py's ``private_kafka``), for a test that needs two."""
    broker = scratch_broker(tmp / "kafka-home")
    try:
        yield broker
    finally:
        broker.stop()


def create_topics(kafka: LocalKafka) -> None:
    kit_kafka.create_topics(kafka.bootstrap, PARTITIONS)


def publish(kafka: LocalKafka, articles: list[Article]) -> None:
    kit_kafka.publish(kafka.bootstrap, TOPIC_RAW, articles)


def end_offsets(kafka: LocalKafka, *topics: str) -> dict[TopicPartition, int]:
    return kit_kafka.end_offsets(kafka.bootstrap, topics, PARTITIONS)


def output_offsets(kafka: LocalKafka) -> dict[TopicPartition, int]:
    return end_offsets(kafka, TOPIC_UNIQUE, TOPIC_DUPLICATES)


def progress_report(kafka: LocalKafka) -> str:
    """Per partition, the dedup group's committed offset / the end offset of the topics it
    reads: where a record that never came out stopped."""
    ends = end_offsets(kafka, TOPIC_RAW, "svodka-dedup-by-content", "svodka-dedup-by-band")
    committed = kit_kafka.group_offsets(kafka.bootstrap, "svodka-dedup")
    return "; ".join(f"{tp.topic}[{tp.partition}] {committed[tp].offset if tp in committed else '-'}/{end}"
                     for tp, end in sorted(ends.items()) if end)


def wait_committed(kafka: LocalKafka, topic: str = TOPIC_RAW, group: str = "svodka-dedup",
                   timeout: float = 30.0) -> None:
    """Until ``group`` has committed every record of ``topic`` (so none is replayed later)."""

    def committed() -> bool:
        ends, done = end_offsets(kafka, topic), kit_kafka.group_offsets(kafka.bootstrap, group)
        return all(tp in done and done[tp].offset >= end for tp, end in ends.items() if end)

    assert wait_until(committed, timeout), f"{group} has not committed all of {topic}"


def collect(kafka: LocalKafka, ids: set[str], since: dict | None = None, timeout: float = TIMEOUT,
            settle: float = 1.0) -> list[tuple[str, str, bytes]]:
    """(topic, id, value) of every record on articles.unique / articles.duplicates after
    ``since`` (default: from the beginning), read until all ``ids`` have come out and
    then ``settle`` seconds more (to see re-emitted records too)."""

    async def run():
        consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap, enable_auto_commit=False)
        await consumer.start()
        try:
            tps = [TopicPartition(t, p) for t in (TOPIC_UNIQUE, TOPIC_DUPLICATES) for p in range(PARTITIONS)]
            consumer.assign(tps)
            for tp in tps:
                consumer.seek(tp, (since or {}).get(tp, 0))
            records: list[tuple[str, str, bytes]] = []
            seen: set[str] = set()
            deadline = time.monotonic() + timeout
            done_at = None
            while done_at is None or time.monotonic() < done_at:
                if time.monotonic() > deadline:
                    return records, sorted(ids - seen)
                for tp, messages in (await consumer.getmany(timeout_ms=200)).items():
                    for m in messages:
                        records.append((tp.topic, m.key.decode(), m.value))
                        seen.add(m.key.decode())
                if done_at is None and ids <= seen:
                    done_at = time.monotonic() + settle
            return records, []
        finally:
            await consumer.stop()

    records, missing = asyncio.run(run())
    if missing:
        raise AssertionError(f"{len(missing)} of {len(ids)} articles did not come out: {missing[:5]}; "
                             f"committed/end: {progress_report(kafka)}")
    return records


def verdicts(records) -> tuple[set[str], dict[str, Duplicate]]:
    unique = {ident for topic, ident, _ in records if topic == TOPIC_UNIQUE}
    dups = {ident: Duplicate.from_json(value) for topic, ident, value in records if topic == TOPIC_DUPLICATES}
    return unique, dups


def seeds() -> list[Article]:
    return [art(f"seed{name}", text) for name, text in sorted(SEEDS.items())]


# -- tests -------------------------------------------------------------------------------------

def test_perturbed_copies_come_out_as_near_duplicates(private_kafka, tmp_path):
    create_topics(private_kafka)
    with workers(private_kafka, tmp_path, 1) as (worker,):
        originals = seeds()
        publish(private_kafka, originals)
        unique, dups = verdicts(collect(private_kafka, {a.id for a in originals}))
        assert unique == {a.id for a in originals} and not dups, worker.tail()

        since = output_offsets(private_kafka)
        copies = [art(f"{kind[:6].replace(' ', '_')}{name}", perturb(text))
                  for name, text in sorted(SEEDS.items()) for kind, perturb in PERTURBATIONS.items()]
        redated = [art(f"redated{name}", " date 2030-01-02 " + split_seed_header(text)[1])
                   for name, text in sorted(SEEDS.items())]
        publish(private_kafka, copies + redated)
        unique, dups = verdicts(collect(private_kafka, {a.id for a in copies + redated}, since))
        assert not unique, f"copies found unique: {sorted(unique)}"
        for a in copies + redated:
            dup = dups[a.id]
            assert dup.dup_of == "seed" + a.id[-3:], (a.id, dup)
            assert dup.similarity >= 0.5
            if a.id.startswith(("whites", "redated")):
                assert dup.method in ("exact", "near")
            else:
                assert dup.method == "near", (a.id, dup)
        assert all(dups[f"redated{n}"].method == "exact" for n in SEEDS)

        with urllib.request.urlopen(f"http://127.0.0.1:{worker.port}/health/", timeout=5) as response:
            assert json.loads(response.read())["ok"] is True


def test_kill_9_and_restart_on_the_same_and_on_an_empty_data_dir_make_no_new_unique_ids(private_kafka, tmp_path):
    create_topics(private_kafka)
    originals = seeds()
    ids = {a.id for a in originals}
    w = Worker(private_kafka, tmp_path, 1)
    try:
        w.wait_ready()
        publish(private_kafka, originals)
        assert verdicts(collect(private_kafka, ids))[0] == ids
    finally:
        w.kill9()

    # same data dir: RocksDB is there; the same files again, and edited copies under new ids
    edited = [art(f"edited{n}", every_tenth_word_replaced(t)) for n, t in sorted(SEEDS.items())]
    since = output_offsets(private_kafka)
    w = Worker(private_kafka, tmp_path, 1)  # the same data dir
    try:
        w.wait_ready()
        publish(private_kafka, originals + edited)
        unique, dups = verdicts(collect(private_kafka, ids | {a.id for a in edited}, since))
        assert unique <= ids, f"new unique ids after a restart: {sorted(unique - ids)}\n{w.tail()}"
        assert {a.id: dups[a.id].dup_of for a in edited} == {a.id: "seed" + a.id[-3:] for a in edited}
    finally:
        w.kill9()

    # an empty data dir: the tables must come back from their changelog topics
    copies = [art(f"reprint{n}", t) for n, t in sorted(SEEDS.items())]  # same text, another id
    noted = [art(f"noted{n}", editor_note_added(paragraph_removed(t))) for n, t in sorted(SEEDS.items())]
    since = output_offsets(private_kafka)
    w = Worker(private_kafka, tmp_path, 2)  # an empty data dir
    try:
        w.wait_ready()
        publish(private_kafka, originals + copies + noted)
        unique, dups = verdicts(collect(private_kafka, ids | {a.id for a in copies + noted}, since))
        assert unique <= ids, f"new unique ids after recovery: {sorted(unique - ids)}\n{w.tail()}"
        assert {a.id: (dups[a.id].dup_of, dups[a.id].method) for a in copies} == \
            {a.id: ("seed" + a.id[-3:], "exact") for a in copies}
        assert {a.id: (dups[a.id].dup_of, dups[a.id].method) for a in noted} == \
            {a.id: ("seed" + a.id[-3:], "near") for a in noted}
    finally:
        w.stop()

    everything = collect(private_kafka, ids, settle=0.5)
    assert {ident for topic, ident, _ in everything if topic == TOPIC_UNIQUE} == ids


def _scenario(tmp: Path, worker_count: int) -> tuple[set[str], dict[str, tuple[str, str]], int]:
    """Originals (seeds and --loop copies of them), then an edited and a reprinted copy of
    each, through ``worker_count`` workers on a broker of the scenario's own. Returns the
    unique ids, id → (dup_of, method), and how many chain records travelled between workers."""
    originals = [art(f"o{name}-{k}", text, copy=k) for k in range(6) for name, text in sorted(SEEDS.items())]
    edited = [art(f"e{name}-{k}", every_tenth_word_replaced(text), copy=k)
              for k in range(6) for name, text in sorted(SEEDS.items())]
    reprints = [art(f"r{name}-{k}", text, copy=k) for k in range(6) for name, text in sorted(SEEDS.items())]
    with private_broker(tmp) as kafka:
        create_topics(kafka)
        with workers(kafka, tmp, worker_count) as started:
            publish(kafka, originals)
            collect(kafka, {a.id for a in originals}, settle=0.2)
            publish(kafka, edited + reprints)
            unique, dups = verdicts(collect(kafka, {a.id for a in originals + edited + reprints}))
            travelled = sum(end_offsets(kafka, "svodka-dedup-by-band").values())
            assert all(w.alive for w in started), [w.tail() for w in started]
    return unique, {i: (d.dup_of, d.method) for i, d in dups.items()}, travelled


def test_two_workers_in_one_group_give_the_same_verdicts_as_one(tmp_path):
    one = _scenario(tmp_path / "one", 1)
    two = _scenario(tmp_path / "two", 2)
    expected_unique = {f"o{name}-{k}" for k in range(6) for name in SEEDS}
    assert one[0] == two[0] == expected_unique
    assert one[1] == two[1]
    assert {i: v for i, v in one[1].items() if i.startswith("e")} == \
        {f"e{n}-{k}": (f"o{n}-{k}", "near") for k in range(6) for n in SEEDS}
    assert {i: v for i, v in one[1].items() if i.startswith("r")} == \
        {f"r{n}-{k}": (f"o{n}-{k}", "exact") for k in range(6) for n in SEEDS}
    assert one[2] == 0, "one worker owns every partition: no record should travel"
    assert two[2] > 0, "with two workers part of the chain must go through svodka-dedup-by-band"


def swept(worker: Worker) -> dict[str, int]:
    """Values deleted per table, from the worker's "swept" log lines (JSON)."""
    deleted: dict[str, int] = {}
    for line in worker.log.read_text(errors="replace").splitlines():
        if '"swept"' in line:
            entry = json.loads(line[line.index("{"):])
            deleted[entry["table"]] = deleted.get(entry["table"], 0) + entry["deleted"]
    return {table: n for table, n in deleted.items() if n}


def test_the_timer_forgets_state_older_than_the_window_and_recovery_keeps_it_forgotten(private_kafka, tmp_path):
    """Event time, not wall time: an article 59 days older than the newest one seen is past
    the 30-day window; the sweep deletes its state and writes tombstones, so a worker that
    recovers its tables from the changelog has forgotten it too."""
    create_topics(private_kafka)
    old = art("old", SEEDS["002"], published_at="2025-01-01T09:00:00+00:00")
    new = art("new", SEEDS["004"], published_at="2025-03-01T09:00:00+00:00")
    w = Worker(private_kafka, tmp_path, 1, SVODKA_DEDUP_SWEEP_SECONDS="1", SVODKA_LOG_LEVEL="info")
    try:
        w.wait_ready()
        publish(private_kafka, [old])
        collect(private_kafka, {"old"}, settle=0.2)
        publish(private_kafka, [new])
        collect(private_kafka, {"new"}, settle=0.2)
        all_of_old = {"first-seen": 1, "band-buckets": 8}  # all the state of "old"
        assert wait_until(lambda: swept(w) == all_of_old, 30, step=0.5), f"swept {swept(w)}\n{w.tail()}"
        wait_committed(private_kafka)  # so that "old" is not replayed into the new worker
    finally:
        w.kill9()

    since = output_offsets(private_kafka)
    w = Worker(private_kafka, tmp_path, 2)  # an empty data dir
    try:
        w.wait_ready()
        again_old = art("again-old", SEEDS["002"], published_at="2025-01-02T09:00:00+00:00")
        again_new = art("again-new", SEEDS["004"], published_at="2025-03-02T09:00:00+00:00")
        publish(private_kafka, [again_old, again_new])
        unique, dups = verdicts(collect(private_kafka, {"again-old", "again-new"}, since))
        assert unique == {"again-old"}, w.tail()
        assert (dups["again-new"].dup_of, dups["again-new"].method) == ("new", "exact")
    finally:
        w.stop()
