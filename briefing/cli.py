"""The `briefing` command: parse, set up logging, call the library, map errors to exit codes.

Exit codes: 0 success, 2 bad usage or bad input, 1 a failure while rendering, 130 interrupted.
Errors are one line on stderr; `--debug` adds the traceback.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import traceback
from pathlib import Path

import typer

from briefing import __version__, timings
from briefing.errors import BriefingError, UsageError
from briefing.options import SpeakOptions, bounds
from briefing.text.safe import safe_text

app = typer.Typer(
    name="briefing",
    help="French news articles in, podcast-ready audio briefings out.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

log = logging.getLogger("briefing")

INPUTS_HELP = (
    "Articles: .txt, .md or .html files, http(s) URLs of pages or RSS/Atom feeds, feed files, or - for standard input. "
    "Several make one episode, one chapter each."
)
VoicesOpt = typer.Option(
    None, "--voices", help="Folder of voice presets (*.toml) that replaces the bundled voices/.", show_default=False
)
DebugOpt = typer.Option(False, "--debug", help="Show tracebacks and debug logs.")
LexiconOpt = typer.Option(
    None,
    "--lexicon",
    help='A TOML file of pronunciations ("OpenAI" = "Opène Aï") added over voices/lexicon.toml.',
    show_default=False,
)
# Defaults, ranges and checks of `speak`'s options live in briefing/options.py; typer only parses.
DEFAULTS = SpeakOptions()


def _ranged(text: str, name: str) -> str:
    """`text` followed by the option's range, as typer shows its own: "[0.5<=x<=2.0]", "[1<=x]"
    (not "[x>=1]": rich would take it for a markup tag and drop it)."""
    low, high = bounds(name)
    return f"{text} [{low}<=x<={high}]" if high is not None else f"{text} [{low}<=x]"


MaxArticlesOpt = typer.Option(
    DEFAULTS.max_articles, "--max-articles", help=_ranged("Newest items taken from each feed.", "max_articles")
)
DateOpt = typer.Option(None, "--date", help="The briefing's date, YYYY-MM-DD (default: today).", show_default=False)
DisclosureOpt = typer.Option(
    DEFAULTS.disclosure,
    "--disclosure/--no-disclosure",
    help="Say that synthetic voices read it (after the greeting, or the title). The files say it "
    "either way: ID3, feed, page, EPUB.",
)
AllowPrivateOpt = typer.Option(
    False,
    "--allow-private-urls",
    help="Also fetch URLs whose address is loopback, private, link-local or otherwise not public "
    "(an intranet's feed). Refused by default: a page or feed must not lead briefing to internal services.",
)
DisclosureTextOpt = typer.Option(
    None,
    "--disclosure-text",
    help="The sentence said instead of 'Ce briefing vous est lu par des voix de synthèse.'",
    show_default=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"briefing {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """French news articles in, podcast-ready audio briefings out."""


class _SafeFormatter(logging.Formatter):
    """Log lines quote titles, URLs and messages from the outside: no escape sequence reaches the terminal."""

    def format(self, record: logging.LogRecord) -> str:
        return safe_text(super().format(record), one_line=record.exc_info is None)


def _setup_logging(debug: bool, quiet: bool = False) -> None:
    level = logging.DEBUG if debug else (logging.ERROR if quiet else logging.WARNING)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_SafeFormatter("briefing: %(message)s"))
    log.handlers[:] = [handler]
    log.setLevel(level)
    log.propagate = False


def _fail(exc: BaseException, debug: bool) -> typer.Exit:
    """Print one line for `exc` (and the traceback with --debug); return the Exit to raise."""
    if debug:
        traceback.print_exception(exc)
    if isinstance(exc, KeyboardInterrupt):
        typer.echo("briefing: interrupted; nothing was written", err=True)
        return typer.Exit(130)
    if isinstance(exc, BriefingError):
        typer.echo(f"briefing: error: {safe_text(str(exc), one_line=True)}", err=True)
        return typer.Exit(exc.exit_code)
    message = safe_text(str(exc), one_line=True)
    typer.echo(
        f"briefing: internal error: {type(exc).__name__}: {message} (run again with --debug for details)", err=True
    )
    return typer.Exit(1)


def _run(debug: bool, quiet: bool, action):
    _setup_logging(debug, quiet)
    try:
        return action()
    except typer.Exit:
        raise
    except BrokenPipeError:  # `briefing script x | head`: the reader left, nothing is wrong
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        raise typer.Exit(0) from None
    except (BriefingError, KeyboardInterrupt, Exception) as exc:  # noqa: BLE001 - mapped to exit codes
        raise _fail(exc, debug) from None


def _network(allow_private: bool):
    """The network policy of a command that fetches URLs (README: "Network policy"), for the
    block it wraps: every download below it, feed items' pages included, follows it."""
    from briefing.inputs.fetch import NetworkPolicy, network_policy

    return network_policy(NetworkPolicy(allow_private=allow_private))


