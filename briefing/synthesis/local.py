"""Engines in this process (loaded once, their presets prepared once), the Executor interface,
and the local executor: threads in this process. `ray_actors` runs the same requests on Ray."""

from __future__ import annotations

import dataclasses
import logging
import threading
from abc import ABC, abstractmethod
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from briefing.engines import Audio, Engine, engine_class
from briefing.errors import BriefingError, RenderError
from briefing.model import VoicePreset
from briefing.synthesis.transform import shift_voice
from briefing.system import timings
from briefing.system.malloc import release

log = logging.getLogger(__name__)

# --- engines in this process ------------------------------------------------------------------

_engines: dict[tuple[str, str], Engine] = {}
_prepared: set[tuple[str, str, str]] = set()
_lock = threading.Lock()


def load_engine(name: str, device: str) -> Engine:
    """The engine `name` on `device`, loaded once per process (its models stay loaded too)."""
    with _lock:
        key = (name, device)
        if key not in _engines:
            _engines[key] = engine_class(name).load(device)
        return _engines[key]


def prepared_engine(preset: VoicePreset, device: str) -> Engine:
    """The preset's engine with the preset prepared (model loaded, speaker checked), once."""
    engine = load_engine(preset.engine, device)
    key = (preset.engine, device, repr(preset.identity()))
    with _lock:
        if key not in _prepared:
            engine.prepare(preset)
            _prepared.add(key)
    return engine


def speak(engine: Engine, text: str, preset: VoicePreset) -> Audio:
    """`text` in `preset`'s voice: the engine's audio, transformed when the preset is derived."""
    with timings.stage("engine"):
        audio = engine.synthesize(text, preset)
    if engine.neural:
        # A neural engine's transient buffers (a vocoder's activations: 0.1 to 0.3 GB on one
        # window) stay in glibc's heaps once freed; handed back now, before the voice transform
        # or the next segment allocates beside them. The bundled voices on the reference
        # article: peak 2,139 -> 1,935 MB.
        release(0)
    if preset.derived:
        with timings.stage("voice transform (WORLD)"):
            samples = shift_voice(audio.samples, audio.sample_rate, preset.pitch_shift, preset.formant_shift)
        audio = dataclasses.replace(audio, samples=samples)
    return audio


def synthesize(index: int, text: str, preset: VoicePreset, device: str) -> Audio:
    """Speak one segment in this process; failures are RenderErrors naming the segment."""
    engine = prepared_engine(preset, device)
    try:
        audio = speak(engine, text, preset)
    except RenderError as exc:  # say which segment it was
        raise RenderError(f"segment {index + 1} ({text[:40]!r}): {exc}") from exc
    except BriefingError:
        raise
    except Exception as exc:  # an engine's own failure, named with the segment it hit
        raise RenderError(f"segment {index + 1} ({text[:40]!r}): {preset.engine} failed: {exc}") from exc
    if audio.samples.size == 0:
        raise RenderError(f"segment {index + 1} ({text[:40]!r}): {preset.engine} produced no audio")
    return audio


class Executor(ABC):
    """Synthesises segments somewhere; `submit` returns a handle, `result` waits for it."""

    jobs: int = 1

    @abstractmethod
    def prepare(self, presets: list[VoicePreset]) -> None:
        """Load and check the presets before the first segment, so bad settings fail at once."""

    @abstractmethod
    def submit(self, index: int, text: str, preset: VoicePreset) -> Any: ...

    @abstractmethod
    def result(self, handle: Any) -> Audio: ...

    def close(self) -> None:  # noqa: B027 - an optional hook: executors without workers have nothing to release
        """Release workers; the executor cannot be used afterwards."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class LocalExecutor(Executor):
    """Threads in this process. espeak runs each segment in its own process, so threads
    overlap; a Coqui model serialises its own calls (torch already uses every core)."""

    def __init__(self, jobs: int = 1, device: str = "auto"):
        self.jobs = max(1, jobs)
        self.device = device
        self._pool = ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="synth") if self.jobs > 1 else None

    def prepare(self, presets: list[VoicePreset]) -> None:
        for preset in presets:
            prepared_engine(preset, self.device)

    def submit(self, index: int, text: str, preset: VoicePreset) -> Any:
        if self._pool is None:
            return (index, text, preset)  # synthesised when its result is asked for, in order
        return self._pool.submit(synthesize, index, text, preset, self.device)

    def result(self, handle: Any) -> Audio:
        if isinstance(handle, Future):
            return handle.result()
        return synthesize(*handle, self.device)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


__all__ = ["Executor", "LocalExecutor", "load_engine", "prepared_engine", "synthesize"]
