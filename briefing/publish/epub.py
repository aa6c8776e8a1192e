"""The talking book (`--epub`): an EPUB 3 publication with Media Overlays, the episode's written
text synchronised to its audio.

One XHTML document per article (a Script chapter), its title as <h1>, its sub-headings as <h2>
and its paragraphs as <p>, each segment a <span> with its own id; one SMIL document per article
pairs every segment with its stretch of the episode's MP3 (`clipBegin`/`clipEnd`, the cue times
the WebVTT has). A navigation document lists the articles and their headings. Reading systems
for blind and partially sighted readers (Thorium, EasyReader, DAISY players) then play the book,
highlight the sentence being read and move by article, heading and sentence.

A segment whose text is in another language (an English quotation) carries it (`xml:lang` and
`lang`, found by clean.foreign_language as on the listening page: WCAG 3.1.2).

The package says what it is in its metadata: French (`dc:language`, `xml:lang`), its audio's
durations (`media:duration`), and its accessibility (schema.org accessMode, accessModeSufficient,
accessibilityFeature with synchronizedAudioText, accessibilityHazard, accessibilitySummary), and
the claim it meets: `dcterms:conformsTo` EPUB Accessibility 1.1 - WCAG 2.2 Level AA, evaluated by
briefing itself (`a11y:certifiedBy`), a claim the tests hold it to with DAISY Ace and epubcheck
(tests/publish/test_epub_ace.py, tests/publish/test_epub.py). Every `epub:type` with a DPUB-ARIA equivalent has
its role too (doc-chapter, doc-toc), as assistive technologies read roles, not epub:type.
`dc:source` is an article's web address or nothing: never a path on the machine that made it.
The archive is the same bytes for the same episode: fixed entry dates, fixed order.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from html import escape
from pathlib import Path
from urllib.parse import urlsplit

from briefing.model import Episode, Script
from briefing.publish.info import EpisodeInfo
from briefing.publish.outline import Part, outline
from briefing.text.clean import foreign_language

MEDIA_TYPE = "application/epub+zip"
ACTIVE_CLASS = "-epub-media-overlay-active"
AUDIO_NAME = "audio.mp3"
SUMMARY = (
    "Le texte intégral de l'épisode, synchronisé phrase par phrase avec sa lecture audio par des "
    "voix de synthèse. Navigation par article et par intertitre depuis la table des matières ; "
    "la phrase lue est mise en évidence. Conformité à EPUB Accessibility 1.1 et aux WCAG 2.2 "
    "niveau AA déclarée par le logiciel qui produit le livre (briefing), d'après ses contrôles "
    "automatiques (epubcheck, DAISY Ace)."
)
# The accessibility claim (EPUB Accessibility 1.1, section 2.1) and who evaluated it: the producer
# itself, with automated checks only (no third-party audit, so no certifierCredential or report).
CONFORMS_TO = "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"
CERTIFIED_BY = "briefing (auto-évaluation : contrôles automatiques epubcheck et DAISY Ace)"
_CSS = f"""body {{ font-family: serif; line-height: 1.5; margin: 1em; }}
h1, h2 {{ font-family: sans-serif; line-height: 1.25; }}
p.annonce {{ font-style: italic; }}
.{ACTIVE_CLASS} {{ background-color: #fff0a0; color: #000; }}
"""
# Characters XML 1.0 cannot carry at all (controls other than tab, newline, return).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class _Doc:
    """One article's XHTML and SMIL documents."""

    name: str  # c001: the XHTML is c001.xhtml, the overlay c001.smil
    part: Part
    xhtml: str
    smil: str | None  # None when no segment of it was heard (nothing to synchronise)
    duration_ms: int


def write_epub(path: Path, script: Script, episode: Episode, info: EpisodeInfo, mp3: Path, identifier: str) -> None:
    """Write the publication to `path`: `script`'s written text (each segment's `written`, else
    its `text`), `mp3` the episode's audio as encoded, `identifier` its unique id (a UUID)."""
    cues = {cue.index: (cue.start_ms, cue.end_ms) for cue in episode.cues if cue.end_ms > cue.start_ms}
    docs = [_document(f"c{n:03d}", part, script, cues) for n, part in enumerate(outline(script), 1)]
    cover = info.cover if info.cover is not None and info.cover.is_file() else None
    stamp = _zip_date(info.date)
    entries: list[tuple[str, bytes | Path]] = [
        ("META-INF/container.xml", _CONTAINER.encode()),
        ("EPUB/package.opf", _package(script, info, docs, identifier, cover).encode()),
        ("EPUB/nav.xhtml", _nav(script, info, docs).encode()),
        ("EPUB/style.css", _CSS.encode()),
    ]
    for doc in docs:
        entries.append((f"EPUB/{doc.name}.xhtml", doc.xhtml.encode()))
        if doc.smil is not None:
            entries.append((f"EPUB/{doc.name}.smil", doc.smil.encode()))
    if cover is not None:
        entries.append((f"EPUB/cover{cover.suffix.lower()}", cover))
    entries.append((f"EPUB/{AUDIO_NAME}", mp3))
    with zipfile.ZipFile(path, "w") as book:
        # The mimetype entry first and stored, as the OCF container requires.
        book.writestr(zipfile.ZipInfo("mimetype", stamp), MEDIA_TYPE, compress_type=zipfile.ZIP_STORED)
        for name, data in entries:
            entry = zipfile.ZipInfo(name, stamp)
            entry.external_attr = 0o644 << 16
            if isinstance(data, Path):  # audio and image: already compressed, stored as they are
                entry.compress_type = zipfile.ZIP_STORED
                with data.open("rb") as src, book.open(entry, "w") as dst:
                    while chunk := src.read(1 << 20):
                        dst.write(chunk)
            else:
                book.writestr(entry, data, compress_type=zipfile.ZIP_DEFLATED)


def clock(ms: int) -> str:
    """A SMIL and media:duration clock value: 0:01:02.345."""
    hours, rest = divmod(max(0, ms), 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def web_sources(sources: tuple[str, ...] | list[str]) -> list[str]:
    """The sources a book may name (`dc:source`): the http(s) addresses among them, once each.
    A path (the input file on the machine that made the book), "-" (standard input) or an address
    that carries a user name or password is left out."""
    kept: list[str] = []
    for source in sources:
        try:
            parts = urlsplit(source.strip())
        except ValueError:
            continue
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            continue
        if parts.username is not None or parts.password is not None:
            continue
        if source.strip() not in kept:
            kept.append(source.strip())
    return kept


def _x(text: str) -> str:
    return escape(_NOT_XML.sub("", text), quote=True)


def _zip_date(date: str) -> tuple[int, int, int, int, int, int]:
    m = re.match(r"(\d{4})-(\d{2})-(\d{2})", date or "")
    if not m or int(m.group(1)) < 1980:
        return (1980, 1, 1, 0, 0, 0)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3)), 0, 0, 0)


