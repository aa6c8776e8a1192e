"""The one place that chains the stages. The CLI and batch runs call these functions."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import os
import re
import shutil
import stat
import sys
import tempfile
import threading
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from briefing.audio.assembly import EPISODE_RATE, Assembler, assemble
from briefing.audio.loudness import TARGET_LUFS, finish_loudness
from briefing.audio.master import Master, on_target
from briefing.audio.music import add_music, decode_audio
from briefing.audio.pcm import PcmWriter
from briefing.engines.presets import load_lexicon, load_voices
from briefing.engines.registry import engine_class
from briefing.errors import EngineUnavailable, InputError, RenderError, UsageError
from briefing.inputs.script_file import is_script_file, load_script
from briefing.inputs.sources import load_sources
from briefing.model import Article, Cue, Script, Segment, VoiceBook, VoicePreset
from briefing.options import MB, OPTION_NAMES, SpeakOptions
from briefing.publish.episode import chapters_of, remove_stale_parts, write_episode
from briefing.publish.files import written_script
from briefing.publish.info import EpisodeInfo, Synthetic
from briefing.publish.mp3 import Mp3Stream, encoder_loss_db, guid_for, id3_header, require_ffmpeg, tag_mp3
from briefing.publish.provenance import Signing, check_signing
from briefing.synthesis.cache import DEFAULT_MAX_BYTES, SegmentCache, cache_key, default_cache_dir
from briefing.synthesis.casting import Casted, choose_presets, one_kind, voice_limits
from briefing.synthesis.executors import make_executor
from briefing.synthesis.local import Executor, LocalExecutor
from briefing.synthesis.render import (
    ProgressCallback,
    RenderOptions,
    RenderStats,
    as_spoken,
    render,
    voice_identity,
)
from briefing.system import timings
from briefing.text.attribution import unload as unload_spacy
from briefing.text.clean import foreign_script, guess_language
from briefing.text.script import INTRO_CHAPTER, ScriptOptions, build_script, chapter_titles, episode_title, head

log = logging.getLogger(__name__)

DEFAULT_OUTPUT_DIR = Path("output")


@dataclass(frozen=True)
class Options:
    """What the stages take: the text side's and the audio side's options and the episode's.

    Made from what a person asked (`SpeakOptions`, checked, from the command line, a manifest
    or a configuration) by `from_speak`; a library caller may also build one directly. The
    defaults are SpeakOptions' (briefing/options.py), except `render.jobs` (1 unless told).
    """

    voices_dir: Path | None = None
    lexicon: Path | None = None  # extra pronunciations over the voices folder's lexicon.toml
    max_articles: int = SpeakOptions.max_articles  # per feed
    script: ScriptOptions = field(default_factory=ScriptOptions)
    render: RenderOptions = field(default_factory=RenderOptions)
    bitrate: str = SpeakOptions.bitrate
    transcript: str = SpeakOptions.transcript  # what VTT, SRT and the page show: written or spoken
    epub: bool = SpeakOptions.epub  # also write the talking book, OUT.epub
    podcast: str = SpeakOptions.podcast  # the show's name: ID3 artist and album
    cover: Path | None = None
    intro_music: Path | None = None
    cache: bool = SpeakOptions.cache
    cache_dir: Path | None = None  # default: the platform's user cache folder
    cache_max_bytes: int = DEFAULT_MAX_BYTES
    # When the episode is published (ID3 date, feed pubDate); None: its date, the day only. A
    # publish run sets the moment, so that two editions of one day are in order in every app.
    published: dt.datetime | None = None
    signing: Signing | None = None  # sign the MP3 with a C2PA manifest

    @classmethod
    def from_speak(cls, speak: SpeakOptions) -> Options:
        """The stages' options for `speak`: each view (this one, ScriptOptions, RenderOptions)
        takes the options of its fields' names; three are derived values."""
        derived = {
            "voices_dir": speak.voices,
            "cache_max_bytes": speak.cache_size * MB,
            "signing": Signing(speak.c2pa_key, speak.c2pa_cert) if speak.c2pa_key and speak.c2pa_cert else None,
        }
        return cls(
            **_named(cls, speak), **derived, script=view(ScriptOptions, speak), render=view(RenderOptions, speak)
        )


