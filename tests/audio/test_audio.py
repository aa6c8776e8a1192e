"""Real espeak-ng renders, measured: rate, duration, pauses, and voices told apart by pitch."""

import numpy as np
import pytest
from audio_checks import decode, ffprobe, median_f0
from helpers import ARTICLE

from briefing.audio import pcm
from briefing.audio.assembly import EPISODE_RATE, assemble
from briefing.engines import engine_class
from briefing.engines.presets import load_voices
from briefing.model import Clip, Script, Segment
from briefing.pipeline import Options, make_episode
from briefing.synthesis.casting import choose_presets
from briefing.synthesis.render import RenderOptions

RATE = 22050  # decode rate for measurements


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    folder = tmp_path_factory.mktemp("render")
    src = folder / "budget.txt"
    src.write_text(ARTICLE, encoding="utf-8")
    # espeak pinned: the bundled Coqui voices fall back to these presets where no model is downloaded
    result = make_episode([str(src)], folder / "budget.mp3", Options(render=RenderOptions(engine="espeak")))
    return result, decode(result.path, RATE)


def espeak_presets(book):
    """Each bundled voice as espeak speaks it (the Coqui presets' espeak fallbacks)."""
    return {name: c.preset for name, c in choose_presets(book, {book.narrator, *book.quote_pool}, "espeak").items()}


def test_espeak_engine_gives_float_audio():
    book = load_voices()
    engine = engine_class("espeak").load()
    audio = engine.synthesize("Bonjour à toutes et à tous.", espeak_presets(book)[book.narrator])
    assert audio.sample_rate == 22050
    assert audio.samples.dtype == np.float32
    assert 0.8 < len(audio.samples) / audio.sample_rate < 4
    assert 0.05 < np.max(np.abs(audio.samples)) <= 1.0


def test_mp3_duration_matches_the_episode(rendered):
    result, samples = rendered
    probed = float(ffprobe(result.path)["format"]["duration"])
    assert abs(probed * 1000 - result.duration_ms) < 80  # MP3 frame padding only
    assert abs(len(samples) / RATE * 1000 - result.duration_ms) < 80


def test_pauses_are_silent_and_longer_at_paragraphs(rendered):
    result, samples = rendered
    segs = result.script.segments
    gaps = {}
    for cue, nxt in zip(result.cues, result.cues[1:], strict=False):
        gap = nxt.start_ms - cue.end_ms
        assert gap == segs[cue.index].pause_ms
        lo, hi = (cue.end_ms + 30) * RATE // 1000, (nxt.start_ms - 30) * RATE // 1000
        rms = np.sqrt(np.mean(samples[lo:hi] ** 2))
        assert rms < 10 ** (-50 / 20), f"noise in the pause after segment {cue.index}"
        gaps.setdefault(segs[cue.index].pause_ms, []).append(gap)
    assert min(gaps) < 500 and max(gaps) >= 1000  # several distinct pause lengths are heard
    assert len(gaps) >= 4


