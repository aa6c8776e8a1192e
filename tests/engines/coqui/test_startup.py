"""What Coqui computes at import and load that inference does not need, made cheap
(`briefing/engines/coqui/startup.py`): the same values, without scipy.signal, one metadata scan."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

import numpy as np
import pytest

from briefing.engines.coqui.startup import mel_basis, one_metadata_scan

# (sample rate, FFT size, mel bands, fmin, fmax): the real models' audio configs (css10 VITS,
# mai Tacotron2-DDC and its full-band MelGAN, XTTS-like 24 kHz), and edges of the formula
# (fmax None: half the rate; an fmin above 1 kHz: the log part only).
CONFIGS = [
    (22050, 1024, 80, 0, None),
    (22050, 1024, 80, 0, 8000),
    (22050, 1024, 80, 50, 7600),
    (24000, 1024, 80, 0, 12000),
    (16000, 512, 40, 0, 8000),
    (44100, 2048, 128, 20, None),
    (22050, 1024, 80, 1200, 9000),
]


@pytest.mark.parametrize("rate,fft,mels,fmin,fmax", CONFIGS)
def test_mel_basis_equals_librosa_s(rate, fft, mels, fmin, fmax):
    librosa = pytest.importorskip("librosa")
    expected = librosa.filters.mel(sr=rate, n_fft=fft, n_mels=mels, fmin=fmin, fmax=fmax)
    got = mel_basis(sample_rate=rate, fft_size=fft, num_mels=mels, mel_fmin=fmin, mel_fmax=fmax)
    assert got.dtype == expected.dtype and np.array_equal(got, expected)


def test_coqui_s_audio_processor_gets_the_same_basis_without_importing_scipy_signal():
    """In a fresh process: Coqui's AudioProcessor, as every model builds it, has librosa's basis
    and scipy.signal (1.3 s of import) is never imported."""
    pytest.importorskip("TTS.api", reason="coqui-tts is not installed (make test installs it)")
    code = """
import sys
import numpy as np
from briefing.engines.coqui.startup import install_mel_basis
from TTS.config.shared_configs import BaseAudioConfig
from TTS.utils.audio.processor import AudioProcessor
install_mel_basis()
ap = AudioProcessor(BaseAudioConfig(sample_rate=22050, fft_size=1024, num_mels=80, mel_fmin=0, mel_fmax=8000))
print("scipy.signal" in sys.modules, "librosa.filters" in sys.modules)
np.save(sys.argv[1], ap.mel_basis)
"""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        path = f"{tmp}/basis.npy"
        out = subprocess.run([sys.executable, "-c", code, path], capture_output=True, text=True, check=True)
        assert out.stdout.split() == ["False", "False"]
        import librosa

        expected = librosa.filters.mel(sr=22050, n_fft=1024, n_mels=80, fmin=0, fmax=8000)
        assert np.array_equal(np.load(path), expected)


def test_one_metadata_scan_answers_as_the_scan_does_and_scans_once(monkeypatch):
    expected = importlib.metadata.packages_distributions()
    calls = []
    original = importlib.metadata.packages_distributions

    def counted():
        calls.append(1)
        return original()

    monkeypatch.setattr(importlib.metadata, "packages_distributions", counted)
    with one_metadata_scan():
        first = importlib.metadata.packages_distributions()
        first["numpy"].append("changed by a caller")  # each caller gets its own copy
        second = importlib.metadata.packages_distributions()
    assert len(calls) == 1 and second == expected
    assert importlib.metadata.packages_distributions is counted  # put back
