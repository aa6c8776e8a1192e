"""The registry of published files (briefing/publish/files.py) and the modules that follow it:
what `speak` writes, what the feed declares, what `serve` answers, all from the one list."""

import http.client
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from briefing.publish.files import (
    AUDIO,
    CHAPTERS,
    EPISODE_FILES,
    FEED,
    FOLDER_FILES,
    PAGE,
    SRT,
    WEBVTT,
    episode_paths,
    kind_of,
)
from briefing.publish.serve import ServeOptions, serve_in_thread

EPISODE = "briefing-2026-11-24"
PODCAST_NS = "{https://podcastindex.org/namespace/1.0}"
ATOM_NS = "{http://www.w3.org/2005/Atom}"


def test_every_episode_kind_has_a_writer_and_its_own_suffix():
    assert [kind.key for kind in EPISODE_FILES] == ["mp3", "vtt", "srt", "chapters", "html", "epub"]
    assert [kind.key for kind in EPISODE_FILES if kind.optional] == ["epub"]  # written when asked (--epub)
    assert all(callable(kind.write) for kind in EPISODE_FILES)
    assert all(kind.write is None for kind in FOLDER_FILES)
    suffixes = [kind.suffix for kind in (*EPISODE_FILES, *FOLDER_FILES)]
    assert len(set(suffixes)) == len(suffixes)


@pytest.mark.parametrize(
    "kind, content_type",
    [
        (AUDIO, "audio/mpeg"),
        (WEBVTT, "text/vtt; charset=utf-8"),
        (SRT, "application/x-subrip; charset=utf-8"),
        (CHAPTERS, "application/json+chapters"),
        (PAGE, "text/html; charset=utf-8"),
        (FEED, "application/rss+xml; charset=utf-8"),
    ],
)
def test_content_types(kind, content_type):
    assert kind.content_type == content_type


@pytest.mark.parametrize(
    "name, kind",
    [
        ("a.mp3", AUDIO),
        ("A.MP3", AUDIO),
        ("a.vtt", WEBVTT),
        ("a.srt", SRT),
        ("a.html", PAGE),
        ("a.chapters.json", CHAPTERS),
        ("a.Chapters.JSON", CHAPTERS),
        ("feed.xml", FEED),
        ("a.json", None),  # only an episode's chapters are JSON we publish
        ("x.feed.xml", None),
        ("Feed.xml", None),
        ("a.xml", None),
        ("notes.txt", None),
        ("a.mp3.txt", None),
    ],
)
def test_kind_of_a_file_name(name, kind):
    assert kind_of(name) is kind


@pytest.mark.parametrize(
    "audio, beside",
    [
        (
            "out/brief.mp3",
            [
                "out/brief.mp3",
                "out/brief.vtt",
                "out/brief.srt",
                "out/brief.chapters.json",
                "out/brief.html",
                "out/brief.epub",
            ],
        ),
        # The MP3 stays where it was asked for; the others replace its last suffix only.
        (
            "odd.name.2026",
            [
                "odd.name.2026",
                "odd.name.vtt",
                "odd.name.srt",
                "odd.name.chapters.json",
                "odd.name.html",
                "odd.name.epub",
            ],
        ),
        (
            "sans-suffixe",
            [
                "sans-suffixe",
                "sans-suffixe.vtt",
                "sans-suffixe.srt",
                "sans-suffixe.chapters.json",
                "sans-suffixe.html",
                "sans-suffixe.epub",
            ],
        ),
    ],
)
def test_episode_paths(audio, beside):
    paths = episode_paths(Path(audio))
    assert list(paths) == list(EPISODE_FILES)
    assert [str(p) for p in paths.values()] == beside


def test_speak_writes_every_registered_kind_and_nothing_else(episode_folder):
    paths = episode_paths(episode_folder / f"{EPISODE}.mp3")
    assert all(path.is_file() for path in paths.values())
    named_after = {p for p in episode_folder.iterdir() if p.name.startswith(EPISODE)}
    assert named_after == set(paths.values())


class Links(HTMLParser):
    def __init__(self, text):
        super().__init__()
        self.footer, self.hrefs = False, []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.footer = self.footer or tag == "footer"
        if self.footer and tag == "a":
            self.hrefs.append(dict(attrs)["href"])


def test_the_page_offers_the_registered_files(episode_folder):
    paths = episode_paths(episode_folder / f"{EPISODE}.mp3")
    footer = Links(paths[PAGE].read_text(encoding="utf-8")).hrefs
    assert footer == [paths[AUDIO].name] + [paths[kind].name for kind in EPISODE_FILES if kind.offer]
    assert [kind.offer for kind in EPISODE_FILES if kind.offer] == [
        "transcription WebVTT",
        "sous-titres SRT",
        "chapitres JSON",
        "livre audio EPUB 3",
    ]


def test_feed_types_come_from_the_registry(episode_folder):
    channel = ET.parse(episode_folder / FEED.suffix).getroot().find("channel")
    assert channel.find(f"{ATOM_NS}link").get("type") == FEED.media_type
    item = next(i for i in channel.findall("item") if i.find("enclosure").get("url").endswith(f"/{EPISODE}.mp3"))
    assert item.find("enclosure").get("type") == AUDIO.media_type
    transcripts = [(t.get("url").rsplit("/", 1)[1], t.get("type")) for t in item.findall(f"{PODCAST_NS}transcript")]
    assert transcripts == [(f"{EPISODE}{kind.suffix}", kind.media_type) for kind in (WEBVTT, SRT)]
    chapters = item.find(f"{PODCAST_NS}chapters")
    assert chapters.get("url").endswith(f"/{EPISODE}{CHAPTERS.suffix}") and chapters.get("type") == CHAPTERS.media_type
    assert item.find("link").text.endswith(f"/{EPISODE}{PAGE.suffix}")


@pytest.fixture(scope="module")
def server(episode_folder):
    server, _ = serve_in_thread(ServeOptions(episode_folder, port=0))
    yield server
    server.shutdown()
    server.server_close()


def get(server, path, method="GET"):
    host, port = server.server_address[:2]
    conn = http.client.HTTPConnection(host, port, timeout=10)
    try:
        conn.request(method, path)
        response = conn.getresponse()
        return response.status, response.getheader("Content-Type"), response.read()
    finally:
        conn.close()


@pytest.mark.parametrize("kind", [*EPISODE_FILES, *FOLDER_FILES], ids=lambda kind: kind.key)
def test_serve_answers_each_registered_kind_with_its_type(server, episode_folder, kind):
    name = kind.suffix if kind in FOLDER_FILES else episode_paths(episode_folder / f"{EPISODE}.mp3")[kind].name
    status, content_type, body = get(server, "/" + name)
    assert status == 200 and content_type == kind.content_type
    assert body == (episode_folder / name).read_bytes()


def test_serve_answers_nothing_unregistered(server, episode_folder):
    (episode_folder / "donnees.json").write_text("{}", encoding="utf-8")
    try:
        assert get(server, "/donnees.json")[0] == 404
    finally:
        (episode_folder / "donnees.json").unlink()
