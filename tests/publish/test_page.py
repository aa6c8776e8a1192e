"""The listening page as HTML (escaping, structure, no external resource) and `briefing serve`
over real HTTP on 127.0.0.1: content types, range requests, what must never be served, methods,
the index, and Ctrl-C. The browser checks are in test_page_browser.py."""

import base64
import datetime as dt
import hashlib
import http.client
import json
import re
import signal
import subprocess
import sys
from html.parser import HTMLParser

import pytest
from helpers import ROOT, RUN_BRIEFING, hostile_page

from briefing.cli import app
from briefing.publish.page import (
    INDEX_CSP,
    IndexEntry,
    clock,
    french_date,
    index_html,
    spoken_duration,
    to_html,
)
from briefing.publish.serve import ServeOptions, parse_range, serve_in_thread
from briefing.text.clean import foreign_language

TEMPLATES = ROOT / "briefing" / "publish" / "templates"
EPISODE = "briefing-2026-11-24"


class Tree(HTMLParser):
    """Every start tag with its attributes, in order, and the text of <script> elements."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.tags, self.scripts, self._in_script = [], [], False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag):
        self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.scripts.append(data)

    def all(self, tag):
        return [attrs for t, attrs in self.tags if t == tag]


def test_everything_from_articles_is_escaped():
    text = to_html(hostile_page())
    tree = Tree(text)
    assert len(tree.all("script")) == 1  # ours, at the end
    assert "__pwned" not in tree.scripts[0] and "alert" not in tree.scripts[0]
    assert not tree.all("img") and not tree.all("b") and not tree.all("i")
    for _tag, attrs in tree.tags:
        assert not [name for name in attrs if name.startswith("on")]
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in text
    assert "Jean &lt;b onmouseover=alert(1)&gt;Dupont&lt;/b&gt;" in text
    # The title element holds the escaped title, not a broken-out one.
    assert "<title>Titre &lt;script&gt;" in text
    # A URL source is a link, escaped; anything else is text (a local path only shows its name).
    links = [a["href"] for a in tree.all("a")]
    assert 'https://exemple.fr/a?x=1&y="2"<' in links
    assert not [h for h in links if h.startswith("javascript:")]
    assert "/home/someone" not in text and "port.md" in text and "entrée standard" in text
    # The audio's own name is URL-encoded where it is a URL.
    assert tree.all("audio")[0]["src"] == "%C3%A9pisode%20%221%22%20%232.mp3"


INDEX_ENTRIES = [
    IndexEntry(
        "Briefing du mardi 24 novembre", f"{EPISODE}.html", f"{EPISODE}.mp3", dt.datetime(2026, 11, 24, 6), 95.0
    ),
    IndexEntry("École : la rentrée", "rentree.mp3", "rentree.mp3", dt.datetime(2026, 9, 1, 6), 60.0),
]


def test_index_offers_a_search_and_each_page_a_way_back_to_it():
    """WCAG 2.4.5 Multiple ways: the index lists the episodes and filters them as one types (the
    browser test types in it); every page links back to the index, in a named nav landmark."""
    index = index_html(INDEX_ENTRIES)
    tree = Tree(index)
    search = next(attrs for _, attrs in tree.tags if attrs.get("role") == "search")
    assert "data-js-only" in search and "hidden" in search  # without JavaScript: the whole list, no field
    field = tree.all("input")[0]
    assert field["type"] == "search" and field["id"] == "recherche" and field["aria-controls"] == "episodes"
    assert '<label for="recherche">Rechercher un épisode</label>' in index
    live = [attrs for _, attrs in tree.tags if attrs.get("role") == "status"]
    assert live == [{"id": "recherche-nombre", "class": "meta count", "role": "status", "aria-live": "polite"}]
    assert '<p id="recherche-nombre" class="meta count" role="status" aria-live="polite"></p>' in index
    assert [li for li in tree.all("li") if "data-episode" in li] == [{"data-episode": None}] * 2
    assert "hidden" not in tree.all("ol")[0]
    # The page: "Tous les épisodes", to the folder (its index when served), in the header's nav.
    page = Tree(to_html(hostile_page()))
    navs = page.all("nav")
    assert navs[0] == {"class": "back", "aria-label": "Épisodes"} and navs[1]["id"] == "chapitres"
    back = page.tags[page.tags.index(("nav", navs[0])) + 1]
    assert back == ("a", {"href": "./"})
    assert '<nav class="back" aria-label="Épisodes"><a href="./">Tous les épisodes</a></nav>' in to_html(hostile_page())


ENGLISH = (
    "The agreement was signed by the two companies on Monday, and it will allow the port to welcome "
    "larger ships from the United States and from Asia over the next ten years."
)
ARTICLE_WITH_ENGLISH = f"""Un accord pour le port de Brest

