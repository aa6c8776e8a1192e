"""The configuration of a show that `briefing publish CONFIG.toml` keeps up to date.

    [show]
    title = "Le briefing de la rédaction"      # required: the podcast's name (feed, ID3 album)
    base_url = "https://exemple.fr/briefing/"   # required: the public URL of output_dir
    output_dir = "episodes"                     # relative to this file; default: output
    author = "La rédaction"
    description = "L'actualité du jour, lue en français."
    language = "fr"
    cover = "cover.jpg"                         # square .jpg or .png: in every MP3 and the feed
    schedule = "matin"                          # a label: in the episodes' names and titles

    [sources]
    allow_private = false                       # true: fetch loopback and private addresses too
                                                # (an intranet's feed); as --allow-private-urls
    [[source]]                                  # one table per feed, page or file, in order
    input = "https://exemple.fr/rss.xml"
    max_items = 3                               # newest items read from it; default 5

    [episode]
    max_items = 8                               # per episode, taken in turn from each source
    changed = 0.2                               # an updated article is read again when this
                                                # share of its text changed; 0.2 by default
    [retention]
    days = 30                                   # episodes older than this go (files and feed)
    episodes = 60                               # at most this many stay
    [disclosure]
    spoken = true                               # the intro says synthetic voices read it
    text = "..."                                # the sentence said instead of the default
    c2pa_key = "keys/briefing.key.pem"          # sign every MP3 with a C2PA manifest: the key
    c2pa_cert = "keys/briefing.chain.pem"       # and its certificate chain

    [speak]                                     # any option of `briefing speak`, by name
    engine = "auto"

Every value is checked before anything is fetched; an error is one line naming the file, the
table and the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from briefing.errors import UsageError
from briefing.inputs.fetch import is_url
from briefing.limits import MAX_ARTICLES
from briefing.options import OPTION_NAMES, SpeakOptions, read_toml
from briefing.text.safe import has_control

# What publish sets itself from [show], [episode] and the run's date: not in [speak].
OWN_SETTINGS = (
    "title",
    "date",
    "briefing",
    "podcast",
    "cover",
    "disclosure",
    "disclosure_text",
    "c2pa_key",
    "c2pa_cert",
)
SPEAK_SETTINGS = tuple(name for name in OPTION_NAMES if name not in OWN_SETTINGS)
DEFAULT_SOURCE_ITEMS = 5
DEFAULT_EPISODE_ITEMS = 10
DEFAULT_CHANGED = 0.2
_LABEL = re.compile(r"^[a-z0-9][a-z0-9-]{0,30}$")


@dataclass(frozen=True)
class Source:
    input: str  # a URL, or a file's path (absolute: resolved from the configuration's folder)
    max_items: int = DEFAULT_SOURCE_ITEMS


@dataclass(frozen=True)
class ShowConfig:
    path: Path
    title: str
    base_url: str
    output_dir: Path
    sources: tuple[Source, ...]
    author: str = ""
    description: str = "Briefings audio de l'actualité, lus en français."
    language: str = "fr"
    cover: Path | None = None
    schedule: str = ""
    max_items: int = DEFAULT_EPISODE_ITEMS
    changed: float = DEFAULT_CHANGED
    keep_days: int | None = None
    keep_episodes: int | None = None
    spoken_disclosure: bool = True
    disclosure_text: str | None = None
    c2pa_key: Path | None = None
    c2pa_cert: Path | None = None
    speak: SpeakOptions = SpeakOptions()
    allow_private: bool = False  # [sources]: URLs may reach loopback and private addresses


_TABLES = {
    "show": {"title", "base_url", "output_dir", "author", "description", "language", "cover", "schedule"},
    "episode": {"max_items", "changed"},
    "retention": {"days", "episodes"},
    "disclosure": {"spoken", "text", "c2pa_key", "c2pa_cert"},
    "sources": {"allow_private"},
}


def load_config(path: Path) -> ShowConfig:
    """The show of `path`, every value checked; a UsageError (one line) names what is wrong."""
    path = Path(path)
    data = read_toml(path, "configuration")
    unknown = set(data) - {*_TABLES, "source", "speak"}
    if unknown:
        raise UsageError(
            f"{path}: unknown table(s) {', '.join(sorted(unknown))}; expected [show], [sources], [[source]], "
            "[episode], [retention], [disclosure], [speak]"
        )
    tables = {}
    for name, keys in _TABLES.items():
        table = data.get(name, {})
        if not isinstance(table, dict):
            raise UsageError(f"{path}: [{name}] must be a table")
        extra = set(table) - keys
        if extra:
            raise UsageError(
                f"{path} [{name}]: unknown key(s) {', '.join(sorted(extra))}; valid: {', '.join(sorted(keys))}"
            )
        tables[name] = table
    base = path.parent
    show, episode, retention, disclosure = (tables[k] for k in ("show", "episode", "retention", "disclosure"))

    def text(table: str, key: str, value, required: bool = False) -> str | None:
        if value is None:
            if required:
                raise UsageError(f"{path} [{table}]: {key} must be given")
            return None
        if not isinstance(value, str) or not value.strip():
            raise UsageError(f"{path} [{table}]: {key} must be a non-empty string (got {value!r})")
        if has_control(value):  # it goes into the feed, the tags and the page: XML 1.0 would break
            raise UsageError(f"{path} [{table}]: {key} holds a control character ({value!r})")
        return value.strip()

    def whole(table: str, key: str, value, low: int, high: int | None = None) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
            span = f"{low}-{high}" if high is not None else f"{low} or more"
            raise UsageError(f"{path} [{table}]: {key} must be a whole number, {span} (got {value!r})")
        return value

    title = text("show", "title", show.get("title"), required=True)
    base_url = text("show", "base_url", show.get("base_url"), required=True)
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise UsageError(f"{path} [show]: base_url must be an http(s) URL (got {base_url!r})")
    output_dir = base / (text("show", "output_dir", show.get("output_dir")) or "output")
    cover = text("show", "cover", show.get("cover"))
    cover_path = base / cover if cover else None
    if cover_path is not None:
        if cover_path.suffix.lower() not in (".jpg", ".jpeg", ".png"):
            raise UsageError(f"{path} [show]: cover must be a .jpg or .png image (got {cover!r})")
        if not cover_path.is_file():
            raise UsageError(f"{path} [show]: cover {cover!r}: no such file")
    schedule = text("show", "schedule", show.get("schedule")) or ""
    if schedule and not _LABEL.match(schedule):
        raise UsageError(
            f"{path} [show]: schedule must be a short label of lower-case letters, digits and '-' (got {schedule!r})"
        )
    language = text("show", "language", show.get("language")) or "fr"
    if language != "fr":
        raise UsageError(f"{path} [show]: language {language!r}: briefing reads French only (fr)")

    raw_sources = data.get("source", [])
    if not isinstance(raw_sources, list) or not raw_sources:
        raise UsageError(f"{path}: no [[source]] to read")
    sources = []
    for i, item in enumerate(raw_sources, 1):
        where = f"source {i}"
        if not isinstance(item, dict):
            raise UsageError(f"{path} [source {i}]: must be a table")
        extra = set(item) - {"input", "max_items"}
        if extra:
            raise UsageError(f"{path} [{where}]: unknown key(s) {', '.join(sorted(extra))}; valid: input, max_items")
        spec = text(where, "input", item.get("input"), required=True)
        if not is_url(spec) and re.match(r"^[a-z]+://", spec):
            raise UsageError(f"{path} [{where}]: input {spec!r}: only http(s) URLs and files are read")
        if not is_url(spec):
            spec = str(base / spec)
        max_items = whole(where, "max_items", item.get("max_items"), 1, MAX_ARTICLES)
        sources.append(Source(spec, max_items or DEFAULT_SOURCE_ITEMS))

    max_items = whole("episode", "max_items", episode.get("max_items"), 1, MAX_ARTICLES) or DEFAULT_EPISODE_ITEMS
    changed = episode.get("changed", DEFAULT_CHANGED)
    if isinstance(changed, bool) or not isinstance(changed, (int, float)) or not 0 < changed <= 1:
        raise UsageError(
            f"{path} [episode]: changed must be a share of the text, above 0 and at most 1 (got {changed!r})"
        )
    keep_days = whole("retention", "days", retention.get("days"), 1)
    keep_episodes = whole("retention", "episodes", retention.get("episodes"), 1)
    spoken = disclosure.get("spoken", True)
    if not isinstance(spoken, bool):
        raise UsageError(f"{path} [disclosure]: spoken must be true or false (got {spoken!r})")
    disclosure_text = text("disclosure", "text", disclosure.get("text"))
    keys = {k: text("disclosure", k, disclosure.get(k)) for k in ("c2pa_key", "c2pa_cert")}
    if (keys["c2pa_key"] is None) != (keys["c2pa_cert"] is None):
        raise UsageError(f"{path} [disclosure]: c2pa_key and c2pa_cert go together")
    for k, value in keys.items():
        if value is not None and not (base / value).is_file():
            raise UsageError(f"{path} [disclosure]: {k} {value!r}: no such file")

    allow_private = tables["sources"].get("allow_private", False)
    if not isinstance(allow_private, bool):
        raise UsageError(f"{path} [sources]: allow_private must be true or false (got {allow_private!r})")

    speak = data.get("speak", {})
    if not isinstance(speak, dict):
        raise UsageError(f"{path}: [speak] must be a table")
    for key in speak:
        if key in OWN_SETTINGS:
            raise UsageError(f"{path} [speak]: {key} is set by publish itself ([show], [disclosure] or the date)")
    options = SpeakOptions.from_mapping(speak, f"{path} [speak]", base, keys=SPEAK_SETTINGS)
    return ShowConfig(
        path=path,
        title=title,
        base_url=base_url,
        output_dir=output_dir,
        sources=tuple(sources),
        author=text("show", "author", show.get("author")) or title,
        description=text("show", "description", show.get("description")) or ShowConfig.description,
        language=language,
        cover=cover_path,
        schedule=schedule,
        max_items=max_items,
        changed=float(changed),
        keep_days=keep_days,
        keep_episodes=keep_episodes,
        spoken_disclosure=spoken,
        disclosure_text=disclosure_text,
        c2pa_key=base / keys["c2pa_key"] if keys["c2pa_key"] else None,
        c2pa_cert=base / keys["c2pa_cert"] if keys["c2pa_cert"] else None,
        speak=options,
        allow_private=allow_private,
    )
