"""A house voice: any Coqui voice's output turned into the timbre of a newsroom's presenter.

A preset sets `house_voice = "presenter.wav"` (10 to 60 s of the presenter speaking, relative to
the preset's folder); each clip its model speaks is converted with OpenVoice v2
(`voice_conversion_models/multilingual/multi-dataset/openvoice_v2` in Coqui's zoo, MIT,
downloaded with the preset's model by `briefing voices --download`): the clip's own speaker
embedding and spectrogram go through OpenVoice's flow to the presenter's embedding (the mean
over the recording, computed once) and its HiFi-GAN decoder. What is said and when stays the
model's; the voice becomes the presenter's.

The recording is checked when the preset is read: its length, its sample rate, and how much of
it is speech rather than silence.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from briefing.engines.coqui import zoo
from briefing.engines.coqui.files import ModelFiles, ModelFilesError, find_checkpoint
from briefing.errors import VoiceError
from briefing.model import VoicePreset

log = logging.getLogger(__name__)

MODEL = "voice_conversion_models/multilingual/multi-dataset/openvoice_v2"
MIN_SECONDS, MAX_SECONDS = 10.0, 60.0
MIN_RATE = 16000
MIN_SPEECH_SECONDS = 6.0  # of the recording, frames within 35 dB of its loudest
FRAME_S = 0.02


def reference_path(preset: VoicePreset) -> Path | None:
    """The preset's presenter recording (relative to the preset's folder), or None."""
    value = preset.get("house_voice")
    if not value:
        return None
    path = Path(value).expanduser()
    if not path.is_absolute() and preset.path is not None:
        path = preset.path.parent / path
    return path


def check_reference(path: Path) -> str | None:
    """None when `path` is a usable presenter recording, else what is wrong with it (one line)."""
    import soundfile as sf

    if not path.is_file():
        return f"house_voice {path} does not exist"
    try:
        samples, rate = sf.read(str(path), dtype="float32", always_2d=True)
    except Exception as exc:  # noqa: BLE001 - libsndfile's own errors: not audio, or a format it cannot read
        return f"house_voice {path} is not audio that can be read ({' '.join(str(exc).split())[:120]})"
    seconds = samples.shape[0] / rate if rate else 0.0
    where = f"house_voice {path}"
    if rate < MIN_RATE:
        return f"{where}: sample rate {rate} Hz; record at {MIN_RATE} Hz or more"
    if not MIN_SECONDS <= seconds <= MAX_SECONDS:
        return f"{where}: {seconds:.1f} s long; give {MIN_SECONDS:g} to {MAX_SECONDS:g} s of the presenter speaking"
    speech = speech_seconds(samples.mean(axis=1), rate)
    if speech < MIN_SPEECH_SECONDS:
        return (
            f"{where}: only {speech:.1f} s of it is speech (the rest silence or near it); "
            f"give at least {MIN_SPEECH_SECONDS:g} s of the presenter speaking"
        )
    return None


def speech_seconds(samples: np.ndarray, rate: int) -> float:
    """How long `samples` holds sound: 20 ms frames within 35 dB of the loudest, above -60 dBFS."""
    n = int(rate * FRAME_S)
    frames = samples[: len(samples) // n * n].reshape(-1, n) if n else np.zeros((0, 1))
    if frames.size == 0:
        return 0.0
    level = 10 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)
    loud = (level > level.max() - 35) & (level > -60)
    return float(loud.sum() * FRAME_S)


def locate_model() -> ModelFiles:
    """OpenVoice v2's files in the Hub cache (converter/checkpoint.pth and its config.json)."""
    entry = zoo.item(MODEL) or {}
    not_here = (
        f"the house voice needs Coqui model {MODEL}, which is not downloaded "
        "(run `briefing voices --download` once on a machine with internet)"
    )
    snapshot = zoo.hub_snapshot(entry.get("repo_id", "myshell-ai/OpenVoiceV2"), marker="converter/config.json")
    if snapshot is None:
        raise ModelFilesError(not_here)
    folder, revision = snapshot
    checkpoint = find_checkpoint(folder)
    if checkpoint is None or not (checkpoint.parent / "config.json").is_file():
        raise ModelFilesError(not_here)
    return ModelFiles(MODEL, checkpoint, checkpoint.parent / "config.json", revision, whole_folder=True)


@dataclass
class _Loaded:
    model: object
    rate: int


class HouseVoices:
    """OpenVoice loaded once per engine; each presenter's embedding computed once."""

    def __init__(self, device: str):
        self.device = device
        self._model: _Loaded | None = None
        self._targets: dict[tuple, object] = {}
        self._lock = threading.Lock()

    def _load(self) -> _Loaded:
        if self._model is None:
            from TTS.vc.configs.openvoice_config import OpenVoiceConfig
            from TTS.vc.models.openvoice import OpenVoice

            files = locate_model()
            config = OpenVoiceConfig()
            model = OpenVoice(config)
            with zoo.coqui_logs_at(logging.ERROR):
                model.load_checkpoint(config, str(files.checkpoint), eval=True)
            model = model.to(self.device)
            self._model = _Loaded(model, int(model.config.audio.output_sample_rate))
        return self._model

    def _target(self, path: Path):
        import soundfile as sf
        import soxr
        import torch

        st = path.stat()
        key = (str(path), st.st_size, st.st_mtime_ns)
        if key not in self._targets:
            loaded = self._load()
            samples, rate = sf.read(str(path), dtype="float32", always_2d=True)
            samples = samples.mean(axis=1)
            if rate != loaded.rate:
                samples = soxr.resample(samples, rate, loaded.rate).astype(np.float32)
            with torch.inference_mode():
                embedding, _ = loaded.model.extract_se(torch.from_numpy(samples))
            self._targets[key] = embedding
        return self._targets[key]

    def prepare(self, preset: VoicePreset) -> None:
        path = reference_path(preset)
        if path is None:
            return
        problem = check_reference(path)
        if problem:
            raise VoiceError(f"voice preset {preset.path or preset.name}: {problem}")
        with self._lock:
            self._target(path)

    def convert(self, samples: np.ndarray, rate: int, preset: VoicePreset) -> tuple[np.ndarray, int]:
        """`samples` at `rate` in the presenter's timbre, at OpenVoice's rate."""
        import soxr
        import torch

        path = reference_path(preset)
        with self._lock:
            loaded = self._load()
            target = self._target(path)
            audio = soxr.resample(samples.astype(np.float32), rate, loaded.rate) if rate != loaded.rate else samples
            with torch.inference_mode():
                source, spectrogram = loaded.model.extract_se(torch.from_numpy(np.ascontiguousarray(audio)))
                out = loaded.model.inference(spectrogram, {"g_src": source, "g_tgt": target})["model_outputs"]
        converted = out[0, 0].detach().cpu().float().numpy()
        return np.clip(converted, -1.0, 1.0).astype(np.float32), loaded.rate


def identity(preset: VoicePreset) -> dict | None:
    """What the house voice adds to a segment's cache key: the recording and the model files."""
    path = reference_path(preset)
    if path is None:
        return None
    try:
        st = path.stat()
        recording = (str(path), st.st_size, st.st_mtime_ns)
    except OSError:
        recording = (str(path), None, None)
    try:
        model = locate_model().identity()
    except ModelFilesError as exc:
        model = {"missing": str(exc)}
    return {"recording": recording, "model": model}
