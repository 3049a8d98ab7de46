"""Dedup logic on the real seeds: exact keys, near duplicates, the chain's rules, state formats.

Everything here is pure (svodka.dedup.chain, no Kafka): ``LocalDeduper`` runs the same
stage decisions the stream service runs, with dicts for its tables.
"""

from __future__ import annotations

import itertools
import random

import numpy as np
import pytest

from svodka import dedup
from svodka.records import Article
from svodka.settings import Settings
from svodka.text import normalize, split_seed_header
from tests.kit.perturb import (
    PERTURBATIONS, editor_note_added, every_tenth_word_replaced, new_header_line, paragraph_removed,
)
from tests.kit.records import article
from tests.kit.seeds import seed_texts

SEEDS = seed_texts()


def seed_article(name: str, copy: int = 0) -> Article:
    return article(f"seed{name}" + (f"-{copy}" if copy else ""), SEEDS[name], copy=copy)


def loaded(*names: str, params: dedup.DedupParams | None = None) -> dedup.LocalDeduper:
    """A deduper that has seen the given seeds (all five by default), each found unique."""
    deduper = dedup.LocalDeduper(params=params or dedup.DedupParams())
    for name in names or SEEDS:
        assert deduper.check(seed_article(name)).unique, name
    return deduper


def _body(text: str) -> str:
    return split_seed_header(text)[1]


# -- the product's requirements -------------------------------------------------------------

def test_the_five_seeds_are_all_unique():
    deduper = dedup.LocalDeduper()
    assert all(deduper.check(seed_article(name)).unique for name in SEEDS)


@pytest.mark.parametrize("a,b", list(itertools.combinations(["000", "001", "003"], 2)))
def test_seeds_on_the_same_visit_are_far_below_the_threshold(a, b):
    """000, 001 and 003 report the same visit (other outlets, other words): distinct."""
    fp = dedup.Fingerprinter()
    similarity = dedup.jaccard(*(fp.shingle_hashes(normalize(_body(SEEDS[n]))) for n in (a, b)))
    assert similarity < 0.1 < dedup.DEFAULT_THRESHOLD


@pytest.mark.parametrize("kind", PERTURBATIONS)
@pytest.mark.parametrize("name", sorted(SEEDS))
def test_perturbed_copy_is_a_duplicate_of_its_seed(name, kind):
    deduper = loaded()
    copy = article(f"copy{name}", PERTURBATIONS[kind](SEEDS[name]))
    decision = deduper.check(copy)
    assert not decision.unique, f"{kind} of seed {name} was found unique"
    dup = decision.duplicate
    assert dup.id == copy.id and dup.dup_of == f"seed{name}"
    assert dup.similarity >= dedup.DEFAULT_THRESHOLD
    if kind == "whitespace and quotes":
        assert dup.method in ("exact", "near")  # normalize makes most of them exact
    else:
        assert dup.method == "near" and dup.similarity < 1.0


@pytest.mark.parametrize("name", sorted(SEEDS))
def test_only_the_date_line_changed_is_an_exact_duplicate(name):
    deduper = loaded()
    body = _body(SEEDS[name])
    copy = article(f"redated{name}", " date 2030-01-02 " + body)
    decision = deduper.check(copy)
    assert decision.duplicate is not None
    assert (decision.duplicate.dup_of, decision.duplicate.method, decision.duplicate.similarity) == \
        (f"seed{name}", "exact", 1.0)
    assert dedup.exact_key(copy) == dedup.exact_key(seed_article(name))


def test_the_hardest_perturbation_keeps_a_margin_over_the_threshold():
    """The documented default (0.5) sits between what must match and what must not."""
    fp = dedup.Fingerprinter()

    def shingles(text):
        return fp.shingle_hashes(normalize(_body(text)))

    weakest = min(dedup.jaccard(shingles(t), shingles(f(t))) for t in SEEDS.values() for f in PERTURBATIONS.values())
    closest = max(dedup.jaccard(shingles(SEEDS[a]), shingles(SEEDS[b])) for a, b in itertools.combinations(SEEDS, 2))
    assert closest < 0.1 and weakest > 0.6
    assert closest < dedup.DEFAULT_THRESHOLD < weakest


