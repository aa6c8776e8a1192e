"""Voice presets (voices/NAME.toml) and casting quoted speakers to voices.

A preset is one TOML file; its name is the file name without .toml. A folder holds exactly one
narrator (or names one in casting.toml) and any number of quote voices, which form the pool
quoted speakers are cast from. `casting.toml` (optional) may set `narrator`, `default_quote`
(the voice of quotes whose speaker is unknown) and a `[speakers]` table pinning a speaker to
a voice ("Emmanuel Macron" = "quote-m7").
"""

from __future__ import annotations

import dataclasses
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path

from briefing.errors import InputError, VoiceError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_VOICES_DIR = Path(__file__).resolve().parent.parent / "voices"
ROLES = ("narrator", "quote")
CASTING_FILE = "casting.toml"
LEXICON_FILE = "lexicon.toml"


@dataclass(frozen=True)
class VoicePreset:
    """One voice: which engine speaks, with which model or variant, at which speed.

    Coqui keys: `model` (a zoo id such as tts_models/fr/css10/vits) or `model_path` +
    `config_path` (a local model), `speaker`, `language`, `speaker_wav` for multi-speaker or
    cloning models. espeak keys: `voice` (an espeak-ng voice such as fr+m3) and `pitch`
    (0-99, espeak's default 50). `fallback` names the preset `--engine auto` uses when this
    one cannot run here.
    """

    name: str
    engine: str
    role: str = "quote"
    model: str | None = None
    model_path: str | None = None
    config_path: str | None = None
    speaker: str | None = None
    language: str | None = None
    speaker_wav: str | None = None
    voice: str | None = None
    pitch: int | None = None
    speed: float = 1.0
    fallback: str | None = None
    licence: str | None = None
    description: str | None = None
    path: Path | None = field(default=None, compare=False)

    def identity(self) -> dict:
        """The settings that change the sound, for cache keys and reports."""
        return {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("path", "description", "licence")}


_KEYS = {f.name for f in fields(VoicePreset)} - {"name", "path"}
_TYPES = {"pitch": int, "speed": (int, float)}


def load_preset(path: Path) -> VoicePreset:
    """Read and check one preset file."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise VoiceError(f"voice preset {path}: cannot read it ({exc})") from None
    unknown = sorted(set(data) - _KEYS)
    if unknown:
        raise VoiceError(f"voice preset {path}: unknown key(s) {', '.join(unknown)}; valid keys: {', '.join(sorted(_KEYS))}")
    if "engine" not in data:
        raise VoiceError(f"voice preset {path}: 'engine' is missing (coqui or espeak)")
    for key, value in data.items():
        expected = _TYPES.get(key, str)
        if not isinstance(value, expected) or isinstance(value, bool):
            raise VoiceError(f"voice preset {path}: '{key}' has the wrong type ({value!r})")
    role = data.get("role", "quote")
    if role not in ROLES:
        raise VoiceError(f"voice preset {path}: role must be one of {', '.join(ROLES)}, not {role!r}")
    speed = float(data.get("speed", 1.0))
    if not 0.25 <= speed <= 4.0:
        raise VoiceError(f"voice preset {path}: speed {speed} is outside 0.25-4.0")
    data["speed"] = speed
    return VoicePreset(name=path.stem, path=path, **data)


@dataclass(frozen=True)
class VoiceBook:
    """Every preset of a folder, the narrator, the quote pool and the casting rules."""

    presets: dict[str, VoicePreset]
    narrator: str
    quote_pool: tuple[str, ...]
    default_quote: str
    pinned: dict[str, str] = field(default_factory=dict)
    folder: Path | None = None
    lexicon: dict[str, str] = field(default_factory=dict)  # the folder's lexicon.toml

    def __getitem__(self, name: str) -> VoicePreset:
        try:
            return self.presets[name]
        except KeyError:
            raise VoiceError(f"unknown voice {name!r}; voices here: {', '.join(sorted(self.presets))}") from None

    def chain(self, name: str) -> list[VoicePreset]:
        """The preset `name`, then its fallback, then that one's fallback, and so on."""
        chain, seen = [], set()
        while name is not None and name not in seen:
            seen.add(name)
            preset = self[name]
            chain.append(preset)
            name = preset.fallback
        return chain

    def for_engine(self, engine: str) -> VoiceBook:
        """The book as `--engine engine` casts it: quotes go only to voices with a preset on that
        engine in their fallback chain (the narrator's voice when none has), so that a named
        engine never meets a voice it cannot speak. `auto` keeps the book as it is."""
        if engine == "auto":
            return self

        def speaks(name: str) -> bool:
            return any(p.engine == engine for p in self.chain(name))

        pool = tuple(v for v in self.quote_pool if speaks(v)) or (self.narrator,)
        default = self.default_quote if speaks(self.default_quote) else pool[0]
        pinned = {speaker: voice for speaker, voice in self.pinned.items() if speaks(voice)}
        return dataclasses.replace(self, quote_pool=pool, default_quote=default, pinned=pinned)


