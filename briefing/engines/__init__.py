"""Engines by name. Modules are imported on first use, so `--help`, the script stage and the
text tests never import an engine's heavy dependencies (torch for Coqui)."""

from __future__ import annotations

import importlib

from briefing.engines.base import Audio, Engine, Speakers
from briefing.errors import UsageError

_REGISTRY = {
    "coqui": ("briefing.engines.coqui", "CoquiEngine"),
    "espeak": ("briefing.engines.espeak", "EspeakEngine"),
}

ENGINE_NAMES = tuple(sorted(_REGISTRY))


def engine_class(name: str) -> type[Engine]:
    """The Engine class registered as `name`."""
    try:
        module_name, class_name = _REGISTRY[name]
    except KeyError:
        raise UsageError(f"unknown engine {name!r}; engines: {', '.join(ENGINE_NAMES)}") from None
    return getattr(importlib.import_module(module_name), class_name)


__all__ = ["Audio", "Engine", "ENGINE_NAMES", "Speakers", "engine_class"]
