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

Mixed precision (OpenVINO). On a CPU that computes bfloat16 in hardware (AVX512-BF16 or AMX),
when the `openvino` package is installed, the same back half runs as three graphs on OpenVINO
instead: the flow in float32, the decoder's upsampling stages but the last in bfloat16, the last
(22 kHz) stage and the output convolution in float32. ONNX Runtime has no bfloat16 convolutions
on CPU; OpenVINO's run about 1.6x faster than float32 there. The stages in bfloat16 hold ~90 % of
the decoder's multiply-adds; keeping the flow and the last stage in float32 keeps the difference
from float32 audio ~60 dB below the signal, where the whole decoder in bfloat16 leaves it 38 dB
below (measured by bench/coqui.py on a full-size VITS).

The cache: one `.onnx` file per model (one per part for the three graphs), named by a SHA-256
of what the graph contains (the flow's and decoder's weights after weight norm is folded, their
architecture, the torch version, the opset and EXPORT_VERSION), in
`<user cache dir>/briefing/coqui-onnx/` (XDG_CACHE_HOME on Linux). A `.sha256` file beside it
holds the digest of the `.onnx` bytes. Both are written under temporary names and renamed; a
file whose bytes do not match its digest (truncated, damaged, the digest missing) is exported
again.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import math
import os
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import torch

from briefing.system import timings
from briefing.system.paths import user_cache_dir

log = logging.getLogger(__name__)

EXPORT_VERSION = 2  # bump when the exported graph changes for the same weights (2: masked decoder parts)
OPSET = 18
DUMMY_FRAMES = 64


def cache_dir() -> Path:
    """Where exported graphs live: the platform's user cache dir (XDG_CACHE_HOME/briefing on Linux)."""
    return user_cache_dir() / "coqui-onnx"


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


class FlowPart(torch.nn.Module):
    """The reverse flow and the mask: the decoder's input, as VitsBackEnd computes it."""

    def __init__(self, vits):
        super().__init__()
        self.flow = vits.flow
        self.max_len = vits.max_inference_len

    def forward(self, z_p, y_mask, g=None):
        return (self.flow(z_p, y_mask, g=g, reverse=True) * y_mask)[:, :, : self.max_len]


class DecoderPart(torch.nn.Module):
    """Upsampling stages [first, last) of Coqui's HifiganGenerator, with its input convolution
    (and speaker conditioning) when `first` is 0 and its output convolution when `last` is the
    end: the generator's own forward, cut in two.

    With `mask` (1 over the segment, 0 over padding, at the frame rate), the input of every
    convolution is masked: a window padded past a segment's end then computes what the segment
    alone computes, every layer seeing zeros there as its own padding gives (unmasked, the
    deeper layers see what the first ones make of the padding: a tiny model's short segments
    came out 38 dB from the float32 path). Without it, the generator's forward exactly."""

    def __init__(self, decoder, first: int, last: int):
        super().__init__()
        from TTS.vocoder.models.hifigan_generator import LRELU_SLOPE

        self.decoder, self.first, self.last, self.slope = decoder, first, last, LRELU_SLOPE
        self.rates = [int(up.stride[0]) for up in decoder.ups]

    def forward(self, x, mask=None, g=None):
        import math

        import torch.nn.functional as F

        d = self.decoder
        m = None if mask is None else mask.repeat_interleave(math.prod(self.rates[: self.first]), dim=2)
        if self.first == 0:
            x = d.conv_pre(_masked(x, m))
            if hasattr(d, "cond_layer"):
                x = x + d.cond_layer(g)
        for i in range(self.first, self.last):
            x = d.ups[i](_masked(F.leaky_relu(x, self.slope), m))
            if m is not None:
                m = m.repeat_interleave(self.rates[i], dim=2)
            total = None
            for j in range(d.num_kernels):
                y = self._resblock(d.resblocks[i * d.num_kernels + j], x, m)
                total = y if total is None else total + y
            x = total / d.num_kernels
        if self.last == d.num_upsamples:
            x = torch.tanh(d.conv_post(_masked(F.leaky_relu(x), m)))
        return x

    def _resblock(self, block, x, m):
        """Coqui's ResBlock1 or ResBlock2 forward, each convolution's input masked."""
        import torch.nn.functional as F

        if m is None:
            return block(x)
        if hasattr(block, "convs1"):  # ResBlock1
            for c1, c2 in zip(block.convs1, block.convs2, strict=True):
                xt = c1(_masked(F.leaky_relu(x, self.slope), m))
                x = c2(_masked(F.leaky_relu(xt, self.slope), m)) + x
            return x
        for c in block.convs:  # ResBlock2
            x = c(_masked(F.leaky_relu(x, self.slope), m)) + x
        return x


