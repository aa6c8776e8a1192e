"""The segment cache in real renders: warm renders, edits, --no-cache, resume after a kill."""

import os
import re
import select
import signal
import subprocess
import sys

import pytest
from helpers import RUN_BRIEFING, SAME_DAY

from briefing.cli import app

ESPEAK = ["--engine", "espeak"]


def summary(result):
    m = re.search(
        r"segments: (\d+) total, (\d+) synthesised, (\d+) from cache; audio (\d+):(\d\d); wall", result.stderr
    )
    assert m, result.stderr
    return tuple(int(g) for g in m.groups()[:3])


def test_second_render_synthesises_nothing_and_an_edit_redoes_only_its_segments(runner, article, tmp_path):
    cache = ["--cache-dir", str(tmp_path / "cache"), *SAME_DAY]
    first = runner.invoke(app, ["speak", str(article), "-o", str(tmp_path / "a.mp3"), *cache, *ESPEAK])
    total, synthesised, cached = summary(first)
    assert synthesised == total and cached == 0

    again = runner.invoke(app, ["speak", str(article), "-o", str(tmp_path / "b.mp3"), *cache, *ESPEAK])
    assert summary(again) == (total, 0, total)

    edited = tmp_path / "edited.txt"
    text = article.read_text(encoding="utf-8")
    edited.write_text(text.replace("après quatre heures de débat", "après cinq heures de débat"), encoding="utf-8")
    third = runner.invoke(app, ["speak", str(edited), "-o", str(tmp_path / "c.mp3"), *cache, *ESPEAK])
    assert summary(third) == (total, 1, total - 1)  # only the edited sentence

    faster = runner.invoke(
        app, ["speak", str(article), "-o", str(tmp_path / "d.mp3"), "--speed", "1.2", *cache, *ESPEAK]
    )
    assert summary(faster) == (total, total, 0)  # another speed is another sound


def test_no_cache_neither_reads_nor_writes(runner, article, tmp_path):
    folder = tmp_path / "cache"
    result = runner.invoke(
        app, ["speak", str(article), "-o", str(tmp_path / "a.mp3"), "--no-cache", "--cache-dir", str(folder), *ESPEAK]
    )
    total, synthesised, cached = summary(result)
    assert synthesised == total and cached == 0
    assert not folder.exists() or not list(folder.rglob("*.seg"))


def test_default_cache_folder_follows_xdg(runner, article, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    runner.invoke(app, ["speak", str(article), "-o", str(tmp_path / "a.mp3"), *ESPEAK])
    assert list((tmp_path / "xdg" / "briefing" / "segments").rglob("*.seg"))


def test_cached_render_equals_a_fresh_one(runner, article, tmp_path):
    cache = ["--cache-dir", str(tmp_path / "cache"), *SAME_DAY]
    runner.invoke(app, ["speak", str(article), "-o", str(tmp_path / "warm" / "ep.mp3"), *cache, *ESPEAK])
    runner.invoke(app, ["speak", str(article), "-o", str(tmp_path / "warm" / "ep.mp3"), *cache, *ESPEAK])
    runner.invoke(
        app, ["speak", str(article), "-o", str(tmp_path / "cold" / "ep.mp3"), "--no-cache", *ESPEAK, *SAME_DAY]
    )
    assert (tmp_path / "warm" / "ep.mp3").read_bytes() == (tmp_path / "cold" / "ep.mp3").read_bytes()


# Short paragraphs: the time of a render goes with the length of its audio (loudness, encoding).
LONG = "Un long sujet\n\n" + "\n\n".join(
    f"Le conseil numéro {i} a voté un budget de {i * 1000} euros." for i in range(1, 21)
)
HELD_AT = 10  # segments in the cache when the run is killed, of the 21 of LONG


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT], ids=["SIGKILL", "SIGINT"])
def test_a_killed_run_resumes_and_gives_the_same_episode(tmp_path, sig):
    src = tmp_path / "long.txt"
    src.write_text(LONG, encoding="utf-8")
    cache = tmp_path / "cache"
    out = tmp_path / "out" / "ep.mp3"
    args = ["speak", str(src), "-o", str(out), "--cache-dir", str(cache), "--jobs", "1", *ESPEAK]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    # The render holds still after its 10th cache entry (tests/run_briefing.py) and is killed
    # there. The wait is generous: only a broken run takes that long.
    proc = subprocess.Popen(
        [sys.executable, str(RUN_BRIEFING), "--hold-after", str(HELD_AT), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    ready, _, _ = select.select([proc.stdout], [], [], 300)
    line = proc.stdout.readline() if ready else b""
    assert line == b"held\n", proc.communicate(timeout=300)[1].decode()
    proc.send_signal(sig)
    _, stderr = proc.communicate(timeout=60)
    done_before = len(list(cache.rglob("*.seg")))
    assert done_before == HELD_AT
    assert not out.exists()
    if sig == signal.SIGINT:
        assert proc.returncode == 130
        assert stderr.decode().strip().splitlines()[-1] == "briefing: interrupted; nothing was written"
        assert not [p for p in out.parent.iterdir()]  # its temporary files are gone too

    cmd = [sys.executable, "-m", "briefing", *args]
    resumed = subprocess.run(cmd, capture_output=True, env=env, timeout=300)
    assert resumed.returncode == 0, resumed.stderr.decode()
    total, synthesised, cached = (
        int(g) for g in re.search(r"(\d+) total, (\d+) synthesised, (\d+) from cache", resumed.stderr.decode()).groups()
    )
    assert cached == done_before and synthesised == total - cached
    assert sorted(p.name for p in out.parent.iterdir()) == [
        "ep.chapters.json",
        "ep.html",
        "ep.mp3",
        "ep.srt",
        "ep.vtt",
    ]  # stale temporaries removed

    fresh = tmp_path / "fresh" / "ep.mp3"
    subprocess.run(
        [sys.executable, "-m", "briefing", "speak", str(src), "-o", str(fresh), "--no-cache", "--jobs", "2", *ESPEAK],
        check=True,
        capture_output=True,
        env=env,
        timeout=300,
    )
    assert out.read_bytes() == fresh.read_bytes()


def test_progress_bar_on_a_terminal_only(tmp_path):
    """Under a pseudo-terminal (util-linux `script`) the bar shows segments, audio and ETA;
    with --quiet, or when stderr is not a terminal, only the summary line is printed."""
    import shutil

    assert shutil.which("script"), "util-linux `script` is needed for this test"
    # Three short segments: the bar is drawn at least once whatever the render's length (rich
    # draws it again when it stops), and three renders of a short text take a few seconds.
    src = tmp_path / "court.txt"
    src.write_text(
        "Un court sujet\n\nLe conseil a voté le budget.\n\nLes travaux commencent au printemps.", encoding="utf-8"
    )
    cmd = f"{sys.executable} -m briefing speak {src} -o {tmp_path / 'a.mp3'} --no-cache --engine espeak"
    tty = subprocess.run(["script", "-qec", cmd, "/dev/null"], capture_output=True, timeout=120)
    screen = tty.stdout.decode("utf-8", "replace")
    assert tty.returncode == 0, screen
    assert re.search(r"segments .*\d+/\d+.*audio \d+:\d\d ETA", screen)
    quiet = subprocess.run(["script", "-qec", cmd + " --quiet", "/dev/null"], capture_output=True, timeout=120)
    assert "ETA" not in quiet.stdout.decode("utf-8", "replace")
    piped = subprocess.run(cmd.split(), capture_output=True, timeout=120)
    assert piped.stderr.decode().count("\n") == 1 and piped.stderr.decode().startswith("segments: ")
