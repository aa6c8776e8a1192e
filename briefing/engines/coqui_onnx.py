"""ONNX Runtime for Coqui VITS: the flow and the HiFi-GAN decoder, exported once and cached.

Why only that half. `Vits.inference` draws its noise twice (the stochastic duration predictor's,
then the prior's `randn_like(m_p)`, whose length depends on the predicted durations). Coqui's own
`Vits.export_onnx` puts both draws inside the graph, where ONNX Runtime takes them from an
unseeded generator: the same segment would sound different on every run. Here Coqui's own
`Vits.synthesize` runs in torch up to the flow (text to ids, speaker and language, text encoder,
duration predictor, alignment, noise: all seeded by torch exactly as on the torch path), then
hands `z_p`, `y_mask` and the speaker conditioning `g` to ONNX Runtime, which runs the reverse
flow and the decoder: about 90 % of the work (convolutions). With the same seed the audio equals
the torch path's to float rounding (~1e-7).

The cache: one `.onnx` file per model, named by a SHA-256 of what the graph contains (the
flow's and decoder's weights after weight norm is folded, their architecture, the torch version,
the opset and EXPORT_VERSION), in `<user cache dir>/briefing/coqui-onnx/` (XDG_CACHE_HOME on
Linux). A `.sha256` file beside it holds the digest of the `.onnx` bytes. Both are written under
temporary names and renamed; a file whose bytes do not match its digest (truncated, damaged, the
digest missing) is exported again.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch

log = logging.getLogger(__name__)

EXPORT_VERSION = 1  # bump when the exported graph changes for the same weights
OPSET = 18
DUMMY_FRAMES = 64


def cache_dir() -> Path:
    """Where exported graphs live: the platform's user cache dir (XDG_CACHE_HOME/briefing on Linux)."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("briefing", appauthor=False)) / "coqui-onnx"


def unsupported(vits) -> str | None:
    """None when this Vits can run its back half through ONNX Runtime, else why not."""
    if getattr(vits.args, "encoder_sample_rate", None):
        return "its decoder upsamples z (encoder_sample_rate), which the exported graph does not cover"
    return None


class Handoff(Exception):
    """Raised by the stand-in flow: carries Vits.inference's z_p, y_mask and g out of torch."""

    def __init__(self, z_p, y_mask, g):
        super().__init__("handoff")
        self.z_p, self.y_mask, self.g = z_p, y_mask, g


class FlowStandIn(torch.nn.Module):
    """Takes the flow's place during the torch front end; hands its inputs over instead."""

    def forward(self, z_p, y_mask, g=None, reverse=False):
        raise Handoff(z_p, y_mask, g)


class VitsBackEnd(torch.nn.Module):
    """What Vits.inference does after drawing the noise: the reverse flow, then the decoder."""

    def __init__(self, vits):
        super().__init__()
        self.flow = vits.flow
        self.decoder = vits.waveform_decoder
        self.max_len = vits.max_inference_len

    def forward(self, z_p, y_mask, g=None):
        z = self.flow(z_p, y_mask, g=g, reverse=True)
        return self.decoder((z * y_mask)[:, :, : self.max_len], g=g)


def front_end(vits, text: str, **synthesize_kwargs):
    """Coqui's own Vits.synthesize, up to the flow: (z_p, y_mask, g), drawn from torch's RNG."""
    flow = vits.flow
    vits.flow = FlowStandIn()
    try:
        vits.synthesize(text, **synthesize_kwargs)
    except Handoff as handoff:
        return handoff.z_p, handoff.y_mask, handoff.g
    finally:
        vits.flow = flow
    raise RuntimeError("Vits.synthesize returned without calling its flow")


def graph_digest(back: VitsBackEnd, conditioned: bool) -> str:
    """SHA-256 of everything the exported graph depends on: architecture, weights, versions."""
    h = hashlib.sha256()
    h.update(f"briefing-vits-onnx {EXPORT_VERSION} opset {OPSET} torch {torch.__version__} g {conditioned} "
             f"max_len {back.max_len}\n{back!r}\n".encode())
    for name, tensor in back.state_dict().items():
        t = tensor.detach().cpu().contiguous()
        h.update(f"{name} {t.dtype} {tuple(t.shape)}\n".encode())
        h.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def export(back: VitsBackEnd, path: Path, conditioned: bool, channels: int, g_channels: int) -> None:
    """Trace `back` with the TorchScript exporter into `path` (frames are a dynamic axis)."""
    gen = torch.Generator().manual_seed(0)
    args = [torch.randn(1, channels, DUMMY_FRAMES, generator=gen), torch.ones(1, 1, DUMMY_FRAMES)]
    names = ["z_p", "y_mask"]
    if conditioned:
        args.append(torch.randn(1, g_channels, 1, generator=gen))
        names.append("g")
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about Python values: the shapes are dynamic axes
        torch.onnx.export(
            back, tuple(args), str(path), dynamo=False, opset_version=OPSET, input_names=names, output_names=["wav"],
            dynamic_axes={"z_p": {2: "frames"}, "y_mask": {2: "frames"}, "wav": {2: "samples"}},
        )


