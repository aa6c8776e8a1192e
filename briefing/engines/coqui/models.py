"""One loaded Coqui model behind one interface, whatever its architecture.

`load_model(files, device)` reads a model's config (its file paths resolved, see `files`), builds
the model with Coqui's own classes and loads its checkpoint (and vocoder), then wraps it in the
adapter of its architecture, chosen by the config's `model` field from `ADAPTERS`:

- `VitsModel` (css10, your_tts, any local VITS): the lean one-call path, the flow and decoder
  off torch on CPU where ONNX Runtime or OpenVINO apply (see `vits_onnx`).
- `TacotronModel` (the mai Tacotron2-DDC): an autoregressive decoder that stops by itself when
  its stop token fires, or at its `max_decoder_steps`. The released mai config keeps 500 steps,
  8 s of audio: a longer text is cut there without a word. Here each call has a bound, the
  smaller of that budget and a runaway bound from the text's length (a decoder that never fires
  its stop token is stopped at about twice the time the text needs); a call that reaches the
  model's budget may have been cut, so its text is split at a natural break and each half spoken
  again; one that reaches the runaway bound first spoke all its text and is kept, bounded. Very
  short outputs are padded before the vocoder (MelGAN's reflection padding cannot take them).
- `XttsModel` (XTTS v2): the same bound on its GPT's audio tokens, studio speakers or cloning.
- `CoquiModel` itself: any other Coqui model (`synthesize`, then its vocoder or Griffin-Lim).

Each adapter also says how much text one call can speak (`limit_chars`, read from the config
without loading anything), which the script stage uses to size the segments of that voice, and
what speakers and languages the model has, with the names users write in presets.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from briefing.engines.base import Speakers
from briefing.engines.coqui import zoo
from briefing.engines.coqui.files import ModelFiles
from briefing.engines.coqui.startup import install_mel_basis
from briefing.errors import VoiceError
from briefing.model import VoicePreset
from briefing.system import timings

log = logging.getLogger(__name__)

# Planning rate: French read at about 14 characters a second (spaces and punctuation included);
# 12 leaves room for a slower voice, and a call is planned to fill 90 % of its budget.
PLANNED_CHARS_PER_S = 12.0
BUDGET_SHARE = 0.9
# Runaway bound: a call may last RUNAWAY_BASE_S plus its text read at RUNAWAY_CHARS_PER_S
# (about twice the time the text needs), never more.
RUNAWAY_BASE_S = 0.75
RUNAWAY_CHARS_PER_S = 7.0
MAX_SPLIT_DEPTH = 4  # a text is halved at most 4 times (16 pieces) when its decoder runs out
SPLIT_PAUSE_S = 0.18  # the silence between two halves spoken apart (the script's clause pause)
XTTS_MAX_CHARS = 250  # coqui-tts warns above 273 characters of French and truncates audio
MAX_LISTED_SPEAKERS = 40


@dataclass(frozen=True)
class Spoken:
    """Mono float32 samples at the model's rate, and what happened on the way (a split, a runaway)."""

    samples: np.ndarray
    notes: tuple[str, ...] = ()
    complete: bool = True  # False: some part never ended by itself and was stopped at its runaway bound


def runaway_seconds(text: str) -> float:
    return RUNAWAY_BASE_S + len(text) / RUNAWAY_CHARS_PER_S


def planned_chars(budget_s: float) -> int:
    """How many characters a call with `budget_s` seconds of audio is planned to hold."""
    return max(20, math.floor(budget_s * BUDGET_SHARE * PLANNED_CHARS_PER_S))


def halves(text: str) -> list[str]:
    """`text` cut once at its most natural break nearest the middle (one piece if none)."""
    from briefing.text.sentences import cap_length

    return cap_length(text, max(1, len(text) - 1)) if len(text) > 1 else [text]


def _short_list(names: list[str]) -> str:
    shown = ", ".join(names[:MAX_LISTED_SPEAKERS])
    more = len(names) - MAX_LISTED_SPEAKERS
    return shown + (f" and {more} more (`briefing voices` lists them all)" if more > 0 else "")


