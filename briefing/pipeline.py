"""The one place that chains the stages. The CLI and batch runs call these functions."""

from __future__ import annotations

import dataclasses
import logging
import re
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from briefing import __version__
from briefing.export import DEFAULT_BITRATE, write_mp3
from briefing.mix import assemble
from briefing.model import Article, Cue, Script
from briefing.render import RenderOptions, check_device, choose_presets, render
from briefing.script import ScriptOptions, build_script
from briefing.sources import load_article
from briefing.voices import VoiceBook, load_lexicon, load_voices

log = logging.getLogger(__name__)

DEFAULT_OUTPUT_DIR = Path("output")


@dataclass(frozen=True)
class Options:
    """Everything `briefing speak` can be told."""

    voices_dir: Path | None = None
    lexicon: Path | None = None  # extra pronunciations over the voices folder's lexicon.toml
    script: ScriptOptions = field(default_factory=ScriptOptions)
    render: RenderOptions = field(default_factory=RenderOptions)
    bitrate: str = DEFAULT_BITRATE


@dataclass(frozen=True)
class Result:
    """What a render produced, for the summary line."""

    path: Path
    script: Script
    duration_ms: int
    cues: tuple[Cue, ...]
    synthesised: int
    cached: int
    wall_s: float


def load_articles(sources: list[str]) -> list[Article]:
    return [load_article(s) for s in sources]


def make_script(sources: list[str], options: Options = Options(), book: VoiceBook | None = None) -> Script:
    """Read the sources and build their Script (no audio)."""
    book = book or load_voices(options.voices_dir)
    lexicon = dict(book.lexicon)
    if options.lexicon is not None:
        lexicon.update(load_lexicon(options.lexicon))
    script_options = dataclasses.replace(options.script, lexicon=lexicon)
    return build_script(load_articles(sources), book, script_options)


def default_output(script: Script, folder: Path = DEFAULT_OUTPUT_DIR) -> Path:
    return folder / f"{slugify(script.title)}.mp3"


def make_episode(sources: list[str], out: Path | None = None, options: Options = Options()) -> Result:
    """Read, script, synthesise, mix and write one episode; return where it went."""
    started = time.perf_counter()
    check_device(options.render.device)
    book = load_voices(options.voices_dir)
    script = make_script(sources, options, book)
    casting = choose_presets(book, {s.voice for s in script.segments}, options.render.engine)
    for casted in casting.values():
        if casted.note:
            log.warning(casted.note)
    out = Path(out) if out is not None else default_output(script)
    episode = assemble(script, render(script, casting, options.render))
    tags = {
        "title": script.title,
        "artist": "briefing",
        "album": "briefing",
        "language": "fra",
        "comment": "Sources: " + ", ".join(sources),
        "encoded_by": f"briefing {__version__}",
    }
    write_mp3(episode, out, options.bitrate, tags)
    return Result(
        path=out,
        script=script,
        duration_ms=episode.duration_ms,
        cues=episode.cues,
        synthesised=len(script.segments),
        cached=0,
        wall_s=time.perf_counter() - started,
    )


def slugify(title: str, max_len: int = 60) -> str:
    """A file name from a title: ASCII letters, digits and dashes only, never empty."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:max_len].rstrip("-") or "episode"
