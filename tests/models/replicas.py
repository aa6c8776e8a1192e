"""Random-weight replicas of the Coqui models the bundled and optional voice presets name, built
to the shapes of the real ones (their released configs and checkpoints: tensor shapes, audio
settings, files) and laid out where Coqui's download puts them, so the engine meets what a user with internet has on disk:

- tts_models/fr/css10/vits: graphemes with `<PAD> <EOS> <BOS> <BLNK>` and add_blank, speaker and
  language embeddings, `speaker_ids.json` = {"fr": 0, "gilles": 0} (two names, one voice),
  `language_ids.json` = {"fr": 0}, both named in config.json by absolute paths of another
  machine, a `model_file.pth.tar` saved before torch 2.1 (weight norm as weight_g / weight_v).
  In `$TTS_HOME/tts/tts_models--fr--css10--vits/`.
- tts_models/fr/mai/tacotron2-DDC: Tacotron2 with double decoder consistency, 16 kHz, 80 mels,
  hop 256, espeak `fr-fr` phonemes (phoneme_cleaners, the old IPA character set), mean-variance
  statistics in `scale_stats.npy`, max_decoder_steps 500, r = 1 in the checkpoint (2 in the
  config). In the Hugging Face Hub cache (`models--tts-hub--tacotron2_ddc-fr-mai`, blobs,
  snapshots as symlinks, refs/main), as coqui-tts 0.28 downloads it.
- vocoder_models/universal/libri-tts/fullband-melgan: 24 kHz, its own statistics, an old
  checkpoint (generator with weight_g / weight_v beside `model_disc`), in `$TTS_HOME`.
- tts_models/multilingual/multi-dataset/your_tts: VITS with 512-dim d-vectors from speakers.json
  whose names include trailing newlines, languages en / fr-fr / pt-br, a ResNet speaker encoder
  (config_se.json, model_se.pth.tar), foreign paths. In `$TTS_HOME`.
- tts_models/multilingual/multi-dataset/xtts_v2, of reduced size (one GPT layer of 64 channels):
  vocab.json (a BPE tokenizer with [STOP] [UNK] [SPACE] [START] and language tags),
  speakers_xtts.pth (studio speakers: gpt_cond_latent [1, 32, C], speaker_embedding [1, 512, 1]),
  model.pth pickling its XttsConfig as the released file does, hash.md5, in the Hub cache.

The neural parts are random: they speak noise, but every step of the real loading and inference
code runs. Sizes: the VITS and the XTTS GPT are reduced (their shapes come from config fields);
Tacotron2's decoder (1024-unit LSTMs, fixed by Coqui) and the MelGAN are full size. The Tacotron2
stop token is set to never fire (`stop="never"`, the worst case: every call meets its bound) or
to fire at once (`stop="early"`, the shortest outputs, which crash an unpadded vocoder).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CSS10 = "tts_models/fr/css10/vits"
MAI = "tts_models/fr/mai/tacotron2-DDC"
MELGAN = "vocoder_models/universal/libri-tts/fullband-melgan"
YOURTTS = "tts_models/multilingual/multi-dataset/your_tts"
XTTS = "tts_models/multilingual/multi-dataset/xtts_v2"
MAI_REPO = "tts-hub/tacotron2_ddc-fr-mai"
XTTS_REPO = "tts-hub/XTTS-v2"
OPENVOICE = "voice_conversion_models/multilingual/multi-dataset/openvoice_v2"
OPENVOICE_REPO = "myshell-ai/OpenVoiceV2"

# Where the released configs point (a training machine's paths), as COQUI-MODELS.md describes.
FOREIGN_HUB = "/home/neon/.cache/huggingface/hub/models--neongeckocom--tts-vits-css10-fr/snapshots/6c4ce1d2a6c3b5a9b0b0b9d1c0f6a0b1a5e3c2d4"
FOREIGN_TRAIN = "/raid/coqui/Projects/TTS/recipes/ljspeech/output"

FRENCH_LETTERS = "abcdefghijklmnopqrstuvwxyzàâæçéèêëîïôœùûüÿ"
GRAPHEME_PUNCTUATION = "!'(),-.:;? "
# The old mozilla/Coqui IPA set of phoneme models (mailabs-fr-ddc and kin).
IPA_PHONEMES = "iyɨʉɯuɪʏʊeøɘəɵɤoɛœɜɞʌɔæɐaɶɑɒᵻʘɓǀɗǃʄǂɠǁʛpbtdʈɖcɟkɡqɢʔɴŋɲɳnɱmʙrʀⱱɾɽɸβfvθðszʃʒʂʐçʝxɣχʁħʕhɦɬɮʋɹɻjɰlɭʎʟˈˌːˑʍwɥʜʢʡɕʑɺɧʲɚ˞ɫ"
YOURTTS_SPEAKERS = ("female-en-5", "female-en-5\n", "female-pt-4\n", "male-en-2", "male-en-2\n", "male-pt-3\n")
XTTS_SPEAKERS = (
    "Claribel Dervla",
    "Daisy Studious",
    "Gracie Wise",
    "Ana Florence",
    "Andrew Chipper",
    "Damien Black",
    "Viktor Eka",
)
XTTS_LANGUAGES = [
    "en",
    "es",
    "fr",
    "de",
    "it",
    "pt",
    "pl",
    "tr",
    "ru",
    "nl",
    "cs",
    "ar",
    "zh-cn",
    "hu",
    "ko",
    "ja",
    "hi",
]


@dataclass(frozen=True)
class Replicas:
    """Where the replicas live: point TTS_HOME and HF_HOME here and Coqui's layout is complete."""

    tts_home: Path  # holds tts/<model folders>
    hf_home: Path  # holds hub/models--...

    def env(self) -> dict[str, str]:
        return {"TTS_HOME": str(self.tts_home), "HF_HOME": str(self.hf_home), "COQUI_TOS_AGREED": "1"}

    def zoo_folder(self, name: str) -> Path:
        return self.tts_home / "tts" / name.replace("/", "--")

    def snapshot(self, repo_id: str) -> Path:
        repo = self.hf_home / "hub" / ("models--" + repo_id.replace("/", "--"))
        return repo / "snapshots" / (repo / "refs" / "main").read_text().strip()


