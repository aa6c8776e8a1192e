"""`briefing publish`: what it may forget, reuse and delete. Every episode it publishes reaches the
feed before retention removes it; no name (and so no GUID) is used twice, even once its episode is
gone; editions are ordered by date and number; a state file that is empty, not SQLite, not ours or
damaged is refused before anything changes; a state row never leads a deletion out of the show's
folder; a full disk at the commit point leaves the state as it was. espeak-ng, loopback only."""

import contextlib
import datetime as dt
import sqlite3
import xml.etree.ElementTree as ET
from email.utils import format_datetime
from pathlib import Path

import pytest
from helpers import assert_one_line_error
from test_publish import TOWNS, Feed, feed_titles, run, write_config

from briefing.daily import run as daily
from briefing.daily.config import load_config
from briefing.daily.state import STATE_FILE, State

STATE = ".briefing-state.sqlite3"


class TinyFeed(Feed):
    """The test feed, whose items' GUIDs may be chosen."""

    def publish(self, guid=lambda n: f"item-{n}") -> None:
        entries = []
        for n, (title, body) in sorted(self.items.items(), reverse=True):
            date = format_datetime(dt.datetime(2026, 12, 1, 6, 0, tzinfo=dt.timezone.utc) + dt.timedelta(hours=n))
            entries.append(
                f"<item><title>{title}</title><link>{self.web.base}/a/{n}</link>"
                f'<guid isPermaLink="false">{guid(n)}</guid><pubDate>{date}</pubDate>'
                f"<description><![CDATA[<p>{body}</p>]]></description></item>"
            )
        rss = (
            '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Le Courrier du Test</title>'
            f"<link>{self.web.base}/</link><description>Essais</description>{''.join(entries)}</channel></rss>"
        )
        self.web.route("/rss.xml", rss, "application/rss+xml; charset=utf-8")


def tiny(n: int) -> tuple[str, str]:
    """A short French article, different for each n: (title, body). Quick to say."""
    town = TOWNS[n % len(TOWNS)]
    return f"À {town}, le marché change d'horaires ({n})", (
        f"La mairie de {town} a annoncé que le marché ouvrira à sept heures à partir du {n + 1} janvier. "
        f"La décision suit une consultation de {100 + n} habitants."
    )


@pytest.fixture
def feed(web):
    return TinyFeed(web)


