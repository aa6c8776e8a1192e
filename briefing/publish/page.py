"""The listening page written beside each episode (OUT.html), and the index `briefing serve` shows.

One self-contained HTML file: inline CSS and JavaScript, no external resource, the audio named
relatively by the MP3's file name. The HTML is in jinja2 templates, the CSS and JavaScript in their
own files, all package data in templates/. Everything that came from an article (titles, text,
speaker names, sources) is HTML-escaped by the templates' autoescaping; the script holds no data
and reads the times from the page's own `data-` attributes, and a Content-Security-Policy with the
hashes of the one style and the one script, computed from the shipped files, forbids any other
script to run, should escaping ever be missed.

Without JavaScript the page is still whole: the <audio> player, the chapters as media-fragment
links (`OUT.mp3#t=SECONDS`) and the full transcript, in paragraphs under the articles' headings
and sub-headings. With it, chapter and time links seek the player, the cue being spoken is
highlighted and kept in view, and buttons, a speed choice and keyboard shortcuts appear: by
article, heading and paragraph. Nothing is announced while the audio plays; the listener asks
(the I key) and a status region says where the reading is.

The player is one component (templates/player.html, set up by the script for every
[data-player]), so that any page given a player gets what makes it meet WCAG 2.2 AA: shortcuts
only while the focus is in the player or its transcript, with a switch kept like the speed
(2.1.4); sticky only where it leaves room, with the page's scroll-padding kept to its real height
(2.4.11); following that pauses when the reader moves away and says how to resume; targets of
24 x 24 px at least (2.5.8). docs/outputs.md, "WCAG 2.2 AA, point by point", has the table.

A line of the transcript written in another language than French carries its `lang` (3.1.2),
found by `briefing.text.clean.foreign_language`, which the EPUB uses too. Each page links back to its folder's index
(`./`, "Tous les épisodes"), and the index has a search field that filters its list as one types
(2.4.5 Multiple ways: two ways to every page of a served folder).
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as dt
import hashlib
from dataclasses import dataclass
from importlib import resources
from pathlib import PurePath
from urllib.parse import quote, urlsplit

import jinja2

from briefing.text import dates
from briefing.text.clean import foreign_language

SPEEDS = (0.75, 1.0, 1.25, 1.5, 1.75, 2.0)
SKIP_S = 10  # what the -10 s / +10 s buttons and the J / L keys move by

# (keys, what they do): shown on the page, and the same list is in docs/outputs.md. They act only while
# the focus is in the player or the transcript, and the player's "Raccourcis clavier" box turns them off.
SHORTCUTS = (
    ("Espace", "lecture ou pause, quand le lecteur audio a le focus (commande du navigateur)"),
    ("K", "lecture ou pause"),
    ("J", f"reculer de {SKIP_S} secondes"),
    ("L", f"avancer de {SKIP_S} secondes"),
    ("P", "article précédent (ou début de l'article en cours)"),
    ("S", "article suivant"),
    ("T", "titre ou intertitre suivant ; Maj+T : précédent"),
    ("N", "paragraphe suivant ; Maj+N : précédent (ou début du paragraphe en cours)"),
    ("I", "dire où en est la lecture : l'article, qui parle et la phrase en cours"),
)


@dataclass(frozen=True)
class PageCue:
    """One transcript line: who says what, and when (ms from the start of the episode)."""

    start_ms: int
    end_ms: int
    speaker: str
    text: str
    heading: bool = False  # a sub-heading of the article: shown as a heading
    block: int = -1  # the paragraph or heading it belongs to (cues of one block share it); -1: its own
    section: int = -1  # its article's index among the page's top-level chapters; -1: found by time
    quote: bool = False  # a quotation: its speaker is named when the speaker changes


@dataclass(frozen=True)
class PageChapter:
    title: str
    start_ms: int
    end_ms: int
    level: int = 1  # 1: an article; 2: a sub-heading inside the article before it


@dataclass(frozen=True)
class Page:
    """Everything the listening page shows; plain text, escaped when written."""

    title: str
    audio: str  # the MP3's file name: the page sits beside it
    duration_ms: int
    chapters: tuple[PageChapter, ...]
    cues: tuple[PageCue, ...]
    date: str = ""  # ISO 8601
    podcast: str = ""
    sources: tuple[str, ...] = ()  # what the episode was made from: URLs or file paths
    files: tuple[tuple[str, str], ...] = ()  # (label, file name) of the other files to offer
    disclosure: str = ""  # "Épisode lu par des voix de synthèse, ...": shown under the title
    source_type: str = ""  # the audio's IPTC digital source type, in the page's JSON-LD


@dataclass(frozen=True)
class IndexEntry:
    """One episode in the index of a folder."""

    title: str
    href: str  # file name of its page (or of its MP3 when it has no page)
    audio: str  # file name of its MP3
    published: dt.datetime
    duration_s: float


@dataclass(frozen=True)
class FeedLink:
    """The folder's podcast feed, which the index links to."""

    href: str  # its file name
    media_type: str


