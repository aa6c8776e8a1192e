"""RSS and Atom feeds to Articles: the newest items, each read in full when the feed holds only
a summary (the item's page is fetched and extracted).

Feeds are parsed by feedparser, which never fetches anything itself here: the bytes are fetched
by briefing.fetch with its limits, and DOCTYPE declarations are refused before parsing, so no
entity expansion (billion laughs) or external entity (XXE) can happen.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime, timezone

from briefing.errors import InputError, NotAnArticle
from briefing.inputs.fetch import RefusedAddress
from briefing.inputs.pages import article_from_fragment, article_from_html
from briefing.model import Article
from briefing.options import SpeakOptions

log = logging.getLogger(__name__)

DEFAULT_MAX_ARTICLES = SpeakOptions.max_articles
_FEED_HEAD = re.compile(rb"<(?:rss|feed|rdf:RDF)[\s>]", re.IGNORECASE)
_DOCTYPE = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
# A summary shorter than this is a teaser: the item's page is fetched for the whole article.
FULL_TEXT_MIN_WORDS = 120


def looks_like_feed(data: bytes) -> bool:
    return bool(_FEED_HEAD.search(data[:4096]))


def articles_from_feed(
    data: bytes,
    source: str,
    max_articles: int = DEFAULT_MAX_ARTICLES,
    fetch_page: Callable[[str], bytes] | None = None,
) -> list[Article]:
    """The newest `max_articles` items of a feed, newest first."""
    import feedparser

    if _DOCTYPE.search(data):
        raise InputError(f"{source}: the feed declares a DOCTYPE or entities; refused (entity expansion is unsafe)")
    parsed = feedparser.parse(data, sanitize_html=True, resolve_relative_uris=False)
    if parsed.bozo and not parsed.entries:
        raise InputError(f"{source}: not a readable RSS or Atom feed ({_reason(parsed.bozo_exception)})")
    if not parsed.entries:
        raise InputError(f"{source}: the feed has no items")
    publisher = (parsed.feed.get("title") or "").strip()
    entries = sorted(parsed.entries, key=_published, reverse=True)[:max_articles]
    articles, skipped = [], []
    for entry in entries:
        try:
            articles.append(_article(entry, source, publisher, fetch_page))
        except InputError as exc:  # one item without text, or whose page is no article: the others are read
            log.warning("%s: item skipped: %s", source, exc)
            skipped.append(str(exc))
    if not articles:
        raise InputError(skipped[0] if len(skipped) == 1 else f"{source}: none of its {len(skipped)} items can be read")
    return articles


def _published(entry) -> datetime:
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    if stamp:
        return datetime(*stamp[:6], tzinfo=timezone.utc)
    return datetime.min.replace(tzinfo=timezone.utc)


def _article(entry, source: str, publisher: str, fetch_page) -> Article:
    title = (entry.get("title") or "").strip()
    link = entry.get("link") or ""
    body = ""
    if entry.get("content"):
        body = max((c.get("value", "") for c in entry.content), key=len)
    summary = entry.get("summary") or ""
    if len(_words(body)) < len(_words(summary)):
        body = summary
    if len(_words(body)) < FULL_TEXT_MIN_WORDS and link and fetch_page is not None:
        try:
            page = article_from_html(fetch_page(link), link, fallback_title=title)
            return Article(
                title=title or page.title,
                blocks=page.blocks,
                source=link,
                date=_date(entry) or page.date,
                publisher=publisher or page.publisher,
                author=entry.get("author", "") or page.author,
                guid=entry.get("id", ""),
            )
        except NotAnArticle:
            raise  # a live page or an index: its summary is not an article either
        except RefusedAddress as exc:
            # The page is never fetched; the feed's own text came from an allowed address and is said.
            if not _words(body):
                raise
            log.warning("%s; the item is read from the feed's own text", exc)
        except InputError:
            pass  # the page is gone or unreadable: the feed's own text is still worth saying
    if not _words(body):
        raise InputError(f"{source}: item {title or link!r} has no text")
    html = body if "<" in body else "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
    page = article_from_fragment(f"<div>{html}</div>", link or source, title)
    return Article(
        title=title or page.title,
        blocks=page.blocks,
        source=link or source,
        date=_date(entry),
        publisher=publisher,
        author=entry.get("author", ""),
        guid=entry.get("id", ""),
    )


def _date(entry) -> str:
    stamp = entry.get("published_parsed") or entry.get("updated_parsed")
    return datetime(*stamp[:6]).date().isoformat() if stamp else ""


def _words(html: str) -> list[str]:
    return re.sub(r"<[^>]+>", " ", html).split()


def _reason(exc) -> str:
    return str(exc).split("\n")[0][:120] if exc else "unknown error"
