"""`briefing publish CONFIG.toml`: a show fed by a feed on a loopback server whose items change
between runs, rendered with espeak-ng; new items only, updated articles, retention, a run killed
in the middle, the configuration's errors, and the disclosure in the audio, the tags and the feed."""

import datetime as dt
import signal
import sqlite3
import subprocess
import sys
import xml.etree.ElementTree as ET
from email.utils import format_datetime
from pathlib import Path

import pytest
from helpers import RUN_BRIEFING, assert_one_line_error
from mutagen.id3 import ID3

from briefing.cli import app
from briefing.daily.state import change

TOWNS = ["Quimper", "Rennes", "Dijon", "Annecy", "Nancy", "Limoges", "Poitiers", "Toulon", "Amiens"]
SUBJECTS = ["la médiathèque", "le tramway", "la piscine", "le marché couvert", "le stade", "la gare", "le musée"]


def article(n: int, extra: str = "") -> tuple[str, str]:
    """A French article of about 150 words, different for each n: (title, body)."""
    town, subject = TOWNS[n % len(TOWNS)], SUBJECTS[n % len(SUBJECTS)]
    title = f"À {town}, {subject} change d'horaires ({n})"
    paragraphs = [
        f"La municipalité de {town} a annoncé mardi que {subject} ouvrira désormais plus tôt le matin, "
        f"dès sept heures, et fermera plus tard le soir. La décision a été prise après une consultation "
        f"qui a réuni {100 + n * 7} habitants pendant trois semaines.",
        f"Selon l'adjointe chargée du dossier, le changement répond à une demande ancienne des familles "
        f"et des personnes qui travaillent en horaires décalés. Le coût est estimé à {20 + n} mille euros "
        f"par an, financés par la ville et par la métropole.",
        "Les syndicats du personnel disent avoir été consultés et demandent des recrutements. Une réunion "
        "est prévue le mois prochain pour faire le point, et un premier bilan sera présenté au conseil "
        "municipal avant l'été, a précisé la mairie, qui promet de publier les chiffres de fréquentation.",
    ]
    if extra:
        paragraphs.append(extra)
    return title, "\n\n".join(paragraphs)


class Feed:
    """The items a loopback server offers at /rss.xml; `items` is changed between runs."""

    def __init__(self, web):
        self.web = web
        self.items: dict[int, tuple[str, str]] = {}
        self.url = web.base + "/rss.xml"

    def publish(self) -> None:
        entries = []
        for n, (title, body) in sorted(self.items.items(), reverse=True):
            date = format_datetime(dt.datetime(2026, 12, 1, 6, 0, tzinfo=dt.timezone.utc) + dt.timedelta(hours=n))
            html = "".join(f"<p>{p}</p>" for p in body.split("\n\n"))
            entries.append(
                f"<item><title>{title}</title><link>{self.web.base}/a/{n}</link>"
                f'<guid isPermaLink="false">item-{n}</guid><pubDate>{date}</pubDate>'
                f"<description><![CDATA[{html}]]></description></item>"
            )
        rss = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Le Courrier du Test</title>'
            f"<link>{self.web.base}/</link><description>Essais</description>{''.join(entries)}</channel></rss>"
        )
        self.web.route("/rss.xml", rss, "application/rss+xml; charset=utf-8")


@pytest.fixture
def feed(web):
    return Feed(web)


def write_config(tmp_path: Path, feed_url: str, **tables) -> Path:
    show = {"title": "Le briefing des tests", "base_url": "https://exemple.fr/briefing/", "output_dir": "episodes"}
    show.update(tables.pop("show", {}))
    lines = ["[show]", *(f"{k} = {_toml(v)}" for k, v in show.items())]
    lines += ["[[source]]", f'input = "{feed_url}"', f"max_items = {tables.pop('source_items', 10)}"]
    speak = {"engine": "espeak", "cache_dir": str(tmp_path / "cache"), **tables.pop("speak", {})}
    for name, table in {**tables, "speak": speak}.items():
        lines += [f"[{name}]", *(f"{k} = {_toml(v)}" for k, v in table.items())]
    path = tmp_path / "show.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return str(value)


def run(runner, config: Path, *args: str):
    return runner.invoke(app, ["publish", str(config), *args])


def feed_titles(folder: Path) -> list[str]:
    root = ET.parse(folder / "feed.xml").getroot()
    return [item.findtext("title") for item in root.iter("item")]


