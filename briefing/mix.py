"""Clips in, one Episode out: one sample rate, levelled voices, the Script's silences.

Each clip is resampled to the episode rate (soxr, high quality), its leading and trailing
silence trimmed to a fixed margin so that the pauses heard are the Script's pauses, its level
matched to the others (speech RMS), and faded in and out over a few ms so that no edge clicks.
Nothing is crossfaded: a pause is silence of exactly `pause_ms`.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import soxr

from briefing.model import Clip, Cue, Episode, Script

EPISODE_RATE = 44100
LEAD_IN_MS = 300
TRIM_THRESHOLD = 10 ** (-50 / 20)  # -50 dBFS: below this a clip edge is silence
TRIM_MARGIN_MS = 40  # kept around speech so no consonant is clipped
FADE_MS = 5
TARGET_SPEECH_DBFS = -20.0  # RMS of the voiced frames of every clip
MAX_GAIN_DB = 12.0
PEAK_LIMIT = 10 ** (-1 / 20)  # -1 dBFS


def resample(samples: np.ndarray, rate: int, target: int = EPISODE_RATE) -> np.ndarray:
    if rate == target:
        return samples.astype(np.float32, copy=False)
    return soxr.resample(samples, rate, target, quality="HQ").astype(np.float32, copy=False)


def trim(samples: np.ndarray, rate: int) -> tuple[np.ndarray, int, int]:
    """Cut silence at both ends down to TRIM_MARGIN_MS; return the clip and how many samples
    of margin it kept before its first and after its last audible sample."""
    loud = np.flatnonzero(np.abs(samples) > TRIM_THRESHOLD)
    if loud.size == 0:
        return samples[:0], 0, 0
    margin = int(rate * TRIM_MARGIN_MS / 1000)
    start, end = max(0, loud[0] - margin), min(len(samples), loud[-1] + margin + 1)
    return samples[start:end], loud[0] - start, end - 1 - loud[-1]


def speech_rms_db(samples: np.ndarray, rate: int) -> float:
    """RMS in dBFS of the 20 ms frames that hold speech (within 30 dB of the loudest)."""
    frame = max(1, int(rate * 0.02))
    n = len(samples) // frame
    if n == 0:
        return -120.0
    frames = samples[: n * frame].reshape(n, frame).astype(np.float64)
    rms = np.sqrt(np.mean(frames**2, axis=1)) + 1e-12
    db = 20 * np.log10(rms)
    active = rms[db > db.max() - 30]
    return float(20 * np.log10(np.sqrt(np.mean(active**2)) + 1e-12))


def level(samples: np.ndarray, rate: int) -> np.ndarray:
    """Bring speech to TARGET_SPEECH_DBFS (at most ±12 dB), never above -1 dBFS peak."""
    if samples.size == 0:
        return samples
    gain_db = np.clip(TARGET_SPEECH_DBFS - speech_rms_db(samples, rate), -MAX_GAIN_DB, MAX_GAIN_DB)
    out = samples * np.float32(10 ** (gain_db / 20))
    peak = float(np.max(np.abs(out)))
    if peak > PEAK_LIMIT:
        out *= np.float32(PEAK_LIMIT / peak)
    return out


def fade(samples: np.ndarray, rate: int, ms: int = FADE_MS) -> np.ndarray:
    n = min(len(samples) // 2, int(rate * ms / 1000))
    if n > 0:
        ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)
        samples = samples.copy()
        samples[:n] *= ramp
        samples[-n:] *= ramp[::-1]
    return samples


def assemble(script: Script, clips: Iterable[Clip], rate: int = EPISODE_RATE) -> Episode:
    """Place every clip so that exactly the previous segment's pause separates the end of its
    sound from the start of the next; cues mark the audible sound of each segment."""
    parts: list[np.ndarray] = []
    cues: list[Cue] = []
    position = 0
    gap = int(rate * LEAD_IN_MS / 1000)  # silence owed before the next sound
    for clip in clips:
        audio, head, tail = trim(resample(clip.samples, clip.sample_rate, rate), rate)
        if audio.size == 0:
            continue  # a clip of pure silence: its pause still comes after the previous sound
        audio = fade(level(audio, rate), rate)
        silence = max(0, gap - head)  # the clip's own quiet margin counts towards the pause
        parts.append(np.zeros(silence, dtype=np.float32))
        position += silence
        cues.append(Cue(clip.index, _ms(position + head, rate), _ms(position + len(audio) - tail, rate)))
        parts.append(audio)
        position += len(audio)
        gap = max(0, int(rate * script.segments[clip.index].pause_ms / 1000) - tail)
    parts.append(np.zeros(gap, dtype=np.float32))
    samples = np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    if peak > PEAK_LIMIT:
        samples *= np.float32(PEAK_LIMIT / peak)
    return Episode(script.title, samples, rate, tuple(cues))


def _ms(samples: int, rate: int) -> int:
    return round(1000 * samples / rate)


# --- music bed -------------------------------------------------------------------------------------
MUSIC_LEAD_MS = 4000  # music alone before the first word
MUSIC_DUCK_DB = -20.0  # music level under speech, relative to its own level
MUSIC_DUCK_MS = 600  # ramp into the duck
MUSIC_FADE_MS = 3000  # fade-out after the intro
MUSIC_LUFS = -20.0  # music is brought to this loudness before mixing (speech is levelled at -20 dBFS RMS)


def add_music(episode: Episode, music: np.ndarray, until_ms: int) -> Episode:
    """Lay `music` (mono, episode rate) under the start of `episode`, ducked under speech.

    The music plays alone for up to MUSIC_LEAD_MS, ducks by MUSIC_DUCK_DB while the intro is
    spoken (until `until_ms` of the speech), then fades out over MUSIC_FADE_MS. Speech and
    cues move later by the lead.
    """
    rate = episode.sample_rate
    music = _loudness_to(music, rate, MUSIC_LUFS)
    lead = min(len(music), int(rate * MUSIC_LEAD_MS / 1000))
    until = lead + int(rate * until_ms / 1000)
    fade = int(rate * MUSIC_FADE_MS / 1000)
    length = min(len(music), until + fade)
    music = music[:length].astype(np.float32, copy=True)

    envelope = np.ones(length, dtype=np.float32)
    duck = np.float32(10 ** (MUSIC_DUCK_DB / 20))
    ramp = int(rate * MUSIC_DUCK_MS / 1000)
    start_duck = max(0, lead - ramp // 2)
    envelope[start_duck:] = duck
    envelope[start_duck : start_duck + ramp] = np.linspace(1.0, duck, len(envelope[start_duck : start_duck + ramp]), dtype=np.float32)
    if length > until:
        tail = length - until
        envelope[until:] = np.linspace(duck, 0.0, tail, dtype=np.float32)
    music *= envelope
    edge = min(len(music), int(rate * 0.05))
    if edge:
        music[-edge:] *= np.linspace(1.0, 0.0, edge, dtype=np.float32)

    total = max(lead + len(episode.samples), length)
    out = np.zeros(total, dtype=np.float32)
    out[lead : lead + len(episode.samples)] += episode.samples
    out[:length] += music
    shift = _ms(lead, rate)
    cues = tuple(Cue(c.index, c.start_ms + shift, c.end_ms + shift) for c in episode.cues)
    return Episode(episode.title, out, rate, cues)


# --- loudness ---------------------------------------------------------------------------------------
TARGET_LUFS = -16.0  # the podcast norm (Apple, Spotify): integrated, ITU-R BS.1770
TRUE_PEAK_DBTP = -1.0
# The limiter aims lower than the ceiling: MP3 encoding adds inter-sample overs of a few tenths of a dB.
_LIMITER_DBTP = -1.5
_OVERSAMPLE = 4


def integrated_lufs(samples: np.ndarray, rate: int) -> float:
    """Integrated loudness (LUFS, ITU-R BS.1770-4 gating) measured with pyloudnorm."""
    import pyloudnorm

    if len(samples) < int(0.4 * rate):
        return float("-inf")
    return float(pyloudnorm.Meter(rate).integrated_loudness(samples.astype(np.float64)))


def sample_peaks(samples: np.ndarray, rate: int, block_s: float = 10.0) -> np.ndarray:
    """|x| at each sample, raised to the largest of its 4x-oversampled neighbours (the true
    peak around it). Done in overlapping blocks, so memory stays a few times one block."""
    n = len(samples)
    peaks = np.abs(samples).astype(np.float32)
    block, pad = int(rate * block_s), 256
    for start in range(0, n, block):
        lo, hi = max(0, start - pad), min(n, start + block + pad)
        up = soxr.resample(samples[lo:hi].astype(np.float32), rate, rate * _OVERSAMPLE, quality="HQ")
        m = min(hi - lo, len(up) // _OVERSAMPLE)
        up = np.abs(up[: m * _OVERSAMPLE])
        local = np.maximum(np.maximum(up[0::4], up[1::4]), np.maximum(up[2::4], up[3::4]))
        a, b = start - lo, min(m, start - lo + block)
        np.maximum(peaks[start : start + b - a], local[a:b], out=peaks[start : start + b - a])
    return peaks


def true_peak_dbtp(samples: np.ndarray, rate: int) -> float:
    """True peak (dBTP): the peak of a 4x oversampled copy, as ITU-R BS.1770 describes."""
    if samples.size == 0:
        return float("-inf")
    peak = float(sample_peaks(samples, rate).max())
    return 20 * np.log10(peak) if peak > 0 else float("-inf")


def _loudness_to(samples: np.ndarray, rate: int, target: float) -> np.ndarray:
    lufs = integrated_lufs(samples, rate)
    if not np.isfinite(lufs):
        return samples
    return (samples * np.float32(10 ** ((target - lufs) / 20))).astype(np.float32)


def limit(samples: np.ndarray, rate: int, ceiling_dbtp: float = _LIMITER_DBTP) -> np.ndarray:
    """A look-ahead peak limiter on the true (oversampled) peak: gain drops 5 ms before a peak
    and recovers over 5 ms after it, so peaks are caught without audible pumping."""
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    ceiling = np.float32(10 ** (ceiling_dbtp / 20))
    out = samples.astype(np.float32, copy=True)
    window = max(1, int(rate * 0.005))
    for _ in range(4):
        peaks = sample_peaks(out, rate)
        if peaks.max() <= ceiling:
            break
        gain = np.minimum(np.float32(1.0), ceiling / np.maximum(peaks, np.float32(1e-12)))
        gain = minimum_filter1d(gain, size=2 * window + 1)
        gain = uniform_filter1d(gain, size=window + 1)
        out *= gain
    return out


def finish_loudness(episode: Episode, target_lufs: float = TARGET_LUFS) -> Episode:
    """Normalise the whole mix to `target_lufs` integrated, true peak under -1 dBTP."""
    rate = episode.sample_rate
    samples = limit(_loudness_to(episode.samples, rate, target_lufs), rate)
    # Limiting takes a fraction of a dB off; a correction or two brings the integrated level back.
    for _ in range(3):
        lufs = integrated_lufs(samples, rate)
        if not np.isfinite(lufs) or abs(lufs - target_lufs) <= 0.1:
            break
        samples = limit(samples * np.float32(10 ** ((target_lufs - lufs) / 20)), rate)
    return Episode(episode.title, samples, rate, episode.cues)