class CoquiModel:
    """Any Coqui text-to-speech model: `model.synthesize`, then the vocoder or Griffin-Lim."""

    kind = "generic"

    def __init__(self, model, config, files: ModelFiles, device: str, vocoder=None, vocoder_config=None):
        self.model = model
        self.config = config
        self.files = files
        self.device = device
        self.vocoder = vocoder
        self.vocoder_config = vocoder_config
        self.vocoder_ap = None
        if vocoder is not None:
            from TTS.utils.audio import AudioProcessor

            self.vocoder_ap = AudioProcessor(vocoder_config.audio)
        audio = config.audio
        self.sample_rate = int(
            vocoder_config.audio["sample_rate"]
            if vocoder is not None
            else (audio.get("output_sample_rate") or audio["sample_rate"])
        )
        self.speakers, self._speaker_keys, self.one_voice = self._find_speakers()
        self.languages = self._find_languages()
        self.clones = self._can_clone()
        self._warned: set[str] = set()

    # -- what the model offers --

    @property
    def runtime(self) -> str:
        return "torch"

    def _find_speakers(self) -> tuple[tuple[str, ...], dict[str, str], bool]:
        """(names as users write them, name -> the model's own key, whether all names are one voice)."""
        manager = getattr(self.model, "speaker_manager", None)
        if manager is None:
            return (), {}, False
        ids = dict(getattr(manager, "name_to_id", {}) or {})
        keys = list(getattr(manager, "embedding_names", []) or []) or list(ids)
        if not keys and getattr(manager, "speakers", None):
            keys = list(manager.speakers)
        shown: dict[str, str] = {}
        for key in keys:  # your_tts writes some names with a trailing newline: show them without
            shown.setdefault(str(key).strip(), key)
        for key in keys:  # an exact name wins over a stripped one
            if str(key).strip() == key:
                shown[key] = key
        id_values = [v for v in ids.values() if isinstance(v, int)]
        one_voice = len(keys) > 1 and len(id_values) == len(ids) and len(set(id_values)) == 1
        return tuple(shown), shown, one_voice

    def _find_languages(self) -> tuple[str, ...]:
        manager = getattr(self.model, "language_manager", None)
        if manager is not None and manager.num_languages > 1:
            return tuple(manager.language_names)
        return ()

    def _can_clone(self) -> bool:
        manager = getattr(self.model, "speaker_manager", None)
        return manager is not None and getattr(manager, "encoder", None) is not None

    @property
    def multi_speaker(self) -> bool:
        return len(self.speakers) > 1 and not self.one_voice

    def speaker_key(self, name: str | None) -> str | None:
        """The model's own key for speaker `name` (exact, else ignoring surrounding spaces), or None."""
        if name is None:
            return None
        if name in self._speaker_keys.values():
            return name
        return self._speaker_keys.get(name.strip())

    @classmethod
    def limit_chars(cls, config: dict) -> int | None:
        """The longest text one call is planned to speak without being cut (None: no limit of its own)."""
        return None

    # -- checks before the first segment --

    def check(self, preset: VoicePreset, speaker_wav: str | None) -> None:
        """Raise VoiceError when `preset`'s speaker or language does not fit this model."""
        where = f"voice preset {preset.path or preset.name}"
        what = f"model {self.files.label}"
        if preset.get("speaker") and not self.speakers and not (self.clones or speaker_wav):
            raise VoiceError(f"{where}: {what} has a single speaker; remove speaker = {preset.get('speaker')!r}")
        if (
            preset.get("speaker")
            and self.speakers
            and self.speaker_key(preset.get("speaker")) is None
            and not speaker_wav
        ):
            raise VoiceError(
                f"{where}: unknown speaker {preset.get('speaker')!r}; "
                f"speakers of this model: {_short_list(list(self.speakers))}"
            )
        if self.multi_speaker and not preset.get("speaker") and not speaker_wav:
            raise VoiceError(
                f"{where}: {what} has several speakers; set speaker to one of: {_short_list(list(self.speakers))}"
            )
        if speaker_wav and not self.clones:
            raise VoiceError(f"{where}: {what} cannot clone a voice from a recording; remove speaker_wav")
        if self.languages and not preset.get("language"):
            raise VoiceError(f"{where}: {what} is multilingual; set language to one of: {', '.join(self.languages)}")
        if preset.get("language") and self.languages and preset.get("language") not in self.languages:
            raise VoiceError(
                f"{where}: unknown language {preset.get('language')!r}; "
                f"languages of this model: {', '.join(self.languages)}"
            )
        if preset.get("language") and not self.languages:
            raise VoiceError(f"{where}: {what} speaks one language; remove language = {preset.get('language')!r}")

    def _speaker_arg(self, preset: VoicePreset) -> str | None:
        if self.one_voice:  # several names, one voice: any name speaks it
            return self.speaker_key(preset.get("speaker")) or self.speakers[0]
        return self.speaker_key(preset.get("speaker")) if self.speakers else None

    # -- synthesis --

    def unspeakable(self, text: str, preset: VoicePreset) -> bool:
        """True when no character of `text` is in the model's alphabet: Coqui would hand its
        encoder an empty sequence and crash ("Kernel size can't be greater than actual input
        size", coqui-ai/TTS#2167 with the mai Tacotron2)."""
        to_ids = getattr(getattr(self.model, "tokenizer", None), "text_to_ids", None)
        if to_ids is None:
            return False
        language = preset.get("language") if self.languages else None
        with zoo.coqui_logs_at(logging.ERROR):
            return len(to_ids(text, language=language)) == 0

    def silence(self, text: str) -> Spoken:
        return Spoken(
            np.zeros(round(SPLIT_PAUSE_S * self.sample_rate), dtype=np.float32),
            (f"nothing in {text[:50]!r} is in this model's alphabet: a short silence instead",),
        )

    def speak(self, text: str, preset: VoicePreset, speaker_wav: str | None) -> Spoken:
        self._note_speed(preset)
        if self.unspeakable(text, preset):
            return self.silence(text)
        outputs = self.model.synthesize(
            text,
            speaker=self._speaker_arg(preset),
            speaker_wav=speaker_wav,
            language=preset.get("language") if self.languages else None,
            use_griffin_lim=self.vocoder is None,
            voice_dir=self.voice_dir,
        )
        if self.vocoder is None:
            return Spoken(_samples(outputs["wav"]))
        return Spoken(self.vocode(outputs["outputs"]["model_outputs"][0]))

    @property
    def voice_dir(self) -> Path:
        return zoo.coqui_cache_dir() / "voices"

    def _note_speed(self, preset: VoicePreset) -> None:
        if preset.speed != 1.0 and preset.name not in self._warned:
            self._warned.add(preset.name)
            log.warning(
                "voice %r: this Coqui model has no speed control; speed %.2f is ignored", preset.name, preset.speed
            )

    def vocode(self, mel) -> np.ndarray:
        """Coqui's Synthesizer._run_vocoder: the model's mel in dB, normalised for the vocoder,
        interpolated to its rate, then the vocoder. Fewer frames than the vocoder's padding
        accepts are padded with the quietest frame and the padding cut off again."""
        import torch
        from TTS.vocoder.utils.generic_utils import interpolate_vocoder_input

        mel = mel.detach().cpu().numpy()  # [T, C]
        frames = mel.shape[0]
        minimum = 16  # > MelGAN's reflection pad (3) at the first layer, with room after interpolation
        if frames < minimum:
            mel = np.concatenate([mel, np.repeat(mel.min(axis=0, keepdims=True), minimum - frames, axis=0)])
        mel = self.model.ap.denormalize(mel.T).T
        vocoder_input = self.vocoder_ap.normalize(mel.T)
        scale = self.vocoder_config.audio["sample_rate"] / self.model.ap.sample_rate
        if scale != 1:
            vocoder_input = interpolate_vocoder_input([1, scale], vocoder_input)
        else:
            vocoder_input = torch.tensor(vocoder_input).unsqueeze(0)
        device = next(self.vocoder.parameters()).device
        wav = _samples(vocode_in_windows(self.vocoder, vocoder_input.to(device)))
        if frames < minimum:
            wav = wav[: round(len(wav) * frames / minimum)]
        return wav

    # -- the no-cut mechanism of autoregressive models --

    def speak_whole(self, text: str, attempt, depth: int = 0) -> Spoken:
        """Speak `text` with `attempt(text) -> (status, seconds, render)`, status being "stopped"
        (the model ended by itself), "budget" (it reached the model's own limit: maybe cut),
        "runaway" (it reached the runaway bound: everything was said, the end is bounded) or
        "silence" (nothing of the text is in the model's alphabet), and
        `render()` giving the samples (a cut attempt is never vocoded). A "budget" text is halved
        at its most natural break and each half spoken the same way."""
        status, seconds, render = attempt(text)
        if status == "silence":
            return self.silence(text)
        if status == "stopped":
            return Spoken(render())
        pieces = halves(text)
        if status == "runaway" or depth >= MAX_SPLIT_DEPTH or len(pieces) < 2:
            return Spoken(
                render(), (f"no stop token on {text[:50]!r}: audio bounded at {seconds:.1f} s",), complete=False
            )
        pause = np.zeros(round(SPLIT_PAUSE_S * self.sample_rate), dtype=np.float32)
        parts, notes = (
            [],
            [f"model limit reached on {text[:50]!r} ({seconds:.1f} s): split in {len(pieces)} and spoken again"],
        )
        complete = True
        for i, piece in enumerate(pieces):
            spoken = self.speak_whole(piece, attempt, depth + 1)
            parts += [pause, spoken.samples] if i else [spoken.samples]
            notes += spoken.notes
            complete = complete and spoken.complete
        return Spoken(np.concatenate(parts), tuple(notes), complete)


