"""Measure the text side: what it finds in real articles, and how fast it is on a long input.

    .venv/bin/python bench/frontend.py [--words 50000]

Prints, for the shared sample and the bundled examples: segments, quotes, attributed speakers,
the longest segment; then the time to build the Script of a ~50,000-word article, against the
audio it would make (at 150 spoken words a minute) so the ratio to synthesis time is visible.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from briefing.inputs.sources import load_article, parse_text
from briefing.text.script import ScriptOptions, build_script
from briefing.voices import load_voices

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT.parent / "shared" / "samples" / "sora-fuite.txt", *sorted((ROOT / "examples").glob("*.*"))]


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=50_000)
    args = parser.parse_args()
    book = load_voices()
    options = ScriptOptions(lexicon=book.lexicon)

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
