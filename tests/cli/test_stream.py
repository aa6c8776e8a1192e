"""`briefing speak ... -o -`: the MP3 goes to standard output as it is made, tagged, and nothing
else is written: no transcripts, no page, no file named "-" (issue 30: `| mpv -` plays at once)."""

from __future__ import annotations

import os
import subprocess
import sys

from helpers import ROOT, assert_one_line_error

from briefing.cli import app

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
