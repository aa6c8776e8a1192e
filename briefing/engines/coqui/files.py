"""The files of one Coqui model on disk: found, checked and named before anything is loaded.

A model is a checkpoint, a config.json and the files the config names (a speaker list, language
ids, d-vectors, a speaker encoder, mel statistics), plus a vocoder for spectrogram models. The
configs Coqui ships name those files by absolute paths of the machine they were made on (the
css10 VITS names `.../huggingface/hub/models--neongeckocom--tts-vits-css10-fr/snapshots/<rev>/
speaker_ids.json`); Coqui rewrites them only inside its own download. Here a path that does not
exist is looked for beside the config (by its own name, then by the names Coqui gives such files),
in memory: nothing on disk is changed, and a copied model folder loads as well as a downloaded one.
When a file cannot be found the error names the field, the path and the folder searched.

Nothing here imports torch: locating and the cache identity are cheap disk reads.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from briefing.engines.coqui import zoo
from briefing.model import VoicePreset

# Checkpoint names Coqui's ModelManager looks for in a downloaded model folder.
CHECKPOINT_NAMES = ("model_file.pth", "model_file.pth.tar", "model.pth", "checkpoint.pth")

# Config fields that name a file, with the names Coqui gives that file in a model folder
# (TTS.utils.manage.ModelManager._update_paths). Looked for at the top level and in model_args.
PATH_FIELDS = {
    "speakers_file": ("speaker_ids.json", "speaker_ids.pth"),
    "d_vector_file": ("speakers.json", "speakers.pth"),
    "language_ids_file": ("language_ids.json",),
    "speaker_encoder_model_path": ("model_se.pth", "model_se.pth.tar"),
    "speaker_encoder_config_path": ("config_se.json",),
}
# Fields a model can do without: the speaker encoder only serves cloning from a recording.
OPTIONAL_FIELDS = {"speaker_encoder_model_path", "speaker_encoder_config_path"}


class ModelFilesError(Exception):
    """A model's files are missing or incomplete; the message says which and where."""


@dataclass(frozen=True)
class ModelFiles:
    """Where one model's files are. `checkpoint` is a file (or a folder, for XTTS given as one)."""

    label: str  # the zoo id, or the config path of a local model: how messages name it
    checkpoint: Path
    config: Path
    revision: str | None = None  # the Hub snapshot's revision
    vocoder: ModelFiles | None = None
    whole_folder: bool = False  # a downloaded folder: every file in it belongs to the model

    @property
    def folder(self) -> Path:
        return self.config.parent

    def raw_config(self) -> dict:
        """config.json as written (JSON; Coqui also accepts // comments in old configs)."""
        try:
            text = self.config.read_text(encoding="utf-8")
        except OSError as exc:
            raise ModelFilesError(f"cannot read {self.config} ({exc.strerror or exc})") from None
        try:
            return json.loads(text)
        except ValueError:
            import re

            stripped = re.sub(r"(\"(?:[^\"\\]|\\.)*\")|(/\*(?:.|[\n\r])*?\*/)|(//.*)", lambda m: m.group(1) or "", text)
            try:
                return json.loads(stripped)
            except ValueError as exc:
                raise ModelFilesError(f"{self.config} is not valid JSON ({exc})") from None

    def resolved_config(self) -> tuple[dict, list[str]]:
        """config.json with every file it names pointing at a file that exists here, and notes
        on what was changed or dropped. Raises ModelFilesError naming a file that cannot be found."""
        return resolve_paths(self.raw_config(), self.folder)

    def files(self) -> list[Path]:
        """Every file the model's sound depends on (the vocoder's too), for the cache key."""
        found: list[Path] = []
        if self.whole_folder:
            found += sorted(p for p in self.folder.iterdir() if p.is_file())
        else:
            found += [self.checkpoint, self.config]
            if self.checkpoint.is_dir():
                found += sorted(p for p in self.checkpoint.iterdir() if p.is_file())
            try:
                config, _ = self.resolved_config()
                found += [Path(p) for p in referenced_files(config)]
            except ModelFilesError:
                pass  # the load will say what is wrong; the key still changes with the config
        if self.vocoder is not None:
            found += self.vocoder.files()
        return found

    def identity(self) -> dict:
        """What changes when the model does, without reading it: each file's name, size and
        modification time, and the Hub revision (a new download or a retrained model changes it)."""
        stats = []
        for path in self.files():
            try:
                st = path.stat()  # follows the Hub's snapshot symlinks to their blobs
                stats.append((str(path), st.st_size, st.st_mtime_ns))
            except OSError:
                stats.append((str(path), None, None))
        ident = {"files": stats, "revision": self.revision}
        if self.vocoder is not None:
            ident["vocoder_revision"] = self.vocoder.revision
        return ident


def find_checkpoint(folder: Path) -> Path | None:
    """The checkpoint in a model folder, as Coqui's ModelManager finds it."""
    for name in CHECKPOINT_NAMES:
        if (folder / name).is_file():
            return folder / name
    side_files = ("model_se.", "speakers", "mel_stats.", "dvae.")  # a speaker encoder, d-vectors, XTTS's extras
    found = [p for p in folder.rglob("*.pt*") if p.is_file() and not p.name.startswith(side_files)]
    return found[0] if len(found) == 1 else None


