"""Typography clean-up shared by every loader: what a voice must never see.

French news text arrives with curly apostrophes, non-breaking spaces, zero-width characters,
extraction artefacts (" ." after a closing guillemet) and ASCII ellipses. `clean_text` maps all
of them to one plain form so later stages match a single spelling.
"""

from __future__ import annotations

import re
import unicodedata

# Spaces a French typesetter or a web page uses: NBSP, narrow NBSP, thin, figure, ideographic...
_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000\t\f\v]")
# Characters that take no room and carry no sound: soft hyphen, zero-width (non-)joiners, BOM.
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200d\u2060\ufeff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# A single-quoted span used as quotation marks ("le ‘art washing’ pour"): opening ‘ after a
# space or start, closing ’ before a space or punctuation. Rewritten as “ ” so quote detection
# sees it; every other ’ ‘ ` ʼ is an apostrophe.
_SINGLE_QUOTED = re.compile(r"(?<![\w'’])‘([^‘’\n]{1,200}?)’(?![\w])")
_APOSTROPHES = re.compile(r"[’‘`ʼ´]")
_SPACE_BEFORE_PUNCT = re.compile(r"(?<=\S) +(?=[,.](?:\s|$))")
_ELLIPSIS = re.compile(r"\.{3,}")
_DASH_BREAK = re.compile(r"\s+[–—]\s+")
_MULTISPACE = re.compile(r" {2,}")


def clean_text(text: str) -> str:
    """Return `text` in NFC with one kind of space, apostrophe, ellipsis and dash.

    Newlines are kept (they carry paragraph structure); runs of other spaces become one.
    """
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text)
    text = _SINGLE_QUOTED.sub(r"“\1”", text)
    text = _APOSTROPHES.sub("'", text)
    text = _ELLIPSIS.sub("…", text)
    # A spaced en or em dash is a spoken break; a comma gives the same pause in every voice.
    text = _DASH_BREAK.sub(", ", text)
    text = _SPACE_BEFORE_PUNCT.sub("", text)
    text = _MULTISPACE.sub(" ", text)
    return "\n".join(line.strip() for line in text.split("\n"))


def has_words(text: str) -> bool:
    """True when `text` holds something a voice can say (a letter or a digit)."""
    return any(ch.isalnum() for ch in text)


# Lines of a news page that are navigation, credits or captions, not the article.
_BOILERPLATE = re.compile(
    r"""^(?:
        (?:En\ savoir\ plus|[ÀA]\ lire\ (?:aussi|également)|Lire\ (?:aussi|également|la\ suite)
          |[ÀA]?\ ?[Vv]oir\ (?:aussi|également)
          |Sur\ le\ même\ sujet|Dans\ la\ même\ rubrique|Retrouvez|Abonnez-vous|Suivez-nous|Inscrivez-vous
          |Partager|Partagez|Newsletter|Publicité|Contenu\ sponsorisé|Cet\ article\ vous\ a\ plu)\b
      | (?:Photos?|Crédits?(?:\ photo)?|Illustration|Image|Légende|Vidéo|Sources?|Lien)\s*:
      | (?:Publié|Mis\ à\ jour|Modifié)\ le\b
      | Par\ [A-ZÀ-Þ][\w'-]+(?:\ [A-ZÀ-Þ][\w'-]+){0,3}(?:\ (?:et|avec)\ [A-ZÀ-Þ][\w'-]+(?:\ [A-ZÀ-Þ][\w'-]+){0,3})?\s*$
    )""",
    re.VERBOSE,
)
_INLINE_CREDIT = re.compile(r"\s*\((?:Photos?|Crédits?|Illustration|Image)\s*:?[^()]{0,80}\)|\s*\(©[^()]{0,80}\)")


def is_boilerplate(block: str) -> bool:
    """True for a block that a listener should not hear: "Lire aussi …", credits, captions, bylines."""
    block = block.strip()
    return bool(_BOILERPLATE.match(block)) or (block.startswith("©") or (len(block) < 120 and "©" in block))


def strip_credits(text: str) -> str:
    """Remove inline photo credits: "(Photo : AFP)", "(© Reuters)"."""
    return _INLINE_CREDIT.sub("", text)


_FRENCH_WORDS = frozenset(
    (
        "le la les des du un une et est que qui dans pour pas sur au aux avec ce cette il elle ont sont été par plus "
        "mais son ses leur nous vous"
    ).split()
)
_ENGLISH_WORDS = frozenset(
    (
        "the and of to is that for with on are was were this have has be by from it they their which not but at an "
        "will would"
    ).split()
)


def guess_language(text: str) -> str:
    """ "fr", "en", or "" when unsure: from the share of very common words of each language."""
    words = re.findall(r"[a-zàâçéèêëîïôûùüÿœ]+", text.lower())[:5000]
    if len(words) < 20:
        return ""
    fr = sum(w in _FRENCH_WORDS for w in words)
    en = sum(w in _ENGLISH_WORDS for w in words)
    if en > 2 * fr and en >= 0.08 * len(words):
        return "en"
    if fr > 2 * en:
        return "fr"
    return ""
