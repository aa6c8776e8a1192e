"""Episode in, files out: the MP3 (ID3v2.4 tags and chapters), WebVTT and SRT transcripts,
Podcasting 2.0 JSON chapters, and the listening page (briefing/page.py).

Every file is written under a temporary name beside its target and renamed into place only when
all of them are complete, the MP3 last, so a failure never leaves a partial episode.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from briefing import __version__
from briefing.errors import InputError, RenderError
from briefing.model import Episode, Script
from briefing.page import Page, PageChapter, PageCue, to_html

DEFAULT_BITRATE = "96k"  # mono speech: transparent at 96 kbit/s, inside the 64-128 podcast norm
NARRATOR_LABEL = "Narrateur"
UNKNOWN_SPEAKER_LABEL = "Citation"
GUID_TAG = "briefing_guid"


@dataclass(frozen=True)
class EpisodeInfo:
    """What the files say about the episode: tags, feed fields."""

    title: str
    podcast: str = "briefing"  # artist and album: the show's name
    date: str = ""  # ISO 8601 date or date-time
    description: str = ""
    cover: Path | None = None  # a JPEG or PNG
    sources: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Chapter:
    title: str
    start_ms: int
    end_ms: int


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path in `target`'s folder; move it onto `target` on success only."""
    with atomic_paths([target]) as (tmp,):
        yield tmp


@contextlib.contextmanager
def atomic_paths(targets: list[Path]) -> Iterator[list[Path]]:
    """Temporary paths beside each target, renamed onto them in order once the block succeeds."""
    temps: list[Path] = []
    try:
        for target in targets:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.{os.getpid()}.", suffix=".part" + target.suffix, dir=target.parent)
            os.close(fd)
            temps.append(Path(tmp))
            # mkstemp makes the file private (0600); an episode is meant to be served, so honour umask.
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
    except OSError as exc:
        for tmp in temps:
            tmp.unlink(missing_ok=True)
        raise InputError(f"cannot write in {targets[len(temps)].parent}: {exc.strerror}") from None
    try:
        yield temps
        for tmp, target in zip(temps, targets):
            os.replace(tmp, target)
    except BaseException:
        for tmp in temps:
            tmp.unlink(missing_ok=True)
        raise


_PART = re.compile(r"^\.(?:.+)\.(\d+)\.[^.]+\.part(?:\.[^.]+)?$|^\.briefing-work-(\d+)-")


def remove_stale_parts(folder: Path) -> int:
    """Delete temporary files and work folders left in `folder` by runs that were killed
    (SIGKILL, power loss): those whose process id no longer runs. Returns how many went."""
    removed = 0
    try:
        entries = list(Path(folder).iterdir())
    except OSError:
        return 0
    for entry in entries:
        m = _PART.match(entry.name)
        if not m:
            continue
        pid = int(m.group(1) or m.group(2))
        if pid == os.getpid() or _alive(pid):
            continue
        try:
            shutil.rmtree(entry) if entry.is_dir() else entry.unlink()
            removed += 1
        except OSError:
            pass
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sidecars(mp3: Path) -> dict[str, Path]:
    """The files written beside an episode, by kind."""
    base = mp3.with_suffix("")
    return {
        "vtt": base.with_name(base.name + ".vtt"),
        "srt": base.with_name(base.name + ".srt"),
        "chapters": base.with_name(base.name + ".chapters.json"),
        "html": base.with_name(base.name + ".html"),
    }


def chapters_of(script: Script, episode: Episode) -> list[Chapter]:
    """One chapter per Script chapter, from its first cue to the next chapter (or the end)."""
    starts: dict[int, int] = {}
    for cue in episode.cues:
        starts.setdefault(script.segments[cue.index].chapter, cue.start_ms)
    ordered = sorted(starts.items())
    chapters = []
    for i, (number, start) in enumerate(ordered):
        start = 0 if i == 0 else start
        end = ordered[i + 1][1] if i + 1 < len(ordered) else episode.duration_ms
        title = script.chapters[number] if number < len(script.chapters) else script.title
        chapters.append(Chapter(title, start, end))
    return chapters


def write_episode(episode: Episode, script: Script, target: Path, info: EpisodeInfo, bitrate: str = DEFAULT_BITRATE) -> list[Path]:
    """Write the MP3, its transcripts, chapters and page; return the paths written, MP3 first."""
    if shutil.which("ffmpeg") is None:
        raise RenderError("ffmpeg is not installed (apt-get install ffmpeg, or run `make run`)")
    target = Path(target)
    side = sidecars(target)
    chapters = chapters_of(script, episode)
    targets = [side["vtt"], side["srt"], side["chapters"], side["html"], target]  # the MP3 lands last
    with atomic_paths(targets) as (vtt, srt, chap, page, mp3):
        vtt.write_text(to_webvtt(script, episode), encoding="utf-8")
        srt.write_text(to_srt(script, episode), encoding="utf-8")
        chap.write_text(to_chapters_json(chapters, info), encoding="utf-8")
        page.write_text(to_page(script, episode, chapters, info, target), encoding="utf-8")
        _encode_mp3(episode, mp3, bitrate)
        _tag_mp3(mp3, info, chapters, guid_for(target, info))
    return [target, side["vtt"], side["srt"], side["chapters"], side["html"]]


