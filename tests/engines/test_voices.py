from pathlib import Path

import pytest
from helpers import ROOT

from briefing.engines.presets import load_voices
from briefing.errors import VoiceError
from briefing.model import VoicePreset
from briefing.text.cast import Casting

BUNDLED = ROOT / "voices"


def write(folder: Path, name: str, text: str) -> None:
    (folder / f"{name}.toml").write_text(text, encoding="utf-8")


def test_bundled_voices():
    book = load_voices(BUNDLED)
    assert book.presets[book.narrator].role == "narrator"
    assert len(book.quote_pool) >= 3
    assert book.narrator not in book.quote_pool


def test_casting_same_speaker_same_voice_different_speakers_differ():
    book = load_voices(BUNDLED)
    casting = Casting(book)
    a, b = casting.voice_for("Sophie Marchand"), casting.voice_for("Paul Girard")
    assert a != b
    assert casting.voice_for("Sophie Marchand") == a
    assert casting.voice_for(None) == book.default_quote
    assert book.default_quote not in (a, b)  # named speakers do not sound like anonymous quotes


def test_casting_pins_and_wraps(tmp_path):
    write(tmp_path, "n", 'role = "narrator"\nengine = "espeak"\nvoice = "fr+m3"')
    write(tmp_path, "q1", 'engine = "espeak"\nvoice = "fr+f2"')
    write(tmp_path, "q2", 'engine = "espeak"\nvoice = "fr+m7"')
    (tmp_path / "casting.toml").write_text('default_quote = "q1"\n[speakers]\n"Ana" = "q1"\n', encoding="utf-8")
    casting = Casting(load_voices(tmp_path))
    assert casting.voice_for("Ana") == "q1"
    assert casting.voice_for("Bob") == "q2"
    assert casting.voice_for("Chloé") in ("q1", "q2")  # more speakers than voices: voices are reused


@pytest.mark.parametrize(
    "files, message",
    [
        ({"n": 'role = "narrator"\nengine = "espeak"\ncolour = "blue"'}, "unknown key"),
        ({"n": 'role = "narrator"'}, "'engine' is missing"),
        ({"n": 'role = "boss"\nengine = "espeak"'}, "role must be one of"),
        ({"n": 'role = "narrator"\nengine = "espeak"\nspeed = "fast"'}, "wrong type"),
        ({"n": 'role = "narrator"\nengine = "espeak"\nspeed = 9.0'}, "outside"),
        ({"n": 'role = "narrator"\nengine = "espeak"\nfallback = "ghost"'}, "fallback 'ghost'"),
        ({"q": 'engine = "espeak"'}, "exactly one narrator"),
        ({"n": "role = narrator"}, "cannot read"),
        ({}, "holds no preset"),
        # each engine declares its own keys, their types and their rules
        ({"n": 'role = "narrator"\nengine = "festival"'}, "unknown engine 'festival'; engines: coqui, espeak"),
        (
            {"n": 'role = "narrator"\nengine = "espeak"\nmodel = "tts_models/fr/css10/vits"'},
            r"unknown key\(s\) model; valid keys for espeak: engine, description, fallback, gender, licence, pitch, role, speed, voice",
        ),
        (
            {"n": 'role = "narrator"\nengine = "coqui"\nmodel = "x"\npitch = 40'},
            r"unknown key\(s\) pitch; valid keys for coqui",
        ),
        ({"n": 'role = "narrator"\nengine = "espeak"\npitch = 120'}, "pitch 120 is outside 0-99"),
        ({"n": 'role = "narrator"\nengine = "espeak"\npitch = "high"'}, "'pitch' has the wrong type"),
        (
            {"n": 'role = "narrator"\nengine = "coqui"\nmodel = "a"\nmodel_path = "m.pth"\nconfig_path = "c.json"'},
            "either model .* or model_path and config_path, not both",
        ),
        ({"n": 'role = "narrator"\nengine = "coqui"\nconfig_path = "c.json"'}, "config_path needs model_path"),
    ],
)
def test_invalid_voice_folders(tmp_path, files, message):
    for name, text in files.items():
        write(tmp_path, name, text)
    with pytest.raises(VoiceError, match=message):
        load_voices(tmp_path)


def test_missing_folder(tmp_path):
    with pytest.raises(VoiceError, match="does not exist"):
        load_voices(tmp_path / "nope")


def test_engine_keys_are_the_engines_own():
    """What an engine declares is all the rest of the program knows of its presets."""
    from briefing.engines import ENGINE_MODES, ENGINE_NAMES, engine_class

    assert ENGINE_MODES == ("auto", *ENGINE_NAMES) and ENGINE_NAMES == ("coqui", "espeak")
    assert set(engine_class("espeak").preset_keys) == {"voice", "pitch"}
    assert engine_class("coqui").devices == ("cpu", "cuda") and engine_class("espeak").devices == ("cpu",)
    preset = VoicePreset.of("q", "espeak", voice="fr+f2", pitch=60, speed=1.1, role="quote")
    assert preset.settings == {"voice": "fr+f2", "pitch": 60} and preset.speed == 1.1
    assert preset.get("voice") == "fr+f2" and preset.get("model") is None
    assert engine_class("espeak").label(preset) == "fr+f2"
    assert preset.identity() == {
        "name": "q",
        "engine": "espeak",
        "role": "quote",
        "speed": 1.1,
        "fallback": None,
        "pitch": 60,
        "voice": "fr+f2",
    }
