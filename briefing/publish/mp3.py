"""The MP3: LAME through ffmpeg from the episode's raw samples, then ID3v2.4 tags and chapters."""

from __future__ import annotations

import contextlib
import queue
import shutil
import subprocess
import tempfile
import threading
import uuid
from pathlib import Path

import numpy as np

from briefing import __version__
from briefing.errors import RenderError
from briefing.model import Episode
from briefing.options import SpeakOptions
from briefing.publish.info import Chapter, EpisodeInfo

DEFAULT_BITRATE = SpeakOptions.bitrate  # written once, in briefing.options
GUID_TAG = "briefing_guid"
SOURCE_TYPE_TAG = "digital_source_type"  # an IPTC digital source type URI (publish/info.py)
VOICES_TAG = "synthetic_voices"
DISCLOSURE_TAG = "ai_disclosure"


# LAME (as ffmpeg drives it, CBR) loses energy evenly across the spectrum at the podcast
# bitrates: its quantiser rounds magnitudes down (ISO's 0.4054 offset), and the coarser the steps,
# the more it loses. Measured on this project's speech, the same float samples encoded and
# decoded: -0.44 dB at 64k, -0.45 dB from 80k to 160k, -0.27 dB at 192k, 0.00 at 256k. That is
# why ffmpeg's ebur128 read our MP3s 0.45 LU under the meter's reading of the samples: the
# samples are made that much louder, so the MP3 a listener hears is on target.
ENCODER_LOSS_DB = 0.45


def encoder_loss_db(bitrate: str) -> float:
    """The loudness LAME takes off at `bitrate` ("96k"); the options allow 64k to 128k."""
    kbps = int(bitrate.lower().removesuffix("k"))
    return ENCODER_LOSS_DB if kbps <= 160 else (0.27 if kbps <= 192 else 0.0)


def require_ffmpeg() -> None:
    if shutil.which("ffmpeg") is None:
        raise RenderError("ffmpeg is not installed (apt-get install ffmpeg, or run `make run`)")


def _lame_command(rate: int, source: str, bitrate: str, path: Path | str) -> list[str]:
    """ffmpeg reading mono float32 samples from `source` (a file, or pipe:0), writing LAME's MP3
    at `path` (or "pipe:1": standard output, without the Xing header it cannot go back to fill)
    with no tag (mutagen writes them all)."""
    pipe = str(path) == "pipe:1"
    return [
        "ffmpeg",
        "-v",
        "error",
        "-nostdin",
        "-y",
        "-f",
        "f32le",
        "-ar",
        str(rate),
        "-ac",
        "1",
        "-i",
        source,
        "-c:a",
        "libmp3lame",
        "-b:a",
        bitrate,
        "-ac",
        "1",
        "-id3v2_version",
        "0",
        # A stream: no Xing frame to go back to, and each packet out as LAME makes it (ffmpeg
        # would otherwise hold 32 KB, nearly 3 s at 96 kbit/s, before a listener hears anything).
        *(["-write_xing", "0", "-flush_packets", "1"] if pipe else []),
        "-f",
        "mp3",
        str(path),
    ]


def _ffmpeg_failed(returncode: int, stderr: bytes) -> RenderError:
    lines = stderr.decode("utf-8", "replace").strip().splitlines()
    return RenderError(f"ffmpeg could not encode the MP3: {lines[-1] if lines else 'exit ' + str(returncode)}")


def encode_mp3(episode: Episode, path: Path, bitrate: str) -> None:
    """LAME through ffmpeg, reading the episode's raw float32 file (LAME takes float input, so
    no 16-bit step and no dither: the same episode gives the same bytes)."""
    try:
        proc = subprocess.run(
            _lame_command(episode.sample_rate, str(episode.path), bitrate, path), capture_output=True, check=False
        )
    except OSError as exc:
        raise RenderError(f"cannot run ffmpeg: {exc.strerror or exc}") from None
    if proc.returncode != 0:
        raise _ffmpeg_failed(proc.returncode, proc.stderr)


