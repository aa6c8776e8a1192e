"""MelGAN vocoding on windows (models.vocode_in_windows): the same audio as the whole segment at
once, within float noise, for the full-band MelGAN in the shape of mai's vocoder (the replica's
generator: upsampling 8 x 8 x 4, four residual blocks, so the same receptive field)."""

import pytest
import torch

from briefing.engines.coqui.models import VOCODER_CONTEXT, VOCODER_WINDOW, vocode_in_windows


@pytest.fixture(scope="module")
def melgan():
    from TTS.vocoder.configs.fullband_melgan_config import FullbandMelganConfig
    from TTS.vocoder.models import setup_generator

    config = FullbandMelganConfig(
        generator_model="fullband_melgan_generator",
        generator_model_params={"upsample_factors": [8, 8, 4], "num_res_blocks": 4},
        use_pqmf=False,
    )
    torch.manual_seed(3030)
    return setup_generator(config).eval()


@pytest.mark.parametrize("frames", [40, VOCODER_WINDOW + 2 * VOCODER_CONTEXT - 4, 700, 1337])
def test_windows_give_the_whole_segments_audio(melgan, frames):
    torch.manual_seed(frames)
    mel = torch.randn(1, 80, frames)
    with torch.inference_mode():
        whole = melgan.inference(mel)
        windowed = vocode_in_windows(melgan, mel)
    assert windowed.shape == whole.shape == (1, 1, (frames + 2 * melgan.inference_padding) * 256)
    assert float((windowed - whole).abs().max()) < 1e-6 * max(1.0, float(whole.abs().max()))


def test_other_vocoders_run_as_they_are():
    class Other(torch.nn.Module):  # a generator whose inference is not MelGAN's: left alone
        def inference(self, mel):
            return mel * 2

    mel = torch.ones(1, 80, 5000)
    assert torch.equal(vocode_in_windows(Other(), mel), mel * 2)