def chapters(mp3: Path) -> list[str]:
    import json

    data = json.loads(mp3.with_suffix(".chapters.json").read_text(encoding="utf-8"))
    return [c["title"] for c in data["chapters"] if c["title"] != "Sommaire"]


def test_new_items_only_run_after_run(runner, feed, tmp_path):
    episodes = tmp_path / "episodes"
    config = write_config(tmp_path, feed.url, show={"schedule": "matin"})
    feed.items = {n: article(n) for n in range(3)}
    feed.publish()

    first = run(runner, config, "--date", "2026-12-07")
    assert first.exit_code == 0, first.output
    mp3 = episodes / "2026-12-07-matin.mp3"
    assert first.stdout.strip() == str(mp3)
    assert len(chapters(mp3)) == 3
    assert feed_titles(episodes) == ["Briefing du lundi 7 décembre (matin)"]
    feed_bytes = (episodes / "feed.xml").read_bytes()

    again = run(runner, config, "--date", "2026-12-07")  # nothing new the same day
    assert again.exit_code == 0, again.output
    assert again.stdout == ""
    assert "nothing new: 3 item(s) offered, all published before; nothing rendered" in again.stderr
    assert sorted(p.name for p in episodes.glob("*.mp3")) == ["2026-12-07-matin.mp3"]
    assert (episodes / "feed.xml").read_bytes() == feed_bytes

    feed.items.update({n: article(n) for n in (3, 4)})  # two new items arrive
    feed.publish()
    third = run(runner, config, "--date", "2026-12-07")
    assert third.exit_code == 0, third.output
    second = episodes / "2026-12-07-matin-2.mp3"  # the same day: a second edition, never overwritten
    assert third.stdout.strip() == str(second)
    assert chapters(second) == [article(4)[0], article(3)[0]]  # only the new ones, newest first
    assert "2 article(s) (0 updated), 3 already published" in third.stderr
    assert feed_titles(episodes) == [
        "Briefing du lundi 7 décembre (matin, 2e édition)",
        "Briefing du lundi 7 décembre (matin)",
    ]
    assert (mp3.read_bytes()[:3], mp3.exists()) == (b"ID3", True)  # the first episode is untouched


def test_an_article_rewritten_since_is_read_again_a_corrected_one_is_not(runner, feed, tmp_path):
    config = write_config(tmp_path, feed.url)
    feed.items = {0: article(0), 1: article(1)}
    feed.publish()
    assert run(runner, config, "--date", "2026-12-07").exit_code == 0

    title, body = article(0)
    feed.items[0] = (title, body.replace("pendant trois semaines", "pendant trois semaine"))  # a typo
    update = (
        "Mise à jour mercredi : le conseil municipal a finalement repoussé la décision à la rentrée, faute "
        "d'accord avec la métropole sur le financement. Les horaires actuels restent en vigueur jusque-là, "
        "et une nouvelle consultation des habitants sera organisée au printemps prochain."
    )
    feed.items[1] = article(1, extra=update)
    feed.publish()
    assert change(body, feed.items[0][1]) < 0.2 <= change(article(1)[1], feed.items[1][1])

    result = run(runner, config, "--date", "2026-12-08")
    assert result.exit_code == 0, result.output
    assert "1 article(s) (1 updated)" in result.stderr
    assert chapters(tmp_path / "episodes" / "2026-12-08.mp3") == [article(1)[0]]


def test_retention_removes_old_episodes_from_disk_and_feed(runner, feed, tmp_path):
    episodes = tmp_path / "episodes"
    config = write_config(tmp_path, feed.url, retention={"days": 3, "episodes": 2})
    for day in range(1, 5):  # one new item a day, 1 to 4 December
        feed.items[day] = article(day)
        feed.publish()
        result = run(runner, config, "--date", f"2026-12-0{day}")
        assert result.exit_code == 0, result.output
    # Four episodes made; at most two kept: the 1st and 2nd are gone, files and feed items.
    names = sorted(p.name for p in episodes.iterdir() if not p.name.startswith("."))
    assert names == sorted(
        [f"2026-12-0{d}{suffix}" for d in (3, 4) for suffix in (".mp3", ".vtt", ".srt", ".chapters.json", ".html")]
        + ["feed.xml"]
    )
    assert feed_titles(episodes) == ["Briefing du vendredi 4 décembre", "Briefing du jeudi 3 décembre"]
    assert "removed past retention: 2026-12-02" in result.stderr

    # Days pass with nothing new: the age limit still applies, and nothing is rendered.
    result = run(runner, config, "--date", "2026-12-07")
    assert result.exit_code == 0, result.output
    assert "nothing new" in result.stderr and "removed past retention: 2026-12-03" in result.stderr
    assert feed_titles(episodes) == ["Briefing du vendredi 4 décembre"]
    assert not (episodes / "2026-12-03.mp3").exists()