class Mp3Stream:
    """LAME through ffmpeg, fed the samples while they are being made: the encoder runs in its
    own process beside the last loudness pass instead of after it (on two cores the MP3 costs
    little more than LAME alone). The same samples give the same bytes as `encode_mp3`.

    A thread writes to ffmpeg's standard input from a short queue, so the caller goes on with
    the next chunk while LAME encodes this one. `close` waits for the file; `abort` kills the
    encoder and removes what it wrote. A pipe that breaks, or an ffmpeg that fails, is a
    RenderError with ffmpeg's last line."""

    _QUEUED = 4  # chunks waiting for the encoder: a few 10-second chunks of memory at most

    def __init__(self, path: Path | None, rate: int, bitrate: str, fd: int = 1):
        """Into the file `path`, or with None into the file descriptor `fd` (standard output for
        `-o -`, a pipe for the API's stream): ffmpeg writes its frames there as LAME makes them."""
        self.path = Path(path) if path is not None else None
        self._errors = tempfile.TemporaryFile()
        try:
            self._proc = subprocess.Popen(
                _lame_command(rate, "pipe:0", bitrate, self.path if self.path is not None else "pipe:1"),
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL if self.path is not None else (None if fd == 1 else fd),
                stderr=self._errors,
            )
        except OSError as exc:
            self._errors.close()
            raise RenderError(f"cannot run ffmpeg: {exc.strerror or exc}") from None
        self._queue: queue.Queue[bytes | None] = queue.Queue(self._QUEUED)
        self._broken: BaseException | None = None
        self._feeder = threading.Thread(target=self._feed, name="mp3-feeder", daemon=True)
        self._feeder.start()

    def _feed(self) -> None:
        stdin = self._proc.stdin
        assert stdin is not None
        while (data := self._queue.get()) is not None:
            if self._broken is None:
                try:
                    stdin.write(data)
                except (OSError, ValueError) as exc:  # ffmpeg is gone (BrokenPipeError) or aborted
                    self._broken = exc
        with contextlib.suppress(OSError):
            stdin.close()

    def write(self, samples: np.ndarray) -> None:
        if self._broken is not None:
            self._fail()
        self._queue.put(np.ascontiguousarray(samples, dtype="<f4").tobytes())

    def close(self) -> None:
        """Wait for LAME to finish the file; raise if it failed."""
        self._queue.put(None)
        self._feeder.join()
        returncode = self._proc.wait()
        if returncode != 0 or self._broken is not None:
            self._fail()
        self._errors.close()

    def abort(self) -> None:
        """Stop the encoder and remove its file (a pass that will not be kept, or a failure)."""
        self._broken = self._broken or RenderError("aborted")
        with contextlib.suppress(OSError):
            self._proc.kill()
        if self._feeder.is_alive():  # its writes now fail at once: it drains the queue to the end
            self._queue.put(None)
            self._feeder.join()
        self._proc.wait()
        self._errors.close()
        if self.path is not None:
            self.path.unlink(missing_ok=True)

    def _fail(self) -> None:
        self._proc.kill()
        returncode = self._proc.wait()
        self._errors.seek(0)
        error = _ffmpeg_failed(returncode, self._errors.read())
        self.abort()
        raise error

    def __enter__(self) -> Mp3Stream:
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None:
            self.close()
        else:
            self.abort()


