"""Hostile text from the outside never breaks an output: a feed item's title with a control
character or a terminal escape sequence reaches neither feed.xml, nor the ID3 tags, nor the terminal."""

import os
import xml.etree.ElementTree as ET

from mutagen.id3 import ID3

from briefing.cli import app
from briefing.model import Article, Block
from briefing.text.safe import has_control, safe_text

ESPEAK = ["--engine", "espeak"]

# feedparser decodes character references that XML 1.0 forbids: &#x1; and &#x1b; arrive as characters.
RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Le Courrier&#x1b;[2J du Port</title><link>https://exemple.fr/</link>
<description>Actualités</description>
<item><title>Le port &#x1;investit&#x1b;[31m dans ses quais&#x1b;]0;titre&#x7;</title><guid>urn:1</guid>
<pubDate>Mon, 23 Nov 2026 08:00:00 +0100</pubDate>
<description>&lt;p&gt;Le conseil portuaire a voté lundi un plan de quarante-cinq millions d'euros&#x1b;[0m pour ses quais.&lt;/p&gt;</description>
</item></channel></rss>"""


def test_safe_text_removes_what_xml_and_terminals_must_not_get():
    assert safe_text("a\x01b\x1b[31mc\x1b[0m\x1b]0;x\x07d\x9b2Je\ud800f\ufffe") == "abcdef"
    assert safe_text("l’été « ici »\nsuite\tfin") == "l’été « ici »\nsuite\tfin"
    assert safe_text("une\nligne", one_line=True) == "une ligne"
    assert has_control("titre\x01") and not has_control("titre")


def test_an_article_is_made_safe_whatever_its_loader():
    article = Article("Ti\x01tre\x1b[2J", (Block("paragraph", "un\x1b[31m deux\x7f"),), publisher="Site\x9b")
    assert (article.title, article.blocks[0].text, article.publisher) == ("Titre", "un deux", "Site")


def test_a_hostile_feed_item_breaks_neither_feed_nor_tags_nor_terminal(runner, tmp_path):
    source = tmp_path / "hostile.rss"
    source.write_text(RSS, encoding="utf-8")
    script = runner.invoke(app, ["script", str(source)])
    assert script.exit_code == 0, script.output
    assert "\x1b" not in script.output and "\x01" not in script.output and "\x07" not in script.output
    out = tmp_path / "episodes" / "port.mp3"
    out.parent.mkdir()
    result = runner.invoke(app, ["speak", str(source), "-o", str(out), *ESPEAK])
    assert result.exit_code == 0, result.output
    title = str(ID3(out)["TIT2"])
    assert not has_control(title) and "investit" in title
    feed = runner.invoke(app, ["feed", str(out.parent), "--base-url", "https://exemple.fr/b/"])
    assert feed.exit_code == 0, feed.output
    root = ET.parse(out.parent / "feed.xml").getroot()  # strict XML 1.0: the parse is the check
    assert not has_control(root.findtext("channel/item/title"))
    page = out.with_suffix(".html").read_text(encoding="utf-8")
    assert "\x1b" not in page and "\x01" not in page


def test_an_output_that_is_not_a_new_or_regular_mp3_is_refused_before_any_work(runner, tmp_path):
    article = tmp_path / "a.txt"
    text = "Un titre\n\nLe conseil municipal a voté lundi soir le budget de la commune pour l'an prochain.\n"
    article.write_text(text, encoding="utf-8")
    folder = tmp_path / "episode.mp3"
    folder.mkdir()
    same = tmp_path / "b.mp3"
    same.write_text(text, encoding="utf-8")
    fifo = tmp_path / "pipe.mp3"
    os.mkfifo(fifo)
    cases = [
        (["speak", str(article), "-o", str(article)], "must be an .mp3 file"),
        (["speak", str(same), "-o", str(same)], "is the input"),
        (["speak", str(article), "-o", str(folder)], "is a folder"),
        (["speak", str(article), "-o", "/dev/null"], "must be an .mp3 file"),
        (["speak", str(article), "-o", str(fifo)], "not a regular file"),
    ]
    for args, message in cases:
        result = runner.invoke(app, [*args, *ESPEAK])
        assert result.exit_code == 2, result.output
        assert message in result.stderr and result.stderr.count("\n") == 1
    assert article.read_text(encoding="utf-8") == text and same.read_text(encoding="utf-8") == text
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "b.mp3", "episode.mp3", "pipe.mp3"]  # no side file
    assert list(folder.iterdir()) == []


def test_a_cover_must_be_a_real_image(runner, tmp_path):
    import struct
    import zlib

    from briefing.pipeline import image_size

    article = tmp_path / "a.txt"
    article.write_text(
        "Un titre\n\nLe conseil municipal a voté lundi soir le budget de la commune.\n", encoding="utf-8"
    )
    fake = tmp_path / "cover.png"
    fake.write_bytes(b"x")
    result = runner.invoke(app, ["speak", str(article), "-o", str(tmp_path / "x.mp3"), "--cover", str(fake), *ESPEAK])
    assert result.exit_code == 2 and "is not a JPEG or PNG image" in result.stderr
    assert not (tmp_path / "x.mp3").exists()

    def png(width, height):
        ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
        chunk = b"IHDR" + ihdr
        return b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk + struct.pack(">I", zlib.crc32(chunk))

    assert image_size(png(1400, 1400)) == ("PNG", 1400, 1400)
    jpeg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xc0\x00\x11\x08\x0b\xb8\x0b\xb8"
    assert image_size(jpeg + b"\x03" + b"\x00" * 20) == ("JPEG", 3000, 3000)
    assert image_size(b"GIF89a") is None


def test_text_in_another_script_is_not_read_as_letter_names(runner, tmp_path):
    arabic = tmp_path / "ar.txt"
    arabic.write_text("عنوان\n\nقال رئيس البلدية إن الميزانية ستزيد في العام المقبل.\n", encoding="utf-8")
    result = runner.invoke(app, ["script", str(arabic)])
    assert result.exit_code == 2 and "is not French (written in Arabic letters)" in result.stderr


def test_device_cuda_with_only_espeak_voices_is_said(runner, tmp_path):
    article = tmp_path / "a.txt"
    article.write_text(
        "Un titre\n\nLe conseil municipal a voté lundi soir le budget de la commune.\n", encoding="utf-8"
    )
    result = runner.invoke(app, ["speak", str(article), "-o", str(tmp_path / "x.mp3"), "--device", "cuda", *ESPEAK])
    assert result.exit_code == 0, result.output
    assert "no voice of this episode runs on a GPU" in result.stderr
