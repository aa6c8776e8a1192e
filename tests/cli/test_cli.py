"""The command line through typer's CliRunner: exit codes, outputs, one-line errors."""

import json
import re

import pytest
from audio_checks import ffprobe
from helpers import SAME_DAY, assert_one_line_error, no_episode_files

from briefing.cli import app

# The bundled narrator is a Coqui voice; these tests pin espeak so that they check the same audio
# (and print no fallback note) whether or not Coqui models are downloaded on this machine.
ESPEAK = ["--engine", "espeak"]


def test_speak_writes_a_mono_mp3(runner, article, tmp_path):
    out = tmp_path / "out" / "episode.mp3"
    result = runner.invoke(app, ["speak", str(article), "-o", str(out), *ESPEAK])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(out)
    assert result.stderr.startswith("segments: ")
    assert re.fullmatch(
        r"segments: \d+ total, \d+ synthesised, \d+ from cache; audio 0:\d\d; wall \d+\.\d s\n", result.stderr
    )
    info = ffprobe(out)
    assert info["stream"]["codec_name"] == "mp3"
    assert info["stream"]["channels"] == 1
    assert int(info["stream"]["sample_rate"]) == 44100
    assert 64_000 <= int(info["stream"]["bit_rate"]) <= 128_000
    assert 20 < float(info["format"]["duration"]) < 90
    assert info["format"]["tags"]["title"] == "Le conseil municipal adopte le budget"
    assert out.stat().st_mode & 0o044  # readable by the web server that will serve it
    assert sorted(p.name for p in out.parent.iterdir()) == [
        "episode.chapters.json",
        "episode.html",
        "episode.mp3",
        "episode.srt",
        "episode.vtt",
    ]


def test_speak_default_output_is_named_after_the_title(runner, article, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["speak", str(article), "--bitrate", "64k", *ESPEAK])
    assert result.exit_code == 0, result.output
    out = tmp_path / "output" / "le-conseil-municipal-adopte-le-budget.mp3"
    assert out.exists()
    assert int(ffprobe(out)["stream"]["bit_rate"]) == 64_000


def test_speak_several_inputs_and_stdin(runner, article, tmp_path):
    out = tmp_path / "two.mp3"
    stdin_text = "Deuxième sujet\n\nUn court paragraphe lu depuis l'entrée standard."
    result = runner.invoke(
        app, ["speak", str(article), "-", "-o", str(out), "--title", "Le journal", *ESPEAK], input=stdin_text
    )
    assert result.exit_code == 0, result.output
    assert ffprobe(out)["format"]["tags"]["title"] == "Le journal"


def test_jobs_do_not_change_the_audio(runner, article, tmp_path):
    one, two = tmp_path / "one" / "ep.mp3", tmp_path / "two" / "ep.mp3"
    assert (
        runner.invoke(
            app, ["speak", str(article), "-o", str(one), "--jobs", "1", "--no-cache", *ESPEAK, *SAME_DAY]
        ).exit_code
        == 0
    )
    assert (
        runner.invoke(
            app, ["speak", str(article), "-o", str(two), "--jobs", "2", "--no-cache", *ESPEAK, *SAME_DAY]
        ).exit_code
        == 0
    )
    assert one.read_bytes() == two.read_bytes()


def test_script_json(runner, article):
    result = runner.invoke(app, ["script", str(article), "--json", *ESPEAK])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["title"] == "Le conseil municipal adopte le budget"
    segments = data["segments"]
    for seg in segments:
        assert {"role", "speaker", "voice", "text", "pause_ms"} <= set(seg)
        assert seg["role"] in ("title", "heading", "narration", "quote", "transition")
        assert isinstance(seg["pause_ms"], int) and seg["pause_ms"] > 0
        assert seg["text"].strip()
    assert segments[0]["role"] == "title"
    assert {s["speaker"] for s in segments if s["role"] == "quote"} == {"Sophie Marchand", "Paul Girard"}


def test_script_plain_text(runner, article):
    result = runner.invoke(app, ["script", str(article), *ESPEAK])
    assert result.exit_code == 0
    assert result.stdout.startswith("# Le conseil municipal adopte le budget\n")
    assert "(Paul Girard)" in result.stdout


def test_voices_lists_presets_and_availability(runner):
    result = runner.invoke(app, ["voices"])
    assert result.exit_code == 0, result.output
    for name in (
        "espeak-narrator",
        "espeak-quote-f2",
        "espeak-quote-annie",
        "espeak-quote-m7",
    ):  # Coqui ones: test_coqui
        line = next(line for line in result.stdout.splitlines() if line.strip().startswith(name))
        assert "available" in line and "unavailable" not in line