def guid_for(target: Path, info: EpisodeInfo) -> str:
    """Stable across re-renders of the same episode (same file name and date)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"briefing:{target.name}:{info.date}"))


def tag_mp3(path: Path, info: EpisodeInfo, chapters: list[Chapter], guid: str) -> None:
    id3_tags(info, chapters, guid).save(str(path), v2_version=4)


def id3_header(info: EpisodeInfo, guid: str) -> bytes:
    """The ID3v2.4 tag of a stream (`-o -`), written before its first frame: every tag of a file
    but the chapters, whose times are not known yet."""
    import io

    buffer = io.BytesIO()
    id3_tags(info, [], guid).save(buffer, v2_version=4, padding=lambda _info: 0)
    return buffer.getvalue()


def id3_tags(info: EpisodeInfo, chapters: list[Chapter], guid: str):
    """The episode's ID3 tags (mutagen's ID3): title, show, date, description, the synthetic
    voices' disclosure, the cover, and the chapters with their tables of contents."""
    from mutagen.id3 import APIC, CHAP, COMM, CTOC, ID3, TALB, TCON, TDRC, TIT2, TLAN, TPE1, TSSE, TXXX, CTOCFlags

    tags = ID3()
    tags.add(TIT2(encoding=3, text=info.title))
    tags.add(TPE1(encoding=3, text=info.podcast))
    tags.add(TALB(encoding=3, text=info.podcast))
    tags.add(TCON(encoding=3, text="Podcast"))
    tags.add(TLAN(encoding=3, text="fra"))
    tags.add(TSSE(encoding=3, text=f"briefing {__version__}"))
    tags.add(TXXX(encoding=3, desc=GUID_TAG, text=guid))
    if info.date:
        tags.add(TDRC(encoding=3, text=info.date))
    comment = info.description or ("Sources : " + ", ".join(info.sources) if info.sources else "")
    if info.synthetic is not None:
        # Machine-readable (EU AI Act art. 50): the IPTC digital source type, the voices, the
        # sentence; and for people, the same sentence at the end of the comment.
        tags.add(TXXX(encoding=3, desc=SOURCE_TYPE_TAG, text=info.synthetic.source_type))
        tags.add(TXXX(encoding=3, desc=VOICES_TAG, text=" ; ".join(info.synthetic.voices)))
        tags.add(TXXX(encoding=3, desc=DISCLOSURE_TAG, text=info.synthetic.note))
        comment = f"{comment}{'' if not comment or comment[-1] in '.!?…' else '.'} {info.synthetic.note}".strip()
    if comment:
        tags.add(COMM(encoding=3, lang="fra", desc="", text=comment))
    if info.cover is not None:
        mime = "image/png" if info.cover.suffix.lower() == ".png" else "image/jpeg"
        tags.add(APIC(encoding=3, mime=mime, type=3, desc="Cover", data=info.cover.read_bytes()))
    # Articles are the top-level table of contents; an article's sub-headings are a table of
    # their own (ID3v2 Chapter Frame Addendum: a CTOC may hold CTOCs), listed after its chapter.
    if not chapters:
        return tags
    ids = [f"chp{i}" for i in range(len(chapters))]
    top: list[str] = []
    subs: dict[str, list[str]] = {}
    for element_id, chapter in zip(ids, chapters, strict=True):
        if chapter.level > 1 and top:
            subs.setdefault(top[-1], []).append(element_id)
        else:
            top.append(element_id)
    children = []
    for element_id in top:
        children.append(element_id)
        if element_id in subs:
            children.append(f"toc-{element_id}")
    tags.add(
        CTOC(
            element_id="toc",
            flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
            child_element_ids=children,
            sub_frames=[TIT2(encoding=3, text=info.title)],
        )
    )
    titles = dict(zip(ids, (c.title for c in chapters), strict=True))
    for parent, kids in subs.items():
        tags.add(
            CTOC(
                element_id=f"toc-{parent}",
                flags=CTOCFlags.ORDERED,
                child_element_ids=kids,
                sub_frames=[TIT2(encoding=3, text=titles[parent])],
            )
        )
    for element_id, chapter in zip(ids, chapters, strict=True):
        tags.add(
            CHAP(
                element_id=element_id,
                start_time=chapter.start_ms,
                end_time=chapter.end_ms,
                start_offset=0xFFFFFFFF,
                end_offset=0xFFFFFFFF,
                sub_frames=[TIT2(encoding=3, text=chapter.title)],
            )
        )
    return tags
