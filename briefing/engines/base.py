"""What an engine is: spoken text and a voice preset in, mono float32 samples out."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from briefing.model import VoicePreset

if TYPE_CHECKING:  # numpy only names the samples' type here: --help need not load it
    import numpy as np


@dataclass(frozen=True)
class Speakers:
    """The speakers a voice's model offers, as users name them in presets."""

    names: tuple[str, ...] = ()
    one_voice: bool = False  # several names for one voice (the css10 VITS's "fr" and "gilles")


@dataclass(frozen=True, eq=False)
class Audio:
    """Mono float32 samples in [-1, 1] at `sample_rate` Hz."""

    samples: np.ndarray
    sample_rate: int
    notes: tuple[str, ...] = ()  # what the engine had to do to speak it whole (a split, a bounded runaway)
    complete: bool = True  # False when the model never ended by itself and was stopped at a bound


class Engine(ABC):
    """One speech engine. `load()` does the I/O; `synthesize()` is called once per segment.

    An engine instance is created once per process and reused for every segment; engines that
    hold models keep them loaded between calls. The class declares what the rest of the program
    needs to know without loading anything: its `name` (as registered in `registry`), the keys
    its voice presets take (`preset_keys`, with their types; `check_settings` for the rules
    types cannot say), where it can run (`devices`), and how much text one call can speak
    (`max_chars`).
    """

    name: ClassVar[str] = ""
    preset_keys: ClassVar[dict[str, type | tuple[type, ...]]] = {}
    devices: ClassVar[tuple[str, ...]] = ("cpu",)  # asked for another, it runs where it can
    # A neural engine sounds like a person; a formant synthesiser (espeak-ng) like a machine. An
    # episode never mixes the two: see synthesis.casting.one_kind.
    neural: ClassVar[bool] = False

    @classmethod
    def check_settings(cls, preset: VoicePreset) -> str | None:
        """None when the preset's engine keys make sense together, else what is wrong (one line)."""
        return None

    @classmethod
    def label(cls, preset: VoicePreset) -> str:
        """What the preset speaks with, in a listing: a model id, a voice name."""
        return ""

    @classmethod
    @abstractmethod
    def unavailable_reason(cls, preset: VoicePreset) -> str | None:
        """None when `preset` can be spoken on this machine, else a one-line reason and fix."""

    @classmethod
    def obtain(cls, preset: VoicePreset) -> str | None:
        """Like `unavailable_reason`, but first try to fetch what is missing (e.g. download a model).

        Called only when an engine is asked for by name (`--engine coqui`, `briefing voices
        --download`); `unavailable_reason` itself never touches the network.
        """
        return cls.unavailable_reason(preset)

    @classmethod  # noqa: B027 - an optional hook: most engines accept any device
    def check_device(cls, device: str) -> None:
        """Raise when `device` (auto, cpu, cuda) was asked for and cannot be had here; called
        once per render, even when every segment comes from the cache."""

    @classmethod
    def cache_identity(cls, preset: VoicePreset) -> dict:
        """Everything besides the text that changes the sound of `preset` on this engine: its
        settings, the engine's version, the model files. Part of the segment cache key, so it
        must be cheap (no model loading) and change whenever the audio would."""
        return {"engine": cls.name, "preset": preset.identity()}

    @classmethod
    def max_chars(cls, preset: VoicePreset) -> int | None:
        """The longest text (in characters) one call can speak in `preset`'s voice without being
        cut, when the engine has such a limit (None: the script's own cap applies). Cheap: no
        model is loaded. The script stage cuts that voice's segments to fit."""
        return None

    @classmethod
    def speakers(cls, preset: VoicePreset) -> Speakers:
        """The speakers `preset`'s model offers, read cheaply (no names: one voice, or unknown)."""
        return Speakers()

    @classmethod
    def load(cls, device: str = "auto") -> Engine:
        """Create the engine (heavy imports and model loading happen here or lazily)."""
        return cls()

    def prepare(self, preset: VoicePreset) -> None:  # noqa: B027 - an optional hook: engines without models have nothing to load
        """Load what `preset` needs (a model) before the first segment, checking its settings."""

    @abstractmethod
    def synthesize(self, text: str, preset: VoicePreset) -> Audio:
        """Speak `text` (already spelled out by the front end) in `preset`'s voice."""

    def describe(self, preset: VoicePreset) -> str:
        """A short human description of what `preset` runs on this engine."""
        return self.name
