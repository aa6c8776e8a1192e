"""Every stage's size limit (briefing/limits.py): a one-line error, exit 2, nothing written; and
the text side's work bounded by the size of its input (generated inputs, counted, not timed)."""

from __future__ import annotations

import sys

import pytest
from helpers import assert_one_line_error, no_episode_files
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefing import limits
from briefing.cli import app
from briefing.engines.presets import load_voices
from briefing.model import Article, Block
from briefing.text import speakers
from briefing.text.script import build_script

ESPEAK = ["--engine", "espeak"]
QUOTES = (
    "« Nous allons rouvrir le marché dès la semaine prochaine », a déclaré la maire, Anne Roy. "
    "« Les commerçants attendent ce moment depuis deux ans », a ajouté le directeur, Paul Vidal. "
    "« Personne ne sait encore si les clients reviendront », a regretté le fromager Luc Martin."
)


def test_more_articles_than_one_episode_takes(runner, tmp_path):
    files = []
    for i in range(limits.MAX_ARTICLES + 1):
        path = tmp_path / f"a{i:03d}.txt"
        path.write_text(f"Titre {i}\n\nLe marché rouvre mardi.\n", encoding="utf-8")
        files.append(str(path))
    result = runner.invoke(app, ["speak", *files, "-o", str(tmp_path / "out" / "x.mp3"), *ESPEAK])
    assert_one_line_error(result, 2, f"more than {limits.MAX_ARTICLES} articles")
    assert no_episode_files(tmp_path)


@pytest.mark.parametrize(
    "where, name, value, text, fragment",
    [
        (limits, "MAX_SEGMENTS", 30, "Le marché rouvre mardi. " * 100, "more than 30 segments"),
        (limits, "MAX_QUOTES", 2, QUOTES, "3 quotations"),
        (speakers, "MAX_SPEAKERS", 2, QUOTES, "more than 2 sources"),
    ],
    ids=["segments", "quotes", "speakers"],
)
def test_the_script_stage_stops_at_its_limits(runner, tmp_path, monkeypatch, where, name, value, text, fragment):
    monkeypatch.setattr(where, name, value)
    src = tmp_path / "a.txt"
    src.write_text("Titre\n\n" + text + "\n", encoding="utf-8")
    result = runner.invoke(app, ["speak", str(src), "-o", str(tmp_path / "out" / "x.mp3"), *ESPEAK])
    assert_one_line_error(result, 2, fragment)
    assert no_episode_files(tmp_path)


def test_chapters_and_sub_headings_are_limited(runner, tmp_path, monkeypatch):
    monkeypatch.setattr(limits, "MAX_CHAPTERS", 3)
    src = tmp_path / "a.md"
    src.write_text("# Titre\n\n" + "".join(f"## Partie {i}\n\nUn paragraphe.\n\n" for i in range(4)), encoding="utf-8")
    result = runner.invoke(app, ["script", str(src), *ESPEAK])
    assert_one_line_error(result, 2, "chapters and sub-headings is over the limit of 3")


def test_an_edited_script_is_held_to_the_same_limits(runner, tmp_path, monkeypatch):
    src = tmp_path / "a.txt"
    src.write_text("Titre\n\n" + "Le marché rouvre mardi. " * 20 + "\n", encoding="utf-8")
    edited = tmp_path / "a.json"
    edited.write_text(runner.invoke(app, ["script", str(src), "--json", *ESPEAK]).stdout, encoding="utf-8")
    monkeypatch.setattr(limits, "MAX_SEGMENTS", 5)
    result = runner.invoke(app, ["speak", str(edited), "-o", str(tmp_path / "out" / "x.mp3"), *ESPEAK])
    assert_one_line_error(result, 2, "over the limit of 5")
    assert not (tmp_path / "out").exists() or no_episode_files(tmp_path / "out")


def test_standard_input_is_read_up_to_its_limit_only(runner, tmp_path):
    big = b"Titre\n\n" + b"Le march\xc3\xa9 rouvre mardi. " * (limits.MAX_DOWNLOAD_BYTES // 25 + 10)
    result = runner.invoke(app, ["script", "-", *ESPEAK], input=big)
    assert_one_line_error(result, 2, "standard input: over the 20 MB limit")


def test_a_feed_lists_a_bounded_number_of_episodes(runner, episode_folder, monkeypatch, tmp_path):
    monkeypatch.setattr(sys.modules["briefing.publish.feed"], "MAX_FEED_ITEMS", 1)
    folder = tmp_path / "eps"
    folder.mkdir()
    for name in ("a.mp3", "b.mp3"):
        (folder / name).write_bytes((episode_folder / "briefing-2026-11-24.mp3").read_bytes())
    result = runner.invoke(app, ["feed", str(folder), "--base-url", "https://exemple.fr/"])
    assert_one_line_error(result, 2, "holds 2 episodes, over the 1 one feed lists")
    assert not (folder / "feed.xml").exists()


# --- work bounded by the input: generated texts, sizes compared ------------------------------------

WORDS = st.sampled_from(
    "le la un marché maire Sophie Marchand conseil vote budget 12 1 250 000 € 3,5 % M. Dupont "
    "« » , ; : . ? ! et qui Bretagne Paris l'école d'été 2026 h 30 ( ) — 1er".split()
)


def _calls(action) -> int:
    """Python function calls made while `action` runs: work counted, not timed."""
    count = 0

    def profile(frame, event, arg):
        nonlocal count
        if event == "call":
            count += 1

    sys.setprofile(profile)
    try:
        action()
    finally:
        sys.setprofile(None)
    return count


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(WORDS, min_size=200, max_size=400), st.booleans())
def test_the_text_side_does_work_in_proportion_to_its_input(words, unpunctuated):
    """Any mix of words, numbers, quotes and punctuation, or the same without any punctuation
    (OCR): four times the text costs about four times the Python calls (a quadratic loop would
    cost 16), and the Script it makes is in proportion too. (Calls count Python work; the
    quadratic string slicing fixed in cap_length is pinned by test_text's own count.)"""
    book = load_voices()
    if unpunctuated:
        words = [w for w in words if w[0].isalnum()] or ["mot"]
    paragraph = " ".join(words)

    def script(copies: int):
        article = Article("Titre", tuple(Block("paragraph", paragraph) for _ in range(copies)))
        return build_script([article], book)

    small, large = _calls(lambda: script(2)), _calls(lambda: script(8))
    assert large < 6 * small
    made = script(8)
    assert len(made.segments) <= 8 * len(paragraph) // 5 + 10
    assert sum(len(s.text) for s in made.segments) < 40 * 8 * len(paragraph)  # spelled out, not blown up


def test_a_size_over_a_limit_is_never_said_equal_to_it():
    from briefing.limits import megabytes

    assert megabytes(int(1.04 * 2**20), 2**20) == ("1.04", "1")
    assert megabytes(int(20.4 * 2**20), 20 * 2**20) == ("20.4", "20")
    assert megabytes(5 * 2**20, 2**20) == ("5", "1")
    assert megabytes(21 * 2**20, 20 * 2**20) == ("21", "20")
    assert megabytes(int(2.5 * 2**20), 2 * 2**20) == ("2.5", "2")
