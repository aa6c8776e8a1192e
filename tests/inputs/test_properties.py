"""Property-based tests of the readers that take text from the outside: whatever they are given,
they give an article, a script or a one-line InputError, never another exception, and what is
spoken holds no digit and no symbol a voice would read literally. Example budgets are fixed so
the suite's time stays bounded (40 a test, the same on every run: see conftest.py)."""

import json
import string

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefing.engines.presets import load_voices
from briefing.errors import InputError
from briefing.inputs.feeds import articles_from_feed
from briefing.inputs.pages import article_from_html
from briefing.inputs.script_file import parse_script
from briefing.model import Article, Block
from briefing.text.script import ScriptOptions, build_script

BOOK = load_voices(None)
NARRATOR = BOOK.narrator
SYMBOLS = set("0123456789%€$£&/@#*<>")
FAST = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text as news pages hold it: letters, digits, French punctuation, symbols, other scripts, controls.
NEWS_TEXT = st.text(
    alphabet=st.one_of(
        st.sampled_from(list(string.ascii_letters + "éèàçùâêîôûœ’«» .,;:!?'-–—…()[]%€$/&@#*\n")),
        st.characters(codec="utf-8"),
    ),
    max_size=300,
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=10), children, max_size=5),
    max_leaves=30,
)
SEGMENT = st.fixed_dictionaries(
    {"role": st.sampled_from(["narration", "quote", "title", "bogus"]), "text": st.text(max_size=80)},
    optional={
        "voice": st.sampled_from([NARRATOR, "nobody"]),
        "pause_ms": st.integers(-10, 20_000),
        "chapter": st.integers(-1, 3),
        "gender": st.sampled_from([None, "female", "male", "x"]),
        "speaker": st.none() | st.text(max_size=10),
        "written": st.text(max_size=40),
    },
)


@FAST
@given(NEWS_TEXT, NEWS_TEXT)
def test_any_text_builds_a_script_that_speaks_no_digit_or_symbol(title, body):
    article = Article(title or "Titre", (Block("paragraph", body or "Rien."),))
    script = build_script([article], BOOK, ScriptOptions(disclosure=False))
    for seg in script.segments:
        assert not SYMBOLS & set(seg.text), seg.text


@FAST
@given(
    st.one_of(JSON, st.fixed_dictionaries({"title": st.text(max_size=20), "segments": st.lists(SEGMENT, max_size=4)}))
)
def test_any_json_is_a_script_or_a_one_line_error(data):
    try:
        script = parse_script(data, BOOK, "x.json")
    except InputError as exc:
        assert "\n" not in str(exc)
    else:
        assert script.segments and all(s.text.strip() for s in script.segments)
        json.dumps([s.text for s in script.segments])


@FAST
@given(NEWS_TEXT, st.sampled_from(["p", "div", "h2", "li", "script", "blockquote", "article"]))
def test_any_html_is_an_article_or_a_one_line_error(text, tag):
    html = f"<html><head><title>{text[:40]}</title></head><body><{tag}>{text}</{tag}><p>{text[::-1]}</p></body></html>"
    for data in (html, html.encode("utf-8", "surrogatepass"), text):
        try:
            article = article_from_html(data, "page.html")
        except InputError as exc:
            assert "\n" not in str(exc)
        else:
            assert article.title and all(b.text for b in article.blocks)


@FAST
@given(NEWS_TEXT, NEWS_TEXT, st.binary(max_size=200))
def test_any_feed_is_articles_or_a_one_line_error(title, description, noise):
    from xml.sax.saxutils import escape

    rss = (
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{escape(title)}</title>'
        f"<item><title>{escape(title)}</title><guid>urn:1</guid><description>{escape(description)}</description></item>"
        "</channel></rss>"
    ).encode("utf-8", "surrogatepass")
    for data in (rss, noise, rss[: len(rss) // 2] + noise):
        try:
            articles = articles_from_feed(data, "feed.xml")
        except InputError as exc:
            assert "\n" not in str(exc)
        else:
            assert all(isinstance(a, Article) for a in articles)
