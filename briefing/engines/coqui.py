"""Coqui TTS (the `coqui-tts` package, `import TTS`): neural French voices on CPU or GPU.

A preset names a model-zoo id (`model = "tts_models/fr/css10/vits"`) or a local model
(`model_path` + `config_path`, relative to the preset's folder). Zoo models are downloaded once
into Coqui's cache (`$TTS_HOME`, else `$XDG_DATA_HOME/tts`, else `~/.local/share/tts`; models
hosted on the Hugging Face Hub go to its cache) by `obtain()`, which `--engine coqui` and
`briefing voices --download` call; `unavailable_reason()` only looks at the disk, so
`--engine auto` and `briefing voices` never touch the network.

Inference: each model is loaded once per process and shared by every preset that names it.
VITS models (css10, your_tts, local VITS) run through a lean path: the training-only
discriminator is dropped and weight normalisation folded into plain weights once at load, then
each segment is one `Vits.synthesize()` under `torch.inference_mode()`. On CPU, when onnxruntime
is installed, the second half of that synthesis (the reverse flow and the HiFi-GAN decoder, ~90 %
of the work) runs on ONNX Runtime instead, from a graph exported once per model and cached
(see `coqui_onnx`); the seeded torch front end draws the noise, so both paths give the same
audio. On a CPU that computes bfloat16 natively (AVX512-BF16 or AMX), with the `openvino` package
installed, that half runs on OpenVINO instead, with the decoder's wide upsampling stages in
bfloat16 (~1.3x faster, the audio within ~60 dB of float32's; see `coqui_onnx`).
`BRIEFING_COQUI_PRECISION=fp32` turns bfloat16 off, `bf16` asks for it; `BRIEFING_COQUI_RUNTIME=torch`
keeps everything in torch (float32). Other models
(Tacotron2 + vocoder, XTTS) go through `TTS.tts()` with Coqui's English sentence splitter off.
Segments are seeded from their text and voice, so the same segment always sounds the same,
whatever the order or the number of jobs. One model never runs on two threads at once: the
engine holds a lock while it synthesises (torch already uses every core for one segment).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import json
import logging
import os
import re
import shutil
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from briefing.engines.base import Audio, Engine
from briefing.errors import EngineUnavailable, RenderError, UsageError, VoiceError
from briefing.voices import VoicePreset

log = logging.getLogger(__name__)

DEVICES = ("auto", "cpu", "cuda")
RUNTIME_ENV = "BRIEFING_COQUI_RUNTIME"
RUNTIMES = ("auto", "torch")  # auto: ONNX Runtime or OpenVINO for VITS on CPU when they import; torch: never
PRECISION_ENV = "BRIEFING_COQUI_PRECISION"
PRECISIONS = ("auto", "fp32", "bf16")  # auto: bf16 where the CPU computes it natively and openvino is installed
DOWNLOAD_HINT = "run `briefing voices --download` once on a machine with internet, or give the preset model_path and config_path"
INSTALL_HINT = "install the Coqui extra: pip install torch==2.9.1 torchaudio==2.9.1 && pip install -e '.[coqui]' (or run `make run`)"
# Checkpoint names Coqui's ModelManager looks for in a downloaded model folder.
CHECKPOINT_NAMES = ("model_file.pth", "model_file.pth.tar", "model.pth", "checkpoint.pth")


# --- What is on this disk (no torch import, no network) -------------------------------------


def _tts_package_dir() -> Path | None:
    spec = importlib.util.find_spec("TTS")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@functools.lru_cache(maxsize=1)
def zoo_catalogue() -> dict:
    """Coqui's model list (TTS/.models.json as installed), or {} without coqui-tts."""
    package = _tts_package_dir()
    if package is None:
        return {}
    try:
        return json.loads((package / ".models.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def zoo_item(name: str) -> dict | None:
    """The catalogue entry of a zoo id such as tts_models/fr/css10/vits (None when unknown)."""
    parts = name.split("/")
    if len(parts) != 4:
        return None
    if parts[2] == "fairseq":  # Meta's MMS models: any ISO code, not listed in the catalogue
        return {"license": "CC BY-NC 4.0", "github_rls_url": "fairseq"}
    kind, lang, dataset, model = parts
    return zoo_catalogue().get(kind, {}).get(lang, {}).get(dataset, {}).get(model)


def coqui_cache_dir() -> Path:
    """Where Coqui keeps downloaded models (trainer.io.get_user_data_dir("tts"), without importing it)."""
    for var in ("TTS_HOME", "XDG_DATA_HOME"):
        if os.environ.get(var):
            return Path(os.environ[var]).expanduser().resolve() / "tts"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "tts"
    if sys.platform == "win32":  # pragma: no cover - the registry lookup lives in trainer
        from trainer.io import get_user_data_dir

        return get_user_data_dir("tts")
    return Path.home() / ".local" / "share" / "tts"


def zoo_folder(name: str) -> Path:
    return coqui_cache_dir() / name.replace("/", "--")


def _hub_cached(repo_id: str) -> bool:
    """Whether the Hugging Face Hub cache holds a snapshot of `repo_id` (no network)."""
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return False
    found = try_to_load_from_cache(repo_id, "config.json")
    return isinstance(found, str)


def _zoo_missing(name: str) -> str | None:
    """None when zoo model `name` (and its default vocoder) is on disk, else why not."""
    item = zoo_item(name)
    if item is None:
        french = [m for m in zoo_model_names() if m.startswith("tts_models/fr/") or "multilingual" in m]
        return f"unknown Coqui model {name!r}; French and multilingual models: {', '.join(french)}"
    if "repo_id" in item:
        present = _hub_cached(item["repo_id"])
    else:
        folder = zoo_folder(name)
        present = folder.is_dir() and (folder / "config.json").is_file() and (
            any((folder / n).is_file() for n in CHECKPOINT_NAMES) or any(folder.rglob("*.pt*"))
        )
    if not present:
        return f"Coqui model {name} is not downloaded ({DOWNLOAD_HINT})"
    if item.get("tos_required") and not _tos_agreed(name):
        return f"Coqui model {name} needs its licence (CPML) accepted: set COQUI_TOS_AGREED=1 if you agree to it"
    vocoder = item.get("default_vocoder")
    if vocoder:
        return _zoo_missing(vocoder)
    return None


def _tos_agreed(name: str) -> bool:
    return os.environ.get("COQUI_TOS_AGREED") == "1" or (zoo_folder(name) / "tos_agreed.txt").is_file()


def zoo_model_names() -> list[str]:
    names = []
    for kind, langs in zoo_catalogue().items():
        for lang, datasets in langs.items():
            for dataset, models in datasets.items():
                names += [f"{kind}/{lang}/{dataset}/{model}" for model in models]
    return sorted(n for n in names if n.startswith("tts_models/"))


def local_files(preset: VoicePreset) -> tuple[Path, Path | None] | None:
    """A preset's model_path and config_path, relative paths taken from its folder."""
    if not preset.model_path:
        return None
    base = preset.path.parent if preset.path is not None else Path.cwd()
    model = base / Path(preset.model_path).expanduser()
    config = base / Path(preset.config_path).expanduser() if preset.config_path else None
    return model, config


def speaker_wav_path(preset: VoicePreset) -> str | None:
    if not preset.speaker_wav:
        return None
    base = preset.path.parent if preset.path is not None else Path.cwd()
    return str(base / Path(preset.speaker_wav).expanduser())


def _model_missing(preset: VoicePreset) -> str | None:
    files = local_files(preset)
    if files is not None:
        model, config = files
        if config is None and not model.is_dir():
            return f"preset {preset.name!r} gives model_path but no config_path"
        for path in (model, config):
            if path is not None and not path.exists():
                return f"Coqui model file {path} does not exist"
        return None
    if not preset.model:
        return f"preset {preset.name!r} names no Coqui model (set model, or model_path and config_path)"
    return _zoo_missing(preset.model)


def _model_files(preset: VoicePreset) -> list[Path]:
    """The files a preset's audio depends on: its local model and config, or its zoo folder's
    files (the vocoder's too), and a reference recording."""
    files = local_files(preset)
    found: list[Path] = []
    if files is not None:
        found += [p for p in files if p is not None]
    elif preset.model:
        names = [preset.model]
        item = zoo_item(preset.model) or {}
        if item.get("default_vocoder"):
            names.append(item["default_vocoder"])
        for name in names:
            folder = zoo_folder(name)
            if folder.is_dir():
                found += sorted(p for p in folder.iterdir() if p.is_file())
    wav = speaker_wav_path(preset)
    if wav:
        found.append(Path(wav))
    return found


@functools.lru_cache(maxsize=1)
def _import_problem(force: bool = False) -> str | None:
    """None when torch and coqui-tts import here, else the one-line reason (imported once).

    Importing them takes seconds, and `--engine auto` asks on every run, also when every
    segment will come from the cache. A successful import is remembered in the user cache
    folder for this exact set of installed versions, so later runs need not import anything
    unless they synthesise (`load()` imports for real, with `force`)."""
    for module in ("torch", "TTS"):
        if importlib.util.find_spec(module) is None:
            return f"{'PyTorch' if module == 'torch' else 'coqui-tts'} is not installed ({INSTALL_HINT})"
    marker = _import_marker()
    if not force and marker is not None and marker.exists():
        return None
    try:
        import torch  # noqa: F401
        from TTS.api import TTS  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - any import failure means Coqui cannot run here
        return f"coqui-tts cannot be imported ({type(exc).__name__}: {exc}); {INSTALL_HINT}"
    if marker is not None:
        try:
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.touch()
        except OSError:
            pass
    return None


def _import_marker() -> Path | None:
    """A file named after the installed versions of what `_import_problem` imports."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        import platformdirs

        versions = [sys.version, sys.prefix]
        for dist in ("torch", "torchaudio", "torchcodec", "coqui-tts", "numpy"):
            try:
                versions.append(f"{dist}={version(dist)}")
            except PackageNotFoundError:
                versions.append(f"{dist}=-")
    except Exception:  # noqa: BLE001 - no marker: import every time, as before
        return None
    digest = hashlib.sha256("|".join(versions).encode()).hexdigest()[:16]
    return Path(platformdirs.user_cache_dir("briefing", appauthor=False)) / f"coqui-imports-ok-{digest}"


# --- Loaded models ---------------------------------------------------------------------------


@dataclass
class LoadedModel:
    """One Coqui model in memory, shared by the presets that name it."""

    tts: object  # TTS.api.TTS
    sample_rate: int
    vits: object | None  # the Vits module when the lean path applies
    base_length_scale: float
    speakers: tuple[str, ...]
    languages: tuple[str, ...]
    onnx: object | None = None  # coqui_onnx.OnnxVits or OpenVinoVits: the VITS flow and decoder off torch
    back: object | None = None  # coqui_onnx.VitsBackEnd: the same half in torch, for a mismatched call

    @property
    def runtime(self) -> str:
        return self.onnx.runtime if self.onnx is not None else "torch"


def fold_weight_norm(module) -> int:
    """Replace every weight-norm parametrisation of `module` by the plain weight it computes.

    Weight norm is a training device: at inference it recomputes each conv weight from its
    direction and norm on every call. Folding it once gives the same weights and saves that work.
    Returns how many parametrisations were removed.
    """
    from torch.nn.utils import parametrize

    removed = 0
    for sub in module.modules():
        if parametrize.is_parametrized(sub):
            for name in list(sub.parametrizations.keys()):
                parametrize.remove_parametrizations(sub, name, leave_parametrized=True)
                removed += 1
        elif hasattr(sub, "weight_g") and hasattr(sub, "weight_v"):  # the old torch.nn.utils.weight_norm
            from torch.nn.utils import remove_weight_norm

            remove_weight_norm(sub)
            removed += 1
    return removed


def lean_vits(vits) -> None:
    """Prepare a loaded Vits for inference only: no discriminator, weight norm folded, eval mode."""
    vits.disc = None  # the training discriminator: ~10 M parameters never used to speak
    fold_weight_norm(vits)
    vits.eval()


@contextlib.contextmanager
def _hub_offline(enabled: bool):
    """Make the Hugging Face Hub client use its cache only (the model is known to be there)."""
    if not enabled:
        yield
        return
    try:
        from huggingface_hub import constants
    except ImportError:
        yield
        return
    saved = constants.HF_HUB_OFFLINE
    constants.HF_HUB_OFFLINE = True
    try:
        yield
    finally:
        constants.HF_HUB_OFFLINE = saved


def segment_seed(text: str, preset: VoicePreset) -> int:
    """A seed from what is said and by which voice: the same segment always gets the same noise."""
    key = json.dumps([text, preset.identity()], sort_keys=True, ensure_ascii=False, default=str)
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "little") & 0x7FFF_FFFF_FFFF_FFFF


def resolve_runtime() -> str:
    """The runtime asked for by BRIEFING_COQUI_RUNTIME (auto when unset)."""
    runtime = os.environ.get(RUNTIME_ENV, "").strip().lower() or "auto"
    if runtime not in RUNTIMES:
        raise UsageError(f"{RUNTIME_ENV}={runtime!r}: choose one of: {', '.join(RUNTIMES)}")
    return runtime


def asked_precision() -> str:
    """BRIEFING_COQUI_PRECISION as written (auto when unset), not yet checked."""
    return os.environ.get(PRECISION_ENV, "").strip().lower() or "auto"


def resolve_precision() -> str:
    """The precision asked for by BRIEFING_COQUI_PRECISION, checked."""
    precision = asked_precision()
    if precision not in PRECISIONS:
        raise UsageError(f"{PRECISION_ENV}={precision!r}: choose one of: {', '.join(PRECISIONS)}")
    return precision


def resolve_device(device: str) -> str:
    """`auto` -> cuda when torch sees a GPU, else cpu; `cuda` without a GPU is a usage error."""
    if device not in DEVICES:
        raise UsageError(f"unknown device {device!r}; choose one of: {', '.join(DEVICES)}")
    import torch

    has_cuda = torch.cuda.is_available()
    if device == "auto":
        return "cuda" if has_cuda else "cpu"
    if device == "cuda" and not has_cuda:
        raise EngineUnavailable("--device cuda: PyTorch sees no CUDA GPU on this machine; use --device cpu (or auto)")
    return device


class CoquiEngine(Engine):
    """Coqui TTS models, loaded once each and reused for every segment."""

    name = "coqui"

    def __init__(self, device: str = "cpu", runtime: str = "auto", precision: str = "auto"):
        self.device = device
        self.runtime = runtime
        self.precision = precision
        self._models: dict[tuple, LoadedModel] = {}
        self._lock = threading.Lock()  # one synthesis at a time: Coqui models are not re-entrant
        self._warned_speed: set[str] = set()

    @classmethod
    def unavailable_reason(cls, preset: VoicePreset) -> str | None:
        # Disk checks first: a machine without the model never pays for importing torch.
        if _tts_package_dir() is None or importlib.util.find_spec("torch") is None:
            return f"coqui-tts is not installed ({INSTALL_HINT})"
        missing = _model_missing(preset)
        if missing:
            return missing
        return _import_problem()

    @classmethod
    def obtain(cls, preset: VoicePreset) -> str | None:
        """Download the preset's zoo model (and vocoder) into Coqui's cache when it is missing."""
        if _tts_package_dir() is None or importlib.util.find_spec("torch") is None:
            return f"coqui-tts is not installed ({INSTALL_HINT})"
        if preset.model and not preset.model_path:
            item = zoo_item(preset.model)
            if item is not None and _zoo_missing(preset.model) and not _tos_needed_and_missing(preset.model, item):
                problem = download(preset.model)
                if problem:
                    return problem
        return cls.unavailable_reason(preset)

    @classmethod
    def check_device(cls, device: str) -> None:
        if device == "cuda":  # auto and cpu always work; only an explicit cuda can be refused
            resolve_device(device)

    @classmethod
    def cache_identity(cls, preset: VoicePreset) -> dict:
        """The preset, coqui-tts's version and each model file's name, size and mtime (a new
        download or a retrained model changes the key; nothing is read or loaded)."""
        try:
            from importlib.metadata import version

            tts_version = version("coqui-tts")
        except Exception:  # noqa: BLE001 - not installed: the key still differs from an installed one
            tts_version = ""
        files = []
        for path in _model_files(preset):
            try:
                st = path.stat()
                files.append((str(path), st.st_size, st.st_mtime_ns))
            except OSError:
                files.append((str(path), None, None))
        # The precision asked for, not the one it resolves to (that would import torch and
        # openvino): a cache lives on one machine, where auto always resolves the same way.
        return {**super().cache_identity(preset), "coqui-tts": tts_version, "files": files, "precision": asked_precision()}

    @classmethod
    def load(cls, device: str = "auto") -> "CoquiEngine":
        problem = _import_problem(force=True)
        if problem:
            raise EngineUnavailable(problem)
        device, runtime, precision = resolve_device(device), resolve_runtime(), resolve_precision()
        if precision == "bf16" and (device != "cpu" or runtime == "torch" or importlib.util.find_spec("openvino") is None):
            raise UsageError(f"{PRECISION_ENV}=bf16 runs the VITS decoder on OpenVINO, on the CPU: it needs "
                             f"the openvino package (pip install openvino), --device cpu and {RUNTIME_ENV} unset")
        return cls(device, runtime, precision)

    # -- models --

    def _key(self, preset: VoicePreset) -> tuple:
        files = local_files(preset)
        if files is not None:
            return ("path", str(files[0].resolve()), str(files[1].resolve()) if files[1] else None)
        return ("zoo", preset.model)

    def model(self, preset: VoicePreset) -> LoadedModel:
        """The loaded model of `preset`, loading it on first use (under the engine's lock)."""
        key = self._key(preset)
        loaded = self._models.get(key)
        if loaded is None:
            reason = self.unavailable_reason(preset)
            if reason:
                raise EngineUnavailable(f"voice {preset.name!r}: {reason}")
            loaded = self._models[key] = self._load_model(preset)
        return loaded

    def _load_model(self, preset: VoicePreset) -> LoadedModel:
        from TTS.api import TTS
        from TTS.tts.models.vits import Vits

        what = preset.model or preset.model_path
        try:
            files = local_files(preset)
            if files is not None:
                model_path, config_path = files
                with _coqui_logs_at(logging.ERROR):
                    tts = TTS(model_path=str(model_path), config_path=str(config_path) if config_path else None, progress_bar=False)
            else:
                item = zoo_item(preset.model) or {}
                with _hub_offline("repo_id" in item), _coqui_logs_at(logging.ERROR):
                    tts = TTS(preset.model, progress_bar=False)
            tts.to(self.device)
        except (OSError, ValueError, KeyError, RuntimeError, TypeError, AttributeError) as exc:
            raise RenderError(f"voice {preset.name!r}: cannot load Coqui model {what} ({type(exc).__name__}: {exc})") from exc
        synth = tts.synthesizer
        vits = synth.tts_model if isinstance(synth.tts_model, Vits) and synth.vocoder_model is None else None
        onnx = back = None
        if vits is not None:
            lean_vits(vits)
            onnx, back = self._onnx(vits, what)
        speakers = tuple(tts.speakers or ()) if tts.is_multi_speaker else ()
        languages = tuple(tts.languages or ()) if tts.is_multi_lingual else ()
        log.debug("loaded Coqui model %s on %s (%s, %d Hz)", what, self.device, type(synth.tts_model).__name__, synth.output_sample_rate)
        return LoadedModel(
            tts=tts,
            sample_rate=int(synth.output_sample_rate),
            vits=vits,
            base_length_scale=float(getattr(vits, "length_scale", 1.0) or 1.0),
            speakers=speakers,
            languages=languages,
            onnx=onnx,
            back=back,
        )

    def _onnx(self, vits, what) -> tuple[object | None, object | None]:
        """The VITS back half on OpenVINO (bfloat16) or ONNX Runtime when one applies here, else
        (None, None): torch."""
        if self.runtime == "torch" or self.device != "cpu":
            return None, None
        if importlib.util.find_spec("onnx") is None:
            log.debug("Coqui model %s stays on torch: onnx (torch's ONNX exporter needs it) is not installed", what)
            return None, None
        import torch

        from briefing.engines import coqui_onnx

        reason = coqui_onnx.unsupported(vits)
        if reason:
            log.debug("Coqui model %s stays on torch: %s", what, reason)
            return None, None
        threads = torch.get_num_threads()
        if self.precision == "bf16" or (self.precision == "auto" and coqui_onnx.openvino_bf16()):
            reason = coqui_onnx.split_unsupported(vits)
            if reason:
                log.debug("Coqui model %s stays in float32: %s", what, reason)
            else:
                try:
                    return coqui_onnx.load_openvino(vits, threads), coqui_onnx.VitsBackEnd(vits).eval()
                except Exception as exc:  # noqa: BLE001 - any export or compile failure leaves the float32 paths
                    log.warning("Coqui model %s: OpenVINO unavailable for it (%s: %s); using float32", what, type(exc).__name__, exc)
        if importlib.util.find_spec("onnxruntime") is None:
            log.debug("Coqui model %s stays on torch: onnxruntime is not installed", what)
            return None, None
        try:
            onnx = coqui_onnx.load(vits, threads=threads)
        except Exception as exc:  # noqa: BLE001 - any export or runtime failure leaves the torch path, which works
            log.warning("Coqui model %s: ONNX Runtime unavailable for it (%s: %s); using torch", what, type(exc).__name__, exc)
            return None, None
        return onnx, coqui_onnx.VitsBackEnd(vits).eval()

    def prepare(self, preset: VoicePreset) -> None:
        """Load `preset`'s model now and check its speaker and language against it."""
        with self._lock:
            loaded = self.model(preset)
        where = f"voice preset {preset.path or preset.name}"
        if loaded.speakers and not preset.speaker and not preset.speaker_wav:
            raise VoiceError(f"{where}: model {preset.model or preset.model_path} has several speakers; set speaker to one of: {', '.join(loaded.speakers)}")
        if preset.speaker and not loaded.speakers:
            raise VoiceError(f"{where}: model {preset.model or preset.model_path} has a single speaker; remove speaker = {preset.speaker!r}")
        if preset.speaker and preset.speaker not in loaded.speakers and not preset.speaker_wav:
            raise VoiceError(f"{where}: unknown speaker {preset.speaker!r}; speakers of this model: {', '.join(loaded.speakers)}")
        if loaded.languages and not preset.language:
            raise VoiceError(f"{where}: model {preset.model or preset.model_path} is multilingual; set language to one of: {', '.join(loaded.languages)}")
        if preset.language and loaded.languages and preset.language not in loaded.languages:
            raise VoiceError(f"{where}: unknown language {preset.language!r}; languages of this model: {', '.join(loaded.languages)}")
        if preset.language and not loaded.languages:
            raise VoiceError(f"{where}: model {preset.model or preset.model_path} speaks one language; remove language = {preset.language!r}")
        wav = speaker_wav_path(preset)
        if wav and not Path(wav).is_file():
            raise VoiceError(f"{where}: speaker_wav {wav} does not exist")

    # -- synthesis --

    def synthesize(self, text: str, preset: VoicePreset) -> Audio:
        import torch

        with self._lock:
            loaded = self.model(preset)
            torch.manual_seed(segment_seed(text, preset))
            with torch.inference_mode(), _coqui_logs_at(logging.ERROR):
                samples = self._speak(loaded, text, preset)
        samples = np.asarray(samples, dtype=np.float32).reshape(-1)
        return Audio(np.ascontiguousarray(np.clip(samples, -1.0, 1.0)), loaded.sample_rate)

    def _speak(self, loaded: LoadedModel, text: str, preset: VoicePreset):
        import torch

        speaker_wav = speaker_wav_path(preset)
        if loaded.vits is not None:
            vits = loaded.vits
            # VITS speed: durations are multiplied by length_scale, so a faster voice is a smaller one.
            vits.length_scale = loaded.base_length_scale / preset.speed
            kwargs = dict(speaker=preset.speaker, language=preset.language, speaker_wav=speaker_wav, voice_dir=loaded.tts.synthesizer.voice_dir)
            if loaded.onnx is None:
                return vits.synthesize(text, **kwargs)["wav"]
            from briefing.engines.coqui_onnx import front_end

            # torch up to the noise (seeded above), then ONNX Runtime for the flow and decoder
            z_p, y_mask, g = front_end(vits, text, **kwargs)
            if (g is not None) != loaded.onnx.conditioned:  # e.g. a multi-speaker model asked without a speaker
                return loaded.back(z_p, y_mask, g).numpy().reshape(-1)
            return loaded.onnx(z_p, y_mask, g).reshape(-1)
        kwargs = {}
        if "xtts" in type(loaded.tts.synthesizer.tts_model).__name__.lower():
            kwargs["speed"] = preset.speed
        elif preset.speed != 1.0 and preset.name not in self._warned_speed:
            self._warned_speed.add(preset.name)
            log.warning("voice %r: this Coqui model has no speed control; speed %.2f is ignored", preset.name, preset.speed)
        wav = loaded.tts.tts(
            text,
            speaker=preset.speaker if loaded.speakers else None,
            language=preset.language if loaded.languages else None,
            speaker_wav=speaker_wav,
            split_sentences=False,  # Coqui's splitter uses English pysbd rules; the Script has already cut
            **kwargs,
        )
        if isinstance(wav, torch.Tensor):
            wav = wav.cpu().numpy()
        return wav

    def describe(self, preset: VoicePreset) -> str:
        what = preset.model or preset.model_path
        extra = "".join(f" {k}={v}" for k, v in (("speaker", preset.speaker), ("language", preset.language)) if v)
        loaded = self._models.get(self._key(preset))
        runtime = f" ({loaded.runtime})" if loaded is not None and loaded.vits is not None else ""
        return f"coqui {what}{extra} on {self.device}{runtime}"


def _tos_needed_and_missing(name: str, item: dict) -> bool:
    return bool(item.get("tos_required")) and not _tos_agreed(name)


def download(name: str) -> str | None:
    """Download zoo model `name` (and its vocoder) into Coqui's cache; None or a one-line reason.

    Offline this fails in seconds (name resolution); whatever the failed attempt created (a
    model folder, an empty Hub repo folder) is removed, so the next run sees a clean cache.
    """
    try:
        from TTS.utils.manage import ModelManager
    except Exception as exc:  # noqa: BLE001
        return f"coqui-tts cannot be imported ({type(exc).__name__}: {exc}); {INSTALL_HINT}"
    manager = ModelManager(progress_bar=False)
    names = [name]
    vocoder = (zoo_item(name) or {}).get("default_vocoder")
    if vocoder:
        names.append(vocoder)
    for one in names:
        if _zoo_missing(one) is None:
            continue
        folder, hub_before = zoo_folder(one), _hub_repo_dirs()
        existed = folder.exists()
        log.info("downloading Coqui model %s into %s", one, coqui_cache_dir())
        try:
            with _coqui_logs_at(logging.CRITICAL + 1):
                manager.download_model(one)
        except Exception as exc:  # noqa: BLE001 - requests, httpx and Hub errors all mean "not downloaded"
            if not existed:
                shutil.rmtree(folder, ignore_errors=True)
            _remove_new_hub_dirs(hub_before)
            return f"Coqui model {one} is not downloaded and could not be downloaded ({_network_problem(exc)}); {DOWNLOAD_HINT}"
        log.warning("downloaded Coqui model %s into %s", one, coqui_cache_dir())
    return None


def _network_problem(exc: BaseException) -> str:
    """A short reason for a failed download: the host that could not be reached, or the error."""
    text = " ".join(str(exc).split())
    host = re.search(r"host='([^']+)'", text)
    if host:
        return f"{type(exc).__name__}: cannot reach {host.group(1)}; no network?"
    errno = re.search(r"\[Errno -?\d+\] [A-Za-z ]+?(?=\s+[A-Z]|[.;:)]|$)", text)
    if errno:
        return f"{type(exc).__name__}: {errno.group(0).strip()}; no network?"
    return f"{type(exc).__name__}: {text[:120]}"


@contextlib.contextmanager
def _coqui_logs_at(level: int):
    """Raise the level of Coqui's and the Hub's loggers for a while (their children inherit it).

    Without it their warnings (and the traceback Coqui logs when a download fails) reach
    stderr through Python's last-resort handler, around our one-line messages.
    """
    if log.isEnabledFor(logging.DEBUG):  # --debug: let everything through
        yield
        return
    loggers = [logging.getLogger(n) for n in ("TTS", "huggingface_hub")]
    saved = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(level)
    try:
        yield
    finally:
        for lg, old in zip(loggers, saved):
            lg.setLevel(old)


def _hub_cache_dir() -> Path | None:
    try:
        from huggingface_hub import constants
    except ImportError:
        return None
    return Path(constants.HF_HUB_CACHE)


def _hub_repo_dirs() -> set[str]:
    cache = _hub_cache_dir()
    if cache is None or not cache.is_dir():
        return set()
    return {p.name for p in cache.iterdir()}


def _remove_new_hub_dirs(before: set[str]) -> None:
    """A failed Hub download may leave an empty repo folder behind; remove what it added."""
    cache = _hub_cache_dir()
    if cache is None or not cache.is_dir():
        return
    for path in cache.iterdir():
        if path.name not in before and path.name.startswith("models--"):
            shutil.rmtree(path, ignore_errors=True)
