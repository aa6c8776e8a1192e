"""The Coqui engine with tiny real VITS models built here (random weights, real loading and
inference code), through `briefing speak` and the engine itself. No network: the zoo tests
point Coqui's cache at a temporary folder and every proxy at a local port that hangs up at once."""

from __future__ import annotations

import importlib.util
import shutil
import socketserver
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
from audio_checks import ffprobe

pytest.importorskip("TTS.api", reason="coqui-tts is not installed (make test installs it)")

import torch  # noqa: E402
from helpers import ROOT, SAME_DAY, assert_one_line_error, no_episode_files, write_preset  # noqa: E402

from briefing.cli import app  # noqa: E402
from briefing.engines.coqui import PRECISION_ENV, RUNTIME_ENV, CoquiEngine, segment_seed  # noqa: E402
from briefing.engines.coqui.vits_onnx import openvino_bf16  # noqa: E402
from briefing.engines.presets import load_preset, load_voices  # noqa: E402

BUNDLED = ROOT / "voices"
TEXT = "Le conseil municipal a voté le budget, après quatre heures de débat."
ZOO_ID = "tts_models/fr/css10/vits"
HAS_ORT = all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "onnx"))
needs_ort = pytest.mark.skipif(not HAS_ORT, reason="onnxruntime or onnx is not installed")


# A capability, not a feature switch: OpenVINO computes bfloat16 natively only on CPUs with
# AVX512-BF16 or AMX (this project's machines have it); elsewhere the engine stays in float32.
needs_bf16 = pytest.mark.skipif(
    not openvino_bf16(), reason="openvino is not installed or this CPU has no native bfloat16"
)


@pytest.fixture(scope="module", autouse=True)
def onnx_cache(tmp_path_factory) -> Path:
    """The user cache dir (where exported ONNX graphs go) in a temporary folder, shared by the module.

    The engine in float32 unless a test says otherwise: most tests compare its samples with
    Coqui's own torch path, which float32 matches to rounding; the bfloat16 tests set auto or bf16.
    Module-scoped, with the process's engines too (the CLI keeps one loaded engine per process,
    made under this environment): the modules after this one run as they would without it.
    """
    from briefing.synthesis import local as executors

    cache = tmp_path_factory.mktemp("xdg-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(executors, "_engines", {})
        mp.setattr(executors, "_prepared", set())
        mp.setenv("XDG_CACHE_HOME", str(cache))
        mp.delenv(RUNTIME_ENV, raising=False)
        mp.setenv(PRECISION_ENV, "fp32")
        yield cache / "briefing" / "coqui-onnx"


class _HangUp(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.settimeout(5)
        try:  # the request line: "CONNECT github.com:443 HTTP/1.0", "GET http://host/path HTTP/1.1"
            line = self.request.recv(512).split(b"\r\n", 1)[0].decode("latin-1")
        except OSError:
            line = ""
        self.server.requests.append(line)  # then the server closes the connection


# ONNX Runtime's native library posts telemetry events to this host from a thread of its own, some
# time after a model ran on it (seen under pytest-xdist): not a download, and not the product's doing.
ORT_TELEMETRY = "events.data.microsoft.com"


class ClosedNetwork(socketserver.TCPServer):
    """A port on 127.0.0.1 that hangs up on every connection and records what each one asked for."""

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _HangUp)
        self.requests: list[str] = []

    def tries(self) -> list[str]:
        """The downloads tried through it as a proxy. Neither a stray connection from another program
        on this machine (one that found this port number reused by the test) nor ONNX Runtime's
        telemetry is one."""
        proxied = [r for r in self.requests if r.startswith("CONNECT ") or r.partition(" ")[2].startswith("http")]
        return [r for r in proxied if ORT_TELEMETRY not in r.split(" ")[1]]


@pytest.fixture
def network(monkeypatch) -> ClosedNetwork:
    """No way out to the network: every proxy is a ClosedNetwork, which hangs up at once and tells
    what was tried (`network.tries()`)."""
    server = ClosedNetwork()
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    ).start()  # stops within 0.05 s
    for var in ("HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY", "https_proxy", "http_proxy", "all_proxy"):
        monkeypatch.setenv(var, f"http://127.0.0.1:{server.server_address[1]}")
    for var in ("NO_PROXY", "no_proxy"):
        monkeypatch.delenv(var, raising=False)
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def offline_cache(tmp_path, monkeypatch, network) -> Path:
    """An empty Coqui cache in tmp_path, and no way out to the network."""
    home = tmp_path / "tts-home"
    home.mkdir()
    monkeypatch.setenv("TTS_HOME", str(home))
    return home


def zoo_voices(folder: Path) -> Path:
    """A narrator on the French CSS10 zoo model, espeak as its fallback, quotes in its voice."""
    folder.mkdir()
    write_preset(folder, "esp-n", role="narrator", engine="espeak", voice="fr+m3")
    write_preset(folder, "zoo-n", role="narrator", engine="coqui", model=ZOO_ID, fallback="esp-n")
    return folder


def quiet_but_loudness(stderr: str) -> str:
    """stderr without the loudness warning: the tiny random models speak noise whose peaks stand
    far above its loudness, which the limiter rightly will not crush up to -16 LUFS."""
    return "\n".join(line for line in stderr.splitlines() if "under the target of -16 LUFS" not in line)