def test_a_higher_threshold_lets_the_word_edit_through():
    deduper = loaded(params=dedup.DedupParams(threshold=0.9))
    assert deduper.check(article("edited", every_tenth_word_replaced(SEEDS["002"]))).unique
    assert not deduper.check(article("noted", editor_note_added(SEEDS["002"]))).unique


# -- the rules of the chain -----------------------------------------------------------------

def test_a_replay_of_the_same_id_is_unique_again_and_changes_no_state():
    deduper = loaded()
    state = (dict(deduper.state.first_seen), dict(deduper.state.buckets))
    assert deduper.check(seed_article("001")).unique
    assert (deduper.state.first_seen, deduper.state.buckets) == state


def test_a_replayed_duplicate_gets_the_same_verdict():
    deduper = loaded()
    copy = article("copy", paragraph_removed(SEEDS["003"]))
    first = deduper.check(copy).duplicate
    again = deduper.check(copy).duplicate
    assert first == again and first.dup_of == "seed003"


def test_first_seen_wins_even_against_an_earlier_published_original():
    deduper = dedup.LocalDeduper()
    late = article("reprint", SEEDS["004"], published_at="2025-11-08T10:00:00+00:00")
    original = article("original", editor_note_added(SEEDS["004"]), published_at="2025-11-07T09:00:00+00:00")
    assert deduper.check(late).unique
    decision = deduper.check(original)
    assert decision.duplicate.dup_of == "reprint" and decision.duplicate.method == "near"


def test_loop_copies_are_distinct_articles_but_their_own_copies_are_duplicates():
    deduper = dedup.LocalDeduper()
    for k in range(3):
        assert deduper.check(seed_article("000", copy=k)).unique, k
    fp = deduper.fingerprinter
    a, b = (fp.fingerprint(seed_article("000", copy=k)) for k in (1, 2))
    assert a.exact_key != b.exact_key and not set(a.band_keys) & set(b.band_keys)
    edited = article("edited-2", every_tenth_word_replaced(SEEDS["000"]), copy=2)
    assert deduper.check(edited).duplicate.dup_of == "seed000-2"


def test_a_text_without_words_is_checked_exactly_only():
    deduper = dedup.LocalDeduper()
    assert deduper.hop(article("blank", "   \n ")).nbands == 0
    assert deduper.check(article("blank", "   \n ")).unique
    assert deduper.check(article("blank2", "\n\n")).duplicate.method == "exact"


def _simulate_interleaved(articles: list[Article], rng: random.Random) -> dict[str, str | None]:
    """The chain with many articles in flight: each step advances a random one by one
    stage, as partitions and workers interleave in the stream. Returns id → dup_of."""
    deduper = dedup.LocalDeduper(state=OneStageAtATime())
    in_flight = [deduper.hop(a) for a in articles]
    verdict: dict[str, str | None] = {}
    while in_flight:
        hop = in_flight.pop(rng.randrange(len(in_flight)))
        deduper.state.budget = 1
        outcome = dedup.advance(hop, deduper.state, deduper.params)
        if outcome.verdict is dedup.Verdict.ELSEWHERE:
            in_flight.append(hop)
        else:
            verdict[hop.id] = outcome.duplicate.dup_of if outcome.duplicate else None
    return verdict


class OneStageAtATime(dedup.InMemoryStore):
    """A store that lets the driver run one stage, then sends the hop "elsewhere"."""

    budget = 0

    def owns(self, stage: int, key: bytes) -> bool:
        if self.budget:
            self.budget -= 1
            return True
        return False


@pytest.mark.parametrize("seed", range(20))
def test_interleaved_chains_never_mark_both_of_two_near_duplicates(seed):
    """Whatever the order the stages run in: dup_of never forms a cycle (so of two near
    duplicates at most one is the other's duplicate), and following dup_of always ends
    at a unique article."""
    rng = random.Random(seed)
    name = rng.choice(sorted(SEEDS))
    text = SEEDS[name]
    variants = [text, *(f(text) for f in PERTURBATIONS.values()), editor_note_added(new_header_line(text)),
                SEEDS[rng.choice([n for n in SEEDS if n != name])]]
    verdict = _simulate_interleaved([article(f"v{i}", t) for i, t in enumerate(variants)], rng)
    assert any(dup is None for dup in verdict.values())
    for ident in verdict:
        seen = {ident}
        while verdict[ident] is not None:
            ident = verdict[ident]
            assert ident not in seen, f"dup_of cycle through {ident}"
            seen.add(ident)
    for a, b in itertools.combinations(verdict, 2):
        assert not (verdict[a] == b and verdict[b] == a)


