"""HTML pages to Articles: the main text, its title, date and site, without navigation or ads.

trafilatura finds the article body of a news page (it is maintained for exactly that and beats
any hand-written heuristic); its XML output keeps paragraphs and sub-headings apart. Around it,
this module does what a listener needs and trafilatura does not:

- the page's own structure goes first: asides, figures and captions, "Lire aussi" boxes,
  related-link lists, share bars, paywall calls and embedded social posts (X, Instagram, Bluesky,
  Mastodon, TikTok, YouTube) are removed from the tree before extraction; kicker labels
  ("Agriculture" above a lead) are dropped so they are never glued to the next sentence;
- the lead (chapô) is kept: found by its class, id or itemprop, or in the page's schema.org
  JSON-LD `description`, `og:description` or `<meta name="description">`, it is the first
  paragraph, read once (the full version wins over a truncated one);
- the title is said without the site's name ("… - Le Monde") and never twice;
- what is left of page furniture is dropped by text (clean.is_boilerplate): bylines,
  timestamps, credits, agency codes, "Lire aussi" lines; links and @handles never reach speech;
- a page with no article (template code, an index of links) or a live page is an InputError.

Scripts, styles and forms are never read, and nothing from a page is executed: JSON-LD is
parsed as data (json.loads), never evaluated.
"""

from __future__ import annotations

import json
import re
import unicodedata
from copy import deepcopy
from datetime import datetime
from urllib.parse import urlsplit

from briefing.errors import InputError, NotAnArticle
from briefing.model import Article, Block
from briefing.text.clean import (
    clean_text,
    collapse_spaces,
    has_words,
    is_boilerplate,
    is_name_note,
    strip_credits,
    without_reference_sections,
)


def looks_like_html(data: bytes) -> bool:
    head = data[:2048].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<body" in head or b"<p>" in head


# Never read: code, styles, forms, media players and frames.
_NEVER_READ = (
    "//script|//style|//noscript|//template|//iframe|//object|//embed|//form|//svg|//canvas"
    "|//video|//audio|//button|//select|//textarea"
)
# Elements that are never the article, by tag or ARIA role.
_NOT_ARTICLE_TAGS = ("aside", "nav", "footer", "figure", "figcaption", "dialog", "menu")
_NOT_ARTICLE_ROLES = frozenset(("complementary", "navigation", "contentinfo", "dialog", "alertdialog"))
# ... and by a word of their class or id ("c-related__list", "lire-aussi", "share-bar").
_NOT_ARTICLE_WORDS = frozenset(
    """aside sidebar related readalso lireaussi alire inread embed embedded outbrain taboola newsletter
    breadcrumb breadcrumbs share sharing sharebar social partage partager cta paywall subscribe subscription
    abonnement abonnez promo advert advertisement advertising ads ad publicite sponsor sponsored
    comments comment commentaires caption legend legende credit credits copyright tags keywords
    pullquote exergue tweet twitter instagram tiktok bluesky mastodon facebook youtube dailymotion
    notice disclaimer ariane filariane tools toolbar outils teaser teasers readmore footer""".split()
)
_CARD_WORDS = frozenset(("item", "card", "teaser", "teasers", "readmore", "more"))
_COMMENTS = frozenset(("comments", "commentaires", "commentlist", "reactions"))
# Inline elements go only for these (a link with class "twitter" inside a sentence stays).
_NOT_ARTICLE_INLINE = frozenset("caption legend legende credit credits copyright".split())
_NOT_ARTICLE_PARTS = ("inread", "embed", "outbrain", "taboola", "related", "readalso", "lireaussi", "pullquote")
# Embedded posts whose markup names no class: their permalink gives them away.
_POST_LINK = re.compile(
    r"(?:twitter\.com|x\.com)/\w+/status/|instagram\.com/(?:p|reel)/|tiktok\.com/@|bsky\.app/profile/|/@\w+/\d{6,}"
)
# Labels above or before a headline or a lead: a rubric, not a sentence.
_KICKER_WORDS = frozenset(
    "kicker surtitre overline eyebrow rubrique category categorie label badge flag tag supertitle".split()
)
# What names a lead (chapô) in a page's class, id or itemprop.
_LEAD_WORDS = frozenset(
    """chapo chapeau chapô lead standfirst intro introduction desc description summary excerpt abstract
    accroche resume résumé dek deck subtitle subheadline""".split()
)
_LEAD_EXCLUDED = frozenset(
    """image img photo picture media video caption author bio comment comments newsletter modal card teaser
    promo item list nav menu footer meta tag tags label btn button form search share social widget""".split()
)
_LEAD_TAGS = frozenset(("p", "div", "section", "header", "h2", "h3", "h4", "span", "strong", "b", "em"))
_BLOCK_LEVEL = frozenset(
    "p div section article header main h1 h2 h3 h4 h5 h6 li ul ol blockquote table tr td th dd dt dl pre hr".split()
)
_INLINE = frozenset("span a strong b em i small time label abbr mark u cite q font".split())
_ARTICLE_TYPES = frozenset(
    """Article NewsArticle ReportageNewsArticle AnalysisNewsArticle OpinionNewsArticle BackgroundNewsArticle
    ReviewNewsArticle AskPublicNewsArticle BlogPosting LiveBlogPosting Report ScholarlyArticle TechArticle""".split()
)
_INDEX_TYPES = frozenset(("CollectionPage", "ItemList", "SearchResultsPage", "WebSite"))
_SENTENCE_END = re.compile(r"[.!?…»”\"]\s*$")
_TRUNCATED = re.compile(r"\s*(?:…|\.\.\.|\((?:…|\.\.\.)\)|\[(?:…|\.\.\.)\])\s*$")
# A site name around a title: "Titre - Le Monde", "Le Monde | Titre", "Titre, Gala".
_TITLE_SEPARATOR = re.compile(r"(\s+[-|–—·•/»]{1,2}\s+|\s*\|\s*|,\s+)")


