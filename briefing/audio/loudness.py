"""The loudness of a podcast: an ITU-R BS.1770 meter, a true-peak limiter, and the pass that
brings a whole episode to -16 LUFS under -1 dBTP, streaming through raw files."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from briefing.audio import filters, pcm
from briefing.model import Episode
from briefing.system import timings

log = logging.getLogger("briefing")

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
        self.rate = rate
        self.sos = _k_weighting(rate)
        self.zi = np.zeros((len(self.sos), 2))
        self.step = int(round(rate * 0.1))
        self._rest = np.zeros(0, dtype=np.float64)
        self._steps: list[float] = []

    def feed(self, samples: np.ndarray) -> None:
        filtered, self.zi = filters.sosfilt(self.sos, samples, self.zi)
        data = np.concatenate([self._rest, filtered]) if self._rest.size else filtered
        whole = len(data) // self.step * self.step
        if whole:
            self._steps.extend(np.mean(data[:whole].reshape(-1, self.step) ** 2, axis=1).tolist())
        self._rest = data[whole:]

    def restart(self) -> None:
        """The next samples do not follow the last ones (another stretch of the file): the
        filters start afresh, the steps measured so far stay."""
        self.zi = self.zi * 0.0
        self._rest = np.zeros(0, dtype=np.float64)

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
            b = [
                a_gain * ((a_gain + 1) + (a_gain - 1) * cos + sq),
                -2 * a_gain * ((a_gain - 1) + (a_gain + 1) * cos),
                a_gain * ((a_gain + 1) + (a_gain - 1) * cos - sq),
            ]
            a = [
                (a_gain + 1) - (a_gain - 1) * cos + sq,
                2 * ((a_gain - 1) - (a_gain + 1) * cos),
                (a_gain + 1) - (a_gain - 1) * cos - sq,
            ]
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


_TAPS = 65  # the true-peak interpolation filter's length
_REACH = (_TAPS - 1) // 2 // _OVERSAMPLE  # samples of context it needs on each side: 8


def _interpolator(beta: float = 7.0) -> np.ndarray:
    """The 4x interpolation filter of the true-peak meter, as a (17, 3) matrix: row i weighs
    sample n - 8 + i, column k gives the signal at n + (k + 1) / 4. A 65-tap Kaiser-windowed
    low-pass at the original Nyquist frequency: within 0.005 dB of a sine's true peak up to
    18 kHz at 44.1 kHz, and of soxr's best resampler on speech (checked in the tests)."""
    h = filters.kaiser_lowpass(_TAPS, 1 / _OVERSAMPLE, beta) * _OVERSAMPLE
    matrix = np.zeros((2 * _REACH + 1, _OVERSAMPLE - 1), dtype=np.float32)
    for i in range(2 * _REACH + 1):
        for k in range(1, _OVERSAMPLE):
            index = _OVERSAMPLE * (_REACH - i) + k + (_TAPS - 1) // 2
            if 0 <= index < _TAPS:
                matrix[i, k - 1] = h[index]
    return matrix


@functools.cache
def _between_matrix() -> np.ndarray:
    """The interpolator, transposed for the product, made once, on first use."""
    return np.ascontiguousarray(_interpolator().T)


def _between_peaks(samples: np.ndarray, at: np.ndarray | None = None) -> np.ndarray:
    """For each sample n (or each n in `at`), the largest |value| of the band-limited signal at
    n + 1/4, n + 1/2 and n + 3/4 (zeros assumed beyond the ends)."""
    padded = np.pad(samples.astype(np.float32, copy=False), _REACH)
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * _REACH + 1)
    if at is not None:
        windows = windows[at]  # a copy of the rows asked for only
    between = _between_matrix() @ windows.T  # (3, n): one row per point between samples
    np.abs(between, out=between)
    return np.maximum(np.maximum(between[0], between[1]), between[2])


