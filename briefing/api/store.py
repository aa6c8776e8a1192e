"""The API server's state: its keys and its jobs, rows of one SQLite database in the served folder
(`.briefing-api.sqlite3`, a hidden file that `serve` never hands out).

Keys are stored as the SHA-256 of the secret only; the secret is shown once, when it is made.
A job is a row from the moment its request is accepted: `queued`, then `running` when a worker
claims it (one UPDATE, so two workers never take the same job), then `done` or `failed`. A
server killed mid-job finds the job `running` when it starts again and queues it again: a render
is written atomically and its segments are in the cache, so running it again gives the same
files, and a job is never lost.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from briefing.errors import UsageError

DATABASE = ".briefing-api.sqlite3"
KEY_PREFIX = "brf_"
STATUSES = ("queued", "running", "done", "failed")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS keys (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    hash TEXT NOT NULL UNIQUE,
    created TEXT NOT NULL,
    revoked TEXT
);
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    key_id INTEGER NOT NULL REFERENCES keys(id),
    idempotency TEXT,
    status TEXT NOT NULL,
    request TEXT NOT NULL,
    progress REAL NOT NULL DEFAULT 0,
    files TEXT,
    error TEXT,
    created TEXT NOT NULL,
    started TEXT,
    finished TEXT,
    UNIQUE (key_id, idempotency)
);
CREATE INDEX IF NOT EXISTS jobs_queue ON jobs (status, created);
CREATE TABLE IF NOT EXISTS deliveries (
    id INTEGER PRIMARY KEY,
    job_id TEXT NOT NULL REFERENCES jobs(id),
    url TEXT NOT NULL,
    body BLOB NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at REAL NOT NULL,
    state TEXT NOT NULL,
    error TEXT
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (state, next_at);
"""


@dataclass(frozen=True)
class Key:
    id: int
    name: str
    created: str
    revoked: str | None


@dataclass(frozen=True)
class Delivery:
    id: int
    job_id: str
    key_id: int
    url: str
    body: bytes
    attempts: int