def test_version_and_help(runner):
    assert runner.invoke(app, ["--version"]).stdout.startswith("briefing ")
    result = runner.invoke(app, ["speak", "--help"])
    assert result.exit_code == 0
    for option in ("--engine", "--voices", "--device", "--speed", "--jobs", "--no-cache", "--title"):
        assert option in result.stdout


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b"", "is empty"),
        (b"\n \n", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
        (
            b"Titre\n\n" + "Привет, как дела? Это русский текст.".encode("cp1251"),
            "not UTF-8",
        ),  # Cyrillic in cp1251: no French reading
    ],
)
def test_bad_input_files(runner, tmp_path, content, fragment):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    result = runner.invoke(app, ["speak", str(bad), "-o", str(tmp_path / "x.mp3")])
    assert_one_line_error(result, 2, fragment)
    assert no_episode_files(tmp_path)


def test_missing_input(runner, tmp_path):
    result = runner.invoke(app, ["speak", str(tmp_path / "absent.txt"), "-o", str(tmp_path / "x.mp3")])
    assert_one_line_error(result, 2, "no such file")
    assert no_episode_files(tmp_path)


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--engine", "festival"], "unknown engine 'festival'"),
        (["--device", "tpu"], "unknown device 'tpu'"),
        (["--bitrate", "320k"], "outside 64k-128k"),
    ],
)
def test_bad_options(runner, article, tmp_path, args, fragment):
    result = runner.invoke(app, ["speak", str(article), "-o", str(tmp_path / "x.mp3"), *args])
    assert_one_line_error(result, 2, fragment)
    assert no_episode_files(tmp_path)


def test_unknown_voice(runner, article, tmp_path):
    voices = tmp_path / "voices"
    voices.mkdir()
    (voices / "n.toml").write_text('role = "narrator"\nengine = "espeak"\nvoice = "fr+m3"\n')
    (voices / "casting.toml").write_text('default_quote = "absente"\n')
    result = runner.invoke(app, ["speak", str(article), "--voices", str(voices), "-o", str(tmp_path / "x.mp3")])
    assert_one_line_error(result, 2, "voice 'absente' is not a preset")
    assert no_episode_files(tmp_path)


def test_failure_while_rendering_leaves_nothing(runner, article, tmp_path):
    voices = tmp_path / "voices"
    voices.mkdir()
    (voices / "n.toml").write_text('role = "narrator"\nengine = "espeak"\nvoice = "fr+m3"\n')
    (voices / "q.toml").write_text('engine = "espeak"\nvoice = "xx-no-such-voice"\n')
    out = tmp_path / "x.mp3"
    result = runner.invoke(app, ["speak", str(article), "--voices", str(voices), "-o", str(out)])
    assert_one_line_error(result, 1, "espeak-ng failed")
    assert no_episode_files(tmp_path)


def test_unwritable_output(runner, article, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = runner.invoke(app, ["speak", str(article), "-o", str(blocker / "x.mp3"), *ESPEAK])
    assert_one_line_error(result, 2, "cannot write in")


def test_debug_shows_the_traceback(runner, tmp_path):
    result = runner.invoke(app, ["script", str(tmp_path / "absent.txt"), "--debug"])
    assert result.exit_code == 2
    assert "Traceback" in result.stderr


def test_the_process_ends_without_tearing_torch_down_but_runs_its_exit_handlers():
    """Once torch is loaded the command ends with os._exit (its teardown cost up to a second
    after the episode was on disk): what waits in the output buffers still goes out, the exit
    handlers still run (Ray's shutdown, temporary folders), the status is the command's."""
    import subprocess
    import sys

    program = (
        "import atexit, sys, torch\n"
        "atexit.register(lambda: print('exit handler ran'))\n"
        "sys.stdout.write('buffered, no newline')\n"
        "from briefing.cli import leave\n"
        "leave(int(sys.argv[1]) if sys.argv[1].isdigit() else sys.argv[1])\n"
    )
    for code, status in (("0", 0), ("3", 3), ("a message", 1)):
        done = subprocess.run([sys.executable, "-c", program, code], capture_output=True, text=True, timeout=120)
        assert done.returncode == status, done.stderr
        assert done.stdout.startswith("buffered, no newline") and "exit handler ran" in done.stdout
        assert ("a message" in done.stderr) == (code == "a message")