@app.command()
def speak(
    inputs: list[str] = typer.Argument(..., metavar="INPUT...", help=INPUTS_HELP, show_default=False),
    output: Path | None = typer.Option(
        None, "-o", "--output", help="The MP3 to write (default: output/<title>.mp3).", show_default=False
    ),
    engine: str = typer.Option(
        DEFAULTS.engine, "--engine", help="auto (each voice's engine, else its fallback), coqui or espeak."
    ),
    voices: Path | None = VoicesOpt,
    lexicon: Path | None = LexiconOpt,
    device: str = typer.Option(DEFAULTS.device, "--device", help="auto, cpu or cuda (for Coqui voices)."),
    speed: float = typer.Option(
        DEFAULTS.speed, "--speed", help=_ranged("Speaking rate, multiplying each voice's own speed.", "speed")
    ),
    jobs: int = typer.Option(
        DEFAULTS.jobs,
        "--jobs",
        "-j",
        help=_ranged("Segments synthesised at once (threads locally, actors on Ray).", "jobs"),
    ),
    executor: str = typer.Option(
        DEFAULTS.executor,
        "--executor",
        help="Where segments are synthesised: local (threads here) or ray (Ray actors).",
    ),
    ray_address: str | None = typer.Option(
        None,
        "--ray-address",
        help="A Ray cluster to use with --executor ray (default: start a local one).",
        show_default=False,
    ),
    ray_cpus: int = typer.Option(
        DEFAULTS.ray_cpus,
        "--ray-cpus",
        help=_ranged("CPUs, and so torch threads, each Ray actor asks for.", "ray_cpus"),
    ),
    no_cache: bool = typer.Option(
        not DEFAULTS.cache, "--no-cache", help="Neither read nor write the segment cache: synthesise everything."
    ),
    cache_dir: Path | None = typer.Option(
        None,
        "--cache-dir",
        help="Segment cache folder (default: the user cache folder, e.g. ~/.cache/briefing/segments).",
        show_default=False,
    ),
    cache_size: int = typer.Option(
        DEFAULTS.cache_size,
        "--cache-size",
        help=_ranged("Segment cache cap in MB; least recently used entries go first.", "cache_size"),
    ),
    title: str | None = typer.Option(
        None,
        "--title",
        help="Episode title (default: the article's title, or 'Briefing du <date>').",
        show_default=False,
    ),
    max_chars: int = typer.Option(
        DEFAULTS.max_chars,
        "--max-chars",
        help=_ranged("Longest segment, in characters, before it is cut at a natural break.", "max_chars"),
    ),
    max_articles: int = MaxArticlesOpt,
    briefing: bool | None = typer.Option(
        None,
        "--briefing/--no-briefing",
        help="Spoken intro with the date and the subjects, sources announced, outro "
        "(default: when there are several articles).",
        show_default=False,
    ),
    date: str | None = DateOpt,
    disclosure: bool = DisclosureOpt,
    disclosure_text: str | None = DisclosureTextOpt,
    podcast: str = typer.Option(DEFAULTS.podcast, "--podcast", help="The show's name: ID3 artist and album."),
    cover: Path | None = typer.Option(
        None, "--cover", help="Cover image (.jpg or .png) embedded in the MP3.", show_default=False
    ),
    intro_music: Path | None = typer.Option(
        None,
        "--intro-music",
        help="A jingle or music bed (any audio file) played at the start and ducked under the intro.",
        show_default=False,
    ),
    bitrate: str = typer.Option(DEFAULTS.bitrate, "--bitrate", help="MP3 bitrate, 64k to 128k."),
    transcript: str = typer.Option(
        DEFAULTS.transcript,
        "--transcript",
        help="What the VTT, SRT and page show: written (the article's text) or spoken (what is said).",
    ),
    epub: bool = typer.Option(
        DEFAULTS.epub,
        "--epub",
        help="Also write OUT.epub, a talking book: the written text synchronised to the audio "
        "(EPUB 3 with Media Overlays), for reading systems like Thorium or EasyReader.",
    ),
    c2pa_key: Path | None = typer.Option(
        None,
        "--c2pa-key",
        help="Sign the MP3 with a C2PA manifest (Content Credentials): this PEM private key, with --c2pa-cert.",
        show_default=False,
    ),
    c2pa_cert: Path | None = typer.Option(
        None,
        "--c2pa-cert",
        help="The PEM certificate chain of --c2pa-key: its certificate first, then the issuers'.",
        show_default=False,
    ),
    allow_private_urls: bool = AllowPrivateOpt,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors and the summary line on stderr."),
    debug: bool = DebugOpt,
) -> None:
    """Render INPUT... into one podcast MP3."""

    def action():
        timings.mark("command")  # the process's age here: interpreter start and imports
        from briefing.pipeline import Options, make_episode
        from briefing.text.dates import clock

        settings = SpeakOptions.from_mapping(
            {
                "engine": engine,
                "voices": voices,
                "lexicon": lexicon,
                "device": device,
                "speed": speed,
                "jobs": jobs,
                "executor": executor,
                "ray_address": ray_address,
                "ray_cpus": ray_cpus,
                "cache": not no_cache,
                "cache_dir": cache_dir,
                "cache_size": cache_size,
                "title": title,
                "max_chars": max_chars,
                "max_articles": max_articles,
                "briefing": briefing,
                "date": date,
                "disclosure": disclosure,
                "disclosure_text": disclosure_text,
                "podcast": podcast,
                "cover": cover,
                "intro_music": intro_music,
                "bitrate": bitrate,
                "transcript": transcript,
                "epub": epub,
                "c2pa_key": c2pa_key,
                "c2pa_cert": c2pa_cert,
            }
        )
        with _network(allow_private_urls), _progress(enabled=not quiet and sys.stderr.isatty()) as progress:
            result = make_episode(inputs, output, Options.from_speak(settings), progress=progress)
        typer.echo(str(result.path))
        typer.echo(
            f"segments: {len(result.script.segments)} total, {result.synthesised} synthesised, "
            f"{result.cached} from cache; "
            f"audio {clock(result.duration_ms / 1000)}; wall {result.wall_s:.1f} s",
            err=True,
        )
        log.debug("timings: %s", ", ".join(f"{k} {v:.2f} s" for k, v in timings.snapshot().items()))
        timings.write_if_asked()

    _run(debug, quiet, action)