def _masked(x, m):
    return x if m is None else x * m


def split_unsupported(vits) -> str | None:
    """None when the decoder can be cut into DecoderParts (Coqui's HifiganGenerator as VITS builds it)."""
    d = vits.waveform_decoder
    if not all(hasattr(d, a) for a in ("conv_pre", "ups", "resblocks", "num_kernels", "num_upsamples", "conv_post")):
        return f"its decoder ({type(d).__name__}) is not a HiFi-GAN generator"
    if hasattr(d, "lin_pre") or getattr(d, "cond_in_each_up_layer", False) or d.num_upsamples < 2:
        return "its HiFi-GAN decoder has a layout the split graphs do not cover"
    return None


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


def graph_digest(back: torch.nn.Module, conditioned: bool, part: str = "") -> str:
    """SHA-256 of everything the exported graph depends on: architecture, weights, versions."""
    h = hashlib.sha256()
    what = f" part {part}" if part else ""  # the whole back half keeps the digest it always had
    h.update(
        f"briefing-vits-onnx {EXPORT_VERSION} opset {OPSET} torch {torch.__version__} g {conditioned} "
        f"max_len {getattr(back, 'max_len', None)}{what}\n{back!r}\n".encode()
    )
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


def example_inputs(vits, conditioned: bool) -> tuple[list, list[str]]:
    """Dummy (z_p, y_mask[, g]) for tracing, and their names."""
    gen = torch.Generator().manual_seed(0)
    args = [torch.randn(1, int(vits.args.hidden_channels), DUMMY_FRAMES, generator=gen), torch.ones(1, 1, DUMMY_FRAMES)]
    names = ["z_p", "y_mask"]
    if conditioned:
        args.append(torch.randn(1, int(vits.embedded_speaker_dim), 1, generator=gen))
        names.append("g")
    return args, names


def export(module: torch.nn.Module, path: Path, args, names: list[str], dynamic: dict) -> None:
    """Trace `module` with the TorchScript exporter into `path` (`dynamic`: its dynamic axes;
    `args`: the example inputs, or a function that makes them, called only here)."""
    if callable(args):
        args = args()
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer warnings about Python values: the shapes are dynamic axes
        torch.onnx.export(
            module,
            tuple(args),
            str(path),
            dynamo=False,
            opset_version=OPSET,
            input_names=names,
            output_names=["out"],
            dynamic_axes=dynamic,
        )


def cached_graph(module, part: str, conditioned: bool, args, names: list[str], dynamic: dict, folder: Path, open_graph):
    """`open_graph(path)` of `module`'s graph from the cache, exported into it first when missing
    or damaged. Returns (what open_graph returned, the cached path or None, export seconds or None)."""
    digest = graph_digest(module, conditioned, part)
    path = folder / f"vits-{part + '-' if part else ''}{digest[:32]}.onnx"
    check = path.with_name(path.name + ".sha256")
    if path.is_file():
        try:
            if check.read_text(encoding="ascii").strip() != file_digest(path):
                raise ValueError("its bytes do not match its digest")
            return open_graph(path), path, None
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
            export(module, Path(tmp) / "vits.onnx", args, names, dynamic)
            opened = open_graph(Path(tmp) / "vits.onnx")
        return opened, None, time.perf_counter() - started
    tmp_path, tmp_check = Path(tmp_name), Path(tmp_name + ".sha256")
    try:
        export(module, tmp_path, args, names, dynamic)
        opened = open_graph(tmp_path)
        tmp_check.write_text(file_digest(tmp_path) + "\n", encoding="ascii")
        os.replace(tmp_path, path)
        os.replace(tmp_check, check)
    finally:
        tmp_path.unlink(missing_ok=True)
        tmp_check.unlink(missing_ok=True)
    export_s = time.perf_counter() - started
    timings.add("graph export", export_s)
    log.info("exported a Coqui VITS graph to ONNX in %.1f s: %s", export_s, path)
    return opened, path, export_s


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


