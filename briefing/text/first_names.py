"""First names and the sex of their bearers, for casting a quoted person's voice.

The table beside this module (first_names.tsv) is reduced from national statistics offices' files
by tools/first_names.py: France's (INSEE, Fichier des prénoms) decides for a name with enough
bearers there (its class is then upper case: M, F, U), the other countries' files for the rest.
A name is gendered only where at least 95 % of its bearers are of one sex; "u" marks a first name
given to both (Camille, Dominique, Andrea), so it is still known as a first name.
FIRST_NAMES_SOURCES.md lists the sources and licences.

Compound names (Jean-Pierre, Anne-Sophie) are looked up whole, then by their first part. News
writes foreign names with or without their accents ("Jürgen", "Jurgen"): a name missing from the
table is looked up again without accents when that form is not ambiguous.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

TABLE = Path(__file__).with_name("first_names.tsv")
_GENDERS = {"m": "male", "f": "female", "u": None}


@functools.cache
def _table() -> tuple[dict[str, str], dict[str, str]]:
    """name -> m/f/u, and the same keyed without accents (kept only where all accented forms agree)."""
    names: dict[str, str] = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, sex = line.partition("\t")
        names[name] = sex.strip()  # m, f, u; M, F, U where France decided
    bare: dict[str, str] = {}
    clash: set[str] = set()
    for name, sex in names.items():
        key = _strip_accents(name)
        if key in bare and bare[key].lower() != sex.lower():
            clash.add(key)
        bare.setdefault(key, sex)
    for key in clash:
        bare[key] = "u"
    return names, bare


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _lookup(name: str) -> str | None:
    names, bare = _table()
    key = name.lower().strip(".,;:'’")
    for candidate in (key, key.split("-")[0]) if "-" in key else (key,):
        if candidate in names:
            return names[candidate]
        if _strip_accents(candidate) in bare:
            return bare[_strip_accents(candidate)]
    return None


def gender_of_first_name(name: str) -> str | None:
    """ "female" or "male" where at least 95 % of the name's bearers are of that sex, else None."""
    sex = _lookup(name)
    return _GENDERS.get(sex.lower()) if sex else None


def common_in_france(name: str) -> bool:
    """Whether `name` is a first name of at least 500 people born in France (INSEE): one word
    alone is taken for a person's name only then ("Catherine", not "Lyon" or "Nigeria")."""
    sex = _lookup(name)
    return bool(name[:1].isupper()) and sex is not None and sex.isupper()


def is_first_name(name: str) -> bool:
    """Whether `name` is a first name in the table, whatever its bearers' sex."""
    return bool(name[:1].isupper()) and _lookup(name) is not None
