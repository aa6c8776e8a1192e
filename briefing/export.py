"""Episode in, files out. Every file is written to a temporary name beside its target and
renamed into place only when complete, so a failure never leaves a partial episode."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from briefing.errors import InputError, RenderError
from briefing.model import Episode

DEFAULT_BITRATE = "96k"  # mono speech: transparent at 96 kbit/s, inside the 64-128 podcast norm


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path in `target`'s folder; move it onto `target` on success only."""
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".part" + target.suffix, dir=target.parent)
    except OSError as exc:
        raise InputError(f"cannot write in {target.parent}: {exc.strerror}") from None
    os.close(fd)
    tmp_path = Path(tmp)
    # mkstemp makes the file private (0600); an episode is meant to be served, so honour umask.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp_path, 0o666 & ~umask)
    try:
        yield tmp_path
        os.replace(tmp_path, target)
    except BaseException:
        tmp_path.unlink(missing_ok=True)
        raise


def to_pcm16(samples: np.ndarray) -> bytes:
    """float32 [-1, 1] to little-endian 16-bit PCM, with TPDF dither against quantisation hiss."""
    rng = np.random.default_rng(0)  # fixed seed: the same episode gives the same bytes
    dither = (rng.random(samples.shape, dtype=np.float32) - rng.random(samples.shape, dtype=np.float32)) / 32768
    return np.clip(np.round((samples + dither) * 32767), -32768, 32767).astype("<i2").tobytes()


def write_mp3(episode: Episode, target: Path, bitrate: str = DEFAULT_BITRATE, tags: dict[str, str] | None = None) -> Path:
    """Encode `episode` as a mono MP3 at `target` (ffmpeg through pydub), atomically."""
    if shutil.which("ffmpeg") is None:
        raise RenderError("ffmpeg is not installed (apt-get install ffmpeg, or run `make run`)")
    from pydub import AudioSegment  # imported here: pydub looks for ffmpeg at import time

    audio = AudioSegment(data=to_pcm16(episode.samples), sample_width=2, frame_rate=episode.sample_rate, channels=1)
    with atomic_path(target) as tmp:
        try:
            handle = audio.export(
                str(tmp), format="mp3", bitrate=bitrate, tags=tags or {}, id3v2_version="4", parameters=["-ac", "1"]
            )
            handle.close()
        except OSError as exc:
            raise RenderError(f"cannot write {target}: {exc.strerror or exc}") from None
        except Exception as exc:  # pydub raises CouldntEncodeError with ffmpeg's whole log
            last = str(exc).strip().splitlines()
            raise RenderError(f"ffmpeg could not encode {target}: {last[-1] if last else exc}") from None
    return target