def view(kind: type, speak: SpeakOptions):
    """A stage's options (`kind`, a dataclass) with every field named like an option of `speak` taken from it."""
    return kind(**_named(kind, speak))


def _named(kind: type, speak: SpeakOptions) -> dict:
    return {f.name: getattr(speak, f.name) for f in dataclasses.fields(kind) if f.name in OPTION_NAMES}


@dataclass(frozen=True)
class Result:
    """What a render produced, for the summary line."""

    path: Path
    files: tuple[Path, ...]
    script: Script
    duration_ms: int
    cues: tuple[Cue, ...]
    synthesised: int
    cached: int
    wall_s: float


def load_articles(sources: list[str], options: Options = Options()) -> list[Article]:
    articles = load_sources(sources, options.max_articles)
    readable = []
    for article in articles:
        script = foreign_script(" ".join([article.title, *(b.text for b in article.blocks)]))
        if script:  # a French voice would read nothing of it (its letters are not Latin)
            log.warning("%s: skipped: written in %s letters, not French", article.source or article.title, script)
            continue
        readable.append(article)
        if guess_language(" ".join(b.text for b in article.blocks)) == "en":
            log.warning(
                "%s: this article looks English; it will be read with French pronunciation "
                "(briefing is made for French news)",
                article.source or article.title,
            )
    if articles and not readable:
        raise InputError(
            f"{articles[0].source or 'the input'}: is not French (written in "
            f"{foreign_script(' '.join(b.text for b in articles[0].blocks))} letters); nothing to read"
        )
    return readable


def make_script(sources: list[str], options: Options = Options(), book: VoiceBook | None = None) -> Script:
    """Read the sources and build their Script (no audio), as `speak` would with these options:
    segments are sized to the limits of the voices that can run here (no download, no failure
    when one cannot)."""
    return plan(sources, options, book, strict=False)[0]


@dataclass(frozen=True)
class _Setup:
    """What casting starts from: the voices as the engine mode has them, the text options with
    the lexicons, the articles read, and (auto) whether the episode is neural."""

    book: VoiceBook
    script: ScriptOptions
    articles: list[Article]
    neural: bool | None


def _setup(sources: list[str], options: Options, book: VoiceBook, articles: list[Article] | None) -> _Setup:
    lexicon = dict(book.lexicon)
    if options.lexicon is not None:
        lexicon.update(load_lexicon(options.lexicon))
    script_options = dataclasses.replace(options.script, pronunciations=lexicon)
    if articles is None:
        articles = load_articles(sources, options)
    neural = None
    if options.render.engine == "auto":
        book, neural, note = one_kind(book)
        if note:
            log.warning(note)
    return _Setup(book, script_options, articles, neural)


def plan(
    sources: list[str],
    options: Options = Options(),
    book: VoiceBook | None = None,
    strict: bool = True,
    articles: list[Article] | None = None,
    setup: _Setup | None = None,
) -> tuple[Script, dict[str, Casted]]:
    """The Script and the preset that speaks each of its voices.

    The voices folder is cast as the engine mode asks (`--engine coqui` casts quotes only to
    voices with a Coqui preset; auto never mixes neural and formant voices: `one_kind`); each
    voice's preset is chosen (`choose_presets`: its engine, or its fallback under auto; a named
    engine may download); then, when a chosen preset's engine speaks less per call than the
    segment cap (a Tacotron2 decoder's budget), the Script is built again with that voice's
    segments cut to fit. `strict=False` leaves the voices that cannot run here uncast instead of
    failing. `articles`, when given, are read already (a publish run chose them): `sources`
    only names them. `setup`, when given, is all of that done already (a stream's head).
    """
    if setup is None:
        book = (book or load_voices(options.voices_dir)).for_engine(options.render.engine)
        if articles is None and any(is_script_file(s) for s in sources):
            return _plan_edited(sources, options, book, strict)
        setup = _setup(sources, options, book, articles)
    book, script_options, articles = setup.book, setup.script, setup.articles
    script = build_script(articles, book, script_options)
    voices = {s.voice for s in script.segments}
    try:
        casting = choose_presets(book, voices, options.render.engine, fetch=strict, neural=setup.neural)
    except EngineUnavailable:
        if strict:
            raise
        return script, {}
    limits = voice_limits(casting)
    if any(limits[v] < script_options.max_chars for v in limits):
        script = build_script(articles, book, dataclasses.replace(script_options, voice_limits=limits))
    return dataclasses.replace(script, sources=_sources_of(articles, sources)), casting