def article_from_html(data: bytes | str, source: str, fallback_title: str = "") -> Article:
    """Extract the article of an HTML page (bytes: encoding sniffed from the page)."""
    import trafilatura

    tree = trafilatura.load_html(data)
    if tree is None:
        raise InputError(f"{source}: cannot parse this HTML")
    url = source if source.startswith("http") else None
    linked = _json_ld(tree)
    metas = _metas(tree)
    # htmldate's "extensive" search hands odd strings to dateparser, which then compiles its
    # patterns for 200 locales: seconds on a first page. Dates in markup and text are enough.
    date_params = {"original_date": True, "extensive_search": False, "max_date": datetime.now().strftime("%Y-%m-%d")}
    meta = trafilatura.extract_metadata(deepcopy(tree), default_url=url, date_config=date_params)
    raw_title = clean_text(meta.title or metas.get("og:title") or "").strip()
    sites = _site_names(metas, linked, meta.sitename, url)
    page_titles = [raw_title, metas.get("og:title", ""), tree.findtext(".//title") or ""]
    live = _live_markup(tree, linked, [clean_text(t).strip() for t in page_titles], sites)

    for bad in tree.xpath(_NEVER_READ):
        bad.drop_tree()
    _drop_kickers(tree)
    _separate_inline(tree)
    heading = _main_heading(tree, raw_title)
    _drop_non_article(tree)
    link_texts = _link_texts(tree)

    blocks, litter = _clean_blocks(_body(tree, url))
    article_body = _article_body(linked)
    if not _usable(blocks) and article_body:
        # The page's JSON-LD holds the text its template fills in with JavaScript.
        blocks, _ = _clean_blocks(("paragraph", p) for p in re.split(r"\n\s*\n|\n", article_body))
        litter = 0

    title = _strip_site_name(raw_title, sites, heading) or heading or clean_text(fallback_title).strip()
    titles = {_key(t) for t in (raw_title, title, heading) if t}
    blocks = [
        b
        for b in blocks
        if len(b.text) > 300 or (_key(b.text) not in titles and _key(_strip_site_name(b.text, sites)) not in titles)
    ]
    # Blocks that are links: other articles' titles and teasers. Many of them: an index page.
    linked_blocks = [b for b in blocks if _key(b.text) in link_texts]
    if len(linked_blocks) >= 3 and 2 * sum(len(b.text.split()) for b in linked_blocks) >= sum(
        len(b.text.split()) for b in blocks
    ):
        raise NotAnArticle(f"no article text in {source} (it is a list of links to articles)")
    teasers = {b for b in linked_blocks if b.kind == "heading" or not _SENTENCE_END.search(b.text)}
    blocks = [b for b in blocks if b not in teasers]
    blocks = _read_once(blocks)

    lead = _choose_lead(_lead_element(tree, heading), linked, metas, title, blocks)
    if lead:
        blocks = _place_lead(lead, blocks)
    blocks = without_reference_sections(_drop_notes_and_signatures(blocks, clean_text(meta.author or "").strip()))

    if live or _live_text(blocks):
        raise NotAnArticle(
            f"{source}: is a live page (a live blog or a live match), not an article; "
            "to read it anyway, save the part you want as a .txt file and give that file"
        )
    words = sum(len(b.text.split()) for b in blocks)
    if not _usable(blocks) or litter > words:
        raise NotAnArticle(f"no article text in {source}")
    if not title and blocks[0].kind == "heading":
        title = blocks.pop(0).text
    if blocks[-1].kind == "heading":
        blocks[-1] = Block("paragraph", blocks[-1].text)
    host = (urlsplit(source).hostname or "") if url else ""
    publisher = clean_text(meta.sitename or metas.get("og:site_name") or "").strip() or host.removeprefix("www.")
    return Article(
        title=title or "Sans titre",
        blocks=tuple(blocks),
        source=source,
        date=meta.date or "",
        publisher=publisher,
        author=clean_text(meta.author or "").strip(),
    )