def test_a_run_killed_mid_render_leaves_the_previous_feed_and_episodes(feed, tmp_path):
    episodes = tmp_path / "episodes"
    config = write_config(tmp_path, feed.url)
    feed.items = {0: article(0)}
    feed.publish()
    command = [sys.executable, str(RUN_BRIEFING)]
    assert (
        subprocess.run([*command, "publish", str(config), "--date", "2026-12-07"], capture_output=True).returncode == 0
    )
    before = {p.name: p.read_bytes() for p in episodes.iterdir() if p.is_file() and not p.name.startswith(".")}

    feed.items.update({n: article(n) for n in (1, 2)})
    feed.publish()
    child = subprocess.Popen(
        [*command, "--hold-after", "6", "publish", str(config), "--date", "2026-12-08"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout.readline().strip() == b"held"  # in the middle of the render
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    after = {p.name: p.read_bytes() for p in episodes.iterdir() if p.is_file() and not p.name.startswith(".")}
    assert after == before  # the feed and the episodes as they were
    with sqlite3.connect(episodes / ".briefing-state.sqlite3") as db:
        assert db.execute("SELECT name, state FROM episodes ORDER BY name").fetchall() == [
            ("2026-12-07", "published"),
            ("2026-12-08", "pending"),
        ]

    # The next run clears what the killed one left and reads the two items it did not publish.
    done = subprocess.run([*command, "publish", str(config), "--date", "2026-12-08"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "removed the unfinished episode of an interrupted run" in done.stderr
    assert chapters(episodes / "2026-12-08.mp3") == [article(2)[0], article(1)[0]]
    assert not [p for p in episodes.iterdir() if p.name.startswith(".briefing-work")]
    assert len(feed_titles(episodes)) == 2


def test_the_disclosure_is_said_tagged_and_in_the_feed(runner, feed, tmp_path):
    episodes = tmp_path / "episodes"
    config = write_config(tmp_path, feed.url)
    feed.items = {0: article(0), 1: article(1)}
    feed.publish()
    assert run(runner, config, "--date", "2026-12-07").exit_code == 0
    mp3 = episodes / "2026-12-07.mp3"
    vtt = mp3.with_suffix(".vtt").read_text(encoding="utf-8")
    # Said right after the greeting, in the narrator's voice.
    cues = [line for line in vtt.splitlines() if line.startswith("<v ")]
    assert cues[1] == "<v Narrateur>Ce briefing vous est lu par une voix de synthèse.</v>"
    tags = ID3(mp3)
    assert str(tags["TXXX:digital_source_type"]) == "http://cv.iptc.org/newscodes/digitalsourcetype/algorithmicMedia"
    assert str(tags["TXXX:ai_disclosure"]).startswith("Épisode lu par")
    assert str(tags["TXXX:synthetic_voices"]).startswith("espeak ")
    assert "voix de synthèse" in str(tags["COMM::fra"])
    root = ET.parse(episodes / "feed.xml").getroot()
    txt = root.find("channel/item/{https://podcastindex.org/namespace/1.0}txt")
    assert (txt.get("purpose"), txt.text) == ("ai-content", "true")
    assert "voix de synthèse" in root.findtext("channel/item/description")


def test_the_spoken_disclosure_can_be_reworded_or_left_out(runner, feed, tmp_path):
    episodes = tmp_path / "episodes"
    feed.items = {0: article(0), 1: article(1)}
    feed.publish()
    config = write_config(tmp_path, feed.url, disclosure={"text": "Voix artificielles, rédaction humaine."})
    assert run(runner, config, "--date", "2026-12-07").exit_code == 0
    assert "Voix artificielles, rédaction humaine." in (episodes / "2026-12-07.vtt").read_text(encoding="utf-8")

    feed.items[2] = article(2)
    feed.publish()
    config = write_config(tmp_path, feed.url, disclosure={"spoken": False})
    assert run(runner, config, "--date", "2026-12-08").exit_code == 0
    vtt = (episodes / "2026-12-08.vtt").read_text(encoding="utf-8")
    assert "synthèse" not in vtt and "Voix artificielles" not in vtt
    assert str(ID3(episodes / "2026-12-08.mp3")["TXXX:ai_disclosure"]).startswith("Épisode lu par")  # still marked


def test_one_run_at_a_time_and_a_broken_state_is_one_line(runner, feed, tmp_path):
    import fcntl

    config = write_config(tmp_path, feed.url)
    feed.items = {0: article(0)}
    feed.publish()
    episodes = tmp_path / "episodes"
    episodes.mkdir()
    with open(episodes / ".briefing-publish.lock", "a+") as held:  # another run holds the show
        fcntl.flock(held, fcntl.LOCK_EX)
        assert_one_line_error(run(runner, config), 1, "another `briefing publish` is running")
    (episodes / ".briefing-state.sqlite3").write_bytes(b"not a database, but a file of text " * 100)
    assert_one_line_error(run(runner, config), 2, "not a readable briefing state database")


def test_dry_run_reads_and_changes_nothing(runner, feed, tmp_path):
    config = write_config(tmp_path, feed.url)
    feed.items = {0: article(0), 1: article(1)}
    feed.publish()
    result = run(runner, config, "--dry-run", "--date", "2026-12-07")
    assert result.exit_code == 0, result.output
    assert f"would read (new): {article(1)[0]} [{feed.url}]" in result.stdout
    assert not (tmp_path / "episodes").exists()


def test_a_source_that_fails_is_skipped_all_failing_is_an_error(runner, feed, web, tmp_path):
    feed.items = {0: article(0)}
    feed.publish()
    config = write_config(tmp_path, feed.url)
    text = config.read_text(encoding="utf-8")
    config.write_text(
        text.replace("[speak]", f'[[source]]\ninput = "{web.base}/absent.xml"\n[speak]'), encoding="utf-8"
    )
    result = run(runner, config, "--date", "2026-12-07")
    assert result.exit_code == 0, result.output
    assert "absent.xml: skipped" in result.stderr
    only_bad = write_config(tmp_path, web.base + "/absent.xml")
    result = run(runner, only_bad, "--date", "2026-12-08")
    assert result.exit_code == 1
    assert "no source could be read" in result.stderr


@pytest.mark.parametrize(
    "edit, fragment",
    [
        (("[show]", "[show]\nshow_notes = 1"), "[show]: unknown key(s) show_notes"),
        (('base_url = "https://exemple.fr/briefing/"', 'base_url = "exemple.fr"'), "base_url must be an http(s) URL"),
        (("[speak]", "[retention]\ndays = 0\n[speak]"), "[retention]: days must be a whole number, 1 or more"),
        (("[speak]", "[episode]\nchanged = 2\n[speak]"), "[episode]: changed must be a share of the text"),
        (("[speak]", "[speak]\ntitle = 'X'"), "[speak]: title is set by publish itself"),
        (("[speak]", "[speak]\nbitrate = '320k'"), "[speak]: bitrate '320k' is outside 64k-128k"),
        (("max_items = 10", "max_items = 0"), "[source 1]: max_items must be a whole number, 1-200"),
        (("[show]", "[podcast]\n[show]"), "unknown table(s) podcast"),
        (
            ("[speak]", "[disclosure]\nc2pa_key = 'key.pem'\n[speak]"),
            "[disclosure]: c2pa_key and c2pa_cert go together",
        ),
        (
            ('output_dir = "episodes"', 'output_dir = "episodes"\nschedule = "Le Matin"'),
            "schedule must be a short label",
        ),
        (
            ('output_dir = "episodes"', 'output_dir = "episodes"\nauthor = "La r\\u0001daction"'),
            "holds a control character",
        ),
    ],
)
def test_the_configuration_is_checked_before_anything_runs(runner, tmp_path, edit, fragment):
    config = write_config(tmp_path, "https://exemple.fr/rss.xml")
    text = config.read_text(encoding="utf-8")
    assert edit[0] in text
    config.write_text(text.replace(edit[0], edit[1], 1), encoding="utf-8")
    assert_one_line_error(run(runner, config), 2, fragment)
    assert not (tmp_path / "episodes").exists()
