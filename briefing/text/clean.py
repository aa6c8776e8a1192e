"""Text clean-up shared by every loader, and the plain form that speech stages match.

An Article keeps the article's own typography: curly apostrophes, ‘ ’ and “ ” quotation marks, en
and em dashes, no-break spaces. Transcripts, the listening page and the EPUB show it as written.
`clean_text` only removes what nobody should see or hear: zero-width and control characters, odd
spaces (tabs, ideographic, em spaces), extraction artefacts (" ." after a closing guillemet, two
sentences run together).

`speech_text` gives the plain form every speech stage (quotes, sentences, attribution, the
normaliser) matches: one kind of space, apostrophe, ellipsis and dash. `speech_text_map` also
says where each of its characters comes from, so that a segment's written text can be taken from
the article as written (script.py's Typesetter).
"""

from __future__ import annotations

import re
import unicodedata

# Spaces a web page uses that are not French typography: figure, em, ideographic, tabs... become
# plain spaces; the no-break space stays, and so does the narrow one (thin spaces become narrow
# no-break ones: French sets them before ; ? ! and inside « »).
_SPACES = re.compile(r"[\u2000-\u2007\u200a\u205f\u3000\t\f\v]")
_THIN_SPACES = re.compile(r"[\u2008\u2009]")
# What speech stages take for a space.
_ANY_SPACE = re.compile(r"[\u00a0\u202f]")
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
_DASH_BREAK = re.compile(r"[ \u00a0\u202f]+[–—][ \u00a0\u202f]+")
_MULTISPACE = re.compile(r" {2,}")
# Two sentences run together by an extractor: "l'épeautre.Bon à savoir". A lower-case word of two
# letters or more, a full stop, then a capitalised word: a space goes back after the stop.
# Not inside an address or a file name ("site.fr/Page.Html"): the word must stand alone.
_GLUED_SENTENCE = re.compile(
    r"(?<![\w/.@-])([\w'’-]*[a-zàâçéèêëîïôöûùüÿœ]{2})\.(?=[A-ZÀÂÇÉÈÊËÎÏÔÖÛÙÜŒ][a-zàâçéèêëîïôöûùüÿœ]{2})"
)


def clean_text(text: str) -> str:
    """Return `text` in NFC without invisible or control characters, odd spaces or extraction
    artefacts, its typography kept. Newlines are kept (they carry paragraph structure); runs of
    plain spaces become one."""
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub("", text)
    text = _SPACES.sub(" ", text)
    text = _THIN_SPACES.sub("\u202f", text)
    text = _SPACE_BEFORE_PUNCT.sub("", text)
    text = _GLUED_SENTENCE.sub(r"\1. ", text)
    text = _MULTISPACE.sub(" ", text)
    return "\n".join(line.strip(" \t") for line in text.split("\n"))


def collapse_spaces(text: str) -> str:
    """Runs of plain spaces and newlines as one space, no-break spaces kept: `" ".join(text.split())`
    for typeset text (str.split() also splits at no-break spaces)."""
    text = re.sub(r"[ \t\r\n]+", " ", text)
    return text.strip(" ")


# Speech forms, in order: (pattern, replacement). Each is applied to the whole text.
_SPEECH_STEPS = (
    (_SINGLE_QUOTED, lambda m: "“" + m.group(1) + "”"),
    (_APOSTROPHES, lambda m: "'"),
    (_ELLIPSIS, lambda m: "…"),
    # A spaced en or em dash is a spoken break; a comma gives the same pause in every voice.
    (_DASH_BREAK, lambda m: ", "),
    (_ANY_SPACE, lambda m: " "),
    (_MULTISPACE, lambda m: " "),
)


def speech_text(text: str) -> str:
    """The plain form speech stages match: one kind of space, apostrophe, ellipsis and dash."""
    for pattern, repl in _SPEECH_STEPS:
        text = pattern.sub(repl, text)
    return text


