"""Episode in, files out: the MP3 (`mp3`), WebVTT and SRT transcripts and Podcasting 2.0 JSON
chapters (`transcripts`), and the listening page (`page`).

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
from pathlib import Path

from briefing.errors import InputError, RenderError
from briefing.model import Episode, Script
from briefing.publish.mp3 import DEFAULT_BITRATE, encode_mp3, tag_mp3
from briefing.publish.page import Page, PageChapter, PageCue, to_html
from briefing.publish.info import Chapter, EpisodeInfo
from briefing.publish.transcripts import speaker_label, to_chapters_json, to_srt, to_webvtt



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
        encode_mp3(episode, mp3, bitrate)
        tag_mp3(mp3, info, chapters, guid_for(target, info))
    return [target, side["vtt"], side["srt"], side["chapters"], side["html"]]


def guid_for(target: Path, info: EpisodeInfo) -> str:
    """Stable across re-renders of the same episode (same file name and date)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"briefing:{target.name}:{info.date}"))


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
