"""The plain data passed between stages: Article -> Script -> Clips -> Episode, and the voices
that speak it (VoicePreset, VoiceBook: loaded by briefing.engines.presets).

Every stage imports these types and never the stage before it. All are frozen dataclasses;
audio is mono float32 in [-1, 1]; times are integer milliseconds.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from briefing.errors import VoiceError
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


# Voices: a preset is one voices/NAME.toml; a book is a folder of them with its casting rules.
ROLES = ("narrator", "quote")
GENDERS = ("female", "male")


@dataclass(frozen=True)
class VoicePreset:
    """One voice: which engine speaks, with which of its voices or models, at which speed.

    The keys every preset has are fields; the engine's own keys (Coqui's `model`, `speaker`...,
    espeak's `voice`, `pitch`) are in `settings`, declared and checked by the engine itself
    (`Engine.preset_keys`). `fallback` names the preset `--engine auto` uses when this one
    cannot run here.
    """

    name: str
    engine: str
    role: str = "quote"
    speed: float = 1.0
    fallback: str | None = None
    gender: str | None = None  # the voice's register: "female", "male" (None: either)
    licence: str | None = None
    description: str | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)
    path: Path | None = field(default=None, compare=False)
    # A derived voice: its base preset's engine and settings, each clip transformed
    # (synthesis.transform): pitch moved by `pitch_shift` semitones, formants by `formant_shift`.
    base: str | None = None
    pitch_shift: float = 0.0
    formant_shift: float = 1.0

    @classmethod
    def of(cls, name: str, engine: str, path: Path | None = None, **keys: Any) -> VoicePreset:
        """A preset from flat keys, as a preset file writes them (engine keys go to `settings`)."""
        common = {k: keys.pop(k) for k in list(keys) if k in COMMON_KEYS or k in DERIVED_KEYS}
        return cls(name=name, engine=engine, path=path, settings=keys, **common)

    def get(self, key: str, default: Any = None) -> Any:
        """One of the engine's own settings (None when the preset does not set it)."""
        return self.settings.get(key, default)

    @property
    def derived(self) -> bool:
        return self.base is not None

    def identity(self) -> dict:
        """The settings that change the sound, for cache keys and reports."""
        derived = (
            {"base": self.base, "pitch_shift": self.pitch_shift, "formant_shift": self.formant_shift}
            if self.derived
            else {}
        )
        return {
            "name": self.name,
            "engine": self.engine,
            "role": self.role,
            "speed": self.speed,
            "fallback": self.fallback,
            **derived,
            **dict(sorted(self.settings.items())),
        }


# The keys every preset may have, with their types; an engine declares the rest.
COMMON_KEYS: dict[str, type | tuple[type, ...]] = {
    "role": str,
    "speed": (int, float),
    "fallback": str,
    "gender": str,
    "licence": str,
    "description": str,
}
# A derived preset names its base instead of an engine, and takes these besides the common keys.
DERIVED_KEYS: dict[str, type | tuple[type, ...]] = {
    "base": str,
    "pitch_shift": (int, float),
    "formant_shift": (int, float),
}


@dataclass(frozen=True)
class VoiceBook:
    """Every preset of a folder, the narrator, the quote pool and the casting rules."""

    presets: dict[str, VoicePreset]
    narrator: str
    quote_pool: tuple[str, ...]
    default_quote: str
    pinned: dict[str, str] = field(default_factory=dict)
    folder: Path | None = None
    lexicon: dict[str, str] = field(default_factory=dict)  # the folder's lexicon.toml
    genders: dict[str, str] = field(default_factory=dict)  # speaker -> gender, from casting.toml
    heading: str | None = None  # the voice of sub-headings (casting.toml); None: the narrator's

    def __getitem__(self, name: str) -> VoicePreset:
        try:
            return self.presets[name]
        except KeyError:
            raise VoiceError(f"unknown voice {name!r}; voices here: {', '.join(sorted(self.presets))}") from None

    def chain(self, name: str) -> list[VoicePreset]:
        """The preset `name`, then its fallback, then that one's fallback, and so on."""
        chain, seen = [], set()
        while name is not None and name not in seen:
            seen.add(name)
            preset = self[name]
            chain.append(preset)
            name = preset.fallback
        return chain

    def for_engine(self, engine: str) -> VoiceBook:
        """The book as `--engine engine` casts it: quotes go only to voices with a preset on that
        engine in their fallback chain (the narrator's voice when none has), so that a named
        engine never meets a voice it cannot speak. `auto` keeps the book as it is."""
        if engine == "auto":
            return self

        def speaks(name: str) -> bool:
            return any(p.engine == engine for p in self.chain(name))

        pool = tuple(v for v in self.quote_pool if speaks(v)) or (self.narrator,)
        default = self.default_quote if speaks(self.default_quote) else pool[0]
        pinned = {speaker: voice for speaker, voice in self.pinned.items() if speaks(voice)}
        return dataclasses.replace(self, quote_pool=pool, default_quote=default, pinned=pinned)
