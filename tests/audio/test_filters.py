"""The finishing chain's filters without scipy.signal's import: each against the scipy function
it stands for, and the finishing chain never imports scipy.signal or scipy.ndimage."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import scipy.ndimage as ndimage
import scipy.signal as signal

from briefing.audio import filters


@pytest.mark.parametrize(
    ("order", "cutoff", "rate"), [(4, 50, 44100), (2, 50, 44100), (4, 60, 48000), (6, 80, 22050), (8, 1000, 16000)]
)
def test_butter_highpass_is_scipys(order, cutoff, rate):
    ours = filters.butter_highpass(order, cutoff, rate)
    assert np.array_equal(ours, signal.butter(order, cutoff, btype="highpass", fs=rate, output="sos"))


def test_butter_highpass_wants_an_even_order():
    with pytest.raises(ValueError, match="even order"):
        filters.butter_highpass(3, 50, 44100)


def test_kaiser_lowpass_is_firwin():
    ours = filters.kaiser_lowpass(65, 0.25, 7.0)
    # numpy's Bessel function is not scipy's: within a few units of the last place. The matrix
    # made from it is float32, where they are equal.
    np.testing.assert_allclose(ours, signal.firwin(65, 0.25, window=("kaiser", 7.0)), rtol=0, atol=1e-15)


@pytest.mark.parametrize("own_kernel", [True, False])
def test_sosfilt_is_scipys_in_pieces(monkeypatch, own_kernel):
    if not own_kernel:  # the fallback, as on a scipy whose file is elsewhere
        monkeypatch.setattr(filters, "_kernel", lambda: None)
    rng = np.random.default_rng(1)
    x = rng.standard_normal(30001).astype(np.float32)
    sos = signal.butter(4, 50, btype="highpass", fs=44100, output="sos")
    whole = signal.sosfilt(sos, x.astype(np.float64))
    state, pieces = np.zeros((2, 2)), []
    for piece in np.array_split(x, 7):  # the state carries across calls, as the Master feeds it
        y, state = filters.sosfilt(sos, piece, state)
        pieces.append(y)
    assert np.concatenate(pieces).dtype == np.float64
    assert np.array_equal(np.concatenate(pieces), whole)


@pytest.mark.parametrize("size", [1, 2, 3, 221, 441, 442, 5000, 6000])
def test_minimum_and_mean_are_ndimages(size):
    x = np.random.default_rng(size).random(5000).astype(np.float32)
    assert np.array_equal(filters.minimum_filter(x, size), ndimage.minimum_filter1d(x, size, mode="nearest"))
    mean = filters.moving_average(x, size)
    assert mean.dtype == np.float32
    assert np.array_equal(mean, ndimage.uniform_filter1d(x, size, mode="nearest"))


def test_the_chain_imports_neither_scipy_signal_nor_ndimage():
    code = (
        "import sys, numpy as np\n"
        "from briefing.audio.master import Master\n"
        "from briefing.audio import filters, loudness\n"
        "m = Master(44100, [])\n"
        "t = np.arange(44100 * 2) / 44100\n"
        "m.write((1.2 * np.sin(2 * np.pi * 440 * t)).astype(np.float32))\n"  # over the ceiling: the limiter acts
        "m.close()\n"
        "assert m.peak_dbtp <= loudness._LIMITER_DBTP + 0.05, m.peak_dbtp\n"
        "print(sorted(n for n in sys.modules if n.startswith(('scipy.signal', 'scipy.ndimage'))))\n"
        "import scipy.signal\n"  # imported afterwards, scipy.signal uses the kernel loaded already
        "assert scipy.signal.sosfilt(filters.butter_highpass(2, 50, 44100), np.ones(4)).shape == (4,)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['scipy.signal._sosfilt']"  # the kernel alone, loaded from its file
