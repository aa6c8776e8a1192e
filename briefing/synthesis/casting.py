"""Which preset speaks each voice: its own engine, its fallback under `--engine auto`, or the
preset of a named engine in its chain; and how much text each can speak in one call."""

from __future__ import annotations

from dataclasses import dataclass

from briefing.engines import DEVICES, ENGINE_MODES, ENGINE_NAMES, engine_class
from briefing.errors import EngineUnavailable, UsageError
from briefing.voices import VoiceBook, VoicePreset


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
                raise UsageError(
                    f"voice {name!r} has no {mode} preset in its fallback chain ({' -> '.join(p.name for p in chain)})"
                )
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
                note = (
                    f"voice {name!r}: using {preset.name!r} ({preset.engine}) because {reasons[0]}" if reasons else None
                )
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


def check_device(device: str) -> str:
    if device not in DEVICES:
        raise UsageError(f"unknown device {device!r}; choose one of: {', '.join(DEVICES)}")
    return device
