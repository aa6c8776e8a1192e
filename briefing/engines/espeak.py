"""espeak-ng: always offline, fast, and the voice of CI.

Each segment is one `espeak-ng` process reading UTF-8 text on stdin and writing a WAV on
stdout, so segments can be synthesised concurrently from threads.
"""

from __future__ import annotations

import functools
import io
import shutil
import subprocess

import numpy as np
import soundfile as sf

from briefing.engines.base import Audio, Engine
from briefing.errors import EngineUnavailable, RenderError
from briefing.model import VoicePreset

# espeak-ng's rate is in words per minute; 165 is a calm French news pace at speed 1.0.
BASE_WPM = 165
DEFAULT_VOICE = "fr"
TIMEOUT_S = 120


def espeak_binary() -> str | None:
    return shutil.which("espeak-ng")


@functools.lru_cache(maxsize=1)
def espeak_version() -> str:
    """ "eSpeak NG text-to-speech: 1.51 ..." (its voices data path included): part of cache keys."""
    binary = espeak_binary()
    if binary is None:
        return ""
    try:
        return subprocess.run([binary, "--version"], capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


class EspeakEngine(Engine):
    name = "espeak"
    # voice: an espeak-ng voice such as fr+m3; pitch: 0-99 (espeak's default 50)
    preset_keys = {"voice": str, "pitch": int}

    @classmethod
    def check_settings(cls, preset: VoicePreset) -> str | None:
        pitch = preset.get("pitch")
        if pitch is not None and not 0 <= pitch <= 99:
            return f"pitch {pitch} is outside 0-99"
        return None

    @classmethod
    def label(cls, preset: VoicePreset) -> str:
        return preset.get("voice") or DEFAULT_VOICE

    def __init__(self, binary: str):
        self.binary = binary

    @classmethod
    def unavailable_reason(cls, preset: VoicePreset) -> str | None:
        if espeak_binary() is None:
            return "espeak-ng is not installed (apt-get install espeak-ng)"
        return None

    @classmethod
    def cache_identity(cls, preset: VoicePreset) -> dict:
        return {**super().cache_identity(preset), "version": espeak_version(), "base_wpm": BASE_WPM}

    @classmethod
    def load(cls, device: str = "auto") -> EspeakEngine:
        binary = espeak_binary()
        if binary is None:
            raise EngineUnavailable("espeak-ng is not installed (apt-get install espeak-ng, or run `make run`)")
        return cls(binary)

    def command(self, preset: VoicePreset) -> list[str]:
        wpm = max(80, min(450, round(BASE_WPM * preset.speed)))
        cmd = [
            self.binary,
            "-v",
            preset.get("voice") or DEFAULT_VOICE,
            "-s",
            str(wpm),
            "-b",
            "1",
            "--stdin",
            "--stdout",
        ]
        if preset.get("pitch") is not None:
            cmd += ["-p", str(preset.get("pitch"))]
        return cmd

    def synthesize(self, text: str, preset: VoicePreset) -> Audio:
        cmd = self.command(preset)
        try:
            proc = subprocess.run(cmd, input=text.encode("utf-8"), capture_output=True, timeout=TIMEOUT_S, check=False)
        except subprocess.TimeoutExpired:
            raise RenderError(f"espeak-ng took over {TIMEOUT_S} s on a {len(text)}-character segment") from None
        if proc.returncode != 0 or not proc.stdout:
            detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise RenderError(
                f"espeak-ng failed for voice {preset.get('voice')!r}: {detail[-1] if detail else 'no audio'}"
            )
        samples, rate = sf.read(io.BytesIO(proc.stdout), dtype="float32", always_2d=False)
        if samples.ndim > 1:
            samples = samples.mean(axis=1)
        return Audio(np.ascontiguousarray(samples, dtype=np.float32), int(rate))

    def describe(self, preset: VoicePreset) -> str:
        return f"espeak-ng {preset.get('voice') or DEFAULT_VOICE}"
