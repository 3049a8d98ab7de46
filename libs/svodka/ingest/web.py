"""http(s) inputs: fetch pages and feeds with httpx, reduce HTML to the article's text.

* Fetching is async with bounded concurrency, a timeout per attempt (connect to
  last byte), and retries with exponential backoff on connection errors, timeouts,
  HTTP 5xx and 429. Other HTTP errors (404, 403, …) are final. Bodies over
  ``max_bytes`` are refused while streaming.
* The charset comes from the Content-Type header, else from the document
  (``<meta charset>``, the XML declaration), else from sources.decode_bytes'
  detection (UTF-8, cp1251, KOI8-R).
* HTML is reduced with the stdlib ``html.parser``: script, style, nav, header,
  footer, aside (and the like) are dropped; the text is the ``<article>`` with the
  most text, else the parent element holding the most ``<p>`` text, else all the
  page's text. The title is og:title, else ``<title>``, else the first ``<h1>``; the
  date is meta article:published_time (or datePublished, pubdate, …), else the first
  ``<time datetime>`` (date_source "header"), else a dateline in the text.
* An RSS 2.0, RSS 1.0 (RDF) or Atom feed is expanded to its items: each item's
  link is fetched as a page; when it cannot be fetched (or has no text) the item's
  content/description is the text. pubDate/published/updated/dc:date is the
  published_at, with date_source "feed".
"""

from __future__ import annotations

import asyncio
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from html.parser import HTMLParser

import httpx

from svodka import __version__
from svodka.ingest.dates import parse_datetime
from svodka.ingest.sources import (
    DEFAULT_MAX_BYTES, HEAD_BYTES, HTTP_ERROR, NO_TEXT, TIMEOUT, TOO_LARGE, UNREACHABLE, UNSUPPORTED,
    Article, BadInput, DecodeError, article_from_html, article_from_plain, articles_from_json, build_article,
    clean_text, decode_bytes,
)
from svodka.timeutil import to_iso, utc_now

# -- HTML ------------------------------------------------------------------------------

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


# -- feeds -----------------------------------------------------------------------------


@dataclass
class FeedItem:
    title: str = ""
    link: str = ""
    content: str = ""  # text of content/description, HTML reduced to text
    published: datetime | None = None
    guid: str = ""


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _element_text(el: ET.Element) -> str:
    if len(el):  # Atom type="xhtml": markup as child elements
        return html_text("".join(ET.tostring(child, encoding="unicode") for child in el))
    value = (el.text or "").strip()
    if "<" in value and ">" in value:
        return html_text(value)
    return clean_text(value)


def looks_like_feed(data: bytes) -> bool:
    head = data[:2048].lower()
    return b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head


def parse_feed(text: str) -> list[FeedItem] | None:
    """The items of an RSS 2.0 / RSS 1.0 / Atom document, or None if it is not a feed."""
    text = re.sub(r"^\s*<\?xml[^>]*\?>", "", text.lstrip("\ufeff"), count=1)
    try:
        root = ET.fromstring(text)
    except ET.ParseError:
        return None
    if _local(root.tag) not in ("rss", "RDF", "feed"):
        return None
    items = []
    for el in root.iter():
        if _local(el.tag) not in ("item", "entry"):
            continue
        item = FeedItem()
        dates: dict[str, str] = {}
        bodies: dict[str, str] = {}
        for child in el:
            name = _local(child.tag)
            if name == "title":
                item.title = " ".join(_element_text(child).split())
            elif name == "link":
                href = child.get("href")
                if href is not None:  # Atom
                    if child.get("rel", "alternate") == "alternate" and not item.link:
                        item.link = href.strip()
                elif child.text and not item.link:
                    item.link = child.text.strip()
            elif name in ("description", "summary", "content", "encoded"):
                bodies.setdefault(name, _element_text(child))
            elif name in ("pubDate", "published", "updated", "date", "issued", "modified"):
                dates.setdefault(name, (child.text or "").strip())
            elif name in ("guid", "id"):
                item.guid = (child.text or "").strip()
        if not item.link and item.guid.lower().startswith(("http://", "https://")):
            item.link = item.guid
        about = el.get("{http://www.w3.org/1999/02/22-rdf-syntax-ns#}about")
        if not item.link and about:
            item.link = about
        for name in ("encoded", "content", "description", "summary"):
            if bodies.get(name):
                item.content = bodies[name]
                break
        for name in ("pubDate", "published", "date", "issued", "updated", "modified"):
            if dates.get(name):
                item.published = parse_datetime(dates[name])
                if item.published is not None:
                    break
        items.append(item)
    return items