# -- event time and the window ----------------------------------------------------------------

def test_event_time_is_published_at_else_ingested_at():
    assert dedup.order_ms(article("a", "x", published_at="2025-07-12T00:00:00+00:00")) == 1752278400000
    assert dedup.order_ms(article("a", "x", published_at=None, ingested_at="2025-07-12T00:00:00Z")) == 1752278400000
    # a published_at far after ingestion is a parsing accident, not a date
    far = article("a", "x", published_at="2031-01-01T00:00:00+00:00", ingested_at="2025-07-12T00:00:00+00:00")
    assert dedup.order_ms(far) == 1752278400000


def test_state_older_than_the_window_is_forgotten():
    params = dedup.DedupParams(window_days=30)
    deduper = dedup.LocalDeduper(params=params)
    assert deduper.check(article("old", SEEDS["002"], published_at="2025-01-01T00:00:00+00:00")).unique
    # within 30 days: a duplicate; 40 days later: the old state no longer counts
    within = article("within", SEEDS["002"], published_at="2025-01-20T00:00:00+00:00")
    assert deduper.check(within).duplicate.dup_of == "old"
    later = article("later", new_header_line(SEEDS["002"]), published_at="2025-02-10T00:00:00+00:00")
    assert deduper.check(later).unique
    # the original text again: its expired first-seen entry is replaced by this one (which
    # is then a near duplicate of "later", registered meanwhile) ...
    same_text_later = article("later2", SEEDS["002"], published_at="2025-02-11T00:00:00+00:00")
    assert deduper.check(same_text_later).duplicate.dup_of == "later"
    # ... so the next exact copy is a duplicate of "later2", not of the forgotten "old"
    again = article("later3", SEEDS["002"], published_at="2025-02-12T00:00:00+00:00")
    assert (deduper.check(again).duplicate.dup_of, deduper.check(again).duplicate.method) == ("later2", "exact")


def test_a_touched_bucket_drops_its_expired_entries():
    params = dedup.DedupParams(window_days=30)
    deduper = dedup.LocalDeduper(params=params)
    deduper.check(article("old", SEEDS["001"], published_at="2025-01-01T00:00:00+00:00"))
    newer = deduper.hop(article("new", every_tenth_word_replaced(SEEDS["001"]) + " ещё",
                                published_at="2025-03-01T00:00:00+00:00"))
    newer.stage = 1
    bucket = deduper.state.buckets[newer.band_key(0)] if newer.band_key(0) in deduper.state.buckets else None
    step = dedup.band_step(newer, bucket, params)
    assert [e.id for e in dedup.decode_bucket(step.state)] == ["new"]
    assert dedup.newest_order(step.state, first_seen=False) == newer.order


def test_a_full_bucket_is_still_checked_but_takes_no_more_entries():
    fp = dedup.Fingerprinter()
    params = dedup.DedupParams()
    filler = dedup.Entry("filler", 0, np.arange(10, dtype="<u4").tobytes())
    hop = dedup.Hop(dedup.Hop.encode("x", fp.fingerprint(seed_article("004")), b"{}"))
    full = dedup.encode_bucket([dedup.Entry(f"f{i}", hop.order, filler.hashes)
                                for i in range(dedup.MAX_BUCKET_ENTRIES)])
    hop.stage = 1
    assert dedup.band_step(hop, full, params) == dedup.Step()
    roomy = dedup.encode_bucket([dedup.Entry("f0", hop.order, filler.hashes)])
    assert [e.id for e in dedup.decode_bucket(dedup.band_step(hop, roomy, params).state)] == ["f0", "x"]


# -- parameters, formats ---------------------------------------------------------------------

