"""The speech engines: `registry` names them, `base` says what an engine is, one module each."""

from briefing.engines.base import Audio, Engine, Speakers
from briefing.engines.registry import DEVICES, ENGINE_MODES, ENGINE_NAMES, engine_class

__all__ = ["Audio", "DEVICES", "ENGINE_MODES", "ENGINE_NAMES", "Engine", "Speakers", "engine_class"]
