"""Canonical entities: one id and one name for every way an entity is written.

Three mechanisms, tried in this order for each mention (see docs/entities.md):

1. The curated alias file (``data/aliases.tsv``): abbreviations, synonyms and
   well-known people, with globally stable ids — «РФ» = «Россия», «КНДР» =
   «Северная Корея», «МИД РФ» = «Министерство иностранных дел России» =
   «МИД России», «Кремль» is an ORG. An institution followed by a country
   («МИД КНДР», «министерство иностранных дел Пхеньяна») is composed from the
   two canonical parts: «МИД Северной Кореи».
2. Resolution inside the article: a bare or inflected surname («Лаврова»,
   «Кимом», «Чхве») goes to the person named in full in the same article
   («Сергей Лавров», «Ким Чен Ын», «Чхве Сон Хуэй»).
3. Transliteration-aware similarity for East Asian names: every syllable is
   reduced to a phonetic key that ignores the usual spelling variants of
   Korean and Chinese names in Russian (чх/ч/ц/чж, к/г/кх, т/д/тх, п/б/пх,
   л/р/ль, е/ё/о/э, хуэй/хи, ве/ой), and names are compared syllable by syllable
   with an edit distance. So «Цой Сон Хи», «Чхве Сон Хуэй» and «Чхве Сон Хи» are
   one person, and «Но Кван Чхоль» = «Но Гван Чоль», while «Ким Чон Гю» is not
   «Ким Чен Ын».

Ids are ``<type>:<slug of the canonical name>`` («per:сергей-лавров»,
«loc:северная-корея», «org:мид-россии»); the alias file fixes them for known
entities, and for unknown ones the slug of the same name is the same id in
every article.
"""

from __future__ import annotations

import csv
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Sequence

from .entities import (
    EAST_ASIAN_SURNAMES,
    LOC,
    ORG,
    PER,
    EntitySpan,
    inflect_phrase,
    is_east_asian_name,
    strip_east_asian_ending,
)

ALIASES_PATH = Path(__file__).resolve().parent / "data" / "aliases.tsv"
ENTITY_TYPES = (PER, ORG, LOC)
ADJ, OF = "ADJ", "OF"  # special rows: country adjective stems, places standing for their country

_QUOTES = str.maketrans({c: "" for c in "«»\"„“”'‘’`*"})
_DASHES = re.compile(r"\s*[\u2010-\u2015\u2212-]\s*")
_NON_SLUG = re.compile(r"[^0-9a-zа-я]+")
_PATRONYMIC = re.compile(r"(?:вич|вна|ична|инична)$")


@lru_cache(maxsize=65536)
def key(text: str) -> str:
    """Comparison key of a name: lower case, ё→е, no quotes, one kind of dash and space."""
    text = text.translate(_QUOTES).lower().replace("ё", "е")
    text = _DASHES.sub("-", text)
    return " ".join(text.split())


def slug(name: str) -> str:
    """«Сергей Лавров» → «сергей-лавров»; «МИД России» → «мид-россии»."""
    return _NON_SLUG.sub("-", key(name)).strip("-")


def make_id(type: str, name: str) -> str:
    return f"{type.lower()}:{slug(name)}"


@dataclass(frozen=True)
class Canonical:
    id: str
    name: str
    type: str


# --------------------------------------------------------------------------- phonetic keys

# Applied in order to one lower-cased syllable. Upper-case Latin letters are the
# consonant classes, lower-case Latin the vowel classes, so a later rule never
# rewrites what an earlier one produced.
_PHONETIC_RULES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), r)
    for p, r in [
        ("[ьъ]", ""),
        ("ё", "е"),
        # vowel groups first (they contain letters the consonant rules would eat)
        ("уэй|уй|уи|ый|ьи", "I"),      # хуэй / хи / ый (희, 의)
        ("(?<=[^аеиоуыэюя])ой$", "WE"),  # Цой = Чхве (최)
        ("оэ|уэ|вэ|ве", "WE"),
        # consonant classes
        ("тчх|чх|тч|чж|цз|дж|тш|ч|ц|ж|з", "C"),
        ("кх|кк|к|г", "K"),
        ("тх|тт|т|д", "T"),
        ("пх|пп|п|б", "P"),
        ("сс|с|ш|щ", "S"),
        ("х", "H"),
        ("р|л", "L"),
        ("нъ|нг|н", "N"),
        ("м", "M"),
        ("в", "W"),
        ("й$", ""),
        ("й", "j"),
        # vowels
        ("[еоэ]", "o"),
        ("я", "ja"),
        ("ю", "ju"),
        ("а", "a"),
        ("у", "u"),
        ("ы", "y"),
        ("[иI]", "i"),
        ("E", "o"),
    ]
]


