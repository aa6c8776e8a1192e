"""Coqui TTS, the flagship engine: see `engine` (the Engine), `files` (a model's files on disk),
`zoo` (the catalogue, downloads), `models` (one adapter per architecture), `vits_onnx` (the VITS
back half on ONNX Runtime or OpenVINO). Importing this package never imports torch."""

from briefing.engines.coqui.engine import (
    PRECISION_ENV,
    RUNTIME_ENV,
    CoquiEngine,
    segment_seed,
)
from briefing.engines.coqui.models import fold_weight_norm, lean_vits

__all__ = ["PRECISION_ENV", "RUNTIME_ENV", "CoquiEngine", "fold_weight_norm", "lean_vits", "segment_seed"]
