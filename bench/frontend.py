"""Measure the text side: what it finds in real articles, and how fast it is on a long input.

    .venv/bin/python bench/frontend.py [--words 50000]
    .venv/bin/python bench/frontend.py --sizes      # `briefing script` from 1k to 1M characters

Prints, for the test article (tests/data) and the bundled examples: segments, quotes, attributed speakers,
the longest segment; then the time to build the Script of a ~50,000-word article, against the
audio it would make (at 150 spoken words a minute) so the ratio to synthesis time is visible.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from briefing.engines.presets import load_voices
from briefing.inputs.sources import load_article, parse_text
from briefing.text.script import ScriptOptions, build_script

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "tests" / "data" / "fuite-modele-video.txt", *sorted((ROOT / "examples").glob("*.*"))]


def describe(name: str, script) -> str:
    segs = script.segments
    quotes = [s for s in segs if s.role == "quote"]
    speakers = {s.speaker for s in quotes if s.speaker}
    longest = max(len(s.text) for s in segs)
    return f"{name:<28} {len(segs):>8} {len(quotes):>6} {len(speakers):>8} {longest:>8}"


def long_article(words: int) -> str:
    paragraphs = []
    for path in SOURCES:
        if path.exists():
            text = path.read_text(encoding="utf-8")
            paragraphs += [p for p in text.split("\n\n")[1:] if len(p.split()) > 8]
    body, count, i = [], 0, 0
    while count < words:
        p = paragraphs[i % len(paragraphs)].replace("2024", str(1990 + i % 40))
        body.append(p)
        count += len(p.split())
        i += 1
    return "Un très long article\n\n" + "\n\n".join(body)


def unpunctuated(chars: int) -> str:
    """OCR-like text: one paragraph of nouns, no full stop, no comma, no conjunction to cut at."""
    rng = random.Random(0)
    words = "maison voiture jardin soleil arbre fleur rivière montagne Bretagne chantier".split()
    out, size = [], 0
    while size < chars:
        w = rng.choice(words)
        out.append(w)
        size += len(w) + 1
    return "Titre\n\n" + " ".join(out)


def sizes() -> None:
    """`briefing script` (the whole command, a fresh process) on inputs from 1k to 1M characters,
    with the growth factor from one size to the next: 10x the input should cost about 10x."""
    limit = 1024 * 1024  # briefing's limit for one article, in bytes
    print(f"{'input':<14} {'characters':>10} {'segments':>8} {'wall s':>7} {'work s':>7} {'x per 10x':>9}")
    for kind, make in (("articles", lambda n: long_article(n // 5)), ("unpunctuated", unpunctuated)):
        previous = base = None
        for chars in (1_000, 10_000, 100_000, 1_000_000):
            text = make(chars)[:chars]
            while len(text.encode("utf-8")) > limit:
                text = text[: len(text) - 1000]
            with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
                f.write(text + "\n")
            started = time.perf_counter()
            proc = subprocess.run(
                [sys.executable, "-m", "briefing", "script", f.name, "--engine", "espeak", "--json"],
                capture_output=True,
                text=True,
                check=False,
                cwd=ROOT,
            )
            wall = time.perf_counter() - started
            Path(f.name).unlink()
            if proc.returncode != 0:
                raise SystemExit(proc.stderr.strip())
            segments = len(json.loads(proc.stdout)["segments"])
            base = wall if base is None else base
            work = max(wall - base, 1e-3)  # the 1k run is start-up and imports, nearly all of it
            growth = f"{work / previous:.1f}" if previous and previous > 0.05 else "-"
            print(f"{kind:<14} {len(text):>10,} {segments:>8} {wall:>7.2f} {work:>7.2f} {growth:>9}")
            previous = work
    print(
        "wall: the whole command, start-up and imports included; work: wall minus the 1k run's "
        "(start-up); x per 10x: work / the work of the size before (linear: about 10)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=50_000)
    parser.add_argument("--sizes", action="store_true", help="time `briefing script` from 1k to 1M characters")
    args = parser.parse_args()
    if args.sizes:
        sizes()
        return
    book = load_voices()
    options = ScriptOptions(pronunciations=book.lexicon)

    print(f"{'article':<28} {'segments':>8} {'quotes':>6} {'speakers':>8} {'longest':>8}")
    for path in SOURCES:
        if path.exists():
            print(describe(path.name, build_script([load_article(str(path))], book, options)))

    text = long_article(args.words)
    words = len(text.split())
    started = time.perf_counter()
    article = parse_text(text)
    script = build_script([article], book, options)
    elapsed = time.perf_counter() - started
    audio_s = words / 150 * 60
    print(
        f"\nlong input: {words} words, {len(text)} characters -> {len(script.segments)} segments in {elapsed:.2f} s "
        f"({words / elapsed:,.0f} words/s); about {audio_s / 3600:.1f} h of speech, so the front end costs "
        f"{elapsed / audio_s * 100:.3f} % of real time (Coqui VITS on CPU runs at about 50 % of real time)"
    )


if __name__ == "__main__":
    main()
