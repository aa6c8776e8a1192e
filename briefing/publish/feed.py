"""`briefing feed DIR --base-url URL`: an RSS 2.0 podcast feed for the episodes in a folder.

Everything comes from the files themselves: the MP3's ID3 tags (title, date, comment, the
episode's stable GUID), its exact size and duration, and the transcripts and chapters beside it.
The feed is written atomically and is byte-identical when nothing in the folder changed.
"""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from email.utils import format_datetime
from pathlib import Path
from urllib.parse import quote, urlsplit

from briefing import __version__
from briefing.errors import InputError, UsageError
from briefing.limits import MAX_FEED_ITEMS
from briefing.publish.episode import atomic_path
from briefing.publish.files import AUDIO, CHAPTERS, FEED, PAGE, SRT, WEBVTT, episode_paths
from briefing.publish.mp3 import DISCLOSURE_TAG, GUID_TAG, SOURCE_TYPE_TAG
from briefing.text.safe import safe_text

NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
    "atom": "http://www.w3.org/2005/Atom",
}
for _prefix, _uri in NS.items():
    ET.register_namespace(_prefix, _uri)


@dataclass(frozen=True)
class FeedOptions:
    base_url: str
    title: str = "briefing"
    description: str = "Briefings audio de l'actualité, lus en français."
    author: str = "briefing"
    image: str | None = None  # URL of the show's square artwork
    language: str = "fr"


@dataclass(frozen=True)
class EpisodeEntry:
    path: Path
    title: str
    guid: str
    published: dt.datetime
    duration_s: float
    size: int
    description: str
    disclosure: str = ""  # the ID3 ai_disclosure sentence: synthetic voices read it
    source_type: str = ""  # its IPTC digital source type
    modified_ns: int = 0  # the file's modification time: orders two episodes of the same moment


def read_episode(path: Path) -> EpisodeEntry:
    """What the feed needs from one MP3, read from its tags and the file system."""
    from mutagen.mp3 import MP3, HeaderNotFoundError

    try:
        audio = MP3(str(path))
    except (HeaderNotFoundError, OSError, Exception) as exc:  # mutagen raises several types on bad files
        raise InputError(f"{path}: not a readable MP3 ({exc})") from None
    tags = audio.tags or {}

    def text(frame_id: str) -> str:
        frame = tags.get(frame_id)
        return str(frame.text[0]) if frame is not None and frame.text else ""

    stat = path.stat()
    date = text("TDRC")
    published = _parse_date(date) or dt.datetime.fromtimestamp(stat.st_mtime, tz=dt.timezone.utc).replace(microsecond=0)
    comments = [str(f.text[0]) for key, f in tags.items() if key.startswith("COMM") and f.text]
    return EpisodeEntry(
        path=path,
        title=text("TIT2") or path.stem,
        guid=text(f"TXXX:{GUID_TAG}") or f"{path.name}",
        published=published,
        duration_s=audio.info.length,
        size=stat.st_size,
        description=comments[0] if comments else "",
        disclosure=text(f"TXXX:{DISCLOSURE_TAG}"),
        source_type=text(f"TXXX:{SOURCE_TYPE_TAG}"),
        modified_ns=stat.st_mtime_ns,
    )