def guid_for(target: Path, info: EpisodeInfo) -> str:
    """Stable across re-renders of the same episode (same file name and date)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"briefing:{target.name}:{info.date}"))


def _encode_mp3(episode: Episode, path: Path, bitrate: str) -> None:
    """LAME through ffmpeg, reading the episode's raw float32 file (LAME takes float input, so
    no 16-bit step and no dither: the same episode gives the same bytes)."""
    cmd = [
        "ffmpeg", "-v", "error", "-nostdin", "-y",
        "-f", "f32le", "-ar", str(episode.sample_rate), "-ac", "1", "-i", str(episode.path),
        "-c:a", "libmp3lame", "-b:a", bitrate, "-ac", "1",
        "-id3v2_version", "0",  # no tag from ffmpeg: mutagen writes them all afterwards
        "-f", "mp3", str(path),
    ]
    try:
        proc = subprocess.run(cmd, capture_output=True, check=False)
    except OSError as exc:
        raise RenderError(f"cannot run ffmpeg: {exc.strerror or exc}") from None
    if proc.returncode != 0:
        lines = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RenderError(f"ffmpeg could not encode the MP3: {lines[-1] if lines else 'exit ' + str(proc.returncode)}")


def _tag_mp3(path: Path, info: EpisodeInfo, chapters: list[Chapter], guid: str) -> None:
    from mutagen.id3 import APIC, CHAP, COMM, CTOC, ID3, TALB, TCON, TDRC, TIT2, TLAN, TPE1, TSSE, TXXX, CTOCFlags

    tags = ID3()
    tags.add(TIT2(encoding=3, text=info.title))
    tags.add(TPE1(encoding=3, text=info.podcast))
    tags.add(TALB(encoding=3, text=info.podcast))
    tags.add(TCON(encoding=3, text="Podcast"))
    tags.add(TLAN(encoding=3, text="fra"))
    tags.add(TSSE(encoding=3, text=f"briefing {__version__}"))
    tags.add(TXXX(encoding=3, desc=GUID_TAG, text=guid))
    if info.date:
        tags.add(TDRC(encoding=3, text=info.date))
    comment = info.description or ("Sources : " + ", ".join(info.sources) if info.sources else "")
    if comment:
        tags.add(COMM(encoding=3, lang="fra", desc="", text=comment))
    if info.cover is not None:
        mime = "image/png" if info.cover.suffix.lower() == ".png" else "image/jpeg"
        tags.add(APIC(encoding=3, mime=mime, type=3, desc="Cover", data=info.cover.read_bytes()))
    ids = [f"chp{i}" for i in range(len(chapters))]
    tags.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED, child_element_ids=ids,
                  sub_frames=[TIT2(encoding=3, text=info.title)]))
    for element_id, chapter in zip(ids, chapters):
        tags.add(CHAP(element_id=element_id, start_time=chapter.start_ms, end_time=chapter.end_ms,
                      start_offset=0xFFFFFFFF, end_offset=0xFFFFFFFF, sub_frames=[TIT2(encoding=3, text=chapter.title)]))
    tags.save(str(path), v2_version=4)


# --- transcripts ------------------------------------------------------------------------------------


def speaker_label(segment) -> str:
    if segment.role != "quote":
        return NARRATOR_LABEL
    return segment.speaker or UNKNOWN_SPEAKER_LABEL


def _stamp(ms: int, sep: str) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{sep}{millis:03d}"


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_webvtt(script: Script, episode: Episode) -> str:
    """WebVTT with one cue per segment and a <v Speaker> voice span naming who speaks."""
    lines = ["WEBVTT", f"NOTE {_vtt_escape(script.title)}", ""]
    for n, cue in enumerate(episode.cues, 1):
        seg = script.segments[cue.index]
        label = _vtt_escape(speaker_label(seg)).replace(">", "")
        lines += [str(n), f"{_stamp(cue.start_ms, '.')} --> {_stamp(cue.end_ms, '.')}", f"<v {label}>{_vtt_escape(seg.text)}</v>", ""]
    return "\n".join(lines)


def to_srt(script: Script, episode: Episode) -> str:
    """SRT, one cue per segment; quotations are prefixed with their speaker."""
    lines = []
    for n, cue in enumerate(episode.cues, 1):
        seg = script.segments[cue.index]
        text = seg.text if seg.role != "quote" else f"{speaker_label(seg)} : {seg.text}"
        lines += [str(n), f"{_stamp(cue.start_ms, ',')} --> {_stamp(cue.end_ms, ',')}", text, ""]
    return "\n".join(lines)


def to_page(script: Script, episode: Episode, chapters: list[Chapter], info: EpisodeInfo, target: Path) -> str:
    """The listening page that sits beside `target` (the MP3), from the same cues as the VTT."""
    side = sidecars(target)
    cues = tuple(
        PageCue(cue.start_ms, cue.end_ms, speaker_label(script.segments[cue.index]), script.segments[cue.index].text)
        for cue in episode.cues
    )
    page = Page(
        title=info.title,
        audio=target.name,
        duration_ms=episode.duration_ms,
        chapters=tuple(PageChapter(c.title, c.start_ms, c.end_ms) for c in chapters),
        cues=cues,
        date=info.date,
        podcast=info.podcast,
        sources=info.sources,
        files=(("transcription WebVTT", side["vtt"].name), ("sous-titres SRT", side["srt"].name), ("chapitres JSON", side["chapters"].name)),
    )
    return to_html(page)


def to_chapters_json(chapters: list[Chapter], info: EpisodeInfo) -> str:
    """Podcasting 2.0 JSON chapters (application/json+chapters), times in seconds."""
    data = {
        "version": "1.2.0",
        "title": info.title,
        "chapters": [
            {"startTime": round(c.start_ms / 1000, 3), "endTime": round(c.end_ms / 1000, 3), "title": c.title} for c in chapters
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
