"""Everything `briefing speak` can be told, as one validated type.

Each option is declared once here, as a field of SpeakOptions: its name, type, default, range or
choices, and help. From that declaration come the command line's parameters (`speak` takes them
all; `script`, `batch` and `voices` the ones they use: briefing/cli.py), the keys of a batch
manifest (briefing/daily/batch.py) and of a show's [speak] table (briefing/daily/config.py). All
of them build `SpeakOptions` the same way (`SpeakOptions.from_mapping`), so a bad value gives the
same one-line error whatever the source. `briefing.pipeline.Options.from_speak` turns it into the
views the stages take.

Plain data near the bottom of the house, beside `model` and `errors`: it imports only those and
the engine registry (names, no engine), so `briefing --help` reads the defaults without loading a
stage, and the stages take their own defaults from here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import sys
import typing
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from briefing.engines.registry import DEVICES, ENGINE_MODES
from briefing.errors import UsageError

# The command-line contract (DESIGN.md): --engine takes auto or a registered engine's name.
ENGINES = ENGINE_MODES
TRANSCRIPTS = ("written", "spoken")  # what VTT, SRT and the page show
EXECUTORS = ("local", "ray")
# Coqui's runtimes for VITS on the CPU (auto: ONNX Runtime or OpenVINO when they import; torch:
# never) and precisions (auto: bf16 where the CPU computes it natively and openvino is installed).
RUNTIMES = ("auto", "torch")
PRECISIONS = ("auto", "fp32", "bf16")
ENV_PREFIX = "BRIEFING_"

MB = 1024 * 1024  # --cache-size is in MB


def default_jobs() -> int:
    """One worker per core."""
    return os.cpu_count() or 1


def _option(
    default=None,
    *,
    help: str,
    factory=None,
    choices: tuple[str, ...] = (),
    low=None,
    high=None,
    unit: str = "",
    flag: str | None = None,
    short: str | None = None,
    negate: bool = False,
    shown: str | None = None,
):
    """A field of SpeakOptions, declared once: its default, the values it takes (`choices`, or
    `low`-`high`; `unit` for a number written with a suffix, like the bitrate's 96k), and its
    `help`. The command line's parameter is made from it (briefing.cli): `--NAME-WITH-DASHES`
    unless `flag` spells it ("--briefing/--no-briefing"), with `short` ("-j") beside it; a
    `negate` flag sets the option to False ("--no-cache"); `shown` is the default as help shows
    it, where the value depends on the machine ("one per core")."""
    metadata = {
        "choices": choices,
        "low": low,
        "high": high,
        "unit": unit,
        "help": help,
        "flag": flag,
        "short": short,
        "negate": negate,
        "shown": shown,
    }
    if factory is not None:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class SpeakOptions:
    """Everything `briefing speak` can be told, checked when made: a wrong value raises a one-line
    UsageError (exit code 2). None means "not given" where a field allows it."""

    # Voices and where they speak
    engine: str = _option(
        "auto", choices=ENGINES, help="auto (each voice's engine, else its fallback), coqui or espeak."
    )
    voices: Path | None = _option(help="Folder of voice presets (*.toml) that replaces the bundled voices/.")
    lexicon: Path | None = _option(
        help='A TOML file of pronunciations ("OpenAI" = "Opène Aï") added over voices/lexicon.toml.'
    )
    device: str = _option("auto", choices=DEVICES, help="auto, cpu or cuda (for Coqui voices).")
    speed: float = _option(1.0, low=0.5, high=2.0, help="Speaking rate, multiplying each voice's own speed.")
    jobs: int = _option(
        factory=default_jobs,
        shown="one per core",
        low=1,
        short="-j",
        help="Segments synthesised at once (threads locally, actors on Ray).",
    )
    executor: str = _option(
        "local", choices=EXECUTORS, help="Where segments are synthesised: local (threads here) or ray (Ray actors)."
    )
    ray_address: str | None = _option(help="A Ray cluster to use with --executor ray (default: start a local one).")
    ray_cpus: int = _option(1, low=1, help="CPUs, and so torch threads, each Ray actor asks for.")
    cache: bool = _option(
        True, flag="--no-cache", negate=True, help="Neither read nor write the segment cache: synthesise everything."
    )
    cache_dir: Path | None = _option(
        help="Segment cache folder (default: the user cache folder, e.g. ~/.cache/briefing/segments)."
    )
    cache_size: int = _option(2048, low=1, help="Segment cache cap in MB; least recently used entries go first.")
    # The text
    title: str | None = _option(help="Episode title (default: the article's title, or 'Briefing du <date>').")
    max_chars: int = _option(250, low=40, help="Longest segment, in characters, before it is cut at a natural break.")
    max_articles: int = _option(10, low=1, help="Newest items taken from each feed.")
    briefing: bool | None = _option(
        flag="--briefing/--no-briefing",
        help="Spoken intro with the date and the subjects, sources announced, outro "
        "(default: when there are several articles).",
    )
    date: dt.date | None = _option(help="The briefing's date, YYYY-MM-DD (default: today).")
    # The spoken sentence that says synthetic voices read the episode (after the greeting, or
    # after a lone article's title); the files say it whatever this is (ID3, feed, page, EPUB).
    disclosure: bool = _option(
        True,
        flag="--disclosure/--no-disclosure",
        help="Say that synthetic voices read it (after the greeting, or the title). The files say it "
        "either way: ID3, feed, page, EPUB.",
    )
    disclosure_text: str | None = _option(
        help="The sentence said instead of 'Ce briefing vous est lu par des voix de synthèse.'"
    )
    # The episode
    podcast: str = _option("briefing", help="The show's name: ID3 artist and album.")
    cover: Path | None = _option(help="Cover image (.jpg or .png) embedded in the MP3.")
    intro_music: Path | None = _option(
        help="A jingle or music bed (any audio file) played at the start and ducked under the intro."
    )
    # Mono speech is transparent at 96 kbit/s, inside the 64-128 podcast norm.
    bitrate: str = _option("96k", low=64, high=128, unit="k", help="MP3 bitrate, 64k to 128k.")
    transcript: str = _option(
        "written",
        choices=TRANSCRIPTS,
        help="What the VTT, SRT and page show: written (the article's text) or spoken (what is said).",
    )
    epub: bool = _option(
        False,
        help="Also write OUT.epub, a talking book: the written text synchronised to the audio "
        "(EPUB 3 with Media Overlays), for reading systems like Thorium or EasyReader.",
    )
    c2pa_key: Path | None = _option(
        help="Sign the MP3 with a C2PA manifest (Content Credentials): this PEM private key, with --c2pa-cert."
    )
    c2pa_cert: Path | None = _option(
        help="The PEM certificate chain of --c2pa-key: its certificate first, then the issuers'."
    )

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            object.__setattr__(self, f.name, _checked(f, getattr(self, f.name)))
        if (self.c2pa_key is None) != (self.c2pa_cert is None):
            raise UsageError("c2pa_key and c2pa_cert go together: the private key and its certificate chain")

    def updated(self, changes: Mapping[str, object]) -> SpeakOptions:
        """These options with `changes`, checked as `from_mapping` checks them (a None change is
        the option's default): a server's or a show's settings with one request's own."""
        return SpeakOptions.from_mapping({**{k: getattr(self, k) for k in self.__dataclass_fields__}, **changes})

    @classmethod
    def from_mapping(
        cls,
        data: Mapping[str, object],
        where: str | None = None,
        base: Path | None = None,
        keys: Collection[str] | None = None,
    ) -> SpeakOptions:
        """Options from settings by name, as a manifest entry, a configuration table or the command
        line give them. A None value is "not given" (the default); relative paths are taken from
        `base` (the manifest's folder); only `keys` may be given (default: every option). Errors are
        the same one-line UsageError for every source, after `where: ` when `where` is given."""
        known = OPTION_NAMES if keys is None else tuple(keys)
        values = {}
        try:
            for key, value in data.items():
                if key not in known:
                    raise UsageError(f"unknown setting {key!r}; valid: {', '.join(sorted(known))}")
                if value is None:
                    continue
                if key in _PATHS and base is not None and isinstance(value, str):
                    value = Path(base) / value
                values[key] = value
            return cls(**values)
        except UsageError as exc:
            if where is None:
                raise
            raise UsageError(f"{where}: {exc}") from None


OPTION_NAMES = tuple(f.name for f in dataclasses.fields(SpeakOptions))
_HINTS = typing.get_type_hints(SpeakOptions)
_PATHS = frozenset(name for name, hint in _HINTS.items() if Path in (hint, *typing.get_args(hint)))
_KINDS = {
    str: "a string",
    int: "a whole number",
    float: "a number",
    bool: "true or false",
    Path: "a path",
    dt.date: "a date like 2026-11-24",
}


def read_toml(path: Path, what: str) -> dict:
    """The tables of a TOML file (a batch manifest, a show's configuration), or a one-line
    UsageError naming `what` it should have been."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: no such {what}") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the {what} ({exc})") from None


def declaration(name: str) -> dataclasses.Field:
    """The field that declares option `name`: its default and, in `.metadata`, its help, flag,
    choices and bounds."""
    return SpeakOptions.__dataclass_fields__[name]


def kind(name: str) -> type:
    """The type option `name` holds when given (str, int, float, bool, Path or date)."""
    hint = _HINTS[name]
    return next((t for t in typing.get_args(hint) if t is not type(None)), hint)


def check(name: str, value):
    """`value` for option `name` in its canonical form, or the UsageError saying what is wrong:
    the one check of each option, whoever builds a value of it (SpeakOptions, the stages' views)."""
    return _checked(declaration(name), value)


def bounds(name: str) -> tuple[float | None, float | None]:
    """The lowest and highest value option `name` takes (None: no bound)."""
    metadata = declaration(name).metadata
    return metadata.get("low"), metadata.get("high")


def _checked(f: dataclasses.Field, value):
    """`value` for the field `f`, in its canonical form (a path as Path, a bitrate as "96k"), or a
    UsageError saying what is wrong and what it takes."""
    name, hint = f.name, _HINTS.get(f.name) or _ENV_HINTS[f.name]
    kinds = [t for t in typing.get_args(hint) if t is not type(None)] or [hint]
    if value is None:
        if type(None) in typing.get_args(hint):
            return None
        raise UsageError(f"{name} must be given")
    kind = kinds[0]
    if kind is Path and isinstance(value, (str, os.PathLike)):
        value = Path(value)
    elif kind is dt.date and isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            raise UsageError(f"date {value!r} is not a date like 2026-11-24") from None
    elif kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    # bool is an int and datetime is a date: neither may stand for the other
    wrong = (
        not isinstance(value, kind)
        or (isinstance(value, bool) and kind is not bool)
        or (kind is dt.date and isinstance(value, dt.datetime))
    )
    if wrong:
        raise UsageError(f"{name} must be {_KINDS[kind]} (got {value!r})")
    meta = f.metadata
    if meta.get("choices") and value not in meta["choices"]:
        raise UsageError(f"unknown {name} {value!r}; choose one of: {', '.join(meta['choices'])}")
    low, high, unit = meta.get("low"), meta.get("high"), meta.get("unit", "")
    given = number = value
    if unit:
        digits = value.lower().removesuffix(unit)
        if not digits.isdigit():
            raise UsageError(f"{name} {value!r} is not like {f.default}; it takes {low}{unit}-{high}{unit}")
        number = int(digits)
        value = f"{number}{unit}"
    if low is not None and high is not None and not low <= number <= high:
        raise UsageError(f"{name} {given!r} is outside {low}{unit}-{high}{unit}")
    if low is not None and number < low:
        raise UsageError(f"{name} {number!r} is below the minimum, {low}")
    return value


@dataclass(frozen=True)
class Environment:
    """Settings read from the environment only, each as BRIEFING_<NAME>: tuning and measuring
    knobs that a run's options do not carry. Declared and checked like the options; they act
    in the process that reads them (a Ray actor on another machine reads its own environment)."""

    coqui_runtime: str = _option(
        "auto", choices=RUNTIMES, help="Where Coqui's VITS runs on the CPU: auto (ONNX Runtime or OpenVINO) or torch."
    )
    coqui_precision: str = _option(
        "auto",
        choices=PRECISIONS,
        help="VITS decoder precision on the CPU: auto (bf16 where the CPU computes it and openvino is "
        "installed), fp32 or bf16.",
    )
    coqui_batch: int | None = _option(
        low=1, high=256, help="Segments per VITS batch (default: 16 on CUDA, 1 on the CPU)."
    )
    http_timeout: float | None = _option(
        low=0.1, high=600, help="Seconds to connect, and between two reads, when fetching a URL (default: 10 and 20)."
    )
    timings: Path | None = _option(
        help="`briefing speak` writes where its time went to this file, as JSON (what bench/coqui.py reads)."
    )


ENV_NAMES = tuple(f.name for f in dataclasses.fields(Environment))
_ENV_HINTS = typing.get_type_hints(Environment)


def variable(name: str) -> str:
    """The environment variable of setting `name`: BRIEFING_COQUI_PRECISION for coqui_precision."""
    return ENV_PREFIX + name.upper()


def environment() -> Environment:
    """The Environment settings as the environment holds them now (read at each call, so that a
    changed environment is honoured); a bad value is a one-line UsageError naming its variable."""
    values = {}
    for f in dataclasses.fields(Environment):
        var = variable(f.name)
        raw = os.environ.get(var, "").strip()
        if not raw:
            continue
        value: object = raw
        want = _ENV_HINTS[f.name]
        kinds = [t for t in typing.get_args(want) if t is not type(None)] or [want]
        try:
            if kinds[0] is int:
                value = int(raw)
            elif kinds[0] is float:
                value = float(raw)
            values[f.name] = _checked(f, value.lower() if isinstance(value, str) and f.metadata["choices"] else value)
        except ValueError:
            raise UsageError(f"{var}={raw!r}: must be {_KINDS[kinds[0]]}") from None
        except UsageError as exc:
            message = str(exc).split("; ", 1)[-1] if str(exc).startswith("unknown ") else str(exc)
            raise UsageError(f"{var}={raw!r}: {message}") from None
    return Environment(**values)