def test_quote_voices_differ_from_the_narrator_by_pitch(rendered):
    result, samples = rendered
    segs = result.script.segments

    def pitch_of(voice):
        parts = [
            samples[c.start_ms * RATE // 1000 : c.end_ms * RATE // 1000]
            for c in result.cues
            if segs[c.index].voice == voice
        ]
        return median_f0(np.concatenate(parts), RATE)

    narrator = pitch_of(segs[0].voice)
    quote_voices = {s.voice for s in segs if s.role == "quote"}
    assert len(quote_voices) == 2  # two speakers, two voices
    assert 70 < narrator < 140
    for voice in quote_voices:
        assert abs(pitch_of(voice) - narrator) / narrator > 0.2, voice


def test_every_bundled_quote_voice_is_distinct_from_the_narrator():
    book = load_voices()
    presets = espeak_presets(book)
    engine = engine_class("espeak").load()
    text = "Nous avons tenu nos promesses et nous continuerons à le faire, quoi qu'il arrive."
    narrator = engine.synthesize(text, presets[book.narrator])
    f0_narrator = median_f0(narrator.samples, narrator.sample_rate)
    for name in book.quote_pool:
        audio = engine.synthesize(text, presets[name])
        assert abs(median_f0(audio.samples, audio.sample_rate) - f0_narrator) / f0_narrator > 0.15, name


def test_assemble_levels_resamples_and_places_pauses(tmp_path):
    from briefing.audio.loudness import integrated_lufs

    rate_in = 16000
    t = np.arange(rate_in) / rate_in
    loud = (0.5 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)
    quiet = (0.05 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)
    script = Script("t", (Segment("narration", "a", "n", pause_ms=500), Segment("quote", "b", "q", pause_ms=200)))
    episode = assemble(script, [Clip(0, loud, rate_in), Clip(1, quiet, rate_in)], tmp_path / "ep.f32")
    assert episode.sample_rate == EPISODE_RATE
    samples = pcm.read_all(episode.path)
    assert len(samples) == episode.n_samples
    a, b = episode.cues
    assert b.start_ms - a.end_ms == 500
    assert abs((a.end_ms - a.start_ms) - 1000) <= 2
    seg_a = samples[a.start_ms * 44100 // 1000 : a.end_ms * 44100 // 1000]
    seg_b = samples[b.start_ms * 44100 // 1000 : b.end_ms * 44100 // 1000]
    # -9 dBFS and -29 dBFS RMS in, both brought to the episode's loudness, -16 LUFS (fades aside);
    # their peaks are the limiter's business (audio/master.py), not the assembly's.
    lufs_a, lufs_b = (integrated_lufs(x, EPISODE_RATE) for x in (seg_a, seg_b))
    assert abs(lufs_a - (-16)) < 0.2 and abs(lufs_b - (-16)) < 0.2


def test_streaming_loudness_meter_matches_pyloudnorm():
    import pyloudnorm

    from briefing.audio.loudness import LoudnessMeter

    rng = np.random.default_rng(1)
    rate = 44100
    t = np.arange(rate * 30) / rate
    # Speech-like: bursts of filtered noise and tone with silences between them.
    envelope = (np.sin(2 * np.pi * 0.7 * t) > 0.2).astype(np.float32)
    x = (0.2 * rng.standard_normal(t.size) * envelope + 0.1 * np.sin(2 * np.pi * 180 * t) * envelope).astype(np.float32)
    reference = pyloudnorm.Meter(rate).integrated_loudness(x.astype(np.float64))
    meter = LoudnessMeter(rate)
    for start in range(0, x.size, 12345):  # odd chunk sizes: state must carry over
        meter.feed(x[start : start + 12345])
    assert abs(meter.integrated() - reference) < 0.05


def test_loudness_and_limiter_on_a_long_file(tmp_path):
    from briefing.audio.loudness import finish_loudness, integrated_lufs, sample_peaks
    from briefing.model import Episode

    rng = np.random.default_rng(2)
    rate = 44100
    x = (0.05 * rng.standard_normal(rate * 45)).astype(np.float32)
    x[rate * 10 : rate * 10 + 200] = 0.99  # a spike the limiter must catch, across chunk edges too
    x[rate * 20 - 100 : rate * 20 + 100] = -0.99
    src = tmp_path / "in.f32"
    x.tofile(src)
    episode = finish_loudness(Episode("t", src, rate, x.size), tmp_path)
    y = pcm.read_all(episode.path)
    assert y.size == x.size
    assert abs(integrated_lufs(y, rate) - (-16.0)) < 0.2
    assert 20 * np.log10(sample_peaks(y, rate).max()) <= -1.4


class RecordingSink:
    """Keeps what a loudness pass sends it, and how each pass ended."""

    log: list[str] = []

    def __init__(self):
        self.blocks = []
        RecordingSink.log.append("open")

    def write(self, samples):
        self.blocks.append(np.array(samples, dtype=np.float32))

    def close(self):
        RecordingSink.log.append("close")
        RecordingSink.kept = np.concatenate(self.blocks)

    def abort(self):
        RecordingSink.log.append("abort")


def test_the_kept_pass_goes_to_the_sink_whole_and_a_missed_one_is_aborted(tmp_path):
    """The gain is searched on every other 10-second chunk of this 5-minute file; the chunks it
    skips are 12 dB louder, so the first whole pass lands far off the target: its sink is
    aborted, the gain corrected from the measure, and the second pass, on target, is the one
    the sink keeps, sample for sample what the episode's file holds."""
    from briefing.audio.loudness import finish_loudness, integrated_lufs, sample_peaks
    from briefing.model import Episode

    rate, seconds = 8000, 320
    rng = np.random.default_rng(5)
    x = (0.02 * rng.standard_normal(rate * seconds)).astype(np.float32)
    chunk = rate * 10
    for start in range(0, x.size, 2 * chunk):  # chunks 0, 2, 4...: not in the search's sample
        x[start : start + chunk] *= 4
    src = tmp_path / "in.f32"
    x.tofile(src)
    RecordingSink.log = []
    episode = finish_loudness(Episode("t", src, rate, x.size), tmp_path, sink=RecordingSink)
    assert RecordingSink.log == ["open", "abort", "open", "close"]
    y = pcm.read_all(episode.path)
    assert np.array_equal(RecordingSink.kept, y)
    assert abs(integrated_lufs(y, rate) - (-16.0)) <= 0.15
    assert 20 * np.log10(sample_peaks(y, rate).max()) <= -1.4


def test_a_search_on_a_sample_lands_the_whole_episode_in_one_pass(tmp_path):
    """Even speech-like audio (bursts and pauses), 6 minutes: the gain found on one chunk in
    eight is right for the whole, so one pass makes the episode, on target."""
    from briefing.audio.loudness import finish_loudness, integrated_lufs

    rate = 8000
    rng = np.random.default_rng(6)
    t = np.arange(rate * 360) / rate
    envelope = (np.sin(2 * np.pi * 0.7 * t) > -0.2).astype(np.float32)
    x = (0.3 * rng.standard_normal(t.size) * envelope * (0.5 + 0.5 * np.sin(2 * np.pi * 3 * t))).astype(np.float32)
    src = tmp_path / "in.f32"
    x.tofile(src)
    RecordingSink.log = []
    from briefing.model import Episode

    episode = finish_loudness(Episode("t", src, rate, x.size), tmp_path, sink=RecordingSink)
    assert RecordingSink.log == ["open", "close"]
    assert abs(integrated_lufs(pcm.read_all(episode.path), rate) - (-16.0)) <= 0.15


def test_a_target_out_of_reach_is_one_pass_and_a_warning(tmp_path, caplog):
    """A full-scale 20 Hz hum (K-weighting all but ignores it) under quiet noise: reaching
    -16 LUFS would take some 30 dB of gain, all of it crushed by the limiter. The search gives
    up at the first futile step, one pass makes the episode, under the peak ceiling, and the
    user is told how loud it is."""
    from briefing.audio.loudness import finish_loudness, integrated_lufs, sample_peaks
    from briefing.model import Episode

    rate = 8000
    t = np.arange(rate * 60) / rate
    rng = np.random.default_rng(8)
    x = (0.9 * np.sin(2 * np.pi * 20 * t) + 0.003 * rng.standard_normal(t.size)).astype(np.float32)
    src = tmp_path / "in.f32"
    x.tofile(src)
    RecordingSink.log = []
    with caplog.at_level("WARNING", logger="briefing"):
        episode = finish_loudness(Episode("t", src, rate, x.size), tmp_path, sink=RecordingSink)
    assert RecordingSink.log == ["open", "close"]
    y = pcm.read_all(episode.path)
    assert integrated_lufs(y, rate) < -16.5
    assert 20 * np.log10(sample_peaks(y, rate).max()) <= -1.4
    assert any(
        "under the target of -16 LUFS" in r.getMessage() and "crushing" in r.getMessage() for r in caplog.records
    )


def test_silence_goes_to_the_sink_unchanged(tmp_path):
    from briefing.audio.loudness import finish_loudness
    from briefing.model import Episode

    x = np.zeros(8000 * 3, dtype=np.float32)
    src = tmp_path / "in.f32"
    x.tofile(src)
    RecordingSink.log = []
    episode = finish_loudness(Episode("t", src, 8000, x.size), tmp_path, sink=RecordingSink)
    assert episode.path == src and RecordingSink.log == ["open", "close"]
    assert np.array_equal(RecordingSink.kept, x)


def test_mp3_stream_gives_the_bytes_of_the_file_encoder(tmp_path):
    """Fed while the samples are made, in uneven blocks, the streamed MP3 is byte for byte the
    one ffmpeg makes from the whole file."""
    from briefing.model import Episode
    from briefing.publish.mp3 import Mp3Stream, encode_mp3

    rate = 44100
    rng = np.random.default_rng(7)
    x = (0.1 * rng.standard_normal(rate * 25)).astype(np.float32)
    src = tmp_path / "in.f32"
    x.tofile(src)
    encode_mp3(Episode("t", src, rate, x.size), tmp_path / "file.mp3", "96k")
    with Mp3Stream(tmp_path / "stream.mp3", rate, "96k") as stream:
        for start in range(0, x.size, 123_457):
            stream.write(x[start : start + 123_457])
    assert (tmp_path / "stream.mp3").read_bytes() == (tmp_path / "file.mp3").read_bytes()


def test_mp3_stream_abort_and_failure_leave_no_file(tmp_path):
    from briefing.errors import RenderError
    from briefing.publish.mp3 import Mp3Stream

    stream = Mp3Stream(tmp_path / "a.mp3", 44100, "96k")
    stream.write(np.zeros(44100 * 12, dtype=np.float32))
    stream.abort()
    assert not (tmp_path / "a.mp3").exists()
    bad = Mp3Stream(tmp_path / "b.mp3", 44100, "not-a-bitrate")
    with pytest.raises(RenderError, match="ffmpeg could not encode the MP3") as failure:
        for _ in range(40):  # ffmpeg has exited: a write or the close says so
            bad.write(np.zeros(44100, dtype=np.float32))
        bad.close()
    assert "\n" not in str(failure.value)
    assert not (tmp_path / "b.mp3").exists()


@pytest.mark.parametrize("freq", [997, 5_000, 11_025, 15_000, 18_000])
def test_true_peak_of_sines_between_their_samples(freq):
    """A sine's true peak lies between its samples (at fs/4 with a 45° phase, 3 dB above
    them): the 4x interpolation finds it, never above it, and below it at most by what a 4x
    grid can miss (0.17 dB for a peak halfway between two points at fs/4), as BS.1770's
    true-peak method allows."""
    from briefing.audio.loudness import sample_peaks

    rate = 44100
    for phase in np.linspace(0, np.pi / 2, 7):
        x = (0.5 * np.sin(2 * np.pi * freq * np.arange(rate // 10) / rate + phase)).astype(np.float32)
        found = sample_peaks(x, rate)[200:-200].max()  # away from the ends (zeros beyond them)
        assert -0.2 < 20 * np.log10(found / 0.5) < 0.01, (freq, phase)


def test_true_peak_agrees_with_soxr_oversampling_and_the_floor_changes_nothing_above_it():
    """Against 4x oversampling by soxr's best resampler on speech-like audio; above the floor the
    shortcut (only hot samples oversampled) gives the same peaks as oversampling everything."""
    import soxr

    from briefing.audio.loudness import sample_peaks

    rate = 44100
    rng = np.random.default_rng(3)
    # Bursts of band-limited noise with silences: the shape of speech, loud enough to have overs.
    noise = rng.standard_normal(rate * 4).astype(np.float32)
    envelope = np.repeat(rng.random(40) > 0.4, rate // 10).astype(np.float32)
    x = np.convolve(noise * envelope, np.hanning(9) / 4, mode="same").astype(np.float32)
    x *= np.float32(0.9 / np.abs(x).max())
    reference = np.abs(soxr.resample(x, rate, 4 * rate, quality="VHQ")).max()
    everything = sample_peaks(x, rate)
    assert abs(20 * np.log10(everything.max() / reference)) < 0.02
    floor = 0.3
    shortcut = sample_peaks(x, rate, floor)
    hot = np.abs(x) > floor
    assert np.allclose(shortcut[hot], everything[hot], rtol=1e-6, atol=0)
    quiet = ~hot
    quiet[:-1] &= ~hot[1:]  # nor just before a hot one: only the samples themselves
    assert np.array_equal(shortcut[quiet], np.abs(x)[quiet])