def locate_zoo(name: str) -> ModelFiles:
    """The files of zoo model `name` (and its default vocoder) on this disk, or ModelFilesError."""
    entry = zoo.item(name)
    if entry is None:
        raise ModelFilesError(
            f"unknown Coqui model {name!r}; French and multilingual models: {', '.join(zoo.french_model_names())}"
        )
    not_downloaded = f"Coqui model {name} is not downloaded ({zoo.DOWNLOAD_HINT})"
    revision = None
    if "repo_id" in entry:
        snapshot = zoo.hub_snapshot(entry["repo_id"])
        if snapshot is None:
            raise ModelFilesError(not_downloaded)
        folder, revision = snapshot
    else:
        folder = zoo.zoo_folder(name)
        if not (folder / "config.json").is_file():
            raise ModelFilesError(not_downloaded)
    checkpoint = find_checkpoint(folder)
    if checkpoint is None:
        raise ModelFilesError(
            f"Coqui model {name} in {folder} has no checkpoint ({', '.join(CHECKPOINT_NAMES)}); {zoo.DOWNLOAD_HINT}"
        )
    vocoder = locate_zoo(entry["default_vocoder"]) if entry.get("default_vocoder") else None
    return ModelFiles(name, checkpoint, folder / "config.json", revision, vocoder, whole_folder=True)


def locate_local(preset: VoicePreset) -> ModelFiles:
    """A preset's model_path and config_path (relative ones taken from the preset's folder)."""
    base = preset.path.parent if preset.path is not None else Path.cwd()
    model = base / Path(preset.get("model_path")).expanduser()
    if preset.get("config_path"):
        config = base / Path(preset.get("config_path")).expanduser()
    elif model.is_dir():
        config = model / "config.json"
    else:
        raise ModelFilesError(f"preset {preset.name!r} gives model_path but no config_path")
    for path in (model, config):
        if not path.exists():
            raise ModelFilesError(f"Coqui model file {path} does not exist")
    checkpoint = model
    if model.is_dir():
        checkpoint = find_checkpoint(model)
        if checkpoint is None:
            raise ModelFilesError(f"Coqui model folder {model} has no checkpoint ({', '.join(CHECKPOINT_NAMES)})")
    return ModelFiles(str(config), checkpoint, config)


def locate(preset: VoicePreset) -> ModelFiles:
    if preset.get("model_path"):
        return locate_local(preset)
    if not preset.get("model"):
        raise ModelFilesError(f"preset {preset.name!r} names no Coqui model (set model, or model_path and config_path)")
    return locate_zoo(preset.get("model"))


def _field(config: dict, key: str):
    """(holder dict, key) for each place `key` is set: the top level and model_args."""
    places = []
    for holder in (config, config.get("model_args")):
        if isinstance(holder, dict) and holder.get(key):
            places.append(holder)
    return places


def resolve_paths(config: dict, folder: Path) -> tuple[dict, list[str]]:
    """Point each file field of `config` at an existing file, searching `folder`; see the module doc."""
    config = json.loads(json.dumps(config))  # a deep copy: the caller's dict stays as read
    notes: list[str] = []
    audio = config.get("audio") if isinstance(config.get("audio"), dict) else None
    for key, names in PATH_FIELDS.items():
        for holder in _field(config, key):
            value = holder[key]
            values = value if isinstance(value, list) else [value]
            resolved = []
            for one in values:
                found = _find(str(one), folder, names)
                if found is None:
                    if key in OPTIONAL_FIELDS:
                        notes.append(f"{key} {one} not found: cloning from a recording is off")
                        resolved = None
                        break
                    wanted = ", ".join(dict.fromkeys([Path(str(one)).name, *names]))
                    raise ModelFilesError(
                        f"{folder / 'config.json'}: {key} is {one}, which does not exist here, "
                        f"and {folder} holds no {wanted}"
                    )
                if str(found) != str(one):
                    notes.append(f"{key}: {one} -> {found}")
                resolved.append(str(found))
            if resolved is None:
                holder[key] = None
            else:
                holder[key] = resolved if isinstance(value, list) else resolved[0]
    if audio is not None and audio.get("stats_path"):
        found = _find(str(audio["stats_path"]), folder, ("scale_stats.npy",))
        if found is not None:
            audio["stats_path"] = str(found)
        elif audio.get("signal_norm", True):
            raise ModelFilesError(
                f"{folder / 'config.json'}: audio.stats_path is {audio['stats_path']}, which does not exist here, "
                f"and {folder} holds no scale_stats.npy"
            )
        else:
            audio["stats_path"] = None  # unused without signal normalisation
    return config, notes


def _find(value: str, folder: Path, names: tuple[str, ...]) -> Path | None:
    path = Path(value).expanduser()
    if not path.is_absolute():
        path = folder / path
    if path.is_file():
        return path
    for name in dict.fromkeys([Path(value).name, *names]):
        if name and (folder / name).is_file():
            return folder / name
    return None


def referenced_files(config: dict) -> list[str]:
    """The files a resolved config names."""
    out = []
    for key in PATH_FIELDS:
        for holder in _field(config, key):
            value = holder[key]
            out += value if isinstance(value, list) else [value]
    audio = config.get("audio")
    if isinstance(audio, dict) and audio.get("stats_path"):
        out.append(audio["stats_path"])
    return [str(p) for p in out if p]
