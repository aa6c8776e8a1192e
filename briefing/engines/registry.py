"""Engines by name: the one place an engine is registered.

An engine is one module (or package) whose Engine class declares its name, the keys its voice
presets take (`preset_keys`, typed and checked), where it can run (`devices`) and how much text
one call can speak (`max_chars`). Adding an engine is that module plus its line here. Modules are
imported on first use, so `--help`, the script stage and the text tests never import an engine's
heavy dependencies (torch for Coqui).
"""

from __future__ import annotations

import importlib

from briefing.errors import UsageError

_REGISTRY = {
    "coqui": ("briefing.engines.coqui", "CoquiEngine"),
    "espeak": ("briefing.engines.espeak", "EspeakEngine"),
}

ENGINE_NAMES = tuple(sorted(_REGISTRY))
# `--engine`: each voice's own engine (falling back as its preset says), or one engine for all.
ENGINE_MODES = ("auto", *ENGINE_NAMES)
# `--device`: where engines that can choose run (auto: a GPU when one is there).
DEVICES = ("auto", "cpu", "cuda")


def engine_class(name: str) -> type:
    """The Engine class (a subclass of engines.base.Engine) registered as `name`."""
    try:
        module_name, class_name = _REGISTRY[name]
    except KeyError:
        raise UsageError(f"unknown engine {name!r}; engines: {', '.join(ENGINE_NAMES)}") from None
    return getattr(importlib.import_module(module_name), class_name)
