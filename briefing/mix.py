"""Clips in, one Episode out: one sample rate, levelled voices, the Script's silences, the
music bed, and the loudness of a podcast.

Each clip is resampled to the episode rate (soxr, high quality), its leading and trailing
silence trimmed to a fixed margin so that the pauses heard are the Script's pauses, its level
matched to the others (speech RMS), and faded in and out over a few ms so that no edge clicks.
Nothing is crossfaded: the silence between two segments' sounds is exactly `pause_ms`.

Episodes stream through raw files on disk (briefing.pcm), a chunk at a time, so memory does not
grow with the length of the episode.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
import soxr

from briefing import pcm
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


def assemble(script: Script, clips: Iterable[Clip], path: Path, rate: int = EPISODE_RATE) -> Episode:
    """Write every clip to the raw file `path` so that exactly the previous segment's pause
    separates the end of its sound from the start of the next; cues mark each segment's sound."""
    cues: list[Cue] = []
    gap = int(rate * LEAD_IN_MS / 1000)  # silence owed before the next sound
    with pcm.PcmWriter(path) as out:
        for clip in clips:
            audio, head, tail = trim(resample(clip.samples, clip.sample_rate, rate), rate)
            if audio.size == 0:
                continue  # a clip of pure silence: its pause still comes after the previous sound
            audio = fade(level(audio, rate), rate)
            out.silence(max(0, gap - head))  # the clip's own quiet margin counts towards the pause
            cues.append(Cue(clip.index, _ms(out.n + head, rate), _ms(out.n + len(audio) - tail, rate)))
            out.write(audio)
            gap = max(0, int(rate * script.segments[clip.index].pause_ms / 1000) - tail)
        out.silence(gap)
        n = out.n
    return Episode(script.title, Path(path), rate, n, tuple(cues))


def _ms(samples: int, rate: int) -> int:
    return round(1000 * samples / rate)


# --- music bed -------------------------------------------------------------------------------------
MUSIC_LEAD_MS = 4000  # music alone before the first word
MUSIC_DUCK_DB = -20.0  # music level under speech, relative to its own level
MUSIC_DUCK_MS = 600  # ramp into the duck
MUSIC_FADE_MS = 3000  # fade-out after the intro
MUSIC_LUFS = -20.0  # music is brought to this loudness before mixing (speech is levelled at -20 dBFS RMS)


def add_music(episode: Episode, music: np.ndarray, until_ms: int, path: Path) -> Episode:
    """Lay `music` (mono, episode rate) under the start of `episode`, ducked under speech,
    into the raw file `path`.

    The music plays alone for up to MUSIC_LEAD_MS, ducks by MUSIC_DUCK_DB while the intro is
    spoken (until `until_ms` of the speech), then fades out over MUSIC_FADE_MS. Speech and
    cues move later by the lead.
    """
    rate = episode.sample_rate
    music = _loudness_to(music, rate, MUSIC_LUFS)
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
    shift = _ms(lead, rate)
    cues = tuple(Cue(c.index, c.start_ms + shift, c.end_ms + shift) for c in episode.cues)
    return Episode(episode.title, Path(path), rate, n, cues)


# --- loudness ---------------------------------------------------------------------------------------
TARGET_LUFS = -16.0  # the podcast norm (Apple, Spotify): integrated, ITU-R BS.1770
TRUE_PEAK_DBTP = -1.0
# The limiter aims lower than the ceiling: MP3 encoding adds inter-sample overs of a few tenths of a dB.
_LIMITER_DBTP = -1.5
_OVERSAMPLE = 4
_LIMITER_WINDOW_S = 0.005
_PAD = 1024  # context around each chunk: the limiter's 2 windows and the resampler's filter