Le conseil portuaire a approuvé lundi soir un accord avec deux armateurs étrangers. Les élus se sont félicités de ce texte, qui doit garantir l'activité du port pour les dix prochaines années.

{ENGLISH}

Les travaux d'aménagement des quais commenceront au printemps, selon la direction du port.
"""


@pytest.mark.parametrize(
    "text, paragraph, expected",
    [
        (ENGLISH, "", "en"),
        (
            "Les élus se sont félicités de ce texte, qui doit garantir l'activité du port pour les dix prochaines années.",
            "",
            "",
        ),
        ("We will win.", "", ""),  # too short to say, and no paragraph
        (
            "We will win.",
            "« We will win. This is our port and it is not for sale to anyone, whatever the cost », a déclaré le maire.",
            "en",
        ),
        (
            "a déclaré le maire.",
            "« We will win. This is our port and it is not for sale to anyone, whatever the cost », a déclaré le maire.",
            "",
        ),
        (
            "We will win.",
            "Le maire a lancé « We will win » avant de quitter la salle avec les élus de la majorité et le public.",
            "",
        ),
    ],
)
def test_foreign_language_of_a_line(text, paragraph, expected):
    """WCAG 3.1.2: a line in English is marked; French never; a short line by its paragraph, and
    only when its own words lean that way (a French incise in an English quotation stays French)."""
    assert foreign_language(text, paragraph) == expected


def test_a_passage_in_another_language_is_marked(tmp_path):
    """WCAG 3.1.2 Language of parts: the page of an article with an English paragraph (25+ words)
    marks that line lang="en", and nothing else."""
    from briefing.model import Cue, Episode
    from briefing.pipeline import Options, make_script
    from briefing.publish.files import Publication, listening_page
    from briefing.publish.info import Chapter, EpisodeInfo
    from briefing.synthesis.render import RenderOptions

    source = tmp_path / "accord.txt"
    source.write_text(ARTICLE_WITH_ENGLISH, encoding="utf-8")
    script = make_script([str(source)], Options(render=RenderOptions(engine="espeak")))
    cues = tuple(Cue(i, i * 3000, i * 3000 + 2500) for i in range(len(script.segments)))
    episode = Episode(script.title, tmp_path / "x.f32", 44100, 44100 * 3 * len(cues), cues)
    end = cues[-1].end_ms
    pub = Publication(
        script,
        episode,
        EpisodeInfo(script.title, date="2026-11-24"),
        (Chapter(script.title, 0, end),),
        tmp_path / "a.mp3",
    )
    text = to_html(listening_page(pub))
    assert text.startswith('<!doctype html>\n<html lang="fr">')
    marked = re.findall(r'<span class="cue"[^>]* lang="(\w+)">([^<]*)</span>', text)
    assert marked == [("en", ENGLISH)]
    assert text.count(" lang=") == 2  # the page's, and that line's
    assert len(re.findall(r'<span class="cue', text)) == len(script.segments) > 4


def test_page_is_self_contained_and_structured():
    text = to_html(hostile_page())
    tree = Tree(text)
    assert text.startswith('<!doctype html>\n<html lang="fr">')
    # Nothing is fetched but the MP3 beside it: no external script, style, image or font.
    assert not tree.all("link") or all(
        link["href"] == "data:," or link.get("rel") == "alternate" for link in tree.all("link")
    )
    assert [attrs.get("src") for t, attrs in tree.tags if "src" in attrs] == ["%C3%A9pisode%20%221%22%20%232.mp3"]
    csp = next(m["content"] for m in tree.all("meta") if m.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and "script-src 'sha256-" in csp and "unsafe-inline" not in csp
    # Landmarks, then headings in order without a skipped level.
    tags = [t for t, _ in tree.tags]
    chapters_nav = next(i for i, (t, attrs) in enumerate(tree.tags) if t == "nav" and attrs.get("id") == "chapitres")
    assert tags.index("header") < tags.index("main") < chapters_nav < tags.index("footer")
    levels = [int(t[1]) for t in tags if re.fullmatch(r"h[1-6]", t)]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False)), levels
    # The skip link leads somewhere that exists; every control has a label.
    skip = tree.all("a")[0]
    assert skip["class"] == "skip" and any(attrs.get("id") == skip["href"][1:] for _, attrs in tree.tags)
    assert tree.all("select")[0]["id"] == "vitesse" and '<label for="vitesse">Vitesse</label>' in text
    assert [o["value"] for o in tree.all("option")] == ["0.75", "1", "1.25", "1.5", "1.75", "2"]
    assert tree.all("audio")[0]["aria-label"].startswith("Épisode : Titre <script>")
    # One status region, empty: it speaks only when the listener asks where the reading is
    # (the I key); nothing talks over the audio by itself.
    live = [attrs for _, attrs in tree.tags if "aria-live" in attrs or attrs.get("role") in ("alert", "status", "log")]
    assert live == [{"id": "annonce", "class": "vh", "role": "status"}]
    assert '<p id="annonce" class="vh" role="status"></p>' in text
    # Without JavaScript: chapters and times are media-fragment links to the MP3.
    chapters = [a for a in tree.all("a") if a.get("data-start") and "at" not in a.get("class", "")]
    assert [a["href"] for a in chapters] == [
        "%C3%A9pisode%20%221%22%20%232.mp3#t=0",
        "%C3%A9pisode%20%221%22%20%232.mp3#t=60",
    ]
    cues = [span for span in tree.all("span") if "cue" in span.get("class", "").split()]
    assert [(c["data-start"], c["data-end"]) for c in cues] == [("0", "2"), ("2.5", "5"), ("61", "64")]
    # The controls only JavaScript can run are hidden without it.
    assert all("hidden" in attrs for _, attrs in tree.tags if "data-js-only" in attrs)


def sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def csp_of(text: str) -> dict[str, str]:
    """The page's own Content-Security-Policy, directive -> value."""
    csp = next(m["content"] for m in Tree(text).all("meta") if m.get("http-equiv") == "Content-Security-Policy")
    return dict(d.strip().split(" ", 1) for d in csp.split(";"))


