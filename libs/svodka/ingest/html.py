"""HTML pages reduced to an article: its text, title, date and canonical URL.

The stdlib ``html.parser`` walks the page: script, style, nav, header, footer,
aside (and the like) are dropped; the text is the ``<article>`` with the most text,
else the parent element holding the most ``<p>`` text, else all the page's text.
The title is og:title, else ``<title>``, else the first ``<h1>``; the date is meta
article:published_time (or datePublished, pubdate, …), else the first
``<time datetime>``. ``html_charset``/``xml_encoding`` find the charset a document
declares. Pure functions over strings and bytes; fetching is ``web.py``'s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser

from svodka.ingest.dates import parse_datetime

__all__ = ["Page", "extract_page", "html_charset", "html_text", "xml_encoding"]

_DROP = frozenset({"script", "style", "nav", "header", "footer", "aside", "noscript", "template", "svg",
                   "form", "button", "select", "iframe", "canvas", "object", "menu", "dialog"})
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
                   "source", "track", "wbr"})
# Elements whose text is an article block.
_BLOCKS = frozenset({"p", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "figcaption", "dd", "dt"})
# Elements that end an open <p> when they start (HTML's implied end tags).
_CLOSES_P = frozenset({"address", "article", "aside", "blockquote", "div", "dl", "fieldset", "figure", "footer",
                       "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "main", "nav", "ol", "p", "pre",
                       "section", "table", "ul"})
# Elements that break lines in the all-text fallback.
_BREAKS = _CLOSES_P | _BLOCKS | {"br", "tr", "td", "th", "body", "title", "li"}
_DATE_META = ("article:published_time", "og:article:published_time", "datepublished", "pubdate", "publishdate",
              "date", "dc.date", "dc.date.issued", "sailthru.date", "parsely-pub-date")


@dataclass
class Page:
    title: str = ""
    text: str = ""
    published: datetime | None = None
    canonical_url: str = ""
    description: str = ""


@dataclass
class _Block:
    tag: str
    parent: int
    article: int | None
    parts: list[str] = field(default_factory=list)

    def text(self) -> str:
        lines = ("".join(self.parts)).split("\n")
        return "\n".join(" ".join(line.split()) for line in lines if line.strip())


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, int]] = []  # (tag, node id)
        self.next_id = 1
        self.drop = 0
        self.blocks: list[_Block] = []
        self.open_blocks: list[tuple[int, _Block]] = []  # (node id, block)
        self.articles: list[int] = []  # open <article> node ids
        self.all_text: list[str] = []
        self.meta: dict[str, str] = {}
        self.canonical = ""
        self.title_parts: list[str] | None = None
        self.title = ""
        self.h1_parts: list[str] | None = None
        self.h1 = ""
        self.time_in_article = ""
        self.time_anywhere = ""

    # tree bookkeeping
    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            key = (attr.get("property") or attr.get("name") or attr.get("itemprop") or "").strip().lower()
            if key and "content" in attr and key not in self.meta:
                self.meta[key] = attr["content"].strip()
            return
        if tag == "link":
            if "canonical" in attr.get("rel", "").lower().split() and not self.canonical:
                self.canonical = attr.get("href", "").strip()
            return
        if tag == "time" and attr.get("datetime"):
            if self.articles and not self.time_in_article:
                self.time_in_article = attr["datetime"]
            if not self.drop and not self.time_anywhere:
                self.time_anywhere = attr["datetime"]
        if tag == "br":
            self._text("\n")
            return
        if tag in _VOID:
            if tag in _BREAKS:
                self._text("\n")
            return
        if tag in _CLOSES_P and any(t == "p" for t, _ in self.stack):
            self._close("p")
        if tag in ("li", "dd", "dt") and self.stack and self.stack[-1][0] == tag:
            self._close(tag)
        node = self.next_id
        self.next_id += 1
        parent = self.stack[-1][1] if self.stack else 0
        self.stack.append((tag, node))
        if tag in _DROP:
            self.drop += 1
        if tag == "article":
            self.articles.append(node)
        if tag == "title" and self.title_parts is None and not self.title:
            self.title_parts = []
        if tag == "h1" and self.h1_parts is None and not self.h1 and not self.drop:
            self.h1_parts = []
        if tag in _BLOCKS and not self.drop:
            block = _Block(tag, parent, self.articles[-1] if self.articles else None)
            self.open_blocks.append((node, block))
        if tag in _BREAKS:
            self.all_text.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in _VOID:
            return
        if any(t == tag for t, _ in self.stack):
            self._close(tag)

    def _close(self, tag: str) -> None:
        """Pop the stack down to and including the innermost open ``tag``."""
        while self.stack:
            name, node = self.stack.pop()
            if name in _DROP:
                self.drop -= 1
            if name == "article" and self.articles and self.articles[-1] == node:
                self.articles.pop()
            if self.open_blocks and self.open_blocks[-1][0] == node:
                _, block = self.open_blocks.pop()
                if block.text():
                    self.blocks.append(block)
            if name == "title" and self.title_parts is not None:
                self.title = " ".join("".join(self.title_parts).split())
                self.title_parts = None
            if name == "h1" and self.h1_parts is not None:
                self.h1 = " ".join("".join(self.h1_parts).split())
                self.h1_parts = None
            if name in _BREAKS:
                self.all_text.append("\n")
            if name == tag:
                return

    def handle_data(self, data: str) -> None:
        if self.title_parts is not None:
            self.title_parts.append(data)
            return
        if self.drop:
            return
        if self.h1_parts is not None:
            self.h1_parts.append(data)
        self._text(data)

    def _text(self, data: str) -> None:
        if self.drop:
            return
        if self.open_blocks:
            self.open_blocks[-1][1].parts.append(data)
        self.all_text.append(data)

    def finish(self) -> None:
        self.close()
        while self.stack:
            self._close(self.stack[-1][0])


def _join_blocks(blocks: list[_Block]) -> str:
    return "\n".join(b.text() for b in blocks)


def extract_page(html: str) -> Page:
    """Title, article text, date and canonical URL of an HTML page (see the module doc)."""
    parser = _PageParser()
    try:
        parser.feed(html)
        parser.finish()
    except (AssertionError, ValueError):  # html.parser gives up on some malformed markup
        pass
    text = ""
    in_articles: dict[int, list[_Block]] = {}
    for block in parser.blocks:
        if block.article is not None:
            in_articles.setdefault(block.article, []).append(block)
    if in_articles:
        best = max(in_articles.values(), key=lambda bs: sum(len(b.text()) for b in bs))
        text = _join_blocks(best)
    if not text:
        by_parent: dict[int, list[_Block]] = {}
        for block in parser.blocks:
            if block.tag == "p":
                by_parent.setdefault(block.parent, []).append(block)
        if by_parent:
            text = _join_blocks(max(by_parent.values(), key=lambda bs: sum(len(b.text()) for b in bs)))
    if not text:
        text = _all_text(parser.all_text)
    meta = parser.meta
    description = meta.get("og:description") or meta.get("description") or ""
    if not text:
        text = description
    title = meta.get("og:title") or parser.title or parser.h1
    published = None
    for key in _DATE_META:
        if meta.get(key):
            published = parse_datetime(meta[key])
            if published is not None:
                break
    if published is None:
        for value in (parser.time_in_article, parser.time_anywhere):
            if value:
                published = parse_datetime(value)
                if published is not None:
                    break
    canonical = meta.get("og:url") or parser.canonical
    if not canonical.lower().startswith(("http://", "https://")):
        canonical = ""
    return Page(title=" ".join(title.split()), text=text, published=published, canonical_url=canonical,
                description=description)


def _all_text(parts: list[str]) -> str:
    lines = "".join(parts).split("\n")
    return "\n".join(" ".join(line.split()) for line in lines if line.strip())


def html_text(fragment: str) -> str:
    """All the text of an HTML fragment (a feed item's description), block by block."""
    parser = _PageParser()
    try:
        parser.feed(fragment)
        parser.finish()
    except (AssertionError, ValueError):
        pass
    return _all_text(parser.all_text)


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_\-.]+)["']""", re.IGNORECASE)


def html_charset(data: bytes) -> str | None:
    """The charset an HTML document declares in its first 4 KB, if any."""
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii") if match else None


def xml_encoding(data: bytes) -> str | None:
    match = _XML_ENCODING.match(data[:512])
    return match.group(1).decode("ascii") if match else None
