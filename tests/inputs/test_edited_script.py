"""The Script is editable: `briefing speak EDITED.json` renders what `briefing script --json` printed,
after an editor's changes; checked before any synthesis."""

import json

import pytest
from helpers import assert_one_line_error

from briefing.cli import app

DATE = "2026-12-06"
ESPEAK = ["--engine", "espeak", "--date", DATE]


@pytest.fixture
def script_json(runner, article, tmp_path):
    result = runner.invoke(app, ["script", str(article), "--json", *ESPEAK])
    assert result.exit_code == 0, result.output
    path = tmp_path / "script.json"
    path.write_text(result.stdout, encoding="utf-8")
    return path


def edit(path, change) -> dict:
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return data


def speak(runner, source, out, cache):
    return runner.invoke(app, ["speak", str(source), "-o", str(out), "--cache-dir", str(cache), *ESPEAK])


def test_the_round_trip_gives_the_same_episode_byte_for_byte(runner, article, script_json, tmp_path):
    """article -> script JSON -> speak: the same MP3 and sidecars as speaking the article."""
    cache = tmp_path / "cache"
    direct, edited = tmp_path / "direct" / "ep.mp3", tmp_path / "edited" / "ep.mp3"
    assert speak(runner, article, direct, cache).exit_code == 0
    result = speak(runner, script_json, edited, cache)
    assert result.exit_code == 0, result.output
    assert "0 synthesised" in result.stderr  # every segment from the cache: the same texts and voices
    for suffix in (".mp3", ".vtt", ".srt", ".html", ".chapters.json"):
        assert direct.with_suffix(suffix).read_bytes() == edited.with_suffix(suffix).read_bytes(), suffix
    assert json.loads(script_json.read_text(encoding="utf-8"))["sources"] == [str(article)]


def test_an_edited_segment_is_the_only_one_synthesised_again(runner, article, script_json, tmp_path):
    cache = tmp_path / "cache"
    assert speak(runner, script_json, tmp_path / "a" / "ep.mp3", cache).exit_code == 0
    quote = None

    def change(data):
        nonlocal quote
        quote = next(i for i, s in enumerate(data["segments"]) if s["role"] == "quote")
        data["segments"][quote]["text"] = "Nous tiendrons nos promesses, quoi qu'il arrive."
        data["segments"][quote]["written"] = "«\u00a0Nous tiendrons nos promesses, quoi qu'il arrive.\u00a0»"
        data["segments"][quote]["pause_ms"] = 900
        del data["segments"][-1]  # a deletion
        data["segments"][1], data["segments"][2] = data["segments"][2], data["segments"][1]  # a new order

    data = edit(script_json, change)
    result = speak(runner, script_json, tmp_path / "b" / "ep.mp3", cache)
    assert result.exit_code == 0, result.output
    assert f"segments: {len(data['segments'])} total, 1 synthesised" in result.stderr
    vtt = (tmp_path / "b" / "ep.vtt").read_text(encoding="utf-8")
    assert "«\u00a0Nous tiendrons nos promesses, quoi qu'il arrive.\u00a0»" in vtt


