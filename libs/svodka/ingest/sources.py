"""Reading inputs into Article records: files, directories, JSON (lines), stdin. No Kafka.

Everything here is synchronous and side-effect free apart from reading the
inputs. ``read_inputs`` yields, for each input, either an ``Article`` or a
``BadInput`` (with the reason and the first bytes, for the dead-letter topic),
and ``Ignored`` for files a directory walk passes over.

The rules (also in docs/records.md):

* **id** = ``text.article_id(origin, text)``. ``origin`` is the file's path relative
  to the input root, in POSIX form: for a directory argument the root is that
  directory (``seeds/`` and ``/abs/path/seeds/`` give ``000_x.txt``, and
  ``sub/a.txt`` for nested files); for a file argument it is the file's directory
  (so ``seeds/000_x.txt`` also gives ``000_x.txt``). JSON records use their ``url``
  when they have one, else ``origin:LINE`` (JSON lines) or ``origin#N`` (the N-th
  object of a JSON list, from 1). Stdin's origin is ``-``. URLs (web.py) use the URL.
* **encoding**: a BOM decides (``utf-8-sig``, ``utf-16``); else strict UTF-8
  (``utf-8``); else the better of cp1251 and KOI8-R by a score of Russian letter
  frequencies and letter case (``cp1251`` / ``koi8-r``); if neither reads as
  Russian text the input is ``undecodable``. NUL bytes or many control characters
  make it ``binary``.
* **text** is the decoded text with line ends made ``\\n`` and the ends stripped;
  ``content_sha256`` is the SHA-256 of that text in UTF-8.
* **title** of plain text is its first line if it looks like a headline: at most
  200 characters and 30 words, not ending in ``. , ; : …``, and followed by more text.
"""

from __future__ import annotations

import codecs
import fnmatch
import json
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from svodka import text as textlib
from svodka.ingest.dates import find_dateline, from_header, parse_datetime
from svodka.ingest.html import extract_page, html_charset
from svodka.records import Article, DeadLetter, letter_id
from svodka.timeutil import to_iso, to_iso_ms, utc_now

KNOWN_EXTENSIONS = frozenset({".txt", ".json", ".jsonl", ".html", ".htm", ""})
DEFAULT_MAX_BYTES = 1 << 20
HEAD_BYTES = 200
SAMPLE_CHARS = 65536
STDIN = "-"

# Reason codes (the part of DeadLetter.reason before the colon, and IngestSummary.skipped keys).
EMPTY = "empty"
BINARY = "binary"
TOO_LARGE = "too_large"
UNDECODABLE = "undecodable"
INVALID_JSON = "invalid_json"
NO_TEXT = "no_text"
UNREADABLE = "unreadable"
UNREACHABLE = "unreachable"
TIMEOUT = "timeout"
HTTP_ERROR = "http_error"
UNSUPPORTED = "unsupported"
UNPROCESSABLE = "unprocessable"  # reading the input raised an error no other code names


class DecodeError(ValueError):
    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@dataclass
class BadInput:
    """An input that cannot become an article, and why."""

    source: str  # path, path:LINE, URL
    reason: str  # one of the reason codes above
    detail: str  # for a human
    head: bytes = b""  # the first bytes of the input

    @property
    def message(self) -> str:
        return f"{self.reason}: {self.detail}"

    def dead_letter(self, at: str = "") -> DeadLetter:
        # Unique per input and reason: the same file failing for another reason in a later
        # run keeps both reasons; the same failure again keeps one row.
        return DeadLetter.of("producer", self.source, self.message, self.head[:HEAD_BYTES],
                             id=letter_id("producer", self.source, self.reason), at=at or None)


@dataclass
class Ignored:
    """A file a directory walk did not read (hidden, or not a known extension)."""

    path: str
    reason: str


@dataclass
class Decoded:
    text: str
    encoding: str


# -- decoding ------------------------------------------------------------------------

