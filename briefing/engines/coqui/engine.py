"""The Coqui engine: neural French voices from coqui-tts (`import TTS`) on CPU or GPU.

A preset names a zoo id (`model = "tts_models/fr/css10/vits"`) or a local model (`model_path` +
`config_path`, relative to the preset's folder). `files` finds a model's files on disk (Coqui's
folder or the Hub cache, or the preset's paths) and resolves the paths its config names; `zoo`
downloads (`obtain()`, which `--engine coqui` and `briefing voices --download` call);
`unavailable_reason()` only looks at the disk, so `--engine auto` and `briefing voices` never
touch the network.

Each model is loaded once per process (`models.load_model`, Coqui's own classes, no network) and
shared by every preset that names it; `models` holds the adapter of each architecture (VITS's
lean path and its ONNX Runtime / OpenVINO back half, Tacotron2's bounded decoder that never cuts,
XTTS). Segments are seeded from their text and voice, so the same segment always sounds the
same, whatever the order or the number of jobs. One model never runs on two threads at once: the
engine holds a lock while it synthesises (torch already uses every core for one segment).
`BRIEFING_COQUI_RUNTIME=torch` keeps VITS on torch; `BRIEFING_COQUI_PRECISION=fp32|bf16|auto`
chooses the VITS back half's precision on CPU (see `vits_onnx`).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import json
import logging
import sys
import threading
from pathlib import Path

import numpy as np

from briefing.engines.base import Audio, Engine, Speakers
from briefing.engines.coqui import house, startup, zoo
from briefing.engines.coqui.files import ModelFiles, ModelFilesError, locate, locate_zoo
from briefing.engines.coqui.models import CoquiModel, Spoken, limit_chars, load_model, speakers_on_disk
from briefing.errors import EngineUnavailable, RenderError, UsageError, VoiceError
from briefing.model import VoicePreset
from briefing.options import environment, variable
from briefing.system import timings
from briefing.system.paths import user_cache_dir

log = logging.getLogger(__name__)

# Tuning read from the environment, declared and checked in briefing/options.py (Environment).
RUNTIME_ENV = variable("coqui_runtime")
PRECISION_ENV = variable("coqui_precision")
INSTALL_HINT = zoo.INSTALL_HINT
# XTTS inside coqui-tts 0.28 fails with transformers 5 ('NoneType' object has no attribute
# 'get_seq_length' in gpt_inference.py); it works with 4.57.
XTTS_TRANSFORMERS_BELOW = 5


def speaker_wav_path(preset: VoicePreset) -> str | None:
    if not preset.get("speaker_wav"):
        return None
    base = preset.path.parent if preset.path is not None else Path.cwd()
    return str(base / Path(preset.get("speaker_wav")).expanduser())


def _installed() -> bool:
    return zoo.tts_package_dir() is not None and importlib.util.find_spec("torch") is not None


def _transformers_problem(files: ModelFiles) -> str | None:
    """XTTS needs transformers < 5: say so before a load that would fail deep inside coqui-tts."""
    try:
        if str(files.raw_config().get("model", "")).lower() != "xtts":
            return None
        from importlib.metadata import version

        installed = version("transformers")
    except Exception:  # noqa: BLE001 - not an XTTS, or no transformers: nothing to say here
        return None
    if int(installed.split(".")[0]) >= XTTS_TRANSFORMERS_BELOW:
        return (
            f"XTTS needs transformers < {XTTS_TRANSFORMERS_BELOW} (installed: {installed}); "
            "pip install 'transformers>=4.57,<5'"
        )
    return None


# Bump when the engine's own processing of a model's output changes the audio (part of the cache key).
ENGINE_VERSION = 3  # 3: the OpenVINO back half runs on windows of one shape (vits_onnx.WINDOW_FRAMES)


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
        with startup.one_metadata_scan():
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
        versions = [sys.version, sys.prefix]
        for dist in ("torch", "torchaudio", "torchcodec", "coqui-tts", "numpy"):
            try:
                versions.append(f"{dist}={version(dist)}")
            except PackageNotFoundError:
                versions.append(f"{dist}=-")
    except Exception:  # noqa: BLE001 - no marker: import every time, as before
        return None
    digest = hashlib.sha256("|".join(versions).encode()).hexdigest()[:16]
    return user_cache_dir() / f"coqui-imports-ok-{digest}"


def segment_seed(text: str, preset: VoicePreset) -> int:
    """A seed from what is said and by which voice: the same segment always gets the same noise."""
    key = json.dumps([text, preset.identity()], sort_keys=True, ensure_ascii=False, default=str)
    return int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "little") & 0x7FFF_FFFF_FFFF_FFFF


def resolve_runtime() -> str:
    """The runtime asked for by BRIEFING_COQUI_RUNTIME (auto when unset)."""
    return environment().coqui_runtime


def resolve_precision() -> str:
    """The precision asked for by BRIEFING_COQUI_PRECISION (auto when unset)."""
    return environment().coqui_precision


CUDA_BATCH = 16  # segments per VITS batch on CUDA by default; on the CPU one at a time


def resolve_batch(device: str) -> int:
    """Segments per VITS batch: BRIEFING_COQUI_BATCH, else 16 on CUDA and 1 (no batches) on CPU."""
    asked = environment().coqui_batch
    if asked is None:
        return CUDA_BATCH if device == "cuda" else 1
    return asked


def resolve_device(device: str) -> str:
    """`auto` -> cuda when torch sees a GPU, else cpu; `cuda` without a GPU is a usage error."""
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
    # model: a zoo id (tts_models/fr/css10/vits), or model_path + config_path (a local model,
    # relative to the preset's folder); speaker, language, speaker_wav for multi-speaker,
    # multilingual and cloning models.
    preset_keys = {
        "model": str,
        "model_path": str,
        "config_path": str,
        "speaker": str,
        "language": str,
        "speaker_wav": str,
        "house_voice": str,  # a presenter's recording: every clip converted to that timbre (house.py)
    }
    devices = ("cpu", "cuda")
    neural = True

    @classmethod
    def check_settings(cls, preset: VoicePreset) -> str | None:
        if preset.get("model") and preset.get("model_path"):
            return "give either model (a zoo id) or model_path and config_path, not both"
        if preset.get("config_path") and not preset.get("model_path"):
            return "config_path needs model_path"
        if preset.get("house_voice"):
            return house.check_reference(house.reference_path(preset))
        return None

    @classmethod
    def label(cls, preset: VoicePreset) -> str:
        return preset.get("model") or preset.get("model_path") or ""

    def __init__(self, device: str = "cpu", runtime: str = "auto", precision: str = "auto"):
        self.device = device
        self.runtime = runtime
        self.precision = precision
        self._models: dict[tuple, CoquiModel] = {}  # by model files: presets naming one model share it
        self._by_preset: dict[str, CoquiModel] = {}
        self._lock = threading.Lock()  # one synthesis at a time: Coqui models are not re-entrant
        self.batch_size = resolve_batch(device)
        self._batchers: dict[int, object] = {}
        self._noted: set[str] = set()
        self._house: house.HouseVoices | None = None  # OpenVoice, loaded for the first house voice

    def house(self) -> house.HouseVoices:
        if self._house is None:
            self._house = house.HouseVoices(self.device)
        return self._house

    # -- what is on this disk (no torch, no network) --

    @classmethod
    def unavailable_reason(cls, preset: VoicePreset) -> str | None:
        # Disk checks first: a machine without the model never pays for importing torch.
        if not _installed():
            return f"coqui-tts is not installed ({INSTALL_HINT})"
        try:
            files = locate(preset)
            files.resolved_config()  # a file the config names that cannot be found
        except ModelFilesError as exc:
            return str(exc)
        if preset.get("model") and zoo.needs_tos(preset.get("model")):
            return (
                f"Coqui model {preset.get('model')} needs its licence (CPML) accepted: "
                "set COQUI_TOS_AGREED=1 if you agree to it"
            )
        if preset.get("house_voice"):
            try:
                house.locate_model()
            except ModelFilesError as exc:
                return str(exc)
        return _transformers_problem(files) or _import_problem()

    @classmethod
    def obtain(cls, preset: VoicePreset) -> str | None:
        """Download the preset's zoo model (and vocoder) into Coqui's cache when it is missing."""
        if not _installed():
            return f"coqui-tts is not installed ({INSTALL_HINT})"
        if (
            preset.get("model")
            and not preset.get("model_path")
            and zoo.item(preset.get("model")) is not None
            and not zoo.needs_tos(preset.get("model"))
        ):
            problem = zoo.download(preset.get("model"), missing=_zoo_missing)
            if problem:
                return problem
        if preset.get("house_voice"):
            problem = zoo.download(house.MODEL, missing=_house_missing)
            if problem:
                return problem
        return cls.unavailable_reason(preset)

    @classmethod
    def max_chars(cls, preset: VoicePreset) -> int | None:
        """The longest text one call to this preset's model speaks without being cut (from its config)."""
        try:
            return limit_chars(locate(preset))
        except ModelFilesError:
            return None

    @classmethod
    def speakers(cls, preset: VoicePreset) -> Speakers:
        """The speakers of the preset's model, read from its files (none: one voice, or not here)."""
        try:
            return speakers_on_disk(locate(preset))
        except ModelFilesError:
            return Speakers()

    @classmethod
    def check_device(cls, device: str) -> None:
        if device == "cuda":  # auto and cpu always work; only an explicit cuda can be refused
            resolve_device(device)

    @classmethod
    def cache_identity(cls, preset: VoicePreset) -> dict:
        """The preset, coqui-tts's version, each model file's name, size and mtime (the vocoder's
        and the Hub snapshot's too) and its revision: a new download or a retrained model changes
        the key; nothing is read or loaded."""
        try:
            from importlib.metadata import version

            tts_version = version("coqui-tts")
        except Exception:  # noqa: BLE001 - not installed: the key still differs from an installed one
            tts_version = ""
        try:
            model = locate(preset).identity()
        except ModelFilesError as exc:
            model = {"missing": str(exc)}
        wav = speaker_wav_path(preset)
        if wav:
            try:
                st = Path(wav).stat()
                model["speaker_wav"] = (wav, st.st_size, st.st_mtime_ns)
            except OSError:
                model["speaker_wav"] = (wav, None, None)
        # The precision asked for, not the one it resolves to (that would import torch and
        # openvino): a cache lives on one machine, where auto always resolves the same way.
        if preset.get("house_voice"):
            model["house_voice"] = house.identity(preset)
        return {
            **super().cache_identity(preset),
            "coqui-tts": tts_version,
            "model": model,
            "precision": resolve_precision(),
            "engine_version": ENGINE_VERSION,
        }

    @classmethod
    def load(cls, device: str = "auto") -> CoquiEngine:
        with timings.stage("torch and coqui-tts import"):
            problem = _import_problem(force=True)
        if problem:
            raise EngineUnavailable(problem)
        device, runtime, precision = resolve_device(device), resolve_runtime(), resolve_precision()
        if precision == "bf16" and (
            device != "cpu" or runtime == "torch" or importlib.util.find_spec("openvino") is None
        ):
            raise UsageError(
                f"{PRECISION_ENV}=bf16 runs the VITS decoder on OpenVINO, on the CPU: it needs "
                f"the openvino package (pip install openvino), --device cpu and {RUNTIME_ENV} unset"
            )
        return cls(device, runtime, precision)

    # -- models --

    def _key(self, files: ModelFiles) -> tuple:
        return (str(files.checkpoint.resolve()), str(files.config.resolve()))

    def model(self, preset: VoicePreset) -> CoquiModel:
        """The loaded model of `preset`, loading it on first use (under the engine's lock)."""
        # The preset and where its model would be found (the environment may point elsewhere now).
        known = repr((preset.identity(), str(zoo.coqui_cache_dir()), str(zoo.hub_cache_dir())))
        found = self._by_preset.get(known)
        if found is not None:
            return found
        reason = self.unavailable_reason(preset)
        if reason:
            raise EngineUnavailable(f"voice {preset.name!r}: {reason}")
        files = locate(preset)
        key = self._key(files)
        loaded = self._models.get(key)
        if loaded is None:
            loaded = self._models[key] = self._load_model(preset, files)
        self._by_preset[known] = loaded
        return loaded

    def _load_model(self, preset: VoicePreset, files: ModelFiles) -> CoquiModel:
        try:
            with zoo.coqui_logs_at(logging.ERROR), timings.stage("model load (with export)"):
                loaded = load_model(files, self.device, runtime_for_vits=lambda vits: self._onnx(vits, files.label))
        except ModelFilesError as exc:
            raise EngineUnavailable(f"voice {preset.name!r}: {exc}") from None
        except (OSError, ValueError, KeyError, RuntimeError, TypeError, AttributeError, ModuleNotFoundError) as exc:
            raise RenderError(
                f"voice {preset.name!r}: cannot load Coqui model {files.label} ({type(exc).__name__}: {exc})"
            ) from exc
        log.debug(
            "loaded Coqui model %s on %s (%s, %d Hz, %s)",
            files.label,
            self.device,
            loaded.kind,
            loaded.sample_rate,
            loaded.runtime,
        )
        return loaded

    def _onnx(self, vits, what) -> tuple[object | None, object | None]:
        """The VITS back half on OpenVINO (bfloat16) or ONNX Runtime when one applies here, else
        (None, None): torch."""
        if self.runtime == "torch" or self.device != "cpu":
            return None, None
        if importlib.util.find_spec("onnx") is None:
            log.debug("Coqui model %s stays on torch: onnx (torch's ONNX exporter needs it) is not installed", what)
            return None, None
        import torch

        from briefing.engines.coqui import vits_onnx

        reason = vits_onnx.unsupported(vits)
        if reason:
            log.debug("Coqui model %s stays on torch: %s", what, reason)
            return None, None
        threads = torch.get_num_threads()
        if self.precision == "bf16" or (self.precision == "auto" and vits_onnx.openvino_bf16()):
            reason = vits_onnx.split_unsupported(vits)
            if reason:
                log.debug("Coqui model %s stays in float32: %s", what, reason)
            else:
                try:
                    return vits_onnx.load_openvino(vits, threads), vits_onnx.VitsBackEnd(vits).eval()
                except Exception as exc:  # noqa: BLE001 - any export or compile failure leaves the float32 paths
                    log.warning(
                        "Coqui model %s: OpenVINO unavailable for it (%s: %s); using float32",
                        what,
                        type(exc).__name__,
                        exc,
                    )
        if importlib.util.find_spec("onnxruntime") is None:
            log.debug("Coqui model %s stays on torch: onnxruntime is not installed", what)
            return None, None
        try:
            onnx = vits_onnx.load(vits, threads=threads)
        except Exception as exc:  # noqa: BLE001 - any export or runtime failure leaves the torch path, which works
            log.warning(
                "Coqui model %s: ONNX Runtime unavailable for it (%s: %s); using torch", what, type(exc).__name__, exc
            )
            return None, None
        return onnx, vits_onnx.VitsBackEnd(vits).eval()

    def prepare(self, preset: VoicePreset) -> None:
        """Load `preset`'s model now and check its speaker, language and recording against it."""
        with self._lock:
            loaded = self.model(preset)
        wav = speaker_wav_path(preset)
        if wav and not Path(wav).is_file():
            raise VoiceError(f"voice preset {preset.path or preset.name}: speaker_wav {wav} does not exist")
        loaded.check(preset, wav)
        if preset.get("house_voice"):
            self.house().prepare(preset)

    # -- synthesis --

    def synthesize(self, text: str, preset: VoicePreset) -> Audio:
        import torch

        with self._lock:
            loaded = self.model(preset)
        batcher = self._batcher(loaded)
        if batcher is not None and not loaded.unspeakable(text, preset):
            # Gathered with the other segments in flight for this model into one batch (CUDA).
            length_scale, kwargs = loaded.settings(preset, speaker_wav_path(preset))
            key = (kwargs["speaker"], kwargs["language"], kwargs["speaker_wav"])
            with timings.stage("vits batch (wait and run)"):
                samples = batcher.speak(text, key, segment_seed(text, preset), length_scale, kwargs)
            spoken = Spoken(samples)
        else:
            with self._lock:
                torch.manual_seed(segment_seed(text, preset))
                with torch.inference_mode(), zoo.coqui_logs_at(logging.ERROR):
                    spoken = loaded.speak(text, preset, speaker_wav_path(preset))
        for note in spoken.notes:
            if preset.name in self._noted:
                log.debug("voice %r: %s", preset.name, note)
            else:
                self._noted.add(preset.name)
                log.warning("voice %r: %s (further notes of this voice with --debug)", preset.name, note)
        samples, rate = np.clip(spoken.samples, -1.0, 1.0), loaded.sample_rate
        if preset.get("house_voice") and samples.size:
            samples, rate = self.house().convert(samples, rate, preset)
        return Audio(np.ascontiguousarray(samples, dtype=np.float32), rate, spoken.notes, spoken.complete)

    def _batcher(self, loaded: CoquiModel):
        """The batcher of a VITS on torch when batches are on (BRIEFING_COQUI_BATCH, default 16 on
        CUDA and 1, off, on the CPU), else None."""
        from briefing.engines.coqui.models import VitsModel

        if not isinstance(loaded, VitsModel) or loaded.onnx is not None or self.batch_size <= 1:
            return None
        with self._lock:
            found = self._batchers.get(id(loaded))
            if found is None:
                from briefing.engines.coqui.vits_batch import Batcher

                found = self._batchers[id(loaded)] = Batcher(loaded.model, self._lock, self.batch_size)
            return found

    def describe(self, preset: VoicePreset) -> str:
        what = preset.get("model") or preset.get("model_path")
        extra = "".join(
            f" {k}={v}" for k, v in (("speaker", preset.get("speaker")), ("language", preset.get("language"))) if v
        )
        try:
            loaded = self._models.get(self._key(locate(preset)))
        except ModelFilesError:
            loaded = None
        runtime = f" ({loaded.runtime})" if loaded is not None and loaded.kind == "vits" else ""
        return f"coqui {what}{extra} on {self.device}{runtime}"


def _house_missing(name: str) -> bool:
    try:
        house.locate_model()
        return False
    except ModelFilesError:
        return True


def _zoo_missing(name: str) -> bool:
    try:
        locate_zoo(name)
        return False
    except ModelFilesError:
        return True
