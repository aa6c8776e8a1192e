"""The files an episode is published as, named once: for each kind its file-name suffix, its media
type and, for an episode's own files, the function that writes it. `episode` writes them, `feed`
links them, `serve` serves these kinds and no other.

An episode's MP3 is where it was asked for (`-o`); its other files sit beside it, named after it
with its last suffix replaced: brief.mp3 -> brief.vtt, brief.srt, brief.chapters.json, brief.html,
and when asked for (`--epub`) brief.epub.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from briefing.model import Episode, Script
from briefing.publish.epub import write_epub
from briefing.publish.info import Chapter, EpisodeInfo
from briefing.publish.mp3 import DEFAULT_BITRATE, encode_mp3, guid_for, tag_mp3
from briefing.publish.outline import outline
from briefing.publish.page import Page, PageChapter, PageCue, to_html
from briefing.publish.provenance import Signing, sign_mp3
from briefing.publish.transcripts import speaker_label, to_chapters_json, to_srt, to_webvtt
from briefing.system import timings


@dataclass(frozen=True)
class Publication:
    """Everything an episode's files are written from."""

    script: Script  # as rendered: `text` what is said, `written` the article's text
    episode: Episode
    info: EpisodeInfo
    chapters: tuple[Chapter, ...]
    audio: Path  # where the MP3 ends up: it names the other files, the GUID and the page's links
    bitrate: str = DEFAULT_BITRATE
    transcript: str = "written"  # what the VTT, SRT, chapters and page show: "written" or "spoken"
    kinds: tuple[FileKind, ...] = ()  # the files written for this episode (default: the standard ones)
    mp3: Path | None = None  # where the encoded MP3 is while the episode is written (for the EPUB)
    signing: Signing | None = None  # a key and certificates: the MP3 gets a signed C2PA manifest
    encoded: Path | None = None  # the MP3, encoded already from the episode's final samples (moved into place)

    @property
    def shown(self) -> Script:
        """The Script as the transcripts show it."""
        return written_script(self.script) if self.transcript == "written" else self.script

    @property
    def files(self) -> tuple[FileKind, ...]:
        """The kinds of file this episode has: those asked for, else the standard ones."""
        return self.kinds or tuple(kind for kind in EPISODE_FILES if not kind.optional)


def written_script(script: Script) -> Script:
    """The Script with each segment's written text (the article's own, with its digits and « »)
    as its text, where it has one."""
    return dataclasses.replace(
        script, segments=tuple(dataclasses.replace(s, text=s.written or s.text) for s in script.segments)
    )


Writer = Callable[[Publication, Path], None]  # writes one file of the episode at the given path


@dataclass(frozen=True)
class FileKind:
    """One kind of published file."""

    key: str
    suffix: str  # what follows the episode's name (".vtt"); for a folder's own file, its whole name
    media_type: str  # as a feed declares it, without parameters
    charset: str | None = "utf-8"  # added to the media type when served
    offer: str = ""  # the listening page's link to it, in French; "" when the page does not list it
    write: Writer | None = None  # None for a folder's own file (feed.py writes the feed)
    optional: bool = False  # written only when asked for (the EPUB: --epub)

    @property
    def content_type(self) -> str:
        """The HTTP Content-Type it is served with."""
        return self.media_type + (f"; charset={self.charset}" if self.charset else "")


def _write_mp3(pub: Publication, path: Path) -> None:
    if pub.encoded is not None:
        shutil.move(pub.encoded, path)
    else:
        with timings.stage("MP3 encoding"):
            encode_mp3(pub.episode, path, pub.bitrate)
    tag_mp3(path, pub.info, list(pub.chapters), guid_for(pub.audio, pub.info))
    if pub.signing is not None:  # last: the manifest binds the bytes, tags included
        sign_mp3(path, pub.info, pub.signing)


def _write_webvtt(pub: Publication, path: Path) -> None:
    path.write_text(to_webvtt(pub.shown, pub.episode), encoding="utf-8")


def _write_srt(pub: Publication, path: Path) -> None:
    path.write_text(to_srt(pub.shown, pub.episode), encoding="utf-8")


def _write_chapters(pub: Publication, path: Path) -> None:
    path.write_text(to_chapters_json(list(pub.chapters), pub.info), encoding="utf-8")


