"""Measure who says each quotation, on a labelled corpus of real articles.

    .venv/bin/python bench/attribution.py CORPUS [--split dev|heldout|all] [--errors]

CORPUS is a folder of articles, `NAME.md` (Markdown with front matter: title, source, licence),
each beside `NAME.labels.json`, the article's quotations in order, labelled by reading it:

    {"quotes": [{"quote": "the first words of the quotation, as written",
                 "voiced": true,            # said or written by someone, at clause level
                 "speaker": "Paul Girard",  # the fullest name the text gives; "" when it says nobody
                 "aliases": ["M. Girard", "le maire"],
                 "gender": "m",             # f, m, unknown (a person the text does not gender), none
                 "kind": "person"}]}        # person, organisation, document, group

Prints per article and overall: speaker accuracy (voiced quotations), gender accuracy (people
whose gender the text or first name states), the share of named people left without a gender,
voice-gender agreement (the cast voice's register), voiced quotations left in the narrator's
voice, voice changes on quotations that are not speech, and label errors (a label that is a
pronoun, a determiner or a clause, or names nobody in the article). `--split heldout` takes every
fourth article (in name order), kept aside while the rules are tuned on the others (`dev`).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from briefing.engines.presets import load_voices
from briefing.inputs.sources import load_article
from briefing.text.attribution import PRONOUNS
from briefing.text.script import ScriptOptions, build_script

_MARKS = re.compile(r"[«»“”„\"\u00a0\u202f]")


def norm(text: str) -> str:
    text = _MARKS.sub(" ", text).replace("’", "'").lower()
    return " ".join(text.split())


@dataclass
class Tally:
    voiced: int = 0
    speaker_ok: int = 0
    gendered: int = 0
    gender_ok: int = 0
    voice_ok: int = 0
    missed: int = 0  # voiced, read by the narrator
    false_voice: int = 0  # not speech, given a voice
    people: set = field(default_factory=set)
    people_ungendered: set = field(default_factory=set)
    label_errors: list = field(default_factory=list)
    errors: list = field(default_factory=list)

    def add(self, other: Tally) -> None:
        for name in ("voiced", "speaker_ok", "gendered", "gender_ok", "voice_ok", "missed", "false_voice"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.people |= other.people
        self.people_ungendered |= other.people_ungendered
        self.label_errors += other.label_errors
        self.errors += other.errors


def quotations(script) -> list[tuple[str, object]]:
    """Each quotation's opening text with its first segment (an incise starts no new quotation)."""
    out = []
    previous = None
    for seg in script.segments:
        if seg.role == "quote" and (previous is None or previous.role != "quote" or seg.written.startswith("«")):
            out.append((norm(seg.written), seg))
        previous = seg
    return out


def score(path: Path, book) -> Tally:
    labels = json.loads(path.with_suffix(".labels.json").read_text(encoding="utf-8"))["quotes"]
    article = load_article(str(path))
    script = build_script([article], book, ScriptOptions(disclosure=False))
    found = quotations(script)
    known = {norm(q["speaker"]) for q in labels if q.get("speaker")}
    for q in labels:
        known |= {norm(a) for a in q.get("aliases", [])}
    tally = Tally()
    for q in labels:
        start = norm(q["quote"])[:30]
        match = next((seg for text, seg in found if text.startswith(start) or start.startswith(text[:30])), None)
        if not q.get("voiced"):
            if match is not None:
                tally.false_voice += 1
                tally.errors.append(f"{path.name}: not speech, voiced: «{q['quote']}»")
            continue
        tally.voiced += 1
        gold = q.get("speaker", "")
        names = {norm(gold)} | {norm(a) for a in q.get("aliases", [])} if gold else {""}
        if match is None:
            tally.missed += 1
            tally.errors.append(f"{path.name}: read by the narrator: «{q['quote']}» ({gold or 'nobody'})")
            continue
        said = norm(match.speaker or "")
        if said in names:
            tally.speaker_ok += 1
        else:
            tally.errors.append(f"{path.name}: «{q['quote']}» -> {match.speaker!r}, expected {gold!r}")
        if match.speaker and (said in PRONOUNS or said not in known):
            tally.label_errors.append(f"{path.name}: {match.speaker!r}")
        if q.get("kind") == "person" and gold:
            tally.people.add((path.name, gold))
            if match.gender is None and said in names:
                tally.people_ungendered.add((path.name, gold))
                tally.errors.append(f"{path.name}: {gold!r} has no gender ({q.get('gender')} in the labels)")
        gender = {"f": "female", "m": "male"}.get(q.get("gender", ""))
        if gender:
            tally.gendered += 1
            tally.gender_ok += match.gender == gender
            if match.gender != gender and said in names:
                tally.errors.append(f"{path.name}: {gold!r} read as {match.gender}, labelled {gender}")
            tally.voice_ok += book.presets[match.voice].gender == gender
    return tally


def pct(a: int, b: int) -> str:
    return f"{100 * a / b:5.1f} % ({a}/{b})" if b else "    -"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--split", choices=("dev", "heldout", "all"), default="all")
    parser.add_argument("--errors", action="store_true", help="list every wrong attribution")
    args = parser.parse_args()
    paths = sorted(p for p in args.corpus.glob("*.md") if p.with_suffix(".labels.json").exists())
    if not paths:
        print(f"{args.corpus}: no labelled article (NAME.md beside NAME.labels.json)", file=sys.stderr)
        return 2
    if args.split != "all":
        paths = [p for i, p in enumerate(paths) if (i % 4 == 3) == (args.split == "heldout")]
    book = load_voices()
    total = Tally()
    started = time.perf_counter()
    print(f"{'article':<16} {'speaker':>18} {'gender':>18} {'voice gender':>18} {'missed':>6} {'false':>6}")
    for path in paths:
        tally = score(path, book)
        total.add(tally)
        print(
            f"{path.stem:<16} {pct(tally.speaker_ok, tally.voiced):>18} {pct(tally.gender_ok, tally.gendered):>18} "
            f"{pct(tally.voice_ok, tally.gendered):>18} {tally.missed:>6} {tally.false_voice:>6}"
        )
    wall = time.perf_counter() - started
    print()
    print(f"articles: {len(paths)} ({args.split}), voiced quotations: {total.voiced}, {wall:.1f} s")
    print(f"speaker right:            {pct(total.speaker_ok, total.voiced)}")
    print(f"gender right:             {pct(total.gender_ok, total.gendered)}  (people the text or name genders)")
    print(f"voice of the right gender:{pct(total.voice_ok, total.gendered)}")
    print(f"named people, no gender:  {pct(len(total.people_ungendered), len(total.people))}")
    print(f"voiced, read as narration: {total.missed};  voice on a non-speech quote: {total.false_voice}")
    print(f"label errors: {len(total.label_errors)}  {total.label_errors[:12]}")
    if args.errors:
        print("\n".join(total.errors))
    return 0


if __name__ == "__main__":
    sys.exit(main())