def feed_guids(folder: Path) -> list[str]:
    return [item.findtext("guid") for item in ET.parse(folder / "feed.xml").getroot().iter("item")]


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under `folder`, dot files included: its bytes and modification time."""
    return {
        str(p.relative_to(folder)): (p.read_bytes(), p.stat().st_mtime_ns) for p in folder.rglob("*") if p.is_file()
    }


def sql(path: Path, *statements: str) -> list[tuple]:
    """Run statements on a database, closed after: the rows of the last."""
    with contextlib.closing(sqlite3.connect(path)) as db, db:
        return [db.execute(statement).fetchall() for statement in statements][-1]


def rows(folder: Path, query: str) -> list[tuple]:
    return sql(folder / STATE, query)


def test_five_runs_in_a_day_every_episode_reaches_the_feed_and_no_name_is_reused(runner, feed, tmp_path):
    episodes = tmp_path / "episodes"
    config = write_config(tmp_path, feed.url, episode={"max_items": 1}, retention={"episodes": 2})
    feed.items = {n: tiny(n) for n in range(5)}
    feed.publish()
    names, guids, retired = [], set(), []
    for run_number in range(1, 6):
        result = run(runner, config, "--date", "2026-12-07")
        assert result.exit_code == 0, result.output
        mp3 = Path(result.stdout.strip())
        names.append(mp3.stem)
        titles = feed_titles(episodes)
        title = "Briefing du lundi 7 décembre" + (f" ({run_number}e édition)" if run_number > 1 else "")
        assert titles[0] == title, (run_number, titles)  # the new episode is in the feed, first
        assert mp3.exists()
        guids.update(feed_guids(episodes))
        for line in result.stderr.splitlines():
            if line.startswith("removed past retention: "):
                retired += line.removeprefix("removed past retention: ").split(", ")
    assert names == ["2026-12-07", "2026-12-07-2", "2026-12-07-3", "2026-12-07-4", "2026-12-07-5"]
    assert len(guids) == 5  # one GUID an episode, never one twice
    assert retired == ["2026-12-07", "2026-12-07-2", "2026-12-07-3"]  # the oldest, each said once
    assert feed_titles(episodes) == [
        "Briefing du lundi 7 décembre (5e édition)",
        "Briefing du lundi 7 décembre (4e édition)",
    ]
    assert sorted(p.name for p in episodes.glob("*.mp3")) == ["2026-12-07-4.mp3", "2026-12-07-5.mp3"]
    # Each item read once, each in its own episode; every one of them was in the feed.
    assert sorted(r[0] for r in rows(episodes, "SELECT episode FROM items")) == names


def test_a_backfilled_day_is_published_and_kept_then_ordered_by_its_date(runner, feed, tmp_path):
    episodes = tmp_path / "episodes"
    config = write_config(tmp_path, feed.url, episode={"max_items": 1}, retention={"episodes": 2})
    feed.items = {n: tiny(n) for n in range(4)}
    feed.publish()
    for day in ("2026-12-05", "2026-12-06"):
        assert run(runner, config, "--date", day).exit_code == 0

    backfill = run(runner, config, "--date", "2026-12-01")  # an earlier day, after later ones
    assert backfill.exit_code == 0, backfill.output
    assert backfill.stdout.strip() == str(episodes / "2026-12-01.mp3")
    assert "removed past retention" not in backfill.stderr
    assert "kept 2026-12-01 although past retention: just published" in backfill.stderr
    assert "Briefing du mardi 1er décembre" in feed_titles(episodes)
    assert (episodes / "2026-12-01.mp3").exists()

    after = run(runner, config, "--date", "2026-12-07")
    assert after.exit_code == 0, after.output
    assert "removed past retention: 2026-12-01, 2026-12-05" in after.stderr
    assert feed_titles(episodes) == ["Briefing du lundi 7 décembre", "Briefing du dimanche 6 décembre"]
    assert sorted(p.name for p in episodes.glob("*.mp3")) == ["2026-12-06.mp3", "2026-12-07.mp3"]


@pytest.mark.parametrize("stored", [True, False], ids=["numbers-stored", "numbers-read-from-names"])
def test_editions_are_ordered_by_date_then_number_not_as_text(tmp_path, stored):
    """Ten editions of one day, and a twelfth of the day before: -10 is the newest, -2 the oldest
    but one; retention keeps -10 and -9. Rows of the previous schema carry no number: it is read
    from the name."""
    show = load_config(write_config(tmp_path, "https://exemple.fr/rss.xml", retention={"episodes": 2}))
    show.output_dir.mkdir(parents=True)
    state = State(show.output_dir / STATE_FILE)
    try:
        days = [dt.date(2026, 12, 6)] * 12 + [dt.date(2026, 12, 7)] * 10
        for day in days:
            name, edition = daily._name(show, day, state)
            state.begin_episode(name, day, edition)
            state.publish(name, day, [], [])
        if not stored:
            state.db.execute("UPDATE episodes SET edition = NULL")
        published = state.episodes("published")
        assert [r.name for r in published][-4:] == ["2026-12-07-7", "2026-12-07-8", "2026-12-07-9", "2026-12-07-10"]
        assert [r.name for r in published][10:14] == ["2026-12-06-11", "2026-12-06-12", "2026-12-07", "2026-12-07-2"]
        retire, kept = daily._past_retention(show, published, dt.date(2026, 12, 7))
        assert [r.name for r in published if r.name not in retire] == ["2026-12-07-9", "2026-12-07-10"]
        assert retire == [r.name for r in published[:-2]] and kept == []
        assert daily._name(show, dt.date(2026, 12, 7), state) == ("2026-12-07-11", 11)
    finally:
        state.close()


def test_a_name_is_never_used_again_once_its_episode_is_gone(runner, feed, tmp_path):
    episodes = tmp_path / "episodes"
    config = write_config(tmp_path, feed.url, episode={"max_items": 1}, retention={"episodes": 1})
    feed.items = {n: tiny(n) for n in range(3)}
    feed.publish()
    assert run(runner, config, "--date", "2026-12-07").exit_code == 0
    second = run(runner, config, "--date", "2026-12-07")
    assert "removed past retention: 2026-12-07" in second.stderr
    assert not (episodes / "2026-12-07.mp3").exists()
    third = run(runner, config, "--date", "2026-12-07")
    assert third.stdout.strip() == str(episodes / "2026-12-07-3.mp3")  # not 2026-12-07 again
    assert rows(episodes, "SELECT name FROM names ORDER BY name") == [
        ("2026-12-07",),
        ("2026-12-07-2",),
        ("2026-12-07-3",),
    ]


def test_a_state_of_the_previous_version_is_taken_up_and_its_names_remembered(runner, feed, tmp_path):
    """A state written before names were remembered (schema 1): the names its items were read in
    are taken as used."""
    episodes = tmp_path / "episodes"
    episodes.mkdir()
    with contextlib.closing(sqlite3.connect(episodes / STATE)) as db:
        db.executescript(
            "CREATE TABLE items (key TEXT PRIMARY KEY, source TEXT NOT NULL, title TEXT NOT NULL, digest TEXT "
            "NOT NULL, text BLOB NOT NULL, episode TEXT NOT NULL, read_on TEXT NOT NULL);"
            "CREATE INDEX items_digest ON items (digest);"
            "CREATE TABLE episodes (name TEXT PRIMARY KEY, date TEXT NOT NULL, state TEXT NOT NULL CHECK "
            "(state IN ('pending', 'published', 'retired')), created TEXT NOT NULL);"
            "INSERT INTO items VALUES ('old', 's', 't', 'd', x'00', '2026-12-07', '2026-12-07');"
            "PRAGMA user_version = 1;"
        )
    config = write_config(tmp_path, feed.url)
    feed.items = {0: tiny(0)}
    feed.publish()
    result = run(runner, config, "--date", "2026-12-07")
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == str(episodes / "2026-12-07-2.mp3")


def _foreign(path: Path) -> None:
    sql(path, "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)", "INSERT INTO notes (body) VALUES ('a note')")


def _dropped_table(path: Path) -> None:
    sql(path, "DROP TABLE items")


def _corrupt_pages(path: Path) -> None:
    data = bytearray(path.read_bytes())
    assert len(data) >= 3 * 4096
    data[4096 + 8 : 3 * 4096] = b"\xa5" * (2 * 4096 - 8)  # page 2 and 3, past a page header's first bytes
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "spoil, fragment, after_a_run",
    [
        (lambda p: p.write_bytes(b""), "is empty (0 bytes)", False),
        (lambda p: p.write_bytes(b"not a database, but a file of text " * 100), "not a readable briefing state", False),
        (_foreign, "not a briefing state database", False),
        (_dropped_table, "damaged briefing state database", True),
        (_corrupt_pages, "damaged briefing state database", True),
    ],
    ids=["empty", "text", "foreign", "dropped-table", "corrupt-pages"],
)
def test_a_state_file_that_is_not_ours_or_damaged_is_refused_and_nothing_changes(
    runner, feed, tmp_path, spoil, fragment, after_a_run
):
    episodes = tmp_path / "episodes"
    config = write_config(tmp_path, feed.url)
    feed.items = {n: tiny(n) for n in range(2)}
    feed.publish()
    if after_a_run:
        assert run(runner, config, "--date", "2026-12-06").exit_code == 0
    else:
        episodes.mkdir()
    spoil(episodes / STATE)
    feed.items[5] = tiny(5)
    feed.publish()
    before = snapshot(episodes)
    for args in (("--date", "2026-12-07"), ("--dry-run", "--date", "2026-12-07")):
        result = run(runner, config, *args)
        assert_one_line_error(result, 2, fragment)
        assert str(episodes / STATE) in result.stderr
        assert snapshot(episodes) == before  # nothing written, nothing deleted


def test_a_state_row_never_leads_a_deletion_out_of_the_show_folder(runner, feed, tmp_path):
    config = write_config(tmp_path, feed.url, show={"output_dir": "show/episodes"})
    episodes = tmp_path / "show" / "episodes"
    feed.items = {0: tiny(0)}
    feed.publish()
    assert run(runner, config, "--date", "2026-12-06").exit_code == 0
    victims = [tmp_path / f"victim{suffix}" for suffix in (".mp3", ".vtt", ".srt", ".chapters.json", ".html")]
    victims += [tmp_path / "show" / "other.mp3", tmp_path / "absolute.mp3"]
    for victim in victims:
        victim.write_text("not yours", encoding="utf-8")
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "linked.mp3").write_text("not yours either", encoding="utf-8")
    (episodes / "2026-12-05-link").symlink_to(outside)  # a folder link inside the show's folder
    with contextlib.closing(sqlite3.connect(episodes / STATE)) as db, db:
        for name, state in [
            ("../../victim", "retired"),
            ("../other", "pending"),
            (str(tmp_path / "absolute"), "retired"),
            ("2026-12-05-link/linked", "retired"),
        ]:
            db.execute(
                "INSERT INTO episodes (name, date, state, created) VALUES (?, '2026-12-05', ?, 'x')", (name, state)
            )
    feed.items[1] = tiny(1)
    feed.publish()
    result = run(runner, config, "--date", "2026-12-07")
    assert result.exit_code == 0, result.output
    assert all(v.read_text(encoding="utf-8") == "not yours" for v in victims)
    assert (outside / "linked.mp3").exists()
    assert "state row '../../victim' is not an episode of this show" in result.stderr
    assert len(feed_titles(episodes)) == 2
    assert rows(episodes, "SELECT name FROM episodes ORDER BY name") == [("2026-12-06",), ("2026-12-07",)]


def test_a_published_row_outside_the_folder_is_not_read_into_the_feed(runner, feed, tmp_path):
    config = write_config(tmp_path, feed.url, show={"output_dir": "show/episodes"})
    episodes = tmp_path / "show" / "episodes"
    feed.items = {0: tiny(0)}
    feed.publish()
    assert run(runner, config, "--date", "2026-12-06").exit_code == 0
    (tmp_path / "victim.mp3").write_bytes((episodes / "2026-12-06.mp3").read_bytes())
    sql(
        episodes / STATE,
        "INSERT INTO episodes (name, date, state, created) VALUES ('../../victim', '2026-12-05', 'published', 'x')",
    )
    result = run(runner, config, "--date", "2026-12-07")
    assert result.exit_code == 0, result.output
    assert "victim" not in (episodes / "feed.xml").read_text(encoding="utf-8")
    assert (tmp_path / "victim.mp3").exists()


def test_a_full_disk_at_the_commit_point_is_one_line_and_leaves_the_state(runner, feed, tmp_path, monkeypatch):
    episodes = tmp_path / "episodes"
    config = write_config(tmp_path, feed.url)
    feed.items = {0: tiny(0)}
    feed.publish()
    assert run(runner, config, "--date", "2026-12-06").exit_code == 0
    db_before = rows(episodes, "SELECT * FROM items") + rows(episodes, "SELECT * FROM episodes")
    files_before = sorted(p.name for p in episodes.iterdir() if not p.name.startswith("."))
    feed_before = (episodes / "feed.xml").read_bytes()

    real = State.publish

    def full(self, *args, **kwargs):  # the disk fills up: SQLite may not grow the file by one page
        pages = self.db.execute("PRAGMA page_count").fetchone()[0]
        self.db.execute(f"PRAGMA max_page_count = {pages}")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(State, "publish", full)
    feed.items[1] = tiny(1)
    feed.publish(guid=lambda n: f"item-{n}-" + "x" * 6000)  # its row needs pages the disk has no room for
    result = run(runner, config, "--date", "2026-12-07")
    assert_one_line_error(result, 1, "database or disk is full")
    assert "nothing was published" in result.stderr
    assert rows(episodes, "SELECT * FROM items") + rows(episodes, "SELECT * FROM episodes") == db_before
    assert sorted(p.name for p in episodes.iterdir() if not p.name.startswith(".")) == files_before
    assert (episodes / "feed.xml").read_bytes() == feed_before

    monkeypatch.setattr(State, "publish", real)  # room again: the next run publishes them
    result = run(runner, config, "--date", "2026-12-07")
    assert result.exit_code == 0, result.output
    assert len(feed_titles(episodes)) == 2
