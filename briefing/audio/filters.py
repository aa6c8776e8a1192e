"""The few filters the finishing chain needs, without importing scipy.signal or scipy.ndimage.

`scipy.signal` takes about a second to import (it pulls in scipy.stats, scipy.optimize and more,
GIL-bound) and `scipy.ndimage` a quarter of one; the chain uses one kernel of the first (the
second-order-sections IIR filter) and two sliding-window filters of the second. A listener of
`briefing speak ... -o -` waits for them before the first sound, so:

- `butter_highpass` and `kaiser_lowpass` design the filters with numpy, as scipy.signal's
  `butter(..., output="sos")` and `firwin(..., window=("kaiser", beta))` do (checked against
  them in the tests);
- `sosfilt` runs scipy's own compiled kernel (`scipy/signal/_sosfilt`), loaded from its file
  without running `scipy/signal/__init__.py`; should that file not load (another scipy's
  layout), it falls back on `scipy.signal.sosfilt`, the same kernel behind a slower import;
- `minimum_filter` and `moving_average` are `scipy.ndimage.minimum_filter1d` and
  `uniform_filter1d` (mode "nearest") in numpy: the minimum by van Herk / Gil-Werman (three
  passes whatever the width), the mean as scipy's running sum, in the same order.

Every result is scipy's to the bit (the tests compare them): an episode's MP3 is unchanged.
"""

from __future__ import annotations

import functools
import importlib.machinery
import importlib.util
import logging
from pathlib import Path

import numpy as np

log = logging.getLogger("briefing")


def butter_highpass(order: int, cutoff_hz: float, rate: int) -> np.ndarray:
    """A digital Butterworth high-pass of even `order` as second-order sections, the sections
    ordered and paired as scipy.signal.butter(order, cutoff_hz, "highpass", fs=rate,
    output="sos") gives them (bilinear transform with pre-warping; the gain on the first)."""
    if order < 2 or order % 2:
        raise ValueError(f"an even order of at least 2 is needed, not {order}")
    fs = 2.0  # scipy's normalisation: the cut-off as a fraction of Nyquist, then fs = 2
    warped = 2 * fs * np.tan(np.pi * (2 * cutoff_hz / rate) / fs)
    prototype = -np.exp(1j * np.pi * np.arange(-order + 1, order, 2) / (2 * order))
    gain = float(np.real(1 / np.prod(-prototype)))
    poles = warped / prototype  # low-pass to high-pass: every zero goes to s = 0
    fs2 = 2 * fs
    z_poles = (fs2 + poles) / (fs2 - poles)
    gain *= float(np.real(fs2**order / np.prod(fs2 - poles)))
    # One section per conjugate pair, the pair farthest from the unit circle first; two zeros at
    # z = 1 each (b = 1, -2, 1).
    upper = sorted((p for p in z_poles if p.imag > 0), key=lambda p: abs(1 - abs(p)), reverse=True)
    sos = np.array([[1.0, -2.0, 1.0, 1.0, -2 * p.real, p.real * p.real + p.imag * p.imag] for p in upper])
    sos[0, :3] *= gain
    return sos


def kaiser_lowpass(taps: int, cutoff: float, beta: float) -> np.ndarray:
    """A linear-phase FIR low-pass of `taps` taps, `cutoff` a fraction of Nyquist, Kaiser
    window: scipy.signal.firwin(taps, cutoff, window=("kaiser", beta)), unit gain at 0 Hz."""
    m = np.arange(taps) - (taps - 1) / 2
    h = cutoff * np.sinc(cutoff * m) * np.kaiser(taps, beta)
    return h / h.sum()


@functools.cache
def _kernel():
    """scipy's compiled `_sosfilt(sos, x, zi)` (in place on x, 2-D, and zi, 3-D), or None."""
    try:
        import scipy

        suffix = importlib.machinery.EXTENSION_SUFFIXES[0]
        path = Path(scipy.__file__).parent / "signal" / f"_sosfilt{suffix}"
        spec = importlib.util.spec_from_file_location("scipy.signal._sosfilt", path)
        if spec is None or spec.loader is None:
            return None
        # The extension registers itself as scipy.signal._sosfilt: scipy.signal, imported later
        # (by Coqui, say), finds it there and uses the same module.
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module._sosfilt
    except Exception as exc:  # noqa: BLE001 - any failure means: use the public function
        log.debug("scipy's sosfilt kernel did not load alone (%s): scipy.signal is imported", exc)
        return None


def sosfilt(sos: np.ndarray, x: np.ndarray, zi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Filter the 1-D `x` with second-order sections `sos` from state `zi` (sections x 2):
    (y, the state after), in float64, as scipy.signal.sosfilt(sos, x, zi=zi) returns them."""
    kernel = _kernel()
    if kernel is None:
        from scipy.signal import sosfilt as public

        return public(sos, np.asarray(x, dtype=np.float64), zi=zi)
    y = np.array(x, dtype=np.float64, order="C").reshape(1, -1)
    state = np.array(zi, dtype=np.float64, order="C").reshape(1, len(sos), 2)
    kernel(np.ascontiguousarray(sos, dtype=np.float64), y, state)
    return y.reshape(-1), state.reshape(len(sos), 2)


def _nearest_windows(x: np.ndarray, size: int) -> np.ndarray:
    """`x` padded at both ends with its edge values for a centred window of `size`, as
    scipy.ndimage's mode "nearest" with origin 0 (the window of sample i starts at i - size // 2)."""
    left = size // 2
    return np.pad(x, (left, size - 1 - left), mode="edge")


def minimum_filter(x: np.ndarray, size: int) -> np.ndarray:
    """scipy.ndimage.minimum_filter1d(x, size, mode="nearest"), exactly: blocks of `size`,
    running minima forward and backward inside each, and the window of i is the backward
    minimum at its start with the forward minimum at its end."""
    if size <= 1 or x.size == 0:
        return x.copy()
    padded = _nearest_windows(x, size)
    n = len(padded)
    blocks = -(-n // size)
    full = np.pad(padded, (0, blocks * size - n), mode="edge").reshape(blocks, size)
    forward = np.minimum.accumulate(full, axis=1).reshape(-1)
    backward = np.minimum.accumulate(full[:, ::-1], axis=1)[:, ::-1].reshape(-1)
    starts = np.arange(len(x))
    return np.minimum(backward[starts], forward[starts + size - 1]).astype(x.dtype, copy=False)


def moving_average(x: np.ndarray, size: int) -> np.ndarray:
    """scipy.ndimage.uniform_filter1d(x, size, mode="nearest"), to the bit: a running float64
    sum (the first window's, then + entering - leaving), each divided by `size`, in x's type."""
    if size <= 1 or x.size == 0:
        return x.copy()
    padded = _nearest_windows(x, size).astype(np.float64)
    first = np.cumsum(padded[:size])[-1:]  # summed in order, as scipy does
    sums = np.cumsum(np.concatenate([first, padded[size:] - padded[:-size]]))
    return (sums / size).astype(x.dtype, copy=False)
