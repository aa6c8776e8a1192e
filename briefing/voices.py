"""Voice presets (voices/NAME.toml) and casting quoted speakers to voices.

A preset is one TOML file; its name is the file name without .toml. A folder holds exactly one
narrator (or names one in casting.toml) and any number of quote voices, which form the pool
quoted speakers are cast from. `casting.toml` (optional) may set `narrator`, `default_quote`
(the voice of quotes whose speaker is unknown), `heading` (the voice of sub-headings; the
narrator's by default), a `[speakers]` table pinning a speaker to a voice ("Emmanuel Macron" =
"quote-m7") and a `[genders]` table pinning a speaker's gender ("Dominique Martin" = "female")
where the text does not say it.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from briefing.errors import InputError, VoiceError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_VOICES_DIR = Path(__file__).resolve().parent.parent / "voices"
ROLES = ("narrator", "quote")
GENDERS = ("female", "male")
CASTING_FILE = "casting.toml"
LEXICON_FILE = "lexicon.toml"


@dataclass(frozen=True)
class VoicePreset:
    """One voice: which engine speaks, with which of its voices or models, at which speed.

    The keys every preset has are fields; the engine's own keys (Coqui's `model`, `speaker`...,
    espeak's `voice`, `pitch`) are in `settings`, declared and checked by the engine itself
    (`Engine.preset_keys`). `fallback` names the preset `--engine auto` uses when this one
    cannot run here.
    """

    name: str
    engine: str
    role: str = "quote"
    speed: float = 1.0
    fallback: str | None = None
    gender: str | None = None  # the voice's register: "female", "male" (None: either)
    licence: str | None = None
    description: str | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)
    path: Path | None = field(default=None, compare=False)
    # A derived voice: its base preset's engine and settings, each clip transformed
    # (synthesis.transform): pitch moved by `pitch_shift` semitones, formants by `formant_shift`.
    base: str | None = None
    pitch_shift: float = 0.0
    formant_shift: float = 1.0

    @classmethod
    def of(cls, name: str, engine: str, path: Path | None = None, **keys: Any) -> VoicePreset:
        """A preset from flat keys, as a preset file writes them (engine keys go to `settings`)."""
        common = {k: keys.pop(k) for k in list(keys) if k in COMMON_KEYS or k in DERIVED_KEYS}
        return cls(name=name, engine=engine, path=path, settings=keys, **common)

    def get(self, key: str, default: Any = None) -> Any:
        """One of the engine's own settings (None when the preset does not set it)."""
        return self.settings.get(key, default)

    @property
    def derived(self) -> bool:
        return self.base is not None

    def identity(self) -> dict:
        """The settings that change the sound, for cache keys and reports."""
        derived = (
            {"base": self.base, "pitch_shift": self.pitch_shift, "formant_shift": self.formant_shift}
            if self.derived
            else {}
        )
        return {
            "name": self.name,
            "engine": self.engine,
            "role": self.role,
            "speed": self.speed,
            "fallback": self.fallback,
            **derived,
            **dict(sorted(self.settings.items())),
        }


# The keys every preset may have, with their types; an engine declares the rest.
COMMON_KEYS: dict[str, type | tuple[type, ...]] = {
    "role": str,
    "speed": (int, float),
    "fallback": str,
    "gender": str,
    "licence": str,
    "description": str,
}
# A derived preset names its base instead of an engine, and takes these besides the common keys.
DERIVED_KEYS: dict[str, type | tuple[type, ...]] = {
    "base": str,
    "pitch_shift": (int, float),
    "formant_shift": (int, float),
}
PITCH_SHIFT_RANGE = (-12.0, 12.0)  # semitones
FORMANT_SHIFT_RANGE = (0.7, 1.4)  # ratio