def _shown(script: Script, index: int) -> str:
    seg = script.segments[index]
    return seg.written or seg.text


def _document(name: str, part: Part, script: Script, cues: dict[int, tuple[int, int]]) -> _Doc:
    body: list[str] = []
    titled = any(block.kind == "title" for block in part.blocks)
    heading_id = f"{name}-titre"
    if not titled:  # an intro, or an edited script without its title: the article's name, not heard
        body.append(f'<h1 id="{heading_id}">{_x(part.title)}</h1>')
    for block in part.blocks:
        paragraph = " ".join(_shown(script, i) for i in block.segments)
        spans = " ".join(
            f'<span id="s{i}"{_span_class(script, i)}{_span_lang(_shown(script, i), paragraph)}>'
            f"{_x(_shown(script, i))}</span>"
            for i in block.segments
        )
        if block.kind == "title":
            if titled:
                body.append(f'<h1 id="{heading_id}">{spans}</h1>')
                titled = False  # a second title piece of the same article is a paragraph of its own
            else:
                body.append(f"<p>{spans}</p>")
        elif block.kind == "heading":
            body.append(f'<h2 id="{name}-h{block.segments[0]}">{spans}</h2>')
        else:
            announce = all(script.segments[i].role == "transition" for i in block.segments)
            body.append(f'<p class="annonce">{spans}</p>' if announce else f"<p>{spans}</p>")
    xhtml = _XHTML.format(
        title=_x(part.title),
        body=f'<section id="{name}" epub:type="chapter" role="doc-chapter" aria-labelledby="{heading_id}">\n'
        + "\n".join(body)
        + "\n</section>",
    )
    pars, total = [], 0
    for i in part.segments:
        if i not in cues:
            continue  # silent: shown, not synchronised
        start, end = cues[i]
        total += end - start
        pars.append(
            f'<par id="p{i}"><text src="{name}.xhtml#s{i}"/>'
            f'<audio src="{AUDIO_NAME}" clipBegin="{clock(start)}" clipEnd="{clock(end)}"/></par>'
        )
    smil = None
    if pars:
        smil = _SMIL.format(textref=f"{name}.xhtml#{name}", pars="\n".join(pars))
    return _Doc(name, part, xhtml, smil, total)


