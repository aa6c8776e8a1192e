"""French sentence splitting and length capping.

pysbd and Coqui's splitter apply English rules to French (FRENCH.md): abbreviations such as
"M." or "cf." end sentences there and quotations are never split. The rules here are French:
titles before a name never end a sentence, "etc." does only when a capital follows, and a
closing guillemet after the final stop belongs to the sentence it closes.
"""

from __future__ import annotations

import re

from briefing.text.abbreviations import NO_SENTENCE_END

_BOUNDARY = re.compile(
    r"""(?P<stop>[.!?…]+)          # the final stop(s)
        (?P<close>(?:\s?[»”")\]])*)  # closing marks that belong to the sentence
        (?P<space>\s+)
        (?=[«“"(\[]?\s*[A-ZÀ-ÖØ-Þ0-9])  # the next sentence starts with a capital or a digit
    """,
    re.VERBOSE,
)
_WORD_BEFORE = re.compile(r"([\w°'-]+)$")


def split_sentences(text: str) -> list[str]:
    """Split one paragraph into sentences, keeping every character but the separating spaces."""
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        if match.group("stop") == "." and not match.group("close") and _is_abbreviation(text[: match.start()]):
            continue
        end = match.end("close")
        sentences.append(text[start:end].strip())
        start = match.end()
    tail = text[start:].strip()
    if tail:
        sentences.append(tail)
    return [s for s in sentences if s]


def _is_abbreviation(before: str) -> bool:
    word = _WORD_BEFORE.search(before)
    if not word:
        return False
    token = word.group(1).split("'")[-1]
    # An initial before a surname ("J. Dupont").
    if len(token) == 1 and token.isupper():
        return True
    return token in NO_SENTENCE_END


# Where a long sentence may be cut, best first. Each pattern matches the separator; the cut
# falls after it. Only plain spaces count: the normaliser joins the words of a spelled-out
# number with NBSP ("vingt et un"), so no cut falls inside one, and commas between digits
# ("3,5") have no space after them.
_BREAKS = (
    re.compile(r"[;:] +"),
    re.compile(r", +"),
    re.compile(r" +(?=(?:et|mais|ou|car|donc|puis|alors|tandis|lorsque|parce|afin|pour|qui|que|dont|où)\b)"),
    re.compile(r"(?<=[^\d\s]) (?=[^\d\s])"),
    re.compile("\u00a0"),  # last resort: inside a number too long to say in one breath
)


def cap_length(text: str, max_chars: int) -> list[str]:
    """Cut `text` into pieces of at most `max_chars` characters at the most natural breaks.

    A cut happens at "; :" first, then at commas, then before a conjunction or relative
    pronoun, then at any space that is not inside a number ("150 000") or between two words
    of a name ("Jean Dupont"), and only as a last resort inside a spelled-out number. Each cut
    is placed nearest the middle of the candidates of its kind, so the pieces come out balanced.
    """
    text = text.strip()
    if len(text) <= max_chars:
        return [text] if text else []
    for level, pattern in enumerate(_BREAKS):
        cuts = [m.end() for m in pattern.finditer(text) if 0 < m.start() and m.end() < len(text)]
        if level == len(_BREAKS) - 2:
            cuts = [c for c in cuts if not _inside_name(text, c)]
        if cuts:
            middle = len(text) / 2
            cut = min(cuts, key=lambda c: abs(c - middle))
            return cap_length(text[:cut], max_chars) + cap_length(text[cut:], max_chars)
    # One unbroken token longer than the cap (a URL, a chemical name): leave it whole.
    return [text]


def _inside_name(text: str, cut: int) -> bool:
    """Whether `cut` falls between two capitalised words ("Jean | Dupont"). Looks back over the
    last word only: the whole text before the cut, split for every candidate, made cutting a long
    unpunctuated paragraph quadratic (10,000 words: 4 s)."""
    if not text[cut : cut + 1].isupper():
        return False
    end = cut
    while end > 0 and text[end - 1].isspace():
        end -= 1
    start = end
    while start > 0 and not text[start - 1].isspace():
        start -= 1
    return start < end and text[start].isupper()