def test_speak_with_local_coqui_models(runner, article, coqui_voices, tmp_path):
    out = tmp_path / "coqui.mp3"
    result = runner.invoke(
        app,
        ["speak", str(article), "--voices", str(coqui_voices), "--engine", "coqui", "--device", "cpu", "-o", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert quiet_but_loudness(result.stderr).startswith("segments: "), result.stderr  # no fallback note, no chatter
    info = ffprobe(out)
    assert info["stream"]["codec_name"] == "mp3" and info["stream"]["channels"] == 1
    assert float(info["format"]["duration"]) > 5


def _pcm(path: Path) -> bytes:
    return subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "s16le", "-"], capture_output=True, check=True
    ).stdout


def test_a_speak_process_casts_the_text_in_a_child_while_the_narrator_loads(runner, article, coqui_voices, tmp_path):
    """`briefing speak` with a Coqui narrator, in its own process: the quotations are read in a
    forked child while the narrator's model loads (pipeline._plan_beside); the episode is the
    one this test process makes (where the runner's other threads keep it from forking)."""
    base = ["speak", str(article), "--voices", str(coqui_voices), "--engine", "coqui", "--no-cache", *SAME_DAY]
    child = subprocess.run(
        [sys.executable, "-m", "briefing", *base, "--debug", "-o", str(tmp_path / "child.mp3")],
        capture_output=True,
        text=True,
    )
    assert child.returncode == 0, child.stderr
    assert "the text is cast in process" in child.stderr
    here = runner.invoke(app, [*base, "-o", str(tmp_path / "here.mp3")])
    assert here.exit_code == 0, here.output
    for suffix in (".vtt", ".chapters.json"):
        assert (tmp_path / f"child{suffix}").read_text() == (tmp_path / f"here{suffix}").read_text()
    assert _pcm(tmp_path / "child.mp3") == _pcm(tmp_path / "here.mp3")


def test_script_casts_two_coqui_speakers_apart(runner, article, coqui_voices):
    import json

    result = runner.invoke(app, ["script", str(article), "--json", "--voices", str(coqui_voices)])
    segs = json.loads(result.stdout)["segments"]
    by_speaker = {s["speaker"]: s["voice"] for s in segs if s["role"] == "quote"}
    assert by_speaker == {"Sophie Marchand": "q-bruno", "Paul Girard": "q-ana"}
    assert {s["voice"] for s in segs if s["role"] != "quote"} == {"narrateur"}


def test_engine_output_is_float_at_the_model_rate_and_reproducible(coqui_voices):
    engine = CoquiEngine.load("cpu")
    preset = load_preset(coqui_voices / "narrateur.toml")
    engine.prepare(preset)
    a, b = engine.synthesize(TEXT, preset), engine.synthesize(TEXT, preset)
    assert a.sample_rate == 16000  # the model's rate: the mixer resamples
    assert a.samples.dtype == np.float32 and a.samples.ndim == 1
    assert 0 < np.max(np.abs(a.samples)) <= 1.0
    assert np.array_equal(a.samples, b.samples)  # seeded from text and voice


def test_speakers_are_passed_and_sound_different(coqui_voices):
    engine = CoquiEngine.load("cpu")
    ana, bruno = load_preset(coqui_voices / "q-ana.toml"), load_preset(coqui_voices / "q-bruno.toml")
    engine.prepare(ana)
    engine.prepare(bruno)
    assert len(engine._models) == 1  # two presets, one model loaded once
    got = engine.synthesize(TEXT, ana).samples
    vits = engine.model(ana).model
    seed = segment_seed(TEXT, ana)
    with torch.inference_mode():
        torch.manual_seed(seed)
        as_ana = vits.synthesize(TEXT, speaker="ana")["wav"]
        torch.manual_seed(seed)
        as_bruno = vits.synthesize(TEXT, speaker="bruno")["wav"]
    # the engine spoke as ana (ONNX Runtime against torch: float rounding, ~1e-7)
    assert np.allclose(got, np.clip(as_ana, -1, 1), rtol=0, atol=1e-5)
    n = min(len(as_ana), len(as_bruno))
    assert len(as_ana) != len(as_bruno) or not np.allclose(as_ana[:n], as_bruno[:n], atol=1e-3)


def test_lean_path_sounds_like_coqui_own_path(tiny):
    """Folding weight norm and dropping training parts keeps the audio: same seed, same samples."""
    from TTS.api import TTS

    model_path, config_path = tiny["single"]
    plain = TTS(model_path=str(model_path), config_path=str(config_path), progress_bar=False)
    torch.manual_seed(7)
    reference = np.asarray(plain.synthesizer.tts_model.synthesize(TEXT)["wav"], dtype=np.float32)
    engine = CoquiEngine.load("cpu")
    from briefing.model import VoicePreset

    preset = VoicePreset.of(name="n", engine="coqui", model_path=str(model_path), config_path=str(config_path))
    lean = engine.model(preset).model
    assert not any(torch.nn.utils.parametrize.is_parametrized(m) for m in lean.modules())
    with torch.inference_mode():
        torch.manual_seed(7)
        fast = lean.synthesize(TEXT)["wav"]
    assert fast.shape == reference.shape
    assert np.max(np.abs(fast - reference)) < 1e-4
    assert np.corrcoef(fast, reference)[0, 1] > 0.9999