def _body(tree, url: str | None) -> list[tuple[str, str]]:
    """The article body as (kind, text) blocks: trafilatura's, else the page's own structure."""
    import trafilatura
    from lxml import etree

    xml = trafilatura.extract(  # it works on a copy: `tree` is left as it is
        tree,
        url=url,
        output_format="xml",
        with_metadata=False,
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
        return _structure_blocks(tree)
    doc = etree.fromstring(xml.encode("utf-8"), parser=etree.XMLParser(resolve_entities=False, no_network=True))
    found = []
    main = doc.find("main")
    for el in main.iter("p", "head", "item", "quote") if main is not None else ():
        if el.tag in ("item", "quote") and el.find("p") is not None:
            continue  # its paragraphs come on their own
        found.append(("heading" if el.tag == "head" else "paragraph", "".join(el.itertext())))
    return found


# --- The page's own data: JSON-LD, meta tags ---------------------------------------------------


def _json_ld(tree) -> list[dict]:
    """Every object of the page's JSON-LD scripts (with @graph and mainEntity unfolded)."""
    found: list[dict] = []
    for script in tree.xpath('//script[@type="application/ld+json"]'):
        text = script.text or ""
        if len(text) > 2_000_000:
            continue
        try:
            data = json.loads(text, strict=False)
        except (ValueError, RecursionError):
            continue
        stack = [data]
        while stack and len(found) < 500:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                found.append(item)
                stack.extend(
                    v for k, v in item.items() if k in ("@graph", "mainEntity") and isinstance(v, (dict, list))
                )
    return found


def _types(obj: dict) -> set[str]:
    kind = obj.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return {k.rsplit("/", 1)[-1] for k in kinds if isinstance(k, str)}


def _ld_text(obj: dict, key: str) -> str:
    value = obj.get(key)
    return clean_text(value).strip() if isinstance(value, str) else ""


def _article_body(linked: list[dict]) -> str:
    return next(
        (_ld_text(o, "articleBody") for o in linked if _types(o) & _ARTICLE_TYPES and _ld_text(o, "articleBody")), ""
    )


def _metas(tree) -> dict[str, str]:
    """The page's <meta> contents by lower-cased name or property (the first of each wins)."""
    found: dict[str, str] = {}
    for el in tree.iter("meta"):
        key = (el.get("property") or el.get("name") or el.get("itemprop") or "").strip().lower()
        content = el.get("content")
        if key and content and key not in found:
            found[key] = content
    return found


def _site_names(metas: dict[str, str], linked: list[dict], sitename: str | None, url: str | None) -> set[str]:
    names = {metas.get("og:site_name", ""), metas.get("application-name", ""), sitename or ""}
    for obj in linked:
        publisher = obj.get("publisher")
        if isinstance(publisher, dict) and isinstance(publisher.get("name"), str):
            names.add(publisher["name"])
        if _types(obj) & {"WebSite", "Organization", "NewsMediaOrganization"} and isinstance(obj.get("name"), str):
            names.add(obj["name"])
    host = (urlsplit(url).hostname or "").removeprefix("www.") if url else ""
    if host:
        names |= {host, host.rsplit(".", 1)[0]}
    keys = {_key(n) for n in names}
    return {k for k in keys if k}


def _key(text: str) -> str:
    """A comparable form: no case, accents, spaces, punctuation or leading French article."""
    text = unicodedata.normalize("NFKD", text.casefold())
    text = re.sub(r"^(?:les?|la|l['’])\s*(?=\w)", "", text.strip())
    return re.sub(r"[\W_]+", "", text)  # NFKD's accents are not \w either


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", unicodedata.normalize("NFC", text.casefold()))


# --- The tree before extraction ----------------------------------------------------------------


def _class_words(el) -> set[str]:
    """The words of an element's class and id: "c-article__chapo readAlso" -> c, article, chapo,
    read, also, readalso (each class also joined, so "lire-aussi" is "lireaussi")."""
    words: set[str] = set()
    for value in (el.get("class"), el.get("id")):
        for token in (value or "").split():
            parts = re.split(r"[-_:.]+|(?<=[a-z])(?=[A-Z])", token)
            words.update(p.lower() for p in parts if p)
            words.add("".join(parts).lower())
    return words


def _text(el) -> str:
    """An element's text with block-level children kept apart."""
    from lxml import etree

    parts: list[str] = []
    for event, node in etree.iterwalk(el, events=("start", "end", "comment", "pi")):  # not recursive: any depth
        if event in ("comment", "pi"):
            parts.append(node.tail or "")  # their own text is never read
            continue
        if node.tag in _BLOCK_LEVEL or node.tag == "br":
            parts.append(" ")
        if event == "start" and node.text:
            parts.append(node.text)
        if event == "end" and node is not el and node.tail:
            parts.append(node.tail)
    return collapse_spaces(clean_text("".join(parts)))


def _short_text(el, limit: int = 120) -> str | None:
    """An element's text, or None when it is longer than `limit` (read no further)."""
    parts, size = [], 0
    for piece in el.itertext():
        parts.append(piece)
        size += len(piece)
        if size > 4 * limit:
            return None
    text = collapse_spaces("".join(parts))
    return text if len(text) <= limit else None


def _drop_kickers(tree) -> None:
    """Rubric labels ("Agriculture", "Abonnés") are not text: dropped, their tail kept."""
    for el in list(tree.iter()):
        parent = el.getparent()
        if not isinstance(el.tag, str) or parent is None:
            continue
        kicker = bool(_class_words(el) & _KICKER_WORDS)
        # A short label run into the next sentence: <p><span>Agriculture</span>L'Office fédéral…
        label = (
            el.tag in _INLINE
            and parent.tag in _BLOCK_LEVEL
            and parent.index(el) == 0
            and not (parent.text or "").strip()
            and re.match(r"[A-ZÀ-Þ«\"]", el.tail or "") is not None
        )
        if not (kicker or label):
            continue
        text = _short_text(el, 80 if kicker else 40)
        if text is None:
            continue
        if (kicker and len(text.split()) <= 8) or (
            label and 0 < len(text.split()) <= 4 and not re.search(r"[.!?:;,»]$", text)
        ):
            el.drop_tree()


def _separate_inline(tree) -> None:
    """A space where two inline elements' texts would be glued ("fin.<span>Début"), and at a <br>."""
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag == "br":
            el.tail = " " + (el.tail or "")
            continue
        if el.tag not in _INLINE:
            continue
        text = el.text_content()
        tail = el.tail or ""
        # "Un mot.<b>Début" or "<b>Fin de phrase.</b>Suite": not "<b>Mc</b>Donald".
        if text and tail and re.search(r"[\w.!?:;»)]$", text) and re.match(r"[A-ZÀ-Þ«]", tail):
            if not re.search(r"[a-zà-ÿ]$", text) or len(text.split()) > 1:
                el.tail = " " + tail
        prev = el.getprevious()
        parent = el.getparent()
        before = (prev.tail if prev is not None else parent.text if parent is not None else "") or ""
        if before and text and re.search(r"[.!?:;»)]$", before) and re.match(r"[A-ZÀ-Þ«]", text):
            if prev is not None:
                prev.tail = before + " "
            else:
                parent.text = before + " "


def _main_heading(tree, title: str) -> str:
    """The article's h1: the one closest to the page's title."""
    heads = [collapse_spaces(clean_text(h.text_content())) for h in tree.iter("h1")]
    heads = [h for h in heads if has_words(h)]
    if not heads:
        return ""
    want = _key(title)
    for head in heads:
        key = _key(head)
        if key and want and (key in want or want in key):
            return head
    return heads[0]


def _drop_non_article(tree) -> None:
    """Remove what is never the article, by structure: asides, figures, related links, embeds."""
    total = sum(len(p.text_content()) for p in tree.iter("p"))
    body = tree.find(".//body")
    everything = len((body if body is not None else tree).text_content())
    h1s = set(tree.iter("h1"))

    def keep(el) -> bool:
        """Never the page, its h1, or half its paragraphs (or half its text, where it has few <p>);
        readers' comments go however long they are."""
        if el.tag in ("html", "body") or el.getparent() is None:
            return True
        if h1s and any(h in h1s for h in el.iter("h1")):
            return True
        if _class_words(el) & _COMMENTS:
            return False
        if total < 500:
            return len(el.text_content()) * 2 > everything
        return sum(len(p.text_content()) for p in el.iter("p")) * 2 > total

    doomed = []
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        words = _class_words(el)
        if (
            el.tag in _NOT_ARTICLE_TAGS
            or (el.get("role") or "").lower() in _NOT_ARTICLE_ROLES
            or words & (_NOT_ARTICLE_INLINE if el.tag in _INLINE else _NOT_ARTICLE_WORDS)
            or (el.tag not in _INLINE and any(part in word for word in words for part in _NOT_ARTICLE_PARTS))
            or (el.tag not in _INLINE and (el.get("onclick") is not None or el.get("data-href") is not None))
            or el.get("data-instgrm-permalink") is not None
            or el.get("data-bluesky-uri") is not None
            or (el.tag == "blockquote" and any(_POST_LINK.search(a.get("href") or "") for a in el.iter("a")))
            or (el.tag in ("ul", "ol") and _only_links(el))
            or (words & _CARD_WORDS and el.tag not in _INLINE and _teaser_card(el))
            or (el.tag == "p" and _link_only_line(el))
        ) and not keep(el):
            doomed.append(el)
    for el in doomed:
        if el.getparent() is not None and not any(a in doomed for a in el.iterancestors()):
            el.drop_tree()


def _teaser_card(el) -> bool:
    """An item or card that points to another article: a linked title of three words or more,
    and little text (its teaser)."""
    words = len(el.text_content().split())
    return words < 80 and any(
        a.get("href") and len(a.text_content().split()) >= 3 for a in el.iter("a") if isinstance(a.tag, str)
    )


def _link_share(el) -> float:
    text = len("".join(el.text_content().split()))
    links = sum(len("".join(a.text_content().split())) for a in el.iter("a") if a.get("href") is not None)
    return links / text if text else 0.0


def _only_links(el) -> bool:
    """A list whose every item is a link: related articles, tags, a menu."""
    items = [li for li in el if isinstance(li.tag, str) and li.tag == "li"]
    # 0.7: a label before each link ("Pour mémoire", "Dossier") leaves the list a list of links.
    return len(items) >= 2 and all(has_words(li.text_content()) and _link_share(li) >= 0.7 for li in items)


def _link_only_line(el) -> bool:
    """A paragraph that is one link and no sentence: a teaser for another article."""
    text = collapse_spaces(el.text_content())
    return has_words(text) and _link_share(el) >= 0.95 and not _SENTENCE_END.search(text)


def _link_texts(tree) -> set[str]:
    """What the page says only as links of three words or more, and its headings that are links:
    other articles' titles and teasers."""
    found = {_key(a.text_content()) for a in tree.iter("a") if a.get("href") and len(a.text_content().split()) >= 3}
    for el in tree.iter("h1", "h2", "h3", "h4", "h5", "h6", "p"):
        linked = any(a.tag == "a" and a.get("href") for a in el.iterancestors()) or _link_share(el) >= 0.8
        if linked and has_words(el.text_content()):
            found.add(_key(el.text_content()))
    found.discard("")
    return found


def _structure_blocks(tree) -> list[tuple[str, str]]:
    """Blocks read from the page's own p, h1-h6, li and blockquote (when trafilatura finds none)."""
    found = []
    for el in tree.iter("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote"):
        if el.tag in ("li", "blockquote") and el.find(".//p") is not None:
            continue
        found.append(("heading" if el.tag.startswith("h") else "paragraph", _text(el)))
    if not any(has_words(t) for _, t in found):
        body = tree.find(".//body")
        found = [("paragraph", _text(body if body is not None else tree))]
    return found


# --- Blocks ------------------------------------------------------------------------------------

# What a voice must never read: web addresses, tweet signatures, handles.
_SHORT_LINK = re.compile(r"\s*\b(?:https?://)?(?:pic\.twitter\.com|t\.co|bit\.ly|ow\.ly|dlvr\.it|youtu\.be)/\S*")
_URL = re.compile(r"\bhttps?://(?:www\.)?([\w.-]+\.[a-z]{2,})(?:[/?#]\S*)?", re.IGNORECASE)
_TWEET_SIGNATURE = re.compile(
    r"\s*(?:[,—–-]\s*)?[^,()«»]{0,60}\(@\w{1,30}\)\s*(?:January|February|March|April|May|June|July|August"
    r"|September|October|November|December)\s+\d{1,2},\s+\d{4}\.?"
)
_HANDLE_IN_PARENS = re.compile(r"\s*\(@\w{1,30}\)")
_HANDLE = re.compile(r"(?<![\w.+-])@(\w{1,30})\b(?!\.\w)")
# JavaScript or template code that an extractor took for text.
_STRONG_CODE = re.compile(
    r"""\b[a-z_$][\w$]*\.[a-z_$][\w$]*[A-Z][\w$]*     # nrco.contentDetailController
    | '(?:dd|MM|yyyy|yy|HH|hh|mm|ss)(?:[\s./:,-]+(?:dd|MM|MMM|MMMM|yyyy|yy|HH|hh|mm|ss))+'   # 'dd MM yyyy'
    | \bfunction\s*\( | \{\{ | \}\} | \{% | %\} | <% | %> | \$\{ | \$\( | =>
    | \b(?:var|let|const)\s+[\w$]+\s*= | \b\w+\s*\(\s*\)\s*[;{] | \b(?:document|window|this)\.\w+""",
    re.VERBOSE,
)
_WEAK_CODE = re.compile(r"===|!==|&&|\|\||[;{}]|\b\w+\.\w+\(")


def _speakable(text: str) -> str:
    text = _SHORT_LINK.sub("", text)
    text = _TWEET_SIGNATURE.sub("", text)
    text = _URL.sub(r"\1", text)
    text = _HANDLE_IN_PARENS.sub("", text)
    return _HANDLE.sub(lambda m: m.group(1).replace("_", " "), text)


def _is_code(text: str) -> bool:
    score = 3 * len(_STRONG_CODE.findall(text)) + len(_WEAK_CODE.findall(text))
    return score >= 3 and score * 20 >= len(text.split())


def _clean_blocks(found) -> tuple[list[Block], int]:
    """Speakable blocks, and how many words of code were thrown away."""
    blocks: list[Block] = []
    litter = 0
    for kind, raw in found:
        text = collapse_spaces(clean_text(raw))
        if _is_code(text):
            litter += len(text.split())
            continue
        text = collapse_spaces(strip_credits(_speakable(text)))
        if has_words(text) and not is_boilerplate(text):
            blocks.append(Block(kind, text))
    return blocks, litter


def _usable(blocks: list[Block]) -> bool:
    """Some prose: a paragraph of eight words or more that has a sentence's punctuation."""
    return any(b.kind == "paragraph" and len(b.text.split()) >= 8 and re.search(r"[.!?…»]", b.text) for b in blocks)


def _contains(big: list[str], small: list[str]) -> bool:
    """True when the words `small` come in `big`, in a row."""
    return bool(small) and f" {' '.join(small)} " in f" {' '.join(big)} "


def _is_cut_of(short: str, long: str) -> bool:
    """True when `short` is the start of `long`, its last word perhaps cut ("… une gren…")."""
    few, many = _words(_TRUNCATED.sub("", short)), _words(long)
    if not 0 < len(few) <= len(many) or many[: len(few) - 1] != few[:-1] or not many[len(few) - 1].startswith(few[-1]):
        return False
    return len(many) > len(few) or len(many[-1]) > len(few[-1])


def _read_once(blocks: list[Block]) -> list[Block]:
    """Each text once: a repeated block, or a pull quote that repeats a body sentence, goes."""
    kept: list[Block] = []
    words = [_words(b.text) for b in blocks]
    padded = [f" {' '.join(w)} " for w in words]
    seen: set[str] = set()
    for i, block in enumerate(blocks):
        if padded[i] in seen:
            continue
        seen.add(padded[i])
        # A pull quote is short; the check is quadratic, so pages of thousands of blocks skip it.
        if (
            block.kind == "paragraph"
            and 6 <= len(words[i]) <= 80
            and len(blocks) <= 600
            and any(
                len(words[j]) > len(words[i]) and blocks[j].kind == "paragraph" and padded[i] in padded[j]
                for j in range(len(blocks))
            )
        ):
            continue
        kept.append(block)
    return kept


def _drop_notes_and_signatures(blocks: list[Block], author: str) -> list[Block]:
    # "Le prénom a été modifié." belongs to the story only where the story marks a name with "*".
    marked = any(re.search(r"\w\*", b.text) for b in blocks)
    blocks = [b for b in blocks if marked or not is_name_note(b.text)]

    # A name alone among the last paragraphs, or the author's: a signature.
    def signature(i: int) -> bool:
        text = blocks[i].text
        return (bool(author) and _key(text) == _key(author)) or (
            blocks[i].kind == "paragraph"
            # "Marie Dupont", "M. Dupont", "Marie Dupont (avec Paul Girard)": a name, perhaps a note after it.
            and re.fullmatch(
                r"(?:[A-ZÀ-Þ][\w'’-]+|[A-ZÀ-Þ]\.)(?:[ \u00a0][A-ZÀ-Þ][\w'’-]+){1,3}(?:\s*\([^()]{1,120}\)\.?)?", text
            )
            is not None
        )

    # "(*) Economiste de formation, X enseigne…": a note on the author, among the last paragraphs.
    def author_note(i: int) -> bool:
        return re.match(r"\(?\*{1,3}\)?\s*[A-ZÀ-Þ]", blocks[i].text) is not None and not marked_in_body(i)

    def marked_in_body(i: int) -> bool:  # "Marie* a témoigné" ... "* Le prénom a été modifié": the story's own
        return is_name_note(blocks[i].text.lstrip("(*) "))

    last = len(blocks) - 3
    blocks = [b for i, b in enumerate(blocks) if i < last or not (signature(i) or author_note(i))]
    # Headings after the last paragraph introduce nothing of the article (promotion boxes, menus).
    while blocks and blocks[-1].kind == "heading":
        blocks.pop()
    return blocks


# --- The lead ----------------------------------------------------------------------------------


def _lead_element(tree, heading: str) -> str:
    """The text of the element the page marks as its lead, the first after the h1."""
    after_h1 = not heading
    first = ""
    for el in tree.iter():
        if not isinstance(el.tag, str):
            continue
        if el.tag == "h1" and heading and collapse_spaces(clean_text(el.text_content())) == heading:
            after_h1 = True
            continue
        if el.tag not in _LEAD_TAGS:
            continue
        words = _class_words(el) | {(el.get("itemprop") or "").lower()}
        if not words & _LEAD_WORDS or words & _LEAD_EXCLUDED:
            continue
        text = _text(el)
        n = len(text.split())
        if not 8 <= n <= 200 or len(list(el.iter("p"))) > 3 or _link_share(el) > 0.5:
            continue
        if after_h1:
            return text
        first = first or text
    return first


def _choose_lead(element: str, linked: list[dict], metas: dict[str, str], title: str, blocks: list[Block]) -> str:
    """The lead: the page's lead element, else its JSON-LD, Open Graph or meta description; the
    full version where one is a cut of another; never a cut sentence, never the site's blurb."""
    described = [_ld_text(o, "description") for o in linked if _types(o) & _ARTICLE_TYPES]
    candidates = [element, *described] + [
        clean_text(metas.get(k, "")).strip() for k in ("og:description", "twitter:description", "description")
    ]
    candidates = [collapse_spaces(c) for c in candidates if c and has_words(c)]
    body = [w for b in blocks for w in _words(b.text)]
    known = {w[:5] for w in _words(title) + body}  # a word's first letters: "canalisations" knows "canalisation"

    def whole(text: str) -> bool:
        return not _TRUNCATED.search(text) and bool(_SENTENCE_END.search(text))

    for n, candidate in enumerate(candidates):
        # The full version of a cut description, when the page has it (a longer cut one is no better).
        longer = [c for c in candidates if _is_cut_of(candidate, c) and (whole(c) or not whole(candidate))]
        candidate = max(longer, key=len, default=candidate)
        cut = _TRUNCATED.sub("", candidate)
        if _TRUNCATED.search(candidate) or not _SENTENCE_END.search(candidate):
            if _contains(body, _words(cut)[:-1]):
                return ""  # a cut copy of the first paragraph: it is read whole there
            if not (_TRUNCATED.search(candidate) and _SENTENCE_END.search(cut)):
                # Cut at a length, with or without "…": its whole sentences only.
                ends = [m.end() for m in re.finditer(r"[.!?»](?=\s+[A-ZÀ-Þ«])", cut)]
                cut = cut[: ends[-1]] if ends else ""
        if len(cut.split()) < 8 or is_boilerplate(cut) or _is_code(cut) or _key(cut) == _key(title):
            continue
        # A description that says nothing of this article is the site's blurb ("Toute l'actualité…").
        mine = [w[:5] for w in _words(cut) if len(w) >= 4]
        share = 0.15 if n == 0 and element else 0.25
        if len(body) >= 40 and mine and sum(w in known for w in mine) < share * len(mine):
            continue
        return collapse_spaces(strip_credits(_speakable(cut)))
    return ""


def _place_lead(lead: str, blocks: list[Block]) -> list[Block]:
    """The lead first, once: not added where the body has it (word for word, or nearly: a
    description rewords a sentence a little), and it replaces a cut copy of it."""
    from difflib import SequenceMatcher

    mine = _words(lead)
    for i, block in enumerate(blocks):
        theirs = _words(block.text)
        if _contains(theirs, mine):
            return blocks
        if i < 12 and len(theirs) < 3000:
            matcher = SequenceMatcher(None, mine, theirs, autojunk=False)
            # Runs of three words or more: scattered common words ("de", "la", "2019") in a long
            # paragraph are no sign that it says the lead.
            if sum(m.size for m in matcher.get_matching_blocks() if m.size >= 3) >= 0.8 * len(mine):
                return blocks
        if block.kind == "paragraph" and len(theirs) >= 6 and _is_cut_of(block.text, lead):
            return [Block("paragraph", lead), *blocks[:i], *blocks[i + 1 :]]
    return [Block("paragraph", lead), *blocks]


# --- Pages that are not an article -------------------------------------------------------------

_LIVE_TITLE = re.compile(r"\b(?:EN DIRECT|DIRECT|LIVE)\b|^\s*(?:[Ee]n direct|[Ll]ive)\b|\b(?:en direct|live)\W*$")
_MATCH_MINUTE = re.compile(r"^\d{1,3}(?:'|’|′)(?:\s*\+\s*\d{1,2}(?:'|’|′)?)?(?:\s|$)")
_TIME = re.compile(r"^\d{1,2}\s*[h:]\s*\d{2}\b(?!\s*(?:heures|min))")


def _live_markup(tree, linked: list[dict], titles: list[str], sites: set[str]) -> bool:
    """A live blog by its schema.org type or by its title ("EN DIRECT - …", "… en direct")."""
    if any("LiveBlogPosting" in _types(o) for o in linked):
        return True
    if any("LiveBlogPosting" in (el.get("itemtype") or "") for el in tree.iter() if isinstance(el.tag, str)):
        return True
    return any(_LIVE_TITLE.search(_strip_site_name(t, sites)) for t in titles if t)


def _live_text(blocks: list[Block]) -> bool:
    """Many posts stamped with a match minute ("65'"), or most of them with a time ("14h32"): a
    chronology in an article has a few of those."""
    minutes = sum(bool(_MATCH_MINUTE.match(b.text)) for b in blocks)
    times = sum(bool(_TIME.match(b.text)) for b in blocks)
    return (minutes >= 5 and minutes * 5 >= len(blocks)) or (times >= 10 and times * 2 >= len(blocks))


# --- The title ---------------------------------------------------------------------------------


def _strip_site_name(title: str, sites: set[str], heading: str = "") -> str:
    """The title without the site's name before or after it; the h1 when it is one part of it."""
    parts = _TITLE_SEPARATOR.split(title)
    while len(parts) >= 3 and _key(parts[-1]) in sites:
        parts = parts[:-2]
    while len(parts) >= 3 and _key(parts[0]) in sites:
        parts = parts[2:]
    stripped = "".join(parts).strip()
    if heading and len(parts) >= 3:
        for end in range(len(parts) - 2, 0, -2):
            if _key("".join(parts[:end])) == _key(heading):
                return "".join(parts[:end]).strip()
    return stripped


# --- Simple HTML (feed items) ------------------------------------------------------------------

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
        text = collapse_spaces(strip_credits(_speakable(clean_text(el.text_content()))))
        if not has_words(text) or is_boilerplate(text):
            continue
        kind = "heading" if el.tag.startswith("h") else "paragraph"
        if kind == "heading" and not title and not blocks:
            title = text
            continue
        blocks.append(Block(kind, text))
    if not blocks:
        text = collapse_spaces(clean_text(root.text_content()))
        if not has_words(text):
            raise InputError(f"{source}: no article text found in this page")
        blocks = [Block("paragraph", text)]
    if not title:
        found = root.find(".//title")
        title = collapse_spaces(clean_text(found.text_content())) if found is not None else ""
    if blocks[-1].kind == "heading":
        blocks[-1] = Block("paragraph", blocks[-1].text)
    if title and blocks[0].kind == "heading" and blocks[0].text == title:
        blocks.pop(0)
    return Article(title=title or "Sans titre", blocks=tuple(blocks), source=source)
