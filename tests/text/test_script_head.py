"""`script.head`: the first words a stream speaks while the quotations are read are the
Script's own first segments, whatever follows them (issue 30: first audio within 1 s)."""

from __future__ import annotations

import datetime as dt

import pytest
from helpers import ARTICLE, ROOT, SAMPLE_ARTICLE

from briefing.engines.presets import load_voices
from briefing.inputs.sources import parse_text
from briefing.text.script import (
    INTRO_CHAPTER,
    ScriptOptions,
    build_script,
    chapter_titles,
    episode_title,
    head,
)

LONG_TITLE = (
    "Le conseil municipal de Rennes adopte, après onze heures de débats houleux et 1 250 amendements, "
    "un budget de 2,4 milliards d'euros pour 2027, le plus élevé de son histoire, malgré l'opposition"
)
CASES = {
    "the example": [(ROOT / "examples" / "orage-bretagne.txt").read_text(encoding="utf-8")],
    "quotes first": [ARTICLE],
    "the sample": [SAMPLE_ARTICLE.read_text(encoding="utf-8")],
    "a heading after the title": [
        "Titre du jour : 3 000 emplois\n\n## Une partie\n\nLe texte dit « oui », a-t-il dit."
    ],
    "a title cut in pieces": [LONG_TITLE + "\n\nLe maire a parlé. « Nous tiendrons », a-t-il déclaré."],
    "a briefing": [ARTICLE, (ROOT / "examples" / "orage-bretagne.txt").read_text(encoding="utf-8")],
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("disclosure", [True, False])
@pytest.mark.parametrize("limits", [{}, {"narrator": 80}])
def test_the_head_is_the_script_s_start(case, disclosure, limits):
    articles = [parse_text(text) for text in CASES[case]]
    book = load_voices()
    options = ScriptOptions(disclosure=disclosure, voice_limits=limits, date=dt.date(2026, 12, 7))
    first = head(articles, book, options)
    script = build_script(articles, book, options)
    assert first, case
    said = [(s.role, s.text, s.voice, s.chapter, s.written) for s in first]
    assert said == [(s.role, s.text, s.voice, s.chapter, s.written) for s in script.segments[: len(first)]]
    assert all(s.voice == book.narrator for s in first)
    # Everything but the last one's pause is the Script's (what follows may lengthen that one).
    assert [s.pause_ms for s in first[:-1]] == [s.pause_ms for s in script.segments[: len(first) - 1]]
    assert episode_title(articles, options) == script.title
    assert chapter_titles(articles, options) == script.chapters


def test_a_long_title_is_several_segments_and_a_briefing_starts_with_its_greeting():
    book = load_voices()
    pieces = head([parse_text(LONG_TITLE + "\n\nUn texte.")], book, ScriptOptions(voice_limits={book.narrator: 80}))
    assert len(pieces) > 1 and all(len(p.text) <= 80 for p in pieces)
    greeting = head([parse_text(ARTICLE), parse_text(ARTICLE)], book, ScriptOptions(date=dt.date(2026, 12, 7)))
    assert [s.text for s in greeting] == ["Bonjour. Voici votre briefing du lundi sept décembre."]
    assert chapter_titles([parse_text(ARTICLE)] * 2, ScriptOptions())[0] == INTRO_CHAPTER
    assert head([], book) == ()
