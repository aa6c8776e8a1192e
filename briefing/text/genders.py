"""The grammatical gender of the word after a number: "trente et une stations", "vingt et un jours".

feminine_words.txt, beside this module, lists the noun and adjective forms that are feminine in at
least 90 % of their uses, reduced from Lexique 3.83 (lexique.org, CC BY-SA 4.0) by
tools/noun_genders.py; FEMININE_WORDS_SOURCES.md gives the source and the rule. Plurals in -s are
found from their singular. Lexique gives no gender to nouns that are both ("la page", "le page"):
the few of those that news counts in the feminine are listed here by hand.
"""

from __future__ import annotations

import functools
from pathlib import Path

TABLE = Path(__file__).with_name("feminine_words.txt")

# Nouns of both genders in Lexique whose counted sense in the news is feminine.
BOTH_GENDERS_COUNTED_FEMININE = frozenset("page manche œuvre".split())


@functools.cache
def _table() -> frozenset[str]:
    lines = TABLE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#")) | BOTH_GENDERS_COUNTED_FEMININE


def is_feminine(word: str) -> bool:
    """True for a feminine noun or adjective form: "personnes", "voix", "nouvelles", "députées"."""
    word = word.lower().replace("’", "'")
    table = _table()
    return word in table or (len(word) > 2 and word.endswith("s") and word[:-1] in table)