def _span_class(script: Script, index: int) -> str:
    return ' class="citation"' if script.segments[index].role == "quote" else ""


def _span_lang(text: str, paragraph: str) -> str:
    """A segment written in another language than French is marked with it (WCAG 3.1.2), as the
    listening page marks it: both `xml:lang` and `lang`, as XHTML wants them to agree."""
    language = foreign_language(text, paragraph)
    return f' xml:lang="{language}" lang="{language}"' if language else ""


def _package(script: Script, info: EpisodeInfo, docs: list[_Doc], identifier: str, cover: Path | None) -> str:
    date = info.date[:10] if re.match(r"\d{4}-\d{2}-\d{2}", info.date or "") else ""
    modified = f"{date or '1980-01-01'}T00:00:00Z"
    meta = [
        f'<dc:identifier id="pub-id">urn:uuid:{_x(identifier)}</dc:identifier>',
        f"<dc:title>{_x(info.title or script.title)}</dc:title>",
        "<dc:language>fr</dc:language>",
        f"<dc:creator>{_x(info.podcast)}</dc:creator>",
    ]
    if date:
        meta.append(f"<dc:date>{date}</dc:date>")
    described = " ".join(x for x in (info.description, info.synthetic.note if info.synthetic else "") if x)
    if described:
        meta.append(f"<dc:description>{_x(described)}</dc:description>")
    meta += [f"<dc:source>{_x(source)}</dc:source>" for source in web_sources(info.sources)]
    meta.append(f'<meta property="dcterms:modified">{modified}</meta>')
    overlaid = [doc for doc in docs if doc.smil is not None]
    meta.append(f'<meta property="media:duration">{clock(sum(doc.duration_ms for doc in overlaid))}</meta>')
    meta += [
        f'<meta property="media:duration" refines="#{doc.name}-mo">{clock(doc.duration_ms)}</meta>' for doc in overlaid
    ]
    meta.append(f'<meta property="media:active-class">{ACTIVE_CLASS}</meta>')
    for prop, values in (
        ("schema:accessMode", ("textual", "auditory")),
        ("schema:accessModeSufficient", ("textual", "auditory", "textual,auditory")),
        (
            "schema:accessibilityFeature",
            ("synchronizedAudioText", "structuralNavigation", "tableOfContents", "readingOrder"),
        ),
        ("schema:accessibilityHazard", ("none",)),
    ):
        meta += [f'<meta property="{prop}">{value}</meta>' for value in values]
    meta.append(f'<meta property="schema:accessibilitySummary">{_x(SUMMARY)}</meta>')
    meta.append(f'<meta property="dcterms:conformsTo">{CONFORMS_TO}</meta>')
    meta.append(f'<meta property="a11y:certifiedBy">{_x(CERTIFIED_BY)}</meta>')
    if info.synthetic is not None:  # the audio is synthetic speech: its IPTC digital source type
        meta.append(f'<meta property="schema:digitalSourceType">{_x(info.synthetic.source_type)}</meta>')

    items = [
        '<item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>',
        '<item id="css" href="style.css" media-type="text/css"/>',
    ]
    for doc in docs:
        overlay = f' media-overlay="{doc.name}-mo"' if doc.smil is not None else ""
        items.append(f'<item id="{doc.name}" href="{doc.name}.xhtml" media-type="application/xhtml+xml"{overlay}/>')
        if doc.smil is not None:
            items.append(f'<item id="{doc.name}-mo" href="{doc.name}.smil" media-type="application/smil+xml"/>')
    if cover is not None:
        kind = "image/png" if cover.suffix.lower() == ".png" else "image/jpeg"
        items.append(
            f'<item id="cover" href="cover{cover.suffix.lower()}" media-type="{kind}" properties="cover-image"/>'
        )
    items.append(f'<item id="audio" href="{AUDIO_NAME}" media-type="audio/mpeg"/>')
    spine = "\n".join(f'<itemref idref="{doc.name}"/>' for doc in docs)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="pub-id" xml:lang="fr">\n'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/">\n'
        + "\n".join(meta)
        + "\n</metadata>\n<manifest>\n"
        + "\n".join(items)
        + f"\n</manifest>\n<spine>\n{spine}\n</spine>\n</package>\n"
    )