def test_a_voice_changed_by_hand_speaks(runner, script_json, tmp_path):
    edit(script_json, lambda d: d["segments"][0].update(voice="espeak-quote-m7"))
    result = runner.invoke(app, ["script", str(script_json), "--json", *ESPEAK])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["segments"][0]["voice"] == "espeak-quote-m7"


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda d: d["segments"][2].update(voice="personne"), "segment 3: unknown voice 'personne'; voices here: "),
        (lambda d: d["segments"][1].pop("text"), "segment 2: 'text' is missing"),
        (lambda d: d["segments"][1].update(text="  "), "segment 2: 'text' is empty (delete the segment instead)"),
        (lambda d: d["segments"][4].update(pause_ms="long"), "segment 5: 'pause_ms' must be an integer, not \"long\""),
        (lambda d: d["segments"][4].update(pause_ms=60000), "segment 5: pause_ms 60000 is outside 0 to 10000"),
        (lambda d: d["segments"][0].update(role="chanson"), "segment 1: role 'chanson' is not one of title"),
        (lambda d: d["segments"][0].update(chapter=3), "segment 1: chapter 3 does not exist"),
        (lambda d: d["segments"][0].update(gender="f"), "segment 1: gender 'f' is not one of female, male or null"),
        (lambda d: d["segments"][0].update(voix="x"), "segment 1: unknown field(s) 'voix'; fields: role, text, voice"),
        (lambda d: d["segments"][0].update(speaker=3), "segment 1: 'speaker' must be a string or null, not 3"),
        (lambda d: d.update(segments=[]), "'segments' must be a non-empty list"),
        (lambda d: d.pop("title"), "'title' must be a non-empty string"),
        (lambda d: d.update(extra=1), "unknown field(s) 'extra'; a script has title, chapters, segments, sources"),
    ],
)
def test_a_bad_edit_is_a_one_line_error_and_nothing_is_written(runner, script_json, tmp_path, change, message):
    edit(script_json, change)
    out = tmp_path / "out" / "ep.mp3"
    result = speak(runner, script_json, out, tmp_path / "cache")
    assert_one_line_error(result, 2, message)
    assert not out.parent.exists() or not any(out.parent.iterdir())


def test_broken_json_and_mixed_inputs_are_refused(runner, script_json, article, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{"title": "x", "segments": [', encoding="utf-8")
    assert_one_line_error(speak(runner, broken, tmp_path / "o.mp3", tmp_path / "c"), 2, "is not valid JSON (line 1")
    result = runner.invoke(app, ["speak", str(script_json), str(article), "-o", str(tmp_path / "o.mp3"), *ESPEAK])
    assert_one_line_error(result, 2, "a script (.json) is rendered alone")
    listed = tmp_path / "list.json"
    listed.write_text("[1, 2]", encoding="utf-8")
    assert_one_line_error(speak(runner, listed, tmp_path / "o.mp3", tmp_path / "c"), 2, "is not a script")


def test_deep_json_a_bom_and_a_huge_segment(runner, script_json, tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    assert_one_line_error(speak(runner, deep, tmp_path / "o.mp3", tmp_path / "c"), 2, "nested deeper than 32 levels")

    from briefing.engines.presets import load_voices
    from briefing.inputs.script_file import load_script

    book = load_voices(None)
    bom = tmp_path / "bom.json"
    bom.write_bytes(b"\xef\xbb\xbf" + script_json.read_bytes())
    assert load_script(str(bom), book).segments == load_script(str(script_json), book).segments

    sentence = "Le conseil municipal a voté le budget, après un long débat sur les écoles. "
    data = edit(script_json, lambda d: d["segments"][1].update(text=sentence * 200, written=sentence * 200))
    script = load_script(str(script_json), book)
    pieces = len(script.segments) - len(data["segments"]) + 1
    long = script.segments[1 : 1 + pieces]
    assert pieces > 1 and all(len(s.text) <= 1_000 for s in long)
    assert " ".join(s.text for s in long) == " ".join((sentence * 200).split())
    assert long[-1].pause_ms == data["segments"][1].get("pause_ms", 0)


def test_a_fifo_and_a_closed_stdin_are_one_line_errors(runner, tmp_path):
    import os
    import subprocess
    import sys

    fifo = tmp_path / "article.txt"
    os.mkfifo(fifo)
    assert_one_line_error(runner.invoke(app, ["script", str(fifo)]), 2, "is not a regular file")
    closed = subprocess.run(
        [sys.executable, "-m", "briefing", "script", "-"], stdin=subprocess.DEVNULL, capture_output=True, text=True
    )
    assert closed.returncode == 2 and closed.stderr.strip().count("\n") == 0, closed.stderr  # empty: nothing to say
    shut = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, runpy, sys; os.close(0); sys.argv = ['briefing', 'script', '-'];"
            " runpy.run_module('briefing', run_name='__main__')",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert shut.returncode == 2 and shut.stderr.strip().count("\n") == 0, shut.stderr
    assert "standard input is closed" in shut.stderr
