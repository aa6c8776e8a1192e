"""The `briefing` command: parse, set up logging, call the library, map errors to exit codes.

Exit codes: 0 success, 2 bad usage or bad input, 1 a failure while rendering, 130 interrupted.
Errors are one line on stderr; `--debug` adds the traceback.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import inspect
import json
import logging
import os
import re
import sys
import traceback
import typing
from pathlib import Path

import typer

from briefing import __version__
from briefing.errors import BriefingError, UsageError
from briefing.options import OPTION_NAMES, SpeakOptions, bounds, declaration, environment, kind
from briefing.system import timings
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
DebugOpt = typer.Option(False, "--debug", help="Show tracebacks and debug logs.")
AllowPrivateOpt = typer.Option(
    False,
    "--allow-private-urls",
    help="Also fetch URLs whose address is loopback, private, link-local or otherwise not public "
    "(an intranet's feed). Refused by default: a page or feed must not lead briefing to internal services.",
)
# Defaults, ranges, checks and help of `speak`'s options are declared in briefing/options.py; the
# commands' parameters are made from those declarations here, and typer only parses.
DEFAULTS = SpeakOptions()
# What `script` reads: the text side of `speak`.
SCRIPT_OPTIONS = (
    "engine",
    "voices",
    "lexicon",
    "title",
    "max_chars",
    "max_articles",
    "briefing",
    "date",
    "disclosure",
    "disclosure_text",
)
# What `batch` takes on its command line, over every episode of the manifest.
BATCH_OPTIONS = ("executor", "jobs", "ray_address", "ray_cpus", "device")


def _ranged(text: str, name: str) -> str:
    """`text` followed by the option's range, as typer shows its own: "[0.5<=x<=2.0]", "[1<=x]"
    (not "[x>=1]": rich would take it for a markup tag and drop it)."""
    low, high = bounds(name)
    return f"{text} [{low}<=x<={high}]" if high is not None else f"{text} [{low}<=x]"


def _parameter(name: str, unset: bool = False) -> inspect.Parameter:
    """The command-line parameter of option `name`, made from its declaration (options.py).
    With `unset` (batch), its default is None, "not given", and the help says what applies then."""
    field, default = declaration(name), getattr(DEFAULTS, name)
    meta = field.metadata
    text = meta["help"]
    if unset:
        shown = meta["shown"] or default
        text = re.sub(r"\s*\(default: [^)]*\)\.?$|\.$", "", text) + (
            f" (default: the manifest's, else {shown})." if default is not None else " (default: the manifest's)."
        )
    if meta["low"] is not None and not meta["unit"]:
        text = _ranged(text, name)
    flags = [meta["flag"] or "--" + name.replace("_", "-"), *([meta["short"]] if meta["short"] else [])]
    value = kind(name)
    value = str if value is dt.date else value  # a date is checked by SpeakOptions, with its message
    if unset:
        default = None
    elif meta["negate"]:
        default = not default
    nullable = default is None
    option = typer.Option(default, *flags, help=text, show_default=False if nullable else meta["shown"] or True)
    return inspect.Parameter(
        name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=option, annotation=value | None if nullable else value
    )


def with_options(names: tuple[str, ...] = OPTION_NAMES, unset: bool = False):
    """Give a command the parameters of the options `names`, before its --allow-private-urls,
    --quiet and --debug; the command takes them as `**options` and hands them to `settings`."""

    def decorate(command):
        hints = typing.get_type_hints(command)
        own = [
            p.replace(annotation=hints.get(p.name, p.annotation))
            for p in inspect.signature(command).parameters.values()
            if p.kind is not inspect.Parameter.VAR_KEYWORD
        ]
        at = next((i for i, p in enumerate(own) if p.name in ("allow_private_urls", "quiet", "debug")), len(own))
        added = [_parameter(name, unset) for name in names]
        params = own[:at] + added + own[at:]
        command.__signature__ = inspect.Signature(params)
        command.__annotations__ = {p.name: p.annotation for p in params}
        return command

    return decorate


def settings(options: dict[str, object], **where) -> SpeakOptions:
    """The checked SpeakOptions of a command's option values (as `with_options` gave them)."""
    values = {
        name: (not value if declaration(name).metadata["negate"] and value is not None else value)
        for name, value in options.items()
    }
    return SpeakOptions.from_mapping(values, **where)


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
    """The network policy of a command that fetches URLs (docs/french.md, "Network policy"), for the
    block it wraps: every download below it, feed items' pages included, follows it."""
    from briefing.inputs.fetch import NetworkPolicy, network_policy

    return network_policy(NetworkPolicy(allow_private=allow_private))


