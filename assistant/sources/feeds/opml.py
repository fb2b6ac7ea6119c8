"""OPML, the file feed readers import and export subscriptions with.

Readers (NewsBlur, FreshRSS, Feedly, Thunderbird, NetNewsWire...) export nested outlines:
folders are outlines without an `xmlUrl`, feeds are outlines with one, at any depth. A feed's
folder path ("News/World") is kept with its subscription, so `export` writes the same tree
back (OPML 2.0). An OPML file is input like any other: it is parsed with defusedxml, so a
file that declares entities (the "billion laughs") or reaches for external resources is
refused with a clear line instead of expanding; outlines with a bad URL are skipped with
their reason and the rest are read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from email.utils import format_datetime
from typing import Any
from xml.etree import ElementTree

from ...errors import SourceError
from ...types import Skipped
from .subscriptions import Subscription, check_url, now_iso

FOLDER_SEPARATOR = "/"


@dataclass(frozen=True)
class OutlineFeed:
    """A feed named by an OPML outline: its URL, its title and its folder path."""

    url: str
    title: str | None = None
    folder: str | None = None


def read_opml(data: bytes, name: str = "OPML") -> tuple[list[OutlineFeed], list[Skipped]]:
    """The feeds an OPML document names, in document order, and the outlines skipped."""
    import defusedxml
    from defusedxml import ElementTree as SafeTree

    try:
        root = SafeTree.fromstring(data)
    except defusedxml.DefusedXmlException as exc:
        raise SourceError(f"{name}: refused, the file {_refusal(exc)}") from None
    except ElementTree.ParseError as exc:
        raise SourceError(f"{name}: not well-formed OPML ({exc})") from None
    if _local(root.tag) != "opml":
        raise SourceError(f"{name}: not an OPML file (the root element is <{_local(root.tag)}>)")
    body = next((child for child in root if _local(child.tag) == "body"), None)
    if body is None:
        raise SourceError(f"{name}: not an OPML file (no <body>)")
    feeds: list[OutlineFeed] = []
    skipped: list[Skipped] = []
    seen: set[str] = set()
    for element, folders in _outlines(body, ()):
        attrs = {k.lower(): v for k, v in element.attrib.items()}
        label = (attrs.get("title") or attrs.get("text") or "").strip() or None
        raw = (attrs.get("xmlurl") or "").strip()
        if not raw:
            continue
        try:
            url = check_url(raw)
        except SourceError as exc:
            skipped.append(Skipped(raw, str(exc)))
            continue
        if url in seen:
            continue
        seen.add(url)
        folder = FOLDER_SEPARATOR.join(folders) or None
        feeds.append(OutlineFeed(url, label, folder))
    return feeds, skipped


def _outlines(parent: Any, folders: tuple[str, ...]) -> Iterator[tuple[Any, tuple[str, ...]]]:
    """Every outline under `parent` with the titles of the folders that hold it."""
    for element in parent:
        if _local(element.tag) != "outline":
            continue
        yield element, folders
        if len(element):
            attrs = {k.lower(): v for k, v in element.attrib.items()}
            name = (attrs.get("title") or attrs.get("text") or "").strip()
            inner = (*folders, name.replace(FOLDER_SEPARATOR, "-")) if name else folders
            yield from _outlines(element, inner)


def write_opml(subscriptions: Iterable[Subscription], title: str = "News assistant") -> str:
    """OPML 2.0 for `subscriptions`: one outline per feed with its xmlUrl, inside nested
    folder outlines for feeds imported from a folder."""
    root = ElementTree.Element("opml", version="2.0")
    head = ElementTree.SubElement(root, "head")
    ElementTree.SubElement(head, "title").text = f"{title} subscriptions"
    from datetime import datetime

    created = datetime.fromisoformat(now_iso())
    ElementTree.SubElement(head, "dateCreated").text = format_datetime(created)
    body = ElementTree.SubElement(root, "body")
    folders: dict[str, ElementTree.Element] = {"": body}
    for sub in subscriptions:
        parent = body
        path = ""
        for part in (sub.folder or "").split(FOLDER_SEPARATOR):
            if not part:
                continue
            path = f"{path}{FOLDER_SEPARATOR}{part}"
            if path not in folders:
                folders[path] = ElementTree.SubElement(parent, "outline", text=part, title=part)
            parent = folders[path]
        label = sub.title or sub.url
        ElementTree.SubElement(
            parent, "outline", type="rss", text=label, title=label, xmlUrl=sub.url
        )
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(
        root, encoding="unicode"
    )


def _local(tag: Any) -> str:
    """An element's name without its namespace."""
    return str(tag).rsplit("}", 1)[-1].lower()


def _refusal(exc: Exception) -> str:
    kind = type(exc).__name__
    if "Entities" in kind:
        return "declares XML entities (entity expansion is not allowed)"
    if "External" in kind:
        return "refers to external resources"
    if "DTD" in kind:
        return "has a DTD"
    return f"is unsafe XML ({kind})"