# Relative frequencies (%) of Russian letters in running text.
_FREQ = {
    "о": 10.97, "е": 8.45, "а": 8.01, "и": 7.35, "н": 6.70, "т": 6.26, "с": 5.47, "р": 4.73,
    "в": 4.54, "л": 4.40, "к": 3.49, "м": 3.21, "д": 2.98, "п": 2.81, "у": 2.62, "я": 2.01,
    "ы": 1.90, "ь": 1.74, "г": 1.70, "з": 1.65, "б": 1.59, "ч": 1.44, "й": 1.21, "х": 0.97,
    "ж": 0.94, "ш": 0.73, "ю": 0.64, "ц": 0.48, "щ": 0.36, "э": 0.32, "ф": 0.26, "ъ": 0.04, "ё": 0.04,
}
_RUSSIAN_WORD = re.compile(r"[А-Яа-яЁё]+")
# Non-ASCII characters a Russian text is made of: letters, typographic punctuation, a few signs.
_RUSSIAN_NON_ASCII = set("АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя"
                         "«»„“”‘’‚–—…№•·°±×\u00a0\u2009\u202f€$₽§©®™")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")


def looks_binary(data: bytes) -> str | None:
    """Why ``data`` is not text (NUL bytes, control characters), or None."""
    sample = data[:8192]
    if b"\x00" in sample:
        return "contains NUL bytes"
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13, 27) or b == 127)
    if sample and controls / len(sample) > 0.05:
        return f"{controls} control bytes in the first {len(sample)}"
    return None


def russian_score(text: str) -> tuple[float, float, float]:
    """(plausibility, score, odd) of ``text`` as Russian.

    plausibility: the share of non-ASCII characters that belong in Russian text.
    score: mean letter frequency (%) over the Cyrillic letters, with words in an odd
    letter case («оРИВЕТ», which is what the wrong single-byte code page makes of
    «Привет») counting a quarter. odd: the share of letters in such words.
    """
    non_ascii = [c for c in text if ord(c) > 127]
    if not non_ascii:
        return 1.0, 0.0, 0.0
    plausible = sum(1 for c in non_ascii if c in _RUSSIAN_NON_ASCII) / len(non_ascii)
    total = 0.0
    letters = 0
    odd = 0
    for word in _RUSSIAN_WORD.findall(text):
        normal_case = word.islower() or word.isupper() or (word[0].isupper() and (len(word) == 1 or word[1:].islower()))
        weight = 1.0 if normal_case else 0.25
        if not normal_case:
            odd += len(word)
        total += weight * sum(_FREQ.get(c, 0.0) for c in word.lower())
        letters += len(word)
    if not letters:
        return plausible, 0.0, 0.0
    return plausible, total / letters, odd / letters


_TOKEN = re.compile(r"[^\W\d_]+")
_LATIN = re.compile(r"[A-Za-z]")


def _mixed_script_share(text: str) -> float:
    """The share of Cyrillic letters inside words that also have Latin letters («cafИ»):
    what a Latin-script text looks like through a Cyrillic code page."""
    cyrillic = mixed = 0
    for token in _TOKEN.findall(text):
        count = sum(1 for c in token if "\u0400" <= c <= "\u04ff")
        if count:
            cyrillic += count
            if _LATIN.search(token):
                mixed += count
    return mixed / cyrillic if cyrillic else 0.0


def _cyrillic_candidates(data: bytes) -> list[tuple[float, str, str]]:
    """(score, encoding, text) for cp1251 and KOI8-R when the decoding reads as Russian."""
    found = []
    for candidate in ("cp1251", "koi8-r"):
        text = data.decode(candidate, errors="replace")
        sample = text[:SAMPLE_CHARS]  # the statistics settle long before 64 K characters
        share, score, odd = russian_score(sample)
        if share >= 0.9 and odd <= 0.4 and _mixed_script_share(sample) < 0.3 and not _CONTROL.search(text):
            found.append((score, candidate, text))
    return found


