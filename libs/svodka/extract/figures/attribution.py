"""Who reported a figure: the attribution in its sentence («по данным …», «…, заявил Буданов»).

``attributions(wd, text, start, stop, mentions)`` finds every attribution in a
sentence with the reporter it names; ``reporter(attrs, pos)`` picks the one for
a figure at ``pos``. Rules: package docstring («Sentence, entities,
reported_by»).
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from svodka.extract.morphology import PROPER

from .qualifiers import CLAUSE_BREAK, clause_start
from .words import Words, is_adj, yo

__all__ = ["Attribution", "attributions", "reporter", "REPORT_VERB"]

_PROPER = PROPER
# A reporter's noun phrase: at most four adjectives before the head («главного
# политического управления …» has three) and five genitive words after it («спецслужб
# Южной Кореи»); longer runs are clauses, not names.
NP_ADJECTIVES = 4
NP_TAIL_WORDS = 5
# after «заявил» the next few characters tell «, что …» (no subject after) from «Буданов»
VERB_PEEK = 5

_SOURCE_PHRASE = re.compile(
    r"(?<![\w-])(?:по[ \u00a0]+(?:данным|словам|оценк(?:е|ам)|информации|сведениям|подсч[её]там|расч[её]там|"
    r"мнению|заявлению|утверждению|версии|прогноз(?:у|ам))|согласно(?:[ \u00a0]+(?:данным|оценк(?:е|ам)|"
    r"информации|сведениям|подсч[её]там|расч[её]там|прогноз(?:у|ам)))?|со[ \u00a0]+ссылкой[ \u00a0]+на|"
    r"как[ \u00a0]+(?:пишет|пишут|писал[аио]?|сообщает|сообщают|сообщил[аио]?|заявил[аио]?|заявляет|отмечает|"
    r"отмечают|отметил[аио]?|указывает|утверждает|считает|считают|подсчитал[аио]?|полагает|полагают|уточняет))"
    r"[ \u00a0]+",
    re.I,
)
REPORT_VERB = re.compile(
    r"(?<![\w-])(?:заяв(?:ил[аио]?|ляет|ляют|лял[аио]?)|сообщ(?:ил[аио]?|ает|ают|ал[аио]?)|пиш(?:ет|ут)|"
    r"писал[аио]?|отмет(?:ил[аио]?)|отмеча(?:ет|ют|л[аио]?)|подсчитал[аио]?|подсчита(?:ли)|"
    r"оценива(?:ет|ют|л[аио]?)|оценил[аио]?|утвержда(?:ет|ют|л[аио]?)|счита(?:ет|ют)|"
    r"подтвердил[аио]?|рассказал[аио]?|указал[аио]?|уточнил[аио]?|переда(?:ет|ют|л[аио]?)|"
    r"признал[аио]?|сказал[аио]?|доложил[аио]?|информиру(?:ет|ют)|"
    r"сообщается|констатирует|предупредил[аио]?|подчеркнул[аио]?)(?![\w-])",
    re.I,
)
_NP_TOKEN = re.compile(r"[A-Za-zА-Яа-яЁё0-9]+(?:[-‐][A-Za-zА-Яа-яЁё0-9]+)*\*?|[,;:.!?()\[\]«»\"“”—–]")
_PERSON = {"Name", "Surn", "Patr"}
_SKIP_LEAD = {"что", "однако", "а", "но", "и", "также", "ранее", "уже", "еще", "ещё", "тоже", "впрочем", "при", "этом"}


def _tokens(text: str, start: int, stop: int) -> list[tuple[str, int, int]]:
    return [(m.group().rstrip("*"), m.start(), m.end()) for m in _NP_TOKEN.finditer(text, start, stop)]


def _is_latin_or_caps(w: str) -> bool:
    return bool(re.match(r"[A-Za-z]", w)) or (len(w) > 1 and w.isupper())


_PRONOUN = "\x00pronoun"


def _nomn_np(wd: Words, tokens: list[tuple[str, int, int]], sentence_start: int, any_case: bool = False) -> tuple[str, list[int]]:
    """The first (nominative, unless ``any_case``) noun phrase in the tokens, normalized; "" if none.

    Also returns the anchors: character offsets where the phrase, a name in
    apposition inside it, or a coordinated phrase begins. A mention starting
    at an anchor *is* the reporter; one elsewhere in the phrase is only a
    complement («спецслужб Южной Кореи» is not «Южная Корея»).

    Prepositional phrases are skipped («на прошлой неделе Белый дом» → «Белый
    дом»), as is a Latin name standing after an oblique noun («в интервью
    агентству Bloomberg глава …» → «глава …»). Coordinated subjects are kept
    («Украина и Южная Корея»).
    """
    i = 0
    n = len(tokens)
    in_pp = False
    after_oblique = False
    while i < n:
        w = tokens[i][0]
        if not w[0].isalnum():
            i += 1
            in_pp = after_oblique = False
            continue
        if w[0].isdigit():
            i += 1
            continue
        lw = w.lower()
        ps = wd.parses(lw)
        top = ps[0].tag.POS if ps else None
        if top == "NPRO":
            if not in_pp and not any_case and wd.case(ps[0]) == "nomn":
                return _PRONOUN, []  # «он заявил»
            i += 1
            continue
        if top == "PREP":
            in_pp = True
            i += 1
            continue
        if lw in _SKIP_LEAD or top in ("CONJ", "PRCL", "ADVB", "INTJ", "VERB", "GRND", "INFN", "PRTS", "ADJS"):
            i += 1
            continue
        if _is_latin_or_caps(w) and not any(p.tag.POS == "NOUN" and "Abbr" in p.tag and "Orgn" not in p.tag for p in ps):
            if in_pp or after_oblique:
                i += 1
                continue
            return _collect_names(tokens, i), [tokens[i][1]]
        nomn = any_case or any(wd.case(p) == "nomn" and p.tag.POS in ("NOUN", "ADJF", "PRTF") for p in ps)
        if in_pp or not nomn:
            if any(p.tag.POS == "NOUN" for p in ps):
                in_pp = False  # the preposition's noun closes the phrase
                after_oblique = True
            i += 1
            continue
        phrase, j, names_at = _normalize_np(wd, tokens, i, sentence_start)
        if not phrase:
            i += 1
            continue
        anchors = [tokens[i][1]] + ([names_at] if names_at is not None else [])
        # «Украина и Южная Корея оценивают»
        if j + 1 < n and tokens[j][0].lower() == "и" and not any_case:
            nxt = tokens[j + 1][0]
            if nxt[0].isupper() and any(wd.case(p) == "nomn" for p in wd.parses(nxt.lower())):
                other, _, other_names = _normalize_np(wd, tokens, j + 1, sentence_start)
                if other:
                    phrase = f"{phrase} и {other}"
                    anchors.append(tokens[j + 1][1])
        return phrase, anchors
    return "", []


def _collect_names(tokens: list[tuple[str, int, int]], i: int) -> str:
    out = []
    while i < len(tokens) and tokens[i][0][0].isalnum() and (tokens[i][0][0].isupper() or _is_latin_or_caps(tokens[i][0])):
        out.append(tokens[i][0])
        i += 1
    return " ".join(out)


def _restyle(form: str, original: str) -> str:
    if original.isupper() and len(original) > 1:
        return form.upper()
    if original[:1].isupper():
        return form[:1].upper() + form[1:]
    return form



def _is_name_like(wd: Words, w: str) -> bool:
    """A capitalized name in apposition: a person's name, a Latin or unknown word."""
    if _is_latin_or_caps(w):
        return True
    if not w[:1].isupper():
        return False
    ps = wd.parses(w.lower())
    if any(_PERSON & p.tag.grammemes for p in ps[:2]):
        return True
    return not any(wd.morph.is_dictionary_word(p) for p in ps)