@contextlib.contextmanager
def _progress(enabled: bool):
    """A progress bar on stderr (segments, audio seconds, ETA) when it is a terminal."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(
        TextColumn("segments"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("audio {task.fields[audio]}"),
        TextColumn("ETA"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = None

    from briefing.text.dates import clock

    def update(stats) -> None:
        nonlocal task
        if task is None:
            task = bar.add_task("render", total=stats.total, audio="0:00")
        bar.update(task, completed=stats.done, audio=clock(stats.audio_s))

    with bar:
        yield update


@app.command()
def script(
    inputs: list[str] = typer.Argument(..., metavar="INPUT...", help=INPUTS_HELP, show_default=False),
    as_json: bool = typer.Option(
        False, "--json", help="Print the Script as JSON (segments with role, speaker, voice, text, pause_ms)."
    ),
    voices: Path | None = VoicesOpt,
    lexicon: Path | None = LexiconOpt,
    engine: str = typer.Option(
        DEFAULTS.engine, "--engine", help="Cast as `speak --engine` would: auto, coqui or espeak (never downloads)."
    ),
    title: str | None = typer.Option(
        None, "--title", help="Episode title (default: the first article's title).", show_default=False
    ),
    max_chars: int = typer.Option(
        DEFAULTS.max_chars, "--max-chars", help=_ranged("Longest segment, in characters.", "max_chars")
    ),
    max_articles: int = MaxArticlesOpt,
    briefing: bool | None = typer.Option(
        None,
        "--briefing/--no-briefing",
        help="Intro, announcements and outro (default: when there are several articles).",
        show_default=False,
    ),
    date: str | None = DateOpt,
    disclosure: bool = DisclosureOpt,
    disclosure_text: str | None = DisclosureTextOpt,
    allow_private_urls: bool = AllowPrivateOpt,
    debug: bool = DebugOpt,
) -> None:
    """Show what would be said, by whom, with which pauses: the Script, without audio."""

    def action():
        from briefing.pipeline import Options, make_script

        # The text-side options of `speak`, checked the same way
        settings = SpeakOptions.from_mapping(
            {
                "voices": voices,
                "lexicon": lexicon,
                "engine": engine,
                "title": title,
                "max_chars": max_chars,
                "max_articles": max_articles,
                "briefing": briefing,
                "date": date,
                "disclosure": disclosure,
                "disclosure_text": disclosure_text,
            }
        )
        with _network(allow_private_urls):
            result = make_script(inputs, Options.from_speak(settings))
        if as_json:
            typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
            return
        typer.echo(f"# {result.title}")
        for i, seg in enumerate(result.segments, 1):
            who = seg.voice + (f" ({seg.speaker})" if seg.speaker else "")
            typer.echo(f"{i:4} {seg.role:<9} {who:<40} {seg.pause_ms:>5} ms  {seg.text}")

    _run(debug, False, action)


@app.command("voices")
def voices_cmd(
    voices: Path | None = VoicesOpt,
    download: bool = typer.Option(
        False, "--download", help="Download the Coqui models these presets name (needs internet; once)."
    ),
    check: bool = typer.Option(
        False,
        "--check",
        help="Have every voice that can run here say one French sentence and report what it did; exit 1 if one fails.",
    ),
    device: str = typer.Option("auto", "--device", help="auto, cpu or cuda, for --check."),
    text: str | None = typer.Option(
        None,
        "--text",
        help="The sentence --check has each voice say (already spelled out; default: a 66-character greeting).",
        show_default=False,
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the presets (and the check) as JSON."),
    debug: bool = DebugOpt,
) -> None:
    """List the voice presets, their engine, their model's speakers, and whether each can run here."""

    def action():
        from briefing.checks import CHECK_TEXT, check_table, check_voices, model_of
        from briefing.engines import engine_class
        from briefing.synthesis.casting import check_device, obtain, unavailable_reason
        from briefing.voices import load_voices

        book = load_voices(voices)
        check_device(device)
        rows = []
        for name, preset in sorted(book.presets.items()):
            reason = (obtain if download else unavailable_reason)(preset)
            speakers = engine_class(preset.engine).speakers(preset)
            rows.append(
                {
                    "name": name,
                    "role": preset.role,
                    "engine": preset.engine,
                    "gender": preset.gender,
                    "model": model_of(preset),
                    "base": preset.base,
                    "pitch_shift": preset.pitch_shift,
                    "formant_shift": preset.formant_shift,
                    "speaker": preset.get("speaker"),
                    "language": preset.get("language"),
                    "fallback": preset.fallback,
                    "available": reason is None,
                    "reason": reason,
                    "licence": preset.licence,
                    "description": preset.description,
                    "speakers": list(speakers.names) if speakers else [],
                    "one_voice": bool(speakers and speakers.one_voice),
                }
            )
        sentence = " ".join((text or CHECK_TEXT).split())
        if not sentence:
            raise UsageError("--text is empty")
        results = check_voices(book, device, sentence) if check else []
        if as_json:
            for row, result in zip(rows, results, strict=False):  # no results without --check
                row["check"] = result.to_dict()
            folder = {"folder": str(book.folder), "narrator": book.narrator, "default_quote": book.default_quote}
            typer.echo(json.dumps({**folder, "voices": rows}, ensure_ascii=False, indent=2))
        else:
            typer.echo(
                f"voices in {book.folder} (narrator: {book.narrator}; default quote voice: {book.default_quote})"
            )
            for row in rows:
                status = "available" if row["available"] else f"unavailable: {row['reason']}"
                extra = f", fallback {row['fallback']}" if row["fallback"] else ""
                typer.echo(
                    f"  {row['name']:<24} {row['role']:<9} {row['engine']:<7} {row['gender'] or '-':<7} "
                    f"{row['model']:<32} {status}{extra}"
                )
                if row["speakers"]:
                    names = row["speakers"]
                    shown = ", ".join(names[:12]) + (f", ... ({len(names)} in all)" if len(names) > 12 else "")
                    kind = " (several names for one voice)" if row["one_voice"] else ""
                    typer.echo(f"  {'':<24} speakers: {shown}{kind}")
            if check:
                typer.echo(check_table(results, sentence))
        if any(not r.ok and not r.skipped for r in results):
            raise typer.Exit(1)

    _run(debug, False, action)


