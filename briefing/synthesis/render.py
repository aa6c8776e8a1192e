"""Script in, Clips out: each segment from the cache or synthesised, in order, memory bounded."""

from __future__ import annotations

import dataclasses
import itertools
import logging
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from briefing.engines import engine_class
from briefing.model import Clip, Script, VoicePreset
from briefing.options import OPTION_NAMES, SpeakOptions, check
from briefing.synthesis import transform
from briefing.synthesis.cache import SegmentCache, cache_key
from briefing.synthesis.casting import Casted
from briefing.synthesis.local import Executor, LocalExecutor

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RenderOptions:
    """Settings of the audio side."""

    engine: str = SpeakOptions.engine  # auto, or an engine name that every voice must use
    device: str = SpeakOptions.device
    speed: float = SpeakOptions.speed  # multiplies every preset's own speed
    jobs: int = 1  # segments synthesised at once (threads locally, actors on Ray); the CLI's: one per core
    executor: str = SpeakOptions.executor  # local or ray
    ray_address: str | None = None  # None: a local Ray instance started for the run
    ray_cpus: int = SpeakOptions.ray_cpus  # CPUs (and torch threads) per Ray actor

    def __post_init__(self) -> None:
        for name in OPTION_NAMES:  # checked as `speak` checks them, also when a library caller builds one
            if hasattr(self, name):
                object.__setattr__(self, name, check(name, getattr(self, name)))


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
    start: int = 0,
    prepared: Callable[[], None] | None = None,
) -> Iterator[Clip]:
    """Synthesise every segment of `script` from index `start` (those before are placed
    already: a stream's head), yielding Clips in script order.

    A segment found in `cache` is not synthesised; every segment synthesised is stored there at
    once, so a run killed halfway and started again redoes only what was not finished. Voices
    with segments to synthesise are prepared first (model loaded, speaker checked), so bad
    settings fail before any work; a render served entirely from the cache loads no model.
    Segments go to `executor` (threads in this process by default, or Ray actors) at most
    2 x jobs ahead of the one being mixed, so memory stays bounded; order is kept. `prepared`
    is called once the voices are ready, before the first segment is synthesised.
    """
    stats = stats if stats is not None else RenderStats()
    stats.total = len(script.segments)
    presets = {voice: as_spoken(c.preset, options) for voice, c in casting.items()}
    for name in sorted({p.engine for p in presets.values()}):
        engine_class(name).check_device(options.device)
    identities = {voice: voice_identity(p) for voice, p in presets.items()}
    keys = [cache_key(seg.text, identities[seg.voice]) for seg in script.segments]
    missing = sorted(
        {
            seg.voice
            for seg, key in zip(script.segments[start:], keys[start:], strict=True)
            if cache is None or not cache.has(key)
        }
    )

    own = executor is None
    executor = executor or LocalExecutor(options.jobs, options.device)
    try:
        executor.prepare([presets[v] for v in missing])
        if prepared is not None:
            prepared()

        def submit(index: int):
            segment = script.segments[index]
            if cache is not None:
                hit = cache.get(keys[index])
                if hit is not None:
                    return Clip(index, hit[0], hit[1])
            return executor.submit(index, segment.text, presets[segment.voice])

        ahead: deque = deque()
        pending = iter(range(start, len(script.segments)))
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


def as_spoken(preset: VoicePreset, options: RenderOptions) -> VoicePreset:
    """The preset as this render speaks it: its speed times the render's (`--speed`), which the
    segment cache key then holds."""
    return dataclasses.replace(preset, speed=preset.speed * options.speed)


def voice_identity(preset: VoicePreset) -> dict:
    """A voice's part of the segment cache key: its engine's, and a derived voice's transform."""
    identity = engine_class(preset.engine).cache_identity(preset)
    if preset.derived:
        identity["transform"] = transform.identity(preset.pitch_shift, preset.formant_shift)
    return identity