@lru_cache(maxsize=65536)
def syllable_key(syllable: str) -> str:
    """Phonetic key of one syllable of an East Asian name written in Cyrillic:
    «Чхве» and «Цой» → «CWo»; «Хи» and «Хуэй» → «Hi»; «Кван», «Гван» → «KWaN»."""
    s = syllable.lower()
    for pattern, repl in _PHONETIC_RULES:
        s = pattern.sub(repl, s)
    return s


def name_key(name: str | Sequence[str]) -> tuple[str, ...]:
    words = name.split() if isinstance(name, str) else list(name)
    words = [w for part in words for w in part.split("-") if w]
    return tuple(syllable_key(w) for w in words)


def _lev(a: str, b: str) -> int:
    if a == b:
        return 0
    if len(a) < len(b):
        a, b = b, a
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def similar_east_asian(a: str | Sequence[str], b: str | Sequence[str]) -> bool:
    """Whether two East Asian names (surname first) are spellings of one name.

    The surnames' keys must be equal. The given names are compared syllable by
    syllable (or as one string when one spelling splits them differently:
    «Цзиньпин» / «Цзинь Пин»); one edit in total is tolerated on syllables of
    three or more key letters, none on shorter ones («Ын» ≠ «Ир», «Гю» ≠ «Ын»).
    """
    ka, kb = name_key(a), name_key(b)
    if not ka or not kb or ka[0] != kb[0]:
        return False
    ga, gb = ka[1:], kb[1:]
    if not ga or not gb:
        return False
    if len(ga) == len(gb):
        edits = 0
        for x, y in zip(ga, gb):
            d = _lev(x, y)
            if d and min(len(x), len(y)) < 3:
                return False
            edits += d
        return edits <= 1
    x, y = "".join(ga), "".join(gb)
    return _lev(x, y) <= (1 if min(len(x), len(y)) >= 4 else 0)


# --------------------------------------------------------------------------- alias table


TYPE_CACHE_NAMES = 100_000
PREFIX = 3  # letters of an alias that a word must start with before the gazetteer is tried there
_WORD_START = re.compile(r"(?<!\w)\w")


def _word_pattern(word: str, flexible: bool) -> str:
    """Regex for one word of an alias; ``flexible`` lets a Russian word take case endings."""
    low = word.lower().replace("ё", "е")
    if not re.fullmatch(r"[а-яе-]+", low) or word.isupper():
        return re.escape(word)
    stem = word.replace("ё", "е").replace("Ё", "Е")
    flexible = flexible and len(low) >= 4 and stem[-1].islower()
    if flexible:
        cut = 0
        while cut < 2 and len(stem) > 3 and stem[-1] in "аяоеиыуюйь":
            stem = stem[:-1]
            cut += 1

    def char(c: str) -> str:
        return {"е": "[её]", "Е": "[ЕЁ]"}.get(c, re.escape(c))

    first = stem[0]
    head = char(first) if first.isupper() else f"[{first}{first.upper()}]".replace("е", "её").replace("Е", "ЕЁ")
    tail = r"[а-яё]{0,3}" if flexible else ""
    return head + "".join(char(c) for c in stem[1:]) + tail