def test_csp_allows_only_the_shipped_style_and_script():
    shipped = {name: (TEMPLATES / name).read_text(encoding="utf-8").strip() for name in ("style.css", "script.js")}
    for name, text in shipped.items():  # inlined as is: closing their own element would end it early
        assert "</style" not in text.lower() and "</script" not in text.lower(), name
    page = to_html(hostile_page())
    assert re.findall(r"<style>(.*?)</style>", page, re.S) == [shipped["style.css"]]
    assert re.findall(r"<script>(.*?)</script>", page, re.S) == [shipped["script.js"]]
    csp = csp_of(page)
    assert csp["style-src"] == sha256(shipped["style.css"]) and csp["script-src"] == sha256(shipped["script.js"])
    assert csp["default-src"] == "'none'"
    # The index: the same style, and its own script (the search field), only when it lists episodes.
    index_js = (TEMPLATES / "index.js").read_text(encoding="utf-8").strip()
    assert "</script" not in index_js.lower()
    index = index_html([])
    assert re.findall(r"<style>(.*?)</style>", index, re.S) == [shipped["style.css"]] and "<script" not in index
    index = index_html(INDEX_ENTRIES)
    assert re.findall(r"<script>(.*?)</script>", index, re.S) == [index_js]
    csp = csp_of(index)
    assert csp["style-src"] == sha256(shipped["style.css"]) and csp["script-src"] == sha256(index_js)
    assert (
        csp["default-src"] == "'none'"
        and "unsafe-inline" not in INDEX_CSP
        and csp_of(index) == dict(d.strip().split(" ", 1) for d in INDEX_CSP.split(";"))
    )


