"""Podcast production on real espeak renders: inputs from HTML, URLs and feeds served on
127.0.0.1, the daily briefing's structure, loudness, tags and chapters, transcripts, the feed."""

import json
import re
import subprocess

import feedparser
import numpy as np
import pyloudnorm
import pytest
import soundfile as sf
import soxr
from audio_checks import decode, ffprobe
from helpers import ARTICLE
from mutagen.id3 import ID3, CTOCFlags

from briefing.cli import app
from briefing.inputs.sources import load_sources

# The bundled narrator is a Coqui voice: pinned to espeak, these renders are the same whether or
# not Coqui models are downloaded on this machine.
ESPEAK = ["--engine", "espeak"]

PAGE = """<!doctype html><html lang="fr"><head><title>{title} - Le Courrier du Port</title>
<meta property="og:site_name" content="Le Courrier du Port">
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="2026-11-23T08:15:00+01:00">
<script>document.write("<p>Texte injecté par un script</p>")</script><style>p {{ color: red }}</style></head>
<body><nav><a href="/">Accueil</a> | <a href="/port">Le port</a></nav>
<article><h1>{title}</h1>
<p>{lead}</p>
<h2>Des quais rénovés</h2>
<p>« Nous allons accueillir deux fois plus de navires d'ici à 2030, c'est une chance pour toute la ville », a déclaré le directeur du port, Hugo Lambert.</p>
<p>Lire aussi : les grands chantiers de la région</p>
<p>Les travaux, estimés à 45 M€, commenceront au printemps et dureront 18 mois.</p>
</article><footer>© Le Courrier du Port 2026</footer></body></html>"""

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Le Courrier du Port</title><link>{base}/</link><description>Actualités</description>
{items}
</channel></rss>"""

ITEM = """<item><title>{title}</title><link>{link}</link><pubDate>{date}</pubDate><description>{summary}</description></item>"""


def page(title, lead):
    return PAGE.format(title=title, lead=lead)


@pytest.fixture
def site(web):
    """A news site: three pages and an RSS feed whose items only carry a teaser."""
    stories = [
        (
            "Le port de Brest investit dans ses quais",
            "Le conseil portuaire a voté lundi un plan d'investissement de 45 millions d'euros.",
            "Mon, 23 Nov 2026 08:00:00 +0100",
        ),
        (
            "La pêche à la coquille reprend",
            "Les bateaux de la baie ont repris la mer mardi matin après trois semaines d'arrêt.",
            "Tue, 24 Nov 2026 06:30:00 +0100",
        ),
        (
            "Un nouveau ferry pour Ouessant",
            "La compagnie régionale a présenté son nouveau navire, plus sobre en carburant.",
            "Sun, 22 Nov 2026 10:00:00 +0100",
        ),
    ]
    items = []
    for i, (title, lead, date) in enumerate(stories):
        link = web.route(f"/article-{i}.html", page(title, lead))
        items.append(ITEM.format(title=title, link=link, date=date, summary=lead[:60] + "…"))
    web.feed = web.route("/rss.xml", RSS.format(base=web.base, items="\n".join(items)), "application/rss+xml")
    web.stories = stories
    return web


def test_html_file_gives_title_date_site_and_body(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(page("Le port de Brest investit", "Un plan de 45 millions d'euros a été voté."), encoding="utf-8")
    (article,) = load_sources([str(path)])
    assert article.title == "Le port de Brest investit"
    assert article.publisher == "Le Courrier du Port"
    assert article.date == "2026-11-23"
    texts = [b.text for b in article.blocks]
    assert texts[0] == "Un plan de 45 millions d'euros a été voté."
    assert ("heading", "Des quais rénovés") in [(b.kind, b.text) for b in article.blocks]
    said = " ".join(texts)
    assert "injecté" not in said and "Accueil" not in said and "Lire aussi" not in said and "©" not in said


def test_the_same_page_read_again_in_one_process_is_read_whole(tmp_path):
    """A batch, `briefing serve` or a publish run reads pages again in one process: nothing of a
    page may go because it was seen before (trafilatura's deduplication cache did that)."""
    path = tmp_path / "page.html"
    path.write_text(page("Le port de Brest investit", "Un plan de 45 millions d'euros a été voté."), encoding="utf-8")
    reads = [load_sources([str(path)])[0].blocks for _ in range(5)]
    assert all(blocks == reads[0] for blocks in reads)
    assert ("heading", "Des quais rénovés") in [(b.kind, b.text) for b in reads[-1]]


def test_feed_url_takes_the_newest_items_and_fetches_their_pages(site):
    articles = load_sources([site.feed], max_articles=2)
    assert [a.title for a in articles] == ["La pêche à la coquille reprend", "Le port de Brest investit dans ses quais"]
    assert all(a.publisher == "Le Courrier du Port" for a in articles)
    # The teaser was short, so the whole page was read.
    assert any("Hugo Lambert" in b.text for b in articles[0].blocks)


def test_a_feed_item_whose_page_is_live_or_empty_is_skipped_and_the_others_read(web, caplog):
    """A live blog's summary is not an article either: the item is skipped with a warning, never
    read; so is an item with no text at all. The feed still gives its other items."""
    live = (
        '<!doctype html><html lang="fr"><head><title>EN DIRECT - Tempête sur le port</title>'
        '<script type="application/ld+json">{"@type": "LiveBlogPosting", "headline": "Tempête"}</script></head>'
        "<body><h1>EN DIRECT - Tempête sur le port</h1>"
        + "".join(
            f"<p>{h}h{m:02d} Le vent souffle toujours à plus de cent kilomètres heure sur les quais.</p>"
            for h in range(8, 12)
            for m in (0, 20, 40)
        )
        + "</body></html>"
    )
    items = [
        ITEM.format(
            title="Tempête : suivez la situation",
            link=web.route("/live.html", live),
            date="Tue, 24 Nov 2026 09:00:00 +0100",
            summary="Le vent souffle fort…",
        ),
        ITEM.format(title="Un item vide", link="", date="Tue, 24 Nov 2026 08:00:00 +0100", summary=""),
        ITEM.format(
            title="Le port de Brest investit dans ses quais",
            link=web.route("/ok.html", page("Le port de Brest investit dans ses quais", "Un plan de 45 M€ voté.")),
            date="Mon, 23 Nov 2026 08:00:00 +0100",
            summary="Un plan…",
        ),
    ]
    feed = web.route("/mixed.xml", RSS.format(base=web.base, items="\n".join(items)), "application/rss+xml")
    with caplog.at_level("WARNING"):
        articles = load_sources([feed])
    assert [a.title for a in articles] == ["Le port de Brest investit dans ses quais"]
    assert "live page" in caplog.text and "item skipped" in caplog.text


def test_page_url(site):
    (article,) = load_sources([site.base + "/article-0.html"])
    assert article.title == "Le port de Brest investit dans ses quais"
    assert article.source == site.base + "/article-0.html"


def test_atom_file_with_full_content(tmp_path):
    atom = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Radio Locale</title><id>urn:x</id><updated>2026-11-24T07:00:00Z</updated>
<entry><title>Le marché de Noël ouvre &amp; attire</title><id>urn:1</id><updated>2026-11-24T07:00:00Z</updated>
<content type="html">&lt;p&gt;Le marché de Noël a ouvert ses portes samedi avec 120 chalets.&lt;/p&gt;&lt;p&gt;« Nous attendons un million de visiteurs », a déclaré l'organisatrice, Léa Martin.&lt;/p&gt;</content></entry>
</feed>"""
    path = tmp_path / "radio.atom"
    path.write_text(atom, encoding="utf-8")
    (article,) = load_sources([str(path)])
    assert article.title == "Le marché de Noël ouvre & attire"
    assert article.publisher == "Radio Locale"
    assert [b.text for b in article.blocks][0] == "Le marché de Noël a ouvert ses portes samedi avec 120 chalets."


@pytest.mark.parametrize("status", [404, 500])
def test_http_errors_are_one_line(runner, web, tmp_path, status):
    url = web.route("/broken", "nope", status=status)
    result = runner.invoke(app, ["speak", url, "-o", str(tmp_path / "x.mp3"), *ESPEAK])
    assert result.exit_code == 2
    assert result.stderr.strip().count("\n") == 0
    assert f"answered {status}" in result.stderr
    assert not list(tmp_path.glob("*.mp3"))


def test_feed_without_items(runner, web, tmp_path):
    url = web.route("/empty.xml", RSS.format(base=web.base, items=""), "application/rss+xml")
    result = runner.invoke(app, ["script", url])
    assert result.exit_code == 2
    assert "the feed has no items" in result.stderr


@pytest.fixture(scope="module")
def briefing_render(tmp_path_factory):
    """One daily briefing from two articles, with a cover image, rendered once for many checks."""
    folder = tmp_path_factory.mktemp("briefing")
    first = folder / "budget.txt"
    first.write_text(ARTICLE, encoding="utf-8")
    second = folder / "port.html"
    second.write_text(
        page("Le port de Brest investit dans ses quais & ses digues", "Le conseil portuaire a voté un plan de 45 M€."),
        encoding="utf-8",
    )
    cover = folder / "cover.png"
    cover.write_bytes(_tiny_png())
    out = folder / "episodes" / "briefing-2026-11-24.mp3"
    from typer.testing import CliRunner

    result = CliRunner().invoke(
        app,
        [
            "speak",
            str(first),
            str(second),
            "-o",
            str(out),
            "--date",
            "2026-11-24",
            "--podcast",
            "Le briefing du port",
            "--cover",
            str(cover),
            *ESPEAK,
        ],
    )
    assert result.exit_code == 0, result.output
    script = json.loads(
        CliRunner().invoke(app, ["script", str(first), str(second), "--json", "--date", "2026-11-24", *ESPEAK]).stdout
    )
    return out, script


def _tiny_png() -> bytes:
    import base64

    return base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
    )


def test_briefing_structure(briefing_render):
    _, script = briefing_render
    segs = script["segments"]
    assert segs[0]["role"] == "transition"
    assert segs[0]["text"] == "Bonjour. Voici votre briefing du mardi vingt-quatre novembre."
    assert segs[1]["text"] == "Ce briefing vous est lu par des voix de synthèse."  # after the greeting
    assert segs[2]["text"].startswith("Au sommaire, deux sujets: Le conseil municipal adopte le budget;")
    transitions = [s["text"] for s in segs if s["role"] == "transition"]
    assert "Premier sujet." in transitions
    assert "Dernier sujet, une information du Courrier du Port." in transitions
    assert segs[-1]["text"].startswith("C'était votre briefing du mardi vingt-quatre novembre.")
    # Shown as French typography writes it: the date in figures, a no-break space before the colon.
    assert segs[0]["written"] == "Bonjour. Voici votre briefing du mardi 24 novembre."
    assert segs[2]["written"].startswith("Au sommaire, deux sujets\u00a0: Le conseil municipal adopte le budget\u202f;")
    assert segs[-1]["written"].startswith("C'était votre briefing du mardi 24 novembre.")
    assert script["chapters"] == [
        "Sommaire",
        "Le conseil municipal adopte le budget",
        "Le port de Brest investit dans ses quais & ses digues",
    ]


def test_loudness_and_true_peak_of_the_final_mp3(briefing_render):
    out, _ = briefing_render
    samples = decode(out, 44100)
    lufs = pyloudnorm.Meter(44100).integrated_loudness(samples.astype(np.float64))
    assert -17.0 <= lufs <= -15.0, lufs
    # Measured independently of the product's own meter: the whole track 4x oversampled (soxr HQ).
    up = soxr.resample(samples, 44100, 4 * 44100, quality="HQ")
    true_peak = 20 * np.log10(max(np.abs(up).max(), np.abs(samples).max()))
    assert true_peak <= -1.0, true_peak
    assert np.max(np.abs(samples)) < 1.0  # no clipping


def test_tags_and_chapters(briefing_render):
    out, _ = briefing_render
    tags = ID3(out)
    assert str(tags["TIT2"]) == "Briefing du mardi 24 novembre"  # read, not heard: in figures
    assert str(tags["TPE1"]) == "Le briefing du port"
    assert str(tags["TALB"]) == "Le briefing du port"
    assert str(tags["TDRC"]) == "2026-11-24"
    assert str(tags["TLAN"]) == "fra"
    assert tags.getall("COMM")[0].text[0].startswith("Au sommaire")
    assert tags.getall("APIC")[0].mime == "image/png"
    chaps = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    assert [c.sub_frames["TIT2"].text[0] for c in chaps] == [
        "Sommaire",
        "Le conseil municipal adopte le budget",
        "Une opposition divisée",  # sub-headings: chapters inside their article's
        "Le port de Brest investit dans ses quais & ses digues",
        "Des quais rénovés",
    ]
    subs = ("Une opposition divisée", "Des quais rénovés")
    articles = [c for c in chaps if c.sub_frames["TIT2"].text[0] not in subs]
    sub, sub2 = (c for c in chaps if c not in articles)
    assert chaps[0].start_time == 0
    assert all(a.end_time == b.start_time for a, b in zip(articles, articles[1:], strict=False))
    assert articles[1].start_time < sub.start_time < sub.end_time == articles[1].end_time
    # The top-level table lists the articles, and after the one with sub-headings a table of its own.
    tocs = {t.element_id: t for t in tags.getall("CTOC")}
    top = next(t for t in tocs.values() if t.flags & CTOCFlags.TOP_LEVEL)
    nested, nested2 = f"toc-{articles[1].element_id}", f"toc-{articles[2].element_id}"
    assert list(top.child_element_ids) == [
        articles[0].element_id,
        articles[1].element_id,
        nested,
        articles[2].element_id,
        nested2,
    ]
    assert list(tocs[nested].child_element_ids) == [sub.element_id]
    assert list(tocs[nested2].child_element_ids) == [sub2.element_id] and sub2.end_time == articles[2].end_time
    assert tocs[nested].sub_frames["TIT2"].text[0] == "Le conseil municipal adopte le budget"

    probed = json.loads(
        subprocess.run(
            ["ffprobe", "-v", "error", "-show_chapters", "-of", "json", str(out)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    )
    # ffmpeg lists CHAP frames in file order (mutagen orders frames by size): by time, the same.
    by_time = sorted(probed["chapters"], key=lambda c: float(c["start_time"]))
    assert [c["tags"]["title"] for c in by_time] == [c.sub_frames["TIT2"].text[0] for c in chaps]
    duration_ms = float(ffprobe(out)["format"]["duration"]) * 1000
    assert abs(chaps[-1].end_time - duration_ms) < 100

    side = json.loads(out.with_name(out.stem + ".chapters.json").read_text(encoding="utf-8"))
    assert side["version"] == "1.2.0"
    assert [round(c["startTime"] * 1000) for c in side["chapters"]] == [c.start_time for c in chaps]


def _parse_vtt(text):
    assert text.startswith("WEBVTT\n")
    cues = []
    for block in text.strip().split("\n\n")[1:]:
        lines = block.split("\n")
        if "-->" not in block:
            continue
        stamp = next(line for line in lines if "-->" in line)
        start, end = (_ms(t) for t in stamp.split(" --> "))
        body = "\n".join(lines[lines.index(stamp) + 1 :])
        m = re.fullmatch(r"<v ([^>]+)>(.*)</v>", body, re.S)
        assert m, body
        cues.append((start, end, m.group(1), m.group(2)))
    return cues


def _ms(stamp):
    h, m, s = stamp.replace(",", ".").split(":")
    return round((int(h) * 3600 + int(m) * 60 + float(s)) * 1000)


def test_vtt_and_srt_are_aligned_with_the_audio(briefing_render):
    out, script = briefing_render
    cues = _parse_vtt(out.with_name(out.stem + ".vtt").read_text(encoding="utf-8"))
    segs = script["segments"]
    assert len(cues) == len(segs)
    # the transcript shows the written text (the article's digits and guillemets), by default
    assert [c[3] for c in cues] == [s["written"].replace("&", "&amp;") for s in segs]
    labels = {c[2] for c in cues}
    assert {"Narrateur", "Sophie Marchand", "Paul Girard"} <= labels
    assert all(a[1] <= b[0] for a, b in zip(cues, cues[1:], strict=False))

    # Each cue starts where its audio starts and ends where it ends, within 50 ms, measured on
    # the decoded MP3: the first and last 5 ms frame above -60 dBFS (pauses are digital
    # silence, so anything above that is the segment's sound) around the cue.
    rate = 48000  # 5 ms = 240 samples exactly
    samples = decode(out, rate)
    frame = 240
    n = len(samples) // frame
    rms = np.sqrt(np.mean(samples[: n * frame].reshape(n, frame) ** 2, axis=1))
    loud = rms > 10 ** (-60 / 20)
    for start, end, _, _ in cues:
        lo, hi = max(0, (start - 150) // 5), min(n, (end + 150) // 5)
        frames = np.flatnonzero(loud[lo:hi]) + lo
        assert abs(frames[0] * 5 - start) <= 50, (start, frames[0] * 5)
        assert abs((frames[-1] + 1) * 5 - end) <= 50, (end, (frames[-1] + 1) * 5)

    srt = out.with_name(out.stem + ".srt").read_text(encoding="utf-8").strip().split("\n\n")
    assert len(srt) == len(cues)
    assert srt[0].split("\n")[1] == f"00:00:00,{cues[0][0]:03d} --> " + _srt_stamp(cues[0][1])
    assert any(block.split("\n")[2].startswith("Paul Girard : ") for block in srt)


def _srt_stamp(ms):
    return f"{ms // 3_600_000:02d}:{ms // 60_000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def test_feed_for_the_folder(runner, briefing_render, tmp_path):
    out, _ = briefing_render
    folder = out.parent
    result = runner.invoke(
        app, ["feed", str(folder), "--base-url", "http://127.0.0.1:8000/pod/", "--title", "Ports & marées <test>"]
    )
    assert result.exit_code == 0, result.output
    xml = (folder / "feed.xml").read_bytes()
    parsed = feedparser.parse(xml)
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.feed.title == "Ports & marées <test>"
    (entry,) = parsed.entries
    assert entry.title == "Briefing du mardi 24 novembre"
    enclosure = entry.enclosures[0]
    assert enclosure.href == "http://127.0.0.1:8000/pod/briefing-2026-11-24.mp3"
    assert int(enclosure.length) == out.stat().st_size
    assert enclosure.type == "audio/mpeg"
    assert entry.id == str(ID3(out)["TXXX:briefing_guid"])
    assert entry.published_parsed[:3] == (2026, 11, 24)
    assert abs(int(entry.itunes_duration) - float(ffprobe(out)["format"]["duration"])) <= 1
    assert b'type="text/vtt"' in xml and b"briefing-2026-11-24.vtt" in xml
    assert b'type="application/json+chapters"' in xml
    assert b'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"' in xml
    assert b'xmlns:podcast="https://podcastindex.org/namespace/1.0"' in xml

    # Idempotent: the same folder gives the same bytes, and the GUID is stable.
    again = runner.invoke(
        app, ["feed", str(folder), "--base-url", "http://127.0.0.1:8000/pod/", "--title", "Ports & marées <test>"]
    )
    assert again.exit_code == 0
    assert (folder / "feed.xml").read_bytes() == xml


def test_feed_rejects_a_bad_base_url(runner, tmp_path):
    result = runner.invoke(app, ["feed", str(tmp_path), "--base-url", "ftp://x"])
    assert result.exit_code == 2
    assert "--base-url must be an http(s) URL" in result.stderr


def test_intro_music_plays_first_then_ducks_under_speech(runner, article, tmp_path):
    rate = 44100
    t = np.arange(rate * 20) / rate
    music = (0.3 * np.sin(2 * np.pi * 440 * t) * (1 + 0.2 * np.sin(2 * np.pi * 3 * t))).astype(np.float32)
    jingle = tmp_path / "jingle.wav"
    sf.write(jingle, music, rate)
    out = tmp_path / "with-music.mp3"
    result = runner.invoke(
        app, ["speak", str(article), str(article), "-o", str(out), "--intro-music", str(jingle), *ESPEAK]
    )
    assert result.exit_code == 0, result.output
    cues = _parse_vtt(out.with_name("with-music.vtt").read_text(encoding="utf-8"))
    assert cues[0][0] >= 3900  # speech waits for the music's lead-in
    samples = decode(out, rate)

    def rms_db(a_ms, b_ms):
        part = samples[a_ms * rate // 1000 : b_ms * rate // 1000]
        return 20 * np.log10(np.sqrt(np.mean(part**2)) + 1e-12)

    alone = rms_db(1000, 3000)
    pause = (cues[0][1] + 80, cues[1][0] - 80)  # the pause after the first intro segment
    assert pause[1] - pause[0] > 200
    ducked = rms_db(*pause)
    assert -26 <= ducked - alone <= -14  # ducked by about 20 dB
    assert rms_db(cues[-1][0], cues[-1][1]) > ducked  # and gone by the end: speech only


def test_the_sources_of_a_feed_episode_are_its_items_links(tmp_path):
    """What the files name as sources (ID3 comment, page, EPUB dc:source): each article's own
    address, not the feed's, once each."""
    from briefing.pipeline import make_script

    items = "".join(
        f"<item><title>Sujet {i}</title><link>https://exemple.fr/{i}.html</link><guid>urn:{i}</guid>"
        f"<description>&lt;p&gt;Le conseil municipal a voté le budget numéro {i} lundi soir.&lt;/p&gt;</description></item>"
        for i in (1, 2)
    )
    feed = tmp_path / "flux.rss"
    feed.write_text(RSS.format(base="https://exemple.fr", items=items), encoding="utf-8")
    script = make_script([str(feed)])
    assert sorted(script.sources) == ["https://exemple.fr/1.html", "https://exemple.fr/2.html"]