class AliasTable:
    """The curated alias file, indexed for lookup and for finding names in text."""

    def __init__(self, rows: Sequence[tuple[str, str, str, str]] = ()) -> None:
        self.entities: dict[str, Canonical] = {}
        self._by_key: dict[str, list[Canonical]] = {}
        self.country_adjectives: dict[str, str] = {}  # adjective stem → country canonical name
        self._country_of: dict[str, Canonical] = {}  # key of a place → country it stands for
        self._east_asian: list[tuple[Canonical, str]] = []
        self._gazetteer_aliases: list[tuple[str, str]] = []  # (alias, type)
        for row in rows:
            self.add(*row)
        self._gazetteer: re.Pattern[str] | None = None
        self._gazetteer_parts: list[tuple[re.Pattern[str], str]] = []
        self._prefixes: frozenset[str] = frozenset()
        self._short: frozenset[str] = frozenset()
        self._type_of: dict[str, str] = {}  # matched text → type of the alias it matched

    @classmethod
    def load(cls, path: str | Path | None = None) -> "AliasTable":
        path = Path(path) if path else ALIASES_PATH
        rows = []
        with open(path, encoding="utf-8", newline="") as fh:
            lines = (line for line in fh if line.strip() and not line.lstrip().startswith("#"))
            for n, rec in enumerate(csv.reader(lines, delimiter="\t"), 1):
                rec = [c.strip() for c in rec]
                if len(rec) < 3 or rec[0] == "canonical_id":
                    continue
                if len(rec) == 3:
                    rec.append("")
                cid, name, type, alias = rec[:4]
                if type not in ENTITY_TYPES + (ADJ, OF):
                    raise ValueError(f"{path}: row {n}: unknown type {type!r}")
                rows.append((cid, name, type, alias))
        return cls(rows)

    def add(self, cid: str, name: str, type: str, alias: str = "") -> None:
        if type == ADJ:
            self.country_adjectives[key(alias)] = name
            return
        if type == OF:
            self._country_of[key(alias)] = Canonical(cid, name, LOC)
            return
        ent = self.entities.get(cid)
        if ent is None:
            ent = self.entities[cid] = Canonical(cid, name, type)
            self._index(name, ent)
        if alias:
            self._index(alias, ent)

    def _index(self, alias: str, ent: Canonical) -> None:
        bucket = self._by_key.setdefault(key(alias), [])
        if ent not in bucket:
            bucket.append(ent)
        words = alias.split()
        if ent.type == PER and words and words[0] in EAST_ASIAN_SURNAMES and 2 <= len(words) <= 3:
            self._east_asian.append((ent, alias))
        latin_or_caps = bool(re.fullmatch(r"[A-Za-z0-9&.\- ]+", alias)) or alias.isupper()
        if ent.type == ORG or (ent.type == LOC and latin_or_caps) or (
            ent.type == PER and all(w[:1].isupper() for w in words) and max(map(len, words)) >= 4
        ):
            self._gazetteer_aliases.append((alias, ent.type))
        self._gazetteer = None

    # ---- lookup

    def lookup(self, text: str, type: str | None = None) -> Canonical | None:
        bucket = self._by_key.get(key(text))
        if not bucket:
            return None
        if type:
            for ent in bucket:
                if ent.type == type:
                    return ent
        return bucket[0]

    def country(self, text: str) -> Canonical | None:
        """The country a place name stands for as an institution's owner:
        «РФ» → Россия, «Пхеньяна» (normalised «Пхеньян») → Северная Корея."""
        ent = self._country_of.get(key(text))
        if ent is not None:
            return ent
        return self.lookup(text, LOC)

    def similar_person(self, words: Sequence[str]) -> Canonical | None:
        for ent, alias in self._east_asian:
            if similar_east_asian(words, alias):
                return ent
        return None

    # ---- gazetteer

    def find_in(self, text: str) -> list[tuple[int, int, str]]:
        """Occurrences in ``text`` of ORG and PER aliases and of Latin/abbreviated LOC
        aliases (common place names natasha does not miss)."""
        if self._gazetteer is None:
            self._build_gazetteer()
        if self._gazetteer is None:
            return []
        out = []
        # Try the alternation only where a word starts with the first two letters of some
        # alias: one pass over the word starts instead of 190 alternatives at every character
        # (4.8 → about 1 ms per 4 KB article with the issue 13 aliases).
        prefixes = self._prefixes
        gazetteer = self._gazetteer
        next_free = 0
        for w in _WORD_START.finditer(text):
            at = w.start()
            if at < next_free or text[at:at + PREFIX].lower().replace("ё", "е") not in prefixes and \
                    text[at:at + 2].lower().replace("ё", "е") not in self._short:
                continue
            m = gazetteer.match(text, at)
            if m is None:
                continue
            next_free = m.end()
            frag = m.group(0)
            type = self._type_of.get(frag)
            if type is None:
                # which alias matched decides the type; the same names recur in every article
                type = next((t for pattern, t in self._gazetteer_parts if pattern.fullmatch(frag)), "")
                if len(self._type_of) < TYPE_CACHE_NAMES:
                    self._type_of[frag] = type
            if type:
                out.append((m.start(), m.end(), type))
        return out

    def _build_gazetteer(self) -> None:
        parts: list[tuple[str, str]] = []
        seen = set()
        for alias, type in self._gazetteer_aliases:
            words = alias.split()
            if not words or len(alias) < 2:
                continue
            if re.fullmatch(r"[A-Za-z0-9&.\- ]+", alias):
                flags = "(?i:" if len(alias) >= 4 else "(?:"
                pat = flags + r"\s+".join(re.escape(w) for w in words) + ")"
            else:
                pat = r"\s+".join(_word_pattern(w, flexible=True) for w in words)
            if pat not in seen:
                seen.add(pat)
                parts.append((pat, type))
        if not parts:
            return
        parts.sort(key=lambda p: -len(p[0]))
        bound_l, bound_r = r"(?<![\w])", r"(?![\w])"
        self._gazetteer_parts = [(re.compile(p), t) for p, t in parts]
        # the first PREFIX letters of every alias, and the two-letter aliases («ЕС», «ЦБ», «AP»)
        self._prefixes = frozenset(alias[:PREFIX].lower().replace("ё", "е") for alias, _ in self._gazetteer_aliases
                                   if len(alias) >= PREFIX and alias[:PREFIX].isalnum())
        self._short = frozenset(alias[:2].lower().replace("ё", "е") for alias, _ in self._gazetteer_aliases
                                if len(alias) >= 2 and not (len(alias) >= PREFIX and alias[:PREFIX].isalnum()))
        self._gazetteer = re.compile(bound_l + "(?:" + "|".join(p for p, _ in parts) + ")" + bound_r)