def _write_page(pub: Publication, path: Path) -> None:
    path.write_text(to_html(listening_page(pub)), encoding="utf-8")


def _write_epub(pub: Publication, path: Path) -> None:
    if pub.mp3 is None:
        raise ValueError("the EPUB is written after the MP3")
    write_epub(path, pub.script, pub.episode, pub.info, pub.mp3, guid_for(pub.audio, pub.info))


AUDIO = FileKind("mp3", ".mp3", "audio/mpeg", charset=None, write=_write_mp3)
WEBVTT = FileKind("vtt", ".vtt", "text/vtt", offer="transcription WebVTT", write=_write_webvtt)
SRT = FileKind("srt", ".srt", "application/x-subrip", offer="sous-titres SRT", write=_write_srt)
CHAPTERS = FileKind(
    "chapters",
    ".chapters.json",
    "application/json+chapters",
    charset=None,  # JSON is UTF-8 by definition (RFC 8259): no parameter
    offer="chapitres JSON",
    write=_write_chapters,
)
PAGE = FileKind("html", ".html", "text/html", write=_write_page)
EPUB = FileKind(
    "epub", ".epub", "application/epub+zip", charset=None, offer="livre audio EPUB 3", write=_write_epub, optional=True
)
FEED = FileKind("feed", "feed.xml", "application/rss+xml")

EPISODE_FILES = (AUDIO, WEBVTT, SRT, CHAPTERS, PAGE, EPUB)  # the order write_episode returns them in
FOLDER_FILES = (FEED,)
# Longest suffix first, so that brief.chapters.json is chapters, whatever else ends in .json.
_BY_SUFFIX = sorted(EPISODE_FILES, key=lambda kind: len(kind.suffix), reverse=True)


def episode_paths(audio: Path) -> dict[FileKind, Path]:
    """Where each file of the episode whose MP3 is `audio` goes: the MP3 where it is, the others
    beside it named after it (its last suffix, normally .mp3, replaced by theirs)."""
    audio = Path(audio)
    base = audio.with_suffix("").name
    return {kind: audio if kind is AUDIO else audio.with_name(base + kind.suffix) for kind in EPISODE_FILES}


def kind_of(name: str) -> FileKind | None:
    """The kind of a file in a folder of episodes, by its name (suffixes in any case), or None
    when it is none of ours."""
    folder_file = next((kind for kind in FOLDER_FILES if name == kind.suffix), None)
    if folder_file is not None:
        return folder_file
    lower = name.lower()
    return next((kind for kind in _BY_SUFFIX if lower.endswith(kind.suffix)), None)


def listening_page(pub: Publication) -> Page:
    """The listening page that sits beside the MP3, from the same cues as the VTT, in the
    articles' paragraphs and headings, offering the episode's other files."""
    paths = episode_paths(pub.audio)
    shown = pub.shown
    segments = shown.segments
    parts = outline(shown)
    block_of: dict[int, int] = {}
    number = 0
    for part in parts:
        for block in part.blocks:
            number += 1
            for i in block.segments:
                block_of[i] = number
    # The page's sections are its level-1 chapters, one per Script chapter heard, in order.
    heard = sorted({segments[cue.index].chapter for cue in pub.episode.cues})
    section_of = {chapter: n for n, chapter in enumerate(heard)}
    cues = tuple(
        PageCue(
            cue.start_ms,
            cue.end_ms,
            speaker_label(segments[cue.index]),
            segments[cue.index].text,
            heading=segments[cue.index].role == "heading",
            block=block_of.get(cue.index, -1),
            section=section_of.get(segments[cue.index].chapter, -1),
            quote=segments[cue.index].role == "quote",
        )
        for cue in pub.episode.cues
    )
    return Page(
        title=pub.info.title,
        audio=pub.audio.name,
        duration_ms=pub.episode.duration_ms,
        chapters=tuple(PageChapter(c.title, c.start_ms, c.end_ms, c.level) for c in pub.chapters),
        cues=cues,
        date=pub.info.date,
        podcast=pub.info.podcast,
        sources=pub.info.sources,
        files=tuple((kind.offer, paths[kind].name) for kind in pub.files if kind.offer),
        disclosure=pub.info.synthetic.note if pub.info.synthetic else "",
        source_type=pub.info.synthetic.source_type if pub.info.synthetic else "",
    )