# -- fetching --------------------------------------------------------------------------


@dataclass
class WebOptions:
    timeout: float = 10.0  # seconds per attempt, connect to last byte
    retries: int = 2  # extra attempts after a connection error, timeout, 5xx or 429
    backoff: float = 0.5  # seconds before the first retry, doubled each time
    concurrency: int = 8  # requests in flight at once
    max_bytes: int = DEFAULT_MAX_BYTES
    user_agent: str = f"svodka/{__version__}"


@dataclass
class Fetched:
    url: str  # as asked
    final_url: str  # after redirects
    status: int
    content_type: str  # lower case, no parameters
    charset: str | None
    body: bytes


class Fetcher:
    """An httpx client with the options' limits; use ``async with``."""

    def __init__(self, options: WebOptions | None = None, transport: httpx.AsyncBaseTransport | None = None):
        self.options = options or WebOptions()
        self._semaphore = asyncio.Semaphore(max(1, self.options.concurrency))
        self._client = httpx.AsyncClient(
            follow_redirects=True,
            timeout=httpx.Timeout(self.options.timeout),
            headers={"User-Agent": self.options.user_agent, "Accept": "text/html,application/xhtml+xml,"
                     "application/rss+xml,application/atom+xml,application/xml;q=0.9,text/plain;q=0.8,*/*;q=0.5"},
            limits=httpx.Limits(max_connections=max(1, self.options.concurrency)),
            transport=transport,
        )

    async def __aenter__(self) -> "Fetcher":
        return self

    async def __aexit__(self, *exc) -> None:
        await self._client.aclose()

    async def fetch(self, url: str) -> Fetched | BadInput:
        """GET ``url`` with retries; a BadInput says why it could not be had."""
        opts = self.options
        attempts = max(0, opts.retries) + 1
        last: BadInput | None = None
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(opts.backoff * 2 ** (attempt - 1))
            try:
                async with self._semaphore:
                    async with asyncio.timeout(opts.timeout):
                        result = await self._get(url)
            except (TimeoutError, httpx.TimeoutException):
                last = BadInput(url, TIMEOUT, f"no complete response within {opts.timeout:g} s")
                continue
            except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
                return BadInput(url, UNREACHABLE, f"invalid URL: {exc}")
            except httpx.TooManyRedirects as exc:
                return BadInput(url, HTTP_ERROR, f"too many redirects: {exc}")
            except httpx.TransportError as exc:
                last = BadInput(url, UNREACHABLE, f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__)
                continue
            if isinstance(result, BadInput) and result.reason == HTTP_ERROR and _retryable(result):
                last = result
                continue
            return result
        assert last is not None
        if attempts > 1:
            last.detail += f" (after {attempts} attempts)"
        return last

    async def _get(self, url: str) -> Fetched | BadInput:
        async with self._client.stream("GET", url) as response:
            if response.status_code >= 400:
                head = b""
                async for chunk in response.aiter_bytes():
                    head += chunk
                    if len(head) >= HEAD_BYTES:
                        break
                reason = response.reason_phrase or ""
                return BadInput(url, HTTP_ERROR, f"HTTP {response.status_code} {reason}".strip(), head[:HEAD_BYTES])
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > self.options.max_bytes:
                return BadInput(url, TOO_LARGE, f"{declared} bytes, over the limit of {self.options.max_bytes}")
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > self.options.max_bytes:
                    return BadInput(url, TOO_LARGE, f"over the limit of {self.options.max_bytes} bytes",
                                    bytes(body[:HEAD_BYTES]))
            content_type = response.headers.get("content-type", "")
            mime = content_type.split(";", 1)[0].strip().lower()
            return Fetched(url=url, final_url=str(response.url), status=response.status_code, content_type=mime,
                           charset=response.charset_encoding, body=bytes(body))


def _retryable(bad: BadInput) -> bool:
    match = re.match(r"HTTP (\d+)", bad.detail)
    return bool(match) and (int(match.group(1)) >= 500 or int(match.group(1)) == 429)


_UNSUPPORTED_PREFIXES = ("image/", "audio/", "video/", "font/", "application/pdf", "application/zip",
                         "application/octet-stream", "application/gzip", "application/x-")