def load_voices(folder: Path | str | None = None) -> VoiceBook:
    """Load every preset in `folder` (the project's voices/ by default) and its casting rules."""
    folder = Path(folder) if folder is not None else DEFAULT_VOICES_DIR
    if not folder.is_dir():
        raise VoiceError(f"voices folder {folder} does not exist")
    skip = {CASTING_FILE, LEXICON_FILE}
    presets = {p.stem: load_preset(p) for p in sorted(folder.glob("*.toml")) if p.name not in skip}
    if not presets:
        raise VoiceError(f"voices folder {folder} holds no preset (*.toml)")
    casting: dict = {}
    casting_path = folder / CASTING_FILE
    if casting_path.exists():
        try:
            casting = tomllib.loads(casting_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise VoiceError(f"{casting_path}: cannot read it ({exc})") from None

    for preset in presets.values():
        if preset.fallback is not None and preset.fallback not in presets:
            raise VoiceError(f"voice preset {preset.path}: fallback {preset.fallback!r} is not a preset in {folder}")

    # Presets that are only some other preset's fallback are not cast on their own.
    fallbacks = {p.fallback for p in presets.values() if p.fallback}
    narrators = [n for n, p in presets.items() if p.role == "narrator" and n not in fallbacks]
    narrator = casting.get("narrator")
    if narrator is None:
        if len(narrators) != 1:
            found = ", ".join(narrators) or "none"
            raise VoiceError(f"voices folder {folder} needs exactly one narrator preset (found: {found}); set narrator in {CASTING_FILE}")
        narrator = narrators[0]
    elif narrator not in presets:
        raise VoiceError(f"{casting_path}: narrator {narrator!r} is not a preset in {folder}")

    pool = tuple(n for n, p in presets.items() if p.role == "quote" and n not in fallbacks)
    if not pool:
        pool = (narrator,)  # a folder with a narrator alone still renders, quotes in that voice
    default_quote = casting.get("default_quote", pool[0])
    pinned = dict(casting.get("speakers", {}))
    for name in [default_quote, *pinned.values()]:
        if name not in presets:
            raise VoiceError(f"{casting_path}: voice {name!r} is not a preset in {folder}")
    lexicon = {}
    if (folder / LEXICON_FILE).exists():
        lexicon = load_lexicon(folder / LEXICON_FILE)
    return VoiceBook(presets, narrator, pool, default_quote, pinned, folder, lexicon)


class Casting:
    """Gives each quoted speaker a voice, the same one for the whole episode.

    Unknown speakers share the default quote voice. Named speakers take the pool's voices in
    turn, the default one last, so that as long as the pool allows, two speakers never share
    a voice and no named speaker sounds like the anonymous quotes.
    """

    def __init__(self, book: VoiceBook):
        self.book = book
        others = [v for v in book.quote_pool if v != book.default_quote]
        self._order = others + [book.default_quote] if others else [book.default_quote]
        self._assigned: dict[str, str] = {}

    def voice_for(self, speaker: str | None) -> str:
        if speaker is None:
            return self.book.default_quote
        if speaker in self.book.pinned:
            return self.book.pinned[speaker]
        if speaker not in self._assigned:
            taken = set(self._assigned.values()) | set(self.book.pinned.values())
            free = [v for v in self._order if v not in taken]
            self._assigned[speaker] = free[0] if free else self._order[len(self._assigned) % len(self._order)]
        return self._assigned[speaker]


def load_lexicon(path: Path) -> dict[str, str]:
    """A pronunciation lexicon: a TOML table of "Written" = "how it is said"."""
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"lexicon {path}: no such file") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"lexicon {path}: cannot read it ({exc})") from None
    entries = data.get("words", data)
    bad = [k for k, v in entries.items() if not isinstance(v, str) or not k.strip()]
    if bad:
        raise InputError(f"lexicon {path}: entries must be \"word\" = \"pronunciation\" strings (bad: {', '.join(map(str, bad[:3]))})")
    return dict(entries)
