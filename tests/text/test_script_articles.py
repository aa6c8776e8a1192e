"""Whole articles through the text side: roles, speakers, voices, lengths, spoken text."""

import re

import pytest
from helpers import SAMPLE_ARTICLE

from briefing.engines.presets import load_voices
from briefing.inputs.sources import parse_markdown, parse_text
from briefing.text.script import ScriptOptions, build_script

BOOK = load_voices()

# Written for these tests. Speakers: a minister (named before, then by pronoun), a union leader
# (inverted attribution with "encore"), a report (« lit-on dans »), an anonymous quote, "selon".
CONFLIT = """\
Grève : la ministre et les syndicats campent sur leurs positions

Le 3e jour de grève a mobilisé 1,2 million de personnes selon la CGT, 450 000 selon le ministère.

La ministre du Travail, Élise Morel, a déclaré mardi : « Nous ne reviendrons pas sur l'âge de départ. Le texte sera voté. » Elle a ajouté que la porte restait « ouverte ».

« Le dialogue n'a jamais été rompu, mais il faut des actes », précise-t-elle.

« Nous tiendrons aussi longtemps qu'il le faudra, jusqu'au retrait complet de cette réforme injuste », martèle encore Marc Delorme, secrétaire général du syndicat.

« Les régimes spéciaux coûtent 1,5 Md€ par an à l'État », lit-on dans le rapport de la Cour des comptes.

Selon un cheminot rencontré gare de Lyon, « personne ne lâchera avant le 14 juillet ».

« On verra bien. »

Delorme a conclu : « Rendez-vous jeudi à 14h30, place de la République. »
"""

LONG_QUOTE = (
    "Titre\n\n« "
    + " ".join(
        f"Nous avons construit {n} écoles, rénové {n * 3} kilomètres de routes et embauché {n * 10} agents, ce qui représente un effort considérable pour la commune."
        for n in (12, 15, 21)
    )
    + " », a affirmé Jeanne Roussel.\n"
)


def script_of(text, parser=parse_text, **options):
    options.setdefault("disclosure", False)  # the body is tested here; the disclosure in test_disclosure.py
    return build_script([parser(text)], BOOK, ScriptOptions(**options))


def quotes(script):
    return [s for s in script.segments if s.role == "quote"]


def test_speakers_in_a_strike_story():
    script = script_of(CONFLIT)
    speakers = [q.speaker for q in quotes(script)]
    assert speakers == [
        "Élise Morel",  # « … » after "a déclaré mardi :"
        "Élise Morel",  # second sentence of the same quote
        "Élise Morel",  # précise-t-elle -> the last named speaker
        "Marc Delorme",  # martèle encore X
        "le rapport de la Cour des comptes",  # lit-on dans le rapport de la Cour des comptes
        "un cheminot",  # Selon un cheminot, « … »
        "un cheminot",  # « On verra bien. »: no clause names anyone, so the person last named goes on
        "Marc Delorme",  # "Delorme a conclu :" is the same person
    ]
    voice = {}
    for q in quotes(script):
        voice.setdefault(q.speaker, set()).add(q.voice)
    assert all(len(v) == 1 for v in voice.values())  # one speaker, one voice
    assert voice["Élise Morel"] != voice["Marc Delorme"]
    # A quotation before anyone is named has no source: the default quote voice reads it.
    lone = script_of("La grève\n\nLa grève continue à Paris.\n\n« Personne ne lâchera avant le 14 juillet, jamais. »")
    assert [(q.speaker, q.voice) for q in quotes(lone)] == [(None, BOOK.default_quote)]
    # « ouverte » is a scare-quoted word: narrator.
    assert any("la porte restait ouverte" in s.text for s in script.segments if s.role == "narration")


def test_spoken_text_is_spelled_out():
    script = script_of(CONFLIT)
    text = " ".join(s.text for s in script.segments)
    assert not re.search(r"\d|[%€$£&/@#*«»“”]", text)
    for expected in (
        "Le troisième jour de grève",
        "un virgule deux million de personnes selon la cé gé té, quatre cent cinquante mille",
        "un virgule cinq milliard d'euros par an",
        "avant le quatorze juillet",
        "jeudi à quatorze heures trente",
    ):
        assert expected in text