# --------------------------------------------------------------------------- article resolution


# (case ending, what the nominative ends in instead): masculine «-а/-у/-ом/-е» → «»,
# feminine «-ы/-и/-е/-у/-ой» → «-а»
_CASE_ENDINGS = (("ом", ""), ("ой", "а"), ("а", ""), ("у", ""), ("е", ""), ("ы", "а"), ("и", "а"), ("е", "а"), ("у", "а"))


def _nominative_guesses(word: str) -> list[str]:
    out = []
    for ending, repl in _CASE_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            out.append(word[: -len(ending)] + repl)
    return out


@dataclass
class _Cluster:
    type: str
    alias: Canonical | None = None
    full_forms: Counter = field(default_factory=Counter)
    first_form: str = ""
    east_asian: bool = False
    surname_keys: set = field(default_factory=set)  # Russian surnames / EA phonetic surname keys
    members: list = field(default_factory=list)  # indices of spans
    words: tuple = ()

    def canonical(self) -> Canonical:
        if self.alias is not None:
            return self.alias
        if self.full_forms:
            best = max(self.full_forms.items(), key=lambda kv: (kv[1], -self._order[kv[0]]))[0]
        else:
            best = self.first_form
        return Canonical(make_id(self.type, best), best, self.type)

    @property
    def _order(self) -> dict[str, int]:
        return {f: i for i, f in enumerate(self.full_forms)}


def _strip_patronymic(words: Sequence[str]) -> list[str]:
    if len(words) == 3 and _PATRONYMIC.search(words[1].lower()):
        return [words[0], words[2]]
    return list(words)


