"""Where briefing keeps its own files on this machine (one place, so every cache agrees)."""

from __future__ import annotations

from pathlib import Path


def user_cache_dir() -> Path:
    """The platform's user cache folder for briefing: $XDG_CACHE_HOME/briefing on Linux (else
    ~/.cache/briefing), ~/Library/Caches/briefing on macOS. Read at each call, so a changed
    environment is honoured. Holds segments/, coqui-onnx/ and small markers."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("briefing", appauthor=False))