@app.command()
def batch(
    manifest: Path = typer.Argument(
        ..., metavar="MANIFEST.toml", help="The episodes to render (see README: Batch).", show_default=False
    ),
    executor: str | None = typer.Option(
        None, "--executor", help="local or ray (default: the manifest's, else local).", show_default=False
    ),
    jobs: int | None = typer.Option(
        None,
        "--jobs",
        "-j",
        help=_ranged("Workers shared by all episodes (default: the manifest's, else the number of cores).", "jobs"),
        show_default=False,
    ),
    ray_address: str | None = typer.Option(
        None, "--ray-address", help="A Ray cluster for --executor ray.", show_default=False
    ),
    ray_cpus: int | None = typer.Option(
        None,
        "--ray-cpus",
        help=_ranged(
            f"CPUs, and so torch threads, each Ray actor asks for (default: the manifest's, else {DEFAULTS.ray_cpus}).",
            "ray_cpus",
        ),
        show_default=False,
    ),
    device: str | None = typer.Option(
        None,
        "--device",
        help="auto, cpu or cuda (for Coqui voices), for every episode (default: each episode's, else auto).",
        show_default=False,
    ),
    allow_private_urls: bool = AllowPrivateOpt,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors and the summary table."),
    debug: bool = DebugOpt,
) -> None:
    """Render many episodes in one run (shared workers and cache); a table sums them up."""

    def action():
        from briefing.batch import load_manifest, run_batch, summary_table

        overrides = {
            "executor": executor,
            "jobs": jobs,
            "ray_address": ray_address,
            "ray_cpus": ray_cpus,
            "device": device,
        }
        with _network(allow_private_urls):
            outcomes = run_batch(load_manifest(manifest, overrides))
        typer.echo(summary_table(outcomes))
        if any(o.result is None for o in outcomes):
            raise typer.Exit(1)

    _run(debug, quiet, action)


