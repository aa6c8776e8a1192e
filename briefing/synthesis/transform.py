"""Derived voices: another speaker's voice from a model's own, by changing its pitch and its
vocal-tract length.

A preset with `base = "coqui-narrator"`, `pitch_shift` (semitones) and `formant_shift` (a ratio:
above 1 a shorter vocal tract, brighter, below 1 a longer one, darker) speaks with its base's
engine and settings, and each clip is transformed before mixing. The transform is the WORLD
vocoder (pyworld, MIT; WORLD itself modified-BSD): the clip is analysed into its F0 contour
(DIO refined by StoneMask), its spectral envelope (CheapTrick) and its aperiodicity (D4C); F0 is
scaled by 2^(semitones/12), the envelope's frequency axis by the formant ratio, and the clip
resynthesised at the same frame rate, so its length and its timing are the input's to the sample.
An identity transform returns the input unchanged, bit for bit.
"""

from __future__ import annotations

import numpy as np

from briefing.errors import EngineUnavailable

FRAME_PERIOD_MS = 5.0
# Part of the segment cache key: a change of the algorithm here must change it.
TRANSFORM_VERSION = 1
PEAK = 0.98  # below full scale: resynthesis may overshoot where the input did not
INSTALL_HINT = "derived voices need pyworld: pip install 'briefing[coqui]' (or pip install pyworld)"


def is_identity(semitones: float, formant: float) -> bool:
    return semitones == 0 and formant == 1


def available() -> str | None:
    """None when derived voices can be made here, else why not (one line)."""
    try:
        import pyworld  # noqa: F401
    except ImportError:
        return INSTALL_HINT
    return None


def identity(semitones: float, formant: float) -> dict:
    """What the transform adds to a segment's cache key."""
    try:
        from importlib.metadata import version

        pyworld = version("pyworld")
    except Exception:  # noqa: BLE001 - not installed: the key still differs from an installed one
        pyworld = ""
    return {"pitch_shift": semitones, "formant_shift": formant, "version": TRANSFORM_VERSION, "pyworld": pyworld}


def shift_voice(samples: np.ndarray, rate: int, semitones: float = 0.0, formant: float = 1.0) -> np.ndarray:
    """`samples` (mono float32) with its pitch moved by `semitones` and its formants by `formant`.

    Same length as the input; unvoiced stretches (F0 = 0) stay unvoiced; the peak is kept at
    or below the input's (and below full scale), so a transformed clip never clips.
    """
    if is_identity(semitones, formant) or samples.size == 0:
        return samples
    try:
        import pyworld as pw
    except ImportError:
        raise EngineUnavailable(INSTALL_HINT) from None
    x = np.ascontiguousarray(samples, dtype=np.float64)
    f0, times = pw.dio(x, rate, frame_period=FRAME_PERIOD_MS)
    f0 = pw.stonemask(x, f0, times, rate)
    envelope = pw.cheaptrick(x, f0, times, rate)
    aperiodicity = pw.d4c(x, f0, times, rate)
    if semitones:
        f0 = f0 * 2.0 ** (semitones / 12.0)
    if formant != 1:
        envelope = warp_envelope(envelope, formant)
    y = pw.synthesize(f0, envelope, aperiodicity, rate, frame_period=FRAME_PERIOD_MS)
    y = y[: x.size] if y.size >= x.size else np.pad(y, (0, x.size - y.size))
    peak, limit = float(np.max(np.abs(y))), min(PEAK, max(float(np.max(np.abs(x))), 1e-9))
    if peak > limit:
        y *= limit / peak
    return y.astype(np.float32)


def warp_envelope(envelope: np.ndarray, ratio: float) -> np.ndarray:
    """Move every frame's spectral envelope along the frequency axis: what was at f is now at
    f x ratio (formants up when ratio > 1). Beyond the original top, the last bin carries on."""
    bins = envelope.shape[1]
    source = np.arange(bins) / ratio
    low = np.clip(np.floor(source).astype(int), 0, bins - 1)
    high = np.clip(low + 1, 0, bins - 1)
    frac = np.clip(source - low, 0.0, 1.0)
    warped = envelope[:, low] * (1.0 - frac) + envelope[:, high] * frac
    return np.ascontiguousarray(np.maximum(warped, 1e-16))


# --- measures (bench/voices.py and the tests) -----------------------------------------------------


def _analyse(samples: np.ndarray, rate: int):
    import pyworld as pw

    x = np.ascontiguousarray(samples, dtype=np.float64)
    f0, times = pw.dio(x, rate, frame_period=FRAME_PERIOD_MS)
    f0 = pw.stonemask(x, f0, times, rate)
    return x, f0, times


def median_f0(samples: np.ndarray, rate: int) -> float:
    """The median fundamental frequency (Hz) of the voiced frames."""
    _, f0, _ = _analyse(samples, rate)
    voiced = f0[f0 > 0]
    return float(np.median(voiced)) if voiced.size else 0.0


def formant_ratio(reference: np.ndarray, shifted: np.ndarray, rate: int) -> float:
    """The stretch of the frequency axis that best maps `reference`'s mean log spectral envelope
    (voiced frames, 200 Hz to 4 kHz) onto `shifted`'s: 1.10 when formants went 10 % up."""
    import pyworld as pw

    def envelope(samples):
        x, f0, times = _analyse(samples, rate)
        return np.log(pw.cheaptrick(x, f0, times, rate)[f0 > 0].mean(axis=0))

    ref, out = envelope(reference), envelope(shifted)
    bins = np.arange(ref.size)
    hz = bins * rate / (2 * (ref.size - 1))
    band = (hz > 200) & (hz < 4000)
    ratios = np.arange(0.70, 1.45, 0.005)
    errors = [np.mean((out[band] - np.interp(bins[band] / r, bins, ref)) ** 2) for r in ratios]
    return float(ratios[int(np.argmin(errors))])
