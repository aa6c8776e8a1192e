"""The finishing chain run while the episode is assembled (briefing/audio/master.py): clips
levelled to the target, a high-pass under 50 Hz, the look-ahead true-peak limiter; the episode
lands on -16 LUFS under the ceiling without a second pass, and the MP3 a listener gets measures
-16 LUFS with ffmpeg's own meter, which agrees with ours."""

from __future__ import annotations

import json
import re
import subprocess

import numpy as np
import pytest
from helpers import ROOT

from briefing.audio import pcm
from briefing.audio.assembly import EPISODE_RATE, assemble
from briefing.audio.loudness import TARGET_LUFS, integrated_lufs, sample_peaks
from briefing.audio.master import HIGH_PASS_HZ, Master
from briefing.model import Clip, Script, Segment

RATE = 22050


class Collect:
    """A sink that keeps what it is given."""

    def __init__(self):
        self.blocks: list[np.ndarray] = []
        self.closed = self.aborted = False

    def write(self, samples):
        self.blocks.append(np.array(samples, copy=True))

    def close(self):
        self.closed = True

    def abort(self):
        self.aborted = True

    @property
    def samples(self) -> np.ndarray:
        return np.concatenate(self.blocks) if self.blocks else np.zeros(0, dtype=np.float32)


def speech_like(seconds: float, level_db: float, seed: int, dc: float = 0.0) -> np.ndarray:
    """Syllable-like bursts (a voiced tone with harmonics and some noise) at about `level_db`
    dBFS RMS, with sharp onsets that the limiter has to catch, and a DC offset."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(RATE * seconds)) / RATE
    f0 = 110 + 60 * rng.random()
    voice = sum(np.sin(2 * np.pi * f0 * k * t) / k for k in range(1, 12)) + 0.3 * rng.standard_normal(t.size)
    syllables = (np.sin(2 * np.pi * 4.0 * t + rng.random() * 6) > -0.2).astype(float)
    x = voice * syllables
    x *= 10 ** (level_db / 20) / np.sqrt(np.mean(x**2))
    return (x + dc).astype(np.float32)


def episode_of(levels: list[float]):
    segments = tuple(Segment("narration", f"s{i}", "n", pause_ms=400 + 300 * (i % 3)) for i in range(len(levels)))
    clips = [Clip(i, speech_like(2.0 + (i % 4), level, seed=i, dc=0.05), RATE) for i, level in enumerate(levels)]
    return Script("t", segments), clips


def test_the_chain_lands_the_episode_on_target_under_the_ceiling_in_one_pass(tmp_path):
    script, clips = episode_of([-35, -8, -22, -30, -12, -18, -25, -6, -20, -28, -15, -10])
    sink = Collect()
    master = Master(EPISODE_RATE, [sink, pcm.PcmWriter(tmp_path / "final.f32")])
    episode = assemble(script, clips, tmp_path / "final.f32", master=master)
    master.close()
    out = pcm.read_all(tmp_path / "final.f32")
    assert len(out) == episode.n_samples == master.n == master.n_out and sink.closed
    np.testing.assert_array_equal(sink.samples, out)  # every sink gets the same samples
    assert abs(integrated_lufs(out, EPISODE_RATE) - TARGET_LUFS) <= 0.3
    assert abs(master.lufs - integrated_lufs(out, EPISODE_RATE)) < 0.01
    peak_db = 20 * np.log10(sample_peaks(out, EPISODE_RATE).max())
    assert peak_db <= master.ceiling_dbtp + 0.05
    assert abs(float(out.mean())) < 5e-4  # the clips' DC offset (about 0.02 once levelled) is gone


def test_the_high_pass_takes_rumble_and_dc_and_leaves_the_voice(tmp_path):
    t = np.arange(EPISODE_RATE * 4) / EPISODE_RATE
    low, voice = 0.05 * np.sin(2 * np.pi * 20 * t), 0.05 * np.sin(2 * np.pi * 200 * t)
    sink = Collect()
    master = Master(EPISODE_RATE, [sink])
    master.write((low + voice + 0.1).astype(np.float32))
    master.close()
    out = sink.samples[EPISODE_RATE:]  # past the filter's settling

    def level_at(x, freq):
        spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
        return 20 * np.log10(spectrum[int(round(freq * len(x) / EPISODE_RATE))])

    ref = (low + voice)[EPISODE_RATE:]
    assert level_at(ref, 20) - level_at(out, 20) > 30  # 20 Hz rumble: more than 30 dB down
    assert abs(level_at(ref, 200) - level_at(out, 200)) < 0.1  # a voice's fundamental: untouched
    assert HIGH_PASS_HZ <= 60 and abs(float(out.mean())) < 1e-3


def test_each_segment_goes_out_when_it_ends_and_the_same_input_gives_the_same_samples():
    script, clips = episode_of([-20, -10, -30, -15])

    def watched(master):
        """The clips handed to the assembly one by one, checking what went out before each."""
        for clip in clips:
            yield clip
            # The clip before this one is out, all but the limiter's 1,024 samples of look-ahead.
            assert master.n - master.n_out <= 1024

    runs = []
    for _ in range(2):
        sink = Collect()
        master = Master(EPISODE_RATE, [sink])
        assemble(script, watched(master), ROOT / "unused.f32", master=master)
        master.close()
        runs.append(sink.samples)
    np.testing.assert_array_equal(runs[0], runs[1])


def test_a_failed_episode_aborts_every_sink(tmp_path):
    sinks = [Collect(), Collect()]
    master = Master(EPISODE_RATE, sinks)
    master.write(np.zeros(1000, dtype=np.float32))
    master.abort()
    assert all(s.aborted and not s.closed for s in sinks)


def ebur128(path) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) as ffmpeg's ebur128 filter measures the file."""
    done = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128=peak=true", "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    summary = done.stderr[done.stderr.rindex("Summary:") :]
    lufs = float(re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1))
    peak = float(re.search(r"True peak:\s+Peak:\s+(-?[\d.]+) dBFS", summary).group(1))
    return lufs, peak


def decoded(path) -> np.ndarray:
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "f32le", "-ac", "1", "-"], capture_output=True, check=True
    ).stdout
    return np.frombuffer(raw, dtype="<f4").copy()


@pytest.mark.parametrize("bitrate", ["64k", "96k", "128k"])
def test_the_mp3_a_listener_gets_measures_the_target_with_ffmpeg_s_meter_and_ours(runner, tmp_path, bitrate):
    from briefing.cli import app

    out = tmp_path / "orage.mp3"
    args = ["speak", str(ROOT / "examples" / "orage-bretagne.txt"), "--engine", "espeak", "--no-cache"]
    result = runner.invoke(app, [*args, "--bitrate", bitrate, "-o", str(out)])
    assert result.exit_code == 0, result.output
    lufs, peak = ebur128(out)
    assert abs(lufs - TARGET_LUFS) <= 0.3, (lufs, bitrate)  # LAME's loss made up for beforehand
    assert peak <= -1.0
    ours = integrated_lufs(decoded(out), EPISODE_RATE)
    assert abs(ours - lufs) <= 0.2  # the two meters agree on the same samples
    assert json.loads((tmp_path / "orage.chapters.json").read_text(encoding="utf-8"))["chapters"]
