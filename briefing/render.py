"""Script in, Clips out: choose the engine for each voice, load it once, synthesise in order."""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from briefing.engines import ENGINE_NAMES, Engine, engine_class
from briefing.errors import BriefingError, EngineUnavailable, RenderError, UsageError
from briefing.model import Clip, Script
from briefing.voices import VoiceBook, VoicePreset

log = logging.getLogger(__name__)

# The CLI contract (DESIGN.md); an engine not built into this version says so when a voice needs it.
ENGINE_MODES = ("auto", "coqui", "espeak")
DEVICES = ("auto", "cpu", "cuda")


@dataclass(frozen=True)
class RenderOptions:
    """Settings of the audio side."""

    engine: str = "auto"  # auto, or an engine name that every voice must use
    device: str = "auto"
    speed: float = 1.0  # multiplies every preset's own speed
    jobs: int = 1  # segments synthesised at once, for engines that run out of process


@dataclass(frozen=True)
class Casted:
    """The preset that will actually speak for a voice name, and why, when it is a fallback."""

    preset: VoicePreset
    note: str | None = None


def choose_presets(book: VoiceBook, names: set[str], mode: str) -> dict[str, Casted]:
    """For each voice name, the preset that speaks it under `--engine mode`.

    `auto` walks each preset's fallback chain to the first one whose engine can run here
    with what is already on disk (it never downloads); a named engine takes the first preset
    of the chain on that engine, fetches its model when missing (Coqui zoo models), and never
    falls back to another engine.
    """
    if mode not in ENGINE_MODES:
        raise UsageError(f"unknown engine {mode!r}; choose one of: {', '.join(ENGINE_MODES)}")
    chosen = {}
    for name in sorted(names):
        chain = _chain(book, name)
        if mode != "auto":
            on_engine = [p for p in chain if p.engine == mode]
            if not on_engine:
                raise UsageError(f"voice {name!r} has no {mode} preset in its fallback chain ({' -> '.join(p.name for p in chain)})")
            preset = on_engine[0]
            reason = obtain(preset)  # asked for by name: fetch a missing model rather than fall back
            if reason:
                raise EngineUnavailable(f"voice {name!r}: {reason}")
            chosen[name] = Casted(preset)
            continue
        reasons = []
        for preset in chain:
            reason = unavailable_reason(preset)
            if reason is None:
                note = f"voice {name!r}: using {preset.name!r} ({preset.engine}) because {reasons[0]}" if reasons else None
                chosen[name] = Casted(preset, note)
                break
            reasons.append(reason)
        else:
            raise EngineUnavailable(f"voice {name!r} cannot run here: {'; '.join(reasons)}")
    return chosen


def _chain(book: VoiceBook, name: str) -> list[VoicePreset]:
    chain, seen = [], set()
    while name is not None and name not in seen:
        seen.add(name)
        preset = book[name]
        chain.append(preset)
        name = preset.fallback
    return chain


def unavailable_reason(preset: VoicePreset) -> str | None:
    """None when `preset` can run here with what is on disk, else a one-line reason (no network)."""
    if preset.engine not in ENGINE_NAMES:
        return f"engine {preset.engine!r} is not available in this version (engines: {', '.join(ENGINE_NAMES)})"
    return engine_class(preset.engine).unavailable_reason(preset)


def obtain(preset: VoicePreset) -> str | None:
    """Like `unavailable_reason`, after fetching what is missing (downloads a Coqui zoo model)."""
    if preset.engine not in ENGINE_NAMES:
        return unavailable_reason(preset)
    return engine_class(preset.engine).obtain(preset)


_engines: dict[tuple[str, str], Engine] = {}
_engines_lock = threading.Lock()


def load_engine(name: str, device: str) -> Engine:
    """The engine `name` on `device`, loaded once per process (its models stay loaded too)."""
    with _engines_lock:
        key = (name, device)
        if key not in _engines:
            _engines[key] = engine_class(name).load(device)
        return _engines[key]


def render(
    script: Script,
    casting: dict[str, Casted],
    options: RenderOptions = RenderOptions(),
) -> Iterator[Clip]:
    """Synthesise every segment of `script`, yielding Clips in script order.

    Each engine is loaded once per process and each preset prepared (its model loaded and its
    speaker checked) before the first segment. With `jobs` > 1 segments are synthesised
    concurrently from threads: espeak runs each segment in its own process, while an engine
    that holds a model (Coqui) serialises its own calls, so its segments run one at a time
    beside the others; order is kept.
    """
    engines = {c.preset.engine: load_engine(c.preset.engine, options.device) for c in casting.values()}
    presets = {
        voice: dataclasses.replace(c.preset, speed=c.preset.speed * options.speed) for voice, c in casting.items()
    }
    for preset in presets.values():
        engines[preset.engine].prepare(preset)

    def one(index: int) -> Clip:
        segment = script.segments[index]
        preset = presets[segment.voice]
        try:
            audio = engines[preset.engine].synthesize(segment.text, preset)
        except BriefingError:
            raise
        except Exception as exc:  # an engine's own failure, named with the segment it hit
            raise RenderError(f"segment {index + 1} ({segment.text[:40]!r}): {preset.engine} failed: {exc}") from exc
        if audio.samples.size == 0:
            raise RenderError(f"segment {index + 1} ({segment.text[:40]!r}): {preset.engine} produced no audio")
        return Clip(index, audio.samples, audio.sample_rate)

    indices = range(len(script.segments))
    if options.jobs <= 1:
        yield from map(one, indices)
        return
    with ThreadPoolExecutor(max_workers=options.jobs, thread_name_prefix="synth") as pool:
        yield from pool.map(one, indices)


def check_device(device: str) -> str:
    if device not in DEVICES:
        raise UsageError(f"unknown device {device!r}; choose one of: {', '.join(DEVICES)}")
    return device
