"""http(s) inputs: fetch pages and feeds with httpx and make articles of them.

* Fetching is async with bounded concurrency, a timeout per attempt (connect to
  last byte), and retries with exponential backoff on connection errors, timeouts,
  HTTP 5xx and 429. Other HTTP errors (404, 403, …) are final. Bodies over
  ``max_bytes`` are refused while streaming.
* The charset comes from the Content-Type header, else from the document
  (``<meta charset>``, the XML declaration), else from sources.decode_bytes'
  detection (UTF-8, cp1251, KOI8-R).
* A page is reduced to its article by ``svodka.ingest.html`` (date_source "header"
  when the page's metadata dates it, else a dateline in the text).
* An RSS 2.0, RSS 1.0 (RDF) or Atom feed is expanded to its items: each item's
  link is fetched as a page; when it cannot be fetched (or has no text) the item's
  content/description is the text. pubDate/published/updated/dc:date is the
  published_at, with date_source "feed" (parsing: ``svodka.ingest.feeds``).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import datetime

import httpx

from svodka import __version__
from svodka.ingest.feeds import FeedItem, looks_like_feed, parse_feed
from svodka.ingest.html import xml_encoding
from svodka.ingest.sources import (
    DEFAULT_MAX_BYTES, HEAD_BYTES, HTTP_ERROR, NO_TEXT, TIMEOUT, TOO_LARGE, UNREACHABLE, UNSUPPORTED,
    Article, BadInput, DecodeError, article_from_html, article_from_plain, articles_from_json, build_article,
    clean_text, decode_bytes, sniff_kind,
)
from svodka.timeutil import to_iso, utc_now

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
    return match is not None and (int(match.group(1)) >= 500 or int(match.group(1)) == 429)


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

