"""Episode in, files out: the MP3, its transcripts, chapters and listening page (and the EPUB
when asked), the kinds `files` lists, each written by its own writer.

Every file is written under a temporary name beside its target and renamed into place only when
all of them are complete, the MP3 last, so a failure never leaves a partial episode.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from briefing.errors import InputError
from briefing.model import Episode, Script
from briefing.publish.files import AUDIO, EPISODE_FILES, EPUB, Publication, episode_paths
from briefing.publish.info import Chapter, EpisodeInfo
from briefing.publish.mp3 import DEFAULT_BITRATE
from briefing.publish.outline import outline
from briefing.publish.provenance import Signing


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
            fd, tmp = tempfile.mkstemp(
                prefix=f".{target.stem}.{os.getpid()}.", suffix=".part" + target.suffix, dir=target.parent
            )
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
        for tmp, target in zip(temps, targets, strict=True):
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


def chapters_of(script: Script, episode: Episode) -> list[Chapter]:
    """One chapter per Script chapter, from its first cue to the next chapter (or the end), each
    followed by its sub-headings as level-2 chapters (from the heading to the next one, or to the
    article's end). Titles are `script`'s: give it as the transcripts show it."""
    starts: dict[int, int] = {}
    cue_of = {cue.index: cue for cue in episode.cues}
    for cue in episode.cues:
        starts.setdefault(script.segments[cue.index].chapter, cue.start_ms)
    ordered = sorted(starts.items())
    headings: dict[int, list[tuple[str, int]]] = {}
    parts = outline(script)
    titles = {part.number: part.title for part in parts}
    for part in parts:
        for block in part.blocks:
            first = next((cue_of[i] for i in block.segments if i in cue_of), None)
            if block.kind == "heading" and first is not None:
                title = " ".join(script.segments[i].text for i in block.segments)
                headings.setdefault(part.number, []).append((title, first.start_ms))
    chapters = []
    for i, (number, start) in enumerate(ordered):
        start = 0 if i == 0 else start
        end = ordered[i + 1][1] if i + 1 < len(ordered) else episode.duration_ms
        chapters.append(Chapter(titles[number], start, end))
        subs = headings.get(number, [])
        for j, (sub_title, sub_start) in enumerate(subs):
            sub_end = subs[j + 1][1] if j + 1 < len(subs) else end
            chapters.append(Chapter(sub_title, sub_start, sub_end, level=2))
    return chapters


def write_episode(
    episode: Episode,
    script: Script,
    target: Path,
    info: EpisodeInfo,
    bitrate: str = DEFAULT_BITRATE,
    transcript: str = "written",
    epub: bool = False,
    signing: Signing | None = None,
    encoded: Path | None = None,
) -> list[Path]:
    """Write the MP3 and the files beside it (`files.EPISODE_FILES`, the EPUB only when asked);
    return their paths, MP3 first. `script` is the Script as rendered; the transcripts show its
    written or its spoken text (`transcript`). With `signing`, the MP3 carries a signed C2PA
    manifest (and so does the copy in the EPUB). `encoded`: the episode's MP3, encoded already
    from its final samples (it is moved into place); else it is encoded here."""
    target = Path(target)
    kinds = tuple(kind for kind in EPISODE_FILES if not kind.optional or (epub and kind is EPUB))
    publication = Publication(
        script, episode, info, (), target, bitrate, transcript, kinds, signing=signing, encoded=encoded
    )
    publication = dataclasses.replace(publication, chapters=tuple(chapters_of(publication.shown, episode)))
    paths = episode_paths(target)
    # The MP3 is written first (the EPUB holds it) and lands last: once it is there, the whole
    # episode is.
    landing = [*(kind for kind in kinds if kind is not AUDIO), AUDIO]
    with atomic_paths([paths[kind] for kind in landing]) as temps:
        temp = dict(zip(landing, temps, strict=True))
        AUDIO.write(publication, temp[AUDIO])
        publication = dataclasses.replace(publication, mp3=temp[AUDIO])
        for kind in landing[:-1]:
            kind.write(publication, temp[kind])
    return [paths[kind] for kind in kinds]
