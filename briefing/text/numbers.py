"""French number words: cardinals, ordinals, decimals, with the rules news text needs.

num2words(lang="fr") is right for the cardinals ("quatre-vingts", "soixante et onze",
"deux cents millions"); everything around it is done here because its own helpers are wrong
for French speech (FRENCH.md): ordinals ("quatre-vingtsième"), currency (integers read as cents),
decimals ("douze virgule cinq" for 12,50) and gender ("premier" only).
"""

from __future__ import annotations

from num2words import num2words

# Inside a spelled-out number, words are joined by NBSP so that no later cut (segment capping)
# can fall inside it; the Script turns NBSP back into plain spaces.
JOIN = "\u00a0"


def cardinal(n: int, feminine: bool = False) -> str:
    """ "21" -> "vingt et un" (or "vingt et une")."""
    if n < 0:
        return "moins" + JOIN + cardinal(-n, feminine)
    words = num2words(n, lang="fr")
    if feminine and (words == "un" or words.endswith((" un", "-un"))):
        words += "e"
    return words.replace(" ", JOIN)


def digits(s: str) -> str:
    """Read a digit string as its number, keeping leading zeros: "05" -> "zéro cinq"."""
    zeros = len(s) - len(s.lstrip("0"))
    rest = s.lstrip("0")
    parts = ["zéro"] * zeros if rest else ["zéro"] * max(1, zeros)
    if rest:
        parts.append(cardinal(int(rest)))
    return JOIN.join(parts)


def decimal(integer: str, fraction: str = "", feminine: bool = False) -> str:
    """ "3", "5" -> "trois virgule cinq"; "25", "12" -> "vingt-cinq virgule douze"."""
    words = cardinal(int(integer or "0"), feminine and not fraction)
    if fraction:
        words += JOIN + "virgule" + JOIN + digits(fraction)
    return words


_ORDINAL_STEMS = {"un": "unième", "cinq": "cinquième", "neuf": "neuvième"}


def ordinal(n: int, feminine: bool = False, plural: bool = False) -> str:
    """1 -> "premier" / "première", 2 -> "deuxième", 80 -> "quatre-vingtième", 21 -> "vingt et unième"."""
    if n == 1:
        word = "première" if feminine else "premier"
        return word + ("s" if plural else "")
    words = num2words(n, lang="fr")
    # "quatre-vingts" and "deux cents" lose their plural s before -ième.
    if words.endswith(("vingts", "cents")):
        words = words[:-1]
    head, sep, last = words.rpartition(" ")
    head2, sep2, last2 = last.rpartition("-")
    stem = _ORDINAL_STEMS.get(last2)
    if stem is None:
        stem = (last2[:-1] if last2.endswith("e") else last2) + "ième"
    word = head + sep + head2 + sep2 + stem
    if word.startswith(("un millionième", "un milliardième")):
        word = word[3:]
    return (word + ("s" if plural else "")).replace(" ", JOIN)


_ROMAN = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def roman_value(s: str) -> int | None:
    """The value of a well-formed Roman numeral, or None ("IIII", "VX" and "IC" are not)."""
    if not s or any(ch not in _ROMAN for ch in s):
        return None
    total, prev = 0, 0
    for ch in reversed(s):
        v = _ROMAN[ch]
        total = total - v if v < prev else total + v
        prev = max(prev, v)
    return total if to_roman(total) == s else None


def to_roman(n: int) -> str:
    out = []
    for value, sym in (
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ):
        while n >= value:
            out.append(sym)
            n -= value
    return "".join(out)
