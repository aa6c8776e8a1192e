"""Quotations: where they are, whether they are speech, and where an incise cuts them
(who says them: attribution.py).

A paragraph becomes a list of Runs, narration and quotation alternating. Marks recognised:
« … » (French), “ … ” and „ … “ (English/German curly), "…" (straight, paired in order).
A quotation nested inside another stays part of the outer one. An opening mark never closed
runs to the end of the paragraph, as French press style does for quotes that go on across
paragraphs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from briefing.text.attribution import SPEECH_VERB, sentence_after

_PAIRS = {"«": "»", "“": "”", "„": "“", '"': '"'}


@dataclass(frozen=True)
class Run:
    """A stretch of a paragraph: narration, or the inside of one quotation (marks removed).

    A quotation cut by an incise ("« A, explique X, toxicologue. B »") is two quoted runs around
    a narration run marked `incise`; `opens` and `closes` say where the article's guillemets are.
    """

    text: str
    quoted: bool
    incise: bool = False
    opens: bool = True
    closes: bool = True


def split_quotes(paragraph: str) -> list[Run]:
    """Cut `paragraph` into alternating narration and quotation runs, in order."""
    runs: list[Run] = []
    buf: list[str] = []
    i, n = 0, len(paragraph)
    while i < n:
        ch = paragraph[i]
        if ch in _PAIRS and _opens_here(paragraph, i):
            close = _find_close(paragraph, i)
            if buf:
                runs.append(Run("".join(buf), False))
                buf = []
            inner = paragraph[i + 1 : close if close is not None else n]
            runs.append(Run(inner.strip(), True))
            i = (close + 1) if close is not None else n
            continue
        if ch in "»”":  # a stray closing mark: drop it
            i += 1
            continue
        buf.append(ch)
        i += 1
    if buf:
        runs.append(Run("".join(buf), False))
    return [r for r in runs if r.text.strip()]


def _opens_here(text: str, i: int) -> bool:
    ch = text[i]
    if ch != '"':
        return True
    # A straight quote opens when it follows a space, an opening bracket or the start.
    return i == 0 or text[i - 1] in " (\n[:'"


def _find_close(text: str, i: int) -> int | None:
    """Index of the mark that closes the quotation opened at `i`, nesting respected."""
    opener = text[i]
    closer = _PAIRS[opener]
    depth = 0
    for j in range(i + 1, len(text)):
        ch = text[j]
        if ch == closer and (closer != '"' or depth == 0):
            if depth == 0:
                return j
            depth -= 1
        elif ch == opener and opener != '"':
            depth += 1
    return None


# --- speech or not -----------------------------------------------------------------------------

# A person's or a body's name: capitalised words, with their particles ("Yann Le Gall", "Charles de Gaulle").
NAME = r"[A-ZÀ-ÖØ-Þ][\w'-]+(?:\s+(?:de\s+|d'|du\s+|van\s+|von\s+|le\s+|la\s+)?[A-ZÀ-ÖØ-Þ][\w'-]+)*"

_SENTENCE_END = re.compile(r"[.!?…]$")
_CLAUSE_BEFORE = re.compile(r"(?:\b(?:que|qu'|qu’)\s*|\b(?i:selon|pour|d'après|d’après)\s+[^,.;:!?«»]{1,40},\s*)$")
_ATTRIBUTION_AFTER = re.compile(r"^[\s,]*(?:(?:a|ont|avait|avaient)(?:-t-(?:il|elle|ils|elles))?\s+)?([\wÀ-ÿ'’-]+)")
# What a quotation inside a noun phrase or a complement follows: a determiner, a preposition.
_EMBEDDED = re.compile(
    r"(?:^|[\s('’])(?i:les|le|la|un|une|des|du|de|au|aux|à|en|par|pour|sur|avec|contre|sans|dans|comme|ses|son|sa|"
    r"leur|leurs|ces|ce|cette|cet|nos|vos|notre|votre|très|plus|si|aussi|d'|l'|d’|l’)\s*$"
)
# An incise inside a quotation: "…, explique Paul Girard, toxicologue. …", "…, dit-il, …".
_INCISE = re.compile(
    r",\s+(?P<incise>(?:(?:a|ont|avait|avaient)-t-(?:il|elle|ils|elles)\s+(?:\w+\s+)?(?P<v1>[\wÀ-ÿ]+)"
    r"|(?P<v2>[\wÀ-ÿ]+)-(?:t-)?(?:il|elle|ils|elles)"
    r"|(?:(?:a|ont|avait)\s+)?(?P<v3>[\wÀ-ÿ]+)\s+(?:[A-ZÀ-ÖØ-Þ][\w'’-]+(?:\s+[A-ZÀ-ÖØ-Þ][\w'’-]+){0,3}"
    r"|(?:le|la|l'|l’|les|un|une)\s*[\w'’-]+(?:\s+(?:de|du|des|d'|d’)\s*[\w'’-]+){0,2}))"
    r"(?:,\s+[^,.!?;«»]{1,60}?)?)\s*(?P<end>[,.!?]|$)"
)
# A sentence boundary: a stop and a space, not the dot of a title ("M. Vidal", "Mme. X", "Dr. Y").


# Words only a clause has: a subject pronoun, a negation, a conjunction ("nous ne céderons pas").
_CLAUSE_WORDS = re.compile(
    r"(?i)(?:^|[\s'’])(?:je|j'|j’|tu|il|elle|on|nous|vous|ils|elles|c'|c’|ce|ça|cela|qu'|qu’|que|n'|n’|ne|y)(?=[\s'’]|$)"
)
_SUBJECT_BEFORE = re.compile(r"(?i)\b(?:il|elle|ils|elles|on)\s*$")


def _fragment(quote: str, before: str, after: str) -> bool:
    """A quoted phrase inside a sentence that goes on: lower case, no clause word, the sentence
    neither introducing it (":", "que", ",", a subject pronoun: "Elle « appelle à … »") nor ending
    with it."""
    if quote[:1].isupper() or _CLAUSE_WORDS.search(quote):
        return False
    start = before.rstrip()
    if not start or start.endswith((":", ",", ".", "!", "?")) or _SUBJECT_BEFORE.search(start):
        return False
    if re.search(r"(?i)\bqu(?:e|'|’)\s*$", start):
        return False
    return bool(re.match(r"\s*[a-zà-ÿ]", after))


def is_speech(quote: str, before: str = "", after: str = "") -> bool:
    """True when a quotation is words said by someone rather than a title or a term.

    Six words or more is speech. From two words on, a quotation is speech when it reads as a
    sentence (capital start and final stop, or a capital start where a sentence begins), when
    it follows a colon ("a déclaré : « … »") or when an attribution follows it ("», a-t-il
    ajouté"). A single word, a name (« Sora ») or a scare-quoted term inside a sentence
    (« marionnettes de relations publiques ») is not.
    """
    words = len(quote.split())
    if _EMBEDDED.search(before) and not quote[:1].isupper():
        return False  # inside a noun phrase: "les « relations difficiles qu'il entretenait » avec…"
    if _fragment(quote, before, after):
        return False  # "a exprimé « sa très grande tristesse » du décès": a phrase, not a clause
    if words >= 6:
        return True
    if words < 2:
        return False
    capital = quote[:1].isupper()
    if capital and _SENTENCE_END.search(quote.rstrip(' »”"')):
        return words >= 3
    opens_sentence = not before.strip() or before.rstrip().endswith((".", "!", "?", "…"))
    if capital and opens_sentence and words >= 3:
        return True
    if before.rstrip().endswith(":") or (words >= 3 and _CLAUSE_BEFORE.search(before)):
        return True  # "a déclaré : « … »", "estime que « … »", "selon lui, « … »"
    # "», a-t-il ajouté", "», martèle X", "», lit-on": a reporting verb right after it.
    m = _ATTRIBUTION_AFTER.match(sentence_after(after))
    return bool(m and SPEECH_VERB.match(m.group(1)))


def split_incises(runs: list[Run], is_reporting_verb) -> list[Run]:
    """Cut each quotation at an incise (`is_reporting_verb` says whether its verb reports
    speech), so that "explique Paul Girard, toxicologue" is the narrator's and the quotation
    resumes after it in the speaker's voice."""
    out: list[Run] = []
    for run in runs:
        if not run.quoted:
            out.append(run)
            continue
        text, opens = run.text, run.opens
        while True:
            m = next(
                (
                    m
                    for m in _INCISE.finditer(text)
                    if is_reporting_verb(m.group("v1") or m.group("v2") or m.group("v3"))
                ),
                None,
            )
            rest = text[m.end() :].strip() if m else ""
            if m is None or not re.search(r"\w", rest) or m.start() == 0:
                out.append(Run(text, True, opens=opens, closes=run.closes))
                break
            out.append(Run(text[: m.start() + 1], True, opens=opens, closes=False))
            out.append(
                Run(" " + m.group("incise") + (m.group("end") if m.group("end") != "," else ","), False, incise=True)
            )
            text, opens = rest, False
    return out
