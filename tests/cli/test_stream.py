"""`briefing speak ... -o -`: the MP3 goes to standard output as it is made, tagged, and nothing
else is written: no transcripts, no page, no file named "-" (issue 30: `| mpv -` plays at once)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import threading
import time

import pytest
from helpers import ROOT, assert_one_line_error
from mutagen.id3 import ID3

from briefing import pipeline
from briefing.cli import app
from briefing.errors import InputError
from briefing.pipeline import Options, make_episode, plan, synthetic_voices
from briefing.synthesis.render import RenderOptions
from briefing.text import attribution
from briefing.text.script import ScriptOptions

ORAGE = ROOT / "examples" / "orage-bretagne.txt"


def speak_to_stdout(tmp_path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"))
    return subprocess.run(
        [sys.executable, "-m", "briefing", "speak", str(ORAGE), "--engine", "espeak", *args, "-o", "-"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=300,
    )


def probe(path) -> dict:
    done = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration,format_name:format_tags=title,ai_disclosure"]
        + ["-of", "default=noprint_wrappers=1", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(line.split("=", 1) for line in done.stdout.splitlines())


def test_the_mp3_streams_to_standard_output_and_nothing_else_is_written(tmp_path):
    done = speak_to_stdout(tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(b"ID3")  # the tags first, then the frames as LAME makes them
    (tmp_path / "got.mp3").write_bytes(done.stdout)
    info = probe(tmp_path / "got.mp3")
    assert info["format_name"] == "mp3" and 40 < float(info["duration"]) < 70
    assert info["TAG:title"].startswith("Tempête en Bretagne")
    assert "synthèse" in info["TAG:ai_disclosure"]  # the disclosure travels with the stream
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache", "got.mp3"]  # no side file, no "-", no output/
    assert b"segments: 12 total" in done.stderr and b"mp3" not in done.stderr.split(b"\n")[0].lower()


def test_a_stream_takes_the_same_samples_as_the_file(tmp_path, runner):
    """The stream and the file hold the same audio. A stream has no Xing/LAME frame (it cannot
    go back to write it), so a decoder does not know to drop LAME's 1,105 samples of delay."""
    done = speak_to_stdout(tmp_path)
    assert done.returncode == 0, done.stderr
    streamed = tmp_path / "s.mp3"
    streamed.write_bytes(done.stdout)
    filed = tmp_path / "f.mp3"
    result = runner.invoke(app, ["speak", str(ORAGE), "--engine", "espeak", "-o", str(filed)])
    assert result.exit_code == 0, result.output

    def pcm(path):
        return subprocess.run(
            ["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-"], capture_output=True, check=True
        ).stdout

    stream, file = pcm(streamed), pcm(filed)
    delay = 1105 * 2  # bytes of 16-bit samples
    assert stream[delay : delay + len(file)] == file and len(stream) - delay - len(file) < 1152 * 2


def test_what_needs_a_file_is_refused_with_a_stream(runner):
    result = runner.invoke(app, ["speak", str(ORAGE), "--engine", "espeak", "--epub", "-o", "-"])
    assert_one_line_error(result, 2, "-o - streams the MP3 alone; --epub needs a file: give -o NAME.mp3")


# The head (pipeline._Head): the title is spoken while the quotations are read.

HEADING_FIRST = "Titre du jour : 3 000 emplois\n\n## Une partie\n\nLe texte dit « oui », a-t-il dit. Fin du texte."


def stream_in_process(tmp_path, name: str, sources: list, one_shot: bool, **script) -> tuple[bytes, bytes, object]:
    """make_episode to a stream (a file descriptor): its ID3 tag, its frames, and the Result."""
    script.setdefault("date", dt.date(2026, 12, 7))  # the same day for both renders compared
    options = Options(cache=False, render=RenderOptions(engine="espeak"), script=ScriptOptions(**script))
    path = tmp_path / name
    with open(path, "wb") as out:
        result = make_episode([str(s) for s in sources], "-", options, stream_fd=out.fileno(), one_shot=one_shot)
    data = path.read_bytes()
    size = 0
    for byte in data[6:10]:
        size = (size << 7) | (byte & 0x7F)
    return data[: 10 + size], data[10 + size :], result


