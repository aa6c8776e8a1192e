"""Quotations: where they are, whether they are speech, and who says them.

A paragraph becomes a list of Runs, narration and quotation alternating. Marks recognised:
« … » (French), “ … ” and „ … “ (English/German curly), "…" (straight, paired in order).
A quotation nested inside another stays part of the outer one. An opening mark never closed
runs to the end of the paragraph, as French press style does for quotes that go on across
paragraphs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_PAIRS = {"«": "»", "“": "”", "„": "“", '"': '"'}


@dataclass(frozen=True)
class Run:
    """A stretch of a paragraph: narration, or the inside of one quotation (marks removed)."""

    text: str
    quoted: bool


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


# --- attribution -----------------------------------------------------------------------------

# Speech verbs, as stems: "déclar" matches déclare, déclaré, déclarent, déclarait...
_VERBS = (
    r"(?:déclar|dit|dis|dire|ajout|affirm|expliqu|précis|indiqu|écri|soulign|martel|martèl|"
    r"estim|assur|confi|lanc|répond|poursui|conclu|insist|rappel|témoign|annonc|prévien|"
    r"prévenu|admet|admis|reconn|regrett|dénonc|plaid|résum|racont|tranch|lâch|observ|not|"
    r"jug|avert|ironis|insurg|félicit|réagi|commentt?|interrog|fait valoir|fait savoir|"
    r"s'exclam|s'interrog|s'inquièt|s'inquiét|s'étonn|défend|argu|promet|promis|critiqu|"
    r"répèt|répét|avanc|souten|soutien|souffl|glisse?|murmur|clam|cri|proclam|"
    r"répliqu|rétorqu|object|tempêt|fulmin|concè|concéd|nuanc|repren|reprit|continu|détaill|"
    r"s'emport|plaisant|avou|confess|signal|relev|relèv|constat|déplor|soupir|s'agac|s'amus|"
    r"peut-on lire|lit-on)\w*"
)
_AUX = r"(?:(?:a|ont|avait|avaient|aurait|auraient|avait|va|vont|a-t-il|a-t-elle)\s+)?"
# A person's or a body's name: capitalised words, with their particles ("Yann Le Gall", "Charles de Gaulle").
NAME = r"[A-ZÀ-ÖØ-Þ][\w'-]+(?:\s+(?:de\s+|d'|du\s+|van\s+|von\s+|le\s+|la\s+)?[A-ZÀ-ÖØ-Þ][\w'-]+)*"
_PROPER = r"(?:(?:M\.|Mme|Mlle|Dr|Pr|Me|Mgr)\s+)?" + NAME  # with its title: "M. Vidal"
_DET = r"(?i:(?:les|le|la|un|une|des|ce|cet|cette|ces|son|sa|ses|leur|leurs|notre|votre)\s+|l')"
# A capitalised head may take lower-case words after it, as names of bodies do ("l'Automobile club
# de Monaco", "la Fédération française de football"), never words that start the rest of the sentence.
_NOT_IN_NAME = (
    r"(?!(?:lors|hier|aujourd'hui|demain|et|ou|qui|que|qu'|à|au|aux|en|dans|pour|par|sur|avec|mais|après|avant|"
    r"devant|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|ce|cette|cet|ces|le|la|les|un|une|des|du|de|d')\b)"
)
_COMMON = (
    _DET
    + rf"(?:[A-ZÀ-ÖØ-Þ][\w'-]+(?:\s+{_NOT_IN_NAME}[a-zà-ÿ][\w'-]+){{0,2}}|[\w'-]+)"
    + r"(?:\s+(?:de\s+la\s+|de\s+l'|de\s+|d'|du\s+|des\s+)[\w'-]+){0,2}"
)
_NP = rf"(?P<np>{_PROPER}|{_COMMON})"
_ADVERBS = r"(?:(?:encore|alors|aussi|ensuite|enfin|également|toutefois|pourtant|déjà|simplement)\s+)?"

# After the quote: "…», a déclaré X", "…», martèle encore X", "…», ont écrit les artistes".
_AFTER_NAMED = re.compile(rf"^[\s,]*{_AUX}{_VERBS}\s+{_ADVERBS}(?:dans\s+|par\s+)?{_NP}")
# After the quote: "…», précise-t-il", "…», dit-elle" -> the last named speaker.
_AFTER_PRONOUN = re.compile(
    rf"^[\s,]*(?:{_AUX}{_VERBS}-(?:t-)?(?:il|elle|ils|elles)\b"
    rf"|(?:a|ont|avait|avaient|aurait)-(?:t-)?(?:il|elle|ils|elles)\s+{_ADVERBS}{_VERBS})"
)
# "…», lit-on dans la lettre", "peut-on lire dans le communiqué".
_AFTER_SOURCE = re.compile(rf"^[\s,]*(?:{_VERBS}-(?:t-)?on(?:\s+lire)?|peut-on lire)\s+dans\s+{_NP}")
# Before the quote: "X a déclaré : «", "X, a fait valoir que … «", "X estime que «".
_BEFORE_NAMED = re.compile(rf"{_NP}\s*,?\s+{_AUX}{_ADVERBS}{_VERBS}\b[^.!?«»]*$")
# Before the quote, a name with its apposition: "Camille Roux, urbaniste, a jugé : «".
_BEFORE_NAMED_APPOSED = re.compile(
    rf"({_PROPER})\s*,\s*[^,.!?«»A-ZÀ-ÖØ-Þ]{{1,60}}?,\s*{_AUX}{_ADVERBS}{_VERBS}\b[^.!?«»]*$"
)
# Anywhere around: "selon X".
_SELON = re.compile(rf"\b(?:[Ss]elon|[Dd]'après|[Pp]our)\s+{_NP}")
_APPOSITION = re.compile(rf"({_PROPER})\s*,?\s*$")
# A name in apposition after a common noun phrase: "le directeur régional d'Enedis, Yann Le Gall,".
_APPOSITION_AFTER = re.compile(rf"^[^,.!?;:«»]{{0,60}},\s*({_PROPER})(?=\s*(?:[,.;!?]|$))")
_LAST_PROPER = re.compile(rf"({_PROPER})(?!.*[A-ZÀ-ÖØ-Þ])")


# Adverbials that look like a speaker and never are: "a pour sa part commenté X".
ADVERBIALS = re.compile(
    r"\b(?:pour (?:sa|leur|ma|ta|notre|votre) part|de (?:son|leur|mon|ton|notre|votre) côté"
    r"|quant à (?:lui|elle|eux|elles|moi|toi|nous|vous)|à (?:son|leur) tour|pour (?:lui|elle|eux|elles))\b\s*,?\s*",
    re.IGNORECASE,
)

_SENTENCE_END = re.compile(r"[.!?…]$")
# A sentence boundary: a stop and a space, not the dot of a title ("M. Vidal", "Mme. X", "Dr. Y").
_BOUNDARY = re.compile(r"(?<=[.!?…])(?<!\bM\.)(?<!\bMme\.)(?<!\bDr\.)(?<!\bPr\.)\s")


def sentence_after(text: str) -> str:
    """The first sentence of `text` (the narration right after a quotation)."""
    return _BOUNDARY.split(text, maxsplit=1)[0]


def sentence_before(text: str) -> str:
    """The last sentence of `text` (the narration right before a quotation)."""
    return _BOUNDARY.split(text)[-1]


def is_speech(quote: str, before: str = "", after: str = "") -> bool:
    """True when a quotation is words said by someone rather than a title or a term.

    Six words or more is speech. From two words on, a quotation is speech when it reads as a
    sentence (capital start and final stop, or a capital start where a sentence begins), when
    it follows a colon ("a déclaré : « … »") or when an attribution follows it ("», a-t-il
    ajouté"). A single word, a name (« Sora ») or a scare-quoted term inside a sentence
    (« marionnettes de relations publiques ») is not.
    """
    words = len(quote.split())
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
    if before.rstrip().endswith(":"):
        return True
    after_sentence = sentence_after(after)
    return any(p.match(after_sentence) for p in (_AFTER_NAMED, _AFTER_PRONOUN, _AFTER_SOURCE))


def find_speaker(before: str, after: str, last_speaker: str | None) -> str | None:
    """Name the speaker of a quotation from the narration right `before` and `after` it.

    Returns the speaker as written ("Niko Felix", "les artistes", "la lettre"), the
    `last_speaker` for a pronoun ("précise-t-il"), or None when nothing names one. Adverbials
    ("pour sa part", "de son côté", "quant à lui") are never speakers.
    """
    before, after = ADVERBIALS.sub("", before), ADVERBIALS.sub("", after)
    after_sentence = sentence_after(after)
    m = _AFTER_SOURCE.match(after_sentence)
    if m:
        return _tidy(m.group("np"))
    m = _AFTER_NAMED.match(after_sentence)
    if m:
        np = m.group("np")
        if not np[:1].isupper():
            named = _APPOSITION_AFTER.match(after_sentence[m.end("np") :])
            if named:
                return _tidy(named.group(1))
        return _tidy(np)
    if _AFTER_PRONOUN.match(after_sentence):
        return last_speaker
    before_sentence = sentence_before(before)
    m = _BEFORE_NAMED_APPOSED.search(before_sentence)
    if m:
        return _tidy(m.group(1))
    m = _BEFORE_NAMED.search(before_sentence)
    if m:
        return _tidy(_prefer_proper(m.group("np"), before_sentence[: m.end("np")]))
    m = _AFTER_NAMED.match(before_sentence) or _AFTER_SOURCE.match(before_sentence)
    if m:  # between two quotes: "« A », ont écrit les artistes, « B »"
        return _tidy(m.group("np"))
    for text in (before_sentence, after_sentence):
        m = _SELON.search(text)
        if m:
            return _tidy(m.group("np"))
    return None


def _prefer_proper(np: str, upto: str) -> str:
    """In "le porte-parole d'OpenAI, Niko Felix, a dit", the name in apposition wins."""
    if np[:1].isupper():
        return np
    m = _APPOSITION.search(upto[: -len(np)].rstrip(" ,")) if upto.endswith(np) else None
    return m.group(1) if m else np


def _tidy(name: str) -> str:
    return name.strip(" ,'")
