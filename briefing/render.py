"""Script in, Clips out: choose the engine for each voice, load it once, synthesise in order."""

from __future__ import annotations

import dataclasses
import itertools
import logging
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from briefing.cache import SegmentCache, cache_key
from briefing.engines import ENGINE_NAMES, engine_class
from briefing.errors import EngineUnavailable, UsageError
from briefing.executors import Executor, LocalExecutor, load_engine  # noqa: F401 - load_engine re-exported
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
    jobs: int = 1  # segments synthesised at once (threads locally, actors on Ray)
    executor: str = "local"  # local or ray
    ray_address: str | None = None  # None: a local Ray instance started for the run
    ray_cpus: int = 1  # CPUs (and torch threads) per Ray actor


@dataclass(frozen=True)
class Casted:
    """The preset that will actually speak for a voice name, and why, when it is a fallback."""

    preset: VoicePreset
    note: str | None = None


def choose_presets(book: VoiceBook, names: set[str], mode: str, fetch: bool = True) -> dict[str, Casted]:
    """For each voice name, the preset that speaks it under `--engine mode`.

    `auto` walks each preset's fallback chain to the first one whose engine can run here
    with what is already on disk (it never downloads); a named engine takes the first preset
    of the chain on that engine, fetches its model when missing (Coqui zoo models), and never
    falls back to another engine. `fetch=False` never downloads (a missing model is then an error).
    """
    if mode not in ENGINE_MODES:
        raise UsageError(f"unknown engine {mode!r}; choose one of: {', '.join(ENGINE_MODES)}")
    chosen = {}
    for name in sorted(names):
        chain = book.chain(name)
        if mode != "auto":
            on_engine = [p for p in chain if p.engine == mode]
            if not on_engine:
                raise UsageError(f"voice {name!r} has no {mode} preset in its fallback chain ({' -> '.join(p.name for p in chain)})")
            preset = on_engine[0]
            reason = (obtain if fetch else unavailable_reason)(preset)  # asked for by name: fetch rather than fall back
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


def unavailable_reason(preset: VoicePreset) -> str | None:
    """None when `preset` can run here with what is on disk, else a one-line reason (no network)."""
    if preset.engine not in ENGINE_NAMES:
        return f"engine {preset.engine!r} is not available in this version (engines: {', '.join(ENGINE_NAMES)})"
    return engine_class(preset.engine).unavailable_reason(preset)


def voice_limits(casting: dict[str, Casted]) -> dict[str, int]:
    """For each voice, the longest text its engine speaks in one call without a cut, where the
    engine has such a limit (a Tacotron2 decoder's budget, XTTS's text limit)."""
    limits = {}
    for voice, casted in casting.items():
        limit = engine_class(casted.preset.engine).max_chars(casted.preset)
        if limit:
            limits[voice] = limit
    return limits


def obtain(preset: VoicePreset) -> str | None:
    """Like `unavailable_reason`, after fetching what is missing (downloads a Coqui zoo model)."""
    if preset.engine not in ENGINE_NAMES:
        return unavailable_reason(preset)
    return engine_class(preset.engine).obtain(preset)


@dataclass
class RenderStats:
    """What a render did, for the summary line and the progress bar."""

    total: int = 0
    synthesised: int = 0
    cached: int = 0
    audio_s: float = 0.0

    @property
    def done(self) -> int:
        return self.synthesised + self.cached


ProgressCallback = Callable[[RenderStats], None]


def render(
    script: Script,
    casting: dict[str, Casted],
    options: RenderOptions = RenderOptions(),
    cache: SegmentCache | None = None,
    stats: RenderStats | None = None,
    progress: ProgressCallback | None = None,
    executor: Executor | None = None,
) -> Iterator[Clip]:
    """Synthesise every segment of `script`, yielding Clips in script order.

    A segment found in `cache` is not synthesised; every segment synthesised is stored there at
    once, so a run killed halfway and started again redoes only what was not finished. Voices
    with segments to synthesise are prepared first (model loaded, speaker checked), so bad
    settings fail before any work; a render served entirely from the cache loads no model.
    Segments go to `executor` (threads in this process by default, or Ray actors) at most
    2 x jobs ahead of the one being mixed, so memory stays bounded; order is kept.
    """
    stats = stats if stats is not None else RenderStats()
    stats.total = len(script.segments)
    presets = {
        voice: dataclasses.replace(c.preset, speed=c.preset.speed * options.speed) for voice, c in casting.items()
    }
    for name in sorted({p.engine for p in presets.values()}):
        engine_class(name).check_device(options.device)
    identities = {voice: engine_class(p.engine).cache_identity(p) for voice, p in presets.items()}
    keys = [cache_key(seg.text, identities[seg.voice]) for seg in script.segments]
    missing = sorted({seg.voice for seg, key in zip(script.segments, keys) if cache is None or not cache.has(key)})

    own = executor is None
    executor = executor or LocalExecutor(options.jobs, options.device)
    try:
        executor.prepare([presets[v] for v in missing])

        def submit(index: int):
            segment = script.segments[index]
            if cache is not None:
                hit = cache.get(keys[index])
                if hit is not None:
                    return Clip(index, hit[0], hit[1])
            return executor.submit(index, segment.text, presets[segment.voice])

        ahead: deque = deque()
        pending = iter(range(len(script.segments)))
        for index in itertools.islice(pending, 2 * executor.jobs):
            ahead.append((index, submit(index)))
        while ahead:
            index, handle = ahead.popleft()
            if isinstance(handle, Clip):
                clip = handle
                stats.cached += 1
            else:
                audio = executor.result(handle)
                if cache is not None:
                    cache.put(keys[index], audio.samples, audio.sample_rate)
                clip = Clip(index, audio.samples, audio.sample_rate)
                stats.synthesised += 1
            nxt = next(pending, None)
            if nxt is not None:
                ahead.append((nxt, submit(nxt)))
            stats.audio_s += len(clip.samples) / clip.sample_rate
            if progress is not None:
                progress(stats)
            yield clip
    finally:
        if own:
            executor.close()


def check_device(device: str) -> str:
    if device not in DEVICES:
        raise UsageError(f"unknown device {device!r}; choose one of: {', '.join(DEVICES)}")
    return device