def feeds(z_p, y_mask, g=None) -> dict:
    """The front end's tensors as the graphs' named numpy inputs (g only for a conditioned graph)."""
    named = {"z_p": z_p.detach().cpu().numpy(), "y_mask": y_mask.detach().cpu().numpy()}
    if g is not None:
        named["g"] = g.detach().cpu().numpy()
    return named


class OnnxVits:
    """The back half of one Vits on ONNX Runtime; called with the front end's z_p, y_mask, g."""

    runtime = "onnxruntime"

    def __init__(self, session, conditioned: bool, path: Path | None, export_s: float | None):
        self.session = session
        self.conditioned = conditioned
        self.path = path  # the cached graph (None when it could not be cached)
        self.paths = [path]  # as OpenVinoVits has them
        self.export_s = export_s  # seconds spent exporting in this process; None when the cache served

    def __call__(self, z_p, y_mask, g=None) -> np.ndarray:
        return self.session.run(None, feeds(z_p, y_mask, g if self.conditioned else None))[0]


def conditioned_on_speaker(vits) -> bool:
    """Whether the back half takes a speaker embedding g (multi-speaker models)."""
    return int(getattr(vits, "embedded_speaker_dim", 0) or 0) > 0


def load(vits, threads: int, folder: Path | None = None) -> OnnxVits:
    """The cached graph of `vits`'s back half in an ONNX Runtime session, exported first if needed."""
    import onnxruntime as ort

    back = VitsBackEnd(vits).eval()
    conditioned = conditioned_on_speaker(vits)
    args, names = example_inputs(vits, conditioned)
    options = session_options(threads)
    dynamic = {"z_p": {2: "frames"}, "y_mask": {2: "frames"}, "out": {2: "samples"}}
    session, path, export_s = cached_graph(
        back,
        "",
        conditioned,
        args,
        names,
        dynamic,
        folder or cache_dir(),
        lambda p: ort.InferenceSession(str(p), options, providers=["CPUExecutionProvider"]),
    )
    return OnnxVits(session, conditioned, path, export_s)


# --- OpenVINO, mixed precision ------------------------------------------------------------------


def openvino_bf16() -> bool:
    """True when the openvino package imports and this CPU computes bfloat16 natively (OpenVINO
    lists BF16 among the CPU's capabilities only then: AVX512-BF16 or AMX)."""
    if importlib.util.find_spec("openvino") is None:
        return False
    try:
        import openvino as ov

        return "BF16" in ov.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")
    except Exception:  # noqa: BLE001 - a broken install or an unknown property: not available
        return False


# OpenVINO's CPU plugin compiles kernels for every new input shape it meets and keeps them:
# segments all differ in length, so an article's first pass spent most of its time compiling and
# the process grew with every new length (12 segments of a full-size VITS on 2 cores: 22.7 s, the
# same segments again 8.3 s, 4.2 GB). The back half therefore runs on windows of one shape:
# WINDOW_FRAMES frames of output computed with some context on each side, so that what is kept
# does not depend on where the cuts fall. Measured on the same 12 segments: 14.0 s first pass,
# 13.0 s again, 1.78 GB. Windows of 512 frames: 14.4 / 12.7 s, 2.0 GB; four widths (128 to 1,024)
# chosen per segment to compute fewer frames: 16.5 / 11.2 s, 2.9 GB (each shape compiles and keeps
# its own kernels).
#
# The flow and the decoder are cut apart, each with the context it needs (`flow_reach`,
# `decoder_reach`: 32 and 15 frames on a full-size VITS), not both with the sum: the decoder,
# 94 % of the work, then computes 288 frames a window instead of 352. Measured on the 12
# segments (2-core Xeon, bfloat16): 11.2 s -> 10.1 to 10.3 s, the same audio (2.8e-8 apart).
WINDOW_FRAMES = 256
FIRST_WINDOWS = "vits first windows (OpenVINO makes their kernels)"  # a timings stage within flow+decoder