# Package data: the templates, and the style and script inlined in the pages as their files'
# text, trimmed; the CSP holds the hashes of exactly that text.
_TEMPLATES = resources.files("briefing.publish") / "templates"
STYLE = (_TEMPLATES / "style.css").read_text(encoding="utf-8").strip()
SCRIPT = (_TEMPLATES / "script.js").read_text(encoding="utf-8").strip()
INDEX_SCRIPT = (_TEMPLATES / "index.js").read_text(encoding="utf-8").strip()  # the index's search field


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


# media-src 'self': the MP3 beside the page; img-src data: only for the empty favicon.
CSP = (
    f"default-src 'none'; media-src 'self'; img-src data:; style-src {_csp_hash(STYLE)}; "
    f"script-src {_csp_hash(SCRIPT)}; base-uri 'none'; form-action 'none'"
)
INDEX_CSP = (
    f"default-src 'none'; img-src data:; style-src {_csp_hash(STYLE)}; script-src {_csp_hash(INDEX_SCRIPT)}; "
    "base-uri 'none'; form-action 'none'"
)


def _href(name: str, at_ms: int | None = None) -> str:
    """A relative URL to a file beside the page, with a media fragment when given a time."""
    url = quote(name)
    if at_ms is not None:
        url += f"#t={_seconds(at_ms)}"
    return url


def _seconds(ms: int) -> str:
    """12.5, 60, 0: a time in seconds as the media fragments and data- attributes write it."""
    return f"{ms / 1000:.3f}".rstrip("0").rstrip(".") or "0"


def clock(ms: int) -> str:
    """2:05 or 1:02:05: how a player shows a time."""
    return dates.clock(ms / 1000, hours=True)


def spoken_duration(ms: int) -> str:
    """'3 min 12 s', '1 h 02 min', '45 s': a duration as French text."""
    total = max(0, round(ms / 1000))
    hours, rest = divmod(total, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} min {seconds:02d} s" if seconds else f"{minutes} min"
    return f"{seconds} s"


def french_date(value: str | dt.date) -> str:
    """'mardi 24 novembre 2026' from an ISO date or a date; the input as is when unparsable."""
    if isinstance(value, dt.datetime):
        day = value.date()
    elif isinstance(value, dt.date):
        day = value
    else:
        try:
            day = dt.date.fromisoformat(str(value)[:10])
        except ValueError:
            return str(value)
    first = "1er" if day.day == 1 else str(day.day)
    return f"{dates.WEEKDAYS[day.weekday()]} {first} {dates.MONTHS[day.month - 1]} {day.year}"


@dataclass(frozen=True)
class _Source:
    """A source as the page shows it: a link for an http(s) URL, else a name."""

    name: str
    url: str = ""


def _source(source: str) -> _Source:
    if source == "-":
        return _Source("entrée standard")
    parts = urlsplit(source)
    if parts.scheme in ("http", "https") and parts.netloc:
        return _Source(source, url=source)
    return _Source(PurePath(source).name or source)  # a local file: its name, not where it lives


@dataclass(frozen=True)
class _Speed:
    value: str  # as the script reads it: 0.75
    label: str  # as the listener reads it: 0,75
    selected: bool


_SPEED_CHOICES = tuple(
    _Speed(f"{rate:g}", str(rate).replace(".", ",").rstrip("0").rstrip(","), rate == 1.0) for rate in SPEEDS
)


@dataclass(frozen=True)
class _Line:
    number: int  # from 1, the cue's id
    cue: PageCue
    speaker_changes: bool  # the quotation's speaker is named before it
    lang: str = ""  # its text's language when not French ("en"): the span's lang


@dataclass(frozen=True)
class _Block:
    number: int  # from 1, the block's id
    heading: bool  # a sub-heading (h4), else a paragraph
    lines: tuple[_Line, ...]

    @property
    def start_ms(self) -> int:
        return self.lines[0].cue.start_ms


