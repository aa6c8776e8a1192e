"""Casting quoted speakers to the voices of a VoiceBook: each speaker keeps one voice for the
whole episode, two speakers share one only when the pool is exhausted, and a speaker's gender
picks the register (casting.toml's [speakers] pins come first)."""

from __future__ import annotations

from collections.abc import Hashable, Iterable

from briefing.model import GENDERS, VoiceBook


class Casting:
    """Gives each quoted speaker a voice, the same one for the whole episode.

    Unknown speakers share the default quote voice. Named speakers take the pool's voices in
    turn, the default one last, so that as long as the pool allows, two speakers never share
    a voice and no named speaker sounds like the anonymous quotes. A speaker of known gender
    takes a free voice of that gender (a preset's `gender`; presets without one suit either);
    when all are taken, the least used voice of that gender, never one of the other register
    (while the pool has one of its own). A speaker of unknown gender (a group, a document) takes
    a free voice of the register with the most voices to spare (free voices less the speakers of
    that gender still to come, when `demand` says who is to come), keeping the scarcer one for
    those who need it.
    """

    def __init__(self, book: VoiceBook, demand: list[str | None] | None = None):
        self.book = book
        others = [v for v in book.quote_pool if v != book.default_quote]
        self._order = others + [book.default_quote] if others else [book.default_quote]
        self._assigned: dict[Hashable, str] = {}
        # The gender of every speaker to come, in order (script.speaker_genders), when known.
        self._demand = list(demand or [])

    def gender_of(self, voice: str) -> str | None:
        return self.book.presets[voice].gender if voice in self.book.presets else None

    def voice_for(self, speaker: Hashable | None, gender: str | None = None, names: Iterable[str] = ()) -> str:
        """The voice of `speaker` (any stable identity; its names, for the pins of casting.toml,
        are `names`, or the speaker itself when it is a string)."""
        if speaker is None:
            return self.book.default_quote
        names = [*names, *([speaker] if isinstance(speaker, str) else [])]
        for name in names:
            if name in self.book.pinned:
                return self.book.pinned[name]
        if speaker not in self._assigned:
            taken = set(self._assigned.values()) | set(self.book.pinned.values())
            free = [v for v in self._order if v not in taken]
            suits = [v for v in self._order if gender is None or self.gender_of(v) in (gender, None)]
            free_suits = [v for v in free if v in suits]
            if gender is None and free:
                # Keep the scarcer register for the speakers who will need it: the voices of a
                # register left free, less the speakers of that gender still to come.
                to_come = self._demand[len(self._assigned) + 1 :]
                spare = {g: sum(self.gender_of(v) == g for v in free) - to_come.count(g) for g in GENDERS}
                free_suits = sorted(free, key=lambda v: -spare.get(self.gender_of(v), len(free)))
            if free_suits or (free and gender is None):
                voice = (free_suits or free)[0]
            elif suits and gender is not None:
                # Every voice of that gender taken: share the least used one rather than speak
                # in the other register (a man heard as a woman is a wrong attribution too).
                shared = [v for v in suits if v != self.book.default_quote] or suits
                used = [list(self._assigned.values()).count(v) for v in shared]
                voice = shared[used.index(min(used))]
            elif free:
                voice = free[0]
            else:
                voice = self._order[len(self._assigned) % len(self._order)]
            self._assigned[speaker] = voice
        return self._assigned[speaker]
