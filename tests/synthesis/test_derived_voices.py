"""Derived voices: the WORLD transform on real speech (espeak-ng's), derived presets, the cache key,
and a derived voice through `briefing speak`."""

import subprocess

import numpy as np
import pytest
import soundfile as sf
from audio_checks import median_f0  # autocorrelation: a measure independent of WORLD
from helpers import write_preset

from briefing.cli import app
from briefing.engines.presets import load_voices
from briefing.errors import VoiceError
from briefing.synthesis.casting import unavailable_reason
from briefing.synthesis.render import voice_identity
from briefing.synthesis.transform import formant_ratio, shift_voice

pw = pytest.importorskip("pyworld", reason="pyworld is part of `make test` (the dev and coqui extras)")

SENTENCE = "Le conseil municipal a voté hier soir le budget de la ville, après trois heures de débat."


@pytest.fixture(scope="module")
def speech(tmp_path_factory) -> tuple[np.ndarray, int]:
    """espeak-ng's French male voice saying one sentence: real speech, with voiced and unvoiced parts."""
    wav = tmp_path_factory.mktemp("speech") / "m3.wav"
    subprocess.run(["espeak-ng", "-v", "fr+m3", "-w", str(wav), SENTENCE], check=True)
    samples, rate = sf.read(wav, dtype="float32")
    return samples, rate


def semitones(a: float, b: float) -> float:
    return 12 * np.log2(b / a)


def test_identity_is_bit_exact(speech):
    samples, rate = speech
    assert shift_voice(samples, rate, 0.0, 1.0) is samples


@pytest.mark.parametrize("shift, formant", [(3.0, 1.0), (-4.0, 0.9), (-1.0, 1.1), (0.0, 1.1), (3.0, 1.05)])
def test_pitch_and_formants_move_as_asked_and_nothing_else(speech, shift, formant):
    samples, rate = speech
    out = shift_voice(samples, rate, shift, formant)
    assert out.dtype == np.float32 and out.shape == samples.shape  # the duration to the sample
    assert float(np.max(np.abs(out))) <= max(float(np.max(np.abs(samples))), 1e-9) + 1e-6  # never clips
    assert abs(semitones(median_f0(samples, rate), median_f0(out, rate)) - shift) < 0.5
    assert abs(formant_ratio(samples, out, rate) - formant) < 0.03


def test_a_loud_clip_is_kept_below_full_scale(speech):
    samples, rate = speech
    loud = samples / np.max(np.abs(samples))  # peak at 1.0
    assert float(np.max(np.abs(shift_voice(loud, rate, 5.0, 1.2)))) <= 0.98 + 1e-6


def _folder(tmp_path, **derived):
    folder = tmp_path / "voices"
    folder.mkdir(parents=True, exist_ok=True)
    write_preset(folder, "narrateur", role="narrator", engine="espeak", voice="fr+m3", gender="male")
    write_preset(folder, "citation", role="quote", engine="espeak", voice="fr+m3", pitch=50, gender="male")
    for name, keys in derived.items():
        write_preset(folder, name, **keys)
    return folder


def test_a_derived_preset_takes_its_base_engine_and_settings(tmp_path):
    folder = _folder(
        tmp_path,
        grave={"role": "quote", "base": "citation", "pitch_shift": -3, "formant_shift": 0.92, "gender": "male"},
    )
    book = load_voices(folder)
    grave, base = book["grave"], book["citation"]
    assert (grave.engine, dict(grave.settings), grave.speed) == (base.engine, dict(base.settings), base.speed)
    assert (grave.base, grave.pitch_shift, grave.formant_shift) == ("citation", -3.0, 0.92)
    assert "grave" in book.quote_pool and unavailable_reason(grave) is None
    # the transform is part of the cache key; a preset that is not derived keeps the key it had
    assert voice_identity(grave)["transform"]["pitch_shift"] == -3.0 and "transform" not in voice_identity(base)
    assert "pitch_shift" not in base.identity()


@pytest.mark.parametrize(
    "keys, message",
    [
        ({"base": "absent"}, "base 'absent' is not a preset"),
        ({"base": "citation", "engine": "espeak"}, "speaks with its base's engine; drop 'engine'"),
        ({"base": "citation", "voice": "fr+m1"}, r"unknown key\(s\) voice; valid keys for a derived preset"),
        ({"base": "citation", "pitch_shift": 13}, "pitch_shift 13 is outside -12 to 12"),
        ({"base": "citation", "formant_shift": 2.0}, "formant_shift 2.0 is outside 0.7 to 1.4"),
        ({"base": "citation", "pitch_shift": "haut"}, "'pitch_shift' has the wrong type"),
    ],
)
def test_bad_derived_presets(tmp_path, keys, message):
    with pytest.raises(VoiceError, match=message):
        load_voices(_folder(tmp_path, mauvais={"role": "quote", **keys}))


def test_a_derived_preset_cannot_derive_from_a_derived_one(tmp_path):
    folder = _folder(
        tmp_path,
        un={"role": "quote", "base": "citation", "pitch_shift": 2},
        deux={"role": "quote", "base": "un", "pitch_shift": 2},
    )
    with pytest.raises(VoiceError, match="base 'un' is itself derived"):
        load_voices(folder)


def test_a_derived_voice_speaks_through_briefing_speak(runner, tmp_path):
    """A quote in a voice derived from an espeak-ng preset: the episode renders, the quote is
    heard 4 semitones below the same quote in the base voice, and a second run comes from the cache."""
    article = tmp_path / "a.txt"
    article.write_text(
        "Un budget voté\n\n« Nous avons voté ce budget pour les écoles et les familles de la ville », a déclaré Paul Girard.\n",
        encoding="utf-8",
    )
    rates = {}
    for name, keys in (
        ("base", {}),
        (  # citation is grave's fallback, so only grave is cast
            "grave",
            {
                "grave": {
                    "role": "quote",
                    "base": "citation",
                    "pitch_shift": -4,
                    "gender": "male",
                    "fallback": "citation",
                }
            },
        ),
    ):
        folder = _folder(tmp_path / name, **keys)
        out = tmp_path / name / "ep.mp3"
        args = ["speak", str(article), "--voices", str(folder), "--cache-dir", str(tmp_path / "cache"), "-o", str(out)]
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
        cues = (out.with_suffix(".vtt")).read_text(encoding="utf-8")
        decoded = tmp_path / name / "ep.wav"
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(out), "-ac", "1", str(decoded)], check=True)
        audio, rate = sf.read(decoded, dtype="float32")
        start, end = _cue_span(cues, "Paul Girard")
        rates[name] = median_f0(audio[int(start * rate) : int(end * rate)], rate)
        again = runner.invoke(app, args)
        assert again.exit_code == 0 and "0 synthesised" in again.stderr, again.stderr
    assert abs(semitones(rates["base"], rates["grave"]) + 4) < 0.7, rates


def _cue_span(vtt: str, voice: str) -> tuple[float, float]:
    import re

    for start, end, who in re.findall(r"(\d+:\d\d:\d\d\.\d+) --> (\d+:\d\d:\d\d\.\d+)\n<v ([^>]*)>", vtt):
        if who == voice:
            return tuple(sum(float(x) * 60**i for i, x in enumerate(reversed(t.split(":")))) for t in (start, end))
    raise AssertionError(f"no cue for {voice}")