def sample_peaks(samples: np.ndarray, rate: int, floor: float = 0.0) -> np.ndarray:
    """|x| at each sample, raised to the largest of its 4x-oversampled neighbours (the true
    peak around it), after ITU-R BS.1770's true-peak method (4x oversampling).

    Only the samples where |x| exceeds `floor`, and the one before each, are oversampled:
    between samples a band-limited signal rises at most a few dB above them, so with `floor`
    6 dB under the level of interest nothing that matters is missed, and speech at -16 LUFS
    needs a small fraction of the work.
    """
    peaks = np.abs(samples).astype(np.float32)
    if floor <= 0:
        return np.maximum(peaks, _between_peaks(samples))
    hot = peaks > floor
    hot[:-1] |= hot[1:]  # the stretch between a quiet sample and a hot one counts too
    at = np.flatnonzero(hot)
    if at.size > len(peaks) // 4:  # mostly hot (noise, music): all at once is cheaper than gathering
        return np.maximum(peaks, _between_peaks(samples))
    block = int(rate * 10)  # bounded memory: the gathered rows of 10 s at most at a time
    for i in range(0, at.size, block):
        chunk = at[i : i + block]
        lo, hi = max(0, int(chunk[0]) - _REACH), min(len(samples), int(chunk[-1]) + _REACH + 1)
        local = _between_peaks(samples[lo:hi], chunk - lo)
        peaks[chunk] = np.maximum(peaks[chunk], local)
    return peaks