def build_all(root: Path, stop: str = "natural") -> Replicas:
    """Every replica, in Coqui's layouts under `root` (about 300 MB; 10-20 s)."""
    replicas = Replicas(root / "tts-home", root / "hf-home")
    scratch = root / "scratch"
    build_css10(replicas.zoo_folder(CSS10))
    build_melgan(replicas.zoo_folder(MELGAN))
    hub_layout(replicas.hf_home / "hub", MAI_REPO, build_mai(scratch / "mai", stop=stop))
    build_your_tts(replicas.zoo_folder(YOURTTS))
    hub_layout(replicas.hf_home / "hub", XTTS_REPO, build_xtts(scratch / "xtts"))
    hub_layout(replicas.hf_home / "hub", OPENVOICE_REPO, build_openvoice(scratch / "openvoice"))
    replicas.zoo_folder(XTTS).mkdir(parents=True, exist_ok=True)  # Coqui keeps the licence acceptance here
    (replicas.zoo_folder(XTTS) / "tos_agreed.txt").write_text(
        "I have read, understood and agreed to the Terms and Conditions."
    )
    shutil.rmtree(scratch, ignore_errors=True)
    return replicas


# --- helpers ---------------------------------------------------------------------------------------


def old_weight_norm(state: dict) -> dict:
    """A state dict as torch < 2.1 saved it: parametrized weight norm as weight_g / weight_v."""
    out = {}
    for key, value in state.items():
        key = key.replace("parametrizations.weight.original0", "weight_g").replace(
            "parametrizations.weight.original1", "weight_v"
        )
        out[key] = value
    return out


def hub_layout(hub: Path, repo_id: str, files: dict[str, Path], revision: str | None = None) -> Path:
    """Move `files` into the Hub cache as huggingface_hub lays out a snapshot: content-addressed
    blobs, a snapshot folder of relative symlinks, refs/main naming the revision."""
    repo = hub / ("models--" + repo_id.replace("/", "--"))
    digest = hashlib.sha1(repo_id.encode())
    for name in sorted(files):
        digest.update(name.encode() + files[name].read_bytes()[:4096])
    revision = revision or digest.hexdigest()
    snapshot = repo / "snapshots" / revision
    (repo / "blobs").mkdir(parents=True, exist_ok=True)
    snapshot.mkdir(parents=True, exist_ok=True)
    for name, source in files.items():
        blob = repo / "blobs" / hashlib.sha256(source.read_bytes()).hexdigest()
        shutil.move(str(source), blob)
        link = snapshot / name
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(os.path.relpath(blob, link.parent))
    (repo / "refs").mkdir(exist_ok=True)
    (repo / "refs" / "main").write_text(revision)
    return snapshot


