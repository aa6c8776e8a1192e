"""Clips in, one Episode out: one sample rate, levelled voices, the Script's silences.

Each clip is resampled to the episode rate (soxr, high quality), its leading and trailing
silence trimmed to a fixed margin so that the pauses heard are the Script's pauses, brought to
the episode's loudness (-16 LUFS, ITU-R BS.1770, measured on the clip), and faded in and out
over a few ms so that no edge clicks. Nothing is crossfaded: the silence between two segments'
sounds is exactly `pause_ms`.

Episodes stream through raw files on disk (briefing.pcm), a chunk at a time, so memory does not
grow with the length of the episode; with a Master (audio/master.py) the samples are finished
(high-pass, limiter) and encoded as they are placed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import soxr

from briefing.audio import pcm
from briefing.audio.loudness import TARGET_LUFS, integrated_lufs
from briefing.audio.master import Master
from briefing.model import Clip, Cue, Episode, Script
from briefing.system import timings
from briefing.system.malloc import release

EPISODE_RATE = 44100
LEAD_IN_MS = 300
TRIM_THRESHOLD = 10 ** (-50 / 20)  # -50 dBFS: below this a clip edge is silence
TRIM_MARGIN_MS = 40  # kept around speech so no consonant is clipped
FADE_MS = 5
MAX_GAIN_DB = 18.0  # a clip is raised or lowered by at most this much
_MAX_CORRECTION_DB = 4.0  # the episode's own correction (Leveller), at most


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


class Leveller:
    """Brings each clip to the target loudness (integrated, BS.1770, on the clip alone), at most
    MAX_GAIN_DB up or down. A clip too short to measure (under 400 ms: "Oui.") is measured by
    its speech RMS, corrected by how far loudness and RMS stood apart on the clips before it.
    Peaks are left to the limiter that follows.

    Clips at the target do not make an episode at the target: the pauses' edges enter the
    episode's gating, and the limiter takes its share (together about 1 LU on espeak-ng speech).
    With `measured` (the loudness of the finished episode so far), each clip's gain is corrected
    by what the episode still misses, accumulated: the correction settles within a few clips and
    the episode lands on the target."""

    def __init__(self, target_lufs: float = TARGET_LUFS, measured: Callable[[], float] | None = None):
        self.target_lufs = target_lufs
        self.measured = measured
        self.correction = 0.0
        self._offsets: list[float] = []  # LUFS - speech RMS dB of the clips measured

    def __call__(self, samples: np.ndarray, rate: int) -> np.ndarray:
        if samples.size == 0:
            return samples
        if self.measured is not None:
            so_far = self.measured()
            if np.isfinite(so_far):
                self.correction = float(
                    np.clip(self.correction + self.target_lufs - so_far, -_MAX_CORRECTION_DB, _MAX_CORRECTION_DB)
                )
        rms = speech_rms_db(samples, rate)
        lufs = integrated_lufs(samples, rate)
        if np.isfinite(lufs):
            self._offsets.append(lufs - rms)
        else:
            lufs = rms + (float(np.median(self._offsets)) if self._offsets else 0.0)
        gain_db = float(np.clip(self.target_lufs + self.correction - lufs, -MAX_GAIN_DB, MAX_GAIN_DB))
        return samples * np.float32(10 ** (gain_db / 20))


def fade(samples: np.ndarray, rate: int, ms: int = FADE_MS) -> np.ndarray:
    n = min(len(samples) // 2, int(rate * ms / 1000))
    if n > 0:
        ramp = np.linspace(0.0, 1.0, n, dtype=np.float32)
        samples = samples.copy()
        samples[:n] *= ramp
        samples[-n:] *= ramp[::-1]
    return samples


class Assembler:
    """Places clips one after another, so that exactly the previous segment's pause separates
    the end of its sound from the start of the next; cues mark each segment's sound. The samples
    go to the raw file `path`, or, with `master`, through it (finished, and written to its sinks:
    `path` must be one of them for the Episode to hold the samples). The master is not closed here.

    `place(clip, pause_ms)` puts a clip and owes `pause_ms` after its sound; `pause_ms` None
    leaves that silence to a later `pause` (a stream speaks the title before the Script that
    says how long its pause is exists). `close` ends with the last pause owed."""

    def __init__(self, path: Path, rate: int = EPISODE_RATE, master: Master | None = None):
        self.path, self.rate, self.master = Path(path), rate, master
        self.cues: list[Cue] = []
        self._gap = int(rate * LEAD_IN_MS / 1000)  # silence owed before the next sound
        self._tail: int | None = None  # the quiet margin after the last sound, while its pause is not said
        self._leveller = Leveller(master.target_lufs, lambda: master.lufs) if master is not None else Leveller()
        self._own = pcm.PcmWriter(path) if master is None else None
        self._out = master if master is not None else self._own

    def place(self, clip: Clip, pause_ms: int | None) -> None:
        rate = self.rate
        with timings.stage("clip processing (resample, trim, level)"):
            audio, head, tail = trim(resample(clip.samples, clip.sample_rate, rate), rate)
            if audio.size:
                audio = fade(self._leveller(audio, rate), rate)
        if audio.size == 0:
            return  # a clip of pure silence: its pause still comes after the previous sound
        out = self._out
        out.silence(max(0, self._gap - head))  # the clip's own quiet margin counts towards the pause
        self.cues.append(Cue(clip.index, ms(out.n + head, rate), ms(out.n + len(audio) - tail, rate)))
        out.write(audio)
        if self.master is not None:
            self.master.flush()  # a segment is done: out with it, for a listener waiting on a stream
        self._tail = tail
        if pause_ms is not None:
            self.pause(pause_ms)
        release()  # what this segment freed goes back to the system: the peak stays flat

    def pause(self, pause_ms: int) -> None:
        """The silence after the last sound placed, when `place` left it unsaid."""
        if self._tail is not None:
            self._gap = max(0, int(self.rate * pause_ms / 1000) - self._tail)
            self._tail = None

    def close(self, title: str) -> Episode:
        self._out.silence(self._gap)
        n = self._out.n
        if self._own is not None:
            self._own.close()
        return Episode(title, self.path, self.rate, n, tuple(self.cues))

    def abort(self) -> None:
        if self._own is not None:
            self._own.close()


def assemble(
    script: Script,
    clips: Iterable[Clip],
    path: Path | Assembler,
    rate: int = EPISODE_RATE,
    master: Master | None = None,
) -> Episode:
    """Every clip of `script` placed by an Assembler (see there): a new one on `path`, or the
    one given, which may hold the first clips already."""
    assembler = path if isinstance(path, Assembler) else Assembler(path, rate, master)
    try:
        for clip in clips:
            assembler.place(clip, script.segments[clip.index].pause_ms)
    except BaseException:
        assembler.abort()
        raise
    return assembler.close(script.title)


def ms(samples: int, rate: int) -> int:
    return round(1000 * samples / rate)