def test_templates_mark_nothing_safe_but_the_style_and_script():
    """Autoescaping is the one place article text is escaped: nothing else may bypass it."""
    texts = {p.name: p.read_text(encoding="utf-8") for p in TEMPLATES.glob("*.html")}
    unescaped = sorted(
        (name, m) for name, text in texts.items() for m in re.findall(r"\{\{\s*([\w.]+)\s*\|\s*safe\s*\}\}", text)
    )
    assert unescaped == [("base.html", "style"), ("index.html", "script"), ("page.html", "script")]
    assert sum(len(re.findall(r"\bsafe\b|\bautoescape\b", text)) for text in texts.values()) == 3


def test_one_player_component():
    """The player (its audio, buttons, settings and status region) is written in one place,
    player.html, and the script sets up every [data-player]: a later page with a player gets the
    same accessibility fixes (tests/publish/test_page_browser.py checks them in Chromium)."""
    templates = {p.name: p.read_text(encoding="utf-8") for p in TEMPLATES.glob("*.html")}
    assert [name for name, text in templates.items() if "<audio" in text or "data-player" in text] == ["player.html"]
    assert '{% from "player.html" import player %}' in templates["page.html"]
    assert "autoplay" not in templates["player.html"] and 'preload="metadata"' in templates["player.html"]
    assert 'all("[data-player]").forEach(setUp)' in (TEMPLATES / "script.js").read_text(encoding="utf-8")
    text = to_html(hostile_page())
    tree = Tree(text)
    players = [attrs for _, attrs in tree.tags if "data-player" in attrs]
    assert (
        len(players) == 1
        and players[0]["data-transcript"] == "transcription"
        and players[0]["data-chapters"] == "chapitres"
    )
    # The shortcuts' switch (WCAG 2.1.4): a labelled box, on unless the listener turned it off.
    box = next(attrs for attrs in tree.all("input") if attrs.get("id") == "raccourcis")
    assert box["type"] == "checkbox" and "checked" in box and "data-shortcuts" in box
    assert '<input type="checkbox" id="raccourcis" data-shortcuts checked> Raccourcis clavier</label>' in text
    assert [b["aria-keyshortcuts"] for b in tree.all("button") if "aria-keyshortcuts" in b] == ["J", "L", "P", "S"]
    # The button that resumes following, shown only once it is paused.
    resume = next(b for b in tree.all("button") if b.get("id") == "reprendre")
    assert "hidden" in resume and resume["type"] == "button" and ">Reprendre le suivi</button>" in text
    assert "lorsque le focus est dans le lecteur ou dans la transcription" in text
    assert "La case « Raccourcis clavier » du lecteur les désactive" in text


def test_a_wheel_ships_the_templates():
    """Read at run time from the package: pyproject.toml's package-data must name every one."""
    import fnmatch

    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib

    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"][
        "package-data"
    ]["briefing"]
    files = sorted(p.name for p in TEMPLATES.iterdir())
    assert files == [
        "base.html",
        "embed.js",
        "index.html",
        "index.js",
        "page.html",
        "player.html",
        "script.js",
        "style.css",
    ]
    for name in files:
        assert any(fnmatch.fnmatch(f"publish/templates/{name}", pattern) for pattern in patterns), name


