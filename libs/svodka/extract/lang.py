"""Language detection without a model: alphabet and stop-word statistics.

The pipeline only needs to tell Russian (which it analyses) from what it must
leave alone: Ukrainian, English, and everything else. Three cheap signals do it:

* the script: Latin letters against Cyrillic letters;
* letters only one language has: і ї є ґ are Ukrainian, ы э are Russian
  (and absent from Ukrainian and Bulgarian; a frequent ъ is Bulgarian), ў is Belarusian, ә ғ қ ң ө ұ ү һ are Kazakh/
  Tatar/Bashkir…, ј љ њ ћ ђ џ ѓ ќ ѕ are Serbian/Macedonian;
* the most frequent function words of each language.

``detect`` returns ``"ru"``, ``"uk"``, ``"en"`` or ``"other"``. Only the first
``MAX_CHARS`` characters are looked at: a few kilobytes decide reliably and
keep the cost flat for long articles.
"""

from __future__ import annotations

import re

MAX_CHARS = 4000

RU, UK, EN, OTHER = "ru", "uk", "en", "other"

_WORD = re.compile(r"[^\W\d_]+(?:['’ʼ][^\W\d_]+)?")

_RU_STOP = frozenset(
    """и в не на что с по это как а то он она они из за от для о к у но бы
    же ли его ее её их был была были было быть будет также который которые
    которая этот эта эти того только еще ещё уже при или если чтобы когда
    так где после даже более всех всего свой своей может сказал заявил""".split()
)
_UK_STOP = frozenset(
    """і й та що це як на не з у в до від для про за але щоб він вона вони
    його її їх був була були було бути буде також який які яка цей ця ці
    тільки ще вже при або якщо коли де після навіть більш всіх свій своєї
    може сказав заявив між через""".split()
)
_EN_STOP = frozenset(
    """the of and to in a is that for it on was with as by at be this are
    from or have an has had not but its were which their said they he she
    will would been also who after more than about""".split()
)
# Function words of other Latin-script languages: a text full of these is not English.
_LATIN_OTHER_STOP = frozenset(
    """der die das und nicht ist ein eine mit den dem von zu auf für sich
    le la les et des est une dans pour pas qui sur du au
    el los las y que del por con una para es se lo
    il di che della per non sono gli nel
    w z na się nie jest do że to od
    het een van en niet op zijn met voor""".split()
) - _EN_STOP
# Words both languages write alike («на», «не», «до», «за», «при») say nothing.
_RU_ONLY = _RU_STOP - _UK_STOP
_UK_ONLY = _UK_STOP - _RU_STOP
# Bulgarian shares most letters with Russian; these words are its tell.
_BG_STOP = frozenset("това които който която съм са ще че във със след според".split())

_UK_LETTERS = frozenset("іїєґІЇЄҐ")
_RU_LETTERS = frozenset("ыэЫЭ")
_HARD_SIGN = frozenset("ъЪ")  # rare in Russian, one letter in fifty in Bulgarian
_OTHER_CYRILLIC = frozenset("ўЎәӘғҒқҚңҢөӨұҰүҮһҺјЈљЉњЊћЋђЂџЏѓЃќЌѕЅ")
_LATIN_DIACRITICS = frozenset("äöüßàâçéèêëîïôûùÿñáíóúãõąćęłńśźżčřšžěůőű")


_NOT_CYRILLIC = re.compile(r"[^\u0400-\u04ff]+")
_NOT_LATIN = re.compile(r"[^A-Za-z\u00c0-\u024f]+")
_NOT_LETTER = re.compile(r"[\W\d_]+")


def _count(sample: str, chars: frozenset[str]) -> int:
    return sum(sample.count(c) for c in chars)


def detect(text: str) -> str:
    """The language of ``text``: ``"ru"``, ``"uk"``, ``"en"`` or ``"other"``."""
    sample = text[:MAX_CHARS]
    # counting with C-level string operations: a Python loop per character
    # would cost more than the rest of the extraction's bookkeeping
    letters = len(_NOT_LETTER.sub("", sample))
    if letters == 0:
        return OTHER
    cyr = len(_NOT_CYRILLIC.sub("", sample))
    lat = len(_NOT_LATIN.sub("", sample))
    if letters - cyr - lat > cyr + lat:  # CJK, Arabic, Greek, Hebrew…
        return OTHER
    words = [w.lower() for w in _WORD.findall(sample)]
    if cyr >= lat:
        return _cyrillic(words, cyr, _count(sample, _UK_LETTERS), _count(sample, _RU_LETTERS),
                         _count(sample, _OTHER_CYRILLIC), _count(sample, _HARD_SIGN))
    return _latin(words, lat, _count(sample.lower(), _LATIN_DIACRITICS))


def _cyrillic(words: list[str], cyr: int, uk_letters: int, ru_letters: int, other_cyr: int,
              hard_signs: int) -> str:
    if other_cyr >= max(2, 0.005 * cyr):
        return OTHER
    ru_words = sum(1 for w in words if w in _RU_ONLY)
    uk_words = sum(1 for w in words if w in _UK_ONLY)
    bg_words = sum(1 for w in words if w in _BG_STOP)
    # Letters are the strongest signal: Russian prose has ы/э in ~2% of letters,
    # Ukrainian has і/ї/є in ~6% and never ы/э/ъ. Stop words weigh as much as
    # a few letters each (many are shared: «на», «не», «за», «до»).
    ru_score = ru_letters + 3 * ru_words
    uk_score = uk_letters + 3 * uk_words
    if uk_letters == 0 and (bg_words >= 2 or hard_signs >= max(2, 0.01 * cyr)) and ru_letters <= 0.002 * cyr:
        return OTHER  # Bulgarian: no ы/э, ъ inside words, «това», «че», «са»
    # Ukrainian prose has і/ї/є in about one letter in sixteen: a text without
    # a single one is not Ukrainian, however many short function words it has
    # («до», «в», «на»: a short Russian wire with no ы/э was read as Ukrainian).
    if uk_score > ru_score and uk_letters > 0:
        return UK
    return RU


def _latin(words: list[str], lat: int, diacritics: int) -> str:
    en_words = sum(1 for w in words if w in _EN_STOP)
    other_words = sum(1 for w in words if w in _LATIN_OTHER_STOP)
    if not words:
        return OTHER
    if diacritics > 0.01 * lat and other_words >= en_words:
        return OTHER
    if en_words >= max(1, other_words) and en_words >= 0.08 * len(words):
        return EN
    # Short English strings (a headline) may carry no stop word at all.
    if len(words) <= 8 and diacritics == 0 and other_words == 0:
        return EN
    return OTHER