@app.command()
def publish(
    config: Path = typer.Argument(
        ...,
        metavar="CONFIG.toml",
        help="The show: its sources, feed, retention, voices (see README).",
        show_default=False,
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would be read and removed; change nothing."),
    date: str | None = typer.Option(
        None, "--date", help="The briefing's date, YYYY-MM-DD (default: today).", show_default=False
    ),
    allow_private_urls: bool = typer.Option(
        False,
        "--allow-private-urls",
        help="Also fetch URLs whose address is loopback, private or otherwise not public, as "
        "[sources] allow_private = true does. Refused by default.",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors and the summary."),
    debug: bool = DebugOpt,
) -> None:
    """Today's briefing from the show's sources: only what was not published before, the feed
    updated, old episodes removed; all of it or nothing."""

    def action():
        from briefing.daily.config import load_config
        from briefing.daily.run import publish as run
        from briefing.daily.run import summary

        day = SpeakOptions.from_mapping({"date": date}).date
        show = load_config(config)
        with _network(allow_private_urls or show.allow_private):
            report = run(show, day, dry_run=dry_run)
        if report.episode is not None:
            typer.echo(str(report.episode))
        typer.echo(summary(report, dry_run), err=not dry_run)

    _run(debug, quiet, action)


@app.command()
def feed(
    folder: Path = typer.Argument(
        ..., metavar="DIR", help="The folder of episodes (*.mp3 with their transcripts).", show_default=False
    ),
    base_url: str = typer.Option(
        ..., "--base-url", help="The public URL of DIR, e.g. https://example.org/briefing/.", show_default=False
    ),
    title: str = typer.Option("briefing", "--title", help="The podcast's title."),
    description: str = typer.Option(
        "Briefings audio de l'actualité, lus en français.", "--description", help="The podcast's description."
    ),
    author: str = typer.Option("briefing", "--author", help="itunes:author."),
    image: str | None = typer.Option(None, "--image", help="URL of the podcast's square artwork.", show_default=False),
    debug: bool = DebugOpt,
) -> None:
    """Write DIR/feed.xml, an RSS 2.0 podcast feed (itunes and podcast namespaces) for the episodes in DIR."""

    def action():
        from briefing.publish.feed import FeedOptions, write_feed

        path, count = write_feed(
            folder, FeedOptions(base_url=base_url, title=title, description=description, author=author, image=image)
        )
        typer.echo(str(path))
        typer.echo(f"feed: {count} episode{'s' if count != 1 else ''}", err=True)

    _run(debug, False, action)


@app.command()
def serve(
    folder: Path = typer.Argument(..., metavar="DIR", help="The folder of episodes to serve.", show_default=False),
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to listen on; 0.0.0.0 (or ::) opens it to the network."
    ),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port to listen on; 0 picks a free one."),
    debug: bool = DebugOpt,
) -> None:
    """Serve DIR over HTTP: an index of the episodes, their listening pages, MP3s (seekable),
    transcripts and feed.xml."""

    def action():
        import signal

        from briefing.publish.serve import ServeOptions, make_server

        server = make_server(ServeOptions(folder=folder, host=host, port=port))
        signal.signal(signal.SIGTERM, _interrupt)  # a service manager or `kill` stops it like Ctrl-C
        typer.echo(server.url)
        typer.echo(f"briefing: serving {folder} on {server.url} (Ctrl-C to stop)", err=True)
        if not server.is_loopback:
            typer.echo(f"briefing: {host} is reachable from other machines; the episodes are public to them", err=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            typer.echo("briefing: stopped", err=True)
        finally:
            server.server_close()

    _run(debug, False, action)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main() -> None:
    app()
