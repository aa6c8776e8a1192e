"""A jingle or music bed under the start of an episode, and reading the user's audio file for it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from briefing.audio import pcm
from briefing.audio.assembly import ms, resample
from briefing.audio.loudness import TARGET_LUFS, loudness_to
from briefing.errors import InputError
from briefing.model import Cue, Episode

MUSIC_LEAD_MS = 4000  # music alone before the first word
MUSIC_DUCK_DB = -20.0  # music level under speech, relative to its own level
MUSIC_DUCK_MS = 600  # ramp into the duck
MUSIC_FADE_MS = 3000  # fade-out after the intro
# Music is brought to this loudness before mixing: 1 LU under the speech, whose clips are levelled
# at the target (it was -20 beside speech at -20 dBFS RMS, about -19 LUFS).
MUSIC_LUFS = TARGET_LUFS - 1.0


def add_music(episode: Episode, music: np.ndarray, until_ms: int, path: Path) -> Episode:
    """Lay `music` (mono, episode rate) under the start of `episode`, ducked under speech,
    into the raw file `path`.

    The music plays alone for up to MUSIC_LEAD_MS, ducks by MUSIC_DUCK_DB while the intro is
    spoken (until `until_ms` of the speech), then fades out over MUSIC_FADE_MS. Speech and
    cues move later by the lead.
    """
    rate = episode.sample_rate
    music = loudness_to(music, rate, MUSIC_LUFS)
    lead = min(len(music), int(rate * MUSIC_LEAD_MS / 1000))
    until = lead + int(rate * until_ms / 1000)
    length = min(len(music), until + int(rate * MUSIC_FADE_MS / 1000))
    music = music[:length].astype(np.float32, copy=True)

    envelope = np.ones(length, dtype=np.float32)
    duck = np.float32(10 ** (MUSIC_DUCK_DB / 20))
    ramp = int(rate * MUSIC_DUCK_MS / 1000)
    start_duck = max(0, lead - ramp // 2)
    envelope[start_duck:] = duck
    into = envelope[start_duck : start_duck + ramp]
    into[:] = np.linspace(1.0, duck, len(into), dtype=np.float32)
    if length > until:
        envelope[until:] = np.linspace(duck, 0.0, length - until, dtype=np.float32)
    music *= envelope
    edge = min(len(music), int(rate * 0.05))
    if edge:
        music[-edge:] *= np.linspace(1.0, 0.0, edge, dtype=np.float32)

    def blocks() -> Iterator[np.ndarray]:
        yield np.zeros(lead, dtype=np.float32)
        yield from pcm.chunks(episode.path, rate)

    with pcm.PcmWriter(path) as out:
        for block in blocks():
            if out.n < length:
                end = min(length, out.n + len(block))
                block = block.copy()
                block[: end - out.n] += music[out.n : end]
            out.write(block)
        if out.n < length:  # music longer than the whole episode's start
            out.write(music[out.n : length])
        n = out.n
    shift = ms(lead, rate)
    cues = tuple(Cue(c.index, c.start_ms + shift, c.end_ms + shift) for c in episode.cues)
    return Episode(episode.title, Path(path), rate, n, cues)


def decode_audio(path: Path, rate: int) -> np.ndarray:
    """A short user audio file (a jingle, a music bed) in any format ffmpeg reads, as mono
    float32 at `rate`: pydub decodes it, soxr resamples it."""
    from pydub import AudioSegment
    from pydub.exceptions import CouldntDecodeError

    try:
        audio = AudioSegment.from_file(str(path)).set_channels(1)
    except (CouldntDecodeError, OSError, IndexError) as exc:
        raise InputError(
            f"{path}: not an audio file ffmpeg can read "
            f"({str(exc).strip().splitlines()[-1][:120] if str(exc).strip() else type(exc).__name__})"
        ) from None
    if len(audio) == 0:
        raise InputError(f"{path}: holds no audio")
    scale = float(1 << (8 * audio.sample_width - 1))
    samples = np.asarray(audio.get_array_of_samples(), dtype=np.float32) / scale
    return resample(samples, audio.frame_rate, rate)