def test_transcript_groups_by_chapter_and_names_speakers_when_they_change():
    text = to_html(hostile_page())
    body = text[text.index('id="transcription"') :]
    assert (
        body.index("Sommaire &lt;/title&gt;")
        < body.index("Bonjour.")
        < body.index("Jean &lt;b")
        < body.index(">Deux</h3>")
        < body.index("Deuxième sujet.")
    )
    # A quotation's speaker is named when the speaker changes; the narrator is not named.
    assert body.count('class="who"') == 1 and "Narrateur" not in body


@pytest.mark.parametrize(
    "func, value, expected",
    [
        (clock, 0, "0:00"),
        (clock, 65_400, "1:05"),
        (clock, 3_725_000, "1:02:05"),
        (spoken_duration, 45_000, "45 s"),
        (spoken_duration, 192_000, "3 min 12 s"),
        (spoken_duration, 120_000, "2 min"),
        (spoken_duration, 3_720_000, "1 h 02 min"),
        (french_date, "2026-11-24", "mardi 24 novembre 2026"),
        (french_date, "2026-08-01T06:00:00+02:00", "samedi 1er août 2026"),
        (french_date, "bientôt", "bientôt"),
    ],
)
def test_french_times_and_dates(func, value, expected):
    assert func(value) == expected


def test_speak_writes_the_page_beside_the_mp3(episode_folder):
    text = (episode_folder / f"{EPISODE}.html").read_text(encoding="utf-8")
    vtt = (episode_folder / f"{EPISODE}.vtt").read_text(encoding="utf-8")
    chapters = json.loads((episode_folder / f"{EPISODE}.chapters.json").read_text(encoding="utf-8"))["chapters"]
    tree = Tree(text)
    assert tree.all("audio")[0]["src"] == f"{EPISODE}.mp3"
    cues = [span for span in tree.all("span") if "cue" in span.get("class", "").split()]
    assert len(cues) == vtt.count(" --> ")  # every cue of the transcript, nothing else
    # In paragraphs and sub-headings, as the articles have them.
    headings = [h for h in tree.all("h4") if h.get("class") == "block heading"]
    paragraphs = [p for p in tree.all("p") if p.get("class") == "block"]
    assert [h["id"] for h in headings] and len(paragraphs) < len(cues)
    # The chapters, articles and their sub-headings, link to where they start.
    assert [a["data-start"] for a in tree.all("a") if a.get("data-start") and "at" not in a.get("class", "")] == [
        f"{c['startTime']:.3f}".rstrip("0").rstrip(".") for c in chapters
    ]
    assert "Une opposition divisée" in [c["title"] for c in chapters]
    assert "Le briefing du port" in text and "mardi 24 novembre 2026" in text
    assert "Hugo Lambert" in text and "Sophie Marchand" in text
    assert "Le port de Brest &amp; ses « quais »" in text
    assert "budget.txt" in text and "port.md" in text  # the sources, by name
    # The feed links each item to its page.
    assert f"<link>http://127.0.0.1:8000/{EPISODE}.html</link>" in (episode_folder / "feed.xml").read_text(
        encoding="utf-8"
    )


# --- briefing serve, over HTTP ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def server(episode_folder):
    server, thread = serve_in_thread(ServeOptions(episode_folder, port=0))
    yield server
    server.shutdown()
    server.server_close()