@dataclass(frozen=True)
class Job:
    id: str
    key_id: int
    status: str
    request: dict
    progress: float
    files: dict | None
    error: str | None
    created: str
    started: str | None
    finished: str | None


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="milliseconds")


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class Store:
    """The database of the folder `folder` (made on first use). Safe to share between threads."""

    def __init__(self, folder: Path):
        folder = Path(folder)
        if not folder.is_dir():
            raise UsageError(f"{folder}: no such folder (give the DIR that `briefing serve` serves)")
        self.path = folder / DATABASE
        self._lock = threading.Lock()
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as exc:
            raise UsageError(f"{self.path}: not a usable database ({exc})") from None

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _run(self, sql: str, args: tuple = ()) -> list[tuple]:
        with self._lock:
            return self._db.execute(sql, args).fetchall()

    # -- keys --

    def add_key(self, name: str) -> str:
        """A new key named `name`: its secret, to be shown once (only its hash is kept)."""
        if not name or len(name) > 80 or not name.isprintable():
            raise UsageError(f"a key's name is 1 to 80 printable characters (got {name!r})")
        secret = KEY_PREFIX + secrets.token_urlsafe(32)
        try:
            self._run("INSERT INTO keys (name, hash, created) VALUES (?, ?, ?)", (name, _hash(secret), _now()))
        except sqlite3.IntegrityError:
            raise UsageError(f"a key named {name!r} exists already; revoke it or choose another name") from None
        return secret

    def keys(self) -> list[Key]:
        return [Key(*row) for row in self._run("SELECT id, name, created, revoked FROM keys ORDER BY id")]

    def revoke(self, name: str) -> None:
        with self._lock:
            done = self._db.execute(
                "UPDATE keys SET revoked = ? WHERE name = ? AND revoked IS NULL", (_now(), name)
            ).rowcount
        if not done:
            known = {k.name: k for k in self.keys()}
            raise UsageError(f"no key named {name!r}" if name not in known else f"the key {name!r} is revoked already")

    def signing_key(self, key_id: int) -> bytes:
        """What a key's webhooks are signed with: the SHA-256 digest of its secret (all that is kept
        of it; the receiver, who holds the secret, computes the same)."""
        return bytes.fromhex(self._run("SELECT hash FROM keys WHERE id = ?", (key_id,))[0][0])

    def key_for(self, secret: str) -> Key | None:
        rows = self._run("SELECT id, name, created, revoked FROM keys WHERE hash = ?", (_hash(secret),))
        return Key(*rows[0]) if rows else None

    # -- jobs --

    def submit(self, key: Key, request: dict, idempotency: str | None = None) -> tuple[Job, bool]:
        """Queue `request` for `key`: (the job, True), or with an idempotency key already used by
        this key, (that job, False)."""
        job_id = uuid.uuid4().hex
        try:
            self._run(
                "INSERT INTO jobs (id, key_id, idempotency, status, request, created) VALUES (?, ?, ?, 'queued', ?, ?)",
                (job_id, key.id, idempotency, json.dumps(request, ensure_ascii=False), _now()),
            )
            return self.job(job_id), True
        except sqlite3.IntegrityError:
            rows = self._run("SELECT id FROM jobs WHERE key_id = ? AND idempotency = ?", (key.id, idempotency))
            return self.job(rows[0][0]), False

    def job(self, job_id: str) -> Job | None:
        with self._lock:
            return self._job(job_id)

    def _job(self, job_id: str) -> Job | None:  # with the lock held
        rows = self._db.execute(
            "SELECT id, key_id, status, request, progress, files, error, created, started, finished "
            "FROM jobs WHERE id = ?",
            (job_id,),
        ).fetchall()
        if not rows:
            return None
        row = list(rows[0])
        row[3] = json.loads(row[3])
        row[5] = json.loads(row[5]) if row[5] else None
        return Job(*row)

    def claim(self) -> Job | None:
        """The oldest queued job, now running; None when none waits."""
        rows = self._run(
            "UPDATE jobs SET status = 'running', started = ?, progress = 0 WHERE id = "
            "(SELECT id FROM jobs WHERE status = 'queued' ORDER BY created, rowid LIMIT 1) RETURNING id",
            (_now(),),
        )
        return self.job(rows[0][0]) if rows else None

    def progress(self, job_id: str, fraction: float) -> None:
        self._run("UPDATE jobs SET progress = ? WHERE id = ? AND status = 'running'", (fraction, job_id))

    def finish(self, job_id: str, files: dict, announce=None) -> None:
        """The job is done. `announce(job) -> bytes`: its webhook's body, queued for delivery in
        the same transaction when the job has a callback_url (a server killed now loses neither)."""
        self._end(
            job_id,
            "UPDATE jobs SET status = 'done', progress = 1, files = ?, finished = ? WHERE id = ?",
            (json.dumps(files), _now(), job_id),
            announce,
        )

    def fail(self, job_id: str, error: str, announce=None) -> None:
        self._end(
            job_id,
            "UPDATE jobs SET status = 'failed', error = ?, finished = ? WHERE id = ?",
            (error, _now(), job_id),
            announce,
        )

    def _end(self, job_id: str, sql: str, args: tuple, announce) -> None:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute(sql, args)
                job = self._job(job_id)
                url = job.request.get("callback_url") if job is not None else None
                if url and announce is not None:
                    self._db.execute(
                        "INSERT INTO deliveries (job_id, url, body, next_at, state) VALUES (?, ?, ?, ?, 'pending')",
                        (job_id, url, announce(job), time.time()),
                    )
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:  # SQLite may have rolled back by itself (a full disk)
                    self._db.execute("ROLLBACK")
                raise

    # -- webhooks --

    def due_deliveries(self, now: float, limit: int = 16) -> list[Delivery]:
        rows = self._run(
            "SELECT d.id, d.job_id, j.key_id, d.url, d.body, d.attempts "
            "FROM deliveries d JOIN jobs j ON j.id = d.job_id "
            "WHERE d.state = 'pending' AND d.next_at <= ? ORDER BY d.next_at LIMIT ?",
            (now, limit),
        )
        return [Delivery(*row) for row in rows]

    def next_delivery_at(self) -> float | None:
        return self._run("SELECT min(next_at) FROM deliveries WHERE state = 'pending'")[0][0]

    def delivered(self, delivery_id: int, attempts: int) -> None:
        self._run("UPDATE deliveries SET state = 'delivered', attempts = ? WHERE id = ?", (attempts, delivery_id))

    def retry_delivery(self, delivery_id: int, attempts: int, next_at: float | None, error: str) -> None:
        """Tried and failed: again at `next_at`, or given up when it is None."""
        if next_at is None:
            self._run(
                "UPDATE deliveries SET state = 'failed', attempts = ?, error = ? WHERE id = ?",
                (attempts, error, delivery_id),
            )
        else:
            self._run(
                "UPDATE deliveries SET attempts = ?, next_at = ?, error = ? WHERE id = ?",
                (attempts, next_at, error, delivery_id),
            )

    def deliveries(self, job_id: str) -> list[tuple[str, int, str | None]]:
        """(state, attempts, last error) of a job's webhooks."""
        return self._run("SELECT state, attempts, error FROM deliveries WHERE job_id = ? ORDER BY id", (job_id,))

    def requeue(self, job_id: str) -> None:
        """A running job back to the queue (its render was cut by the server's stop)."""
        self._run(
            "UPDATE jobs SET status = 'queued', started = NULL, progress = 0 WHERE id = ? AND status = 'running'",
            (job_id,),
        )

    def requeue_running(self) -> int:
        """Jobs a killed server left running go back to the queue (at start, before any worker)."""
        with self._lock:
            return self._db.execute(
                "UPDATE jobs SET status = 'queued', started = NULL, progress = 0 WHERE status = 'running'"
            ).rowcount

    def active(self, key: Key) -> int:
        """How many of `key`'s jobs are queued or running."""
        return self._run("SELECT count(*) FROM jobs WHERE key_id = ? AND status IN ('queued', 'running')", (key.id,))[
            0
        ][0]
