"""Script-level tests on whole articles: roles, speakers, voices, pauses, lengths."""

from helpers import ARTICLE, SAMPLE_ARTICLE

from briefing.engines.presets import load_voices
from briefing.inputs.sources import parse_text
from briefing.text.script import (
    PAUSE_PARAGRAPH,
    PAUSE_SECTION,
    PAUSE_SENTENCE,
    PAUSE_TITLE,
    ScriptOptions,
    build_script,
)


def script_of(text, **options):
    options.setdefault("disclosure", False)  # the body is tested here; the disclosure in test_disclosure.py
    return build_script([parse_text(text)], load_voices(), ScriptOptions(**options))


def test_roles_speakers_and_voices():
    script = script_of(ARTICLE)
    book = load_voices()
    segs = script.segments
    assert segs[0].role == "title" and segs[0].text == "Le conseil municipal adopte le budget."
    assert segs[0].pause_ms == PAUSE_TITLE
    quotes = [s for s in segs if s.role == "quote"]
    assert [q.speaker for q in quotes] == ["Sophie Marchand", "Paul Girard", "Paul Girard"]
    voices = {q.speaker: q.voice for q in quotes}
    assert voices["Sophie Marchand"] != voices["Paul Girard"]
    assert all(q.voice in book.quote_pool for q in quotes)
    assert all(s.voice == book.narrator for s in segs if s.role != "quote")
    assert all(s.speaker is None for s in segs if s.role != "quote")
    # The scare-quoted « cosmétique » stays with the narrator, without its marks.
    assert any("un budget cosmétique" in s.text for s in segs if s.role == "narration")


def test_pauses_grow_with_the_boundary():
    segs = script_of(ARTICLE).segments
    heading = next(i for i, s in enumerate(segs) if s.text == "Une opposition divisée.")
    assert segs[heading - 1].pause_ms == PAUSE_SECTION
    first_para_end = next(i for i, s in enumerate(segs) if s.text.endswith("quatre heures de débat."))
    assert segs[first_para_end].pause_ms == PAUSE_PARAGRAPH
    assert PAUSE_SENTENCE < PAUSE_PARAGRAPH < PAUSE_SECTION


def test_segments_are_capped_and_lose_no_words():
    long_sentence = "Le maire a présenté, devant un public nombreux et parfois bruyant, " * 8 + "un plan complet."
    segs = script_of(f"Titre\n\n{long_sentence}", max_chars=120).segments
    body = [s.text for s in segs[1:]]
    assert all(len(t) <= 120 for t in body)
    assert " ".join(body).split() == long_sentence.split()


def test_sample_article():
    text = SAMPLE_ARTICLE.read_text(encoding="utf-8")
    script = script_of(text)
    quotes = [s for s in script.segments if s.role == "quote"]
    assert len(quotes) >= 8
    assert {"Marc Delorme", "Claire Vasseur"} <= {q.speaker for q in quotes}
    assert max(len(s.text) for s in script.segments) <= 250
    # « Vidéa » in the title is a name, not speech.
    assert script.segments[0].role == "title"
    # One speaker, one voice, through the whole episode.
    by_speaker = {}
    for q in quotes:
        by_speaker.setdefault(q.speaker, set()).add(q.voice)
    assert all(len(v) == 1 for v in by_speaker.values())


def test_json_round_trip():
    script = script_of(ARTICLE)
    from briefing.model import Script

    assert Script.from_dict(script.to_dict()) == script