def request(server, path, method="GET", headers=None):
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.request(method, path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


@pytest.mark.parametrize(
    "name, content_type",
    [
        (f"{EPISODE}.mp3", "audio/mpeg"),
        (f"{EPISODE}.html", "text/html; charset=utf-8"),
        (f"{EPISODE}.vtt", "text/vtt; charset=utf-8"),
        (f"{EPISODE}.srt", "application/x-subrip; charset=utf-8"),
        (f"{EPISODE}.chapters.json", "application/json+chapters"),
        ("feed.xml", "application/rss+xml; charset=utf-8"),
        ("lien.vtt", "text/vtt; charset=utf-8"),  # a link to a file inside the folder is fine
    ],
)
def test_files_are_served_with_their_content_types(server, episode_folder, name, content_type):
    status, headers, body = request(server, "/" + name)
    assert status == 200
    assert headers["content-type"] == content_type
    assert headers["accept-ranges"] == "bytes"
    assert headers["x-content-type-options"] == "nosniff"
    assert body == (episode_folder / name).read_bytes()
    assert int(headers["content-length"]) == len(body)


def test_range_requests(server, episode_folder):
    data = (episode_folder / f"{EPISODE}.mp3").read_bytes()
    size = len(data)
    path = f"/{EPISODE}.mp3"
    for header, first, last in [
        ("bytes=0-99", 0, 99),
        ("bytes=1000-", 1000, size - 1),
        ("bytes=-500", size - 500, size - 1),
        (f"bytes=100-{size + 50}", 100, size - 1),
    ]:
        status, headers, body = request(server, path, headers={"Range": header})
        assert status == 206, header
        assert headers["content-range"] == f"bytes {first}-{last}/{size}"
        assert int(headers["content-length"]) == last - first + 1
        assert body == data[first : last + 1]
    for header in [
        f"bytes={size}-",
        f"bytes={size + 10}-{size + 20}",
        "bytes=500-100",
        "bytes=-0",
        f"bytes={size * 10}-",
    ]:
        status, headers, body = request(server, path, headers={"Range": header})
        assert status == 416, header
        assert headers["content-range"] == f"bytes */{size}"
    # Another unit, or several ranges: the whole file (a server may ignore Range).
    for header in ["items=0-5", "bytes=0-1,5-6"]:
        status, headers, body = request(server, path, headers={"Range": header})
        assert status == 200 and body == data
    status, headers, body = request(server, path, method="HEAD")
    assert status == 200 and body == b"" and int(headers["content-length"]) == size
    status, headers, body = request(server, path, method="HEAD", headers={"Range": "bytes=10-19"})
    assert status == 206 and body == b"" and headers["content-range"] == f"bytes 10-19/{size}"


@pytest.mark.parametrize(
    "path",
    [
        "/../secret.html",
        "/%2e%2e/secret.html",
        "/..%2fsecret.html",
        "/%2E%2E%2Fsecret.html",
        "/..%5csecret.html",
        "/%252e%252e%252fsecret.html",
        "/episodes/../../secret.html",
        "//etc/passwd",
        "/%2fetc%2fpasswd",
        "/..",
        "/fuite.html",  # a symbolic link in the folder that leads out of it
        "/sub/inner.html",
        "/sub/",
        "/sub",
        "/dossier.html",  # no sub-folders, no directory listing
        "/notes.txt",
        "/.brouillon.part.mp3",  # not an episode file; a file being written
        "/absent.mp3",
        f"/{EPISODE}.mp3%00.html",
        "/%ff%fe.html",
    ],
)
def test_nothing_else_can_be_read(server, path):
    status, _, body = request(server, path)
    assert status == 404, path
    assert b"secret" not in body and b"inner" not in body and b"root:" not in body


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "OPTIONS", "PATCH"])
def test_only_get_and_head(server, method):
    status, headers, _ = request(server, f"/{EPISODE}.mp3", method=method)
    assert status == 405
    assert headers["allow"] == "GET, HEAD"


def test_index_lists_episodes_newest_first_with_durations(server):
    status, headers, body = request(server, "/")
    assert status == 200 and headers["content-type"] == "text/html; charset=utf-8"
    assert "default-src 'none'" in headers["content-security-policy"]
    text = body.decode("utf-8")
    assert text.index("Briefing du mardi 24 novembre") < text.index("Un épisode plus ancien")
    assert f'href="{EPISODE}.html"' in text and 'href="ancien.mp3"' in text  # a page when there is one
    assert "mardi 24 novembre 2026" in text and "vendredi 20 novembre 2026" in text
    assert re.search(r"Durée : 1 min \d\d s", text)
    assert 'type="application/rss+xml"' in text and 'href="feed.xml"' in text
    assert "brouillon" not in text and "notes.txt" not in text


