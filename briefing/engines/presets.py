"""Loading voice presets (voices/NAME.toml), a folder's casting rules and its lexicon.

The engines layer loads presets: each engine checks its own keys (`Engine.check_settings`).

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
from pathlib import Path

from briefing.engines.registry import ENGINE_NAMES, engine_class
from briefing.errors import InputError, VoiceError
from briefing.model import COMMON_KEYS, DERIVED_KEYS, GENDERS, ROLES, VoiceBook, VoicePreset

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

DEFAULT_VOICES_DIR = Path(__file__).resolve().parents[2] / "voices"
CASTING_FILE = "casting.toml"
LEXICON_FILE = "lexicon.toml"


PITCH_SHIFT_RANGE = (-12.0, 12.0)  # semitones
FORMANT_SHIFT_RANGE = (0.7, 1.4)  # ratio


def load_preset(path: Path) -> VoicePreset:
    """Read and check one preset file: the common keys here, the engine's own by the engine."""
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