def session_options(threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL  # one chain of convolutions: nothing to overlap
    options.intra_op_num_threads = threads  # the cores torch uses, one thread each
    options.inter_op_num_threads = 1
    # Pool threads spin between operators (ONNX Runtime's default). Measured on 2 cores, one
    # 9.7 s segment: turning spinning off cost ~30 % wall time (RTF 0.61 against 0.46) for the
    # same CPU time; dynamic int8 of the convolutions gained nothing beyond noise (RTF 0.44)
    # and changed the audio (SNR 38 dB against fp32), so the graph stays fp32.
    options.log_severity_level = 3  # errors only: no optimizer chatter on stderr
    return options


class OnnxVits:
    """The back half of one Vits on ONNX Runtime; called with the front end's z_p, y_mask, g."""

    def __init__(self, session, conditioned: bool, path: Path | None, export_s: float | None):
        self.session = session
        self.conditioned = conditioned
        self.path = path  # the cached graph (None when it could not be cached)
        self.export_s = export_s  # seconds spent exporting in this process; None when the cache served

    def __call__(self, z_p, y_mask, g=None) -> np.ndarray:
        feeds = {"z_p": z_p.detach().cpu().numpy(), "y_mask": y_mask.detach().cpu().numpy()}
        if self.conditioned:
            feeds["g"] = g.detach().cpu().numpy()
        return self.session.run(None, feeds)[0]


def load(vits, threads: int, folder: Path | None = None) -> OnnxVits:
    """The cached graph of `vits`'s back half in an ONNX Runtime session, exported first if needed."""
    import onnxruntime as ort

    back = VitsBackEnd(vits).eval()
    g_channels = int(getattr(vits, "embedded_speaker_dim", 0) or 0)
    conditioned = g_channels > 0
    channels = int(vits.args.hidden_channels)
    folder = folder or cache_dir()
    digest = graph_digest(back, conditioned)
    path = folder / f"vits-{digest[:32]}.onnx"
    check = path.with_name(path.name + ".sha256")
    options = session_options(threads)

    if path.is_file():
        try:
            if check.read_text(encoding="ascii").strip() != file_digest(path):
                raise ValueError("its bytes do not match its digest")
            return OnnxVits(ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"]), conditioned, path, None)
        except Exception as exc:  # noqa: BLE001 - a damaged cache entry is exported again, whatever the damage
            log.warning("cached ONNX graph %s is unusable (%s); exporting it again", path, exc)

    started = time.perf_counter()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=path.name + ".", suffix=".tmp")
        os.close(fd)
    except OSError as exc:  # an unwritable cache: export for this process only
        log.warning("cannot write the ONNX cache %s (%s); exporting for this run only", folder, exc)
        with tempfile.TemporaryDirectory(prefix="briefing-onnx-") as tmp:
            export(back, Path(tmp) / "vits.onnx", conditioned, channels, g_channels)
            session = ort.InferenceSession(str(Path(tmp) / "vits.onnx"), options, providers=["CPUExecutionProvider"])
        return OnnxVits(session, conditioned, None, time.perf_counter() - started)
    tmp_path, tmp_check = Path(tmp_name), Path(tmp_name + ".sha256")
    try:
        export(back, tmp_path, conditioned, channels, g_channels)
        session = ort.InferenceSession(str(tmp_path), options, providers=["CPUExecutionProvider"])
        tmp_check.write_text(file_digest(tmp_path) + "\n", encoding="ascii")
        os.replace(tmp_path, path)
        os.replace(tmp_check, check)
    finally:
        tmp_path.unlink(missing_ok=True)
        tmp_check.unlink(missing_ok=True)
    export_s = time.perf_counter() - started
    log.info("exported the Coqui VITS decoder to ONNX in %.1f s: %s", export_s, path)
    return OnnxVits(session, conditioned, path, export_s)
