"""Spell French news text out for speech, before any engine sees it.

No engine reads French news correctly on its own (FRENCH.md): Coqui leaves numbers to an English
phonemiser, espeak-ng misreads "1re", "XXIe", "14h30" and "M.", num2words has gender and
currency traps. `Normaliser.normalise()` turns one sentence into exactly what a voice should
say: no digits, no symbols a voice would read literally (% € $ £ & / @ # *), no URL.

Rules run in a fixed order, most specific first: abbreviations, web litter, the user's lexicon,
phone numbers, times and dates, ranges and signs, money, percent and units, ordinals and Roman
numerals, plain numbers, acronyms, then symbols. Spelled-out numbers are joined with NBSP (numbers.JOIN)
so that segment capping never cuts inside one.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping

from briefing.text.abbreviations import ABBREVIATIONS
from briefing.text.dates import MONTHS
from briefing.text.genders import is_feminine
from briefing.text.numbers import JOIN, cardinal, decimal, digits, ordinal, roman_value

_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿœæ"

# --- numbers as written in French news ---------------------------------------------------------
# Thousands grouped by space, NBSP, narrow NBSP or dot ("150 000", "1.302.775"), or not at all;
# decimals after a comma ("3,5"), or after a dot when 1-2 digits follow ("1.5", English style).
_INT = r"\d{1,3}(?:[ \u00a0\u202f.]\d{3})+(?!\d)|\d+"
_NUM = rf"(?:{_INT})(?:,\d+|\.\d{{1,2}}(?!\d))?"
_NUM_RE = re.compile(rf"(?<![\w,.])(?P<num>{_NUM})")


def _parse(num: str) -> tuple[str, str]:
    """ "150 000,5" -> ("150000", "5"); "1.5" -> ("1", "5"); "8.000" -> ("8000", "")."""
    num = num.strip()
    integer, fraction = num, ""
    if "," in num:
        integer, fraction = num.split(",", 1)
    elif re.search(r"\.\d{1,2}$", num):
        integer, fraction = num.rsplit(".", 1)
    return re.sub(r"[ \u00a0\u202f.]", "", integer), fraction


def _value(num: str) -> float:
    integer, fraction = _parse(num)
    return float(f"{integer or 0}.{fraction or 0}")


def spell_number(num: str, feminine: bool = False) -> str:
    integer, fraction = _parse(num)
    if len(integer) > 15:  # a code, not a quantity: read in pairs, as French reads phone numbers
        return JOIN.join(digits(g) for g in re.findall(r"\d{1,2}", integer))
    return decimal(integer, fraction, feminine)


def _next_word(text: str, end: int) -> str:
    m = re.match(r"[\s\u00a0]*(?:de\s+|d')?([\w'-]+)", text[end:])
    return m.group(1).lower() if m else ""


# --- letters, acronyms ---------------------------------------------------------------------------
# fmt: off
LETTERS = {
    "A": "a", "B": "bé", "C": "cé", "D": "dé", "E": "e", "F": "effe", "G": "gé", "H": "ache",
    "I": "i", "J": "ji", "K": "ka", "L": "elle", "M": "emme", "N": "enne", "O": "o", "P": "pé",
    "Q": "ku", "R": "erre", "S": "esse", "T": "té", "U": "u", "V": "vé", "W": "double vé",
    "X": "ixe", "Y": "i grec", "Z": "zède", "É": "é",
}
# fmt: on

# Acronyms said as words, and how. Anything else in capitals is spelled letter by letter when it
# cannot be pronounced (SNCF, PSG, RATP), read as a word when it can (and is 4+ letters: PARIS).
# fmt: off
ACRONYM_WORDS = {
    "ONU": "onu", "OTAN": "otan", "UNESCO": "unesco", "UNICEF": "unicef", "INSEE": "insé",
    "NASA": "nasa", "SIDA": "sida", "OPEP": "opèpe", "ENA": "éna", "CAC": "cac", "COP": "cop",
    "OVNI": "ovni", "ZAD": "zad", "SMIC": "smic", "FIFA": "fifa", "UEFA": "uéfa", "CNIL": "cnil",
    "CNES": "cnèsse", "CERN": "cerne", "OMS": "o emme esse", "INSERM": "insèrme", "CNRS": "cé enne erre esse",
    "SAMU": "samu", "MEDEF": "médef", "URSSAF": "urssaf", "ASSEDIC": "assédic", "ONG": "o enne gé",
    "PIB": "pé i bé", "OCDE": "o cé dé e", "BCE": "bé cé e", "FMI": "effe emme i", "UE": "u e",
    "USA": "u esse a", "JO": "ji o", "IA": "i a", "TVA": "té vé a", "EDF": "e dé effe", "PSG": "pé esse gé",
    "OM": "o emme", "OL": "o elle", "RER": "erre e erre", "TGV": "té gé vé", "GIEC": "giec",
    "ADN": "a dé enne", "ARN": "a erre enne", "LGV": "elle gé vé", "PDG": "pé dé gé", "BFM": "bé effe emme",
    "CGT": "cé gé té", "CFDT": "cé effe dé té", "PS": "pé esse", "LR": "elle erre", "RN": "erre enne",
    "LFI": "elle effe i", "EELV": "e e elle vé", "SNCF": "esse enne cé effe", "RATP": "erre a té pé",
    "NATO": "nato", "UNEF": "unèfe", "CAF": "caf", "CHU": "cé ache u", "HLM": "ache elle emme",
    "COVID": "covid", "ISF": "i esse effe", "IFI": "ifi", "RSA": "erre esse a", "CDI": "cé dé i",
    "CDD": "cé dé dé", "PME": "pé emme e", "TPE": "té pé e", "BTP": "bé té pé", "SMS": "esse emme esse",
    "PC": "pé cé", "TV": "té vé", "BD": "bé dé", "DJ": "di djé", "VIP": "vé i pé", "OK": "o ké",
    "UFC": "u effe cé", "ASN": "a esse enne", "AFP": "a effe pé", "INA": "ina", "CSA": "cé esse a",
    "ARCOM": "arcom", "ANSM": "a enne esse emme", "HAS": "ache a esse", "OGM": "o gé emme",
    "PMA": "pé emme a", "GPA": "gé pé a", "IVG": "i vé gé", "SDF": "esse dé effe", "BAC": "bac",
    "ETI": "e té i", "RGPD": "erre gé pé dé", "CEO": "si i o", "PDF": "pé dé effe", "USB": "u esse bé",
    "GPS": "gé pé esse", "UK": "u ka", "US": "u esse", "NBA": "enne bé a", "NFL": "enne effe elle",
    # Said as words although the rule below would spell them (too few vowels, or three letters).
    "CIRC": "circ", "ANO": "ano", "ADEME": "adème", "ANSES": "ansèsse", "IFOP": "ifope", "CROUS": "crousse",
    "UNEDIC": "unédic", "FNAC": "fnac", "NUPES": "nupèsse", "ESA": "éza", "CAPES": "capèsse", "ZEP": "zèpe",
    "PACS": "pacse", "DARPA": "darpa", "SENAT": "sénat",
}
# fmt: on

_VOWELS = set("AEIOUYÀÂÉÈÊËÎÏÔÛÙÜ")


def pronounceable(word: str) -> bool:
    """Can a capitalised word be read as a word (PARIS, NASA) rather than spelled (SNCF)?

    The rule for acronyms not in ACRONYM_WORDS: three letters or fewer are spelled, since most
    French ones are (UDI, ASE, EPA; ONU, ENA and ANO are in the lexicon); four and more are read as
    a word when at least a third of the letters are vowels and no three consonants follow each other
    (OTAN, UNESCO), spelled otherwise (SNCF, CHSCT).
    """
    if len(word) < 4:
        return False
    vowels = sum(ch in _VOWELS for ch in word)
    if 3 * vowels < len(word):
        return False
    run = 0
    for ch in word:
        run = 0 if ch in _VOWELS else run + 1
        if run >= 3:
            return False
    return True


def spell_letters(word: str) -> str:
    return JOIN.join(LETTERS.get(ch, ch.lower()) for ch in word.upper() if ch.isalpha())


# Short French words that a headline in capitals spells like acronyms ("EN DIRECT", "LA UNE").
CAPITALISED_WORDS = frozenset(
    """A À AU AUX CE CES DE DES DU EN ET IL ILS ELLE LA LE LES LUI MA MAIS MES MON NE NI NON NOS NOUS
    ON OU OÙ OUI PAR PAS POUR QUE QUI SA SES SI SON SUR TA TES TON UN UNE VOS VOUS Y ÇA EST FIN ANS VIE
    ROI LOI ART DIT FAIT TOUT TOUS SANS AVEC DANS CHEZ VERS""".split()
)


def say_acronym(word: str) -> str:
    if word in CAPITALISED_WORDS:
        return word.lower()
    if word in ACRONYM_WORDS:
        return ACRONYM_WORDS[word].replace(" ", JOIN)
    if pronounceable(word):
        return word.lower()
    return spell_letters(word)


# --- units ----------------------------------------------------------------------------------------
# symbol -> (singular, plural). Only matched right after a number.
# fmt: off
UNITS = {
    "km/h": ("kilomètre heure", "kilomètres heure"),
    "km²": ("kilomètre carré", "kilomètres carrés"), "km2": ("kilomètre carré", "kilomètres carrés"),
    "m²": ("mètre carré", "mètres carrés"), "m2": ("mètre carré", "mètres carrés"),
    "m³": ("mètre cube", "mètres cubes"), "m3": ("mètre cube", "mètres cubes"),
    "km³": ("kilomètre cube", "kilomètres cubes"), "cm³": ("centimètre cube", "centimètres cubes"),
    "cm²": ("centimètre carré", "centimètres carrés"),
    "km": ("kilomètre", "kilomètres"), "cm": ("centimètre", "centimètres"), "mm": ("millimètre", "millimètres"),
    "m": ("mètre", "mètres"), "kg": ("kilo", "kilos"), "mg": ("milligramme", "milligrammes"),
    "g": ("gramme", "grammes"), "t": ("tonne", "tonnes"), "l": ("litre", "litres"), "L": ("litre", "litres"),
    "cl": ("centilitre", "centilitres"), "ml": ("millilitre", "millilitres"), "ha": ("hectare", "hectares"),
    "°C": ("degré Celsius", "degrés Celsius"), "°F": ("degré Fahrenheit", "degrés Fahrenheit"),
    "°": ("degré", "degrés"),
    "kWh": ("kilowattheure", "kilowattheures"), "MWh": ("mégawattheure", "mégawattheures"),
    "GWh": ("gigawattheure", "gigawattheures"), "TWh": ("térawattheure", "térawattheures"),
    "kW": ("kilowatt", "kilowatts"), "MW": ("mégawatt", "mégawatts"), "GW": ("gigawatt", "gigawatts"),
    "W": ("watt", "watts"), "Go": ("giga-octet", "giga-octets"), "Mo": ("méga-octet", "méga-octets"),
    "To": ("téra-octet", "téra-octets"), "Ko": ("kilo-octet", "kilo-octets"),
    "GHz": ("gigahertz", "gigahertz"), "MHz": ("mégahertz", "mégahertz"), "kHz": ("kilohertz", "kilohertz"),
    "Hz": ("hertz", "hertz"), "dB": ("décibel", "décibels"), "min": ("minute", "minutes"),
    "ms": ("milliseconde", "millisecondes"), "mn": ("minute", "minutes"), "sec": ("seconde", "secondes"),
    "ans": ("an", "ans"), "pts": ("point", "points"), "pt": ("point", "points"),
}
# fmt: on
# What a unit is counted per, after a slash: UNITS, and these.
_PER = {
    "h": "heure",
    "s": "seconde",
    "j": "jour",
    "an": "an",
    "mois": "mois",
    "jour": "jour",
    "semaine": "semaine",
    "hab": "habitant",
    "habitant": "habitant",
    "personne": "personne",
    "nuit": "nuit",
    "unité": "unité",
}
_PER_ALT = "|".join(re.escape(u) for u in sorted(set(_PER) | set(UNITS), key=len, reverse=True))
_UNIT_ALT = "|".join(re.escape(u) for u in sorted(UNITS, key=len, reverse=True))

# --- money ---------------------------------------------------------------------------------------
# fmt: off
CURRENCIES = {
    "€": ("euro", "euros"), "EUR": ("euro", "euros"), "$": ("dollar", "dollars"), "US$": ("dollar", "dollars"),
    "USD": ("dollar", "dollars"), "£": ("livre", "livres"), "GBP": ("livre", "livres"),
    "¥": ("yen", "yens"), "CHF": ("franc suisse", "francs suisses"), "₽": ("rouble", "roubles"),
    "₹": ("roupie", "roupies"), "₩": ("won", "wons"), "₺": ("livre turque", "livres turques"),
}
# fmt: on
# The words an amount ends with, before "/mois", "/kg": "euros/mois" is "euros par mois".
_AMOUNT_WORDS = "|".join(
    sorted(
        {w.split()[-1] for pair in list(CURRENCIES.values()) for w in pair} | {"centime", "centimes"},
        key=len,
        reverse=True,
    )
)
_CUR_SYM = r"US\$|€|\$|£|¥|₽|₹|₩|₺"
_CUR_CODE = r"EUR|USD|GBP|CHF"
# Scales written after the amount: "21,6 M€", "1,5 Md$", "£100m", "$5bn", "10 k€".
# fmt: off
SCALES = {
    "k": ("mille", "mille", False), "K": ("mille", "mille", False),
    "M": ("million", "millions", True), "m": ("million", "millions", True), "mn": ("million", "millions", True),
    "Mn": ("million", "millions", True), "Md": ("milliard", "milliards", True), "Mds": ("milliard", "milliards", True),
    "Mrd": ("milliard", "milliards", True), "Mrds": ("milliard", "milliards", True),
    "bn": ("milliard", "milliards", True), "Bn": ("milliard", "milliards", True), "B": ("milliard", "milliards", True),
    "million": ("million", "millions", True), "millions": ("million", "millions", True),
    "milliard": ("milliard", "milliards", True), "milliards": ("milliard", "milliards", True),
}
# fmt: on
_SCALE_ALT = r"milliards|milliard|millions|million|Mrds|Mrd|Mds|Md|Mn|mn|bn|Bn|M|m|k|K|B"
_MONEY_AFTER = re.compile(
    rf"(?<![\w,.])(?P<num>{_NUM})[ \u00a0\u202f]?"
    rf"(?:(?P<scale>{_SCALE_ALT})[ \u00a0\u202f]?)?(?P<cur>{_CUR_SYM}|{_CUR_CODE}\b)"
)
_CURRENCY_WORDS = {
    "euro": "€",
    "euros": "€",
    "dollar": "$",
    "dollars": "$",
    "francs suisses": "CHF",
    "franc suisse": "CHF",
    "livres sterling": "£",
    "livre sterling": "£",
}
_MONEY_WORD = re.compile(
    rf"(?<![\w,.])(?P<num>(?:{_INT})(?:,\d{{2}}|\.\d{{2}})(?!\d))[ \u00a0\u202f]"
    r"(?P<cur>francs suisses|franc suisse|livres sterling|livre sterling|euros?|dollars?)\b",
    re.IGNORECASE,
)
_MONEY_BEFORE = re.compile(
    rf"(?P<cur>{_CUR_SYM}|\b{_CUR_CODE})[ \u00a0\u202f]?(?P<num>{_NUM})(?:[ \u00a0\u202f]?(?P<scale>{_SCALE_ALT})\b)?"
)


def say_money(num: str, currency: str, scale: str | None) -> str:
    singular, plural = CURRENCIES[currency]
    value = _value(num)
    integer, fraction = _parse(num)
    if scale:
        scale_one, scale_many, takes_de = SCALES[scale]
        scale_word = scale_one if value < 2 else scale_many
        unit = plural
        words = spell_number(num) + JOIN + scale_word
        if takes_de:
            return words + JOIN + ("d'" + unit if unit[0] in "aeiouyéè" else "de" + JOIN + unit)
        return words + JOIN + unit
    feminine = singular.startswith("livre") or singular.startswith("roupie")
    if fraction and len(fraction) <= 2:
        cents = int(fraction.ljust(2, "0"))
        euros = int(integer or "0")
        if euros == 0:
            return cardinal(cents) + JOIN + ("centime" if cents == 1 else "centimes")
        head = cardinal(euros, feminine) + JOIN + (singular if euros < 2 else plural)
        if currency in ("€", "EUR", "CHF") and cents:
            return head + JOIN + cardinal(cents)
        return head + (
            JOIN + "et" + JOIN + cardinal(cents) + JOIN + ("cent" if cents == 1 else "cents") if cents else ""
        )
    words = spell_number(num, feminine)
    return words + JOIN + (singular if value < 2 else plural)


# --- dates and times -----------------------------------------------------------------------------
_MONTH_ALT = "|".join(MONTHS)


def say_date(day: int, month: int, year: str | None) -> str:
    words = (ordinal(1) if day == 1 else cardinal(day)) + JOIN + MONTHS[month - 1]
    if year:
        y = int(year)
        if len(year) == 2:
            y += 2000 if y < 50 else 1900
        words += JOIN + cardinal(y)
    return words


def say_time(hours: int, minutes: int | None) -> str:
    words = cardinal(hours, feminine=True) + JOIN + ("heure" if hours < 2 else "heures")
    if minutes:
        words += JOIN + cardinal(minutes, feminine=True)
    return words


# Roman numerals after these words are read as cardinals ("chapitre IV" -> "chapitre quatre").
_ROMAN_NOUNS = "chapitre|tome|acte|scène|titre|article|livre|partie|saison|volume|épisode|phase|Vatican|Occident|Orient"
_NOT_NAMES = frozenset(
    "Le La Les Un Une Des Du De Et Ou En Au Aux Ce Ces Cette Son Sa Ses Il Elle On Nous Vous Ils Elles".split()
)

_URL = re.compile(
    r"\b(?:https?://|www\.)[^\s<>«»\"]*[^\s<>«»\".,;:!?)]|\b[\w-]+(?:\.[\w-]+)*\.(?:fr|com|org|net|eu|io|info|gouv\.fr|be|ch|ca|de|uk|co)\b(?:/[^\s<>«»\"]*)?",
    re.IGNORECASE,
)
_EMAIL = re.compile(r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b")
_HANDLE = re.compile(r"(?<![\w@])@(\w{1,40})")
_HASHTAG = re.compile(r"(?<![\w&])#(\w+)")
_CAMEL = re.compile(rf"(?<=[{_LOWER}])(?=[{_UPPER}])")
_TAG = re.compile(r"</?[A-Za-z][^<>]{0,200}>")
_EDITORIAL_CUT = re.compile(r"[\[(]\s*(?:\.\.\.|…)\s*[\])]")
_INSERTION = re.compile(r"\[([^\[\]]{1,40})\]")
_AGENCY = re.compile(r"\((?:AFP|Reuters|AP|Belga|ATS|Ansa|DPA|Xinhua)\)")
_FRACTIONS = {"½": "un demi", "¼": "un quart", "¾": "trois quarts", "⅓": "un tiers", "⅔": "deux tiers"}
_MODIFIER_SUFFIXES = {"ᵉʳ": "er", "ʳᵉ": "re", "ᵉ": "e", "ᵈ": "d", "ᵉˢ": "es", "ᵉʳˢ": "ers", "ᵐᵉ": "me"}


# Letters of other alphabets written with Latin ones: a French voice reads them as their base
# letter ("ČSSD" -> "CSSD", "Łódź" -> "Lodz"); French letters are kept. Letters of other scripts,
# and signs such as the Japanese "ー", are dropped; Greek letters, frequent in science news, are named.
_FRENCH_LETTERS = frozenset("àâäçéèêëîïôöùûüÿœæÀÂÄÇÉÈÊËÎÏÔÖÙÛÜŸŒÆ")
_LATIN_EXTRA = {
    "ß": "ss",
    "ẞ": "SS",
    "ø": "o",
    "Ø": "O",
    "ł": "l",
    "Ł": "L",
    "đ": "d",
    "Đ": "D",
    "ı": "i",
    "þ": "th",
    "Þ": "Th",
    "ð": "d",
    "Ð": "D",
    "ħ": "h",
    "Ħ": "H",
    "ŋ": "ng",
    "ĸ": "k",
}
# fmt: off
_GREEK = {
    "α": "alpha", "β": "bêta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ζ": "dzêta", "η": "êta",
    "θ": "thêta", "ι": "iota", "κ": "kappa", "λ": "lambda", "μ": "mu", "ν": "nu", "ξ": "ksi",
    "ο": "omicron", "π": "pi", "ρ": "rhô", "σ": "sigma", "ς": "sigma", "τ": "tau", "υ": "upsilon",
    "φ": "phi", "χ": "khi", "ψ": "psi", "ω": "oméga", "Δ": "delta", "Σ": "sigma", "Ω": "oméga",
}
# fmt: on


def _greek(m: re.Match, text: str) -> str:
    name = _GREEK.get(m.group(0).lower())
    if name is None:
        return m.group(0)
    before = "" if m.start() == 0 or text[m.start() - 1] in " -" else " "
    after = "" if m.end() == len(text) or text[m.end()] in " -" else " "
    return before + name + after


def _latin(ch: str) -> str:
    """One character as a French voice can read it: itself, its Latin base letter, a name, or a space."""
    if ch.isascii() or ch in _FRENCH_LETTERS:
        return ch
    if ch in _LATIN_EXTRA:
        return _LATIN_EXTRA[ch]
    category = unicodedata.category(ch)
    if not category.startswith("L"):
        return ch  # punctuation, symbols, spaces: the rules below know them
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    if base.isascii() and base.isalpha():
        return base
    return " "  # another script (CJK, Cyrillic, Arabic...) or a modifier letter ("ー")


# Footnote calls: "(1)" or "[12]" after a word, "40 %1", "adopté1.", "réforme¹". A department
# number in brackets ("Saint-Denis (93)") has two digits and is kept.
_FOOTNOTE_CALLS = (
    re.compile(r"[ \u00a0]?\((?:[1-9]|\*{1,3})\)(?=[\s.,;:!?»”)]|$)"),
    re.compile(r"[ \u00a0]?\[(?:\d{1,3}|\*{1,3}|réf\. nécessaire|citation nécessaire)\]"),
    re.compile(r"(?:(?<=%)|(?<=[a-zàâçéèêëîïôûùüÿœ]{3})|(?<=[»”)]))[1-9](?=[\s.,;:!?»”)]|$)"),
)
# Optional endings and inclusive writing, read in their plain (masculine, plural) form:
# "million(s)" -> "millions", "candidat(e)s" -> "candidats", "élu·e·s" -> "élus".
_OPTIONAL_ENDING = re.compile(r"(?<=[a-zàâçéèêëîïôûùüÿœ])\((?:e|es|ne|le|te)?(s|x)?\)(?=[\w]*)")
_INCLUSIVE = re.compile(r"(?<=[a-zàâçéèêëîïôûùüÿœ])[·•.](?:e|ne|le|te|euse|rice|trice)(?:[·•.]?(s))?(?![\w.])")
# An ordinal or a century whose suffix was split off by extraction: "1 er mai", "XXI e siècle".
_SPLIT_ORDINAL = re.compile(
    r"(?<![\w,.])(\d{1,4}|[IVXLC]{2,}|[IVX])[ \u00a0](er|re|ère|e|ème|ers|res|es|èmes)(?=[\s,.;:]|$)"
)
# Thousands marked with an apostrophe, the Swiss way: "1'250.50".
_SWISS_THOUSANDS = re.compile(r"(?<=\d)'(?=\d{3}(?!\d))")
# "7, 50 €": a space an editor or a converter put inside the decimal part of an amount.
_SPACED_CENTS = re.compile(r"(?<=\d), (?=\d{2}[ \u00a0]?(?:€|euros?\b|CHF|francs?\b))")


def _say_code(code: str) -> str:
    """An identifier read part by part: "2019-1130" -> "deux mille dix-neuf tiret mille cent trente"."""
    parts = []
    for part in code.split("-"):
        words = []
        for run in re.findall(r"\d+|[A-Za-z]+", part):
            if run.isdigit():
                chunks = [run] if len(run) <= 4 else re.findall(r"\d{1,2}", run)
                words.append(JOIN.join(digits(c) for c in chunks))
            else:
                words.append(spell_letters(run))
        parts.append(JOIN.join(words))
    return (JOIN + "tiret" + JOIN).join(p for p in parts if p)


_CODE = re.compile(
    r"\b(numéro|ISBN|ISSN|NOR|EAN|ECLI|SIRE[NT])([ \u00a0]?:?[ \u00a0]?)"
    r"(\d[\dA-Z]*(?:-[\dA-Z]+)+|[A-Z]*\d[\dA-Z]*[A-Z][\dA-Z]*|\d{5,})(?![\w-])"
)
# Road numbers, read the way the signs are: "la N7", "l'A 6", "la RN 7", "la D 12".
_ROAD = re.compile(
    r"(?<![\w])((?:[Ll]a|[Ll]es|sur la|de la|[Aa]utoroute|[Rr]oute)[ \u00a0]|[Ll]')"
    r"(A|N|D|RN|RD|M|E)[ \u00a0]?(\d{1,4})(?![\w,.]\d|\w)"
)


def _say_domain(domain: str) -> str:
    domain = re.sub(r"^www\.", "", domain.lower())
    labels = [label for label in re.split(r"[.]", domain) if label]
    return " point ".join(label.replace("-", " ") for label in labels)


class Normaliser:
    """Spells out one piece of French text for speech. Holds the pronunciation lexicon."""

    def __init__(self, lexicon: Mapping[str, str] | None = None):
        self.lexicon = dict(lexicon or {})
        keys = sorted(self.lexicon, key=len, reverse=True)
        self._lexicon_re = (
            re.compile(r"(?<![\w])(" + "|".join(re.escape(k) for k in keys) + r")(?![\w])") if keys else None
        )

    def normalise(self, text: str) -> str:
        """What a voice should say for `text`: words and plain punctuation only."""
        text = self._characters(text)
        for abbreviation in ABBREVIATIONS:
            text = abbreviation.pattern.sub(abbreviation.spoken, text)
        text = self._web(text)
        if self._lexicon_re is not None:
            text = self._lexicon_re.sub(lambda m: self.lexicon[m.group(1)], text)
        text = _CODE.sub(lambda m: m.group(1) + m.group(2).replace(":", "") + _say_code(m.group(3)), text)
        text = self._phones(text)
        text = self._times_and_dates(text)
        text = self._ranges_and_signs(text)
        text = self._money(text)
        text = self._percent_and_units(text)
        text = self._ordinals(text)
        text = self._numbers(text)
        text = self._acronyms(text)
        text = self._symbols(text)
        return text

    # Each step below takes and returns the whole string.

    def _characters(self, text: str) -> str:
        text = html.unescape(_TAG.sub(" ", text))
        for sup, plain in sorted(_MODIFIER_SUFFIXES.items(), key=lambda kv: -len(kv[0])):
            text = text.replace(sup, plain)
        out = []
        for ch in text:
            if ch in _FRACTIONS:
                out.append(" " + _FRACTIONS[ch] + " ")
            elif ch.isdigit() and not ch.isascii():
                value = unicodedata.digit(ch, None)
                if ch in "²³" and out and out[-1].isalpha():
                    # m², km³: a unit, kept for the unit table; after any other word, a footnote call.
                    if re.search(r"(?<![^\W\d_])[kcdm]?m$", "".join(out[-3:])):
                        out.append(ch)
                elif out and (out[-1].isalpha() or out[-1] in "»”)%.,;") and unicodedata.category(ch) == "No":
                    pass  # "réforme¹", "»²": a superscript footnote call
                else:
                    out.append(str(value) if value is not None else " ")
            else:
                out.append(ch)
        text = "".join(out)
        # Greek letters by name, as a word of their own unless a hyphen joins them ("β-bloquants").
        text = re.sub("[α-ωΑ-Ω]", lambda m: _greek(m, text), text)
        text = "".join(_latin(ch) for ch in text)
        for call in _FOOTNOTE_CALLS:
            text = call.sub("", text)
        text = _OPTIONAL_ENDING.sub(lambda m: m.group(1) or "", text)
        text = _INCLUSIVE.sub(lambda m: m.group(1) or "", text)
        text = _SPLIT_ORDINAL.sub(r"\1\2", text)
        text = _SWISS_THOUSANDS.sub("", text)
        text = _SPACED_CENTS.sub(",", text)
        text = _EDITORIAL_CUT.sub(" ", text)
        text = _AGENCY.sub(" ", text)
        text = _INSERTION.sub(r"\1", text)
        return text

    def _web(self, text: str) -> str:
        text = _EMAIL.sub(lambda m: " arobase ".join(_say_domain(part) for part in m.group(0).split("@", 1)), text)
        text = _URL.sub(
            lambda m: _say_domain(re.sub(r"^https?://", "", m.group(0), flags=re.I).split("/")[0].rstrip(".,;:!?)")),
            text,
        )
        text = _HANDLE.sub(lambda m: _CAMEL.sub(" ", m.group(1)).replace("_", " "), text)
        text = _HASHTAG.sub(
            lambda m: _CAMEL.sub(" ", m.group(1)).replace("_", " ") if not m.group(1).isdigit() else m.group(0), text
        )
        return text

    def _times_and_dates(self, text: str) -> str:
        # 14h30, 14 h 30, 6h15, 14h, 14H30; also 14:30 when it is a plausible clock time.
        text = re.sub(
            r"(?<![\w,.])([01]?\d|2[0-4])\s?[hH]\s?([0-5]\d)?(?![\w])",
            lambda m: say_time(int(m.group(1)), int(m.group(2)) if m.group(2) else None),
            text,
        )
        text = re.sub(
            r"(?<![\w,.:])([01]?\d|2[0-3]):([0-5]\d)(?![\w:])",
            lambda m: say_time(int(m.group(1)), int(m.group(2))),
            text,
        )

        # 3/4/2023, 03/04/23, 3.4.2023, 3-4-2023: day, month, year in French order.
        def date(m):
            day, month = int(m.group(1)), int(m.group(2))
            if not (1 <= day <= 31 and 1 <= month <= 12):
                return m.group(0)
            return say_date(day, month, m.group(3))

        text = re.sub(
            r"(?<![\w/.,])(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?![\w/])", lambda m: date(_Group(m, (1, 3, 4))), text
        )
        text = re.sub(r"(?<![\w/.,])(\d{1,2})/(\d{1,2})(?![\w/])", lambda m: date(_Group(m, (1, 2, None))), text)
        # "1er mai" is handled with ordinals; "1 mai" is said "premier mai" too.
        text = re.sub(rf"(?<![\w,.])1(?=[ \u00a0]+(?:{_MONTH_ALT})\b)", "premier", text)
        return text

    def _money(self, text: str) -> str:
        def after(m):
            return say_money(m.group("num"), _currency_key(m.group("cur")), m.group("scale"))

        text = _MONEY_BEFORE.sub(after, text)
        text = _MONEY_AFTER.sub(after, text)
        # An amount with cents before the currency's name: "21.930,54 euros", "3,50 dollars".
        text = _MONEY_WORD.sub(lambda m: say_money(m.group("num"), _CURRENCY_WORDS[m.group("cur").lower()], None), text)
        # "1,5 milliard d'euros", "150 milliards de dollars": only the number needs spelling;
        # the scale agrees in number (below 2: singular).
        text = re.sub(
            rf"(?<![\w,.])(?P<num>{_NUM})[ \u00a0]+(?P<scale>milliards?|millions?)\b",
            lambda m: (
                spell_number(m.group("num"))
                + JOIN
                + ("milliard" if "milliard" in m.group("scale") else "million")
                + ("s" if _value(m.group("num")) >= 2 else "")
            ),
            text,
        )
        return text

    def _percent_and_units(self, text: str) -> str:
        text = re.sub(
            rf"(?<![\w,.])(?P<num>{_NUM})[ \u00a0\u202f]?%",
            lambda m: spell_number(m.group("num")) + JOIN + "pour" + JOIN + "cent",
            text,
        )
        text = re.sub(
            rf"(?<![\w,.])(?P<num>{_NUM})[ \u00a0\u202f]?‰",
            lambda m: spell_number(m.group("num")) + JOIN + "pour" + JOIN + "mille",
            text,
        )

        def unit(m):
            singular, plural = UNITS[m.group("unit")]
            feminine = singular in ("tonne", "minute", "seconde", "milliseconde")
            word = singular if abs(_value(m.group("num"))) < 2 else plural
            return spell_number(m.group("num"), feminine) + JOIN + word.replace(" ", JOIN)

        def per(m):
            if f"{m.group('unit')}/{m.group('per')}" in UNITS:  # km/h: "kilomètres heure", its own name
                return unit(_Unit(m.group("num"), f"{m.group('unit')}/{m.group('per')}"))
            singular, plural = UNITS[m.group("unit")]
            feminine = singular in ("tonne", "minute", "seconde", "milliseconde")
            word = singular if abs(_value(m.group("num"))) < 2 else plural
            per_unit = UNITS[m.group("per")][0] if m.group("per") in UNITS else _PER[m.group("per")]
            return (
                spell_number(m.group("num"), feminine) + JOIN + word.replace(" ", JOIN) + JOIN + "par" + JOIN + per_unit
            )

        # "1g/l", "0,5 g/l", "10 m/s", "3 kWh/m²": a unit per another.
        text = re.sub(
            rf"(?<![\w,.])(?P<num>{_NUM})[ \u00a0\u202f]?(?P<unit>{_UNIT_ALT})/(?P<per>{_PER_ALT})(?![\w/²³])",
            per,
            text,
        )
        # "1 500 euros/mois", "12 €/kg" once the amount is said: "euros par mois".
        text = re.sub(
            rf"\b(?P<amount>{_AMOUNT_WORDS})[ \u00a0]?/[ \u00a0]?(?P<per>{_PER_ALT})(?![\w/²³])",
            lambda m: (
                m.group("amount")
                + JOIN
                + "par"
                + JOIN
                + (UNITS[m.group("per")][0] if m.group("per") in UNITS else _PER[m.group("per")])
            ),
            text,
        )

        return re.sub(rf"(?<![\w,.])(?P<num>{_NUM})[ \u00a0\u202f]?(?P<unit>{_UNIT_ALT})(?![\w/²³])", unit, text)

    def _ordinals(self, text: str) -> str:
        def arabic(m):
            n, suffix = int(m.group(1)), m.group(2).lower()
            feminine = suffix in ("re", "ère", "res", "ères", "nde", "ndes")
            plural = suffix.endswith("s")
            if suffix.startswith("nd"):
                return "seconde" + ("s" if plural else "") if feminine else "second" + ("s" if plural else "")
            return ordinal(n, feminine, plural)

        text = re.sub(
            r"(?<![\w,.])(\d+)(ères|ère|ers|er|res|re|èmes|ème|ièmes|ième|es|e|ndes|nde|nds|nd)(?![\w])", arabic, text
        )

        def roman_ordinal(m):
            value = roman_value(m.group(1))
            if value is None:
                return m.group(0)
            suffix = m.group(2).lower()
            feminine = suffix in ("re", "ère")
            return ordinal(value, feminine, suffix.endswith("s"))

        # Single letters are numerals only as I, V, X: "Le", "De", "Ce", "Me" are words.
        text = re.sub(r"(?<![\w])([IVXLCDM]{2,}|[IVX])(ère|er|re|ème|èmes|e|es)(?![\w])", roman_ordinal, text)

        def roman_after(m):
            value = roman_value(m.group("num"))
            if value is None or value > 30 or m.group("word") in _NOT_NAMES:
                return m.group(0)
            return m.group("word") + " " + ("premier" if value == 1 else cardinal(value))

        text = re.sub(
            rf"(?P<word>\b[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?) (?P<num>[IVXL]+)(?![\w'])",
            roman_after,
            text,
        )
        text = re.sub(
            rf"(?P<word>\b(?:{_ROMAN_NOUNS})) (?P<num>[IVXLC]+)(?![\w'])",
            lambda m: (
                m.group("word") + " " + cardinal(roman_value(m.group("num")) or 0)
                if roman_value(m.group("num"))
                else m.group(0)
            ),
            text,
        )
        return text

    def _phones(self, text: str) -> str:
        # French numbers: 01 23 45 67 89, 01.23.45.67.89, +33 1 23 45 67 89: read in pairs.
        def pairs(m):
            groups = re.findall(r"\d+", m.group(0))
            head = (
                ["plus" + JOIN + cardinal(int(groups[0][1:] if groups[0].startswith("0") else groups[0]))]
                if m.group(0).startswith("+")
                else []
            )
            body = groups[1:] if head else groups
            return ", ".join(head + [digits(g) if g.startswith("0") else cardinal(int(g)) for g in body])

        text = re.sub(r"(?<![\w+])\+\d{2,3}(?:[ .\u00a0]?\(0\))?(?:[ .\u00a0]\d{1,3}){4,6}(?!\d)", pairs, text)
        return re.sub(r"(?<![\w,.])0\d(?:[ .\u00a0-]\d\d){4}(?![\w])", pairs, text)

    def _ranges_and_signs(self, text: str) -> str:
        """Rewrite spans and signs in words, leaving the numbers to the rules that know their units."""

        # Seasons and spans of years: "2014-15" -> "2014, 2015".
        def years(m):
            first, second = m.group(1), m.group(2)
            if len(second) == 2:
                second = first[:2] + second
            if not (1000 <= int(first) <= 2200 and int(first) < int(second) <= int(first) + 20):
                return m.group(0)
            return f"{first}, {second}"

        text = re.sub(r"(?<![\w,.])(\d{4})[-–/](\d{4}|\d{2})(?![\w])", years, text)
        # "36-48 ans", "5-10 km", "3-1" (a score): "36 à 48 ans", "3 à 1".
        text = re.sub(rf"(?<![\w,.])({_NUM})[ \u00a0]?[-–][ \u00a0]?(?=(?:{_NUM})(?![\w,.]\d))", r"\1 à ", text)
        # Signed numbers after a space or an opening: "- 0,35 point", "−3", "+3 %".
        text = re.sub(rf"(?:(?<=^)|(?<=[\s(:]))[-−–][ \u00a0]?(?={_NUM})", "moins ", text)
        return re.sub(rf"(?:(?<=^)|(?<=[\s(:]))\+[ \u00a0]?(?={_NUM})", "plus ", text)

    def _numbers(self, text: str) -> str:
        text = _ROAD.sub(lambda m: m.group(1) + spell_letters(m.group(2)) + JOIN + cardinal(int(m.group(3))), text)
        # Letters glued to digits first (COP28, TF1, A380, G7, 5G): letters, then the number.
        text = re.sub(
            r"(?<![\w])([A-Za-z]{1,5})(\d+)(?![\w])",
            lambda m: (
                (say_acronym(m.group(1)) if m.group(1).isupper() else m.group(1)) + JOIN + cardinal(int(m.group(2)))
            ),
            text,
        )
        text = re.sub(
            r"(?<![\w])(\d+)([A-Za-z]{1,4})(?![\w])",
            lambda m: (
                cardinal(int(m.group(1))) + JOIN + (spell_letters(m.group(2)) if m.group(2).isupper() else m.group(2))
            ),
            text,
        )

        def number(m):
            feminine = is_feminine(_next_word(text, m.end()))
            return spell_number(m.group("num"), feminine)

        text = _NUM_RE.sub(number, text)
        # Whatever digits are left (inside words, odd formats): said one number at a time.
        return re.sub(r"\d+", lambda m: " " + spell_number(m.group(0)) + " ", text)

    def _acronyms(self, text: str) -> str:
        return re.sub(
            rf"(?<![\w-])([{_UPPER}]{{2,}})(?:s(?=\b))?(?![\w-])",
            lambda m: say_acronym(m.group(1)),
            text,
        )

    def _symbols(self, text: str) -> str:
        text = re.sub(r"\s?&\s?", " et ", text)
        text = re.sub(r"(?<=\w)/(?=\w)", " ", text)  # et/ou, km/h already done
        text = re.sub(r"\s[+]\s", " plus ", text)
        text = re.sub(r"\s=\s", " égale ", text)
        text = re.sub(r"\s[×x]\s(?=\w)", " fois ", text)
        text = text.replace("±", " plus ou moins ").replace("§", " paragraphe ")
        text = text.replace("%", " pour cent ").replace("‰", " pour mille ")
        text = re.sub(r"(?:^|\s)~\s?", " environ ", text)
        for ch, name in CURRENCIES.items():
            if not ch.isalpha():
                text = text.replace(ch, " " + name[1] + " ")
        text = text.replace("°", " degrés ").replace("@", " arobase ")
        # Parentheses, brackets and dashes become the pause a reader makes.
        text = re.sub(r"\s*[(\[{]\s*", ", ", text)
        text = re.sub(r"\s*[)\]}]\s*", ", ", text)
        text = re.sub(r"\s[-–—]\s", ", ", text)
        # Quotation marks go with the (no-break) spaces French typography puts inside them.
        text = re.sub(r"\s*[«»“”„]\s*", " ", text)
        # Keep letters, digits (none are left), spaces and the punctuation voices use for prosody.
        text = "".join(ch if (ch.isalpha() or ch in " \u00a0.,;:!?'-…") else " " for ch in text)
        text = re.sub(r"[ ]+", " ", text)
        # No space before punctuation, a French no-break one included ("dit-il\u00a0:").
        text = re.sub(r"[ \u00a0]+([.,;:!?…])", r"\1", text)
        text = re.sub(r"([,;:])(?:[ ]*[,;:])+", r"\1", text)
        # What removals leave between two marks (", ." after brackets, ". ," after a dateline): the stronger.
        text = re.sub(r"[,;:][ ]*([.!?…])", r"\1", text)
        text = re.sub(r"([.!?…])[ ]*[,;:]", r"\1", text)
        text = re.sub(r"^[\s,;:.!?]+", "", text)
        text = re.sub(r"\.{2,}", ".", text)
        return text.strip().rstrip(",;:").rstrip()


class _Unit:
    """A number and a unit, shaped like the match the unit rule reads."""

    def __init__(self, num: str, unit: str):
        self._groups = {"num": num, "unit": unit}

    def group(self, name: str) -> str:
        return self._groups[name]


class _Group:
    """Reorders a match's groups so one date function serves several patterns."""

    def __init__(self, m: re.Match, order: tuple):
        self._m, self._order = m, order

    def group(self, i: int):
        if i == 0:
            return self._m.group(0)
        index = self._order[i - 1]
        return self._m.group(index) if index is not None else None


def _currency_key(cur: str) -> str:
    return cur if cur in CURRENCIES else cur.upper()