def write_config(config, path: Path, **rewrite) -> dict:
    """Save a Coqui config as JSON, then overwrite fields (dotted keys) as the released file has them."""
    config.save_json(str(path))
    data = json.loads(path.read_text(encoding="utf-8"))
    for dotted, value in rewrite.items():
        holder = data
        *parents, last = dotted.split(".")
        for key in parents:
            holder = holder[key]
        holder[last] = value
    path.write_text(json.dumps(data, indent=4, ensure_ascii=False), encoding="utf-8")
    return data


def scale_stats(path: Path, audio: dict, n_linear: int) -> None:
    """A scale_stats.npy as Coqui's compute_statistics writes it (plausible dB means and spreads)."""
    stats = {
        "mel_mean": np.linspace(-30.0, -60.0, audio["num_mels"]).astype(np.float32),
        "mel_std": np.full(audio["num_mels"], 18.0, dtype=np.float32),
        "linear_mean": np.linspace(-30.0, -70.0, n_linear).astype(np.float32),
        "linear_std": np.full(n_linear, 20.0, dtype=np.float32),
        "audio_config": {
            k: audio[k]
            for k in ("num_mels", "fft_size", "hop_length", "win_length", "mel_fmin", "mel_fmax", "sample_rate")
        },
    }
    with open(path, "wb") as f:
        np.save(f, stats, allow_pickle=True)


# --- tts_models/fr/css10/vits --------------------------------------------------------------------


def build_css10(folder: Path, full: bool = False) -> Path:
    """The css10 VITS in `folder` (a downloaded zoo folder's files). `full`: the 27 M-parameter
    generator of NeonGecko's VITS layout (bench/coqui.py); else a reduced one."""
    import torch
    from TTS.config.shared_configs import BaseAudioConfig
    from TTS.tts.configs.shared_configs import CharactersConfig
    from TTS.tts.configs.vits_config import VitsArgs, VitsConfig
    from TTS.tts.models.vits import Vits

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "speaker_ids.json").write_text(json.dumps({"fr": 0, "gilles": 0}, indent=4))
    (folder / "language_ids.json").write_text(json.dumps({"fr": 0}, indent=4))
    if full:
        sizes = dict(
            hidden_channels=192,
            hidden_channels_ffn_text_encoder=768,
            num_layers_text_encoder=6,
            num_layers_posterior_encoder=16,
            num_layers_flow=4,
            speaker_embedding_channels=256,
            resblock_kernel_sizes_decoder=[3, 5, 7],
            resblock_dilation_sizes_decoder=[[1, 2], [2, 6], [3, 12]],
            upsample_initial_channel_decoder=256,
        )
    else:
        sizes = dict(
            hidden_channels=16,
            hidden_channels_ffn_text_encoder=32,
            num_layers_text_encoder=1,
            num_layers_posterior_encoder=1,
            num_layers_flow=1,
            speaker_embedding_channels=16,
            resblock_kernel_sizes_decoder=[3],
            resblock_dilation_sizes_decoder=[[1, 2]],
            upsample_initial_channel_decoder=32,
        )
    args = VitsArgs(
        num_heads_text_encoder=2,
        kernel_size_text_encoder=3,
        resblock_type_decoder="2",
        upsample_rates_decoder=[8, 8, 4],
        upsample_kernel_sizes_decoder=[16, 16, 8],  # hop 256 at 22.05 kHz
        use_sdp=True,
        inference_noise_scale=0.3,
        inference_noise_scale_dp=0.3,
        use_speaker_embedding=True,
        speakers_file=str(folder / "speaker_ids.json"),
        use_language_embedding=True,
        embedded_language_dim=4,
        language_ids_file=str(folder / "language_ids.json"),
        condition_dp_on_speaker=True,
        init_discriminator=False,
        **sizes,
    )
    characters = CharactersConfig(
        characters_class="TTS.tts.models.vits.VitsCharacters",
        pad="<PAD>",
        eos="<EOS>",
        bos="<BOS>",
        blank="<BLNK>",
        characters=FRENCH_LETTERS,
        punctuations=GRAPHEME_PUNCTUATION,
        phonemes=None,
        is_unique=True,
        is_sorted=True,
    )
    config = VitsConfig(
        model_args=args,
        run_name="vits_css10_fr",
        use_phonemes=False,
        phonemizer=None,
        phoneme_language=None,
        text_cleaner="multilingual_cleaners",
        characters=characters,
        add_blank=True,
        audio=BaseAudioConfig(
            sample_rate=22050, win_length=1024, hop_length=256, fft_size=1024, num_mels=80, mel_fmin=0, mel_fmax=None
        ),
        use_speaker_embedding=True,
        speakers_file=str(folder / "speaker_ids.json"),
    )
    torch.manual_seed(1010)
    model = Vits(config)
    state = {k: v for k, v in model.state_dict().items() if not k.startswith("disc.")}
    torch.save({"model": old_weight_norm(state), "step": 560000, "epoch": 1000}, folder / "model_file.pth.tar")
    write_config(
        config,
        folder / "config.json",
        **{
            "speakers_file": f"{FOREIGN_HUB}/speaker_ids.json",
            "model_args.speakers_file": f"{FOREIGN_HUB}/speaker_ids.json",
            "language_ids_file": f"{FOREIGN_HUB}/language_ids.json",
            "model_args.language_ids_file": f"{FOREIGN_HUB}/language_ids.json",
        },
    )
    return folder