def _is_person(wd: Words, w: str) -> bool:
    return w[:1].isupper() and any(_PERSON & p.tag.grammemes for p in wd.parses(w.lower())[:2])


def _normalize_np(wd: Words, tokens: list[tuple[str, int, int]], i: int, sentence_start: int) -> tuple[str, int, int | None]:
    """Adjectives + head noun (to the nominative, number kept) + genitive tail, or the name in it.

    Returns the phrase ("" if there is no noun), the index after it, and the
    offset where a name in apposition starts (None if there is none).
    """
    n = len(tokens)
    adjs: list[tuple[str, int]] = []
    head: tuple[str, int, Any] | None = None
    j = i
    while j < n and len(adjs) < NP_ADJECTIVES:
        w = tokens[j][0]
        if not w[0].isalpha():
            break
        ps = wd.parses(w.lower())
        nouns = [p for p in ps if p.tag.POS == "NOUN"]
        adj = [p for p in ps if is_adj(p)]
        nxt_ok = j + 1 < n and tokens[j + 1][0][0].isalpha() and any(
            p.tag.POS in ("NOUN", "ADJF", "PRTF") for p in wd.parses(tokens[j + 1][0].lower())
        )
        if adj and (not nouns or (nxt_ok and adj[0].score >= nouns[0].score)):
            adjs.append((w, j))
            j += 1
            continue
        if nouns:
            head = (w, j, nouns[0])
        break
    if head is None:
        return "", i, None
    hw, hj, hp = head
    number = "plur" if hp.tag.number == "plur" and "Pltm" not in hp.tag else "sing"
    k = hj + 1
    tail: list[str] = []
    names: list[str] = []
    names_at: int | None = None
    while k < n and len(tail) < NP_TAIL_WORDS:
        w = tokens[k][0]
        if not w[0].isalpha() or len(w) < 2:
            break
        ps = wd.parses(w.lower())
        if ps and ps[0].tag.POS not in ("NOUN", "ADJF", "PRTF", None) and not _is_latin_or_caps(w):
            break
        if _is_name_like(wd, w) and (not tail or _is_person(wd, w)):
            # «агентство Ренхап», «главы украинской разведки Кирилла Буданова»
            if not names:
                names_at = tokens[k][1]
            names.append(w)
            k += 1
            continue
        if names:
            break
        # a genitive complement: «спецслужб Южной Кореи», «министерство обороны»
        if any(wd.case(p) == "gent" and p.tag.POS in ("NOUN", "ADJF") for p in ps):
            tail.append(w)
            k += 1
            continue
        break
    if names:
        people = [x for x in names if any(_PERSON & p.tag.grammemes for p in wd.parses(x.lower())[:2])]
        if people and len(people) == len(names):
            return " ".join(_restyle(_name_nomn(wd, x), x) for x in names), k, names_at
        return " ".join(names), k, names_at
    if hp.tag.gender in ("masc", "femn", "neut") and number == "sing":
        agree = frozenset({hp.tag.gender, "sing", "nomn"})
    else:
        agree = frozenset({"plur", "nomn"})
    out = []
    for w, jj in adjs:
        form = wd.adj_form(w.lower(), agree)
        out.append(_style(wd, form, w, tokens[jj][1] == sentence_start))
    hidx = wd.parses(hw.lower()).index(hp)
    hform = wd.inflect(hw.lower(), hidx, frozenset({number, "nomn"})) or hp.normal_form
    out.append(_style(wd, yo(hform), hw, tokens[hj][1] == sentence_start))
    out.extend(tail)
    return " ".join(out), k, None


