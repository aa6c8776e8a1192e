"""HTML pages to Articles: the main text, its title, date and site, without navigation or ads.

trafilatura finds the article body of a news page (it is maintained for exactly that and beats
any hand-written heuristic); its XML output keeps paragraphs and sub-headings apart. Scripts,
styles and forms are never read, and nothing from a page is executed.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from briefing.errors import InputError
from briefing.model import Article, Block
from briefing.text.clean import clean_text, has_words, is_boilerplate, strip_credits


def looks_like_html(data: bytes) -> bool:
    head = data[:2048].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<body" in head or b"<p>" in head


def article_from_html(data: bytes | str, source: str, fallback_title: str = "") -> Article:
    """Extract the article of an HTML page (bytes: encoding sniffed from the page)."""
    import trafilatura
    from lxml import etree

    tree = trafilatura.load_html(data)
    if tree is None:
        raise InputError(f"{source}: cannot parse this HTML")
    # Nothing meant for machines or for browsers without JavaScript is ever read.
    for bad in tree.xpath("//script|//style|//noscript|//template|//iframe|//object|//embed|//form"):
        bad.drop_tree()
    xml = trafilatura.extract(
        tree,
        url=source if source.startswith("http") else None,
        output_format="xml",
        with_metadata=True,
        include_comments=False,
        include_tables=False,
        include_images=False,
        include_formatting=False,
        include_links=False,
        # Not trafilatura's deduplication: its cache lives as long as the process, so the same
        # page read again (a batch, `briefing serve`, tomorrow's publish run) lost its sub-headings.
        deduplicate=False,
    )
    if not xml:
        # Too short or too odd for trafilatura's heuristics: read the page's own structure.
        return article_from_fragment(data, source, fallback_title)
    doc = etree.fromstring(xml.encode("utf-8"), parser=etree.XMLParser(resolve_entities=False, no_network=True))
    blocks: list[Block] = []
    main = doc.find("main")
    for el in main.iter("p", "head", "item", "quote") if main is not None else ():
        if el.tag in ("item", "quote") and el.find("p") is not None:
            continue  # its paragraphs come on their own
        text = " ".join(strip_credits(clean_text("".join(el.itertext()))).split())
        if not has_words(text) or is_boilerplate(text):
            continue
        blocks.append(Block("heading" if el.tag == "head" else "paragraph", text))
    title = clean_text(doc.get("title") or fallback_title).strip()
    if blocks and blocks[0].kind == "heading" and blocks[0].text == title:
        blocks.pop(0)
    if not title and blocks:
        title = blocks.pop(0).text if blocks[0].kind == "heading" else fallback_title
    if blocks and blocks[-1].kind == "heading":
        blocks[-1] = Block("paragraph", blocks[-1].text)
    if not blocks:
        raise InputError(f"{source}: no article text found in this page")
    host = urlsplit(source).hostname or "" if source.startswith("http") else ""
    publisher = clean_text(doc.get("sitename") or "").strip() or (host.removeprefix("www.") if host else "")
    return Article(
        title=title or "Sans titre",
        blocks=tuple(blocks),
        source=source,
        date=doc.get("date") or "",
        publisher=publisher,
        author=clean_text(doc.get("author") or "").strip(),
    )


_BLOCK_TAGS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote")


def article_from_fragment(data: bytes | str, source: str, title: str = "") -> Article:
    """An Article from simple HTML (a feed item's content, a bare page): its p, h1-h6 and li."""
    import lxml.html

    try:
        root = lxml.html.fromstring(data if data else "<p></p>")
    except Exception:  # lxml raises several types on garbage; all mean the same here
        raise InputError(f"{source}: cannot parse this HTML") from None
    for bad in root.xpath("//script|//style|//noscript|//nav|//footer|//form|//iframe|//template"):
        bad.drop_tree()
    blocks: list[Block] = []
    for el in root.iter(*_BLOCK_TAGS):
        if el.tag in ("li", "blockquote") and el.find(".//p") is not None:
            continue
        text = " ".join(strip_credits(clean_text(el.text_content())).split())
        if not has_words(text) or is_boilerplate(text):
            continue
        kind = "heading" if el.tag.startswith("h") else "paragraph"
        if kind == "heading" and not title and not blocks:
            title = text
            continue
        blocks.append(Block(kind, text))
    if not blocks:
        text = " ".join(clean_text(root.text_content()).split())
        if not has_words(text):
            raise InputError(f"{source}: no article text found in this page")
        blocks = [Block("paragraph", text)]
    if not title:
        found = root.find(".//title")
        title = " ".join(clean_text(found.text_content()).split()) if found is not None else ""
    if blocks[-1].kind == "heading":
        blocks[-1] = Block("paragraph", blocks[-1].text)
    if title and blocks[0].kind == "heading" and blocks[0].text == title:
        blocks.pop(0)
    return Article(title=title or "Sans titre", blocks=tuple(blocks), source=source)
