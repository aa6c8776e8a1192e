"""Everything `briefing speak` can be told, as one validated type.

Each option is written once here: its default, and its range or its choices. The command line,
a batch manifest entry and a configuration file all build `SpeakOptions` the same way
(`SpeakOptions.from_mapping`), so a bad value gives the same one-line error whatever the source.
`briefing.pipeline.Options.from_speak` turns it into the options the stages take.

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

MB = 1024 * 1024  # --cache-size is in MB


def default_jobs() -> int:
    """One worker per core."""
    return os.cpu_count() or 1


def _option(default=None, *, factory=None, choices: tuple[str, ...] = (), low=None, high=None, unit: str = ""):
    """A field of SpeakOptions: its default, and the values it takes (`choices`, or `low`-`high`;
    `unit` for a number written with a suffix, like the bitrate's 96k)."""
    metadata = {"choices": choices, "low": low, "high": high, "unit": unit}
    if factory is not None:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class SpeakOptions:
    """Everything `briefing speak` can be told, checked when made: a wrong value raises a one-line
    UsageError (exit code 2). None means "not given" where a field allows it."""

    # Voices and where they speak
    engine: str = _option("auto", choices=ENGINES)  # auto: each voice's engine, else its fallback
    voices: Path | None = None  # a folder of presets that replaces the bundled voices/
    lexicon: Path | None = None  # pronunciations added over the voices folder's lexicon.toml
    device: str = _option("auto", choices=DEVICES)  # for Coqui voices
    speed: float = _option(1.0, low=0.5, high=2.0)  # multiplies each preset's own speed
    jobs: int = _option(factory=default_jobs, low=1)  # segments synthesised at once
    executor: str = _option("local", choices=EXECUTORS)
    ray_address: str | None = None  # None: a local Ray instance started for the run
    ray_cpus: int = _option(1, low=1)  # CPUs, and so torch threads, each Ray actor asks for
    cache: bool = True  # read and write the segment cache
    cache_dir: Path | None = None  # None: the user cache folder
    cache_size: int = _option(2048, low=1)  # MB; least recently used entries go first
    # The text
    title: str | None = None  # None: the article's title, or "Briefing du <date>"
    max_chars: int = _option(250, low=40)  # longest segment before a cut at a natural break
    max_articles: int = _option(10, low=1)  # newest items taken from each feed
    briefing: bool | None = None  # intro, announcements, outro; None: when there are several articles
    date: dt.date | None = None  # the briefing's date; None: today
    # The spoken sentence that says synthetic voices read the episode (after the greeting, or
    # after a lone article's title); the files say it whatever this is (ID3, feed, page, EPUB).
    disclosure: bool = True
    disclosure_text: str | None = None  # None: "Ce briefing vous est lu par des voix de synthèse."
    # The episode
    podcast: str = "briefing"  # the show's name: ID3 artist and album
    cover: Path | None = None  # .jpg or .png embedded in the MP3
    intro_music: Path | None = None
    # Mono speech is transparent at 96 kbit/s, inside the 64-128 podcast norm.
    bitrate: str = _option("96k", low=64, high=128, unit="k")
    # What the transcripts (VTT, SRT, the page) show: the article's written text, or what is said.
    transcript: str = _option("written", choices=TRANSCRIPTS)
    epub: bool = False  # also write OUT.epub: the written text synchronised to the audio (EPUB 3 Media Overlays)
    # A signed C2PA manifest in the MP3: the private key and its certificate chain (PEM), both or neither.
    c2pa_key: Path | None = None
    c2pa_cert: Path | None = None

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            object.__setattr__(self, f.name, _checked(f, getattr(self, f.name)))
        if (self.c2pa_key is None) != (self.c2pa_cert is None):
            raise UsageError("c2pa_key and c2pa_cert go together: the private key and its certificate chain")

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


def bounds(name: str) -> tuple[float | None, float | None]:
    """The lowest and highest value option `name` takes (None: no bound)."""
    metadata = SpeakOptions.__dataclass_fields__[name].metadata
    return metadata.get("low"), metadata.get("high")


def _checked(f: dataclasses.Field, value):
    """`value` for the field `f`, in its canonical form (a path as Path, a bitrate as "96k"), or a
    UsageError saying what is wrong and what it takes."""
    name, hint = f.name, _HINTS[f.name]
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
