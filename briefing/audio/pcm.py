"""Long audio on disk: mono float32 samples in a raw file, written and read in chunks.

A 90-minute episode is 238 million samples (950 MB as float32); held whole, and copied by each
stage, it would need several GB. The episode stages instead stream through raw files, so memory
stays a few 10-second chunks whatever the length.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

DTYPE = np.dtype("<f4")
CHUNK_S = 10.0


class PcmWriter:
    """Append mono float32 samples to a raw file."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._file = open(self.path, "wb")
        self.n = 0

    def write(self, samples: np.ndarray) -> None:
        data = np.ascontiguousarray(samples, dtype=DTYPE)
        self._file.write(data.tobytes())
        self.n += data.size

    def silence(self, count: int) -> None:
        block = np.zeros(min(count, 1 << 16), dtype=DTYPE)
        while count > 0:
            self.write(block[: min(count, block.size)])
            count -= block.size

    def close(self) -> None:
        self._file.close()

    def abort(self) -> None:
        """Close and remove the file (a pass that will not be kept, or a failure)."""
        self._file.close()
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> PcmWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def length(path: Path) -> int:
    return Path(path).stat().st_size // DTYPE.itemsize


def read(path: Path, start: int, stop: int) -> np.ndarray:
    """Samples [start, stop) of a raw file, clamped to the file."""
    start = max(0, start)
    with open(path, "rb") as f:
        f.seek(start * DTYPE.itemsize)
        return np.fromfile(f, dtype=DTYPE, count=max(0, stop - start)).astype(np.float32)


def read_all(path: Path) -> np.ndarray:
    return np.fromfile(path, dtype=DTYPE).astype(np.float32)


def chunks(path: Path, rate: int, chunk_s: float = CHUNK_S) -> Iterator[np.ndarray]:
    """The file's samples, in order, `chunk_s` seconds at a time."""
    size = max(1, int(rate * chunk_s))
    with open(path, "rb") as f:
        while True:
            block = np.fromfile(f, dtype=DTYPE, count=size)
            if block.size == 0:
                return
            yield block.astype(np.float32)


def windows(path: Path, rate: int, pad: int, chunk_s: float = CHUNK_S) -> Iterator[tuple[int, np.ndarray, int]]:
    """(start, window, offset): each chunk with `pad` samples of context on both sides, so a
    filter that looks ahead and behind gives the same result as on the whole signal. The
    chunk itself is window[offset : offset + chunk length]."""
    n = length(path)
    size = max(1, int(rate * chunk_s))
    for start in range(0, n, size):
        lo, hi = max(0, start - pad), min(n, start + size + pad)
        yield start, read(path, lo, hi), start - lo