def speech_text_map(text: str) -> tuple[str, list[int], list[int]]:
    """`speech_text(text)`, and for each of its characters the span of `text` it comes from
    (starts, ends): text[starts[i]:ends[i]] is what speech character i stands for."""
    starts, ends = list(range(len(text))), list(range(1, len(text) + 1))
    for pattern, repl in _SPEECH_STEPS:
        out: list[str] = []
        new_starts: list[int] = []
        new_ends: list[int] = []
        last = 0
        for m in pattern.finditer(text):
            out.append(text[last : m.start()])
            new_starts += starts[last : m.start()]
            new_ends += ends[last : m.start()]
            replacement = repl(m)
            if m.re is _SINGLE_QUOTED:  # the quoted words keep their own places
                out.append(replacement)
                new_starts += [starts[m.start()], *starts[m.start(1) : m.end(1)], starts[m.end() - 1]]
                new_ends += [ends[m.start()], *ends[m.start(1) : m.end(1)], ends[m.end() - 1]]
            else:
                span_start = starts[m.start()] if m.end() > m.start() else (ends[m.start() - 1] if m.start() else 0)
                span_end = ends[m.end() - 1] if m.end() > m.start() else span_start
                out.append(replacement)
                new_starts += [span_start] * len(replacement)
                new_ends += [span_end] * len(replacement)
            last = m.end()
        out.append(text[last:])
        new_starts += starts[last:]
        new_ends += ends[last:]
        text, starts, ends = "".join(out), new_starts, new_ends
    return text, starts, ends


def has_words(text: str) -> bool:
    """True when `text` holds something a voice can say (a letter or a digit)."""
    return any(ch.isalnum() for ch in text)


