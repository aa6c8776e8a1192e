"""What Coqui does at import and at load that inference never uses, made cheap.

Measured on a 2-core Xeon, the whole command with a full-size VITS (issue 30):

- Every Coqui model builds an AudioProcessor, and its constructor computes a mel filter bank with
  `librosa.filters.mel`. Importing `librosa.filters` imports scipy.signal, scipy.stats and
  scipy.optimize: 1.3 to 1.6 s of the model's load, holding the GIL, for a matrix that VITS never
  reads and that Tacotron reads only for Griffin-Lim. `mel_basis` computes the same matrix with
  numpy (librosa's Slaney formulas, step by step; equal to its output, tested), and
  `install_mel_basis` gives it to Coqui's AudioProcessor.
- `import TTS` calls `importlib.metadata.packages_distributions()` twice (TTS/__init__ and
  TTS.utils.import_utils): each call reads the file list of every installed distribution
  (0.28 s in the dev set-up). `one_metadata_scan` lets the second call reuse the first's answer.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
from collections.abc import Iterator

import numpy as np

# librosa's Slaney mel scale: linear below 1 kHz (200/3 Hz a mel), logarithmic above.
_F_SP = 200.0 / 3
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP
_LOGSTEP = np.log(6.4) / 27.0


def hz_to_mel(hz: float) -> float:
    """librosa.hz_to_mel(hz, htk=False) for one frequency."""
    hz = float(hz)
    if hz >= _MIN_LOG_HZ:
        return _MIN_LOG_MEL + np.log(hz / _MIN_LOG_HZ) / _LOGSTEP
    return hz / _F_SP


def mel_to_hz(mels: np.ndarray) -> np.ndarray:
    """librosa.mel_to_hz(mels, htk=False) for an array."""
    hz = _F_SP * mels
    log_t = mels >= _MIN_LOG_MEL
    hz[log_t] = _MIN_LOG_HZ * np.exp(_LOGSTEP * (mels[log_t] - _MIN_LOG_MEL))
    return hz


def mel_basis(
    *, sample_rate: int, fft_size: int, num_mels: int, mel_fmin: float, mel_fmax: float | None = None, **_
) -> np.ndarray:
    """Coqui's `build_mel_basis`: librosa.filters.mel(sr, n_fft, n_mels, fmin, fmax) with its
    defaults (Slaney scale, Slaney area normalisation, float32), without importing librosa.filters."""
    if mel_fmax is not None:  # Coqui's own checks
        assert mel_fmax <= sample_rate // 2
        assert mel_fmax - mel_fmin > 0
    fmax = float(sample_rate) / 2 if mel_fmax is None else mel_fmax
    weights = np.zeros((int(num_mels), int(1 + fft_size // 2)), dtype=np.float32)
    fftfreqs = np.fft.rfftfreq(n=fft_size, d=1.0 / sample_rate)
    mel_f = mel_to_hz(np.linspace(hz_to_mel(mel_fmin), hz_to_mel(fmax), int(num_mels) + 2))
    fdiff = np.diff(mel_f)
    ramps = np.subtract.outer(mel_f, fftfreqs)
    for i in range(int(num_mels)):
        lower = -ramps[i] / fdiff[i]
        upper = ramps[i + 2] / fdiff[i + 1]
        weights[i] = np.maximum(0, np.minimum(lower, upper))
    enorm = 2.0 / (mel_f[2 : int(num_mels) + 2] - mel_f[: int(num_mels)])
    weights *= enorm[:, np.newaxis]
    return weights


def install_mel_basis() -> None:
    """Make Coqui's AudioProcessor build its mel basis with `mel_basis` (idempotent)."""
    from TTS.utils.audio import numpy_transforms, processor

    processor.build_mel_basis = mel_basis
    numpy_transforms.build_mel_basis = mel_basis


@contextlib.contextmanager
def one_metadata_scan() -> Iterator[None]:
    """While it lasts, `importlib.metadata.packages_distributions()` scans the installed
    distributions once and returns copies of that answer (nothing installs packages meanwhile)."""
    original = importlib.metadata.packages_distributions
    scanned = functools.lru_cache(maxsize=1)(original)

    def packages_distributions():
        return {name: list(dists) for name, dists in scanned().items()}

    importlib.metadata.packages_distributions = packages_distributions
    try:
        yield
    finally:
        importlib.metadata.packages_distributions = original
