"""Measurements the tests make on real audio: pitch, loudness, MP3 stream facts."""

from __future__ import annotations

import json
import subprocess

import numpy as np


def median_f0(samples: np.ndarray, rate: int, fmin: float = 60.0, fmax: float = 400.0) -> float:
    """Median fundamental frequency (Hz) over voiced 40 ms frames, by normalised autocorrelation."""
    frame = int(0.04 * rate)
    hop = frame // 2
    lag_min, lag_max = int(rate / fmax), int(rate / fmin)
    rms_all = np.sqrt(np.mean(samples**2)) + 1e-9
    f0s = []
    for start in range(0, len(samples) - frame, hop):
        x = samples[start : start + frame].astype(np.float64)
        if np.sqrt(np.mean(x**2)) < 0.5 * rms_all:
            continue  # silence or a weak consonant
        x = x - x.mean()
        ac = np.correlate(x, x, mode="full")[frame - 1 :]
        if ac[0] <= 0:
            continue
        ac = ac / ac[0]
        seg = ac[lag_min:lag_max]
        lag = int(np.argmax(seg)) + lag_min
        if ac[lag] > 0.5:  # clearly periodic: voiced
            f0s.append(rate / lag)
    return float(np.median(f0s)) if f0s else 0.0


def ffprobe(path) -> dict:
    """The first audio stream and the format of a media file, as ffprobe reports them."""
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-show_format", "-of", "json", str(path)],
        capture_output=True,
        check=True,
        text=True,
    ).stdout
    data = json.loads(out)
    return {"stream": data["streams"][0], "format": data["format"]}


def decode(path, rate: int = 22050) -> np.ndarray:
    """Decode any audio file to mono float32 at `rate` with ffmpeg."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-ac", "1", "-ar", str(rate), "-f", "f32le", "-"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, dtype=np.float32)