def _style(wd: Words, form: str, original: str, at_sentence_start: bool) -> str:
    if at_sentence_start and original[:1].isupper() and not original.isupper():
        ps = wd.parses(original.lower())
        if ps and not (ps[0].tag.POS == "NOUN" and _PROPER & ps[0].tag.grammemes):
            return form  # capital only because it opens the sentence
    return _restyle(form, original)


def _name_nomn(wd: Words, w: str) -> str:
    ps = wd.parses(w.lower())
    for i, p in enumerate(ps):
        if _PERSON & p.tag.grammemes:
            form = wd.inflect(w.lower(), i, frozenset({"nomn"}))
            return yo(form or p.normal_form)
    return w


def _who(wd: Words, text: str, start: int, stop: int, mentions: Sequence[Any], sentence_start: int, any_case: bool = False) -> str:
    """The reporter named in ``text[start:stop]``: a mention at the phrase's anchor, else the phrase.

    Returns ``_PRONOUN`` for «он/она/они».
    """
    phrase, anchors = _nomn_np(wd, _tokens(text, start, stop), sentence_start, any_case)
    if phrase == _PRONOUN:
        return phrase
    chosen = []
    for m in mentions:
        if m.canonical and m.type in ("PER", "ORG", "LOC") and start <= m.start < stop and m.start in anchors:
            chosen.append(m)
    if chosen:
        chosen.sort(key=lambda m: m.start)
        names: list[str] = []
        for m in chosen:
            if m.canonical not in names:
                names.append(m.canonical)
        return " и ".join(names)
    return phrase


class Attribution:
    __slots__ = ("pos", "strong", "who")

    def __init__(self, pos: int, strong: bool, who: str):
        self.pos = pos
        self.strong = strong
        self.who = who


def _clause_end(text: str, pos: int, stop: int) -> int:
    m = CLAUSE_BREAK.search(text, pos, stop)
    while m and m.group() in "()":
        # a parenthesis inside a name phrase («разведка (NIS)»): look past it
        close = text.find(")", m.end(), stop)
        if close < 0:
            break
        m = CLAUSE_BREAK.search(text, close + 1, stop)
    return m.start() if m else stop


def attributions(wd: Words, text: str, start: int, stop: int, mentions: Sequence[Any]) -> list[Attribution]:
    """Every attribution in the sentence ``text[start:stop]`` with the reporter it names."""
    found: list[Attribution] = []
    for m in _SOURCE_PHRASE.finditer(text, start, stop):
        who = _who(wd, text, m.end(), _clause_end(text, m.end(), stop), mentions, start, any_case=True)
        if who and who != _PRONOUN:
            found.append(Attribution(m.start(), True, who))
    for m in REPORT_VERB.finditer(text, start, stop):
        # «Белый дом заявил»: the subject before the verb, in its clause
        cstart = clause_start(text, m.start(), start)
        who = _who(wd, text, cstart, m.start(), mentions, start)
        if who == _PRONOUN:
            found.append(Attribution(m.start(), False, ""))  # «он заявил»: nobody we can name
            continue
        if not who:
            # «…, заявил Буданов», «сообщило агентство Ренхап»: the subject after it
            after = text[m.end(): m.end() + VERB_PEEK].lstrip()
            if after and after[0] not in ",.;:!?—–\"»" and not after.lower().startswith("что"):
                who = _who(wd, text, m.end(), _clause_end(text, m.end(), stop), mentions, start)
        if not who and cstart > start:
            # «Веб-сайт X, управляемый …, сообщил»: the subject opens the sentence
            who = _who(wd, text, start, _clause_end(text, start, stop), mentions, start)
        if who and who != _PRONOUN:
            found.append(Attribution(m.start(), False, who))
    return found


def reporter(attrs: list[Attribution], pos: int) -> str:
    if not attrs:
        return ""
    strong = [a for a in attrs if a.strong]
    pool = strong or attrs
    return min(pool, key=lambda a: abs(a.pos - pos)).who
