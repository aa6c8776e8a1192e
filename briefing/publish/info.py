"""What the published files say about an episode besides its audio: tags and feed fields, chapters."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from briefing.text.safe import safe_text

# IPTC's digital source types (cv.iptc.org/newscodes/digitalsourcetype), the vocabulary C2PA and
# schema.org use: audio made by a model trained on recordings (a neural voice), or by an algorithm
# with no training data (a formant synthesiser such as espeak-ng).
IPTC = "http://cv.iptc.org/newscodes/digitalsourcetype/"
TRAINED_MEDIA = IPTC + "trainedAlgorithmicMedia"
ALGORITHMIC_MEDIA = IPTC + "algorithmicMedia"


@dataclass(frozen=True)
class Synthetic:
    """What the files say of the voices: synthetic, which, and what kind (EU AI Act art. 50)."""

    voices: tuple[str, ...]  # what speaks, e.g. "coqui tts_models/fr/css10/vits", "espeak-ng fr"
    trained: bool  # a neural model trained on recordings, or a formant synthesiser

    @property
    def source_type(self) -> str:
        """The IPTC digital source type of the audio."""
        return TRAINED_MEDIA if self.trained else ALGORITHMIC_MEDIA

    @property
    def note(self) -> str:
        """The sentence a listener or reader is shown."""
        several = "des voix de synthèse" if len(self.voices) > 1 else "une voix de synthèse"
        return f"Épisode lu par {several}, générée{'s' if len(self.voices) > 1 else ''} par ordinateur."


@dataclass(frozen=True)
class EpisodeInfo:
    """What the files say about the episode: tags, feed fields."""

    title: str
    podcast: str = "briefing"  # artist and album: the show's name
    date: str = ""  # ISO 8601 date or date-time
    description: str = ""
    cover: Path | None = None  # a JPEG or PNG
    sources: tuple[str, ...] = field(default_factory=tuple)
    synthetic: Synthetic | None = None  # the voices: said in the tags, feed, page and EPUB

    def __post_init__(self) -> None:
        for name in ("title", "podcast", "date", "description"):
            object.__setattr__(self, name, safe_text(getattr(self, name), one_line=name != "description"))
        object.__setattr__(self, "sources", tuple(safe_text(s, one_line=True) for s in self.sources))


@dataclass(frozen=True)
class Chapter:
    """An article (level 1), or a sub-heading inside the article before it (level 2)."""

    title: str
    start_ms: int
    end_ms: int
    level: int = 1

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", safe_text(self.title, one_line=True))
