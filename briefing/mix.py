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


def trim(samples: np.ndarray, rate: int) -> np.ndarray:
    """Cut silence at both ends down to TRIM_MARGIN_MS."""
    loud = np.flatnonzero(np.abs(samples) > TRIM_THRESHOLD)
    if loud.size == 0:
        return samples[:0]
    margin = int(rate * TRIM_MARGIN_MS / 1000)
    return samples[max(0, loud[0] - margin) : loud[-1] + margin + 1]


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
    """Place every clip after the previous one's pause; return the Episode and its cues."""
    parts: list[np.ndarray] = [np.zeros(int(rate * LEAD_IN_MS / 1000), dtype=np.float32)]
    cues: list[Cue] = []
    position = len(parts[0])
    for clip in clips:
        segment = script.segments[clip.index]
        audio = fade(level(trim(resample(clip.samples, clip.sample_rate, rate), rate), rate), rate)
        start = position
        parts.append(audio)
        position += len(audio)
        cues.append(Cue(clip.index, _ms(start, rate), _ms(position, rate)))
        silence = int(rate * segment.pause_ms / 1000)
        parts.append(np.zeros(silence, dtype=np.float32))
        position += silence
    samples = np.concatenate(parts)
    peak = float(np.max(np.abs(samples))) if samples.size else 0.0
    if peak > PEAK_LIMIT:
        samples *= np.float32(PEAK_LIMIT / peak)
    return Episode(script.title, samples, rate, tuple(cues))


def _ms(samples: int, rate: int) -> int:
    return round(1000 * samples / rate)
