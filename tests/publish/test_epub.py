"""The talking book (`--epub`): EPUB 3 with Media Overlays, checked with the W3C's epubcheck, its
overlay against the WebVTT and the audio it holds, its text against the Script's written form."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import numpy as np
import pytest

from briefing.model import Cue, Episode, Script, Segment
from briefing.publish.epub import clock, write_epub
from briefing.publish.info import EpisodeInfo

EPISODE = "briefing-2026-11-24"  # the episode_folder fixture's (conftest.py)

OPF = "{http://www.idpf.org/2007/opf}"
DC = "{http://purl.org/dc/elements/1.1/}"
XHTML = "{http://www.w3.org/1999/xhtml}"
SMIL = "{http://www.w3.org/ns/SMIL}"
EPUB_NS = "{http://www.idpf.org/2007/ops}"


def epubcheck_command() -> list[str]:
    found = shutil.which("epubcheck")
    if found is None:
        pytest.fail("epubcheck is missing: run `make test` (it installs the Debian package epubcheck)", pytrace=False)
    # Debian installs the tool as an executable jar, run by binfmt where that is set up; java runs it anywhere.
    with open(found, "rb") as f:
        return ["java", "-jar", found] if f.read(2) == b"PK" else [found]


@pytest.fixture(scope="module")
def book(episode_folder):
    path = episode_folder / f"{EPISODE}.epub"
    with zipfile.ZipFile(path) as z:
        files = {name: z.read(name) for name in z.namelist()}
        first = z.infolist()[0]
    return path, files, first


def smil_clips(files) -> list[tuple[str, str, int, int]]:
    """(document, segment id, clipBegin ms, clipEnd ms) of every par, in reading order."""
    opf = ET.fromstring(files["EPUB/package.opf"])
    items = {i.get("id"): i for i in opf.iter(f"{OPF}item")}
    clips = []
    for ref in opf.iter(f"{OPF}itemref"):
        item = items[ref.get("idref")]
        overlay = item.get("media-overlay")
        if overlay is None:
            continue
        smil = ET.fromstring(files["EPUB/" + items[overlay].get("href")])
        for par in smil.iter(f"{SMIL}par"):
            doc, frag = par.find(f"{SMIL}text").get("src").split("#")
            audio = par.find(f"{SMIL}audio")
            assert audio.get("src") == "audio.mp3"
            clips.append((doc, frag, _ms(audio.get("clipBegin")), _ms(audio.get("clipEnd"))))
    return clips


def _ms(value: str) -> int:
    h, m, s = value.split(":")
    return round((int(h) * 3600 + int(m) * 60 + float(s)) * 1000)


def vtt_cues(text: str) -> list[tuple[int, int, str]]:
    cues = []
    for block in text.strip().split("\n\n")[1:]:
        lines = block.split("\n")
        stamp = next((line for line in lines if "-->" in line), None)
        if stamp is None:
            continue
        start, end = (_ms(t.replace(",", ".")) for t in stamp.split(" --> "))
        body = re.sub(r"^<v [^>]+>|</v>$", "", "\n".join(lines[lines.index(stamp) + 1 :]))
        cues.append((start, end, body.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")))
    return cues


def test_epubcheck_finds_no_error_and_no_warning(book):
    path, _, _ = book
    proc = subprocess.run([*epubcheck_command(), str(path)], capture_output=True, text=True, timeout=300)
    report = proc.stdout + proc.stderr
    assert proc.returncode == 0, report
    assert "No errors or warnings detected" in report, report
    assert "WARNING" not in report and "ERROR" not in report


def test_container_mimetype_first_and_stored(book):
    _, files, first = book
    assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED and not first.extra
    assert files["mimetype"] == b"application/epub+zip"


def test_overlay_agrees_with_the_vtt_and_holds_the_episode_audio(book, episode_folder):
    _, files, _ = book
    clips = smil_clips(files)
    cues = vtt_cues((episode_folder / f"{EPISODE}.vtt").read_text(encoding="utf-8"))
    assert len(clips) == len(cues) > 10  # every cue, in order
    for (_, _, begin, end), (start, stop, _) in zip(clips, cues, strict=True):
        assert abs(begin - start) <= 50 and abs(end - stop) <= 50
    # The audio is the episode's MP3 itself, and each clip is where its sentence sounds.
    mp3 = files["EPUB/audio.mp3"]
    assert mp3 == (episode_folder / f"{EPISODE}.mp3").read_bytes()
    pcm = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", "pipe:0", "-f", "f32le", "-ac", "1", "-ar", "16000", "pipe:1"],
        input=mp3,
        capture_output=True,
        check=True,
    ).stdout
    samples = np.frombuffer(pcm, dtype=np.float32)

    def rms_db(a_ms, b_ms):
        part = samples[a_ms * 16 : b_ms * 16].astype(np.float64)
        return 20 * np.log10(np.sqrt(np.mean(part**2)) + 1e-9)

    for (_, _, begin, end), (_, next_begin) in zip(clips, [(c[2], c[2]) for c in clips[1:]], strict=False):
        assert rms_db(begin, end) > -40  # speech inside the clip
        if next_begin - end >= 300:
            assert rms_db(end + 60, next_begin - 60) < -55  # and silence in the pause after it


def test_text_is_the_written_script_in_articles_headings_and_paragraphs(book, episode_folder):
    _, files, _ = book
    from typer.testing import CliRunner

    from briefing.cli import app

    # The Script of the same briefing, as `briefing script --json` prints it.
    work = episode_folder.parent
    result = CliRunner().invoke(
        app,
        [
            "script",
            str(work / "budget.txt"),
            str(work / "port.md"),
            "--json",
            "--date",
            "2026-11-24",
            "--engine",
            "espeak",
        ],
    )
    script = Script.from_dict(__import__("json").loads(result.stdout))
    shown = {}
    headings = {"h1": [], "h2": []}
    for name, data in files.items():
        if not name.endswith(".xhtml") or name.endswith("nav.xhtml"):
            continue
        root = ET.fromstring(data)
        assert root.get("lang") == "fr" and root.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
        for el in root.iter():
            if el.tag == f"{XHTML}span" and el.get("id", "").startswith("s"):
                shown[int(el.get("id")[1:])] = "".join(el.itertext())
            if el.tag in (f"{XHTML}h1", f"{XHTML}h2"):
                headings[el.tag.removeprefix(XHTML)].append("".join(el.itertext()))
    assert shown == {i: seg.written for i, seg in enumerate(script.segments)}  # every segment, as written
    assert "«\u00a0Nous allons accueillir deux fois plus de navires d'ici à 2030\u00a0»," in shown.values()
    assert any("45 millions d'euros" in text for text in shown.values())  # figures, not words
    assert headings["h1"] == ["Sommaire", *script.chapters[1:]]
    assert headings["h2"] == ["Une opposition divisée", "Dix-huit mois de chantier"]
    # The navigation document: the articles, each with its sub-headings.
    nav = ET.fromstring(files["EPUB/nav.xhtml"])
    toc = next(n for n in nav.iter(f"{XHTML}nav") if n.get(f"{EPUB_NS}type") == "toc")
    top = toc.find(f"{XHTML}ol")
    entries = [
        (
            "".join(li.find(f"{XHTML}a").itertext()),
            ["".join(a.itertext()) for a in li.findall(f"{XHTML}ol/{XHTML}li/{XHTML}a")],
        )
        for li in top.findall(f"{XHTML}li")
    ]
    assert entries == [
        ("Sommaire", []),
        (script.chapters[1], ["Une opposition divisée"]),
        (script.chapters[2], ["Dix-huit mois de chantier"]),
    ]
    # Each epub:type with a DPUB-ARIA equivalent has its role (what DAISY Ace asks, tests/publish/test_epub_ace.py).
    for name, data in files.items():
        if name.endswith(".xhtml") and not name.endswith("nav.xhtml"):
            section = ET.fromstring(data).find(f"{XHTML}body/{XHTML}section")
            assert section.get(f"{EPUB_NS}type") == "chapter" and section.get("role") == "doc-chapter"
    assert toc.get("role") == "doc-toc"
    # Every overlay points at a span that exists, in the document it names.
    for doc, frag, _, _ in smil_clips(files):
        assert f'id="{frag}"'.encode() in files[f"EPUB/{doc}"]


def test_package_metadata_language_durations_and_accessibility(book, episode_folder):
    _, files, _ = book
    opf = ET.fromstring(files["EPUB/package.opf"])
    meta = opf.find(f"{OPF}metadata")
    assert meta.find(f"{DC}language").text == "fr"
    assert meta.find(f"{DC}title").text == "Briefing du mardi 24 novembre"
    props: dict[str, list[str]] = {}
    for m in meta.iter(f"{OPF}meta"):
        if m.get("refines") is None:
            props.setdefault(m.get("property"), []).append(m.text)
    assert set(props["schema:accessMode"]) == {"textual", "auditory"}
    assert "synchronizedAudioText" in props["schema:accessibilityFeature"]
    assert {"structuralNavigation", "tableOfContents"} <= set(props["schema:accessibilityFeature"])
    assert props["schema:accessibilityHazard"] == ["none"]
    assert "synchronisé" in props["schema:accessibilitySummary"][0]
    assert props["media:active-class"] == ["-epub-media-overlay-active"]
    # The conformance claim and who evaluated it (EPUB Accessibility 1.1), no third party's report.
    assert props["dcterms:conformsTo"] == ["EPUB Accessibility 1.1 - WCAG 2.2 Level AA"]
    assert props["a11y:certifiedBy"][0].startswith("briefing (")
    assert "a11y:certifierReport" not in props and "a11y:certifierCredential" not in props
    # Made from local files: no dc:source (never a path of the machine that made it).
    assert meta.findall(f"{DC}source") == []
    # Synthetic speech, said for machines (IPTC digital source type) and for people (the description).
    assert props["schema:digitalSourceType"] == ["http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia"]
    assert "voix de synthèse" in meta.find(f"{DC}description").text
    # The total duration is the sum of the documents' (epubcheck checks it too), and is the speech heard.
    parts = [_ms(m.text) for m in meta.iter(f"{OPF}meta") if m.get("property") == "media:duration" and m.get("refines")]
    assert _ms(props["media:duration"][0]) == sum(parts)
    assert sum(end - begin for _, _, begin, end in smil_clips(files)) == sum(parts)
    # Same identifier as the MP3's GUID and the feed item's.
    from mutagen.id3 import ID3

    guid = str(ID3(episode_folder / f"{EPISODE}.mp3").getall("TXXX:briefing_guid")[0])
    assert meta.find(f"{DC}identifier").text == f"urn:uuid:{guid}"


def test_the_same_episode_gives_the_same_bytes(tmp_path):
    mp3 = tmp_path / "a.mp3"
    mp3.write_bytes(b"\xff\xfb\x90\x00" + bytes(400))
    script = Script(
        "Essai",
        (
            Segment("title", "Essai", "n", pause_ms=1100, written="Essai"),
            Segment("narration", "vingt-cinq pour cent.", "n", pause_ms=850, written="25 %."),
            Segment("heading", "Suite", "n", pause_ms=650, written="Suite"),
            Segment("quote", "Oui.", "q", speaker="Anne Roy", pause_ms=600, written="« Oui. »"),
        ),
        chapters=("Essai",),
    )
    episode = Episode(
        "Essai", tmp_path / "x.f32", 44100, 44100 * 5, tuple(Cue(i, 300 + i * 1000, 1000 + i * 1000) for i in range(4))
    )
    info = EpisodeInfo("Essai", date="2026-12-06")
    out = [tmp_path / "a.epub", tmp_path / "b.epub"]
    for path in out:
        write_epub(path, script, episode, info, mp3, "0d5e8a0e-0000-4000-8000-000000000000")
    assert out[0].read_bytes() == out[1].read_bytes()
    with zipfile.ZipFile(out[0]) as z:
        doc = z.read("EPUB/c001.xhtml").decode()
    assert '<h1 id="c001-titre"><span id="s0">Essai</span></h1>' in doc
    assert '<p><span id="s1">25 %.</span></p>' in doc
    assert '<h2 id="c001-h2"><span id="s2">Suite</span></h2>' in doc
    assert '<span id="s3" class="citation">« Oui. »</span>' in doc


def test_dc_source_is_only_an_article_web_address(tmp_path):
    mp3 = tmp_path / "a.mp3"
    mp3.write_bytes(b"\xff\xfb\x90\x00" + bytes(400))
    script = Script("Essai", (Segment("title", "Essai", "n", pause_ms=1100, written="Essai"),), chapters=("Essai",))
    episode = Episode("Essai", tmp_path / "x.f32", 44100, 44100, (Cue(0, 0, 800),))
    sources = (
        "/home/anne/articles/marche.md",
        "articles/port.txt",
        "-",
        "file:///home/anne/a.html",
        "https://anne:secret@exemple.fr/privé",
        "https://www.exemple.fr/2026/11/24/marche.html",
        "http://journal.exemple/a?id=3",
        "https://www.exemple.fr/2026/11/24/marche.html",
    )
    info = EpisodeInfo("Essai", date="2026-12-06", sources=sources)
    write_epub(tmp_path / "a.epub", script, episode, info, mp3, "0d5e8a0e-0000-4000-8000-000000000000")
    with zipfile.ZipFile(tmp_path / "a.epub") as z:
        opf = z.read("EPUB/package.opf").decode()
    meta = ET.fromstring(opf).find(f"{OPF}metadata")
    assert [s.text for s in meta.findall(f"{DC}source")] == [
        "https://www.exemple.fr/2026/11/24/marche.html",
        "http://journal.exemple/a?id=3",
    ]
    assert "/home/anne" not in opf and "articles/port.txt" not in opf and "secret" not in opf


@pytest.mark.parametrize("ms, text", [(0, "0:00:00.000"), (61_234, "0:01:01.234"), (3_725_001, "1:02:05.001")])
def test_clock_values(ms, text):
    assert clock(ms) == text


def test_without_epub_no_book_is_written(tmp_path):
    from typer.testing import CliRunner

    from briefing.cli import app

    src = tmp_path / "a.txt"
    src.write_text("Le marché rouvre mardi.\n\nLes commerçants sont satisfaits.\n", encoding="utf-8")
    out = tmp_path / "out" / "a.mp3"
    result = CliRunner().invoke(app, ["speak", str(src), "-o", str(out), "--engine", "espeak", "--no-cache"])
    assert result.exit_code == 0, result.output
    assert sorted(p.suffix for p in Path(out.parent).iterdir()) == [".html", ".json", ".mp3", ".srt", ".vtt"]
    assert "EPUB" not in out.with_suffix(".html").read_text(encoding="utf-8")


def test_a_batch_manifest_asks_for_the_book_by_name(tmp_path):
    from typer.testing import CliRunner

    from briefing.cli import app

    (tmp_path / "a.txt").write_text("Le marché rouvre\n\nLe marché rouvre mardi.\n", encoding="utf-8")
    (tmp_path / "m.toml").write_text(
        'output_dir = "eps"\n[defaults]\nengine = "espeak"\nepub = true\n'
        '[[episode]]\nname = "a"\ninputs = ["a.txt"]\n[[episode]]\nname = "b"\ninputs = ["a.txt"]\nepub = false\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["batch", str(tmp_path / "m.toml")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "eps" / "a.epub").is_file() and not (tmp_path / "eps" / "b.epub").exists()
    with zipfile.ZipFile(tmp_path / "eps" / "a.epub") as z:
        assert z.read("mimetype") == b"application/epub+zip"


def test_a_passage_in_another_language_is_marked(tmp_path):
    """WCAG 3.1.2 Language of parts: an English paragraph of an article (25+ words) is marked
    `xml:lang` and `lang` "en" on its segment, and nothing else is; epubcheck still finds nothing."""
    from typer.testing import CliRunner

    from briefing.cli import app

    english = (
        "The agreement was signed by the two companies on Monday, and it will allow the port to welcome "
        "larger ships from the United States and from Asia over the next ten years."
    )
    source = tmp_path / "accord.txt"
    source.write_text(
        "Un accord pour le port de Brest\n\n"
        "Le conseil portuaire a approuvé lundi soir un accord avec deux armateurs étrangers. Les élus se sont "
        "félicités de ce texte, qui doit garantir l'activité du port pour les dix prochaines années.\n\n"
        f"{english}\n\n"
        "Les travaux d'aménagement des quais commenceront au printemps, selon la direction du port.\n",
        encoding="utf-8",
    )
    out = tmp_path / "out" / "accord.mp3"
    result = CliRunner().invoke(app, ["speak", str(source), "-o", str(out), "--engine", "espeak", "--epub"])
    assert result.exit_code == 0, result.output
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    marked, spans = [], 0
    with zipfile.ZipFile(out.with_suffix(".epub")) as z:
        for name in z.namelist():
            if not name.endswith(".xhtml"):
                continue
            root = ET.fromstring(z.read(name))
            assert root.get("lang") == "fr" and root.get(xml_lang) == "fr"  # the book's own language
            for el in root.iter(f"{XHTML}span"):
                spans += 1
                if el.get("lang") or el.get(xml_lang):
                    marked.append((el.get(xml_lang), el.get("lang"), "".join(el.itertext())))
    assert marked == [("en", "en", english)] and spans > 4
    # The listening page beside it marks the same line.
    assert f' lang="en">{english}</span>' in out.with_suffix(".html").read_text(encoding="utf-8")
    proc = subprocess.run(
        [*epubcheck_command(), str(out.with_suffix(".epub"))], capture_output=True, text=True, timeout=300
    )
    report = proc.stdout + proc.stderr
    assert proc.returncode == 0 and "No errors or warnings detected" in report, report
    assert "WARNING" not in report and "ERROR" not in report