# Lines of a news page that are navigation, credits or captions, not the article.
_BOILERPLATE = re.compile(
    r"""^(?:
        (?i:[ÀA]\ (?:re)?lire|(?:Re)?lire|[ÀA]\ (?:voir|écouter|regarder|découvrir))\s*:
      | (?i:En\ savoir\ plus|[ÀA]\ (?:re)?lire(?:\ (?:aussi|également|sur|notre|nos|ici)\b|$)
          |(?:Re)?lire\ (?:aussi|également|la\ suite|notre|nos|sur)\b
          |[ÀA]?\ ?voir\ (?:aussi|également)|[ÀA]\ (?:voir|écouter|regarder|découvrir)\b
          |(?:Écouter|Ecouter|Regarder)\ (?:aussi|également)\b|Revivez\b|Revoir\ le\ direct
          |Sur\ le\ même\ sujet|Dans\ la\ même\ rubrique|Retrouvez|Abonnez-vous|Suivez-nous|Inscrivez-vous
          |Partager|Partagez|Newsletter|Publicité|Contenu\ sponsorisé|Cet\ article\ vous\ a\ plu
          |Haut\ de\ (?:la\ )?page|Retour\ en\ haut|Back\ to\ top)\b
      | (?i:En\ vidéo|Vidéo|Video|En\ images)\s*[,:.\-–—]
      | (?:Rubriques?|Catégories?|Tags?|Mots-clés|Thèmes?|Blog|Dossier)\s*:.{0,80}$
      | (?:Photos?|Crédits?(?:\ photos?)?|Illustration|Image|Légende|Sources?|Lien)
          (?:\ (?:illustrative|d'illustration|de\ une|principale|d'archives))?\s*(?:\((?:cc|CC)[^()]{0,20}\)\s*)?:
      | Par\ (?:la\ rédaction|NAME(?:\s*(?:,|et|&|avec)\s*NAME){0,3})
          (?:\s*,\s*(?:(?:envoyée?s?\ spéciale?s?|correspondante?s?(?:\ permanente?s?)?|journaliste)\s*)?
            (?:à|au|aux|en)\ PLACE)?
          (?:\s*\(?avec\ (?:l')?AGENCY\)?)?\s*$
      | NAME,\ (?:(?:envoyée?\ spéciale?|correspondante?(?:\ permanente?)?)\ )?(?:à|au|aux|en)\ PLACE\.?$
    )""".replace("NAME", r"[A-ZÀ-Þ][\w'.-]+(?:\ (?:(?:de|du|des|de\ la|van|von|le|la|d')\ ?)?[A-ZÀ-Þ][\w'.-]+){0,3}")
    .replace("PLACE", r"[A-ZÀ-Þ][\w'-]+(?:[\ -](?:(?:de|du|des|la|le|sur|en)[\ -])?[A-ZÀ-Þ][\w'-]+){0,3}")
    .replace("AGENCY", r"(?:AFP|Reuters|AP|ATS|Belga|DPA|ANSA)"),
    re.VERBOSE,
)
_INLINE_CREDIT = re.compile(r"\s*\((?:Photos?|Crédits?|Illustration|Image)\s*:?[^()]{0,80}\)|\s*\(©[^()]{0,80}\)")
# News agencies whose code, alone or with an editor's initials ("ats/nxp", "(afp)", "AFP/Reuters"),
# signs a dispatch.
_AGENCIES = r"(?:AFP|ATS|SDA|Keystone-ATS|Reuters|AP|Belga|DPA|ANSA|APA|EFE|Xinhua|Relaxnews|ETX)"
_SIGNATURE = rf"\(?(?:avec\ )?(?:l['’])?{_AGENCIES}(?:\s*[/,&-]\s*{_AGENCIES}|\s*[/,\s]\s*[a-z]{{2,4}}){{0,3}}\s*\)?\.?"
_AGENCY_LINE = re.compile(
    rf"""^(?:{_SIGNATURE}
        |[A-ZÀ-Þ][\w'-]*\ (?:(?:[A-ZÀ-Þ][\w'-]*|du|de|des|la|le)\ ){{0,3}}
         avec\ (?:l')?{_AGENCIES}(?:\ et\ (?:l')?{_AGENCIES})?\.?)$""",
    re.IGNORECASE | re.VERBOSE,
)
_TRAILING_SIGNATURE = re.compile(rf"(?<=[.!?»…])\s+{_SIGNATURE}$", re.IGNORECASE | re.VERBOSE)
# "PARIS (AFP) – " opening a dispatch.
_DATELINE = re.compile(rf"^[A-ZÀ-Þ][A-ZÀ-Þ'’ -]{{1,40}}\s*\({_AGENCIES}\)\s*[,:\-–—]\s*(?=[A-ZÀ-Þ«\"])")
_MONTHS = "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre"
_DAYS = "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"
# A date (and time) alone on its line: "27 juin 2019", "Le 12/03/2024 à 10h45".
_DATE_LINE = re.compile(
    rf"""^(?:(?:le|{_DAYS})\s+)*(?:\d{{1,2}}(?:er)?\s+(?:{_MONTHS})\.?\s+\d{{4}}|\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}})
        (?:\s*(?:à|,|-|\|)?\s*\d{{1,2}}\s*[h:]\s*\d{{0,2}}(?:\s*min)?)?\.?$""",
    re.IGNORECASE | re.VERBOSE,
)
# "Publié le 12 mars 2024 à 10h30, mis à jour le …": the words a timestamp line is made of.
_STAMP_START = re.compile(
    r"""^(?:Créée?|Publiée?|Postée?|Mise?\ à\ jour|Modifiée?|Actualisée?|Màj|MAJ)
        (?:\s+(?:le|à|:|il\ y\ a|aujourd'hui|hier)\b|\s*:)""",
    re.IGNORECASE | re.VERBOSE,
)
_STAMP_WORDS = frozenset(
    f"{_MONTHS}|{_DAYS}|le|à|a|il|y|aujourd'hui|hier|h|min|mn|heure|heures|minutes|et|mis|mise|jour|publié|publiée|"
    "créé|créée|modifié|modifiée|actualisé|actualisée|posté|màj|maj|par|le|la|lecture|temps|de|depuis".split("|")
)
# A note that belongs to a story about people: kept only where the text marks a name with "*".
_NAME_NOTE = re.compile(
    r"""^\*{0,3}\s*(?:(?:Les?|Son|Leurs?)\ (?:prénoms?|noms?)(?:\ de\ (?:famille|l'\w+|la\ \w+|\w+))?
        |Les?\ prénoms?\ et\ noms?)
        \ (?:a|ont)\ été\ (?:modifiés?|changés?)(?:\ [^.]{0,80})?\.?$""",
    re.IGNORECASE | re.VERBOSE,
)