def _plan_edited(
    sources: list[str], options: Options, book: VoiceBook, strict: bool
) -> tuple[Script, dict[str, Casted]]:
    """A Script JSON (as `briefing script --json` prints it, maybe edited), checked and cast as
    it stands: its segments, voices and pauses are the editor's; only the engine mode applies."""
    if len(sources) != 1:
        raise UsageError("a script (.json) is rendered alone: give it as the only input")
    neural = None
    if options.render.engine == "auto":
        book, neural, note = one_kind(book)
        if note:
            log.warning(note)
    script = load_script(sources[0], book)
    if options.script.title:
        script = dataclasses.replace(script, title=options.script.title)
    if not script.sources:
        script = dataclasses.replace(script, sources=tuple(sources))
    try:
        casting = choose_presets(book, {s.voice for s in script.segments}, options.render.engine, strict, neural)
    except EngineUnavailable:
        if strict:
            raise
        return script, {}
    return script, casting


def image_size(data: bytes) -> tuple[str, int, int] | None:
    """("PNG" | "JPEG", width, height) read from an image's header, or None when it is neither."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR" and len(data) >= 24:
        return "PNG", int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data[:2] != b"\xff\xd8":
        return None
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            return None
        marker, length = data[i + 1], int.from_bytes(data[i + 2 : i + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):  # a start of frame: its size
            return "JPEG", int.from_bytes(data[i + 7 : i + 9], "big"), int.from_bytes(data[i + 5 : i + 7], "big")
        i += 2 + length
    return None


def check_cover(path: Path) -> None:
    """A cover must be a real JPEG or PNG (a 1-byte .png was embedded as is); Apple Podcasts asks
    for a square of 1400 to 3000 pixels, said in a warning when it is not."""
    if path.suffix.lower() not in (".jpg", ".jpeg", ".png"):
        raise InputError(f"{path}: the cover must be a .jpg or .png image")
    try:
        with path.open("rb") as f:
            head = f.read(256 * 1024)
    except OSError as exc:
        raise InputError(f"{path}: cannot read the cover ({exc.strerror})") from None
    found = image_size(head)
    if found is None or not found[1] or not found[2]:
        raise InputError(f"{path}: is not a JPEG or PNG image")
    kind, width, height = found
    if width != height or not 1400 <= width <= 3000:
        log.warning("%s: %s of %d x %d px; podcast apps ask for a square of 1400 to 3000 px", path, kind, width, height)


def check_output(out: Path, sources: list[str]) -> None:
    """Refuse, before any work, an output that is not a new or regular .mp3 file: one of the
    inputs (`-o a.txt` replaced the article with MP3 bytes), a folder, a device or a FIFO
    (`-o /dev/null` as root renamed an MP3 over the node). The side files (.vtt, .srt, .html,
    .chapters.json) are written beside the MP3, so only ever beside a valid one."""
    if out.suffix.lower() != ".mp3":
        raise InputError(f"{out}: the output must be an .mp3 file (the transcripts and page are written beside it)")
    try:
        st = os.stat(out)
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise InputError(f"cannot write in {out.parent}: {exc.strerror}") from None
    if st is not None and not stat.S_ISREG(st.st_mode):
        kind = "a folder" if stat.S_ISDIR(st.st_mode) else "not a regular file"
        raise InputError(f"{out}: is {kind}; give the path of an .mp3 file")
    for source in sources:
        if source in ("-", "") or "://" in source:
            continue
        try:
            if st is not None and os.path.samefile(source, out):
                raise InputError(f"{out}: is the input {source}; give another output path")
        except OSError:
            continue


STDOUT = "-"  # -o -: the MP3 to standard output, as it is made, and nothing else


def _write_fd(fd: int, data: bytes) -> None:
    """Bytes straight to the file descriptor `fd` (after whatever Python holds for standard
    output): ffmpeg writes the stream's frames to the same descriptor, so nothing may wait in a
    buffer."""
    if fd == 1:
        sys.stdout.flush()
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


def default_output(title: str, folder: Path = DEFAULT_OUTPUT_DIR) -> Path:
    return folder / f"{slugify(title)}.mp3"


def make_episode(
    sources: list[str],
    out: Path | None = None,
    options: Options = Options(),
    progress: ProgressCallback | None = None,
    executor: Executor | None = None,
    articles: list[Article] | None = None,
    stream_fd: int = 1,
    one_shot: bool = False,
) -> Result:
    """Read, script, synthesise, mix and write one episode; return where it went. With `out`
    "-" the MP3 is streamed, as it is made, to the file descriptor `stream_fd` (standard output
    by default; the API's /v1/listen gives a pipe), and no file is written.

    `progress` is called after each segment with the running RenderStats. `executor` (made
    from the options when None, and closed at the end) lets a batch share its workers.
    `articles`: read already (see `plan`). `one_shot`: this process makes this episode alone
    (the CLI's `speak`): a stream speaks its title while the quotations are read (`_Head`), and
    spaCy is let go once the Script is made, before the voices load."""
    started = time.perf_counter()
    streaming = out is not None and str(out) == STDOUT
    if streaming:
        if options.epub or options.signing is not None:
            what = "--epub" if options.epub else "C2PA signing"
            raise UsageError(f"-o - streams the MP3 alone; {what} needs a file: give -o NAME.mp3")
    elif out is not None:
        check_output(Path(out), sources)
    require_ffmpeg()  # before any synthesis: the MP3 is made by ffmpeg
    for path, what in ((options.cover, "cover image"), (options.intro_music, "intro music")):
        if path is not None and not Path(path).is_file():
            raise InputError(f"{path}: no such {what}")
    if options.cover is not None:
        check_cover(Path(options.cover))
    if options.signing is not None:
        check_signing(options.signing)  # a wrong key fails now, not after the synthesis
    cache = SegmentCache(options.cache_dir or default_cache_dir(), options.cache_max_bytes) if options.cache else None
    head = None
    if streaming and one_shot and options.intro_music is None:
        if options.script.date is None:  # one day for the head and the Script, even at midnight
            options = dataclasses.replace(options, script=dataclasses.replace(options.script, date=dt.date.today()))
        with timings.stage("text: the head (read, clean, the title)"):
            head = _Head.make(sources, options, articles)
    if head is None:
        planned = _plan_beside(sources, options, articles, cache) if one_shot and not streaming else None
        with timings.stage("text (read, clean, script, casting)"):
            script, casting = planned() if planned is not None else plan(sources, options, articles=articles)
            if one_shot:
                unload_spacy()
        _say_casting(casting, options)
        title, chapters, found, synthetic = (
            script.title,
            script.chapters,
            script.sources,
            synthetic_voices(script, casting),
        )
    else:
        title, chapters, found, synthetic = head.title, head.chapters, head.sources, head.synthetic
    music = decode_audio(options.intro_music, EPISODE_RATE) if options.intro_music is not None else None
    stats = RenderStats()
    if out is None:
        out = default_output(title)
        check_output(out, sources)
    out = Path(out)

    if options.published is not None:
        # In UTC, written without an offset: ID3v2.4 timestamps have none (the feed reads it as UTC).
        moment = options.published.astimezone(dt.timezone.utc).replace(tzinfo=None)
        date = moment.isoformat(timespec="seconds")
    else:
        date = (options.script.date or dt.date.today()).isoformat()
    info = EpisodeInfo(
        synthetic=synthetic,
        title=title,
        podcast=options.podcast,
        date=date,
        description=_description(chapters, title),
        cover=Path(options.cover) if options.cover else None,
        sources=found,
    )
    # The episode streams through raw files in a private folder beside the output (same file
    # system, so nothing large goes to a small /tmp), removed whatever happens. A stream to
    # standard output needs no room: only a music bed's passes write there.
    with _work_dir(Path(tempfile.gettempdir()) if streaming else out.parent) as work:
        try:
            own = executor is None
            r = options.render
            runner = executor or make_executor(r.executor, r.jobs, r.device, r.ray_address, r.ray_cpus)
            mp3 = work / "episode.mp3"
            encoder = partial(Mp3Stream, mp3, EPISODE_RATE, options.bitrate)
            final = [PcmWriter(work / "final.f32")]  # for another pass, should the stream miss the target
            if streaming and music is None:
                _write_fd(stream_fd, id3_header(info, guid_for(out, info)))
                encoder, final = partial(Mp3Stream, None, EPISODE_RATE, options.bitrate, stream_fd), []
            # Without a music bed, the samples are finished and encoded as they are placed: the
            # MP3 is done moments after the last segment. A music bed is laid under the intro
            # once its length is known, then the whole episode is levelled in passes.
            # The samples are made louder by what LAME will take off, so that the MP3 is on target.
            target = TARGET_LUFS + encoder_loss_db(options.bitrate)
            master = Master(EPISODE_RATE, [encoder(), *final], target) if music is None else None
            assembler = Assembler(work / ("final.f32" if master else "speech.f32"), master=master)
            try:
                start = 0
                if head is not None:
                    script, casting = head.speak_while_planning(assembler, options, cache, stats, progress, runner)
                    start = len(head.segments)
                    _say_casting(casting, options)
                clips = render(
                    script,
                    casting,
                    options.render,
                    cache=cache,
                    stats=stats,
                    progress=progress,
                    executor=runner,
                    start=start,
                )
                with timings.stage("synthesis and assembly (wall)"):
                    episode = assemble(script, clips, assembler)
                if master is not None:
                    master.close()
            except BaseException:
                assembler.abort()
                if master is not None:
                    master.abort()
                raise
            finally:
                if own:
                    runner.close()
            if master is not None and not streaming:
                episode = on_target(episode, master, work, encoder)
            elif master is not None:
                log.debug("streamed: %.2f LUFS, %.2f dBTP", master.lufs, master.peak_dbtp)
            else:
                intro_end = max((c.end_ms for c in episode.cues if script.segments[c.index].chapter == 0), default=0)
                episode = add_music(episode, music, intro_end, work / "music.f32")
                # LAME encodes the final samples in its own process while the last pass makes them.
                episode = finish_loudness(episode, work, target, sink=encoder)
            if streaming:
                if music is not None:  # the whole file was made first: out it goes, tagged
                    shown = written_script(script) if options.transcript == "written" else script
                    tag_mp3(mp3, info, chapters_of(shown, episode), guid_for(out, info))
                    with open(mp3, "rb") as f:
                        while block := f.read(1 << 20):
                            _write_fd(stream_fd, block)
                files = []
            else:
                with timings.stage("files (MP3 and the rest)"):
                    files = write_episode(
                        episode,
                        script,
                        out,
                        info,
                        options.bitrate,
                        options.transcript,
                        options.epub,
                        options.signing,
                        encoded=mp3,
                    )
        except OSError as exc:  # a full disk, a folder gone read-only: nothing partial stays
            raise RenderError(f"cannot write the episode in {out.parent}: {exc.strerror or exc}") from exc
    if cache is not None:
        cache.evict()
    return Result(
        path=out,
        files=tuple(files),
        script=script,
        duration_ms=episode.duration_ms,
        cues=episode.cues,
        synthesised=stats.synthesised,
        cached=stats.cached,
        wall_s=time.perf_counter() - started,
    )


def _plan_beside(sources: list[str], options: Options, articles: list[Article] | None, cache: SegmentCache | None):
    """In a one-episode process whose narrator is a Coqui voice: cast the text in a child
    process while this one imports torch and loads the narrator's voice; a function that waits
    for the Script and its casting. None when this does not apply.

    Both halves hold the GIL (spaCy's load and parse; torch's import, the model's load), so
    threads would take them in turns; a forked child runs on the other core, and spaCy never
    enters this process. Measured on 2 cores (full-size VITS, 1,209 characters): 17.98-18.10 s
    -> 16.67-17.37 s, peak 1,488 -> 1,386-1,390 MB, the same MP3. The articles are read and
    the voices cast before the fork, here, so their errors and notes come once and as before.
    Should the child fail in any way (an error in the text, a result that does not pickle, a
    crash), the Script is made again here, where the same error is raised as without the child.
    Not used when another Python thread runs (a fork copies no thread but the caller's), when
    the title is in the segment cache (an episode rendered before may need no model at all), or
    without os.fork."""
    if not hasattr(os, "fork") or threading.active_count() > 1 or options.render.executor != "local":
        return None
    found = _narrator_cast(sources, options, articles)
    if found is None:
        return None
    setup, narrator = found
    book = setup.book
    preset = narrator[book.narrator].preset

    def here():
        return plan(sources, options, setup=setup)

    if preset.engine != "coqui":  # nothing slow to load beside the text
        return here
    if cache is not None:
        first = _first_words(setup, narrator)
        if first and cache.has(cache_key(first[0].text, voice_identity(as_spoken(preset, options.render)))):
            return here
    import pickle

    read_end, write_end = os.pipe()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # the child: the Script, pickled to the pipe, then out without the parent's exit handlers
        code = 0
        try:
            os.close(read_end)
            try:
                data = pickle.dumps(here(), protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException:  # noqa: BLE001 - the parent makes the Script again and raises what it meets
                data, code = b"", 1
            with os.fdopen(write_end, "wb") as out:
                out.write(data)
        finally:
            os._exit(code)
    os.close(write_end)
    log.debug("the text is cast in process %d while the narrator's voice loads here", pid)
    try:
        LocalExecutor(1, options.render.device).prepare([preset])
    except BaseException:
        os.close(read_end)
        _reap(pid, kill=True)
        raise

    def collect():
        with os.fdopen(read_end, "rb") as f:
            data = f.read()
        if _reap(pid) == 0 and data:
            try:
                return pickle.loads(data)
            except Exception:  # noqa: BLE001 - made again below
                pass
        log.debug("the text stage's child process failed; casting here")
        return here()

    return collect


def _narrator_cast(
    sources: list[str], options: Options, articles: list[Article] | None
) -> tuple[_Setup, dict[str, Casted]] | None:
    """The casting's setup (the articles read) and the narrator's preset, before the text is
    cast; None for an edited Script, which is cast as it was written."""
    if articles is None and any(is_script_file(s) for s in sources):
        return None
    mode = options.render.engine
    setup = _setup(sources, options, load_voices(options.voices_dir).for_engine(mode), articles)
    book = setup.book
    return setup, choose_presets(book, {book.narrator}, mode, neural=setup.neural)


def _first_words(setup: _Setup, narrator: dict[str, Casted]) -> tuple[Segment, ...]:
    """The episode's first segments (a lone article's title, a briefing's greeting) as the
    Script will make them, in the narrator's voice and within its limits, without spaCy."""
    return head(setup.articles, setup.book, dataclasses.replace(setup.script, voice_limits=voice_limits(narrator)))


def _reap(pid: int, kill: bool = False) -> int:
    """Wait for child `pid` (killed first with `kill`); its exit status."""
    import signal

    if kill:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def _say_casting(casting: dict[str, Casted], options: Options) -> None:
    """The casting's notes (fallbacks), and a --device cuda that no voice of the episode uses."""
    for casted in casting.values():
        if casted.note:
            log.warning(casted.note)
    if (
        options.render.device == "cuda"
        and casting
        and not any("cuda" in engine_class(c.preset.engine).devices for c in casting.values())
    ):
        # Not an error (a manifest may ask cuda of every episode), but never silent.
        log.warning("--device cuda: no voice of this episode runs on a GPU (espeak-ng); it runs on the CPU")


@dataclass(frozen=True)
class _Head:
    """A stream's first words, spoken while the rest of the text is read.

    Casting an article reads its quotations with spaCy, whose import and load take 1.5 to 2.5 s
    in a fresh process: a listener of `briefing speak ... -o -` would hear nothing meanwhile.
    The title (a briefing's greeting) needs none of it: it is made as the Script will make it
    (`script.head`), in the narrator's voice, and spoken while the Script is built in the main
    thread. What is known before casting goes in the stream's ID3 tag: the title, the chapters'
    titles, the sources, and the voices that may speak (`_may_speak`)."""

    setup: _Setup
    segments: tuple[Segment, ...]
    casting: dict[str, Casted]  # the narrator's
    title: str
    chapters: tuple[str, ...]
    sources: tuple[str, ...]
    synthetic: Synthetic

    @classmethod
    def make(cls, sources: list[str], options: Options, articles: list[Article] | None) -> _Head | None:
        """The head of these sources, or None when there is none to speak first (an edited
        Script, a title without words)."""
        found = _narrator_cast(sources, options, articles)
        if found is None:
            return None
        setup, casting = found
        book, mode = setup.book, options.render.engine
        segments = _first_words(setup, casting)
        if not segments:
            return None
        return cls(
            setup,
            segments,
            casting,
            episode_title(setup.articles, setup.script),
            chapter_titles(setup.articles, setup.script),
            _sources_of(setup.articles, sources),
            _may_speak(book, mode, setup.neural, casting),
        )

    def speak_while_planning(
        self,
        assembler: Assembler,
        options: Options,
        cache: SegmentCache | None,
        stats: RenderStats,
        progress: ProgressCallback | None,
        executor: Executor,
    ) -> tuple[Script, dict[str, Casted]]:
        """Speak the head into `assembler` in a thread while the Script is planned here; the
        Script and its casting, the head's segments being its first ones."""
        failed: list[BaseException] = []
        mini = Script(self.title, self.segments, self.chapters)
        last = len(self.segments) - 1
        ready = threading.Event()

        def speak() -> None:
            try:
                for clip in render(
                    mini, self.casting, options.render, cache, stats, progress, executor, prepared=ready.set
                ):
                    assembler.place(clip, mini.segments[clip.index].pause_ms if clip.index < last else None)
            except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
                failed.append(exc)
            finally:
                ready.set()

        thread = threading.Thread(target=speak, name="briefing-head", daemon=True)
        thread.start()
        try:
            # Imports and model loads hold the GIL, spaCy's too: both at once, each takes twice
            # as long. The narrator's voice is loaded first; spaCy loads while it speaks.
            ready.wait()
            with timings.stage("text (read, clean, script, casting)"):
                script, casting = plan([], options, setup=self.setup)
                unload_spacy()
        finally:
            thread.join()
        if failed:
            raise failed[0]
        said = [(s.text, s.voice, s.chapter) for s in self.segments]
        if said != [(s.text, s.voice, s.chapter) for s in script.segments[: len(said)]]:
            # Made by the same code, they cannot differ; should they, the listener has heard the
            # head: the Script goes on after it rather than saying it twice.
            log.error("the stream's first words differ from the Script's: a bug, please report it")
        assembler.pause(script.segments[last].pause_ms)
        return dataclasses.replace(script, sources=self.sources), casting


def _sources_of(articles: list[Article], sources: list[str]) -> tuple[str, ...]:
    """Each article's own address (a feed gives its items' links), once each; the inputs as
    given for articles that have none."""
    return tuple(dict.fromkeys(a.source for a in articles if a.source)) or tuple(sources)


def _may_speak(book: VoiceBook, mode: str, neural: bool | None, casting: dict[str, Casted]) -> Synthetic:
    """What a stream's tag says of its voices before the article is cast: every voice of the
    book that can speak here (the narrator's as cast, the others as casting would choose them
    from what is on disk). A file's tags name only the voices that spoke."""
    names = {book.narrator, book.heading or book.narrator, *book.quote_pool, *book.pinned.values()}
    may = dict(casting)
    for name in sorted(names - set(casting)):
        with contextlib.suppress(EngineUnavailable, UsageError):
            may.update(choose_presets(book, {name}, mode, fetch=False, neural=neural))
    return _declared([c.preset for c in may.values()])


def synthetic_voices(script: Script, casting: dict[str, Casted]) -> Synthetic:
    """What speaks the episode, as its files declare it."""
    return _declared([casting[v].preset for v in sorted({s.voice for s in script.segments}) if v in casting])


def _declared(presets: list[VoicePreset]) -> Synthetic:
    """The files' declaration of these presets: each engine and voice once, neural or not."""
    labels = sorted({f"{p.engine} {engine_class(p.engine).label(p)}" for p in presets})
    return Synthetic(voices=tuple(labels), trained=any(engine_class(p.engine).neural for p in presets))


def _description(chapters: tuple[str, ...], title: str) -> str:
    chapters = tuple(c for c in chapters if c != INTRO_CHAPTER)
    return "Au sommaire : " + " ; ".join(chapters) if len(chapters) > 1 else (chapters[0] if chapters else title)


@contextlib.contextmanager
def _work_dir(parent: Path) -> Iterator[Path]:
    try:
        parent.mkdir(parents=True, exist_ok=True)
        remove_stale_parts(parent)
        work = Path(tempfile.mkdtemp(prefix=f".briefing-work-{os.getpid()}-", dir=parent))
    except OSError as exc:
        raise InputError(f"cannot write in {parent}: {exc.strerror}") from None
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def slugify(title: str, max_len: int = 60) -> str:
    """A file name from a title: ASCII letters, digits and dashes only, never empty."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-")
    return slug[:max_len].rstrip("-") or "episode"