def _runs(indices: np.ndarray, join: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted indices grouped into [start, end) runs, merging gaps of at most `join`."""
    breaks = np.flatnonzero(np.diff(indices) > join)
    starts = np.concatenate([[indices[0]], indices[breaks + 1]])
    ends = np.concatenate([indices[breaks], [indices[-1]]]) + 1
    return starts, ends


def loudness_to(samples: np.ndarray, rate: int, target: float) -> np.ndarray:
    lufs = integrated_lufs(samples, rate)
    if not np.isfinite(lufs):
        return samples
    return (samples * np.float32(10 ** ((target - lufs) / 20))).astype(np.float32)


def limit(samples: np.ndarray, rate: int, ceiling_dbtp: float = _LIMITER_DBTP) -> tuple[np.ndarray, np.ndarray]:
    """A look-ahead peak limiter on the true (oversampled) peak: gain drops 5 ms before a peak
    and recovers over 5 ms after it, so peaks are caught without audible pumping. Returns the
    limited samples and their true peaks (as `sample_peaks` gives them above the floor)."""
    ceiling = np.float32(10 ** (ceiling_dbtp / 20))
    floor = float(ceiling) / 2  # 6 dB under the ceiling
    out = samples.astype(np.float32, copy=True)
    window = max(1, int(rate * _LIMITER_WINDOW_S))
    # The gain is 1 away from the overs: filter it only around them, with enough margin (the
    # two filters reach 1.5 windows) that the result equals filtering it all.
    margin = 2 * window + 2
    peaks = sample_peaks(out, rate, floor)
    for _ in range(4):
        over = np.flatnonzero(peaks > ceiling)
        if over.size == 0:
            break
        changed = []
        for start, end in zip(*_runs(over, 2 * margin), strict=True):
            lo, hi = max(0, int(start) - margin), min(len(out), int(end) + margin)
            gain = np.minimum(np.float32(1.0), ceiling / np.maximum(peaks[lo:hi], np.float32(1e-12)))
            gain = filters.minimum_filter(gain, 2 * window + 1)
            gain = filters.moving_average(gain, window + 1)
            out[lo:hi] *= gain
            changed.append((lo, hi))
        # Only the peaks within the interpolation's reach of a changed stretch can change:
        # measured again over the span that holds them all (one call, not one per stretch).
        a, b = max(0, changed[0][0] - _REACH), min(len(out), changed[-1][1] + _REACH)
        c, d = max(0, a - _REACH), min(len(out), b + _REACH)
        peaks[a:b] = sample_peaks(out[c:d], rate, floor)[a - c : b - c]
    return out, peaks


class Sink(Protocol):
    """Where the finished samples also go while they are made (an MP3 encoder)."""

    def write(self, samples: np.ndarray) -> None: ...
    def close(self) -> None: ...
    def abort(self) -> None: ...


def _gain_and_limit(src: Path, dst: Path, rate: int, gain_db: float, sink: Sink | None = None) -> tuple[float, float]:
    """Stream `src` through a gain and the limiter into `dst` (and `sink`); return its LUFS and dBTP."""
    gain = np.float32(10 ** (gain_db / 20))
    meter = LoudnessMeter(rate)
    peak = 0.0
    with pcm.PcmWriter(dst) as out:
        for _start, window, offset in pcm.windows(src, rate, _PAD):
            limited, peaks = limit(window * gain, rate)
            size = min(len(window) - offset, int(rate * pcm.CHUNK_S))
            inner = limited[offset : offset + size]
            peak = max(peak, float(peaks[offset : offset + size].max(initial=0.0)))
            meter.feed(inner)
            out.write(inner)
            if sink is not None:
                sink.write(inner)
    return meter.integrated(), (20 * np.log10(peak) if peak > 0 else float("-inf"))


_PROBE_CHUNKS = 16  # the gain is searched on at least this many chunks (all of a short episode)
_PROBE_EVERY = 8  # and on at most one chunk in this many of a long one
_SEARCH_TOLERANCE = 0.05  # LU: the search stops this close to the target (on the probe)
_TOLERANCE = 0.15  # LU: the whole episode must land this close, else another pass
_PROMISE = 0.5  # LU: what an episode may miss the target by without a warning
_MAX_MAKEUP_DB = 6.0  # the limiter makes up for at most this much gain beyond the unlimited estimate
_LEAST_SLOPE = 0.25  # LU per dB: under this, the limiter takes nearly all of any more gain


def _probe_lufs(path: Path, rate: int, chunks: list[int], gain_db: float, limited: bool) -> float:
    """Integrated loudness of the probe chunks after the gain (and the limiter, exactly as the
    whole pass limits those chunks: same context around each), taken as one signal."""
    gain = np.float32(10 ** (gain_db / 20))
    size = int(rate * pcm.CHUNK_S)
    n = pcm.length(path)
    meter = LoudnessMeter(rate)
    for chunk in chunks:
        start = chunk * size
        lo, hi = max(0, start - _PAD), min(n, start + size + _PAD)
        window = pcm.read(path, lo, hi) * gain
        inner = (limit(window, rate)[0] if limited else window)[start - lo : start - lo + size]
        meter.restart()
        meter.feed(inner)
    return meter.integrated()


@dataclass(frozen=True)
class Gain:
    """What the search found: the gain in dB, how many LU the result moves per dB of gain
    there (under 1: the limiter takes part of each dB), and whether the target can be reached
    at all without crushing the peaks."""

    db: float
    slope: float
    reachable: bool = True


def find_gain(path: Path, rate: int, target_lufs: float = TARGET_LUFS, whole: bool = False) -> Gain | None:
    """The gain that brings the file to `target_lufs` once limited; None for silence.
    Searched on a sample of the episode's 10-second chunks, evenly spread (every chunk of a
    short episode): the limiter's share depends on the gain, so the gain is found by secant
    steps, each limiting only the sample. Only the last pass then limits it all. `whole`:
    search on every chunk (when the sample proved unlike the whole).

    The limiter may make up for at most 6 dB beyond the gain loudness alone asks for, and the
    search gives up as soon as a dB more buys under a quarter of a LU: audio whose peaks stand
    that far above its loudness would be crushed flat before it got there. It then keeps the
    lower gain (as loud, less limited) and says the target is out of reach."""
    count = -(-pcm.length(path) // int(rate * pcm.CHUNK_S))
    every = 1 if whole else min(_PROBE_EVERY, max(1, count // _PROBE_CHUNKS))
    chunks = list(range(every // 2, count, every))
    level = _probe_lufs(path, rate, chunks, 0.0, limited=False)
    if not np.isfinite(level) and every > 1:  # the sample fell on silence only: use every chunk
        chunks = list(range(count))
        level = _probe_lufs(path, rate, chunks, 0.0, limited=False)
    if not np.isfinite(level):
        return None
    gain = target_lufs - level
    most = gain + _MAX_MAKEUP_DB
    slope, last = 1.0, None
    for _ in range(6):
        lufs = _probe_lufs(path, rate, chunks, gain, limited=True)
        if abs(lufs - target_lufs) <= _SEARCH_TOLERANCE:
            break
        if last is not None and gain != last[0]:
            slope = (lufs - last[1]) / (gain - last[0])
            if lufs < target_lufs and slope < _LEAST_SLOPE:  # more gain is crushed, not heard
                return Gain(last[0], _LEAST_SLOPE, reachable=False)
            slope = min(slope, 1.0)
        if lufs < target_lufs and gain >= most:
            return Gain(gain, slope, reachable=False)
        last = (gain, lufs)
        gain = min(gain + (target_lufs - lufs) / slope, most)
    return Gain(gain, slope)


def finish_loudness(
    episode: Episode, work: Path, target_lufs: float = TARGET_LUFS, sink: Callable[[], Sink] | None = None
) -> Episode:
    """Normalise the whole mix to `target_lufs` integrated, true peak under -1 dBTP, streaming
    from `episode`'s file into files in the folder `work`. With `sink` (a function that opens
    one, such as an MP3 encoder), the pass that makes the final samples also writes them there
    as they come; a pass that misses the target aborts its sink, and only the kept one is closed.

    The gain is searched on a sample of the episode (`find_gain`), then one pass over all of it
    limits and measures; it is kept when within 0.15 LU of the target. A miss (a sample unlike
    the whole: rare) searches again on every chunk and passes again; three passes at most."""
    from threadpoolctl import threadpool_limits

    # One BLAS thread: the interpolator's product gains nothing from a second one, whose
    # spinning would take the core LAME encodes on (measured: LAME 11.0 s alone, 16.3 s beside
    # a limiter with two BLAS threads, 11.0 s beside one with one).
    with threadpool_limits(limits=1, user_api="blas"):
        return _finish_loudness(episode, Path(work), target_lufs, sink)


def _finish_loudness(episode: Episode, work: Path, target_lufs: float, sink: Callable[[], Sink] | None) -> Episode:
    rate = episode.sample_rate
    with timings.stage("loudness: gain search"):
        found = find_gain(episode.path, rate, target_lufs)
    with timings.stage("loudness: limiting, MP3 encoding beside it"):
        if found is None:  # silence: nothing to normalise
            if sink is not None:
                _copy_into(episode.path, rate, sink())
            return episode
        gain_db, slope = found.db, found.slope
        for attempt in range(3):
            dst = Path(work) / f"loud{attempt}.f32"
            out = sink() if sink is not None else None
            try:
                lufs, peak = _gain_and_limit(episode.path, dst, rate, gain_db, out)
            except BaseException:
                if out is not None:
                    out.abort()
                raise
            on_target = abs(lufs - target_lufs) <= _TOLERANCE and peak <= _LIMITER_DBTP + 0.05
            if on_target or attempt == 2 or (not found.reachable and lufs < target_lufs):
                if out is not None:
                    out.close()
                break
            if out is not None:
                out.abort()
            dst.unlink()
            if attempt == 0:  # the sample was unlike the whole: search again on every chunk
                found = find_gain(episode.path, rate, target_lufs, whole=True) or found
                gain_db, slope = found.db, found.slope
            else:
                gain_db += (target_lufs - lufs) / slope
    if lufs < target_lufs - _PROMISE:
        log.warning(
            "the episode is %.1f LU under the target of %.0f LUFS: its peaks stand too far above its "
            "loudness to go higher under %.0f dBTP without crushing them",
            target_lufs - lufs,
            TARGET_LUFS,
            TRUE_PEAK_DBTP,
        )
    return Episode(episode.title, dst, rate, pcm.length(dst), episode.cues)


def _copy_into(path: Path, rate: int, sink: Sink) -> None:
    try:
        for block in pcm.chunks(path, rate):
            sink.write(block)
    except BaseException:
        sink.abort()
        raise
    sink.close()