@pytest.mark.parametrize("case", ["the example", "a briefing", "a heading after the title"])
def test_a_stream_that_speaks_its_title_first_is_the_same_stream(tmp_path, case):
    """Same frames, same Script, same cues, whether the title was spoken while the article was
    cast or after: the pause after the title is the Script's, even where what follows (a
    sub-heading) lengthens it."""
    heading = tmp_path / "heading.txt"
    heading.write_text(HEADING_FIRST, encoding="utf-8")
    sources = {
        "the example": [ORAGE],
        "a briefing": [ORAGE, ROOT / "examples" / "marche-lyon.md"],
        "a heading after the title": [heading],
    }[case]
    script = {"disclosure": False} if case == "a heading after the title" else {}
    _, after, planned = stream_in_process(tmp_path, "after.mp3", sources, False, **script)
    _, first, headed = stream_in_process(tmp_path, "first.mp3", sources, True, **script)
    assert first == after and len(first) > 10_000
    assert headed.script == planned.script and headed.cues == planned.cues
    if case == "a heading after the title":
        assert planned.script.segments[0].pause_ms > 1100  # longer than a title's own pause: a section's


def test_the_title_is_heard_while_the_article_is_cast(tmp_path, monkeypatch):
    """Casting (build_script: spaCy's load in a fresh process) waits here until the stream holds
    an audio frame: it comes, so the title did not wait for it."""
    real = pipeline.build_script
    heard = []

    def slow_build(*args, **kwargs):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not heard:
            data = (tmp_path / "first.mp3").read_bytes()
            heard.extend([True] if b"\xff\xfb" in data[10:] or b"\xff\xf3" in data[10:] else [])
            time.sleep(0.02)
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "build_script", slow_build)
    _, frames, result = stream_in_process(tmp_path, "first.mp3", [ORAGE], True)
    assert heard == [True] and len(result.script.segments) == 12 and frames


@pytest.mark.parametrize("to", ["-", "file.mp3"])
def test_one_episode_s_process_lets_spacy_go_before_the_voices_load(tmp_path, to):
    """`speak` makes one episode: spaCy's pipeline (0.3 GB) is not kept through the synthesis.
    A batch or a server (one_shot False) keeps it for the next episode."""
    options = Options(cache=False, render=RenderOptions(engine="espeak"))
    out = "-" if to == "-" else tmp_path / to
    with open(tmp_path / "stream.mp3", "wb") as stream:
        make_episode([str(ORAGE)], out, options, stream_fd=stream.fileno())
        assert attribution.pipeline.cache_info().currsize == 1
        make_episode([str(ORAGE)], out, options, stream_fd=stream.fileno(), one_shot=True)
        assert attribution.pipeline.cache_info().currsize == 0


def test_a_failure_while_casting_stops_the_stream_with_its_error(tmp_path, monkeypatch):
    def fail(*args, **kwargs):
        raise InputError("this text makes more than 5,000 segments")

    monkeypatch.setattr(pipeline, "build_script", fail)
    with pytest.raises(InputError, match="5,000 segments"):
        stream_in_process(tmp_path, "first.mp3", [ORAGE], True)
    assert (tmp_path / "first.mp3").read_bytes().startswith(b"ID3")
    assert not [t for t in threading.enumerate() if t.name == "briefing-head"]


def test_a_stream_s_tag_names_every_voice_that_may_speak_it(tmp_path):
    """Written before the article is cast, the stream's tag names the voices of the folder that
    can speak here: those that did are among them."""
    tag, _, result = stream_in_process(tmp_path, "first.mp3", [ORAGE], True)
    (tmp_path / "tag.id3").write_bytes(tag)
    named = set(ID3(tmp_path / "tag.id3").getall("TXXX:synthetic_voices")[0].text[0].split(" ; "))
    script, casting = plan([str(ORAGE)], Options(render=RenderOptions(engine="espeak")))
    spoke = set(synthetic_voices(script, casting).voices)
    assert spoke < named and all(v.startswith("espeak ") for v in named)