def test_a_quote_of_several_sentences_keeps_one_voice():
    script = script_of("Titre\n\nIl a prévenu : « Non. Pas question… Jamais ! » Puis il est parti.")
    qs = quotes(script)
    assert [q.text for q in qs] == ["Non.", "Pas question…", "Jamais!"]
    assert len({q.voice for q in qs}) == 1
    assert script.segments[-1].text == "Puis il est parti."


def test_long_quote_is_split_but_keeps_its_voice_and_speaker():
    script = script_of(LONG_QUOTE, max_chars=120)
    qs = quotes(script)
    assert len(qs) >= 4
    assert {q.speaker for q in qs} == {"Jeanne Roussel"}
    assert len({q.voice for q in qs}) == 1
    assert all(len(s.text) <= 120 for s in script.segments)


@pytest.mark.parametrize("max_chars", [60, 120, 250])
def test_segment_lengths_respect_the_cap(max_chars):
    script = script_of(CONFLIT, max_chars=max_chars)
    assert all(len(s.text) <= max_chars for s in script.segments)


def test_a_very_long_number_is_cut_too():
    script = script_of("Titre\n\nLe code est 12345678901234567890123456789012345678901234567890.", max_chars=60)
    assert all(len(s.text) <= 60 for s in script.segments)


def test_unbalanced_and_nested_quotes_do_not_lose_text():
    script = script_of("Titre\n\nIl a lancé : « Le mot “liberté” nous oblige, dit-il. Et la suite\n\nAutre paragraphe.")
    said = " ".join(s.text for s in script.segments)
    assert "Le mot liberté nous oblige" in said
    assert "Autre paragraphe." in said


def test_markdown_article_with_front_matter_and_links():
    md = """---
title: Le conseil vote
---
# Le conseil vote le budget 2025

Le [budget](https://exemple.fr/budget) de 12 M€ est adopté. « C'est une bonne nouvelle pour les familles », a estimé Paul Girard.

Lire aussi : notre dossier sur les finances locales
"""
    script = script_of(md, parser=parse_markdown)
    assert script.segments[0].text == "Le conseil vote le budget deux mille vingt-cinq."
    assert script.segments[1].text == "Le budget de douze millions d'euros est adopté."
    assert quotes(script)[0].speaker == "Paul Girard"
    assert not any("dossier" in s.text for s in script.segments)  # boilerplate dropped


def test_sample_article_reads_cleanly():
    script = script_of(SAMPLE_ARTICLE.read_text(encoding="utf-8"), pronunciations=BOOK.lexicon)
    text = " ".join(s.text for s in script.segments)
    assert "cent cinquante milliards de dollars" in text
    assert "OpenAI" not in text and "Opène Aï" in text  # the bundled lexicon applies
    assert "l'i a" in text
    assert "En savoir plus" not in text  # the "read more" line is boilerplate
    assert not re.search(r"\d", text)


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from briefing.errors import InputError  # noqa: E402

_TEXT = st.text(st.characters(codec="utf-8"), max_size=300) | st.lists(
    st.sampled_from(
        [
            "« ",
            " »",
            "“",
            "”",
            '"',
            "\n\n",
            ". ",
            "M. ",
            "12,5 %",
            "21 h",
            "XXe",
            "SNCF",
            "… ",
            "», a dit X. ",
            "@x",
            "#y",
            "1er",
        ]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_TEXT)
def test_any_text_goes_through_the_front_end(text):
    try:
        article = parse_text(text)
    except InputError:
        return  # nothing to say: a clean, expected refusal
    script = build_script([article], BOOK, ScriptOptions(max_chars=80))
    for seg in script.segments:
        assert seg.text.strip()
        assert not any(ch.isdigit() for ch in seg.text)
        assert len(seg.text) <= 80 or not any(ch.isspace() for ch in seg.text)  # only one long word may exceed
        assert seg.voice in BOOK.presets