def windows(frames: int, context: int) -> list[tuple[int, int, int]]:
    """(start, lo, hi) for each window of WINDOW_FRAMES kept frames and `context` on each side:
    it takes input frames [start, start + size) and keeps the output of frames [lo, hi). The
    first window starts at the segment's first frame and the last ends at its last one, so at
    both ends every layer pads with zeros as on the whole segment (a window reaching
    past an end would feed the decoder's deeper layers what its first ones make of the padding:
    0.03 of error at a segment's start, 38 dB SNR); between windows, each kept frame has
    `context` frames of real input on both sides. Only a segment shorter than a window is padded,
    at its end, where speech has stopped."""
    keep = WINDOW_FRAMES
    size = keep + 2 * context
    if frames <= size:
        return [(0, 0, frames)]
    found, lo = [], 0
    while lo < frames:
        start = 0 if lo == 0 else lo - context
        hi = keep + context if lo == 0 else lo + keep
        if start + size >= frames:  # the last window: it ends where the segment does
            start, hi = frames - size, frames
        found.append((start, lo, min(hi, frames)))
        lo = min(hi, frames)
    return found


def _conv_reach(conv) -> float:
    """Samples on each side of an output sample that a 1-D convolution reads."""
    return conv.dilation[0] * (conv.kernel_size[0] - 1) / 2


def flow_reach(flow) -> int:
    """Frames on each side of an output frame that the reverse flow reads: every convolution in
    it comes after the one before (couplings in a row, WaveNet layers in a row), so their reaches
    add up (an upper bound where a branch runs beside another)."""
    return math.ceil(sum(_conv_reach(m) for m in flow.modules() if isinstance(m, torch.nn.Conv1d)))


def decoder_reach(decoder) -> int:
    """Frames on each side of an output sample that Coqui's HiFi-GAN generator reads: its input
    convolution, then per upsampling stage the transposed convolution (its kernel, in input
    samples) and the widest of the residual blocks beside one another, each at its own rate."""
    reach, rate = _conv_reach(decoder.conv_pre), 1
    for i, up in enumerate(decoder.ups):
        reach += up.kernel_size[0] / up.stride[0] / rate
        rate *= up.stride[0]
        blocks = decoder.resblocks[i * decoder.num_kernels : (i + 1) * decoder.num_kernels]
        widest = max(sum(_conv_reach(m) for m in b.modules() if isinstance(m, torch.nn.Conv1d)) for b in blocks)
        reach += widest / rate
    return math.ceil(reach + _conv_reach(decoder.conv_post) / rate)


class OpenVinoVits:
    """The back half of one Vits on OpenVINO as three graphs: flow (float32), decoder stages but
    the last (bfloat16), last stage and output convolution (float32). The flow runs on windows
    with `flow_context` frames on each side, the decoder on windows of its output with
    `decoder_context`."""

    runtime = "openvino+bf16"

    def __init__(
        self,
        requests,
        conditioned: bool,
        paths: list[Path | None],
        export_s: float | None,
        flow_context: int,
        decoder_context: int,
    ):
        self.flow, self.head, self.tail = requests
        self.conditioned = conditioned
        self.paths = paths  # the cached flow, head and tail graphs (None where one could not be cached)
        self.export_s = export_s
        self.flow_context, self.decoder_context = flow_context, decoder_context
        self._fresh = {"flow", "decoder"}  # the parts whose first window is still to come

    def _first_timed(self, part: str, run):
        """`run`, its first window in this process timed as FIRST_WINDOWS: OpenVINO makes the
        kernels for the windows' shape then (about 1 s on a full-size VITS, in no cache)."""

        def call(window, mask):
            if part not in self._fresh:
                return run(window, mask)
            self._fresh.discard(part)
            with timings.stage(FIRST_WINDOWS):
                return run(window, mask)

        return call

    @staticmethod
    def _windowed(run, x: np.ndarray, mask: np.ndarray, context: int) -> np.ndarray:
        """`run(window, window_mask)` over the windows of `x` (frames on axis 2), the kept parts joined."""
        size = WINDOW_FRAMES + 2 * context
        pieces = []
        for start, lo, hi in windows(x.shape[2], context):
            window = np.zeros((1, x.shape[1], size), x.dtype)
            window_mask = np.zeros((1, 1, size), mask.dtype)
            taken = x[:, :, start : start + size]  # shorter than the window only for a short segment
            window[:, :, : taken.shape[2]] = taken
            window_mask[:, :, : taken.shape[2]] = mask[:, :, start : start + size]
            out = run(window, window_mask)
            hop = out.shape[2] // size
            pieces.append(out[:, :, (lo - start) * hop : (hi - start) * hop].copy())
        return np.concatenate(pieces, axis=2)

    def __call__(self, z_p, y_mask, g=None) -> np.ndarray:
        inputs = feeds(z_p, y_mask, g if self.conditioned else None)
        speaker = {"g": inputs["g"]} if self.conditioned else {}

        def flow(window, mask):
            return self.flow.infer({"z_p": window, "y_mask": mask, **speaker})[0]

        def decoder(window, mask):
            x = self.head.infer({"x": window, "mask": mask, **speaker})[0]
            return self.tail.infer({"x": x, "mask": mask})[0]

        mask = inputs["y_mask"]
        x = self._windowed(self._first_timed("flow", flow), inputs["z_p"], mask, self.flow_context)
        return self._windowed(self._first_timed("decoder", decoder), x, mask, self.decoder_context)