def test_speed_shortens_the_audio(coqui_voices):
    engine = CoquiEngine.load("cpu")
    normal = load_preset(coqui_voices / "narrateur.toml")
    import dataclasses

    fast = dataclasses.replace(normal, speed=2.0)
    long_text = TEXT * 3
    n, f = engine.synthesize(long_text, normal), engine.synthesize(long_text, fast)
    assert len(f.samples) < 0.75 * len(n.samples)


def test_jobs_do_not_change_coqui_audio(runner, article, coqui_voices, tmp_path):
    one, two = tmp_path / "one" / "ep.mp3", tmp_path / "two" / "ep.mp3"  # same name: same GUID tag
    base = ["speak", str(article), "--voices", str(coqui_voices), "--engine", "coqui", *SAME_DAY]
    assert runner.invoke(app, [*base, "-o", str(one), "--jobs", "1", "--no-cache"]).exit_code == 0
    assert runner.invoke(app, [*base, "-o", str(two), "--jobs", "3", "--no-cache"]).exit_code == 0
    assert one.read_bytes() == two.read_bytes()


def test_unknown_speaker_lists_the_valid_ones(runner, article, coqui_voices, tmp_path, tiny):
    model_path, config_path = tiny["multi"]
    write_preset(
        coqui_voices, "q-bruno", engine="coqui", model_path=str(model_path), config_path=str(config_path), speaker="zoe"
    )
    result = runner.invoke(app, ["speak", str(article), "--voices", str(coqui_voices), "-o", str(tmp_path / "x.mp3")])
    assert_one_line_error(result, 2, "unknown speaker 'zoe'; speakers of this model: ana, bruno, chloe")
    assert no_episode_files(tmp_path)


def test_device_auto_and_cpu_and_missing_cuda(runner, article, coqui_voices, tmp_path):
    assert CoquiEngine.load("cpu").device == "cpu"
    assert CoquiEngine.load("auto").device == ("cuda" if torch.cuda.is_available() else "cpu")
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: --device cuda is valid here")
    result = runner.invoke(
        app, ["speak", str(article), "--voices", str(coqui_voices), "--device", "cuda", "-o", str(tmp_path / "x.mp3")]
    )
    assert_one_line_error(result, 2, "--device cuda: PyTorch sees no CUDA GPU")
    assert no_episode_files(tmp_path)


def test_a_manifest_device_cuda_fails_as_device_cuda_does(runner, article, coqui_voices, tmp_path):
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU: cuda is a valid device here")
    spoken = runner.invoke(
        app, ["speak", str(article), "--voices", str(coqui_voices), "--device", "cuda", "-o", str(tmp_path / "x.mp3")]
    )
    message = spoken.stderr.strip().removeprefix("briefing: error: ")
    manifest = tmp_path / "m.toml"
    manifest.write_text(
        f'[defaults]\nvoices = "{coqui_voices}"\ncache = false\n'
        f'[[episode]]\nname = "gpu"\ninputs = ["{article}"]\ndevice = "cuda"\n'
        f'[[episode]]\nname = "cpu"\ninputs = ["{article}"]\ndevice = "cpu"\n',
        encoding="utf-8",
    )
    result = runner.invoke(app, ["batch", str(manifest)])
    assert result.exit_code == 1, result.output  # the cuda episode failed; the cpu one was written
    rows = {line.split()[0]: line for line in result.stdout.splitlines()}
    assert rows["gpu"].endswith(f"FAILED: {message}") and "PyTorch sees no CUDA GPU" in message
    assert rows["cpu"].endswith(str(tmp_path / "output" / "cpu.mp3"))


def test_offline_zoo_model_fails_fast_with_one_line(runner, article, tmp_path, offline_cache, network):
    voices = zoo_voices(tmp_path / "voices")
    result = runner.invoke(
        app, ["speak", str(article), "--voices", str(voices), "--engine", "coqui", "-o", str(tmp_path / "x.mp3")]
    )
    assert len(network.tries()) == 1, network.requests  # one try, no retries: it fails as soon as the network does
    assert_one_line_error(result, 2, f"Coqui model {ZOO_ID} is not downloaded and could not be downloaded")
    assert "briefing voices --download" in result.stderr and "model_path and config_path" in result.stderr
    assert no_episode_files(tmp_path)
    assert [p for p in offline_cache.rglob("*") if p.is_file()] == []
    assert not (offline_cache / "tts" / ZOO_ID.replace("/", "--")).exists()


