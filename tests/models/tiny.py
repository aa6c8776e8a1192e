"""Tiny Coqui VITS models built in the test run: random weights, real architecture, real loading.

Each is a folder with model.pth ({"model": state_dict}, what Coqui's loader reads) and
config.json (and speakers.json for the multi-speaker one), loaded by `TTS(model_path=...,
config_path=...)` exactly like a trained model. They speak noise, but every step of the real
inference code runs. Characters in (no phonemizer), 16 kHz out, about 1 MB each.
"""

from __future__ import annotations

import json
from pathlib import Path

# Lower-case French letters and the punctuation the front end leaves; the model's cleaner
# (multilingual_cleaners) lower-cases and keeps accents.
FRENCH_CHARACTERS = "abcdefghijklmnopqrstuvwxyzàâæçéèêëîïôœùûüÿ"
FRENCH_PUNCTUATION = " !'(),-.:;?«»…’"
SPEAKERS = ("ana", "bruno", "chloe")


def characters_config():
    from TTS.tts.configs.shared_configs import CharactersConfig

    return CharactersConfig(
        characters_class="TTS.tts.utils.text.characters.Graphemes",
        pad="_",
        eos="~",
        bos="^",
        blank="#",
        characters=FRENCH_CHARACTERS,
        punctuations=FRENCH_PUNCTUATION,
        phonemes=None,
        is_unique=True,
        is_sorted=True,
    )


def build_tiny_vits(folder: Path, speakers: tuple[str, ...] = ()) -> tuple[Path, Path]:
    """Write a tiny VITS (multi-speaker when `speakers` is given) into `folder`; return (model, config)."""
    import torch
    from TTS.tts.configs.shared_configs import BaseAudioConfig
    from TTS.tts.configs.vits_config import VitsConfig
    from TTS.tts.models.vits import Vits, VitsArgs

    folder.mkdir(parents=True, exist_ok=True)
    speakers_file = None
    if speakers:
        speakers_file = folder / "speakers.json"
        speakers_file.write_text(json.dumps({name: i for i, name in enumerate(speakers)}), encoding="utf-8")
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
        upsample_rates_decoder=[4, 4, 4],
        upsample_initial_channel_decoder=32,
        upsample_kernel_sizes_decoder=[8, 8, 8],
        init_discriminator=False,  # inference only: a trained checkpoint's discriminator is dropped at load anyway
        use_speaker_embedding=bool(speakers),
        speaker_embedding_channels=16,
        speakers_file=str(speakers_file) if speakers_file else None,
    )
    config = VitsConfig(
        model_args=args,
        use_phonemes=False,
        text_cleaner="multilingual_cleaners",
        characters=characters_config(),
        add_blank=True,
        # hop 64 = the decoder's 4*4*4 upsampling; fft 256 -> 129 linear bins
        audio=BaseAudioConfig(sample_rate=16000, fft_size=256, win_length=256, hop_length=64, num_mels=40),
        use_speaker_embedding=bool(speakers),
        speakers_file=str(speakers_file) if speakers_file else None,
        phoneme_language="fr",  # the model's one language (unused without phonemes, but declared)
    )
    torch.manual_seed(1234)
    model = Vits(config)
    model_path, config_path = folder / "model.pth", folder / "config.json"
    torch.save({"model": model.state_dict()}, model_path)
    config.save_json(str(config_path))
    return model_path, config_path
