"""A content-addressed cache of synthesised segments.

The key is a SHA-256 of everything that changes the sound: the spoken text, the voice preset's
settings, the engine's name and version and the model's identity. An entry is one file: a JSON
header line (sample rate, sample count, SHA-256 of the samples) then the float32 samples. It is
written under a temporary name and renamed, so a crash never leaves a half-written entry; a
truncated or corrupt entry fails its checksum, is deleted, and the segment is synthesised again.
The cache is capped in size; the least recently used entries go first.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from briefing.options import MB, SpeakOptions
from briefing.system.paths import user_cache_dir

log = logging.getLogger(__name__)

FORMAT = 1
DEFAULT_MAX_BYTES = SpeakOptions.cache_size * MB
_MAGIC = b"briefing-segment"


def default_cache_dir() -> Path:
    """The platform's user cache directory (XDG_CACHE_HOME/briefing on Linux)."""
    return user_cache_dir() / "segments"


def cache_key(text: str, identity: dict) -> str:
    """SHA-256 over the spoken text and the sound-changing identity of voice and engine."""
    payload = json.dumps(
        {"format": FORMAT, "text": text, "identity": identity}, sort_keys=True, ensure_ascii=False, default=str
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass
class SegmentCache:
    folder: Path
    max_bytes: int = DEFAULT_MAX_BYTES

    def path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.seg"

    def has(self, key: str) -> bool:
        """Whether an entry exists (not checked: `get` verifies it)."""
        return self.path(key).is_file()

    def get(self, key: str) -> tuple[np.ndarray, int] | None:
        """The cached samples and rate, or None when absent or damaged (a damaged entry is removed)."""
        path = self.path(key)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            log.debug("cache entry %s unreadable: %s", path, exc)
            return None
        entry = _decode(data)
        if entry is None:
            log.warning("cache entry %s was damaged; synthesising that segment again", path.name)
            path.unlink(missing_ok=True)
            return None
        try:
            os.utime(path)  # recently used: evicted last
        except OSError:
            pass
        return entry

    def put(self, key: str, samples: np.ndarray, rate: int) -> None:
        """Store an entry atomically. A full or read-only cache never fails a render."""
        if getattr(self, "_unwritable", False):  # said once; the rest of the run goes without it
            return
        path = self.path(key)
        samples = np.ascontiguousarray(samples, dtype="<f4")
        payload = samples.tobytes()
        header = json.dumps({"rate": int(rate), "n": int(samples.size), "sha256": hashlib.sha256(payload).hexdigest()})
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=".", suffix=".part", dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(_MAGIC + b" " + header.encode() + b"\n" + payload)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            self._unwritable = True
            log.warning("could not write to the segment cache (%s); carrying on without it", exc.strerror or exc)

    def entries(self) -> list[Path]:
        return list(self.folder.glob("??/*.seg")) if self.folder.is_dir() else []

    def size(self) -> int:
        return sum(p.stat().st_size for p in self.entries())

    def evict(self) -> int:
        """Remove least recently used entries until the cache fits `max_bytes`; return how many.
        Temporary files older than an hour (left by a killed run) go too."""
        import time

        if self.folder.is_dir():
            for part in self.folder.glob("??/.*.part"):
                try:
                    if part.stat().st_mtime < time.time() - 3600:
                        part.unlink()
                except OSError:
                    pass
        stats = []
        for p in self.entries():
            try:
                st = p.stat()
            except OSError:
                continue
            stats.append((st.st_mtime, st.st_size, p))
        total = sum(size for _, size, _ in stats)
        removed = 0
        for _, size, p in sorted(stats):
            if total <= self.max_bytes:
                break
            p.unlink(missing_ok=True)
            total -= size
            removed += 1
        return removed


def _decode(data: bytes) -> tuple[np.ndarray, int] | None:
    head, sep, payload = data.partition(b"\n")
    if not sep or not head.startswith(_MAGIC + b" "):
        return None
    try:
        meta = json.loads(head[len(_MAGIC) + 1 :])
        rate, n, digest = int(meta["rate"]), int(meta["n"]), str(meta["sha256"])
    except (ValueError, KeyError, TypeError):
        return None
    if len(payload) != 4 * n or hashlib.sha256(payload).hexdigest() != digest or rate <= 0:
        return None
    return np.frombuffer(payload, dtype="<f4").astype(np.float32), rate