def test_auto_falls_back_to_espeak_and_says_so_once(runner, article, tmp_path, offline_cache, network):
    voices = zoo_voices(tmp_path / "voices")
    out = tmp_path / "auto.mp3"
    result = runner.invoke(app, ["speak", str(article), "--voices", str(voices), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert network.tries() == [], network.requests  # auto never downloads
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith(
        "briefing: every voice speaks with espeak, the narrator's neural preset cannot run here: "
        "Coqui model tts_models/fr/css10/vits is not downloaded"
    )
    assert lines[1].startswith("segments: ")
    assert ffprobe(out)["stream"]["codec_name"] == "mp3"
    assert not (offline_cache / "tts").exists()  # auto never tried the network


def test_a_cached_zoo_model_is_used_without_network(runner, article, tmp_path, offline_cache, network, tiny):
    cached = offline_cache / "tts" / ZOO_ID.replace("/", "--")
    cached.mkdir(parents=True)
    shutil.copy(tiny["single"][0], cached / "model_file.pth")
    shutil.copy(tiny["single"][1], cached / "config.json")
    voices = zoo_voices(tmp_path / "voices")
    listed = runner.invoke(app, ["voices", "--voices", str(voices)])
    line = next(line for line in listed.stdout.splitlines() if line.strip().startswith("zoo-n"))
    assert " available" in line and "unavailable" not in line
    out = tmp_path / "zoo.mp3"
    result = runner.invoke(app, ["speak", str(article), "--voices", str(voices), "--engine", "coqui", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert quiet_but_loudness(result.stderr).startswith("segments: "), result.stderr
    assert ffprobe(out)["stream"]["codec_name"] == "mp3"
    assert network.tries() == [], network.requests


def test_voices_reports_coqui_presets_truthfully(runner, coqui_voices, tmp_path, offline_cache):
    write_preset(
        coqui_voices, "q-lost", engine="coqui", model_path="absent/model.pth", config_path="absent/config.json"
    )
    result = runner.invoke(app, ["voices", "--voices", str(coqui_voices)])
    assert result.exit_code == 0, result.output
    lines = {line.split()[0]: line for line in result.stdout.splitlines()[1:]}
    assert "unavailable" not in lines["narrateur"] and "available" in lines["narrateur"]
    assert f"unavailable: Coqui model file {coqui_voices / 'absent/model.pth'} does not exist" in lines["q-lost"]


def test_engine_coqui_needs_a_coqui_preset(runner, article, tmp_path):
    voices = tmp_path / "voices"
    voices.mkdir()
    write_preset(voices, "n", role="narrator", engine="espeak", voice="fr+m3")
    result = runner.invoke(
        app, ["speak", str(article), "--voices", str(voices), "--engine", "coqui", "-o", str(tmp_path / "x.mp3")]
    )
    assert_one_line_error(result, 2, "no coqui preset")


def test_bundled_and_optional_presets(tmp_path):
    """The bundled folder casts Coqui voices with espeak fallbacks; the optional ones drop in."""
    book = load_voices(BUNDLED)
    assert book[book.narrator].engine == "coqui" and book[book.narrator].get("model") == ZOO_ID
    for preset in book.presets.values():
        if preset.engine == "coqui":
            assert preset.licence and book[preset.fallback].engine == "espeak"
    assert "tts_models/fr/mai/tacotron2-DDC" in {book[n].get("model") for n in book.quote_pool}
    merged = tmp_path / "voices"
    shutil.copytree(BUNDLED, merged, ignore=shutil.ignore_patterns("optional"))
    for path in (BUNDLED / "optional").glob("coqui-quote-*.toml"):
        shutil.copy(path, merged)
    book = load_voices(merged)
    assert len(book.quote_pool) >= 4 and all(book[n].engine == "coqui" for n in book.quote_pool)
    assert all("non-commercial" in book[n].licence for n in book.quote_pool if "yourtts" in n or "xtts" in n)


# --- ONNX Runtime for VITS ----------------------------------------------------------------------


def tiny_preset(tiny, kind: str, **keys):
    from briefing.model import VoicePreset

    model_path, config_path = tiny[kind]
    return VoicePreset.of(
        name=f"tiny-{kind}", engine="coqui", model_path=str(model_path), config_path=str(config_path), **keys
    )


def torch_engine(monkeypatch) -> CoquiEngine:
    with monkeypatch.context() as mp:
        mp.setenv(RUNTIME_ENV, "torch")
        return CoquiEngine.load("cpu")


@needs_ort
def test_onnx_path_is_used_and_equals_the_torch_path(tiny, monkeypatch):
    """Same seed, same audio: single speaker, another speed, a speaker of the multi-speaker model."""
    fast, slow = CoquiEngine.load("cpu"), torch_engine(monkeypatch)
    for kind, keys in (("single", {}), ("single", {"speed": 1.4}), ("multi", {"speaker": "chloe"})):
        preset = tiny_preset(tiny, kind, **keys)
        assert fast.model(preset).runtime == "onnxruntime" and slow.model(preset).runtime == "torch"
        assert fast.describe(preset).endswith("on cpu (onnxruntime)")
        for text in (TEXT, "Oui.", TEXT * 3):  # lengths other than the export's dummy input
            a, b = fast.synthesize(text, preset), slow.synthesize(text, preset)
            assert a.samples.shape == b.samples.shape and a.sample_rate == b.sample_rate, (kind, keys, text)
            assert np.max(np.abs(a.samples - b.samples)) < 1e-5, (kind, keys, text)
    again = fast.synthesize(TEXT, preset).samples  # seeded: the same segment, the same samples
    assert np.array_equal(again, fast.synthesize(TEXT, preset).samples)
    ana, bruno = tiny_preset(tiny, "multi", speaker="ana"), tiny_preset(tiny, "multi", speaker="bruno")
    a, b = fast.synthesize(TEXT, ana).samples, fast.synthesize(TEXT, bruno).samples
    n = min(len(a), len(b))
    assert fast.model(ana).onnx.conditioned  # the speaker reaches the graph
    assert len(a) != len(b) or not np.allclose(a[:n], b[:n], atol=1e-3)


@needs_ort
def test_onnx_graph_is_exported_once_and_reused(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    preset = tiny_preset(tiny, "single")
    first = CoquiEngine.load("cpu").model(preset).onnx
    assert first.export_s is not None and first.path.is_file()
    assert first.path.parent == tmp_path / "cache" / "briefing" / "coqui-onnx"
    files = sorted(p.name for p in first.path.parent.iterdir())
    assert files == [first.path.name, first.path.name + ".sha256"]  # no temporary file left
    mtime = first.path.stat().st_mtime_ns
    second = CoquiEngine.load("cpu").model(preset).onnx
    assert second.export_s is None and second.path == first.path and first.path.stat().st_mtime_ns == mtime


@needs_ort
def test_damaged_onnx_cache_is_exported_again(tiny, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    preset = tiny_preset(tiny, "single")
    path = CoquiEngine.load("cpu").model(preset).onnx.path
    good = path.read_bytes()
    reference = torch_engine(monkeypatch).synthesize(TEXT, preset).samples
    for damage in ("truncate", "flip", "no-digest"):
        if damage == "truncate":
            path.write_bytes(good[: len(good) // 2])
        elif damage == "flip":  # still a parseable graph, with one weight changed: only the digest sees it
            path.write_bytes(good[:-100] + bytes([good[-100] ^ 0xFF]) + good[-99:])
        else:
            path.with_name(path.name + ".sha256").unlink()
        caplog.clear()
        engine = CoquiEngine.load("cpu")
        onnx = engine.model(preset).onnx
        assert onnx.export_s is not None and path.read_bytes() == good, damage  # exported again, identical
        assert "exporting it again" in caplog.text, damage
        assert np.max(np.abs(engine.synthesize(TEXT, preset).samples - reference)) < 1e-5, damage


def test_runtime_torch_is_forced_by_the_environment(tiny, monkeypatch, runner, article, coqui_voices, tmp_path):
    from briefing.synthesis import local as executors

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv(RUNTIME_ENV, "torch")
    engine = CoquiEngine.load("cpu")
    preset = tiny_preset(tiny, "single")
    assert engine.model(preset).runtime == "torch" and engine.model(preset).onnx is None
    assert not (tmp_path / "cache" / "briefing" / "coqui-onnx").exists()  # nothing exported
    monkeypatch.setattr(executors, "_engines", {})  # the CLI loads its engine again
    monkeypatch.setattr(executors, "_prepared", set())
    monkeypatch.setenv(RUNTIME_ENV, "gpu-please")
    result = runner.invoke(
        app, ["speak", str(article), "--voices", str(coqui_voices), "--engine", "coqui", "-o", str(tmp_path / "x.mp3")]
    )
    assert_one_line_error(result, 2, f"{RUNTIME_ENV}='gpu-please': choose one of: auto, torch")


# --- OpenVINO with bfloat16 decoder stages -------------------------------------------------------


@pytest.mark.parametrize("kind", ["single", "multi"])
def test_split_graphs_compute_the_back_half_exactly(tiny, kind, monkeypatch):
    """The three parts OpenVINO runs (flow, decoder head, decoder tail), chained in torch, are
    the back half itself: the cut loses nothing, whatever precision each part then runs in."""
    from briefing.engines.coqui.vits_onnx import DecoderPart, FlowPart, VitsBackEnd, split_unsupported

    vits = torch_engine(monkeypatch).model(tiny_preset(tiny, kind)).model
    assert split_unsupported(vits) is None
    decoder = vits.waveform_decoder
    last = decoder.num_upsamples - 1
    flow, head, tail = FlowPart(vits), DecoderPart(decoder, 0, last), DecoderPart(decoder, last, last + 1)
    gen = torch.Generator().manual_seed(3)
    z_p, y_mask = torch.randn(1, vits.args.hidden_channels, 57, generator=gen), torch.ones(1, 1, 57)
    y_mask[..., 50:] = 0  # a padded tail, as the alignment gives
    g = torch.randn(1, vits.embedded_speaker_dim, 1, generator=gen) if kind == "multi" else None
    with torch.inference_mode():
        whole = VitsBackEnd(vits)(z_p, y_mask, g)
        parts = tail(head(flow(z_p, y_mask, g), None, g))
    assert parts.shape == whole.shape and torch.equal(parts, whole)


class _TorchRequest:
    """An OpenVINO infer request stand-in that runs a torch part: the windows' arithmetic tested
    in float32 on any CPU, apart from OpenVINO's bfloat16."""

    def __init__(self, module, names):
        self.module, self.names = module, names

    def infer(self, inputs):
        with torch.inference_mode():
            args = [torch.from_numpy(inputs[n]) if n in inputs else None for n in self.names]
            return [self.module(*args).numpy()]


def _torch_windows(vits, conditioned, flow_context, decoder_context):
    from briefing.engines.coqui.vits_onnx import DecoderPart, FlowPart, OpenVinoVits

    decoder = vits.waveform_decoder
    last = decoder.num_upsamples - 1
    requests = (
        _TorchRequest(FlowPart(vits), ["z_p", "y_mask", "g"]),
        _TorchRequest(DecoderPart(decoder, 0, last), ["x", "mask", "g"]),
        _TorchRequest(DecoderPart(decoder, last, last + 1), ["x", "mask"]),
    )
    return OpenVinoVits(requests, conditioned, [None] * 3, None, flow_context, decoder_context)


def _reach(part, frames: int, hop: int, args) -> float:
    """How far (in frames, either side) a change of one input frame in the middle moves `part`'s output."""
    x = args[0]
    with torch.inference_mode():
        before = part(x, *args[1:])
        moved = x.clone()
        moved[:, :, frames // 2] += 1.0
        changed = torch.nonzero((part(moved, *args[1:]) - before).abs().amax(dim=(0, 1)) > 0).flatten()
    return max(frames // 2 - changed.min().item() / hop, changed.max().item() / hop - frames // 2)


@pytest.mark.parametrize("kind", ["single", "multi"])
def test_flow_and_decoder_windows_each_with_its_own_reach_give_the_whole_segment(tiny, kind, monkeypatch):
    """The OpenVINO back half cuts the flow and the decoder into windows apart, each with the
    context its own convolutions reach (not the sum of both): the segment's samples are what the
    whole back half computes, to float rounding, whatever the length; with no context they are not."""
    from briefing.engines.coqui import vits_onnx
    from briefing.engines.coqui.vits_onnx import DecoderPart, FlowPart, VitsBackEnd, decoder_reach, flow_reach

    vits = torch_engine(monkeypatch).model(tiny_preset(tiny, kind)).model
    gen = torch.Generator().manual_seed(5)
    with torch.no_grad():  # a tiny model's flow is built near identity: make it mix its frames
        for p in vits.flow.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.3)
    monkeypatch.setattr(vits_onnx, "WINDOW_FRAMES", 24)  # tiny models speak few frames: cut them often
    conditioned = kind == "multi"
    g = torch.randn(1, vits.embedded_speaker_dim, 1, generator=gen) if conditioned else None
    decoder = vits.waveform_decoder
    hop = int(np.prod([up.stride[0] for up in decoder.ups]))
    z = torch.randn(1, vits.args.hidden_channels, 120, generator=gen)
    ones = torch.ones(1, 1, 120)
    # the reaches bound what the parts really read, measured by moving one frame
    assert _reach(FlowPart(vits), 120, 1, [z, ones, g]) <= flow_reach(vits.flow)
    assert _reach(DecoderPart(decoder, 0, decoder.num_upsamples), 120, hop, [z, ones, g]) <= decoder_reach(decoder)
    windowed = _torch_windows(vits, conditioned, flow_reach(vits.flow), decoder_reach(decoder))
    blind = _torch_windows(vits, conditioned, 0, 0)
    for frames in (17, 40, 97, 203):  # one segment alone: its mask is all ones
        z_p = torch.randn(1, vits.args.hidden_channels, frames, generator=gen)
        y_mask = torch.ones(1, 1, frames)
        with torch.inference_mode():
            whole = VitsBackEnd(vits)(z_p, y_mask, g).numpy()
        got = windowed(z_p, y_mask, g)
        assert got.shape == whole.shape, frames
        assert np.abs(got - whole).max() < 1e-5, frames
        if frames > vits_onnx.WINDOW_FRAMES:
            assert np.abs(blind(z_p, y_mask, g) - whole).max() > 1e-3, frames


def test_the_first_windows_are_timed_apart_once(tiny, monkeypatch):
    """OpenVINO makes a shape's kernels on its first window (about 1 s in a fresh process):
    the whole command's breakdown shows it as its own line (bench/coqui.py --whole), within
    flow+decoder, timed once per part (flow, decoder)."""
    from briefing.engines.coqui import vits_onnx
    from briefing.engines.coqui.vits_onnx import FIRST_WINDOWS, decoder_reach, flow_reach
    from briefing.system import timings

    vits = torch_engine(monkeypatch).model(tiny_preset(tiny, "single")).model
    monkeypatch.setattr(vits_onnx, "WINDOW_FRAMES", 24)
    back = _torch_windows(vits, False, flow_reach(vits.flow), decoder_reach(vits.waveform_decoder))
    monkeypatch.setattr(timings, "_totals", {})
    calls = []
    monkeypatch.setattr(timings, "add", lambda name, seconds: calls.append(name))
    z_p = torch.randn(1, vits.args.hidden_channels, 100)
    back(z_p, torch.ones(1, 1, 100))  # several windows of each part
    back(z_p, torch.ones(1, 1, 100))
    assert calls == [FIRST_WINDOWS, FIRST_WINDOWS]


def test_reaches_of_coqui_s_default_vits():
    """The full-size VITS (Coqui's default VitsArgs, the css10 model's layout): 4 couplings of 4
    WaveNet layers of kernel 5 reach 32 frames; the HiFi-GAN decoder 15 (14.5 rounded up)."""
    from TTS.tts.configs.vits_config import VitsConfig
    from TTS.tts.models.vits import Vits

    from briefing.engines.coqui.vits_onnx import decoder_reach, flow_reach

    vits = Vits(VitsConfig())
    assert (flow_reach(vits.flow), decoder_reach(vits.waveform_decoder)) == (32, 15)


def snr_db(reference: np.ndarray, other: np.ndarray) -> float:
    return float(
        10 * np.log10(np.sum(reference.astype(np.float64) ** 2) / np.sum((reference - other).astype(np.float64) ** 2))
    )


@needs_bf16
def test_bf16_path_is_the_default_here_and_sounds_like_float32(tiny, monkeypatch, tmp_path):
    """auto picks OpenVINO with bfloat16 stages on this CPU: same lengths as the float32 path,
    the difference far below the signal, the same segment always the same samples, speakers apart."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv(PRECISION_ENV, "auto")
    fast = CoquiEngine.load("cpu")
    slow = torch_engine(monkeypatch)
    for kind, keys in (("single", {}), ("single", {"speed": 1.4}), ("multi", {"speaker": "chloe"})):
        preset = tiny_preset(tiny, kind, **keys)
        assert fast.model(preset).runtime == "openvino+bf16" and fast.describe(preset).endswith(
            "on cpu (openvino+bf16)"
        )
        for text in (TEXT, "Oui.", TEXT * 3):
            a, b = fast.synthesize(text, preset), slow.synthesize(text, preset)
            assert a.samples.shape == b.samples.shape and a.sample_rate == b.sample_rate, (kind, keys, text)
            assert snr_db(b.samples, a.samples) > 40, (kind, keys, text)  # bench/coqui.py: ~60 dB on a full-size VITS
    assert np.array_equal(fast.synthesize(TEXT, preset).samples, fast.synthesize(TEXT, preset).samples)
    ana, bruno = tiny_preset(tiny, "multi", speaker="ana"), tiny_preset(tiny, "multi", speaker="bruno")
    a, b = fast.synthesize(TEXT, ana).samples, fast.synthesize(TEXT, bruno).samples
    n = min(len(a), len(b))
    assert fast.model(ana).onnx.conditioned and (len(a) != len(b) or not np.allclose(a[:n], b[:n], atol=1e-3))


@needs_bf16
def test_bf16_back_half_runs_on_windows_of_one_shape_whatever_the_segment_s_length(tiny, monkeypatch, tmp_path):
    """OpenVINO compiles kernels for each new shape and keeps them (a process grew to 4.2 GB on
    an article's distinct lengths): every call has the same shape, and a segment of several
    windows sounds like the float32 path all along, its cuts included."""
    from briefing.engines.coqui import vits_onnx

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    slow = torch_engine(monkeypatch)
    monkeypatch.setenv(PRECISION_ENV, "bf16")
    monkeypatch.setattr(vits_onnx, "WINDOW_FRAMES", 24)  # tiny models speak few frames: cut them often
    fast = CoquiEngine.load("cpu")
    preset = tiny_preset(tiny, "multi", speaker="chloe")
    shapes = set()

    class Recorded:
        """An infer request that notes the shapes it is given."""

        def __init__(self, part, request):
            self.part, self.request = part, request

        def infer(self, inputs):
            shapes.add((self.part, *sorted((k, v.shape) for k, v in inputs.items())))
            return self.request.infer(inputs)

    back = fast.model(preset).onnx
    back.flow, back.head, back.tail = (
        Recorded(n, r) for n, r in zip("fht", (back.flow, back.head, back.tail), strict=True)
    )
    frames = []
    for text in ("Oui.", TEXT, TEXT * 4):
        a, b = fast.synthesize(text, preset), slow.synthesize(text, preset)
        assert a.samples.shape == b.samples.shape, text
        assert snr_db(b.samples, a.samples) > 40, text
        frames.append(len(a.samples))
    assert len(set(frames)) == 3 and len(shapes) == 3  # three lengths, one shape for each graph


@needs_bf16
def test_bf16_graphs_are_exported_once_and_reused(tiny, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv(PRECISION_ENV, "bf16")
    preset = tiny_preset(tiny, "multi", speaker="ana")
    first = CoquiEngine.load("cpu").model(preset).onnx
    assert first.runtime == "openvino+bf16" and first.export_s is not None
    folder = tmp_path / "cache" / "briefing" / "coqui-onnx"
    names = sorted(p.name for p in folder.iterdir())
    assert len(names) == 6 and {n.split("-")[1] for n in names} == {
        "flow",
        "head",
        "tail",
    }  # three graphs, three digests
    assert sorted(p.name for p in first.paths) == [n for n in names if n.endswith(".onnx")]
    second = CoquiEngine.load("cpu").model(preset).onnx
    assert second.export_s is None and second.paths == first.paths
    # what OpenVINO compiled for the cached graphs is kept beside them, and a damaged entry is
    # compiled again: the same samples either way
    blobs = sorted((folder / "openvino").iterdir())
    assert len(blobs) == 3
    engine = CoquiEngine.load("cpu")
    expected = engine.synthesize(TEXT, preset).samples
    for blob in blobs:
        blob.chmod(0o600)
        blob.write_bytes(blob.read_bytes()[: blob.stat().st_size // 2])
    again = CoquiEngine.load("cpu").synthesize(TEXT, preset).samples
    assert np.array_equal(again, expected)


def test_fp32_keeps_onnx_runtime_and_precision_is_in_the_cache_key(tiny, monkeypatch):
    preset = tiny_preset(tiny, "single")
    monkeypatch.setenv(PRECISION_ENV, "fp32")
    if HAS_ORT:
        assert CoquiEngine.load("cpu").model(preset).runtime == "onnxruntime"
    fp32 = CoquiEngine.cache_identity(preset)
    monkeypatch.delenv(PRECISION_ENV)
    assert CoquiEngine.cache_identity(preset) != fp32  # cached float32 segments never stand in for bfloat16 ones


def test_bad_precision_requests_are_one_line_errors(monkeypatch, runner, article, coqui_voices, tmp_path):
    from briefing.synthesis import local as executors

    monkeypatch.setattr(executors, "_engines", {})
    monkeypatch.setattr(executors, "_prepared", set())
    out = tmp_path / "x.mp3"
    monkeypatch.setenv(PRECISION_ENV, "fp8")
    result = runner.invoke(
        app, ["speak", str(article), "--voices", str(coqui_voices), "--engine", "coqui", "-o", str(out)]
    )
    assert_one_line_error(result, 2, f"{PRECISION_ENV}='fp8': choose one of: auto, fp32, bf16")
    monkeypatch.setenv(PRECISION_ENV, "bf16")
    monkeypatch.setenv(RUNTIME_ENV, "torch")
    result = runner.invoke(
        app, ["speak", str(article), "--voices", str(coqui_voices), "--engine", "coqui", "-o", str(out)]
    )
    assert_one_line_error(result, 2, f"{PRECISION_ENV}=bf16 runs the VITS decoder on OpenVINO")
    assert not out.exists()


# --- VITS in batches (the GPU path's core, checked here on CPU) ---------------------------------


@pytest.mark.parametrize("kind, keys", [("single", {}), ("multi", {"speaker": "chloe"})])
def test_a_batch_gives_each_segment_the_audio_it_has_alone(tiny, monkeypatch, kind, keys):
    """Padded batch, masks, the noise drawn per segment with its own seed: each segment's audio
    is the same whatever the batch (its length and its neighbours), to float rounding."""
    import contextlib

    from briefing.engines.coqui import vits_batch
    from briefing.engines.coqui.vits_batch import synthesize_batch

    engine = torch_engine(monkeypatch)
    preset = tiny_preset(tiny, kind, **keys)
    loaded = engine.model(preset)
    texts = [TEXT * 3, "Oui.", TEXT, "Le marché rouvre mardi, après deux ans de travaux."]
    alone = [engine.synthesize(text, preset).samples for text in texts]
    kwargs = {"speaker": loaded._speaker_arg(preset), "voice_dir": loaded.voice_dir}
    seeds = [segment_seed(text, preset) for text in texts]
    for order in ([0, 1, 2, 3], [3, 1], [1]):  # other neighbours, other padding, a batch of one
        batched = synthesize_batch(loaded.model, [texts[i] for i in order], [seeds[i] for i in order], **kwargs)
        for i, audio in zip(order, batched, strict=True):
            assert audio.shape == alone[i].shape
            assert np.max(np.abs(np.clip(audio, -1, 1) - alone[i])) < 1e-4, (order, i)
    # Without the decoder's masks the short segments' ends would differ: the test can tell.
    monkeypatch.setattr(vits_batch, "masked_decoder", lambda *a: contextlib.nullcontext())
    unmasked = synthesize_batch(loaded.model, texts, seeds, **kwargs)
    assert np.max(np.abs(np.clip(unmasked[1], -1, 1) - alone[1])) > 1e-4


def test_segments_in_flight_are_gathered_into_batches_with_the_same_audio(tiny, monkeypatch):
    """BRIEFING_COQUI_BATCH (16 on CUDA by default) gathers the segments the render keeps in
    flight (--jobs) into batches: forced on here on the CPU, with four threads, each segment's
    audio is the one it has alone, and batches did form."""
    from briefing.engines.coqui import engine as coqui_engine
    from briefing.synthesis.local import LocalExecutor

    preset = tiny_preset(tiny, "multi", speaker="chloe")
    texts = [TEXT, "Oui.", TEXT * 2, "Le marché rouvre mardi.", TEXT + " Il pleut.", "Non, merci."]
    alone = [torch_engine(monkeypatch).synthesize(text, preset).samples for text in texts]
    monkeypatch.setenv(RUNTIME_ENV, "torch")
    monkeypatch.setenv("BRIEFING_COQUI_BATCH", "4")
    engine = CoquiEngine.load("cpu")
    monkeypatch.setattr("briefing.synthesis.local.load_engine", lambda name, device: engine)
    with LocalExecutor(jobs=4, device="cpu") as executor:
        handles = [executor.submit(i, text, preset) for i, text in enumerate(texts)]
        gathered = [executor.result(h).samples for h in handles]
    for a, b in zip(gathered, alone, strict=True):
        assert a.shape == b.shape and np.max(np.abs(a - b)) < 1e-4
    assert max(b.largest for b in engine._batchers.values()) > 1
    monkeypatch.setenv("BRIEFING_COQUI_BATCH", "0")
    with pytest.raises(coqui_engine.UsageError, match="BRIEFING_COQUI_BATCH"):
        CoquiEngine.load("cpu")