@app.command()
@with_options()
def speak(
    inputs: list[str] = typer.Argument(..., metavar="INPUT...", help=INPUTS_HELP, show_default=False),
    output: Path | None = typer.Option(
        None,
        "-o",
        "--output",
        help="The MP3 to write (default: output/<title>.mp3); - streams it to standard output as it is made, "
        "and nothing else (no transcripts, no page).",
        show_default=False,
    ),
    allow_private_urls: bool = AllowPrivateOpt,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors and the summary line on stderr."),
    debug: bool = DebugOpt,
    **options,
) -> None:
    """Render INPUT... into one podcast MP3."""

    def action():
        timings.mark("command")  # the process's age here: interpreter start and imports
        from briefing.pipeline import Options, make_episode
        from briefing.text.dates import clock

        chosen = settings(options)
        with _network(allow_private_urls), _progress(enabled=not quiet and sys.stderr.isatty()) as progress:
            result = make_episode(inputs, output, Options.from_speak(chosen), progress=progress, one_shot=True)
        if result.files:  # not for a stream (-o -): standard output holds the MP3 alone
            typer.echo(str(result.path))
        typer.echo(
            f"segments: {len(result.script.segments)} total, {result.synthesised} synthesised, "
            f"{result.cached} from cache; "
            f"audio {clock(result.duration_ms / 1000)}; wall {result.wall_s:.1f} s",
            err=True,
        )
        log.debug("timings: %s", ", ".join(f"{k} {v:.2f} s" for k, v in timings.snapshot().items()))
        timings.write_if_asked(environment().timings)

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
@with_options(SCRIPT_OPTIONS)
def script(
    inputs: list[str] = typer.Argument(..., metavar="INPUT...", help=INPUTS_HELP, show_default=False),
    as_json: bool = typer.Option(
        False, "--json", help="Print the Script as JSON (segments with role, speaker, voice, text, pause_ms)."
    ),
    allow_private_urls: bool = AllowPrivateOpt,
    debug: bool = DebugOpt,
    **options,
) -> None:
    """Show what would be said, by whom, with which pauses: the Script, without audio."""

    def action():
        from briefing.pipeline import Options, make_script

        chosen = settings(options)  # the text side of `speak`'s options, checked the same way
        with _network(allow_private_urls):
            result = make_script(inputs, Options.from_speak(chosen))
        if as_json:
            typer.echo(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
            return
        typer.echo(f"# {result.title}")
        for i, seg in enumerate(result.segments, 1):
            who = seg.voice + (f" ({seg.speaker})" if seg.speaker else "")
            typer.echo(f"{i:4} {seg.role:<9} {who:<40} {seg.pause_ms:>5} ms  {seg.text}")

    _run(debug, False, action)


@app.command("voices")
@with_options(("voices", "device"))
def voices_cmd(
    download: bool = typer.Option(
        False, "--download", help="Download the Coqui models these presets name (needs internet; once)."
    ),
    check: bool = typer.Option(
        False,
        "--check",
        help="Have every voice that can run here say one French sentence and report what it did; exit 1 if one fails.",
    ),
    text: str | None = typer.Option(
        None,
        "--text",
        help="The sentence --check has each voice say (already spelled out; default: a 66-character greeting).",
        show_default=False,
    ),
    as_json: bool = typer.Option(False, "--json", help="Print the presets (and the check) as JSON."),
    debug: bool = DebugOpt,
    **options,
) -> None:
    """List the voice presets, their engine, their model's speakers, and whether each can run here."""

    def action():
        from briefing.engines import engine_class
        from briefing.engines.presets import load_voices
        from briefing.synthesis.casting import obtain, unavailable_reason
        from briefing.synthesis.checks import CHECK_TEXT, check_table, check_voices, model_of

        chosen = settings(options)
        device = chosen.device  # where --check runs
        book = load_voices(chosen.voices)
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
@with_options(BATCH_OPTIONS, unset=True)
def batch(
    manifest: Path = typer.Argument(
        ..., metavar="MANIFEST.toml", help="The episodes to render (see the docs: scale-out).", show_default=False
    ),
    allow_private_urls: bool = AllowPrivateOpt,
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors and the summary table."),
    debug: bool = DebugOpt,
    **options,
) -> None:
    """Render many episodes in one run (shared workers and cache); a table sums them up."""

    def action():
        from briefing.daily.batch import load_manifest, run_batch, summary_table

        with _network(allow_private_urls):
            outcomes = run_batch(load_manifest(manifest, options))
        typer.echo(summary_table(outcomes))
        if any(o.result is None for o in outcomes):
            raise typer.Exit(1)

    _run(debug, quiet, action)


@app.command()
@with_options(("date",))
def publish(
    config: Path = typer.Argument(
        ...,
        metavar="CONFIG.toml",
        help="The show: its sources, feed, retention, voices (see the docs: publishing).",
        show_default=False,
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Say what would be read and removed; change nothing."),
    allow_private_urls: bool = typer.Option(
        False,
        "--allow-private-urls",
        help="Also fetch URLs whose address is loopback, private or otherwise not public, as "
        "[sources] allow_private = true does. Refused by default.",
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="Only errors and the summary."),
    debug: bool = DebugOpt,
    **options,
) -> None:
    """Today's briefing from the show's sources: only what was not published before, the feed
    updated, old episodes removed; all of it or nothing."""

    def action():
        from briefing.daily.config import load_config
        from briefing.daily.run import publish as run
        from briefing.daily.run import summary

        day = settings(options).date
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
@with_options(("engine", "voices", "device", "jobs", "cache", "executor", "ray_address", "ray_cpus"))
def serve(
    folder: Path = typer.Argument(..., metavar="DIR", help="The folder of episodes to serve.", show_default=False),
    host: str = typer.Option(
        "127.0.0.1", "--host", help="Address to listen on; 0.0.0.0 (or ::) opens it to the network."
    ),
    port: int = typer.Option(8000, "--port", min=0, max=65535, help="Port to listen on; 0 picks a free one."),
    api: bool = typer.Option(
        False,
        "--api",
        help="Also serve the JSON API under /v1 (episodes made from text, URLs or scripts; keys from "
        "`briefing api-key`), with uvicorn.",
    ),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="With --api: episodes rendered at once."),
    rate_limit: int = typer.Option(
        60, "--rate-limit", min=1, max=100_000, help="With --api: calls a minute for one key (429 beyond)."
    ),
    cors_origins: list[str] = typer.Option(
        [],
        "--cors-origin",
        help="With --api: a site whose pages may call the API from a browser (https://www.exemple.fr); repeat it "
        "for several. None by default.",
        show_default=False,
    ),
    voice_sets: Path | None = typer.Option(
        None,
        "--voice-sets",
        help='With --api: a folder of voices folders (each like voices/); a request\'s "voices" names one.',
        show_default=False,
    ),
    allow_private_urls: bool = AllowPrivateOpt,
    debug: bool = DebugOpt,
    **options,
) -> None:
    """Serve DIR over HTTP: an index of the episodes, their listening pages, MP3s (seekable),
    transcripts and feed.xml; with --api, a JSON API that renders episodes into DIR."""

    def action():
        import signal

        from briefing.publish.serve import ServeOptions, make_server

        if api:
            from briefing.api.jobs import Settings

            _serve_api(
                folder,
                host,
                port,
                Settings(
                    speak=settings(options),
                    allow_private_urls=allow_private_urls,
                    workers=workers,
                    rate_per_minute=rate_limit,
                    cors_origins=tuple(_origin(o) for o in cors_origins),
                    voice_sets=_voice_sets(voice_sets),
                ),
            )
            return

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


def _voice_sets(folder: Path | None) -> Path | None:
    if folder is None:
        return None
    if not folder.is_dir():
        raise UsageError(f"--voice-sets {folder}: no such folder")
    from briefing.api.jobs import Settings
    from briefing.engines.presets import load_voices

    folder = folder.resolve()
    offered = Settings(voice_sets=folder)
    for name in offered.voice_set_names():
        load_voices(offered.voice_set(name))  # a broken preset fails at start, not in a job
    return folder


def _origin(value: str) -> str:
    """A CORS origin as browsers send it: scheme, host and port, nothing after."""
    if not re.fullmatch(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?", value):
        raise UsageError(f"--cors-origin {value!r}: give a site's origin, like https://www.exemple.fr (no path)")
    return value.lower()


def _serve_api(folder: Path, host: str, port: int, settings) -> None:
    import uvicorn

    from briefing.api.app import Api

    if not folder.is_dir():
        raise UsageError(f"{folder}: no such folder")
    api = Api(folder, settings)
    api.claim_folder()  # a second server of the folder: a clear error now, before uvicorn starts
    config = uvicorn.Config(api.app(), host=host, port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    typer.echo(f"briefing: serving {folder} with its API on http://{host}:{port}/v1/ (Ctrl-C to stop)", err=True)
    server.run()


api_key_app = typer.Typer(help="The keys of `serve --api`: add, list, revoke.", no_args_is_help=True)
app.add_typer(api_key_app, name="api-key")
KeyDirOpt = typer.Option(..., "--dir", help="The DIR given to `briefing serve --api`.", show_default=False)


@api_key_app.command("add")
def api_key_add(
    name: str = typer.Argument(..., help="What the key is for (a site, a CMS)."), folder: Path = KeyDirOpt
) -> None:
    """Make a key: printed once, alone on the last line; only its hash is kept."""

    def action():
        from briefing.api.store import Store

        store = Store(folder)
        secret = store.add_key(name)
        typer.echo(f"briefing: key {name!r} added to {store.path}; it is shown this once:", err=True)
        typer.echo(secret)

    _run(False, False, action)


@api_key_app.command("list")
def api_key_list(folder: Path = KeyDirOpt) -> None:
    """The keys: name, when made, whether revoked (never the secrets)."""

    def action():
        from briefing.api.store import Store

        for key in Store(folder).keys():
            state = f"revoked {key.revoked}" if key.revoked else "active"
            typer.echo(f"{key.name}\t{key.created}\t{state}")

    _run(False, False, action)


@api_key_app.command("revoke")
def api_key_revoke(name: str = typer.Argument(..., help="The key's name."), folder: Path = KeyDirOpt) -> None:
    """Revoke a key: its calls get 403 from now on."""

    def action():
        from briefing.api.store import Store

        Store(folder).revoke(name)
        typer.echo(f"briefing: key {name!r} revoked", err=True)

    _run(False, False, action)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


# Modules whose teardown at the interpreter's exit takes a second or more and does nothing a
# user needs (bench/coqui.py --whole: 0.1 to 1.1 s after the episode was on disk).
_HEAVY = ("torch", "openvino", "onnxruntime")


def main() -> None:
    try:
        app()
        code: int | str | None = 0
    except SystemExit as exc:
        code = exc.code
    leave(code)


def leave(code: int | str | None) -> None:
    """Exit with `code`. Once torch, OpenVINO or ONNX Runtime are loaded, the exit handlers run
    (Ray's shutdown, temporary folders, logging), the output is flushed, and the process ends
    without Python's own teardown of those modules (their thread pools, compiled models and
    tensors freed one by one)."""
    if not any(name in sys.modules for name in _HEAVY):
        sys.exit(code)
    import atexit

    if isinstance(code, str):  # what sys.exit prints, and its status
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code or 0)
