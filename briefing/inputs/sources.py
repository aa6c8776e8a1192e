"""Loaders: files, URLs, feeds or stdin in, Articles out.

HTML goes through briefing.web, feeds through briefing.rss, URLs through briefing.fetch (with
its timeouts and size cap). The format is taken from the file suffix or the Content-Type, and
sniffed from the bytes for stdin and suffix-less files.

Plain text: blocks are separated by blank lines; the first block is the title (a one- or
two-word rubric above it, such as "Tech", is kept as the section); a short line without final
punctuation between paragraphs is a sub-heading. Markdown: the first level-1 heading (or the
front matter's `title:`) is the title; other headings are sub-headings; code, images and raw
HTML are not read aloud; links are read as their text.
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path

from markdown_it import MarkdownIt

from briefing.errors import InputError
from briefing.inputs.feeds import DEFAULT_MAX_ARTICLES, articles_from_feed, looks_like_feed
from briefing.inputs.fetch import MAX_BYTES, fetch, is_url
from briefing.inputs.pages import article_from_html, looks_like_html
from briefing.limits import MAX_ARTICLE_BYTES, MAX_ARTICLES, MAX_PAGE_BYTES, megabytes
from briefing.model import Article, Block
from briefing.text.clean import (
    clean_text,
    collapse_spaces,
    has_words,
    is_boilerplate,
    strip_credits,
    without_reference_sections,
)

TEXT_SUFFIXES = {".txt", ".text", ""}
MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown", ".mkd"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
FEED_SUFFIXES = {".xml", ".rss", ".atom"}
MAX_TITLE_CHARS = 200
# Text inputs above this are refused: 1 MB is about 160,000 words, 18 hours of speech; a briefing
# never needs more, and a mistaken input (a log, a dump) should fail at once, not after hours.
log = logging.getLogger(__name__)
# A sub-heading: one short line with no final stop.
_HEADING_MAX_WORDS = 12
_FINAL_PUNCT = re.compile(r"[.!?…:;,»”\"]$")


def load_sources(specs: list[str], max_articles: int = DEFAULT_MAX_ARTICLES) -> list[Article]:
    """Every article named by `specs`, in order; a feed gives its newest `max_articles` items."""
    articles: list[Article] = []
    for spec in specs:
        articles += load_source(spec, max_articles)
        if len(articles) > MAX_ARTICLES:
            raise InputError(
                f"these inputs give more than {MAX_ARTICLES} articles, the most one episode takes; "
                "split them into several episodes (briefing batch) or lower --max-articles"
            )
    return articles


def load_source(spec: str, max_articles: int = DEFAULT_MAX_ARTICLES) -> list[Article]:
    """The article(s) of one input: a .txt/.md/.html file, a feed file, an http(s) URL, or "-"."""
    if is_url(spec):
        got = fetch(spec)
        return _from_bytes(got.body, got.url, got.content_type, "", max_articles)
    if spec == "-":
        try:
            data = sys.stdin.buffer.read(MAX_BYTES + 1)  # never more than the limit in memory
        except (OSError, ValueError, AttributeError):  # closed (<&-), or no stdin at all
            raise InputError("standard input is closed: pipe an article into it, or give a file or URL") from None
        if len(data) > MAX_BYTES:
            raise InputError(f"standard input: over the {MAX_BYTES / 2**20:.0f} MB limit for one input")
        return _from_bytes(data, "-", "", "", max_articles, name="standard input")
    path = Path(spec)
    if not path.exists():
        raise InputError(f"{spec}: no such file")
    if path.is_dir():
        raise InputError(f"{spec}: is a folder, not an article file")
    if not path.is_file():  # a FIFO with no writer would block for ever; a device never ends
        raise InputError(f"{spec}: is not a regular file (a pipe, a device or a socket); save the article to a file")
    try:
        if path.stat().st_size > MAX_BYTES:
            size, bound = megabytes(path.stat().st_size, MAX_BYTES)
            raise InputError(f"{spec}: {size} MB is over the {bound} MB limit for one input")
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{spec}: cannot read it ({exc.strerror})") from None
    return _from_bytes(data, spec, "", path.suffix.lower(), max_articles, fallback_title=_title_from_name(path))


def load_article(spec: str) -> Article:
    """The first article of one input (a convenience for single-article callers)."""
    return load_source(spec, max_articles=1)[0]


def _from_bytes(
    data: bytes,
    source: str,
    content_type: str,
    suffix: str,
    max_articles: int,
    name: str = "",
    fallback_title: str = "",
) -> list[Article]:
    name = name or source
    _check_bytes(data, name, limit=MAX_BYTES, text_units=_units(data))
    content_type = content_type.split(";")[0].strip().lower()
    if suffix in FEED_SUFFIXES or content_type in _FEED_TYPES or (not suffix and looks_like_feed(data)):
        # An item's page is read as HTML whatever its Content-Type: it is held to a page's limit.
        return articles_from_feed(
            data, source, max_articles, fetch_page=lambda url: fetch(url, max_bytes=MAX_PAGE_BYTES).body
        )
    if (
        suffix in HTML_SUFFIXES
        or content_type in ("text/html", "application/xhtml+xml")
        or (suffix not in MARKDOWN_SUFFIXES | TEXT_SUFFIXES - {""} and looks_like_html(data))
    ):
        if len(data) > MAX_PAGE_BYTES:  # a download labelled otherwise, or a file: before extraction
            size, limit = megabytes(len(data), MAX_PAGE_BYTES)
            raise InputError(f"{name}: {size} MB of HTML is over the {limit} MB limit for one page")
        return [article_from_html(data, source, fallback_title)]
    text = decode(data, name)
    if suffix in MARKDOWN_SUFFIXES or content_type == "text/markdown":
        return [parse_markdown(text, source=source, fallback_title=fallback_title)]
    return [parse_text(text, source=source, fallback_title=fallback_title)]


_FEED_TYPES = {"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml", "text/xml"}


def _check_bytes(data: bytes, name: str, limit: int = MAX_ARTICLE_BYTES, text_units: int = 1) -> None:
    if not data.strip(b"\x00" if text_units > 1 else None).strip():
        raise InputError(f"{name}: is empty")
    if len(data) > limit * text_units:
        size, bound = megabytes(len(data) // text_units, limit)
        raise InputError(f"{name}: {size} MB is over the {bound} MB limit for one article (about 18 hours of speech)")
    if text_units == 1 and b"\x00" in data[:8192]:
        raise InputError(f"{name}: is a binary file, not text")


# What French text was saved in before UTF-8, most likely first (Windows, then ISO and Mac).
LEGACY_ENCODINGS = {
    "cp1252": "Windows-1252",
    "iso8859_15": "ISO-8859-15",
    "latin_1": "ISO-8859-1 (Latin-1)",
    "mac_roman": "Mac Roman",
    "cp850": "DOS code page 850",
}
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
# The characters outside ASCII that French text uses: letters, guillemets, typographic marks.
_FRENCH_CHARS = frozenset(
    "àâäæçéèêëîïôöœùûüÿÀÂÄÆÇÉÈÊËÎÏÔÖŒÙÛÜŸ«»‹›“”‘’„–—…€£°§©®™•·±×÷½¼¾²³ºª¡¿ñÑáíóúÁÍÓÚ\u00a0\u202f\u2009"
)


def decode(data: bytes, name: str) -> str:
    """The text of `data`: UTF-8 (with or without a BOM), UTF-16 or UTF-32 with their BOM, or a
    legacy encoding French text was saved in (Windows-1252, ISO-8859-1/15, Mac Roman), told by
    charset-normalizer when it is confident and the result reads as French, with a one-line
    warning naming it. Anything else is an InputError saying why it is not an article."""
    bom = _bom(data)
    if bom is not None:
        _check_bytes(data, name, text_units=_units(data))
        try:
            text = data[_units(data) :].decode(bom)
        except UnicodeDecodeError as exc:
            raise InputError(f"{name}: is not valid {bom.upper()} text (invalid bytes at offset {exc.start})") from None
    else:
        _check_bytes(data, name)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            text = _legacy(data, name, exc.start)
    if not has_words(text):
        raise InputError(f"{name}: holds no words to read")
    return text


def _bom(data: bytes) -> str | None:
    """The UTF-16 or UTF-32 encoding its byte-order mark names, if it starts with one."""
    return next((encoding for mark, encoding in _BOMS if data.startswith(mark)), None)


def _units(data: bytes) -> int:
    """Bytes per code unit: 2 or 4 for UTF-16 or UTF-32 with a BOM (their NUL bytes are text),
    else 1."""
    bom = _bom(data)
    return 1 if bom is None else (2 if "16" in bom else 4)


def _legacy(data: bytes, name: str, offset: int) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data, cp_isolation=list(LEGACY_ENCODINGS), threshold=0.1).best()
    text = str(best) if best is not None else ""
    if best is None or not _reads_as_french(text):
        raise InputError(
            f"{name}: is not UTF-8 text (invalid byte at offset {offset}) and no legacy encoding reads it "
            "as French; convert it with iconv -f ENCODING -t UTF-8"
        )
    label = LEGACY_ENCODINGS.get(best.encoding, best.encoding)
    log.warning("%s: not UTF-8; read as %s", name, label)
    return text


def _reads_as_french(text: str) -> bool:
    """No control characters, and every character outside ASCII one that French text uses."""
    if any(ord(c) < 32 and c not in "\n\r\t\f" or 0x7F <= ord(c) < 0xA0 for c in text):
        return False
    return all(c in _FRENCH_CHARS for c in set(text) if ord(c) > 127)


def _title_from_name(path: Path) -> str:
    return re.sub(r"[-_]+", " ", path.stem).strip().capitalize()


def _looks_like_heading(text: str) -> bool:
    return "\n" not in text and len(text.split()) <= _HEADING_MAX_WORDS and not _FINAL_PUNCT.search(text)


def parse_text(text: str, source: str = "", fallback_title: str = "") -> Article:
    """Build an Article from plain text."""
    text = clean_text(text)
    chunks = [c for c in re.split(r"\n\s*\n", text) if has_words(c)]
    if len(chunks) == 1 and chunks[0].count("\n") >= 2:
        chunks = [line for line in chunks[0].split("\n") if has_words(line)]  # one paragraph a line
    chunks = [collapse_spaces(strip_credits(c)) for c in chunks]  # unwrap hard-wrapped lines
    chunks = [c for c in chunks if has_words(c) and not is_boilerplate(c)]
    if not chunks:
        raise InputError(f"{source or 'input'}: holds no words to read")

    section = ""
    if (
        len(chunks) >= 3
        and len(chunks[0].split()) <= 2
        and _looks_like_heading(chunks[0])
        and _looks_like_heading_or_title(chunks[1])
    ):
        section = chunks.pop(0)
    if len(chunks) >= 2 and len(chunks[0]) <= MAX_TITLE_CHARS:
        title = chunks.pop(0)
    else:
        title = fallback_title or chunks[0][:80]
    blocks = []
    for i, chunk in enumerate(chunks):
        is_last = i == len(chunks) - 1
        kind = "heading" if (not is_last and _looks_like_heading(chunk)) else "paragraph"
        blocks.append(Block(kind, chunk))
    blocks = without_reference_sections(blocks) or blocks
    return Article(title=title.rstrip("."), blocks=tuple(blocks), source=source, section=section)


def _looks_like_heading_or_title(text: str) -> bool:
    return len(text) <= MAX_TITLE_CHARS and not text.endswith(".")


_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n(?:---|\.\.\.)\s*\n", re.DOTALL)


def parse_markdown(text: str, source: str = "", fallback_title: str = "") -> Article:
    """Build an Article from Markdown (CommonMark, front matter allowed)."""
    # Typography is cleaned per block after parsing: backticks and quotes are syntax here.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    meta: dict[str, str] = {}
    m = _FRONT_MATTER.match(text)
    if m:
        for line in m.group(1).splitlines():
            key, sep, value = line.partition(":")
            if sep:
                meta[key.strip().lower()] = value.strip().strip("'\"")
        text = text[m.end() :]

    tokens = MarkdownIt("commonmark").parse(text)
    title = meta.get("title", "")
    blocks: list[Block] = []
    heading_level = 0
    seen_h1 = False
    for tok in tokens:
        if tok.type == "heading_open":
            heading_level = int(tok.tag[1])
        elif tok.type == "inline":
            content = collapse_spaces(strip_credits(clean_text(_inline_text(tok))))
            if not has_words(content) or is_boilerplate(content):
                pass
            elif heading_level == 1 and not seen_h1:
                title, seen_h1 = content, True  # the first level-1 heading wins over front matter
            elif heading_level:
                blocks.append(Block("heading", content))
            else:
                blocks.append(Block("paragraph", content))
        elif tok.type == "heading_close":
            heading_level = 0
    if not title:
        if blocks and blocks[0].kind == "heading":
            title = blocks.pop(0).text
        else:
            title = fallback_title
    blocks = without_reference_sections(blocks)
    if not blocks:
        raise InputError(f"{source or 'input'}: holds a title but no paragraph to read")
    if blocks[-1].kind == "heading":
        blocks[-1] = Block("paragraph", blocks[-1].text)
    return Article(title=title.rstrip("."), blocks=tuple(blocks), source=source, date=meta.get("date", ""))


def _inline_text(token) -> str:
    parts = []
    for child in token.children or ():
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)