class LoudnessMeter:
    """Integrated loudness after ITU-R BS.1770-4, fed in chunks: K-weighting (two biquads whose
    state carries across chunks), mean squares over 100 ms steps, 400 ms blocks with 75 %
    overlap, the -70 LUFS absolute gate and the -10 LU relative gate. Memory: one number per
    100 ms. Checked against pyloudnorm in the tests."""

    def __init__(self, rate: int):
        from scipy.signal import sosfilt_zi

        self.rate = rate
        self.sos = _k_weighting(rate)
        self.zi = sosfilt_zi(self.sos) * 0.0
        self.step = int(round(rate * 0.1))
        self._rest = np.zeros(0, dtype=np.float64)
        self._steps: list[float] = []

    def feed(self, samples: np.ndarray) -> None:
        from scipy.signal import sosfilt

        filtered, self.zi = sosfilt(self.sos, samples.astype(np.float64), zi=self.zi)
        data = np.concatenate([self._rest, filtered]) if self._rest.size else filtered
        whole = len(data) // self.step * self.step
        if whole:
            self._steps.extend(np.mean(data[:whole].reshape(-1, self.step) ** 2, axis=1).tolist())
        self._rest = data[whole:]

    def integrated(self) -> float:
        steps = np.asarray(self._steps)
        if len(steps) < 4:
            return float("-inf")
        blocks = (steps[:-3] + steps[1:-2] + steps[2:-1] + steps[3:]) / 4
        with np.errstate(divide="ignore"):
            loudness = -0.691 + 10 * np.log10(blocks)
        gated = blocks[loudness > -70.0]
        if gated.size == 0:
            return float("-inf")
        relative = -0.691 + 10 * np.log10(gated.mean()) - 10.0
        with np.errstate(divide="ignore"):
            final = gated[-0.691 + 10 * np.log10(gated) > relative]
        return float(-0.691 + 10 * np.log10(final.mean())) if final.size else float("-inf")


def _k_weighting(rate: int) -> np.ndarray:
    """The BS.1770 K-weighting pre-filter (high shelf, then high pass) as second-order sections,
    designed for `rate` with the same formulas as pyloudnorm."""

    def biquad(kind: str, gain_db: float, q: float, fc: float) -> list[float]:
        a_gain = 10 ** (gain_db / 40)
        w0 = 2 * np.pi * fc / rate
        alpha = np.sin(w0) / (2 * q)
        cos = np.cos(w0)
        if kind == "high_shelf":
            sq = 2 * np.sqrt(a_gain) * alpha
            b = [a_gain * ((a_gain + 1) + (a_gain - 1) * cos + sq), -2 * a_gain * ((a_gain - 1) + (a_gain + 1) * cos),
                 a_gain * ((a_gain + 1) + (a_gain - 1) * cos - sq)]
            a = [(a_gain + 1) - (a_gain - 1) * cos + sq, 2 * ((a_gain - 1) - (a_gain + 1) * cos), (a_gain + 1) - (a_gain - 1) * cos - sq]
        else:  # high pass
            b = [(1 + cos) / 2, -(1 + cos), (1 + cos) / 2]
            a = [1 + alpha, -2 * cos, 1 - alpha]
        return [x / a[0] for x in b] + [1.0] + [x / a[0] for x in a[1:]]

    return np.array([biquad("high_shelf", 4.0, 1 / np.sqrt(2), 1500.0), biquad("high_pass", 0.0, 0.5, 38.0)])


def integrated_lufs(samples: np.ndarray, rate: int) -> float:
    """Integrated loudness (LUFS) of samples in memory."""
    meter = LoudnessMeter(rate)
    meter.feed(samples)
    return meter.integrated()


def file_lufs(path: Path, rate: int) -> float:
    meter = LoudnessMeter(rate)
    for block in pcm.chunks(path, rate):
        meter.feed(block)
    return meter.integrated()


