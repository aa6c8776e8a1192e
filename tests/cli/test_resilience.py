"""Bad and hostile input: each gives one clear line, the right exit code, and no partial file."""

import errno
import json

import pytest

from briefing.cli import app

# The bundled narrator is a Coqui voice: pinned to espeak, these runs are the same whether or not
# Coqui models are downloaded on this machine.
ESPEAK = ["--engine", "espeak"]

ENGLISH = """The council approves the budget

The city council approved on Monday the budget for next year, after a debate that lasted four hours and was followed by many residents.

"We are investing in schools before anything else, because that is where everything begins," said the mayor. The opposition said that the plan was not enough and that they would vote against it in the next session of the council.
"""


def one_line_error(result, code, fragment):
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("briefing: error: "), result.stderr
    assert fragment in lines[0], lines[0]
    assert "Traceback" not in result.output


def nothing_written(folder):
    return not [
        p for p in folder.rglob("*") if p.suffix in (".mp3", ".vtt", ".srt", ".json", ".xml") or ".part" in p.name
    ]


@pytest.mark.parametrize(
    "content, fragment",
    [
        (b"", "is empty"),
        (b"  \n\t \n", "is empty"),
        (b"\x00\x01binary\x02" * 20, "binary"),
        (b"Titre\n\n" + "Привет, как дела? Это русский текст.".encode("cp1251"), "not UTF-8"),
        ("😀🎉🔥 👏👏".encode(), "no words"),
        (b"x" * (5 * 1024 * 1024), "5 MB is over the 1 MB limit"),
    ],
    ids=["empty", "whitespace", "binary", "invalid-utf8", "only-emojis", "5MB"],
)
def test_bad_text_inputs(runner, tmp_path, content, fragment):
    bad = tmp_path / "in.txt"
    bad.write_bytes(content)
    out = tmp_path / "out" / "x.mp3"
    one_line_error(runner.invoke(app, ["speak", str(bad), "-o", str(out), *ESPEAK]), 2, fragment)
    assert nothing_written(tmp_path)


def test_english_article_is_rendered_with_a_warning(runner, tmp_path):
    src = tmp_path / "en.txt"
    src.write_text(ENGLISH, encoding="utf-8")
    result = runner.invoke(app, ["speak", str(src), "-o", str(tmp_path / "en.mp3"), *ESPEAK])
    assert result.exit_code == 0, result.output
    assert "looks English" in result.stderr
    assert (tmp_path / "en.mp3").exists()


def test_unbalanced_and_nested_quotes_render(runner, tmp_path):
    src = tmp_path / "q.txt"
    src.write_text(
        "Titre\n\n« Il a dit « non » puis « peut-être. Et ensuite » rien » ».\n\n« Ouvert sans fin\n\nFin » du texte.",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["speak", str(src), "-o", str(tmp_path / "q.mp3"), *ESPEAK])
    assert result.exit_code == 0, result.output


def test_html_scripts_are_never_read_or_run(runner, tmp_path):
    page = tmp_path / "p.html"
    page.write_text(
        "<html><head><title>Un titre</title><script>fetch('http://10.0.0.1/'); alert('Script lu')</script></head>"
        "<body><article><h1>Un titre</h1><p>Le seul paragraphe de l'article, assez long pour être extrait correctement par la bibliothèque.</p>"
        "<script>document.write('Texte du script')</script><noscript>Activez JavaScript</noscript></article></body></html>",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["script", str(page), "--json", *ESPEAK])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)  # what is said (the sources list names the file, whose folder says "script")
    said = " ".join([data["title"], *data["chapters"], *(f"{s['text']} {s['speaker']}" for s in data["segments"])])
    assert "script" not in said.lower() and "JavaScript" not in said


def test_url_that_times_out(runner, web, tmp_path, monkeypatch):
    monkeypatch.setenv("BRIEFING_HTTP_TIMEOUT", "1")
    url = web.route("/slow", "<p>trop tard</p>", hold=True)
    result = runner.invoke(app, ["speak", url, "-o", str(tmp_path / "x.mp3"), *ESPEAK])
    one_line_error(result, 2, "(1 s read timeout)")
    # It gave up on its own, after one request, while the server still held the answer back.
    assert web.requests == ["/slow"] and web.answered == []
    assert nothing_written(tmp_path)


def test_url_that_cannot_connect(runner, tmp_path, monkeypatch):
    monkeypatch.setenv("BRIEFING_HTTP_TIMEOUT", "1")
    import socket

    with socket.socket() as s:  # a port on loopback that nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    one_line_error(runner.invoke(app, ["script", f"http://127.0.0.1:{port}/a"]), 2, "connection refused")


@pytest.mark.parametrize("scheme", ["ftp://exemple.fr/a", "file:///etc/passwd", "javascript:alert(1)", "gopher://x"])
def test_only_http_urls(runner, scheme):
    result = runner.invoke(app, ["script", scheme])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_redirect_loop(runner, web):
    web.route("/loop", "", status=302, headers={"Location": "/loop"})
    one_line_error(runner.invoke(app, ["script", web.base + "/loop"]), 2, "more than 5 redirects")


def test_too_large_download(runner, web):
    url = web.route("/huge.html", b"<p>" + b"a" * (21 * 1024 * 1024) + b"</p>")
    one_line_error(runner.invoke(app, ["script", url]), 2, "over the 20 MB limit")


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<rss version="2.0"><channel><title>&lol3;</title><item><title>&lol3;</title><description>&lol3;</description></item></channel></rss>"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<rss version="2.0"><channel><title>x</title><item><title>&xxe;</title><description>&xxe;</description></item></channel></rss>"""


@pytest.mark.parametrize("feed", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_hostile_feeds_are_refused(runner, tmp_path, web, feed):
    path = tmp_path / "feed.xml"
    path.write_text(feed, encoding="utf-8")
    one_line_error(runner.invoke(app, ["script", str(path)]), 2, "refused")
    url = web.route("/feed.xml", feed, "application/rss+xml")
    one_line_error(runner.invoke(app, ["script", url]), 2, "refused")


@pytest.mark.parametrize("title", ["../../etc/passwd", "/tmp/évasion", "..", "C:\\\\Windows\\\\x", "\u202e3pm.exe"])
def test_titles_cannot_write_outside_the_output_folder(runner, tmp_path, monkeypatch, title):
    monkeypatch.chdir(tmp_path)
    src = tmp_path / "a.txt"
    src.write_text(f"{title}\n\nUn paragraphe court pour le test.", encoding="utf-8")
    result = runner.invoke(app, ["speak", str(src), *ESPEAK])
    assert result.exit_code == 0, result.output
    written = [p for p in tmp_path.rglob("*.mp3")]
    assert len(written) == 1
    assert written[0].parent == tmp_path / "output"


def test_full_disk_leaves_nothing(runner, article, tmp_path, monkeypatch):
    import briefing.publish.mp3 as mp3  # the MP3's writer, the last and longest

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(mp3.Mp3Stream, "write", full)
    result = runner.invoke(app, ["speak", str(article), "-o", str(tmp_path / "out" / "x.mp3"), *ESPEAK])
    assert result.exit_code == 1
    assert "No space left on device" in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert nothing_written(tmp_path / "out")
