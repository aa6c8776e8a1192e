"""What a show has published: a small SQLite database beside its episodes.

`items`: every article read in an episode, keyed by its feed GUID (else its link, else its
file), with a digest and a compressed copy of the text read, so that an article updated since
can be told from one merely corrected. `episodes`: each episode's name, date, edition and state:

    pending    being rendered; its files may be partly in place (a run killed then: removed
               by the next run, with the row)
    published  in the feed
    retired    past retention: its files are being removed (finished by the next run if killed)

`names`: every name an episode of this show was published under, retired ones included: a name,
and so the GUID made from it, is never used twice.

Each change of state is one transaction, so the database is always in one of these states,
whatever kills the process. A failed write is rolled back: the database stays as it was.

The file is this show's or nothing: it carries briefing's application id and schema version, and
is checked when opened. An empty file, a file that is not SQLite, another program's database, or
one whose tables or pages are damaged is refused (InputError, exit 2) before anything is written;
a missing file is a new show. A write the disk refuses (full, I/O error) is a RenderError (exit 1).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import os
import re
import sqlite3
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from briefing.errors import BriefingError, InputError, RenderError
from briefing.model import Article

STATE_FILE = ".briefing-state.sqlite3"
SCHEMA_VERSION = 2
APPLICATION_ID = 0x42524946  # "BRIF", in the SQLite header: this file is a briefing show's state
_SQLITE_MAGIC = b"SQLite format 3\x00"
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
    created TEXT NOT NULL,      -- when the run that made it started (UTC)
    edition INTEGER             -- its number that day: 1, 2 (name-2), ... (NULL: read from the name)
);
CREATE TABLE IF NOT EXISTS names (
    name TEXT PRIMARY KEY,      -- a name an episode was published under: never used again
    date TEXT NOT NULL
);
"""
# Schema 1 (before `names` and `episodes.edition`): taken up, its used names gathered from its rows.
_UPGRADE_1 = """
ALTER TABLE episodes ADD COLUMN edition INTEGER;
CREATE TABLE names (name TEXT PRIMARY KEY, date TEXT NOT NULL);
INSERT OR IGNORE INTO names SELECT name, date FROM episodes WHERE state != 'pending';
INSERT OR IGNORE INTO names SELECT episode, MIN(read_on) FROM items GROUP BY episode;
"""
_COLUMNS = {
    1: {
        "items": {"key", "source", "title", "digest", "text", "episode", "read_on"},
        "episodes": {"name", "date", "state", "created"},
    },
    2: {
        "items": {"key", "source", "title", "digest", "text", "episode", "read_on"},
        "episodes": {"name", "date", "state", "created", "edition"},
        "names": {"name", "date"},
    },
}
_HOW = "restore it from a backup, or move it away to start the show afresh"


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


def _is_date(value) -> bool:
    """Whether `value` is an ISO date, YYYY-MM-DD."""
    if not isinstance(value, str) or len(value) != 10:
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def edition_of(name: str) -> int:
    """The edition number a name carries: 2026-12-07 -> 1, 2026-12-07-matin-10 -> 10 (for rows
    written before the number was stored)."""
    m = re.search(r"-(\d+)$", name[10:])
    return int(m.group(1)) if m else 1


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
    edition: int = 1
    created: str = ""

    @property
    def order(self) -> tuple[str, int, str, str]:
        """Oldest first: by date, then edition number (2 before 10), then when it was made."""
        return (self.date, self.edition, self.created, self.name)


def _damaged(path: Path, exc: Exception) -> InputError:
    return InputError(f"{path}: damaged briefing state database ({exc}); {_HOW}")


def _failure(path: Path, doing: str, exc: sqlite3.Error) -> BriefingError:
    """The error a failed SQLite call is: the file damaged (exit 2), or a write the disk refused
    (full, I/O error, locked: exit 1)."""
    code = getattr(exc, "sqlite_errorname", None) or ""
    text = str(exc)
    if code.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")) or re.search(r"malformed|no such (table|column)", text):
        return _damaged(path, exc)
    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(
        exc, (sqlite3.OperationalError, sqlite3.IntegrityError)
    ):
        return _damaged(path, exc)
    return RenderError(f"cannot {doing} in {path}: {text}")


