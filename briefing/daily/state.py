"""What a show has published: a small SQLite database beside its episodes.

`items`: every article read in an episode, keyed by its feed GUID (else its link, else its
file), with a digest and a compressed copy of the text read, so that an article updated since
can be told from one merely corrected. `episodes`: each episode's name, date and state:

    pending    being rendered; its files may be partly in place (a run killed then: removed
               by the next run, with the row)
    published  in the feed
    retired    past retention: its files are being removed (finished by the next run if killed)

Each change of state is one transaction, so the database is always in one of these states,
whatever kills the process.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import re
import sqlite3
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from briefing.errors import InputError
from briefing.model import Article

STATE_FILE = ".briefing-state.sqlite3"
SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
    key TEXT PRIMARY KEY,       -- the item's GUID, else its link, else its file
    source TEXT NOT NULL,       -- the configured source it came from
    title TEXT NOT NULL,
    digest TEXT NOT NULL,       -- sha256 of its text as read
    text BLOB NOT NULL,         -- that text, zlib-compressed: to measure how much an update changed
    episode TEXT NOT NULL,      -- the episode that read it last
    read_on TEXT NOT NULL       -- that episode's date
);
CREATE INDEX IF NOT EXISTS items_digest ON items (digest);
CREATE TABLE IF NOT EXISTS episodes (
    name TEXT PRIMARY KEY,      -- its MP3's name without .mp3
    date TEXT NOT NULL,         -- ISO date of the briefing
    state TEXT NOT NULL CHECK (state IN ('pending', 'published', 'retired')),
    created TEXT NOT NULL       -- when the run that made it started (UTC)
);
"""


def article_text(article: Article) -> str:
    """The article's text as read: title and blocks, spaces collapsed."""
    return " ".join(" ".join([article.title, *(b.text for b in article.blocks)]).split())


def article_key(article: Article) -> str:
    return article.guid or article.source or article.title


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def change(old: str, new: str) -> float:
    """How much of a text changed, 0 to 1: one minus the Jaccard similarity of their sets of
    four-word runs (a corrected typo changes a few runs; a rewritten paragraph many)."""

    def runs(text: str) -> set[tuple[str, ...]]:
        words = re.findall(r"\w+", text.lower())
        return {tuple(words[i : i + 4]) for i in range(max(1, len(words) - 3))}

    a, b = runs(old), runs(new)
    return 1.0 - len(a & b) / len(a | b) if a | b else 0.0


@dataclass(frozen=True)
class Known:
    """What the state holds of an item."""

    digest: str
    text: str
    episode: str


@dataclass(frozen=True)
class EpisodeRow:
    name: str
    date: str
    state: str


class State:
    """The show's database; each method that changes it is one transaction."""

    def __init__(self, path: Path):
        self.path = Path(path)
        try:
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.db.execute("PRAGMA journal_mode=WAL")  # a reader never sees half a transaction
            self.db.execute("PRAGMA synchronous=FULL")
            version = self.db.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{self.path}: not a readable briefing state database ({exc})") from None
        if version > SCHEMA_VERSION:
            self.db.close()
            raise InputError(f"{self.path} was written by a newer briefing (schema {version}); upgrade briefing")
        if version == 0:  # one script, one transaction: the tables and the version together
            self.db.executescript(f"BEGIN IMMEDIATE; {_SCHEMA} PRAGMA user_version={SCHEMA_VERSION}; COMMIT;")

    def close(self) -> None:
        self.db.close()

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # --- reading -------------------------------------------------------------------------------

    def known(self, key: str) -> Known | None:
        row = self.db.execute("SELECT digest, text, episode FROM items WHERE key = ?", (key,)).fetchone()
        return Known(row[0], zlib.decompress(row[1]).decode("utf-8"), row[2]) if row else None

    def seen_digest(self, value: str) -> bool:
        """Whether a text with this digest was read already, under any key (a syndicated copy)."""
        return self.db.execute("SELECT 1 FROM items WHERE digest = ? LIMIT 1", (value,)).fetchone() is not None

    def episodes(self, state: str | None = None) -> list[EpisodeRow]:
        query = "SELECT name, date, state FROM episodes"
        rows = self.db.execute(
            query + (" WHERE state = ?" if state else "") + " ORDER BY date, name", (state,) if state else ()
        )
        return [EpisodeRow(*row) for row in rows]

    def item_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM items").fetchone()[0]

    # --- changing ------------------------------------------------------------------------------

    def begin_episode(self, name: str, date: dt.date) -> None:
        """Record an episode about to be rendered (pending)."""
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        with self._transaction() as db:
            db.execute(
                "INSERT INTO episodes (name, date, state, created) VALUES (?, ?, 'pending', ?)",
                (name, date.isoformat(), now),
            )

    def publish(self, name: str, date: dt.date, items: list[tuple[str, str, Article]], retire: list[str]) -> None:
        """The commit point of a run: the episode is published, its items read, and the episodes
        past retention retired, together or not at all. `items`: (key, source, article)."""
        with self._transaction() as db:
            db.execute("UPDATE episodes SET state = 'published' WHERE name = ?", (name,))
            for key, source, article in items:
                text = article_text(article)
                db.execute(
                    "INSERT OR REPLACE INTO items (key, source, title, digest, text, episode, read_on) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        key,
                        source,
                        article.title,
                        digest(text),
                        zlib.compress(text.encode("utf-8")),
                        name,
                        date.isoformat(),
                    ),
                )
            db.executemany("UPDATE episodes SET state = 'retired' WHERE name = ?", [(n,) for n in retire])

    def retire(self, names: list[str]) -> None:
        with self._transaction() as db:
            db.executemany("UPDATE episodes SET state = 'retired' WHERE name = ?", [(n,) for n in names])

    def forget(self, name: str) -> None:
        """Remove an episode's row (its files are gone). Its items stay read."""
        with self._transaction() as db:
            db.execute("DELETE FROM episodes WHERE name = ?", (name,))