def decode_bytes(data: bytes, declared: str | None = None) -> Decoded:
    """Decode ``data`` (see the module doc for the order); ``declared`` is a charset
    named by HTTP or the document itself, tried first. Raises DecodeError."""
    if not data:
        raise DecodeError(EMPTY, "no bytes")
    if data.startswith(codecs.BOM_UTF8):
        try:
            return Decoded(data.decode("utf-8-sig"), "utf-8-sig")
        except UnicodeDecodeError as exc:
            raise DecodeError(UNDECODABLE, f"UTF-8 BOM but invalid UTF-8 at byte {exc.start}") from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return Decoded(data.decode("utf-16"), "utf-16")
        except UnicodeDecodeError as exc:
            raise DecodeError(UNDECODABLE, f"UTF-16 BOM but invalid UTF-16 at byte {exc.start}") from None
    binary = looks_binary(data)
    if binary:
        raise DecodeError(BINARY, binary)
    name = None
    if declared:
        try:
            name = codecs.lookup(declared.strip()).name
        except LookupError:
            name = None
    if name in ("utf-8", "utf-16", "utf-16-le", "utf-16-be"):
        try:
            return Decoded(data.decode(name), name)
        except UnicodeDecodeError:
            pass  # the declaration is wrong: detect instead
    try:
        return Decoded(data.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    candidates = _cyrillic_candidates(data)
    if name in ("cp1251", "koi8-r"):
        # believe the declaration unless the other code page reads clearly better
        declared_score = next((c[0] for c in candidates if c[1] == name), None)
        if declared_score is not None and all(c[0] <= declared_score * 1.5 for c in candidates):
            return Decoded(next(c[2] for c in candidates if c[1] == name), name)
    if candidates:
        score, candidate, text = max(candidates, key=lambda c: c[0])  # ties: cp1251, the commoner
        if score >= 1.5 or len(candidates) == 1:
            return Decoded(text, candidate)
    if name:  # another declared charset (latin-1, cp1252, ...): believe it if it decodes
        try:
            return Decoded(data.decode(name), name)
        except UnicodeDecodeError:
            pass
    raise DecodeError(UNDECODABLE, "not UTF-8, and neither cp1251 nor KOI8-R reads as Russian text")


def clean_text(text: str) -> str:
    """Line ends as ``\\n``, no BOM, no surrounding white space."""
    return text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff").strip()


# -- building articles --------------------------------------------------------------

_TITLE_END = (".", ",", ";", ":", "…")


def guess_title(text: str) -> str:
    """The first line when it looks like a headline (see the module doc), else ""."""
    first, _, rest = text.partition("\n")
    first = first.strip()
    if not first or not rest.strip():
        return ""
    if len(first) > 200 or len(first.split()) > 30 or first.endswith(_TITLE_END):
        return ""
    return first


def build_article(
    *,
    origin: str,
    source: str,
    text: str,
    encoding: str,
    ingested: datetime,
    title: str | None = None,
    url: str = "",
    published: datetime | None = None,
    date_source: str | None = None,
    extra: dict[str, Any] | None = None,
) -> Article:
    """An Article from decoded text; ``published``/``date_source`` come from metadata
    (header, feed, page) when known, else from a dateline in the text, else the ingest time."""
    if published is None:
        dateline = find_dateline(text, reference=ingested)
        if dateline is not None:
            published, date_source = dateline.when, dateline.kind
        else:
            published, date_source = ingested, "ingest"
    return Article(
        id=textlib.article_id(origin, text),
        source=source,
        text=text,
        title=guess_title(text) if title is None else title,
        url=url,
        published_at=to_iso(published),
        date_source=date_source or "header",
        ingested_at=to_iso_ms(ingested),
        content_sha256=textlib.sha256_hex(text),
        encoding=encoding,
        extra=extra or {},
    )


def article_from_plain(data: bytes, origin: str, source: str, ingested: datetime,
                       declared: str | None = None) -> Article | BadInput:
    """The seed format: an optional ``date YYYY-MM-DD`` first, then the text."""
    try:
        decoded = decode_bytes(data, declared)
    except DecodeError as exc:
        return BadInput(source, exc.reason, exc.detail, data[:HEAD_BYTES])
    header, body = textlib.split_seed_header(clean_text(decoded.text))
    body = clean_text(body)
    if not body:
        return BadInput(source, EMPTY, "no text" + (" after the date header" if header else ""), data[:HEAD_BYTES])
    published = from_header(header) if header else None
    return build_article(origin=origin, source=source, text=body, encoding=decoded.encoding, ingested=ingested,
                         published=published, date_source="header" if published else None)


def article_from_html(data: bytes, origin: str, source: str, ingested: datetime, url: str = "",
                      declared: str | None = None) -> Article | BadInput:
    """An HTML page reduced to its article text (see web.extract_page)."""
    try:
        decoded = decode_bytes(data, declared or html_charset(data))
    except DecodeError as exc:
        return BadInput(source, exc.reason, exc.detail, data[:HEAD_BYTES])
    page = extract_page(decoded.text)
    text = clean_text(page.text)
    if not text:
        return BadInput(source, NO_TEXT, "no article text in the page", data[:HEAD_BYTES])
    url = url or page.canonical_url
    extra = {"canonical_url": page.canonical_url} if page.canonical_url and page.canonical_url != url else {}
    return build_article(origin=origin, source=source, text=text, encoding=decoded.encoding, ingested=ingested,
                         title=page.title, url=url, published=page.published,
                         date_source="header" if page.published else None, extra=extra)


_KNOWN_JSON_FIELDS = ("text", "title", "url", "published_at", "source")


def article_from_object(obj: Any, origin: str, source: str, ingested: datetime, encoding: str,
                        raw: bytes) -> Article | BadInput:
    """One JSON object with ``text`` (and optional title, url, published_at, source);
    other fields go to ``extra``. ``origin``/``source`` locate it (``file:LINE``)."""
    if not isinstance(obj, dict):
        return BadInput(source, INVALID_JSON, f"expected a JSON object, got {type(obj).__name__}", raw[:HEAD_BYTES])
    body = obj.get("text")
    if not isinstance(body, str) or not clean_text(body):
        what = "no 'text' field" if "text" not in obj else "'text' is empty" if isinstance(body, str) else \
            f"'text' is {type(body).__name__}, not a string"
        return BadInput(source, NO_TEXT, what, raw[:HEAD_BYTES])
    body = clean_text(body)
    extra = {k: v for k, v in obj.items() if k not in _KNOWN_JSON_FIELDS}
    url = obj.get("url") if isinstance(obj.get("url"), str) else ""
    title = obj.get("title") if isinstance(obj.get("title"), str) else None
    published = None
    if obj.get("published_at") not in (None, ""):
        published = parse_datetime(obj["published_at"]) if isinstance(obj["published_at"], str) else None
        if published is None:
            extra["published_at_raw"] = obj["published_at"]
    record_source = obj.get("source") if isinstance(obj.get("source"), str) and obj.get("source") else None
    if record_source is not None:
        extra["input"] = source
    return build_article(origin=url or origin, source=record_source or source, text=body, encoding=encoding,
                         ingested=ingested, title=title.strip() if title is not None else None, url=url,
                         published=published, date_source="header" if published else None, extra=extra)


def articles_from_json(data: bytes, origin: str, source: str, ingested: datetime,
                       lines: bool | None = None) -> Iterator[Article | BadInput]:
    """A JSON document (one object, or a list of objects) or JSON lines.

    ``lines`` True reads JSON lines, False one document; None tries the document
    first and falls back to lines. Each bad line or object is its own BadInput
    (``source:LINE``), and the others still count.
    """
    try:
        decoded = decode_bytes(data)
    except DecodeError as exc:
        yield BadInput(source, exc.reason, exc.detail, data[:HEAD_BYTES])
        return
    content = decoded.text.lstrip("\ufeff")
    if not content.strip():
        yield BadInput(source, EMPTY, "no text", data[:HEAD_BYTES])
        return
    if lines is not True:
        try:
            doc = json.loads(content)
        except json.JSONDecodeError as exc:
            if lines is False and not _looks_like_lines(content):
                yield BadInput(source, INVALID_JSON, f"line {exc.lineno}: {exc.msg}", data[:HEAD_BYTES])
                return
        else:
            if isinstance(doc, list):
                if not doc:
                    yield BadInput(source, EMPTY, "an empty JSON list", data[:HEAD_BYTES])
                for n, obj in enumerate(doc, 1):
                    raw = json.dumps(obj, ensure_ascii=False).encode("utf-8")
                    yield article_from_object(obj, f"{origin}#{n}", f"{source}#{n}", ingested, decoded.encoding, raw)
            else:
                yield article_from_object(doc, origin, source, ingested, decoded.encoding, data)
            return
    found = False
    for lineno, line in enumerate(content.splitlines(), 1):
        if not line.strip():
            continue
        found = True
        raw = line.encode("utf-8")
        where = f"{source}:{lineno}"
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            yield BadInput(where, INVALID_JSON, f"{where}: {exc.msg} at column {exc.colno}", raw[:HEAD_BYTES])
            continue
        except RecursionError:
            yield BadInput(where, UNPROCESSABLE, f"{where}: nested too deeply to read (RecursionError)",
                           raw[:HEAD_BYTES])
            continue
        yield article_from_object(obj, f"{origin}:{lineno}", where, ingested, decoded.encoding, raw)
    if not found:
        yield BadInput(source, EMPTY, "no JSON lines", data[:HEAD_BYTES])


def _looks_like_lines(content: str) -> bool:
    first = next((line for line in content.splitlines() if line.strip()), "")
    try:
        json.loads(first)
    except json.JSONDecodeError:
        return False
    return True


def articles_from_bytes(data: bytes, kind: str, origin: str, source: str,
                        ingested: datetime) -> Iterator[Article | BadInput]:
    """Dispatch on ``kind``: text | html | json | jsonl | auto (sniff the content)."""
    if not data.strip(b" \t\r\n\f\v") or not data.lstrip(codecs.BOM_UTF8).strip():
        yield BadInput(source, EMPTY, "no text" if data else "0 bytes", data[:HEAD_BYTES])
        return
    if kind == "auto":
        kind = sniff_kind(data)
    if kind == "html":
        yield article_from_html(data, origin, source, ingested)
    elif kind in ("json", "jsonl"):
        yield from articles_from_json(data, origin, source, ingested, lines=(kind == "jsonl"))
    elif kind == "json?":  # sniffed: JSON if it parses as JSON, else text
        items = list(articles_from_json(data, origin, source, ingested, lines=None))
        if any(isinstance(i, Article) for i in items) or not all(
                isinstance(i, BadInput) and i.reason == INVALID_JSON for i in items):
            yield from items
        else:
            yield article_from_plain(data, origin, source, ingested)
    else:
        yield article_from_plain(data, origin, source, ingested)


def sniff_kind(data: bytes) -> str:
    """text | html | json? for inputs without a telling extension (stdin, no extension)."""
    head = data[:1024].lstrip(codecs.BOM_UTF8).lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")) or (head.startswith(b"<") and b"<body" in data[:65536].lower()):
        return "html"
    if head.startswith((b"{", b"[")):
        return "json?"
    return "text"


def kind_for(path: Path) -> str:
    ext = path.suffix.lower()
    if ext in (".html", ".htm"):
        return "html"
    if ext == ".jsonl":
        return "jsonl"
    if ext == ".json":
        return "json"
    if ext == ".txt":
        return "text"
    return "auto"


# -- walking inputs -----------------------------------------------------------------


def is_url(arg: str) -> bool:
    return arg.lower().startswith(("http://", "https://"))


@dataclass
class LocalInput:
    """One file to read: where it is, its id origin, and its source as given."""

    path: Path
    origin: str
    source: str


def walk(arg: str, glob: str = "*") -> Iterator[LocalInput | Ignored]:
    """The files an argument names: itself, or a directory's files (recursive, sorted),
    those matching ``glob`` (on the name, or on the relative path if it has a ``/``).
    With the default glob only known extensions (and none) are read; hidden files
    and directories are passed over."""
    path = Path(arg)
    if not path.is_dir():
        yield LocalInput(path, path.name, arg)
        return
    default_glob = glob in ("", "*")
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            file = Path(dirpath) / name
            rel = file.relative_to(path).as_posix()
            if name.startswith("."):
                yield Ignored(str(file), "hidden")
                continue
            pattern_target = rel if "/" in glob else name
            if not fnmatch.fnmatch(pattern_target, glob or "*"):
                yield Ignored(str(file), "glob")
                continue
            if default_glob and file.suffix.lower() not in KNOWN_EXTENSIONS:
                yield Ignored(str(file), "extension")
                continue
            yield LocalInput(file, rel, str(file))


def read_file(item: LocalInput, max_bytes: int) -> tuple[bytes | None, BadInput | None]:
    """The file's bytes, or why not (too large, unreadable, not a regular file)."""
    try:
        # Only regular files: opening a FIFO would block the whole run, a device never ends.
        mode = os.stat(item.path).st_mode
        if not stat.S_ISREG(mode):
            what = "a directory" if stat.S_ISDIR(mode) else "a FIFO" if stat.S_ISFIFO(mode) else \
                "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode) else \
                "not a regular file"
            return None, BadInput(item.source, UNREADABLE, f"not a regular file ({what})")
        with open(item.path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > max_bytes:
                head = f.read(HEAD_BYTES)
                return None, BadInput(item.source, TOO_LARGE, f"{size} bytes, over the limit of {max_bytes}", head)
            data = f.read(max_bytes + 1)
    except OSError as exc:
        return None, BadInput(item.source, UNREADABLE, exc.strerror or str(exc))
    if len(data) > max_bytes:  # grew while we read it, or a pipe/device
        return None, BadInput(item.source, TOO_LARGE, f"over the limit of {max_bytes} bytes", data[:HEAD_BYTES])
    return data, None


def read_stdin(stream: BinaryIO, max_bytes: int) -> tuple[bytes | None, BadInput | None]:
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        return None, BadInput(STDIN, TOO_LARGE, f"over the limit of {max_bytes} bytes", data[:HEAD_BYTES])
    return data, None


def read_inputs(args: list[str], glob: str = "*", max_bytes: int = DEFAULT_MAX_BYTES,
                stdin: BinaryIO | None = None, ingested: datetime | None = None,
                ) -> Iterator[Article | BadInput | Ignored]:
    """Every local input (not URLs: see web.py) as articles, bad inputs and ignored files."""
    for arg in args:
        if is_url(arg):
            continue
        stamp = ingested or utc_now()
        if arg == STDIN:
            if stdin is None:
                import sys

                stdin = sys.stdin.buffer
            data, bad = read_stdin(stdin, max_bytes)
            if bad is not None:
                yield bad
                continue
            yield from per_input(lambda: articles_from_bytes(data, "auto", STDIN, STDIN, stamp), STDIN, data)
            continue
        for item in walk(arg, glob):
            if isinstance(item, Ignored):
                yield item
                continue
            yield from per_input(lambda: _read_one(item, max_bytes, ingested), item.source)


def _read_one(item: LocalInput, max_bytes: int, ingested: datetime | None) -> Iterator[Article | BadInput]:
    data, bad = read_file(item, max_bytes)
    if bad is not None:
        yield bad
        return
    yield from articles_from_bytes(data, kind_for(item.path), item.origin, item.source, ingested or utc_now())


def per_input(read: Callable[[], Iterable[Article | BadInput]], source: str,
              data: bytes = b"") -> Iterator[Article | BadInput]:
    """What ``read()`` yields for one input; any error while reading it (a 100,000-level
    JSON's RecursionError, a decoder's bug, an I/O error) ends that input as a BadInput
    naming the error, never the run. Articles yielded before the error still count."""
    try:
        yield from read()
    except (Exception, RecursionError) as exc:  # noqa: BLE001 - one input must not stop the run
        detail = f"{type(exc).__name__}: {str(exc)[:300] or 'no message'}"
        if isinstance(exc, RecursionError):
            detail = "nested too deeply to read (RecursionError)"
        yield BadInput(source, UNPROCESSABLE, detail, data[:HEAD_BYTES])