def test_serve_rejects_a_missing_folder_and_a_busy_port(runner, tmp_path, server):
    result = runner.invoke(app, ["serve", str(tmp_path / "absent")])
    assert result.exit_code == 2 and "no such folder" in result.stderr
    busy = str(server.server_address[1])
    result = runner.invoke(app, ["serve", str(tmp_path), "--port", busy])
    assert result.exit_code == 2
    assert (
        result.stderr.strip()
        == f"briefing: error: port {busy} is already in use on 127.0.0.1; choose another with --port"
    )


def test_serve_command_binds_loopback_and_stops_cleanly_on_ctrl_c(episode_folder):
    proc = subprocess.Popen(
        [sys.executable, str(RUN_BRIEFING), "serve", str(episode_folder), "--port", "0"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = proc.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url), url
        port = int(url.rsplit(":", 1)[1].rstrip("/"))
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", f"/{EPISODE}.html")
        assert conn.getresponse().status == 200
        conn.close()
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
    finally:
        proc.kill()
    stderr = proc.stderr.read()
    assert proc.returncode in (0, 130)
    assert "Traceback" not in stderr
    assert stderr.strip().splitlines()[-1] == "briefing: stopped"


def test_parse_range_edges():
    assert parse_range("bytes=0-0", 10) == (0, 0)
    assert parse_range("bytes=-20", 10) == (0, 9)
    assert parse_range("bytes=0-", 0) == "unsatisfiable"
    assert parse_range(" bytes=2-3", 10) == (2, 3)
    assert parse_range("bytes=0-1, 4-5", 10) is None and parse_range("items=0-5", 10) is None  # whole file
    assert parse_range("bytes=2-3,", 10) == (2, 3)  # an empty list element is allowed
    assert parse_range("bytes=" + "9" * 18 + "-", 10) == "unsatisfiable"
    for header in [
        "bytes=abc",
        "bytes=x-y",
        "bytes=-",
        "bytes=",
        "bytes",
        "=0-1",
        "bytes=1-2-3",
        "bytes=+1-2",
        "bytes=0x10-",
        "bytes=\u0661-\u0662",  # digits, but not ASCII ones
        "bytes=" + "9" * 19 + "-",
        "bytes=0-" + "9" * 19,
        "bytes=" + "1" * 4400 + "-",  # int() would refuse it (more than 4,300 digits)
        "bytes=0-1,x-y",
        "bytes=" + ",".join(["0-0"] * 100),  # too long
    ]:
        assert parse_range(header, 10) == "malformed", header


def test_malformed_or_huge_ranges_get_400_and_the_connection_still_answers(server, episode_folder):
    """A bad Range is answered (400 Bad Request), never dropped, and the kept-alive connection
    serves the next request; one beyond the file is 416 with the size."""
    path = f"/{EPISODE}.mp3"
    size = (episode_folder / f"{EPISODE}.mp3").stat().st_size
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        for header in ["bytes=" + "1" * 4400 + "-", "bytes=0-" + "7" * 4400, "bytes=abc", "bytes=x-y", "bytes"]:
            for method in ("GET", "HEAD"):
                conn.request(method, path, headers={"Range": header})
                response = conn.getresponse()
                body = response.read()
                assert response.status == 400, (method, header[:20])
                assert response.getheader("Content-Range") is None
                assert response.getheader("Connection") != "close"
                assert (body == b"") if method == "HEAD" else (body == "En-tête Range invalide.\n".encode())
        conn.request("GET", path, headers={"Range": f"bytes={size * 10}-"})
        response = conn.getresponse()
        response.read()
        assert response.status == 416 and response.getheader("Content-Range") == f"bytes */{size}"
        conn.request("GET", path, headers={"Range": "bytes=0-9"})
        response = conn.getresponse()
        assert response.status == 206 and len(response.read()) == 10
    finally:
        conn.close()
    # Two Range fields: 400 as well.
    status, headers, _ = request(server, path, headers={"Range": "bytes=0-1", "range": "bytes=2-3"})
    assert status == 400