def sample_peaks(samples: np.ndarray, rate: int, floor: float = 0.0) -> np.ndarray:
    """|x| at each sample, raised to the largest of its 4x-oversampled neighbours (the true
    peak around it).

    Only stretches where |x| exceeds `floor` are oversampled: between samples a band-limited
    signal rises at most a few dB above them, so with `floor` 6 dB under the level of interest
    nothing that matters is missed, and speech at -16 LUFS needs a small fraction of the work.
    """
    peaks = np.abs(samples).astype(np.float32)
    hot = np.flatnonzero(peaks > floor) if floor > 0 else np.arange(len(peaks))
    if hot.size == 0:
        return peaks
    pad = 64
    # Runs of hot samples, merged when under 0.25 s apart (fewer, longer resampler calls),
    # each oversampled with `pad` samples of context.
    starts, ends = _runs(hot, int(rate * 0.25))
    block = int(rate * 10)
    for run_start, run_end in zip(starts, ends):
        for start in range(int(run_start), int(run_end), block):
            stop = min(int(run_end), start + block)
            lo, hi = max(0, start - pad), min(len(samples), stop + pad)
            up = soxr.resample(samples[lo:hi].astype(np.float32), rate, rate * _OVERSAMPLE, quality="MQ")
            m = min(hi - lo, len(up) // _OVERSAMPLE)
            up = np.abs(up[: m * _OVERSAMPLE])
            local = np.maximum(np.maximum(up[0::4], up[1::4]), np.maximum(up[2::4], up[3::4]))
            a, b = start - lo, min(m, stop - lo)
            np.maximum(peaks[start : start + b - a], local[a:b], out=peaks[start : start + b - a])
    return peaks


def _runs(indices: np.ndarray, join: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted indices grouped into [start, end) runs, merging gaps of at most `join`."""
    breaks = np.flatnonzero(np.diff(indices) > join)
    starts = np.concatenate([[indices[0]], indices[breaks + 1]])
    ends = np.concatenate([indices[breaks], [indices[-1]]]) + 1
    return starts, ends


def _loudness_to(samples: np.ndarray, rate: int, target: float) -> np.ndarray:
    lufs = integrated_lufs(samples, rate)
    if not np.isfinite(lufs):
        return samples
    return (samples * np.float32(10 ** ((target - lufs) / 20))).astype(np.float32)


def limit(samples: np.ndarray, rate: int, ceiling_dbtp: float = _LIMITER_DBTP) -> tuple[np.ndarray, np.ndarray]:
    """A look-ahead peak limiter on the true (oversampled) peak: gain drops 5 ms before a peak
    and recovers over 5 ms after it, so peaks are caught without audible pumping. Returns the
    limited samples and their true peaks (as `sample_peaks` gives them above the floor)."""
    from scipy.ndimage import minimum_filter1d, uniform_filter1d

    ceiling = np.float32(10 ** (ceiling_dbtp / 20))
    floor = float(ceiling) / 2  # 6 dB under the ceiling
    out = samples.astype(np.float32, copy=True)
    window = max(1, int(rate * _LIMITER_WINDOW_S))
    for _ in range(4):
        peaks = sample_peaks(out, rate, floor)
        if peaks.max(initial=0.0) <= ceiling:
            break
        # The gain is 1 away from the overs: filter it only around them, with enough margin
        # (the two filters reach 1.5 windows) that the result equals filtering it all.
        margin = 2 * window + 2
        for start, end in zip(*_runs(np.flatnonzero(peaks > ceiling), 2 * margin)):
            lo, hi = max(0, int(start) - margin), min(len(out), int(end) + margin)
            gain = np.minimum(np.float32(1.0), ceiling / np.maximum(peaks[lo:hi], np.float32(1e-12)))
            gain = minimum_filter1d(gain, size=2 * window + 1, mode="nearest")
            gain = uniform_filter1d(gain, size=window + 1, mode="nearest")
            out[lo:hi] *= gain
    else:
        peaks = sample_peaks(out, rate, floor)
    return out, peaks


def _gain_and_limit(src: Path, dst: Path, rate: int, gain_db: float) -> tuple[float, float]:
    """Stream `src` through a gain and the limiter into `dst`; return its LUFS and dBTP."""
    gain = np.float32(10 ** (gain_db / 20))
    meter = LoudnessMeter(rate)
    peak = 0.0
    with pcm.PcmWriter(dst) as out:
        for start, window, offset in pcm.windows(src, rate, _PAD):
            limited, peaks = limit(window * gain, rate)
            size = min(len(window) - offset, int(rate * pcm.CHUNK_S))
            inner = limited[offset : offset + size]
            peak = max(peak, float(peaks[offset : offset + size].max(initial=0.0)))
            meter.feed(inner)
            out.write(inner)
    return meter.integrated(), (20 * np.log10(peak) if peak > 0 else float("-inf"))


def finish_loudness(episode: Episode, work: Path, target_lufs: float = TARGET_LUFS) -> Episode:
    """Normalise the whole mix to `target_lufs` integrated, true peak under -1 dBTP, streaming
    from `episode`'s file into files in the folder `work`."""
    rate = episode.sample_rate
    lufs = file_lufs(episode.path, rate)
    if not np.isfinite(lufs):
        return episode  # silence: nothing to normalise
    src, gain_db = episode.path, target_lufs - lufs
    for attempt in range(3):
        dst = Path(work) / f"loud{attempt}.f32"
        lufs, peak = _gain_and_limit(src, dst, rate, gain_db)
        # Limiting takes a fraction of a dB off; a correction brings the integrated level back.
        if abs(lufs - target_lufs) <= 0.15 and peak <= _LIMITER_DBTP + 0.05:
            break
        src, gain_db = dst, target_lufs - lufs
    return Episode(episode.title, dst, rate, pcm.length(dst), episode.cues)
