"""The plain data passed between stages: Article -> Script -> Clips -> Episode.

Every stage imports these types and never the stage before it. All are frozen dataclasses;
audio is mono float32 in [-1, 1]; times are integer milliseconds.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from briefing.text.safe import safe_text

BlockKind = Literal["heading", "paragraph"]
Role = Literal["title", "heading", "narration", "quote", "transition"]
# A silence this long or longer after a segment ends its paragraph: the text side sets it at every
# paragraph's end, and the written views (page, EPUB) rebuild the paragraphs from it.
PARAGRAPH_PAUSE_MS = 850


@dataclass(frozen=True)
class Block:
    """One block of an article body: a paragraph or a sub-heading, as plain text."""

    kind: BlockKind
    text: str


@dataclass(frozen=True)
class Article:
    """A cleaned article: what a loader found in a file, URL or feed item."""

    title: str
    blocks: tuple[Block, ...]
    source: str = ""  # where it came from: a path, a URL, "-" for stdin
    section: str = ""  # a rubric label above the title ("Tech", "Monde"), not spoken
    date: str = ""  # ISO 8601 date when known
    publisher: str = ""  # the site or feed it came from ("Le Quotidien du Sud"), said in briefings
    author: str = ""
    guid: str = ""  # the item's id in its feed (RSS guid, Atom id), when it came from one

    def __post_init__(self) -> None:
        # Whatever the loader, nothing a feed, a tag, a page or a terminal must not hold gets in.
        for name in ("title", "source", "section", "date", "publisher", "author", "guid"):
            object.__setattr__(self, name, safe_text(getattr(self, name), one_line=True))
        blocks = tuple(b if safe_text(b.text) == b.text else Block(b.kind, safe_text(b.text)) for b in self.blocks)
        object.__setattr__(self, "blocks", blocks)


@dataclass(frozen=True)
class Segment:
    """One unit of speech: exactly what one voice says, then a silence.

    `speaker` is the source quoted (None for the narrator or an unknown source), `voice` the
    name of the preset that speaks it, `chapter` the index of the article it belongs to, and
    `gender` the speaker's gender as the text gives it ("female", "male"; None when unknown),
    `written` the article's own text for it, as a reader sees it ("25,12 %" where `text` says
    "vingt-cinq virgule douze pour cent").
    """

    role: Role
    text: str
    voice: str
    speaker: str | None = None
    pause_ms: int = 0
    chapter: int = 0
    gender: str | None = None
    written: str = ""  # the article's own text for this segment (digits, symbols, « »); `text` is what is said

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Script:
    """The contract between the text side and the audio side; serialisable to JSON."""

    title: str
    segments: tuple[Segment, ...]
    chapters: tuple[str, ...] = ()  # one title per article, indexed by Segment.chapter
    sources: tuple[str, ...] = ()  # what it was made from (paths, URLs): kept when it is edited and read back

    def to_dict(self) -> dict:
        return {
            "title": self.title,
            "sources": list(self.sources),
            "chapters": list(self.chapters),
            "segments": [s.to_dict() for s in self.segments],
        }

    @classmethod
    def from_dict(cls, data: dict) -> Script:
        """A Script from trusted data (to_dict's); an edited file goes through inputs.script_file."""
        return cls(
            title=data["title"],
            chapters=tuple(data.get("chapters", ())),
            segments=tuple(Segment(**s) for s in data["segments"]),
            sources=tuple(data.get("sources", ())),
        )


@dataclass(frozen=True, eq=False)
class Clip:
    """The audio of one segment, at its engine's sample rate."""

    index: int  # position of the segment in the Script
    samples: np.ndarray  # mono float32
    sample_rate: int

    @property
    def duration_ms(self) -> int:
        return round(1000 * len(self.samples) / self.sample_rate)


@dataclass(frozen=True)
class Cue:
    """Where one segment sits in the mixed episode."""

    index: int
    start_ms: int
    end_ms: int


@dataclass(frozen=True)
class Episode:
    """One mixed mono track, on disk as raw float32 samples (long episodes never sit in
    memory whole), and its timeline."""

    title: str
    path: Path  # raw little-endian float32, mono, at sample_rate
    sample_rate: int
    n_samples: int
    cues: tuple[Cue, ...] = field(default_factory=tuple)

    @property
    def duration_ms(self) -> int:
        return round(1000 * self.n_samples / self.sample_rate)
