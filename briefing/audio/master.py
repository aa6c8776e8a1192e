"""The finishing chain, run as the episode is assembled: what comes out of it is final and goes
straight to the encoder, so the MP3 is complete moments after the last segment is synthesised.

    clips, each levelled to the target loudness (assembly.level)
      -> high-pass under 50 Hz (DC and rumble: no voice is there, every speaker wastes power on it)
      -> look-ahead true-peak limiter (loudness.limit, on windows with their context)
      -> the meter (integrated loudness, true peak) and the sinks (the MP3 encoder, a raw file)

The limiter works on windows of the stream with `_PAD` samples of context on each side, the
way the whole-file pass works on 10-second chunks; a window is processed as soon as its look-
ahead has arrived, so the delay between a sample going in and coming out is `_PAD` samples
(23 ms at 44.1 kHz) plus the time to a flush. The result depends only on the samples and where
the flushes fall (segment ends), never on how fast the segments came.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np

from briefing.audio import filters, loudness
from briefing.audio.loudness import _LIMITER_DBTP, _PAD, TARGET_LUFS, LoudnessMeter, Sink, finish_loudness
from briefing.model import Episode
from briefing.system import timings

log = logging.getLogger("briefing")

HIGH_PASS_HZ = 50.0
_HIGH_PASS_ORDER = 4  # 24 dB/octave: -0.1 dB at 85 Hz (a low man's voice), -18 dB at 30 Hz
_MIN_WINDOW_S = 0.5  # samples gathered before a window is limited, except at a flush


class Master:
    """Feed it the assembled samples (`write`), say where a segment ends (`flush`), `close` it
    at the end: every sink gets the same finished samples, in order. `lufs` and `peak_dbtp`
    measure what came out."""

    def __init__(self, rate: int, sinks: list[Sink], target_lufs: float = TARGET_LUFS):
        self.rate = rate
        self.sinks = list(sinks)
        self.target_lufs = target_lufs
        self._sos = filters.butter_highpass(_HIGH_PASS_ORDER, HIGH_PASS_HZ, rate)
        self._zi = np.zeros((len(self._sos), 2))
        self._meter = LoudnessMeter(rate)
        self._peak = 0.0
        # Input samples not yet out, with up to _PAD already out before them (the limiter's context).
        self._held = np.zeros(0, dtype=np.float32)
        self._before = 0  # how many of _held are already out (context only)
        self.n = 0  # samples in
        self.n_out = 0

    def write(self, samples: np.ndarray) -> None:
        if samples.size == 0:
            return
        filtered, self._zi = filters.sosfilt(self._sos, samples, self._zi)
        self._held = np.concatenate([self._held, filtered.astype(np.float32)])
        self.n += samples.size
        if len(self._held) - self._before - _PAD >= int(self.rate * _MIN_WINDOW_S):
            self._limit(final=False)

    def silence(self, count: int) -> None:
        block = np.zeros(min(count, 1 << 16), dtype=np.float32)
        while count > 0:
            self.write(block[: min(count, block.size)])
            count -= block.size

    def flush(self) -> None:
        """Put out everything whose look-ahead has arrived (a segment ended: a listener waits)."""
        if len(self._held) - self._before > _PAD:
            self._limit(final=False)

    def close(self) -> None:
        """Put out the rest (the stream's end is its look-ahead) and close every sink."""
        if len(self._held) > self._before:
            self._limit(final=True)
        for sink in self.sinks:
            sink.close()

    def abort(self) -> None:
        for sink in self.sinks:
            sink.abort()

    def _limit(self, final: bool) -> None:
        from threadpoolctl import threadpool_limits

        # One BLAS thread for the interpolator's product: a second would spin on the core that
        # synthesis or LAME needs (loudness.finish_loudness measured it).
        with timings.stage("finishing (limiter, meter, to the encoder)"), threadpool_limits(1, user_api="blas"):
            self._limit_now(final)

    def _limit_now(self, final: bool) -> None:
        end = len(self._held) if final else len(self._held) - _PAD
        limited, peaks = loudness.limit(self._held, self.rate)
        out = limited[self._before : end]
        if out.size:
            self._peak = max(self._peak, float(peaks[self._before : end].max(initial=0.0)))
            self._meter.feed(out)
            for sink in self.sinks:
                sink.write(out)
            self.n_out += out.size
        keep = max(0, end - _PAD)  # the context the next window needs, then what is not out yet
        self._held = self._held[keep:]
        self._before = end - keep

    @property
    def lufs(self) -> float:
        return self._meter.integrated()

    @property
    def peak_dbtp(self) -> float:
        return 20 * np.log10(self._peak) if self._peak > 0 else float("-inf")

    @property
    def ceiling_dbtp(self) -> float:
        return _LIMITER_DBTP


STREAM_TOLERANCE = 0.3  # LU from the target a streamed episode may land; further, one more pass


def on_target(episode: Episode, master: Master, work: Path, encoder: Callable[[], Sink]) -> Episode:
    """The streamed episode, when what came out of `master` is within STREAM_TOLERANCE of the
    target under the true-peak ceiling. Otherwise (speech whose clips measure unlike the whole:
    rare) the episode goes through the whole-file passes once more, from the finished samples
    (episode.path), into a new MP3 made by `encoder`."""
    lufs = master.lufs
    if not np.isfinite(lufs):
        return episode  # silence
    if abs(lufs - master.target_lufs) <= STREAM_TOLERANCE and master.peak_dbtp <= _LIMITER_DBTP + 0.05:
        return episode
    log.debug("the streamed episode is %.2f LUFS, %.2f dBTP: levelled again", lufs, master.peak_dbtp)
    return finish_loudness(episode, work, master.target_lufs, sink=encoder)
