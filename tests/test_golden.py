"""The bundled examples come out byte for byte as recorded: what `make run`'s briefing writes
(MP3, VTT, SRT, chapters, page, EPUB) and what `briefing script --json` says of it. A refactor
changes none of these bytes; a change that means to (a new reading, another mix) re-records
them, and the diff of the script shows what a listener will hear differently:

    .venv/bin/python tests/test_golden.py --record

The files depend on espeak-ng's and ffmpeg's versions too, so their digests are compared only on
the versions they were recorded with (the record says which); the script is text, compared on
every machine.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "data" / "golden"
RECORD = GOLDEN / "briefing-exemple.json"
SCRIPT = GOLDEN / "briefing-exemple.script.json"
# make run's third command, with the day fixed (the intro says it, the tags hold it), espeak-ng
# named (the bundled voices fall back to it where Coqui's models are missing) and no cache.
ARGS = [
    "examples/marche-lyon.md",
    "examples/orage-bretagne.txt",
    "--title",
    "Briefing d'exemple",
    "--date",
    "2026-12-01",
    "--engine",
    "espeak",
]
SUFFIXES = (".mp3", ".vtt", ".srt", ".chapters.json", ".html", ".epub")


def tools() -> dict[str, str]:
    """The versions of the programs the files depend on."""
    espeak = subprocess.run(["espeak-ng", "--version"], capture_output=True, text=True, check=True).stdout
    ffmpeg = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True, check=True).stdout
    return {"espeak-ng": espeak.split("NG text-to-speech:")[1].split()[0], "ffmpeg": ffmpeg.split()[2]}


def briefing(*args: str, cache: Path) -> str:
    env = {"PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(cache), "HOME": str(cache)}
    done = subprocess.run(
        [sys.executable, "-m", "briefing", *args], cwd=ROOT, capture_output=True, text=True, env=env, timeout=600
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def render(folder: Path) -> dict[str, str]:
    """The SHA-256 of each file of the example briefing rendered into `folder`."""
    out = folder / "briefing-exemple.mp3"
    briefing("speak", *ARGS, "--epub", "--no-cache", "--quiet", "-o", str(out), cache=folder / "cache")
    base = str(out).removesuffix(".mp3")
    return {suffix: hashlib.sha256(Path(base + suffix).read_bytes()).hexdigest() for suffix in SUFFIXES}


def script(folder: Path) -> str:
    return briefing("script", *ARGS, "--json", cache=folder / "cache")


def test_the_example_s_script_is_as_recorded(tmp_path):
    assert script(tmp_path) == SCRIPT.read_text(encoding="utf-8")


def test_the_example_s_files_are_byte_for_byte_as_recorded(tmp_path):
    record = json.loads(RECORD.read_text(encoding="utf-8"))
    if tools() != record["tools"]:
        pytest.skip(f"recorded with {record['tools']}, this machine has {tools()}: the audio differs by design")
    assert render(tmp_path) == record["sha256"]


def record_again() -> None:
    import tempfile

    GOLDEN.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        SCRIPT.write_text(script(Path(folder)), encoding="utf-8")
        digests = render(Path(folder))
    RECORD.write_text(json.dumps({"tools": tools(), "sha256": digests}, indent=2) + "\n", encoding="utf-8")
    print(f"recorded {SCRIPT.relative_to(ROOT)} and {RECORD.relative_to(ROOT)}")


if __name__ == "__main__":
    if sys.argv[1:] != ["--record"]:
        sys.exit("usage: python tests/test_golden.py --record")
    record_again()