def _kind(fetched: Fetched) -> str:
    mime = fetched.content_type
    if mime in ("application/rss+xml", "application/atom+xml", "application/rdf+xml") or (
            (mime.endswith("/xml") or mime.endswith("+xml") or not mime) and looks_like_feed(fetched.body)):
        return "feed"
    if mime in ("text/html", "application/xhtml+xml"):
        return "html"
    if mime in ("application/json", "application/x-ndjson", "application/jsonl") or mime.endswith("+json"):
        return "json"
    if mime.startswith(_UNSUPPORTED_PREFIXES) and mime not in ("application/x-ndjson",):
        return "unsupported"
    if mime.startswith("text/") and mime != "text/plain" and looks_like_feed(fetched.body):
        return "feed"
    from svodka.ingest.sources import sniff_kind

    sniffed = sniff_kind(fetched.body)
    if sniffed == "html":
        return "html"
    if not mime and looks_like_feed(fetched.body):
        return "feed"
    return "text"


async def read_url(fetcher: Fetcher, url: str, ingested: datetime | None = None) -> list[Article | BadInput]:
    """The article(s) one URL gives: a page, or each item of a feed."""
    ingested = ingested or utc_now()
    fetched = await fetcher.fetch(url)
    if isinstance(fetched, BadInput):
        return [fetched]
    if not fetched.body.strip():
        return [BadInput(url, "empty", f"HTTP {fetched.status} with an empty body")]
    kind = _kind(fetched)
    if kind == "unsupported":
        return [BadInput(url, UNSUPPORTED, f"content type {fetched.content_type}", fetched.body[:HEAD_BYTES])]
    if kind == "feed":
        try:
            decoded = decode_bytes(fetched.body, fetched.charset or xml_encoding(fetched.body))
        except DecodeError as exc:
            return [BadInput(url, exc.reason, exc.detail, fetched.body[:HEAD_BYTES])]
        items = parse_feed(decoded.text)
        if items is None:
            return [BadInput(url, UNSUPPORTED, "XML that is not an RSS or Atom feed", fetched.body[:HEAD_BYTES])]
        if not items:
            return [BadInput(url, "empty", "a feed without items", fetched.body[:HEAD_BYTES])]
        return list(await asyncio.gather(*(
            _feed_item(fetcher, url, n, item, decoded.encoding, ingested) for n, item in enumerate(items, 1))))
    if kind == "json":
        return list(articles_from_json(fetched.body, url, url, ingested, lines=None))
    if kind == "html":
        article = article_from_html(fetched.body, url, url, ingested, url=fetched.final_url, declared=fetched.charset)
    else:
        article = article_from_plain(fetched.body, url, url, ingested, declared=fetched.charset)
        if isinstance(article, Article):
            article.url = fetched.final_url
    return [article]


async def _feed_item(fetcher: Fetcher, feed_url: str, n: int, item: FeedItem, feed_encoding: str,
                     ingested: datetime) -> Article | BadInput:
    """A feed item as an article: its linked page when that can be had, else its own content."""
    extra: dict[str, str] = {"feed": feed_url}
    if item.guid:
        extra["guid"] = item.guid
    origin = item.link or f"{feed_url}#{item.guid or n}"
    where = item.link or f"{feed_url}#{n}"
    problem: BadInput | None = None
    if item.link:
        fetched = await fetcher.fetch(item.link)
        if isinstance(fetched, BadInput):
            problem = fetched
        elif _kind(fetched) not in ("html", "text"):
            problem = BadInput(item.link, UNSUPPORTED, f"content type {fetched.content_type or '?'}")
        else:
            if _kind(fetched) == "html":
                page = article_from_html(fetched.body, origin, feed_url, ingested, url=fetched.final_url,
                                         declared=fetched.charset)
            else:
                page = article_from_plain(fetched.body, origin, feed_url, ingested, declared=fetched.charset)
            if isinstance(page, Article):
                page.url = fetched.final_url
                if item.title:
                    page.title = item.title
                if item.published is not None:
                    page.published_at, page.date_source = to_iso(item.published), "feed"
                page.extra = {**page.extra, **extra}
                return page
            problem = page
    text = clean_text(item.content)
    if not text:
        if problem is not None:
            return BadInput(where, problem.reason, f"{problem.detail}; the feed item has no text of its own",
                            problem.head)
        return BadInput(where, NO_TEXT, "the feed item has no link and no text")
    if problem is not None:
        extra["link_error"] = problem.message
    return build_article(origin=origin, source=feed_url, text=text, encoding=feed_encoding, ingested=ingested,
                         title=item.title, url=item.link, published=item.published,
                         date_source="feed" if item.published else None, extra=extra)


async def read_urls(urls: list[str], options: WebOptions | None = None,
                    ingested: datetime | None = None) -> list[list[Article | BadInput]]:
    """Every URL's articles (or BadInput), in the order of ``urls``, fetched concurrently."""
    if not urls:
        return []
    async with Fetcher(options) as fetcher:
        return list(await asyncio.gather(*(read_url(fetcher, url, ingested) for url in urls)))