def _guarded(doing: str):
    """A method whose SQLite errors become one-line BriefingErrors."""

    def wrap(method):
        @functools.wraps(method)
        def guarded(self: State, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except sqlite3.Error as exc:
                raise _failure(self.path, doing, exc) from None

        return guarded

    return wrap


class State:
    """The show's database; each method that changes it is one transaction.

    `readonly`: check it and read it, never write (a dry run, or the check made before a run
    takes the show's lock); `thorough`: read every page too (PRAGMA quick_check)."""

    def __init__(self, path: Path, readonly: bool = False, thorough: bool = False):
        self.path = Path(path)
        self.db: sqlite3.Connection | None = None
        if not self.path.exists():
            if readonly:
                raise InputError(f"{self.path}: no such state database")
            self._create()
        _check_file(self.path)
        try:
            self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self.version = _check_schema(self.db, self.path, thorough)
            if thorough:
                self.episodes()  # every row readable, every date a date
            if readonly:
                return
            self.db.execute("PRAGMA journal_mode=WAL")  # a reader never sees half a transaction
            self.db.execute("PRAGMA synchronous=FULL")
            if self.version == 1:
                self._upgrade()
        except sqlite3.Error as exc:
            self.close()
            raise _failure(self.path, "open the state", exc) from None
        except BaseException:
            self.close()
            raise

    def _create(self) -> None:
        """A new show's database, made under a temporary name and renamed into place once
        complete: a run killed meanwhile leaves no half-made file (the next run removes the
        temporary one)."""
        tmp = self.path.with_name(f".{self.path.stem.lstrip('.')}.{os.getpid()}.new.part{self.path.suffix}")
        try:
            tmp.unlink(missing_ok=True)
            db = sqlite3.connect(tmp, isolation_level=None)
            try:
                db.execute("PRAGMA journal_mode=WAL")
                db.executescript(
                    f"BEGIN IMMEDIATE; {_SCHEMA} PRAGMA application_id={APPLICATION_ID}; "
                    f"PRAGMA user_version={SCHEMA_VERSION}; COMMIT;"
                )
            finally:
                db.close()
            os.replace(tmp, self.path)
        except (OSError, sqlite3.Error) as exc:
            for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm"), Path(f"{tmp}-journal")):
                with contextlib.suppress(OSError):
                    leftover.unlink()
            raise RenderError(f"cannot create the state database {self.path}: {exc}") from None

    def _upgrade(self) -> None:
        with self._transaction() as db:
            for statement in _UPGRADE_1.split(";"):
                if statement.strip():
                    db.execute(statement)
            db.execute(f"PRAGMA application_id={APPLICATION_ID}")
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        self.version = SCHEMA_VERSION

    def close(self) -> None:
        if self.db is not None:
            with contextlib.suppress(sqlite3.Error):
                self.db.close()
            self.db = None

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One transaction: committed whole, or rolled back whole (whatever failed, the commit
        itself included)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
            self.db.execute("COMMIT")
        except BaseException:
            if self.db.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self.db.execute("ROLLBACK")
            raise

    # --- reading -------------------------------------------------------------------------------

    @_guarded("read the state")
    def known(self, key: str) -> Known | None:
        row = self.db.execute("SELECT digest, text, episode FROM items WHERE key = ?", (key,)).fetchone()
        if not row:
            return None
        try:
            text = zlib.decompress(row[1]).decode("utf-8")
        except (zlib.error, UnicodeDecodeError, TypeError) as exc:
            raise _damaged(self.path, f"item {key!r}: {exc}") from None
        return Known(row[0], text, row[2])

    @_guarded("read the state")
    def seen_digest(self, value: str) -> bool:
        """Whether a text with this digest was read already, under any key (a syndicated copy)."""
        return self.db.execute("SELECT 1 FROM items WHERE digest = ? LIMIT 1", (value,)).fetchone() is not None

    @_guarded("read the state")
    def episodes(self, state: str | None = None) -> list[EpisodeRow]:
        """The episodes (in `state`), oldest first: by date, then edition number."""
        edition = "edition" if self.version >= 2 else "NULL"
        query = f"SELECT name, date, state, {edition}, created FROM episodes"
        rows = self.db.execute(query + (" WHERE state = ?" if state else ""), (state,) if state else ())
        found = []
        for name, date, kind, number, created in rows:
            if not isinstance(name, str) or not _is_date(date):
                raise _damaged(self.path, f"episode {name!r} has no date ({date!r})")
            edition = number if isinstance(number, int) else edition_of(name)
            found.append(EpisodeRow(name, date, kind, edition, str(created)))
        return sorted(found, key=lambda r: r.order)

    @_guarded("read the state")
    def used_names(self) -> set[str]:
        """Every name this show used or uses: never given to a new episode."""
        query = "SELECT name FROM episodes UNION SELECT episode FROM items"
        if self.version >= 2:
            query += " UNION SELECT name FROM names"
        return {row[0] for row in self.db.execute(query)}

    @_guarded("read the state")
    def item_count(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM items").fetchone()[0]

    # --- changing ------------------------------------------------------------------------------

    @_guarded("record the new episode")
    def begin_episode(self, name: str, date: dt.date, edition: int = 1) -> None:
        """Record an episode about to be rendered (pending)."""
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        with self._transaction() as db:
            db.execute(
                "INSERT INTO episodes (name, date, state, created, edition) VALUES (?, ?, 'pending', ?, ?)",
                (name, date.isoformat(), now, edition),
            )

    def publish(self, name: str, date: dt.date, items: list[tuple[str, str, Article]], retire: list[str]) -> None:
        """The commit point of a run: the episode is published, its name taken for good, its
        items read, and the episodes past retention retired, together or not at all.
        `items`: (key, source, article)."""
        try:
            with self._transaction() as db:
                db.execute("UPDATE episodes SET state = 'published' WHERE name = ?", (name,))
                db.execute("INSERT OR IGNORE INTO names (name, date) VALUES (?, ?)", (name, date.isoformat()))
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
        except sqlite3.Error as exc:
            error = _failure(self.path, f"record episode {name}", exc)
            if isinstance(error, RenderError):
                error = RenderError(f"{error}; nothing was published, the state is as it was")
            raise error from None

    @_guarded("retire episodes")
    def retire(self, names: list[str]) -> None:
        with self._transaction() as db:
            db.executemany("UPDATE episodes SET state = 'retired' WHERE name = ?", [(n,) for n in names])

    @_guarded("update the state")
    def forget(self, name: str) -> None:
        """Remove an episode's row (its files are gone). Its items stay read, its name used."""
        with self._transaction() as db:
            db.execute("DELETE FROM episodes WHERE name = ?", (name,))


def _check_file(path: Path) -> None:
    """Refuse, before SQLite opens it, a file that cannot be a state database: empty, or not SQLite."""
    try:
        with open(path, "rb") as file:
            head = file.read(100)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the state database: {exc.strerror}") from None
    if not head:
        raise InputError(f"{path} is empty (0 bytes): not a briefing state database; {_HOW} (nothing was changed)")
    if not head.startswith(_SQLITE_MAGIC):
        raise InputError(f"{path}: not a readable briefing state database (not SQLite); {_HOW}")


def _check_schema(db: sqlite3.Connection, path: Path, thorough: bool) -> int:
    """The schema version of a database that is this show's, undamaged; an InputError otherwise.
    Reads only."""
    app_id = db.execute("PRAGMA application_id").fetchone()[0]
    version = db.execute("PRAGMA user_version").fetchone()[0]
    tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if app_id not in (0, APPLICATION_ID) or (app_id == 0 and (version != 1 or not {"items", "episodes"} <= tables)):
        # Schema 1 had no application id: known by its version and its two tables.
        raise InputError(f"{path}: not a briefing state database (another program's); {_HOW}")
    if version > SCHEMA_VERSION:
        raise InputError(f"{path} was written by a newer briefing (schema {version}); upgrade briefing")
    if version not in _COLUMNS:
        raise _damaged(path, f"schema version {version}")
    for table, columns in _COLUMNS[version].items():
        present = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        if not present:
            raise _damaged(path, f"table {table} is missing")
        if columns - present:
            raise _damaged(path, f"table {table} lacks {', '.join(sorted(columns - present))}")
    if thorough:
        problems = [row[0] for row in db.execute("PRAGMA quick_check(3)")]
        if problems != ["ok"]:
            raise _damaged(path, "; ".join(problems))
    return version
