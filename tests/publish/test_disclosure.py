"""Synthetic voices are disclosed (EU AI Act art. 50): said once in the audio, where a listener
hears it first, and marked for machines and readers in every file: ID3, feed, page, EPUB."""

import json
import re
import xml.etree.ElementTree as ET

import pytest
from mutagen.id3 import ID3

from briefing.cli import app
from briefing.engines.presets import load_voices
from briefing.inputs.sources import parse_text
from briefing.pipeline import synthetic_voices
from briefing.publish.info import ALGORITHMIC_MEDIA, TRAINED_MEDIA, Synthetic
from briefing.synthesis.casting import Casted
from briefing.text.script import ScriptOptions, build_script

PLAIN = """Le tramway de Caen prolongé

La métropole a voté jeudi le prolongement de la ligne vers le nord, pour une mise en service en 2029.

Les travaux commenceront à l'automne et dureront trois ans.
"""
QUOTED = """Le tramway de Caen prolongé

« Nous tenons enfin notre calendrier », a déclaré Claire Martin, vice-présidente de la métropole.

Les travaux commenceront à l'automne.
"""


@pytest.fixture(scope="module")
def book():
    return load_voices()


def spoken(text: str, book, **options) -> list[str]:
    return [s.text for s in build_script([parse_text(text)], book, ScriptOptions(**options)).segments]


def test_a_lone_article_says_it_after_its_title_one_voice_or_several(book):
    assert spoken(PLAIN, book)[:2] == [
        "Le tramway de Caen prolongé.",
        "Cet article vous est lu par une voix de synthèse.",
    ]
    # A quotation is spoken by another voice: "des voix".
    assert spoken(QUOTED, book)[1] == "Cet article vous est lu par des voix de synthèse."


def test_a_briefing_says_it_after_the_greeting(book):
    segments = build_script([parse_text(PLAIN), parse_text(QUOTED)], book, ScriptOptions()).segments
    assert segments[0].text.startswith("Bonjour. Voici votre briefing du ")
    assert segments[1].text == "Ce briefing vous est lu par des voix de synthèse."
    assert sum("synthèse" in s.text for s in segments) == 1  # once, not before each article


def test_it_can_be_reworded_or_left_out(book):
    assert spoken(PLAIN, book, disclosure_text="Voix artificielle, rédaction humaine.")[1] == (
        "Voix artificielle, rédaction humaine."
    )
    assert not [t for t in spoken(PLAIN, book, disclosure=False) if "synthèse" in t]


def test_the_kind_of_synthesis_follows_the_engines(book):
    script = build_script([parse_text(QUOTED)], book, ScriptOptions())
    voices = {s.voice for s in script.segments}
    # The bundled voices: each a Coqui preset, falling back to an espeak-ng one.
    neural = {v: Casted(book.chain(v)[0]) for v in voices}
    formant = {v: Casted(book.chain(v)[-1]) for v in voices}
    assert {c.preset.engine for c in neural.values()} == {"coqui"}
    assert {c.preset.engine for c in formant.values()} == {"espeak"}
    assert synthetic_voices(script, neural).trained and synthetic_voices(script, neural).source_type == TRAINED_MEDIA
    assert synthetic_voices(script, neural).voices[0].startswith("coqui tts_models/fr/")
    assert not synthetic_voices(script, formant).trained
    assert len(synthetic_voices(script, formant).voices) == 2  # narrator and the quoted person
    assert Synthetic(("coqui tts_models/fr/css10/vits",), trained=True).source_type == TRAINED_MEDIA
    assert Synthetic(("espeak fr+m3",), trained=False).source_type == ALGORITHMIC_MEDIA
    assert (
        Synthetic(("espeak fr+m3",), trained=False).note
        == "Épisode lu par une voix de synthèse, générée par ordinateur."
    )


def test_every_file_marks_the_episode_even_without_the_spoken_sentence(runner, article, tmp_path):
    out = tmp_path / "ep.mp3"
    result = runner.invoke(
        app, ["speak", str(article), "-o", str(out), "--engine", "espeak", "--no-cache", "--epub", "--no-disclosure"]
    )
    assert result.exit_code == 0, result.output
    assert "synthèse" not in out.with_suffix(".vtt").read_text(encoding="utf-8")
    tags = ID3(out)
    assert str(tags["TXXX:digital_source_type"]) == ALGORITHMIC_MEDIA
    assert str(tags["TXXX:synthetic_voices"]).startswith("espeak fr+")
    html = out.with_suffix(".html").read_text(encoding="utf-8")
    assert re.search(r'<p class="meta disclosure">Épisode lu par (une|des) voix de synthèse', html)
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html).group(1))
    assert data["audio"]["digitalSourceType"] == ALGORITHMIC_MEDIA and data["inLanguage"] == "fr"
    feed = runner.invoke(app, ["feed", str(tmp_path), "--base-url", "https://exemple.fr/b/"])
    assert feed.exit_code == 0, feed.output
    root = ET.parse(tmp_path / "feed.xml").getroot()
    for where in ("channel", "channel/item"):  # Podcasting 2.0's AI flag, at both levels
        txt = root.find(where + "/{https://podcastindex.org/namespace/1.0}txt")
        assert (txt.get("purpose"), txt.text) == ("ai-content", "true")
    assert "voix de synthèse" in root.findtext("channel/item/description")