def _parse_date(value: str) -> dt.datetime | None:
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = dt.datetime.combine(dt.date.fromisoformat(value[:10]), dt.time(6, 0))
        except ValueError:
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def build_feed(folder: Path, options: FeedOptions, paths: list[Path] | None = None) -> bytes:
    """The feed XML for every *.mp3 in `folder` (or only those of `paths`, in it), newest first."""
    base = options.base_url.rstrip("/") + "/"
    if paths is None:
        paths = [p for p in sorted(folder.glob("*" + AUDIO.suffix)) if not p.name.startswith(".")]
    if len(paths) > MAX_FEED_ITEMS:
        raise InputError(
            f"{folder} holds {len(paths):,} episodes, over the {MAX_FEED_ITEMS:,} one feed lists; "
            "move the oldest to another folder"
        )
    episodes = sorted(
        (read_episode(p) for p in paths),
        # Two episodes of the same moment (to the second): the one written last first.
        key=lambda e: (e.published, e.modified_ns, e.path.name),
        reverse=True,
    )
    rss = ET.Element("rss", {"version": "2.0"})
    channel = ET.SubElement(rss, "channel")
    _sub(channel, "title", options.title)
    _sub(channel, "link", base)
    _sub(channel, "description", options.description)
    _sub(channel, "language", options.language)
    _sub(channel, "generator", f"briefing {__version__}")
    ET.SubElement(
        channel, f"{{{NS['atom']}}}link", {"href": base + FEED.suffix, "rel": "self", "type": FEED.media_type}
    )
    if episodes:
        _sub(channel, "lastBuildDate", format_datetime(episodes[0].published))
    _sub(channel, f"{{{NS['itunes']}}}author", options.author)
    _sub(channel, f"{{{NS['itunes']}}}summary", options.description)
    _sub(channel, f"{{{NS['itunes']}}}explicit", "false")
    _sub(channel, f"{{{NS['itunes']}}}type", "episodic")
    ET.SubElement(channel, f"{{{NS['itunes']}}}category", {"text": "News"})
    if any(ep.disclosure for ep in episodes):  # the show's own flag, like itunes:explicit at both levels
        _sub(channel, f"{{{NS['podcast']}}}txt", "true", {"purpose": "ai-content"})
    if options.image:
        ET.SubElement(channel, f"{{{NS['itunes']}}}image", {"href": options.image})
        image = ET.SubElement(channel, "image")
        _sub(image, "url", options.image)
        _sub(image, "title", options.title)
        _sub(image, "link", base)
    for ep in episodes:
        item = ET.SubElement(channel, "item")
        _sub(item, "title", ep.title)
        _sub(item, "description", ep.description or ep.title)
        url = base + quote(ep.path.name)
        ET.SubElement(item, "enclosure", {"url": url, "length": str(ep.size), "type": AUDIO.media_type})
        _sub(item, "guid", ep.guid, {"isPermaLink": "false"})
        _sub(item, "pubDate", format_datetime(ep.published))
        _sub(item, f"{{{NS['itunes']}}}duration", str(round(ep.duration_s)))
        _sub(item, f"{{{NS['itunes']}}}episodeType", "full")
        side = episode_paths(ep.path)
        for kind in (WEBVTT, SRT):
            if side[kind].exists():
                ET.SubElement(
                    item,
                    f"{{{NS['podcast']}}}transcript",
                    {"url": base + quote(side[kind].name), "type": kind.media_type, "language": "fr"},
                )
        if side[CHAPTERS].exists():
            ET.SubElement(
                item,
                f"{{{NS['podcast']}}}chapters",
                {"url": base + quote(side[CHAPTERS].name), "type": CHAPTERS.media_type},
            )
        if ep.disclosure:  # Podcasting 2.0's AI flag; the sentence itself ends the description
            _sub(item, f"{{{NS['podcast']}}}txt", "true", {"purpose": "ai-content"})
        if side[PAGE].exists():  # the listening page
            _sub(item, "link", base + quote(side[PAGE].name))
    ET.indent(rss)
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True) + b"\n"


def write_feed(folder: Path, options: FeedOptions, paths: list[Path] | None = None) -> tuple[Path, int]:
    """Write FOLDER/feed.xml (for `paths`, or every episode in it); return its path and the number
    of episodes in it."""
    folder = Path(folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder")
    parts = urlsplit(options.base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"--base-url must be an http(s) URL, not {options.base_url!r}")
    data = build_feed(folder, options, paths)
    target = folder / FEED.suffix
    if not (target.exists() and target.read_bytes() == data):  # unchanged: leave the file (and its mtime) alone
        with atomic_path(target) as tmp:
            tmp.write_bytes(data)
    return target, data.count(b"<item>")


def _sub(parent: ET.Element, tag: str, text: str, attrib: dict | None = None) -> ET.Element:
    el = ET.SubElement(parent, tag, attrib or {})
    el.text = safe_text(text)  # a config's title, an old file's tags: nothing XML 1.0 forbids
    return el