class VitsModel(CoquiModel):
    """VITS: one call per segment, durations from the model, no stop token to wait for."""

    kind = "vits"

    def __init__(self, model, config, files, device, runtime_pair=(None, None), **kwargs):
        super().__init__(model, config, files, device, **kwargs)
        self.onnx, self.back = runtime_pair
        self.base_length_scale = float(getattr(model, "length_scale", 1.0) or 1.0)
        # The torch half (text encoder, duration predictor: small operators on a few hundred
        # frames) on half the threads: beside the finishing thread, the MP3 encoder and the
        # runtime's own pool, a second OpenMP thread waited more than it worked (2-core Xeon,
        # the whole command: 1.47-1.93 s -> 1.18-1.29 s for 12 segments).
        import torch

        self.front_threads = max(1, torch.get_num_threads() // 2)

    @property
    def runtime(self) -> str:
        return self.onnx.runtime if self.onnx is not None else "torch"

    def settings(self, preset: VoicePreset, speaker_wav: str | None) -> tuple[float, dict]:
        """What synthesize takes for `preset`: the length scale (VITS speed: durations are
        multiplied by it, so a faster voice is a smaller one) and the keyword arguments."""
        kwargs = dict(
            speaker=self._speaker_arg(preset),
            language=preset.get("language") if self.languages else None,
            speaker_wav=speaker_wav,
            voice_dir=self.voice_dir,
        )
        return self.base_length_scale / preset.speed, kwargs

    def speak(self, text: str, preset: VoicePreset, speaker_wav: str | None) -> Spoken:
        if self.unspeakable(text, preset):
            return self.silence(text)
        vits = self.model
        vits.length_scale, kwargs = self.settings(preset, speaker_wav)
        if self.onnx is None:
            with timings.stage("vits (torch)"):
                return Spoken(_samples(vits.synthesize(text, **kwargs)["wav"]))
        from briefing.engines.coqui.vits_onnx import front_end

        # torch up to the noise (seeded by the engine), then ONNX Runtime or OpenVINO for the flow and decoder
        with timings.stage("vits torch half"), torch_threads(self.front_threads):
            z_p, y_mask, g = front_end(vits, text, **kwargs)
        with timings.stage("vits flow+decoder"):
            if (g is not None) != self.onnx.conditioned:  # e.g. a multi-speaker model asked without a speaker
                return Spoken(_samples(self.back(z_p, y_mask, g)))
            return Spoken(_samples(self.onnx(z_p, y_mask, g)))


class TacotronModel(CoquiModel):
    """Tacotron and Tacotron2 (DDC too): a decoder bounded per call, never cut (module doc)."""

    kind = "tacotron2"

    def __init__(self, model, config, files, device, **kwargs):
        super().__init__(model, config, files, device, **kwargs)
        self.budget_steps = int(self.model.decoder.max_decoder_steps)
        self.frames_per_step = int(getattr(self.model.decoder, "r", 1) or 1)
        self.frame_s = self.model.ap.hop_length / self.model.ap.sample_rate

    @classmethod
    def limit_chars(cls, config: dict) -> int | None:
        audio = config.get("audio") or {}
        steps = int(config.get("max_decoder_steps") or 10000)
        hop, rate = int(audio.get("hop_length") or 256), int(audio.get("sample_rate") or 22050)
        # r = 1: checkpoints may lower the config's r at load, never raise it; the shortest budget
        return planned_chars(steps * hop / rate)

    def budget_s(self) -> float:
        return self.budget_steps * self.frames_per_step * self.frame_s

    def speak(self, text: str, preset: VoicePreset, speaker_wav: str | None) -> Spoken:
        self._note_speed(preset)
        speaker, language = self._speaker_arg(preset), preset.get("language") if self.languages else None
        decoder = self.model.decoder

        def attempt(piece: str):
            if self.unspeakable(piece, preset):
                return "silence", 0.0, None
            runaway = math.ceil(runaway_seconds(piece) / (self.frame_s * self.frames_per_step))
            bound = decoder.max_decoder_steps = min(self.budget_steps, runaway)
            try:
                outputs = self.model.synthesize(
                    piece,
                    speaker=speaker,
                    speaker_wav=speaker_wav,
                    language=language,
                    use_griffin_lim=self.vocoder is None,
                    voice_dir=self.voice_dir,
                )
            finally:
                decoder.max_decoder_steps = self.budget_steps
            stop_tokens = outputs["outputs"]["stop_tokens"].reshape(-1)
            steps = len(stop_tokens)
            if steps < bound or float(stop_tokens[-1]) > decoder.stop_threshold:
                status = "stopped"
            else:
                status = "budget" if runaway >= self.budget_steps else "runaway"
            if self.vocoder is None:
                return status, steps * self.frames_per_step * self.frame_s, lambda: _samples(outputs["wav"])
            return (
                status,
                steps * self.frames_per_step * self.frame_s,
                lambda: self.vocode(outputs["outputs"]["model_outputs"][0]),
            )

        return self.speak_whole(text, attempt)


class XttsModel(CoquiModel):
    """XTTS v2: built-in studio speakers or a reference recording, its own speed, a bounded GPT."""

    kind = "xtts"

    def __init__(self, model, config, files, device, **kwargs):
        super().__init__(model, config, files, device, **kwargs)
        self.sample_rate = int(self.model.args.output_sample_rate)
        gpt = self.model.gpt
        self.budget_tokens = int(gpt.max_gen_mel_tokens)
        self.token_s = gpt.code_stride_len / self.model.args.input_sample_rate

    def _find_languages(self) -> tuple[str, ...]:
        return tuple(self.config.languages or ())

    def _can_clone(self) -> bool:
        return True  # every XTTS clones from a reference recording

    @classmethod
    def limit_chars(cls, config: dict) -> int | None:
        args = config.get("model_args") or {}
        tokens = int(args.get("gpt_max_audio_tokens") or 605) - 3
        seconds = tokens * int(args.get("gpt_code_stride_len") or 1024) / int(args.get("input_sample_rate") or 22050)
        return min(XTTS_MAX_CHARS, planned_chars(seconds))

    def speak(self, text: str, preset: VoicePreset, speaker_wav: str | None) -> Spoken:
        gpt = self.model.gpt
        speaker = self.speaker_key(preset.get("speaker")) if not speaker_wav else (preset.get("speaker") or None)
        generated = []
        generate = gpt.generate

        def counting_generate(*args, **kwargs):  # keeps the codes the GPT produced: did it stop?
            codes = generate(*args, **kwargs)
            generated.append(codes)
            return codes

        def attempt(piece: str):
            runaway = math.ceil(runaway_seconds(piece) / self.token_s)
            bound = min(self.budget_tokens, runaway)
            generated.clear()
            gpt.generate, gpt.max_gen_mel_tokens = counting_generate, bound  # generate's max_length
            try:
                out = self.model.synthesize(
                    piece,
                    speaker=speaker,
                    speaker_wav=speaker_wav,
                    voice_dir=self.voice_dir,
                    language=preset.get("language"),
                    speed=preset.speed,
                )
            finally:
                del gpt.generate  # the class's own method again
                gpt.max_gen_mel_tokens = self.budget_tokens
            codes = generated[-1].reshape(-1) if generated else None
            if codes is None or len(codes) < bound or int(codes[-1]) == gpt.stop_audio_token:
                status = "stopped"
            else:
                status = "budget" if runaway >= self.budget_tokens else "runaway"
            samples = _samples(out["wav"])
            return status, len(samples) / self.sample_rate, lambda: samples

        return self.speak_whole(text, attempt)


ADAPTERS: dict[str, type[CoquiModel]] = {
    "vits": VitsModel,
    "tacotron": TacotronModel,
    "tacotron2": TacotronModel,
    "xtts": XttsModel,
}


# MelGAN's generators are convolutional: each output sample depends on a few mel frames around it.
# Run on a whole segment, the full-band MelGAN held 691 MB of activations at once for 1,500 frames
# (16 s of audio; the replica of mai's vocoder), the largest transient of a briefing with the
# bundled voices. On windows of VOCODER_WINDOW frames with VOCODER_CONTEXT frames of real input
# on each side (the first window starts at the first frame and the last ends at the last, so the
# ends are padded as on the whole) it holds 127 MB and runs faster (2.7 s against 4.6 s), and the
# audio differs by at most 7e-8 (a 16-bit sample's step is 3e-5); with 8 frames of context, 2e-7.
VOCODER_WINDOW = 256
VOCODER_CONTEXT = 32
_WINDOWED_VOCODERS = {"MelganGenerator", "FullbandMelganGenerator"}  # inference = padding + layers


def vocode_in_windows(vocoder, mel):
    """`vocoder.inference(mel)` (mel: [1, C, T]), on windows when its generator allows it."""
    import torch

    generator = getattr(vocoder, "model_g", vocoder)
    size = VOCODER_WINDOW + 2 * VOCODER_CONTEXT
    if type(generator).__name__ not in _WINDOWED_VOCODERS or mel.shape[-1] + 2 * generator.inference_padding <= size:
        return vocoder.inference(mel)
    pad = generator.inference_padding
    padded = torch.nn.functional.pad(mel, (pad, pad), "replicate")  # as its inference pads
    frames, pieces, lo = padded.shape[-1], [], 0
    while lo < frames:
        start = 0 if lo == 0 else lo - VOCODER_CONTEXT
        hi = size - VOCODER_CONTEXT if lo == 0 else lo + VOCODER_WINDOW
        if start + size >= frames:  # the last window: it ends where the segment does
            start, hi = frames - size, frames
        out = generator.layers(padded[:, :, start : start + size])
        hop = out.shape[-1] // size
        pieces.append(out[..., (lo - start) * hop : (min(hi, frames) - start) * hop])
        lo = min(hi, frames)
    return torch.cat(pieces, dim=-1)


def adapter_for(config_model: str) -> type[CoquiModel]:
    return ADAPTERS.get(str(config_model).lower(), CoquiModel)


def limit_chars(files: ModelFiles) -> int | None:
    """The text limit of one call to the model in `files`, from its config alone."""
    try:
        config = files.raw_config()
    except Exception:  # noqa: BLE001 - an unreadable config fails later, with its own message
        return None
    return adapter_for(config.get("model", "")).limit_chars(config)


def _samples(wav) -> np.ndarray:
    if hasattr(wav, "detach"):
        wav = wav.detach().cpu().numpy()
    return np.asarray(wav, dtype=np.float32).reshape(-1)


# --- Loading ------------------------------------------------------------------------------------


def coqui_config(data: dict):
    """A Coqui config object from a config dict (TTS.config.load_config, without the file)."""
    from TTS.config import _process_model_name, register_config

    config = register_config(_process_model_name(data).lower())()
    config.from_dict(data)
    return config


def load_model(files: ModelFiles, device: str, runtime_for_vits=None) -> CoquiModel:
    """Build and load the model in `files` on `device`, with its vocoder; wrap it in its adapter.

    `runtime_for_vits(vits) -> (onnx, back)` picks the off-torch runtime of a VITS model."""
    from TTS.tts.models import setup_model

    data, notes = files.resolved_config()
    for note in notes:
        log.debug("%s: %s", files.label, note)
    config = coqui_config(data)
    adapter = adapter_for(config.model)
    install_mel_basis()
    model = setup_model(config)
    if adapter is XttsModel:
        checkpoint_dir = files.checkpoint if files.checkpoint.is_dir() else files.checkpoint.parent
        model.load_checkpoint(config, checkpoint_dir=str(checkpoint_dir), eval=True)
    else:
        model.load_checkpoint(config, str(files.checkpoint), eval=True)
    vocoder = vocoder_config = None
    if files.vocoder is not None:
        from TTS.vocoder.models import setup_model as setup_vocoder

        vocoder_data, _ = files.vocoder.resolved_config()
        vocoder_config = coqui_config(vocoder_data)
        vocoder = setup_vocoder(vocoder_config)
        vocoder.load_checkpoint(vocoder_config, str(files.vocoder.checkpoint), eval=True)
        # A checkpoint of the old layout (the universal full-band MelGAN's) loads the generator
        # alone and leaves the GAN's discriminator built, randomly initialised: 4.4 M parameters
        # that inference never runs.
        if getattr(vocoder, "model_d", None) is not None:
            vocoder.model_d = None
        vocoder.to(device)
    model.to(device)
    model.eval()
    if adapter is VitsModel:
        lean_vits(model)
        pair = runtime_for_vits(model) if runtime_for_vits is not None else (None, None)
        return VitsModel(model, config, files, device, pair, vocoder=vocoder, vocoder_config=vocoder_config)
    return adapter(model, config, files, device, vocoder=vocoder, vocoder_config=vocoder_config)


@contextlib.contextmanager
def torch_threads(count: int) -> Iterator[None]:
    """torch's intra-op threads set to `count` while it lasts (callers hold the engine's lock)."""
    import torch

    before = torch.get_num_threads()
    if count == before:
        yield
        return
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def fold_weight_norm(module) -> int:
    """Replace weight-normalised layers by plain ones with the same effective weight; return how many.

    Weight norm only helps training; at inference it recomputes g * v / ||v|| on every call."""
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


def speakers_on_disk(files: ModelFiles) -> Speakers:
    """A model's speakers read from its files without loading it (JSON, or torch for .pth)."""
    try:
        config, _ = files.resolved_config()
    except Exception:  # noqa: BLE001
        return Speakers()
    args = config.get("model_args") or {}

    def get(key):
        return config.get(key) or args.get(key)

    names: list[str] = []
    one_voice = False
    if str(config.get("model", "")).lower() == "xtts":
        folder = files.checkpoint if files.checkpoint.is_dir() else files.checkpoint.parent
        names = list(_load(folder / "speakers_xtts.pth") or {})
    elif get("use_d_vector_file") and get("d_vector_file"):
        path = get("d_vector_file")
        data = _load(Path(path[0] if isinstance(path, list) else path)) or {}
        names = sorted({str(v.get("name", "")) for v in data.values() if isinstance(v, dict)})
    elif get("use_speaker_embedding") and get("speakers_file"):
        data = _load(Path(get("speakers_file"))) or {}
        names = list(data)
        one_voice = len(data) > 1 and len(set(map(str, data.values()))) == 1
    return Speakers(tuple(dict.fromkeys(n.strip() for n in names if n.strip())), one_voice)


def _load(path: Path):
    try:
        if path.suffix == ".json":
            return json.loads(path.read_text(encoding="utf-8"))
        import torch

        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception:  # noqa: BLE001 - unreadable: no names to show
        return None