@dataclass(frozen=True)
class _Section:
    number: int  # the article's, from 1; 0 for cues before the first chapter
    title: str
    blocks: tuple[_Block, ...]


@dataclass(frozen=True)
class _NavChapter:
    chapter: PageChapter
    subs: tuple[PageChapter, ...]  # its sub-headings


def _nav(page: Page) -> list[_NavChapter]:
    """The articles, each with the sub-headings listed after it."""
    nav: list[tuple[PageChapter, list[PageChapter]]] = []
    for chapter in page.chapters:
        if chapter.level > 1 and nav:
            nav[-1][1].append(chapter)
        else:
            nav.append((chapter, []))
    return [_NavChapter(c, tuple(subs)) for c, subs in nav]


def _transcript(page: Page) -> list[_Section]:
    """The cues under one heading per article, in paragraphs and sub-headings; a quotation's
    speaker is named when the speaker changes."""
    tops = [c for c in page.chapters if c.level <= 1]
    starts = [c.start_ms for c in tops]
    sections: list[tuple[int, list[list[_Line]], list[bool]]] = []
    speaker_now = None
    last_block = None
    for n, cue in enumerate(page.cues, 1):
        if cue.section >= 0:
            chapter = min(cue.section, len(tops) - 1)
        else:
            chapter = max((i for i, s in enumerate(starts) if s <= cue.start_ms), default=-1)
        if not sections or sections[-1][0] != chapter:
            sections.append((chapter, [], []))
            speaker_now, last_block = None, None
        blocks, kinds = sections[-1][1], sections[-1][2]
        if cue.block < 0 or cue.block != last_block:
            blocks.append([])
            kinds.append(cue.heading)
        last_block = cue.block
        changes = cue.quote and cue.speaker != speaker_now
        blocks[-1].append(_Line(n, cue, changes))
        speaker_now = cue.speaker if cue.quote else None
    out, number = [], 0
    for chapter, blocks, kinds in sections:
        numbered = []
        for lines, heading in zip(blocks, kinds, strict=True):
            number += 1
            paragraph = " ".join(line.cue.text for line in lines)
            lines = [dataclasses.replace(line, lang=foreign_language(line.cue.text, paragraph)) for line in lines]
            numbered.append(_Block(number, heading, tuple(lines)))
        title = tops[chapter].title if chapter >= 0 else page.title
        out.append(_Section(chapter + 1, title, tuple(numbered)))
    return out


_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("briefing.publish", "templates"),
    autoescape=True,  # every value is escaped; only our own style and script are marked safe
    trim_blocks=True,  # a line that holds only a tag leaves nothing in the page
    lstrip_blocks=True,
    keep_trailing_newline=True,
    undefined=jinja2.StrictUndefined,  # a misspelt name fails the render instead of vanishing
)
_ENV.filters.update(
    href=_href,
    seconds=_seconds,
    clock=clock,
    duration=spoken_duration,
    french_date=french_date,
    ms=lambda seconds: round(seconds * 1000),
)


def to_html(page: Page) -> str:
    """The listening page of one episode, as a complete HTML document."""
    return _ENV.get_template("page.html").render(
        page=page,
        csp=CSP,
        style=STYLE,
        script=SCRIPT,
        skip_s=SKIP_S,
        speeds=_SPEED_CHOICES,
        shortcuts=SHORTCUTS,
        sources=[_source(s) for s in page.sources],
        transcript=_transcript(page),
        nav=_nav(page),
        files=[("MP3", page.audio), *page.files],
        linked_data=_linked_data(page),
    )


def _linked_data(page: Page) -> dict | None:
    """schema.org for machines: the episode, and its audio's digital source type (synthetic)."""
    if not page.source_type:
        return None
    audio = {"@type": "AudioObject", "contentUrl": page.audio, "digitalSourceType": page.source_type}
    return {
        "@context": "https://schema.org",
        "@type": "PodcastEpisode",
        "name": page.title,
        "inLanguage": "fr",
        "audio": audio,
    }


def index_html(entries: list[IndexEntry], title: str = "Épisodes", feed: FeedLink | None = None) -> str:
    """The list of a folder's episodes, newest first as given, for `briefing serve`."""
    return _ENV.get_template("index.html").render(
        entries=entries, title=title, feed=feed, csp=INDEX_CSP, style=STYLE, script=INDEX_SCRIPT
    )