class Resolver:
    """Assigns a ``Canonical`` to every span of one article."""

    def __init__(self, aliases: AliasTable | None = None) -> None:
        self.aliases = aliases if aliases is not None else AliasTable()

    def resolve(self, spans: Sequence[EntitySpan]) -> list[Canonical]:
        out: list[Canonical | None] = [None] * len(spans)
        clusters: list[_Cluster] = []
        by_alias: dict[str, _Cluster] = {}

        def cluster_for_alias(ent: Canonical) -> _Cluster:
            c = by_alias.get(ent.id)
            if c is None:
                c = _Cluster(PER, alias=ent)
                by_alias[ent.id] = c
                clusters.append(c)
            return c

        # 1. persons named in full (two words or more)
        for i, s in enumerate(spans):
            if s.type != PER or len(s.words) < 2:
                continue
            words = s.words
            ea = is_east_asian_name(words)
            c = None
            ent = self.aliases.lookup(s.normal, PER) or self.aliases.lookup(" ".join(_strip_patronymic(words)), PER)
            if ent is None and ea:
                ent = self.aliases.similar_person(words)
            if ent is not None and ent.type == PER:
                c = cluster_for_alias(ent)
            elif ent is not None:  # the alias file says it is not a person
                out[i] = ent
                continue
            if c is None:
                c = self._match_full(words, ea, clusters)
            if c is None:
                c = _Cluster(PER)
                clusters.append(c)
            c.east_asian = c.east_asian or ea
            c.full_forms[s.normal] += 1
            c.members.append(i)
            c.surname_keys.add(self._surname_key(words, ea))
            c.words = c.words or tuple(words)

        # 2. single-word person mentions: a surname of someone named in the article,
        #    else a known person from the alias file, else a person of its own
        singles: dict[str, _Cluster] = {}
        for i, s in enumerate(spans):
            if s.type != PER or len(s.words) != 1:
                continue
            c = self._match_single(i, s, clusters)
            if c is None:
                variants = s.variants or (s.normal,)
                ent = next((e for v in (s.normal, *variants) if (e := self.aliases.lookup(v, PER))), None)
                if ent is not None and ent.type == PER:
                    c = cluster_for_alias(ent)
                elif ent is not None:
                    out[i] = ent
                    continue
            if c is None:
                c = singles.get(key(s.normal))
                if c is None:
                    c = singles[key(s.normal)] = _Cluster(PER, first_form=s.normal)
                    clusters.append(c)
            c.members.append(i)
        for c in clusters:
            ent = c.canonical()
            for i in c.members:
                out[i] = ent

        # 3. organisations and places
        for i, s in enumerate(spans):
            if s.type == PER:
                continue
            out[i] = self._resolve_group(s)
        return out  # type: ignore[return-value]  # every slot is filled above

    # ---- persons

    @staticmethod
    def _surname_key(words: Sequence[str], ea: bool) -> str:
        return "ea:" + syllable_key(words[0]) if ea else "ru:" + key(words[-1])

    @staticmethod
    def _match_full(words: Sequence[str], ea: bool, clusters: list[_Cluster]) -> _Cluster | None:
        for c in clusters:
            if c.type != PER or not c.words:
                continue
            if ea and c.east_asian:
                if any(similar_east_asian(words, f.split()) for f in c.full_forms) or (
                    c.alias is not None and similar_east_asian(words, c.alias.name)
                ):
                    return c
            elif not ea and not c.east_asian:
                a, b = _strip_patronymic(words), _strip_patronymic(c.words)
                if key(a[-1]) == key(b[-1]) and key(a[0]) == key(b[0]):
                    return c
        return None

    @staticmethod
    def _match_single(i: int, s: EntitySpan, clusters: list[_Cluster]) -> _Cluster | None:
        variants = s.variants or (s.normal,)
        keys = {"ru:" + key(v) for v in variants}
        keys |= {"ea:" + syllable_key(v) for v in variants}
        keys.add("ea:" + syllable_key(strip_east_asian_ending(s.text.split()[0])))
        found = [c for c in clusters if c.surname_keys & keys]
        if not found:
            return None
        if len(found) == 1:
            return found[0]
        # several people share the surname: the one named last before this mention
        before = [(max((m for m in c.members if m < i), default=-1), c) for c in found]
        best = max(before, key=lambda t: t[0])
        if best[0] >= 0:
            return best[1]
        return max(found, key=lambda c: len(c.members))

    # ---- organisations and places

    def _resolve_group(self, s: EntitySpan) -> Canonical:
        for text in (s.normal, " ".join(s.text.split()), s.abbr):
            if text:
                ent = self.aliases.lookup(text, s.type)
                if ent is not None:
                    return ent
        if " " not in s.normal:
            # a one-word name the dictionary does not know, left inflected («Совфеда», «Хезболлы»):
            # the alias file may know its nominative under a regular case ending
            for form in _nominative_guesses(s.normal):
                ent = self.aliases.lookup(form, s.type)
                if ent is not None:
                    return ent
        if s.org_part and s.loc_part:
            return self._compose(s.org_part, s.loc_part, s.normal)
        if s.type == ORG:
            # «российский МИД», «северокорейское Минобороны»: a country adjective first
            first, _, rest = s.normal.partition(" ")
            country = self._adjective_country(first) if rest else None
            if country:
                return self._compose(rest, country, s.normal)
        return Canonical(make_id(s.type, s.normal), s.normal, s.type)

    def _adjective_country(self, word: str) -> str | None:
        low = key(word)
        if not low[:1].islower() or not word[:1].islower():
            return None
        for stem, country in self.aliases.country_adjectives.items():
            if low.startswith(stem) and len(low) - len(stem) <= 4:
                return country
        return None

    def _compose(self, org_part: str, loc_part: str, normal: str) -> Canonical:
        org = self.aliases.lookup(org_part, ORG)
        country = self.aliases.country(loc_part)
        org_name = org.name if org is not None else org_part
        if country is not None:
            owner = inflect_phrase(country.name, "gent")
        else:
            owner = normal[len(org_part):].strip() if normal.startswith(org_part) else loc_part
        name = f"{org_name} {owner}"
        ent = self.aliases.lookup(name, ORG)
        if ent is not None:
            return ent
        return Canonical(make_id(ORG, name), name, ORG)
