"""What the published files say about an episode besides its audio: tags and feed fields, chapters."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


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
    """An article (level 1), or a sub-heading inside the article before it (level 2)."""

    title: str
    start_ms: int
    end_ms: int
    level: int = 1