def _nav(script: Script, info: EpisodeInfo, docs: list[_Doc]) -> str:
    entries = []
    for doc in docs:
        headings = [b for b in doc.part.blocks if b.kind == "heading"]
        sub = ""
        if headings:
            sub = (
                "<ol>"
                + "".join(
                    f'<li><a href="{doc.name}.xhtml#{doc.name}-h{b.segments[0]}">'
                    f"{_x(' '.join(_shown(script, i) for i in b.segments))}</a></li>"
                    for b in headings
                )
                + "</ol>"
            )
        entries.append(f'<li><a href="{doc.name}.xhtml#{doc.name}-titre">{_x(doc.part.title)}</a>{sub}</li>')
    first = docs[0].name if docs else "c001"
    body = (
        '<nav epub:type="toc" role="doc-toc" id="toc">\n<h1>Table des matières</h1>\n<ol>\n'
        + "\n".join(entries)
        + "\n</ol>\n</nav>\n"
        + '<nav epub:type="landmarks" id="reperes" hidden="hidden">\n<h2>Repères</h2>\n<ol>\n'
        + f'<li><a epub:type="bodymatter" href="{first}.xhtml">Début du texte</a></li>\n'
        + "</ol>\n</nav>"
    )
    return _XHTML.format(title=_x(info.title or script.title), body=body)


_CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
<rootfiles>
<rootfile full-path="EPUB/package.opf" media-type="application/oebps-package+xml"/>
</rootfiles>
</container>
"""

_XHTML = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops" xml:lang="fr" lang="fr">
<head>
<meta charset="utf-8"/>
<title>{title}</title>
<link rel="stylesheet" type="text/css" href="style.css"/>
</head>
<body>
{body}
</body>
</html>
"""

_SMIL = """<?xml version="1.0" encoding="UTF-8"?>
<smil xmlns="http://www.w3.org/ns/SMIL" xmlns:epub="http://www.idpf.org/2007/ops" version="3.0">
<body>
<seq epub:textref="{textref}" epub:type="chapter">
{pars}
</seq>
</body>
</smil>
"""