def load_preset(path: Path) -> VoicePreset:
    """Read and check one preset file: the common keys here, the engine's own by the engine."""
    from briefing.engines.registry import ENGINE_NAMES, engine_class

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise VoiceError(f"voice preset {path}: cannot read it ({exc})") from None
    engine = data.pop("engine", None)
    if "base" in data:
        if engine is not None:
            raise VoiceError(
                f"voice preset {path}: a derived preset (base) speaks with its base's engine; drop 'engine'"
            )
        keys = {**COMMON_KEYS, **DERIVED_KEYS}
        unknown = sorted(set(data) - set(keys))
        if unknown:
            raise VoiceError(
                f"voice preset {path}: unknown key(s) {', '.join(unknown)}; "
                f"valid keys for a derived preset: {', '.join(sorted(keys))}"
            )
    else:
        if engine is None:
            raise VoiceError(f"voice preset {path}: 'engine' is missing ({' or '.join(ENGINE_NAMES)}), or 'base'")
        if engine not in ENGINE_NAMES:
            raise VoiceError(f"voice preset {path}: unknown engine {engine!r}; engines: {', '.join(ENGINE_NAMES)}")
        keys = {**COMMON_KEYS, **engine_class(engine).preset_keys}
        unknown = sorted(set(data) - set(keys))
        if unknown:
            raise VoiceError(
                f"voice preset {path}: unknown key(s) {', '.join(unknown)}; "
                f"valid keys for {engine}: engine, {', '.join(sorted(keys))}"
            )
    for key, value in data.items():
        if not isinstance(value, keys[key]) or isinstance(value, bool):
            raise VoiceError(f"voice preset {path}: '{key}' has the wrong type ({value!r})")
    role = data.get("role", "quote")
    if role not in ROLES:
        raise VoiceError(f"voice preset {path}: role must be one of {', '.join(ROLES)}, not {role!r}")
    if data.get("gender", "female") not in GENDERS:
        raise VoiceError(f"voice preset {path}: gender must be one of {', '.join(GENDERS)}, not {data['gender']!r}")
    speed = float(data.get("speed", 1.0))
    if not 0.25 <= speed <= 4.0:
        raise VoiceError(f"voice preset {path}: speed {speed} is outside 0.25-4.0")
    data["speed"] = speed
    if "base" in data:
        for key, (low, high) in (("pitch_shift", PITCH_SHIFT_RANGE), ("formant_shift", FORMANT_SHIFT_RANGE)):
            if key in data and not low <= data[key] <= high:
                raise VoiceError(f"voice preset {path}: {key} {data[key]} is outside {low:g} to {high:g}")
            if key in data:
                data[key] = float(data[key])
        return VoicePreset.of(path.stem, "", path, **data)  # completed from its base by load_voices
    preset = VoicePreset.of(path.stem, engine, path, **data)
    problem = engine_class(engine).check_settings(preset)
    if problem:
        raise VoiceError(f"voice preset {path}: {problem}")
    return preset


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
    genders: dict[str, str] = field(default_factory=dict)  # speaker -> gender, from casting.toml
    heading: str | None = None  # the voice of sub-headings (casting.toml); None: the narrator's

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

    presets = {name: _derive(preset, presets) if preset.derived else preset for name, preset in presets.items()}
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
            raise VoiceError(
                f"voices folder {folder} needs exactly one narrator preset (found: {found}); "
                f"set narrator in {CASTING_FILE}"
            )
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
    heading = casting.get("heading")
    if heading is not None and heading not in presets:
        raise VoiceError(f"{casting_path}: heading voice {heading!r} is not a preset in {folder}")
    genders = dict(casting.get("genders", {}))
    for speaker, gender in genders.items():
        if gender not in GENDERS:
            raise VoiceError(
                f"{casting_path}: [genders] {speaker!r} = {gender!r}; a gender is one of {', '.join(GENDERS)}"
            )
    lexicon = {}
    if (folder / LEXICON_FILE).exists():
        lexicon = load_lexicon(folder / LEXICON_FILE)
    return VoiceBook(presets, narrator, pool, default_quote, pinned, folder, lexicon, genders, heading)


