"""Clips in, one Episode out: one sample rate, levelled voices, the Script's silences.

Each clip is resampled to the episode rate (soxr, high quality), its leading and trailing
silence trimmed to a fixed margin so that the pauses heard are the Script's pauses, its level
matched to the others (speech RMS), and faded in and out over a few ms so that no edge clicks.
Nothing is crossfaded: the silence between two segments' sounds is exactly `pause_ms`.

Episodes stream through raw files on disk (briefing.pcm), a chunk at a time, so memory does not
grow with the length of the episode.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import soxr

from briefing.audio import pcm
from briefing.model import Clip, Cue, Episode, Script
from briefing.system import timings
from briefing.system.malloc import release

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


def assemble(script: Script, clips: Iterable[Clip], path: Path, rate: int = EPISODE_RATE) -> Episode:
    """Write every clip to the raw file `path` so that exactly the previous segment's pause
    separates the end of its sound from the start of the next; cues mark each segment's sound."""
    cues: list[Cue] = []
    gap = int(rate * LEAD_IN_MS / 1000)  # silence owed before the next sound
    with pcm.PcmWriter(path) as out:
        for clip in clips:
            with timings.stage("clip processing (resample, trim, level)"):
                audio, head, tail = trim(resample(clip.samples, clip.sample_rate, rate), rate)
                if audio.size:
                    audio = fade(level(audio, rate), rate)
            if audio.size == 0:
                continue  # a clip of pure silence: its pause still comes after the previous sound
            out.silence(max(0, gap - head))  # the clip's own quiet margin counts towards the pause
            cues.append(Cue(clip.index, ms(out.n + head, rate), ms(out.n + len(audio) - tail, rate)))
            out.write(audio)
            gap = max(0, int(rate * script.segments[clip.index].pause_ms / 1000) - tail)
            release()  # what this segment freed goes back to the system: the peak stays flat
        out.silence(gap)
        n = out.n
    return Episode(script.title, Path(path), rate, n, tuple(cues))


def ms(samples: int, rate: int) -> int:
    return round(1000 * samples / rate)