def _is_timestamp(block: str) -> bool:
    if len(block) > 160 or not _STAMP_START.match(block):
        return False
    words = re.findall(r"[^\W\d_]+(?:'[^\W\d_]+)?", block.lower())
    return sum(w not in _STAMP_WORDS for w in words) <= 3  # a byline's name may follow


# Paywall calls, notes about where an article was first published, newsletter pitches, breadcrumbs.
_PROMO = re.compile(
    r"""^(?:Il\ vous\ reste\ [\d.,\s]+\s?%\ de\ cet\ article\ à\ lire
      | La\ suite\ (?:de\ cet\ article\ )?est\ réservée\ aux\ abonnés
      | Cet\ article\ (?:s'inspire\ d|est\ (?:paru|extrait|issu|tiré|une\ version)|a\ (?:d'abord|initialement)?\ ?été
          \ (?:initialement\ |d'abord\ |originellement\ )?(?:publié|mis\ en\ ligne|diffusé))
      | (?:Accueil|Home)\s*[>›»/]\s
      | Vous\ êtes\ ici\s*:
      | [ÀA]\ la\ une\ (?:de|du|sur)\b
      | \+?\ ?Sur\ le\ (?:même\ )?sujet\b | Sur\ le\ web$ | Sur\ (?:le\ même\ thème|ce\ sujet)\s*:
      | (?:Durée|Temps)\ de\ lecture\s*:?\s*\d
      | Propos\ recueillis\ par\ [^.]{2,80}\.?$
      | .{0,120}\b(?:version|format)\ (?:PDF|imprimable)\b.{0,40}$
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_NEWSLETTER = re.compile(r"\bnewsletters?\b|\blettres?\ d'information\b", re.IGNORECASE)
_PITCH = re.compile(r"\b(?:inscri\w*|abonn\w*|recev\w*|confiance|gratuite?s?|chaque\ (?:jour|semaine|matin))\b", re.I)


# A caption ending with its credit: "Tapie en 2008. REUTERS/Benoit Tessier", "… (AFP / Jean Dupont)".
_CAPTION_CREDIT = re.compile(
    r"(?:\b(?:REUTERS|Reuters|AFP|AP|Getty\ Images|Sipa|SIPA|Hans\ Lucas|Maxppp|MAXPPP|EPA|Keystone|Belga)"
    r"\s*/\s*[A-ZÀ-Þ][\w'’-]+(?:\ [A-ZÀ-Þ][\w'’-]+){0,3}|©\s*[A-ZÀ-Þ][^.]{0,60})\)?\.?[\s–—-]*$"
)


def _is_pitch(block: str) -> bool:
    """A newsletter's pitch: "Près de 80 000 lecteurs font confiance à la newsletter de …"."""
    return len(block.split()) <= 45 and bool(_NEWSLETTER.search(block)) and bool(_PITCH.search(block))


def is_boilerplate(block: str) -> bool:
    """True for a block that a listener should not hear: "Lire aussi …", credits, captions, bylines,
    timestamps, a date alone, an agency's signature ("ats/nxp", "(AFP)")."""
    block = speech_text(block).strip()
    return (
        bool(_BOILERPLATE.match(block) or _AGENCY_LINE.match(block) or _DATE_LINE.match(block))
        or bool(_PROMO.match(block))
        or (len(block.split()) <= 30 and bool(_CAPTION_CREDIT.search(block)))
        or _is_pitch(block)
        or _is_timestamp(block)
        or block.startswith("©")
        or (len(block) < 120 and "©" in block)
    )


# Sections at the end of an article that list links or references, not text: Wikinews' "Sources"
# and "Voir aussi", a wiki's "Liens externes", a site's "Articles liés".
_REFERENCE_HEADING = re.compile(
    r"""^(?:Sources?|Références?|Notes\ et\ références|Voir\ aussi|Liens?\ externes?|Articles?\ (?:liés|connexes)
      |Sur\ le\ même\ sujet|Pour\ aller\ plus\ loin|Bibliographie|Webographie|En\ savoir\ plus)\s*:?$""",
    re.IGNORECASE | re.VERBOSE,
)


def without_reference_sections(blocks: list) -> list:
    """`blocks` (model.Block) without a reference section: from a heading such as "Sources" or
    "Voir aussi" to the next heading, or to the end."""
    kept, skipping = [], False
    for block in blocks:
        if block.kind == "heading":
            skipping = bool(_REFERENCE_HEADING.match(speech_text(block.text).strip()))
            if skipping:
                continue
        if not skipping:
            kept.append(block)
    return kept


def is_name_note(block: str) -> bool:
    """True for "Le prénom a été modifié." and its kin: a note about names in the story."""
    return bool(_NAME_NOTE.match(speech_text(block).strip()))


def strip_credits(text: str) -> str:
    """Remove inline photo credits ("(Photo : AFP)", "(© Reuters)"), an agency's signature at the
    end ("… a-t-il dit. (ats/nxp)") and a dispatch's dateline ("PARIS (AFP), ")."""
    text = _INLINE_CREDIT.sub("", text)
    text = _TRAILING_SIGNATURE.sub("", text)
    return _DATELINE.sub("", text)


FRENCH_WORDS = frozenset(
    (
        "le la les des du un une et est que qui dans pour pas sur au aux avec ce cette il elle ont sont été par plus "
        "mais son ses leur nous vous"
    ).split()
)
ENGLISH_WORDS = frozenset(
    (
        "the and of to is that for with on are was were this have has be by from it they their which not but at an "
        "will would"
    ).split()
)


def foreign_script(text: str) -> str:
    """The script most letters of `text` are written in when it is not Latin ("Arabic", "CJK",
    "Cyrillic", ...), else "": a French voice says nothing of those letters."""
    latin = other = 0
    names: dict[str, int] = {}
    for ch in text[:20_000]:
        if not ch.isalpha():
            continue
        if ch.isascii() or "LATIN" in unicodedata.name(ch, ""):
            latin += 1
            continue
        other += 1
        name = unicodedata.name(ch, "OTHER").split()[0]
        name = "CJK" if name in ("CJK", "HIRAGANA", "KATAKANA", "HANGUL") else name
        names[name] = names.get(name, 0) + 1
    if other <= latin:
        return ""
    return max(names, key=names.get).capitalize().replace("Cjk", "CJK")


# What guess_language counts as words, and how many it needs to say anything.
_LANGUAGE_WORD = re.compile(r"[a-zàâçéèêëîïôûùüÿœ]+")
_LANGUAGE_MIN_WORDS = 20


def guess_language(text: str) -> str:
    """ "fr", "en", or "" when unsure: from the share of very common words of each language."""
    words = _LANGUAGE_WORD.findall(text.lower())[:5000]
    if len(words) < _LANGUAGE_MIN_WORDS:
        return ""
    fr = sum(w in FRENCH_WORDS for w in words)
    en = sum(w in ENGLISH_WORDS for w in words)
    if en > 2 * fr and en >= 0.08 * len(words):
        return "en"
    if fr > 2 * en:
        return "fr"
    return ""


# The common words guess_language weighs, per language it can name besides French.
_COMMON_WORDS = {"en": ENGLISH_WORDS}


def foreign_language(text: str, paragraph: str = "") -> str:
    """The language of a transcript line (a segment's text) when it is not French: "en", or ""
    for French or unsure (WCAG 3.1.2 Language of parts; the page itself is lang="fr").

    guess_language needs about 20 words: a shorter line is judged by the whole `paragraph` it
    belongs to, and takes its language only when its own common words lean that way too (more
    English ones than French ones), so that a French incise inside an English quotation
    ("», a déclaré le PDG.") is never marked English. Without a paragraph, a short line is left
    unmarked."""
    words = _LANGUAGE_WORD.findall(text.lower())
    if len(words) >= _LANGUAGE_MIN_WORDS:
        language = guess_language(text)
    elif paragraph and len(_LANGUAGE_WORD.findall(paragraph.lower())) > len(words):
        language = guess_language(paragraph)
        own = _COMMON_WORDS.get(language)
        if own is not None and sum(w in own for w in words) <= sum(w in FRENCH_WORDS for w in words):
            language = ""
    else:
        language = ""
    return "" if language == "fr" else language