def _derive(stub: VoicePreset, presets: dict[str, VoicePreset]) -> VoicePreset:
    """A derived preset completed from its base: the base's engine, settings and speed (times
    its own), its own name, role, gender, fallback, licence (the base's when it has none),
    description and transform."""
    base = presets.get(stub.base)
    if base is None:
        raise VoiceError(f"voice preset {stub.path}: base {stub.base!r} is not a preset in {stub.path.parent}")
    if base.derived:
        raise VoiceError(f"voice preset {stub.path}: base {stub.base!r} is itself derived; derive from its base")
    return dataclasses.replace(
        base,
        name=stub.name,
        path=stub.path,
        role=stub.role,
        gender=stub.gender,
        fallback=stub.fallback,
        licence=stub.licence or base.licence,
        description=stub.description,
        speed=base.speed * stub.speed,
        base=stub.base,
        pitch_shift=stub.pitch_shift,
        formant_shift=stub.formant_shift,
    )


class Casting:
    """Gives each quoted speaker a voice, the same one for the whole episode.

    Unknown speakers share the default quote voice. Named speakers take the pool's voices in
    turn, the default one last, so that as long as the pool allows, two speakers never share
    a voice and no named speaker sounds like the anonymous quotes. A speaker of known gender
    takes a free voice of that gender (a preset's `gender`; presets without one suit either);
    when all are taken, the least used voice of that gender, never one of the other register
    (while the pool has one of its own). A speaker of unknown gender (a group, a document) takes
    a free voice of the register with the most voices to spare (free voices less the speakers of
    that gender still to come, when `demand` says who is to come), keeping the scarcer one for
    those who need it.
    """

    def __init__(self, book: VoiceBook, demand: list[str | None] | None = None):
        self.book = book
        others = [v for v in book.quote_pool if v != book.default_quote]
        self._order = others + [book.default_quote] if others else [book.default_quote]
        self._assigned: dict[Hashable, str] = {}
        # The gender of every speaker to come, in order (script.speaker_genders), when known.
        self._demand = list(demand or [])

    def gender_of(self, voice: str) -> str | None:
        return self.book.presets[voice].gender if voice in self.book.presets else None

    def voice_for(self, speaker: Hashable | None, gender: str | None = None, names: Iterable[str] = ()) -> str:
        """The voice of `speaker` (any stable identity; its names, for the pins of casting.toml,
        are `names`, or the speaker itself when it is a string)."""
        if speaker is None:
            return self.book.default_quote
        names = [*names, *([speaker] if isinstance(speaker, str) else [])]
        for name in names:
            if name in self.book.pinned:
                return self.book.pinned[name]
        if speaker not in self._assigned:
            taken = set(self._assigned.values()) | set(self.book.pinned.values())
            free = [v for v in self._order if v not in taken]
            suits = [v for v in self._order if gender is None or self.gender_of(v) in (gender, None)]
            free_suits = [v for v in free if v in suits]
            if gender is None and free:
                # Keep the scarcer register for the speakers who will need it: the voices of a
                # register left free, less the speakers of that gender still to come.
                to_come = self._demand[len(self._assigned) + 1 :]
                spare = {g: sum(self.gender_of(v) == g for v in free) - to_come.count(g) for g in GENDERS}
                free_suits = sorted(free, key=lambda v: -spare.get(self.gender_of(v), len(free)))
            if free_suits or (free and gender is None):
                voice = (free_suits or free)[0]
            elif suits and gender is not None:
                # Every voice of that gender taken: share the least used one rather than speak
                # in the other register (a man heard as a woman is a wrong attribution too).
                shared = [v for v in suits if v != self.book.default_quote] or suits
                used = [list(self._assigned.values()).count(v) for v in shared]
                voice = shared[used.index(min(used))]
            elif free:
                voice = free[0]
            else:
                voice = self._order[len(self._assigned) % len(self._order)]
            self._assigned[speaker] = voice
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
        raise InputError(
            f'lexicon {path}: entries must be "word" = "pronunciation" strings (bad: {", ".join(map(str, bad[:3]))})'
        )
    return dict(entries)
