"""RSS 2.0, RSS 1.0 (RDF) and Atom feeds parsed into items.

pubDate/published/updated/dc:date is an item's published time; content/description
(HTML reduced to text) its text when the linked page cannot be had. Pure functions.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import datetime

from svodka.ingest.dates import parse_datetime
from svodka.ingest.html import html_text
from svodka.ingest.sources import clean_text

__all__ = ["FeedItem", "looks_like_feed", "parse_feed"]

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