def blob_cache_dir(folder: Path) -> Path:
    """Where OpenVINO keeps the kernels it compiled for the cached graphs in `folder`."""
    return folder / "openvino"


def load_openvino(vits, threads: int, folder: Path | None = None) -> OpenVinoVits:
    """`vits`'s back half on OpenVINO: three cached graphs, the middle one compiled for bfloat16.

    OpenVINO keeps what it compiled for a cached graph in `blob_cache_dir` (its CACHE_DIR,
    keyed by the graph file and the compile options; a damaged entry is compiled again): the
    next process imports it, 0.14 s for the three graphs of a full-size VITS instead of 0.60 s
    of reading and compiling them."""
    import openvino as ov

    core = ov.Core()
    conditioned = conditioned_on_speaker(vits)
    names = ["z_p", "y_mask", "g"] if conditioned else ["z_p", "y_mask"]
    folder = folder or cache_dir()
    decoder = vits.waveform_decoder
    last = decoder.num_upsamples - 1

    def compiler(precision):
        config = {
            "INFERENCE_PRECISION_HINT": precision,
            "INFERENCE_NUM_THREADS": threads,
            "PERFORMANCE_HINT": "LATENCY",
        }

        def compiled(path: Path):
            if path.parent == folder and path.suffix == ".onnx":  # the cached graph, not an export's temporary file
                try:
                    return core.compile_model(
                        str(path), "CPU", {**config, "CACHE_DIR": str(blob_cache_dir(folder))}
                    ).create_infer_request()
                except Exception as exc:  # noqa: BLE001 - e.g. an unwritable cache: compile without it
                    log.debug("OpenVINO's compile cache is unusable for %s (%s); compiling without it", path, exc)
            return core.compile_model(core.read_model(str(path)), "CPU", config).create_infer_request()

        return compiled

    flow = FlowPart(vits).eval()
    head, tail = DecoderPart(decoder, 0, last).eval(), DecoderPart(decoder, last, last + 1).eval()

    def example(part):
        """The example inputs of `part` (flow, head or tail): what the part before gives. Made
        only for an export: the decoder parts' take a pass of the torch model (0.27 s)."""
        args, _ = example_inputs(vits, conditioned)
        if part == "flow":
            return args
        with torch.no_grad():
            x = flow(*args)
            if part == "head":
                return [x, *args[1:]]
            return [head(x, args[1], args[2] if conditioned else None), args[1]]

    parts = [
        (flow, "flow", names, {"z_p": {2: "frames"}, "y_mask": {2: "frames"}, "out": {2: "frames"}}, "f32"),
        (
            head,
            "head",
            ["x", "mask", "g"] if conditioned else ["x", "mask"],
            {"x": {2: "frames"}, "mask": {2: "frames"}, "out": {2: "samples"}},
            "bf16",
        ),
        (tail, "tail", ["x", "mask"], {"x": {2: "samples"}, "mask": {2: "frames"}, "out": {2: "samples"}}, "f32"),
    ]
    requests, paths, export_s = [], [], None
    for module, part, n, dynamic, precision in parts:
        request, path, seconds = cached_graph(
            module, part, conditioned, lambda part=part: example(part), n, dynamic, folder, compiler(precision)
        )
        requests.append(request)
        paths.append(path)
        if seconds is not None:
            export_s = (export_s or 0.0) + seconds
    return OpenVinoVits(requests, conditioned, paths, export_s, flow_reach(vits.flow), decoder_reach(decoder))