# --- tts_models/fr/mai/tacotron2-DDC and its vocoder ----------------------------------------------

MAI_AUDIO = dict(
    sample_rate=16000,
    resample=False,
    num_mels=80,
    log_func="np.log10",
    min_level_db=-100,
    frame_shift_ms=None,
    frame_length_ms=None,
    ref_level_db=20,
    fft_size=1024,
    power=1.5,
    preemphasis=0.0,
    griffin_lim_iters=60,
    signal_norm=True,
    symmetric_norm=True,
    mel_fmin=50.0,
    mel_fmax=7600.0,
    pitch_fmin=0.0,
    pitch_fmax=640.0,
    spec_gain=1.0,
    stft_pad_mode="reflect",
    max_norm=4.0,
    clip_norm=True,
    do_trim_silence=True,
    trim_db=60,
    do_sound_norm=False,
    do_amp_to_db_linear=True,
    do_amp_to_db_mel=True,
    do_rms_norm=False,
    db_level=None,
    hop_length=256,
    win_length=1024,
)


def build_mai(folder: Path, stop: str = "natural") -> dict[str, Path]:
    """The mai Tacotron2-DDC's files (config.json, model_file.pth, scale_stats.npy) in `folder`."""
    import torch
    from TTS.tts.configs.shared_configs import BaseAudioConfig, CharactersConfig
    from TTS.tts.configs.tacotron2_config import Tacotron2Config
    from TTS.tts.models.tacotron2 import Tacotron2

    folder.mkdir(parents=True, exist_ok=True)
    scale_stats(folder / "scale_stats.npy", MAI_AUDIO, MAI_AUDIO["fft_size"] // 2 + 1)
    characters = CharactersConfig(
        characters_class="TTS.tts.utils.text.characters.IPAPhonemes",
        pad="_",
        eos="~",
        bos="^",
        blank=None,
        characters=IPA_PHONEMES,
        punctuations=GRAPHEME_PUNCTUATION,
        phonemes=IPA_PHONEMES,
        # Sorted, as the real model's vocabulary is: it was trained with mozilla TTS, whose
        # make_symbols sorted the phonemes, and Coqui's CharactersConfig sorts by default.
        # Unsorted and unique, Coqui builds the vocabulary from a set, in an order that changes
        # with each process's PYTHONHASHSEED (the same text then gave other speech every run).
        is_unique=True,
        is_sorted=True,
    )
    config = Tacotron2Config(
        run_name="mailabs-fr-ddc",
        audio=BaseAudioConfig(**{**MAI_AUDIO, "stats_path": str(folder / "scale_stats.npy")}),
        use_phonemes=True,
        phonemizer="espeak",
        phoneme_language="fr-fr",
        text_cleaner="phoneme_cleaners",
        characters=characters,
        add_blank=False,
        enable_eos_bos_chars=False,
        r=2,
        max_decoder_steps=500,
        double_decoder_consistency=True,
        ddc_r=6,
        attention_type="original",
        location_attn=True,
        use_forward_attn=False,
        windowing=False,
        prenet_type="original",
        prenet_dropout=True,
        stopnet=True,
        separate_stopnet=True,
        use_gst=False,
    )
    torch.manual_seed(2020)
    model = Tacotron2(config)
    if stop == "natural":
        natural_stop(model)
    elif stop in ("never", "early"):
        stopnet = [m for m in model.decoder.stopnet.modules() if isinstance(m, torch.nn.Linear)][0]
        with torch.no_grad():
            stopnet.weight.zero_()
            stopnet.bias.fill_(-20.0 if stop == "never" else 20.0)
    torch.save({"model": model.state_dict(), "r": 1, "step": 100000}, folder / "model_file.pth")
    write_config(config, folder / "config.json", **{"audio.stats_path": f"{FOREIGN_TRAIN}/scale_stats.npy"})
    return {name: folder / name for name in ("config.json", "model_file.pth", "scale_stats.npy")}


FRAMES_PER_TOKEN = 3.5  # 62.5 frames a second at 16 kHz / hop 256: about 18 phonemes a second, a brisk reader


def natural_stop(model, frames_per_token: float = FRAMES_PER_TOKEN) -> None:
    """Wire a random Tacotron2 to stop as a trained one does: after about `frames_per_token`
    decoder frames per input token. Everything else stays random. Three places:
    - the encoder's forward LSTM unit 0 counts positions (h_i ~ delta * (i + 1));
    - the attention is uniform (query, input and location layers zeroed), so the context holds
      the mean of that unit over the text: ~ delta * (T + 1) / 2, a measure of its length T;
    - two decoder LSTM units: one counts steps (~ a * t), one follows that context channel;
      the stop token fires when the first passes the second, at t ~ frames_per_token * T.
    """
    import torch

    delta, rate = 1e-3, 1e-3  # small: every tanh on the way stays in its linear range
    follow = 2 * rate * frames_per_token / delta
    encoder, decoder = model.encoder.lstm, model.decoder
    hidden = encoder.hidden_size
    with torch.no_grad():
        for name in ("weight_ih_l0", "weight_hh_l0", "bias_hh_l0"):
            getattr(encoder, name)[0::hidden].zero_()  # unit 0's rows in the i, f, g, o blocks
        bias = encoder.bias_ih_l0
        bias[0], bias[hidden], bias[2 * hidden], bias[3 * hidden] = 20.0, 20.0, float(np.arctanh(delta)), 20.0
        attention = decoder.attention
        for layer in (attention.query_layer, attention.inputs_layer, attention.location_layer):
            for p in layer.parameters():
                p.zero_()
        cell, units = decoder.decoder_rnn, decoder.decoder_rnn_dim
        counter, follower = 0, 1
        for unit in (counter, follower):
            for gate in range(4):
                cell.weight_ih[gate * units + unit].zero_()
                cell.weight_hh[gate * units + unit].zero_()
                cell.bias_hh[gate * units + unit] = 0.0
        b = cell.bias_ih
        b[counter], b[units + counter], b[2 * units + counter], b[3 * units + counter] = (
            20.0,
            20.0,
            float(np.arctanh(rate)),
            20.0,
        )
        b[follower], b[units + follower], b[2 * units + follower], b[3 * units + follower] = 20.0, -20.0, 0.0, 20.0
        cell.weight_ih[2 * units + follower, decoder.query_dim + 0] = follow  # context channel 0: the encoder's counter
        stopnet = [m for m in decoder.stopnet.modules() if isinstance(m, torch.nn.Linear)][0]
        stopnet.weight.zero_()
        stopnet.weight[0, counter], stopnet.weight[0, follower] = 200.0, -200.0
        stopnet.bias.fill_(-1.0)


MELGAN_AUDIO = dict(
    fft_size=1024,
    win_length=1024,
    hop_length=256,
    frame_length_ms=None,
    frame_shift_ms=None,
    sample_rate=24000,
    preemphasis=0.0,
    ref_level_db=0,
    do_trim_silence=True,
    trim_db=60,
    num_mels=80,
    mel_fmin=80.0,
    mel_fmax=12000.0,
    spec_gain=20.0,
    signal_norm=True,
    min_level_db=-100,
    symmetric_norm=True,
    max_norm=4.0,
    clip_norm=True,
)


def build_melgan(folder: Path) -> Path:
    """The universal fullband MelGAN (24 kHz) in `folder`: an old GAN checkpoint, generator only."""
    import torch
    from TTS.tts.configs.shared_configs import BaseAudioConfig
    from TTS.vocoder.configs.fullband_melgan_config import FullbandMelganConfig
    from TTS.vocoder.models import setup_generator

    folder.mkdir(parents=True, exist_ok=True)
    scale_stats(folder / "scale_stats.npy", MELGAN_AUDIO, MELGAN_AUDIO["fft_size"] // 2 + 1)
    config = FullbandMelganConfig(
        run_name="fullband-melgan",
        generator_model="fullband_melgan_generator",
        generator_model_params={"upsample_factors": [8, 8, 4], "num_res_blocks": 4},
        use_pqmf=False,
        audio=BaseAudioConfig(**{**MELGAN_AUDIO, "stats_path": str(folder / "scale_stats.npy")}),
    )
    torch.manual_seed(3030)
    generator = setup_generator(config)
    torch.save(
        {"model": old_weight_norm(generator.state_dict()), "model_disc": {}, "step": 1000000}, folder / "model_file.pth"
    )
    write_config(config, folder / "config.json", **{"audio.stats_path": f"{FOREIGN_TRAIN}/scale_stats.npy"})
    return folder


# --- tts_models/multilingual/multi-dataset/your_tts ----------------------------------------------


def build_your_tts(folder: Path) -> Path:
    import torch
    from TTS.config.shared_configs import BaseAudioConfig
    from TTS.encoder.configs.speaker_encoder_config import SpeakerEncoderConfig
    from TTS.encoder.utils.generic_utils import setup_encoder_model
    from TTS.tts.configs.shared_configs import CharactersConfig
    from TTS.tts.configs.vits_config import VitsArgs, VitsConfig
    from TTS.tts.models.vits import Vits

    folder.mkdir(parents=True, exist_ok=True)
    gen = torch.Generator().manual_seed(4040)
    speakers = {}
    for i, name in enumerate(YOURTTS_SPEAKERS):
        for clip in range(2):
            vector = torch.randn(512, generator=gen)
            speakers[f"{name.strip()}_{i}_{clip}.wav"] = {"name": name, "embedding": (vector / vector.norm()).tolist()}
    (folder / "speakers.json").write_text(json.dumps(speakers))
    (folder / "language_ids.json").write_text(json.dumps({"en": 0, "fr-fr": 1, "pt-br": 2}, indent=4))
    encoder_config = SpeakerEncoderConfig(
        model_params={
            "model_name": "resnet",
            "input_dim": 64,
            "use_torch_spec": True,
            "log_input": True,
            "proj_dim": 512,
        },
        audio=BaseAudioConfig(
            fft_size=512,
            win_length=400,
            hop_length=160,
            sample_rate=16000,
            preemphasis=0.97,
            num_mels=64,
            mel_fmin=0.0,
            mel_fmax=8000.0,
            spec_gain=20,
            signal_norm=False,
            do_rms_norm=True,
            db_level=-27.0,
            do_trim_silence=False,
        ),
        num_loader_workers=8,
        num_classes_in_batch=100,
        num_utter_per_class=4,
        voice_len=2.0,
        loss="angleproto",
    )
    encoder_config.save_json(str(folder / "config_se.json"))
    torch.manual_seed(4041)
    encoder = setup_encoder_model(encoder_config)
    torch.save({"model": encoder.state_dict(), "step": 0}, folder / "model_se.pth.tar")
    args = VitsArgs(
        hidden_channels=16,
        hidden_channels_ffn_text_encoder=32,
        num_heads_text_encoder=2,
        num_layers_text_encoder=1,
        num_layers_flow=1,
        num_layers_posterior_encoder=1,
        resblock_type_decoder="2",
        resblock_kernel_sizes_decoder=[3],
        resblock_dilation_sizes_decoder=[[1, 3]],
        upsample_rates_decoder=[8, 8, 2, 2],
        upsample_initial_channel_decoder=32,
        upsample_kernel_sizes_decoder=[16, 16, 4, 4],
        use_sdp=True,
        use_speaker_embedding=False,
        use_d_vector_file=True,
        d_vector_file=[str(folder / "speakers.json")],
        d_vector_dim=512,
        use_language_embedding=True,
        embedded_language_dim=4,
        language_ids_file=str(folder / "language_ids.json"),
        speaker_encoder_model_path=str(folder / "model_se.pth.tar"),
        speaker_encoder_config_path=str(folder / "config_se.json"),
        init_discriminator=False,
    )
    characters = CharactersConfig(
        characters_class="TTS.tts.models.vits.VitsCharacters",
        pad="_",
        eos="&",
        bos="*",
        blank=None,
        characters="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\u00af\u00b7\u00df\u00e0\u00e1\u00e2\u00e3\u00e4\u00e6\u00e7\u00e8\u00e9\u00ea\u00eb\u00ec\u00ed\u00ee\u00ef\u00f1\u00f2\u00f3\u00f4\u00f5\u00f6\u00f9\u00fa\u00fb\u00fc\u00ff\u0101\u0105\u0107\u0113\u0119\u011b\u012b\u0131\u0142\u0144\u014d\u0151\u0153\u015b\u016b\u0171\u017a\u017c\u01ce\u01d0\u01d2\u01d4\u0430\u0431\u0432\u0433\u0434\u0435\u0436\u0437\u0438\u0439\u043a\u043b\u043c\u043d\u043e\u043f\u0440\u0441\u0442\u0443\u0444\u0445\u0446\u0447\u0448\u0449\u044a\u044b\u044c\u044d\u044e\u044f\u0451\u0454\u0456\u0457\u0491\u2013!'(),-.:;? ",
        punctuations="!'(),-.:;? ",
        phonemes=None,
        is_unique=True,
        is_sorted=True,
    )
    config = VitsConfig(
        model_args=args,
        run_name="YourTTS-EN-PT-FR",
        use_phonemes=False,
        text_cleaner="multilingual_cleaners",
        characters=characters,
        add_blank=True,
        audio=BaseAudioConfig(sample_rate=16000, win_length=1024, hop_length=256, fft_size=1024, num_mels=80),
        use_d_vector_file=True,
        d_vector_file=[str(folder / "speakers.json")],
        d_vector_dim=512,
    )
    torch.manual_seed(4042)
    model = Vits(config)
    state = {
        k: v for k, v in model.state_dict().items() if not k.startswith("disc.") and not k.startswith("speaker_manager")
    }
    state = {k: v for k, v in state.items() if not k.startswith("speaker_encoder.")}
    torch.save({"model": old_weight_norm(state), "step": 0}, folder / "model_file.pth")
    foreign = f"{FOREIGN_TRAIN}/YourTTS"
    write_config(
        config,
        folder / "config.json",
        **{
            "d_vector_file": [f"{foreign}/speakers.json"],
            "model_args.d_vector_file": [f"{foreign}/speakers.json"],
            "language_ids_file": f"{foreign}/language_ids.json",
            "model_args.language_ids_file": f"{foreign}/language_ids.json",
            "model_args.speaker_encoder_model_path": f"{foreign}/model_se.pth.tar",
            "model_args.speaker_encoder_config_path": f"{foreign}/config_se.json",
        },
    )
    return folder


# --- tts_models/multilingual/multi-dataset/xtts_v2 -----------------------------------------------


def xtts_vocab(path: Path) -> None:
    """A vocab.json of XTTS's shape: a BPE tokenizer, special tokens, one token a character."""
    from tokenizers import Tokenizer
    from tokenizers.models import BPE
    from tokenizers.pre_tokenizers import Whitespace

    specials = ["[STOP]", "[UNK]", "[SPACE]"]
    symbols = list("!'(),-./:;?") + list(FRENCH_LETTERS) + list("0123456789")
    vocab = {token: i for i, token in enumerate(specials + symbols)}
    for token in ["[START]"] + [f"[{lang}]" for lang in XTTS_LANGUAGES]:
        vocab[token] = len(vocab)
    tokenizer = Tokenizer(BPE(vocab=vocab, merges=[], unk_token="[UNK]"))
    tokenizer.pre_tokenizer = Whitespace()
    tokenizer.add_special_tokens(specials + ["[START]"] + [f"[{lang}]" for lang in XTTS_LANGUAGES])
    tokenizer.save(str(path))


def build_xtts(folder: Path) -> dict[str, Path]:
    """A reduced XTTS v2's files: the released shapes, one GPT layer of 64 channels."""
    import torch
    from TTS.tts.configs.xtts_config import XttsArgs, XttsAudioConfig, XttsConfig
    from TTS.tts.layers.xtts.tokenizer import VoiceBpeTokenizer
    from TTS.tts.models.xtts import Xtts

    folder.mkdir(parents=True, exist_ok=True)
    xtts_vocab(folder / "vocab.json")
    channels = 64
    args = XttsArgs(
        gpt_batch_size=1,
        enable_redaction=False,
        kv_cache=True,
        gpt_max_audio_tokens=605,
        gpt_max_text_tokens=402,
        gpt_max_prompt_tokens=70,
        gpt_layers=1,
        gpt_n_model_channels=channels,
        gpt_n_heads=2,
        gpt_number_text_tokens=6681,
        gpt_num_audio_tokens=1026,
        gpt_start_audio_token=1024,
        gpt_stop_audio_token=1025,
        gpt_code_stride_len=1024,
        gpt_use_masking_gt_prompt_approach=True,
        gpt_use_perceiver_resampler=True,
        input_sample_rate=22050,
        output_sample_rate=24000,
        output_hop_length=256,
        decoder_input_dim=channels,
        d_vector_dim=512,
        cond_d_vector_in_each_upsampling_layer=True,
        duration_const=102400,
    )
    config = XttsConfig(
        model_args=args,
        audio=XttsAudioConfig(sample_rate=22050, output_sample_rate=24000),
        languages=list(XTTS_LANGUAGES),
        temperature=0.75,
        length_penalty=1.0,
        repetition_penalty=5.0,
        top_k=50,
        top_p=0.85,
        gpt_cond_len=30,
        gpt_cond_chunk_len=4,
        max_ref_len=30,
        sound_norm_refs=False,
    )
    torch.manual_seed(5050)
    model = Xtts(config)
    model.tokenizer = VoiceBpeTokenizer(vocab_file=str(folder / "vocab.json"))
    model.init_models()
    speakers = {}
    gen = torch.Generator().manual_seed(5051)
    for name in XTTS_SPEAKERS:
        embedding = torch.randn(1, 512, 1, generator=gen)
        speakers[name] = {
            "gpt_cond_latent": torch.randn(1, 32, channels, generator=gen),
            "speaker_embedding": embedding / embedding.norm(),
        }
    torch.save(speakers, folder / "speakers_xtts.pth")
    torch.save({"mel_mean": torch.zeros(80), "mel_std": torch.ones(80)}, folder / "mel_stats.pth")
    config.save_json(str(folder / "config.json"))
    # The released model.pth pickles its XttsConfig, with XttsArgs and XttsAudioConfig from their
    # old module: coqui-tts 0.28 loads it through its legacy path and saves it back as a dict.
    moved = (XttsArgs, XttsAudioConfig)
    saved = [c.__module__ for c in moved]
    try:
        for cls in moved:
            cls.__module__ = "TTS.tts.models.xtts"
        torch.save({"model": model.state_dict(), "config": config}, folder / "model.pth")
    finally:
        for cls, module in zip(moved, saved, strict=True):
            cls.__module__ = module
    digest = hashlib.md5((folder / "model.pth").read_bytes()).hexdigest()
    (folder / "hash.md5").write_text(digest)
    (folder / "LICENSE.txt").write_text("Coqui Public Model License 1.0.0 (replica: random weights)\n")
    names = ("config.json", "model.pth", "vocab.json", "speakers_xtts.pth", "mel_stats.pth", "hash.md5", "LICENSE.txt")
    return {name: folder / name for name in names}


# --- OpenVoice v2 (the house voice's converter) ------------------------------------------------------

# converter/config.json as myshell-ai/OpenVoiceV2 ships it: OpenVoice's own layout (data, model),
# not a Coqui config; Coqui's OpenVoice.load_checkpoint reads the audio settings from it.
OPENVOICE_CONFIG = {
    "_version_": "v2",
    "data": {"sampling_rate": 22050, "filter_length": 1024, "hop_length": 256, "win_length": 1024, "n_speakers": 0},
    "model": {
        "zero_g": True,
        "inter_channels": 192,
        "hidden_channels": 192,
        "filter_channels": 768,
        "n_heads": 2,
        "n_layers": 6,
        "kernel_size": 3,
        "p_dropout": 0.1,
        "resblock": "1",
        "resblock_kernel_sizes": [3, 7, 11],
        "resblock_dilation_sizes": [[1, 3, 5], [1, 3, 5], [1, 3, 5]],
        "upsample_rates": [8, 8, 2, 2],
        "upsample_initial_channel": 512,
        "upsample_kernel_sizes": [16, 16, 4, 4],
        "gin_channels": 256,
    },
}


def build_openvoice(folder: Path) -> dict[str, Path]:
    """OpenVoice v2's converter at full size with random weights: converter/checkpoint.pth (a
    {"model": state} dict with weight_g / weight_v, as trained with an older torch) and
    converter/config.json; the Hub repo's layout (its allow pattern is converter/*)."""
    import torch
    from TTS.vc.configs.openvoice_config import OpenVoiceConfig
    from TTS.vc.models.openvoice import OpenVoice

    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(7)
    model = OpenVoice(OpenVoiceConfig())
    checkpoint, config = folder / "checkpoint.pth", folder / "config.json"
    torch.save({"model": old_weight_norm(model.state_dict())}, checkpoint)
    config.write_text(json.dumps(OPENVOICE_CONFIG, indent=2), encoding="utf-8")
    return {"converter/checkpoint.pth": checkpoint, "converter/config.json": config}