def test_params_come_from_the_dedup_settings_and_refuse_what_cannot_work():
    assert dedup.DedupParams.from_settings(Settings.from_env({}).dedup) == dedup.DedupParams(0.5, 30)
    env = {"SVODKA_DEDUP_THRESHOLD": "0.7", "SVODKA_DEDUP_WINDOW_DAYS": "7"}
    params = dedup.DedupParams.from_settings(Settings.from_env(env).dedup)
    assert (params.threshold, params.window_days, params.window_ms) == (0.7, 7.0, 7 * 86_400_000)
    for threshold, days in ((0, 30), (1.5, 30), (0.5, -1)):
        with pytest.raises(dedup.DedupConfigError):
            dedup.DedupParams(threshold, days)


def test_exact_key_is_the_normalised_content_hash_with_the_copy_number():
    from svodka.text import content_hash

    a = seed_article("003")
    assert dedup.exact_key(a) == content_hash(_body(SEEDS["003"]))
    assert dedup.exact_key(seed_article("003", copy=4)) == content_hash(_body(SEEDS["003"])) + ":4"


def test_fingerprints_are_stable_across_processes():
    """Band keys are state keys: every worker, every run must compute the same ones."""
    fp = dedup.Fingerprinter().fingerprint(seed_article("000"))
    again = dedup.Fingerprinter().fingerprint(seed_article("000"))
    assert fp.band_keys == again.band_keys and len(fp.band_keys) == dedup.BANDS
    assert np.array_equal(fp.hashes, again.hashes) and fp.hashes.dtype == np.uint32
    assert list(fp.hashes) == sorted(set(fp.hashes.tolist()))
    assert fp.band_keys[0].hex() == "4f741aae6c5ee8be"  # a change here orphans every stored bucket


def test_a_record_round_trips_and_travels_in_envelopes():
    deduper = dedup.LocalDeduper()
    art = seed_article("002")
    hop = deduper.hop(art)
    assert (hop.id, hop.stage, hop.nbands, hop.exact_key.decode()) == (art.id, 0, 8, dedup.exact_key(art))
    assert Article.from_json(hop.payload) == art
    hop.stage = 3
    moved = dedup.Hop(hop.wire)
    assert moved.stage == 3 and moved.next_key == hop.band_key(2) and moved.payload == hop.payload
    records = [hop.raw, moved.raw, b"x" * 10]
    assert list(dedup.unpack_envelope(next(dedup.pack_envelopes(records)))) == records
    split = list(dedup.pack_envelopes(records, limit=len(hop.raw) + 20))
    assert len(split) == 3 and [r for e in split for r in dedup.unpack_envelope(e)] == records


@pytest.mark.parametrize("garbage", [b"", b"xx", b"SVDD\x01\xff\xff\xff\x00"])
def test_malformed_records_and_envelopes_are_refused(garbage):
    with pytest.raises(ValueError):
        list(dedup.unpack_envelope(garbage)) if garbage.startswith(b"SVDD") or not garbage else dedup.Hop(garbage)


def test_partition_of_a_key_is_stable():
    assert dedup.partition_of(b"abc", 8) == dedup.partition_of(b"abc", 8) == 0x352441c2 % 8


# -- the chain driver over a store ---------------------------------------------------------------

class ExactOnly(dedup.InMemoryStore):
    """A worker that owns the first-seen table's keys and none of the bands'."""

    def owns(self, stage: int, key: bytes) -> bool:
        return stage == dedup.EXACT_STAGE


def test_the_driver_stops_where_the_store_does_not_own_the_key_and_resumes_elsewhere():
    here, there = ExactOnly(), dedup.InMemoryStore()
    hop = dedup.LocalDeduper().hop(seed_article("002"))
    outcome = dedup.advance(hop, here, dedup.DedupParams())
    assert outcome.verdict is dedup.Verdict.ELSEWHERE and hop.stage == 1  # on its way to band 1
    assert list(here.first_seen) == [hop.exact_key] and not here.buckets
    travelled = dedup.Hop(hop.wire)  # as the record arrives at the owner of band 1
    assert dedup.advance(travelled, there, dedup.DedupParams()).verdict is dedup.Verdict.UNIQUE
    assert len(there.buckets) == dedup.BANDS and not there.first_seen
