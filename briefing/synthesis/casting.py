"""Which preset speaks each voice: its own engine, its fallback under `--engine auto`, or the
preset of a named engine in its chain; and how much text each can speak in one call."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from briefing.engines import ENGINE_MODES, ENGINE_NAMES, engine_class
from briefing.errors import EngineUnavailable, UsageError
from briefing.model import VoiceBook, VoicePreset
from briefing.synthesis import transform


@dataclass(frozen=True)
class Casted:
    """The preset that will actually speak for a voice name, and why, when it is a fallback."""

    preset: VoicePreset
    note: str | None = None


def one_kind(book: VoiceBook) -> tuple[VoiceBook, bool | None, str | None]:
    """The book as `--engine auto` casts it: never a machine's voice among people's.

    When the narrator can run on a neural engine here, quotes are cast only to voices that can
    too (the others leave the pool); when it cannot, every role speaks with its formant
    (espeak-ng) preset, even a voice whose neural model happens to be on disk. Returns the book,
    whether the episode is neural (None: the narrator cannot run at all, which casting reports),
    and the one line to say on stderr when voices were left out or the episode is not neural.
    Looks only at what is on disk (no download).
    """
    narrator = _runnable(book, book.narrator)
    if narrator is None:
        return book, None, None
    neural = engine_class(narrator.engine).neural
    keep = tuple(v for v in book.quote_pool if _runnable(book, v, neural) is not None)
    pool = keep or (book.narrator,)
    default = book.default_quote if book.default_quote in keep else pool[0]
    pinned = {speaker: voice for speaker, voice in book.pinned.items() if voice in keep}
    left_out = [v for v in book.quote_pool if v not in keep]
    note = None
    if not neural:
        first = book.chain(book.narrator)[0]
        reason = unavailable_reason(first) if engine_class(first.engine).neural else None
        note = f"every voice speaks with {narrator.engine}, the narrator's neural preset cannot run here: {reason}"
        note = note if reason else None
    elif left_out:
        note = (
            f"quote voice(s) {', '.join(left_out)} not cast: no neural preset of theirs can run here, "
            f"and a machine's voice is never mixed with the {narrator.engine} narrator's"
        )
    return dataclasses.replace(book, quote_pool=pool, default_quote=default, pinned=pinned), neural, note


def _runnable(book: VoiceBook, name: str, neural: bool | None = None) -> VoicePreset | None:
    """The first preset of `name`'s chain that can run here (of that kind, when `neural` is set)."""
    for preset in book.chain(name):
        if neural is not None and (preset.engine not in ENGINE_NAMES or engine_class(preset.engine).neural != neural):
            continue
        if unavailable_reason(preset) is None:
            return preset
    return None


def choose_presets(
    book: VoiceBook, names: set[str], mode: str, fetch: bool = True, neural: bool | None = None
) -> dict[str, Casted]:
    """For each voice name, the preset that speaks it under `--engine mode`.

    `auto` walks each preset's fallback chain to the first one whose engine can run here
    with what is already on disk (it never downloads); a named engine takes the first preset
    of the chain on that engine, fetches its model when missing (Coqui zoo models), and never
    falls back to another engine. `fetch=False` never downloads (a missing model is then an error).
    `neural` (from `one_kind`) keeps auto to presets of that kind.
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
        if neural is not None:
            chain = [p for p in chain if p.engine in ENGINE_NAMES and engine_class(p.engine).neural == neural] or chain
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
    if preset.derived and transform.available():
        return transform.available()
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
