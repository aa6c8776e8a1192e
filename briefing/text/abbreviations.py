"""French abbreviations, once: how each is said, and which never end a sentence.

The normaliser spells the ones in ABBREVIATIONS out (a case-sensitive whitelist: "M." before a
name is "monsieur", "5 m." is five metres and is left to the units rule); the sentence splitter
does not end a sentence after any of their written forms, nor after the ones in READ_AS_WRITTEN,
which are common in news text but read as they are written ("art. 12", "et al.", "fig. 3").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_UPPER = "A-ZÀ-ÖØ-Þ"
_NAME_AHEAD = rf"(?=[ \u00a0]+[{_UPPER}])"


@dataclass(frozen=True)
class Abbreviation:
    pattern: re.Pattern  # where it is spelled out (with the context that makes it one)
    spoken: str
    written: tuple[str, ...] = ()  # its forms before a final dot: a sentence never ends after them


def _abbr(pattern: str, spoken: str, *written: str) -> Abbreviation:
    return Abbreviation(re.compile(pattern), spoken, written)


ABBREVIATIONS: tuple[Abbreviation, ...] = (
    _abbr(r"\bav\.\s?J\.-C\.?", "avant Jésus-Christ", "av"),
    _abbr(r"\bapr\.\s?J\.-C\.?", "après Jésus-Christ", "apr"),
    _abbr(r"\bJ\.-C\.", "Jésus-Christ"),
    _abbr(r"\bc\.-à-d\.?", "c'est-à-dire"),
    _abbr(rf"\bMM\.{_NAME_AHEAD}", "messieurs", "MM"),
    _abbr(rf"\bM\.{_NAME_AHEAD}", "monsieur", "M"),
    _abbr(rf"\bMmes\b\.?{_NAME_AHEAD}", "mesdames", "Mmes"),
    _abbr(rf"\bMme\b\.?{_NAME_AHEAD}", "madame", "Mme"),
    _abbr(rf"\bMlles\b\.?{_NAME_AHEAD}", "mesdemoiselles", "Mlles"),
    _abbr(rf"\bMlle\b\.?{_NAME_AHEAD}", "mademoiselle", "Mlle"),
    _abbr(rf"\bDrs?\b\.?{_NAME_AHEAD}", "docteur", "Dr", "Drs"),
    _abbr(rf"\bPr\b\.?{_NAME_AHEAD}", "professeur", "Pr"),
    _abbr(rf"\bMe\b\.?{_NAME_AHEAD}", "maître", "Me"),
    _abbr(rf"\bMgr\b\.?{_NAME_AHEAD}", "monseigneur", "Mgr"),
    _abbr(r"\bSte-(?=[A-ZÀ-Þ])", "Sainte-", "Ste"),
    _abbr(r"\bSt-(?=[A-ZÀ-Þ])", "Saint-", "St"),
    _abbr(r"\bcf\.?(?=\s)", "confère", "cf"),
    _abbr(r"\betc\.(?:\s*\.)?", "ètcétéra."),  # ends a sentence when a capital follows
    _abbr(r"\betc\b", "ètcétéra"),
    _abbr(r"\bpp\.\s?(?=\d)", "pages ", "pp"),
    _abbr(r"\bp\.\s?(?=\d)", "page ", "p"),
    _abbr(r"(?:\b[nN]°|\bN[o°]\.?)\s?(?=\d)", "numéro ", "No", "no", "n°"),
    _abbr(r"[nN]°", "numéro"),
    _abbr(r"\bvol\.\s?(?=\d)", "volume ", "vol"),
    _abbr(r"\bchap\.\s?(?=\d)", "chapitre ", "chap"),
    _abbr(r"\benv\.(?=\s)", "environ", "env"),
    _abbr(r"(?<=\d)\s?hab\.?(?=[\s,.;]|$)", " habitants", "hab"),
    _abbr(r"\bbd\b\.?(?=\s)", "boulevard"),
    _abbr(r"(?<=\d )av\.(?=\s)", "avenue", "av"),
    _abbr(r"\bvs\.?(?=\s)", "contre", "vs"),
)

READ_AS_WRITTEN = frozenset("Sts Stes art al éd min max sq fig coll dir trad réf ibid op cit".split())

# Written forms after which a full stop never ends a sentence.
NO_SENTENCE_END = frozenset(form for a in ABBREVIATIONS for form in a.written) | READ_AS_WRITTEN
