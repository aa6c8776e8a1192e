"""Benchmark: the Coqui engine's inference path against Coqui's own `tts` CLI, on CPU or GPU.

    .venv/bin/python bench/coqui.py [--device cpu|cuda] [--threads N] [--keep DIR] [--variants a,b,...]
    .venv/bin/python bench/coqui.py --whole [--runs N]     # the whole commands, as a user waits for them
    .venv/bin/python bench/coqui.py --batch 1,2,4,8,16,32,64 [--device cuda]   # VITS in batches
    .venv/bin/python bench/coqui.py --roofline   # float32: how near the CPU's ceiling the back half runs
    .venv/bin/python bench/coqui.py --cores      # the back half on all cores: three ways compared

A full-size VITS (Coqui's default VitsArgs without the training discriminator: 36 M
parameters, 22.05 kHz, French characters) with random weights, its length_scale calibrated so
that speech lasts about one second per 14 characters, as a trained French voice does; so the
decoder does the same work as for real speech. The text is a French article written for this
benchmark, cut into segments by briefing's own front end.

Each variant runs in a fresh process (so its peak memory is its own):
  coqui-api    TTS(model_path, config_path).tts(segment, split_sentences=False), as shipped
  +inference   the same model under torch.inference_mode(), via Vits.synthesize (no list copies)
  +fold-wn     + weight norm folded into plain weights once at load
  engine-torch briefing's CoquiEngine forced onto torch (BRIEFING_COQUI_RUNTIME=torch): inference
               mode, folded weight norm, no discriminator
  engine-int8  engine-torch with dynamic int8 quantisation of its Linear layers
  coqui-onnx   Coqui's own Vits.export_onnx (whole graph, noise drawn unseeded inside ONNX Runtime),
               exported at load (in its load time), same session options as the engine
  engine-fp32  briefing's CoquiEngine in float32 (BRIEFING_COQUI_PRECISION=fp32): torch up to the
               seeded noise, then the flow and decoder on ONNX Runtime from the cached graph
  engine       briefing's CoquiEngine as users run it: where the CPU computes bfloat16 natively
               and openvino is installed, the flow and decoder on OpenVINO, the decoder's wide
               stages in bfloat16 (else the same as engine-fp32); warm cache: the one-off export
               is timed separately, before it, as "export"
and the CLI: `tts --model_path ... --config_path ... --text ARTICLE --out_path x.wav`
(wall time of the whole command, as a user runs it).

Throughput is characters per second of synthesis; RTF = synthesis seconds / audio seconds;
first-segment latency = time to the first segment's audio once the model is loaded. Two
ratios to the CLI: "x wall" divides by the CLI's characters per second over its whole command
(what a user of the CLI gets; the goal's ratio, as in the first measurements), "x proc" by its
characters per second over its own reported processing time (synthesis against synthesis).
The engine's audio is checked against Coqui's own path, and its ONNX Runtime and OpenVINO paths
against its torch path, with the same seeds (same length, max error, correlation, and the SNR:
signal power over the power of the difference, in dB).

With `--device cuda` every variant and the CLI run on the GPU: the torch variants only (ONNX
Runtime, OpenVINO and int8 are CPU paths; on CUDA the engine is torch), and the peak GPU memory
of each is printed below the table.

Every child process gets XDG_CACHE_HOME in the benchmark's temporary folder, so the export is
a real cold one and your own cache is left alone.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

VARIANTS = ("coqui-api", "+inference", "+fold-wn", "engine-torch", "engine-int8", "coqui-onnx", "engine-fp32", "engine")
CUDA_VARIANTS = ("coqui-api", "+inference", "+fold-wn", "engine")
CHARS_PER_SECOND = 14.0  # a calm French news read

# Written for this benchmark (not taken from any source).
ARTICLE = """\
La ville teste des navettes électriques sur les quais

Depuis lundi matin, trois petites navettes électriques circulent le long des quais de la Saône, entre la passerelle du Palais de justice et le pont Bonaparte. Elles roulent au pas, s'arrêtent à la demande et transportent jusqu'à douze passagers chacune.

Le service est gratuit pendant toute la durée de l'essai, qui doit s'achever à la fin de l'automne. La municipalité veut savoir si les habitants du quartier, et en particulier les personnes âgées, s'en serviraient pour rejoindre les commerces et le marché du dimanche.

« Nous voulons des réponses simples à des questions simples : qui monte, à quelle heure, et pour aller où », a expliqué l'adjointe chargée des mobilités, Hélène Garnier. Les conducteurs notent chaque trajet sur une tablette, sans relever aucune donnée personnelle.

Les riverains semblent partagés. Certains saluent une initiative discrète et silencieuse, d'autres regrettent que les navettes occupent une partie de la piste cyclable aux heures de pointe. Une réunion publique est prévue à la mairie d'arrondissement au début du mois prochain, avant toute décision sur la suite du projet.
"""


def build_model(folder: Path) -> tuple[Path, Path, float]:
    """Write the full-size random VITS, calibrated to ~14 characters a second of audio."""
    import torch
    from models.tiny import characters_config
    from TTS.tts.configs.shared_configs import BaseAudioConfig
    from TTS.tts.configs.vits_config import VitsConfig
    from TTS.tts.models.vits import Vits, VitsArgs

    config = VitsConfig(
        model_args=VitsArgs(init_discriminator=False),
        use_phonemes=False,
        text_cleaner="multilingual_cleaners",
        characters=characters_config(),
        add_blank=True,
        phoneme_language="fr",
        audio=BaseAudioConfig(sample_rate=22050, fft_size=1024, win_length=1024, hop_length=256, num_mels=80),
    )
    torch.manual_seed(0)
    model = Vits(config).eval()
    # Calibrate: mean audio length of the random duration predictor over a few seeds.
    text = " ".join(ARTICLE.split())[:400]
    seconds = []
    with torch.inference_mode():
        for seed in range(3):
            torch.manual_seed(seed)
            ids = torch.as_tensor(model.tokenizer.text_to_ids(text), dtype=torch.long).unsqueeze(0)
            x, m_p, logs_p, x_mask = model.text_encoder(ids, torch.tensor([ids.shape[1]]))
            logw = model.duration_predictor(x, x_mask, reverse=True, noise_scale=model.inference_noise_scale_dp)
            frames = torch.ceil(torch.exp(logw) * x_mask).sum().item()
            seconds.append(frames * 256 / 22050)
    length_scale = (len(text) / CHARS_PER_SECOND) / (sum(seconds) / len(seconds))
    config.model_args.length_scale = length_scale
    model_path, config_path = folder / "model.pth", folder / "config.json"
    torch.save({"model": model.state_dict()}, model_path)
    config.save_json(str(config_path))
    return model_path, config_path, length_scale


def segments() -> list[str]:
    """The article as briefing's front end cuts it: what each synthesize() call receives."""
    from briefing.engines.presets import load_voices
    from briefing.inputs.sources import load_article
    from briefing.text.script import build_script

    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
        f.write(ARTICLE)
    try:
        script = build_script([load_article(f.name)], load_voices())
    finally:
        os.unlink(f.name)
    return [s.text for s in script.segments]


# --- one variant, in its own process ----------------------------------------------------------


def run_variant(variant: str, model_path: str, config_path: str, threads: int | None, device: str = "cpu") -> dict:
    started = time.perf_counter()
    import numpy as np
    import torch

    if device != "cpu" and variant not in CUDA_VARIANTS:
        raise SystemExit(f"variant {variant} runs on the CPU only; on {device}: {', '.join(CUDA_VARIANTS)}")

    if threads:
        torch.set_num_threads(threads)
    texts = segments()
    from briefing.model import VoicePreset

    preset = VoicePreset.of(name="bench", engine="coqui", model_path=model_path, config_path=config_path)
    runtime, export_s = ("onnxruntime" if variant == "coqui-onnx" else "torch"), None
    if variant == "coqui-onnx":
        import onnxruntime as ort

        from briefing.engines.coqui import CoquiEngine
        from briefing.engines.coqui import vits_onnx as coqui_onnx

        engine = CoquiEngine.load("cpu")
        engine.runtime = "torch"  # only its lean model: Coqui's export below is the one measured
        vits = engine.model(preset).model
        onnx_path = Path(tempfile.mkdtemp(prefix="briefing-onnx-")) / "vits.onnx"
        vits.export_onnx(str(onnx_path), verbose=False)
        options = coqui_onnx.session_options(threads or torch.get_num_threads())
        session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        scales = np.array(
            [vits.inference_noise_scale, vits.length_scale, vits.inference_noise_scale_dp], dtype=np.float32
        )
        rate = engine.model(preset).sample_rate

        def speak(text):
            ids = np.array([vits.tokenizer.text_to_ids(text)], dtype=np.int64)
            return session.run(None, {"input": ids, "input_lengths": np.array([ids.shape[1]]), "scales": scales})[
                0
            ].reshape(-1)

    elif variant.startswith("engine"):
        from briefing.engines.coqui import PRECISION_ENV, RUNTIME_ENV, CoquiEngine

        if variant == "engine-fp32":
            os.environ[PRECISION_ENV] = "fp32"
        elif variant != "engine":
            os.environ[RUNTIME_ENV] = "torch"
        engine = CoquiEngine.load(device)
        engine.prepare(preset)
        loaded_model = engine.model(preset)
        if variant == "engine-int8":
            torch.ao.quantization.quantize_dynamic(
                loaded_model.model, {torch.nn.Linear}, dtype=torch.qint8, inplace=True
            )
        speak = lambda text: engine.synthesize(text, preset).samples  # noqa: E731
        rate = loaded_model.sample_rate
        runtime = loaded_model.runtime
        export_s = loaded_model.onnx.export_s if loaded_model.onnx is not None else None
    else:
        from TTS.api import TTS

        tts = TTS(model_path=model_path, config_path=config_path, progress_bar=False).to(device)
        rate = tts.synthesizer.output_sample_rate
        vits = tts.synthesizer.tts_model
        if variant == "+fold-wn":
            from briefing.engines.coqui import fold_weight_norm

            fold_weight_norm(vits)
        if variant == "coqui-api":
            speak = lambda text: np.asarray(tts.tts(text, split_sentences=False), dtype=np.float32)  # noqa: E731
        else:

            def speak(text):
                with torch.inference_mode():
                    wav = vits.synthesize(text)["wav"]
                return wav.cpu().numpy() if isinstance(wav, torch.Tensor) else wav

    loaded = time.perf_counter()
    audio_s, first = 0.0, None
    t0 = time.perf_counter()
    for i, text in enumerate(texts):
        torch.manual_seed(i)
        wav = speak(text)
        audio_s += len(wav) / rate
        if first is None:
            first = time.perf_counter() - t0
    synth = time.perf_counter() - t0
    return {
        "variant": variant,
        "chars": sum(len(t) for t in texts),
        "segments": len(texts),
        "load_s": loaded - started,
        "synth_s": synth,
        "audio_s": audio_s,
        "first_s": first,
        "wall_s": time.perf_counter() - started,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "runtime": runtime,
        "export_s": export_s,
        "gpu_mb": torch.cuda.max_memory_allocated() / 1e6 if device != "cpu" else None,
    }


def run_export(model_path: str, config_path: str, threads: int | None) -> dict:
    """The engine's first load with an empty cache: the one-off ONNX export, timed on its own."""
    import torch

    if threads:
        torch.set_num_threads(threads)
    from briefing.engines.coqui import CoquiEngine
    from briefing.model import VoicePreset

    started = time.perf_counter()
    loaded = CoquiEngine.load("cpu").model(
        VoicePreset.of(name="bench", engine="coqui", model_path=model_path, config_path=config_path)
    )
    return {
        "runtime": loaded.runtime,
        "load_s": time.perf_counter() - started,
        "export_s": loaded.onnx.export_s if loaded.onnx is not None else None,
        "graph_mb": sum(p.stat().st_size for p in loaded.onnx.paths if p) / 1e6 if loaded.onnx is not None else None,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def check_equivalence(model_path: str, config_path: str, device: str = "cpu") -> dict:
    """The engine's lean path against Coqui's own, same seeds: per-segment length, error, correlation."""
    import numpy as np
    import torch
    from TTS.api import TTS

    from briefing.engines.coqui import CoquiEngine
    from briefing.model import VoicePreset

    texts = segments()[:3]
    plain = TTS(model_path=model_path, config_path=config_path, progress_bar=False).to(device).synthesizer.tts_model
    engine = CoquiEngine.load(device)
    lean = engine.model(
        VoicePreset.of(name="bench", engine="coqui", model_path=model_path, config_path=config_path)
    ).model
    same_len, max_err, min_corr = True, 0.0, 1.0
    for i, text in enumerate(texts):
        torch.manual_seed(i)
        a = plain.synthesize(text)["wav"]
        with torch.inference_mode():
            torch.manual_seed(i)
            b = lean.synthesize(text)["wav"]
        a, b = (np.asarray(w.cpu().numpy() if isinstance(w, torch.Tensor) else w) for w in (a, b))
        same_len &= a.shape == b.shape
        if a.shape == b.shape:
            max_err = max(max_err, float(np.max(np.abs(a - b))))
            min_corr = min(min_corr, float(np.corrcoef(a, b)[0, 1]))
    result = {"segments": len(texts), "same_length": same_len, "max_abs_err": max_err, "min_corr": min_corr}
    if device != "cpu":  # the off-torch paths are CPU paths
        return result
    # The engine off torch (ONNX Runtime in float32; OpenVINO with bfloat16 stages) against the
    # engine forced onto torch: the engine seeds each segment itself, so a segment's samples must
    # match (float32: to rounding; bfloat16: to the SNR it reports).
    from briefing.engines.coqui import PRECISION_ENV, RUNTIME_ENV

    preset = VoicePreset.of(name="bench", engine="coqui", model_path=model_path, config_path=config_path)
    os.environ[RUNTIME_ENV] = "torch"
    slow = CoquiEngine.load("cpu")
    del os.environ[RUNTIME_ENV]
    os.environ[PRECISION_ENV] = "fp32"
    fp32 = CoquiEngine.load("cpu")
    del os.environ[PRECISION_ENV]
    engines = {fp32.model(preset).runtime: fp32, engine.model(preset).runtime: engine}
    for runtime, fast in engines.items():
        if runtime == "torch":
            continue
        same, err, corr, signal, noise = True, 0.0, 1.0, 0.0, 0.0
        for text in texts:
            a, b = fast.synthesize(text, preset).samples, slow.synthesize(text, preset).samples
            same &= a.shape == b.shape
            if a.shape == b.shape:
                err, corr = max(err, float(np.max(np.abs(a - b)))), min(corr, float(np.corrcoef(a, b)[0, 1]))
                signal, noise = (
                    signal + float(np.sum(b.astype(np.float64) ** 2)),
                    noise + float(np.sum((a - b).astype(np.float64) ** 2)),
                )
        snr = 10 * np.log10(signal / noise) if noise > 0 else float("inf")
        result.setdefault("fast", {})[runtime] = {
            "same_length": same,
            "max_abs_err": err,
            "min_corr": corr,
            "snr_db": snr,
        }
    return result


# The peak memory of one command alone: RUSAGE_CHILDREN of a wrapper that runs only it.
_WRAPPER = (
    "import resource, subprocess, sys, time; t = time.perf_counter(); "
    "p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
    "sys.stderr.write(p.stdout + p.stderr); "
    "print(p.returncode, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def timed(cmd: list[str], env: dict[str, str] | None = None) -> dict:
    """Run one command; its wall time, its own peak memory and its output (stdout and stderr)."""
    proc = subprocess.run([sys.executable, "-c", _WRAPPER, *cmd], capture_output=True, text=True, env=env, check=False)
    code, wall, peak_kb = proc.stdout.split()
    if int(code) != 0:
        raise SystemExit(f"{cmd[0]} failed: {proc.stderr.strip().splitlines()[-3:]}")
    return {"wall_s": float(wall), "peak_mb": int(peak_kb) / 1024, "log": proc.stderr}


def run_cli(model_path: Path, config_path: Path, out: Path, device: str = "cpu") -> dict:
    text = " ".join(" ".join(segments()).split())
    tts = Path(sys.executable).parent / "tts"
    cmd = [str(tts), "--model_path", str(model_path), "--config_path", str(config_path), "--text", text]
    cmd += ["--out_path", str(out), *(["--device", device] if device != "cpu" else [])]
    result = timed(cmd)
    wall = result["wall_s"]
    processing = re.search(r"Processing time: ([\d.]+)", result["log"])
    import soundfile as sf

    info = sf.info(str(out))
    return {
        "variant": "tts CLI",
        "chars": len(text),
        "synth_s": float(processing.group(1)) if processing else float("nan"),
        "audio_s": info.frames / info.samplerate,
        "first_s": float("nan"),
        "wall_s": wall,
        "load_s": wall - (float(processing.group(1)) if processing else 0.0),
        "peak_mb": result["peak_mb"],
    }


# --- whole commands: what a user waits for -----------------------------------------------------

BREAKDOWN = (
    ("start and imports", None),
    ("text (read, clean, script, casting)", "text (read, clean, script, casting)"),
    ("model load (export excluded)", None),
    ("graph export", "graph export"),
    ("VITS torch half", "vits torch half"),
    ("VITS flow+decoder, later windows", None),
    ("VITS first windows (kernels made)", "vits first windows (OpenVINO makes their kernels)"),
    ("VITS on torch", "vits (torch)"),
    ("clip processing", "clip processing (resample, trim, level)"),
    ("finishing (limiter, meter, to LAME)", "finishing (limiter, meter, to the encoder)"),
    ("loudness: gain search", "loudness: gain search"),
    ("limiting, MP3 encoding beside it", "loudness: limiting, MP3 encoding beside it"),
    ("other files", None),
    ("torch and coqui-tts import", "torch and coqui-tts import"),
    ("exit (after the command's end)", None),
)


def whole(folder: Path, model_path: Path, config_path: Path, runs: int, threads: int | None) -> None:
    """`briefing speak` against `tts`, start to file on disk, on the same model, text and cores."""
    article = folder / "article.txt"
    article.write_text(ARTICLE, encoding="utf-8")
    voices = folder / "voices"
    voices.mkdir(exist_ok=True)
    (voices / "bench.toml").write_text(
        f'role = "narrator"\nengine = "coqui"\nmodel_path = "{model_path}"\nconfig_path = "{config_path}"\n',
        encoding="utf-8",
    )
    base = dict(os.environ)
    if threads:
        base["OMP_NUM_THREADS"] = str(threads)
    bin_dir = Path(sys.executable).parent
    cli_text = " ".join(" ".join(segments()).split())
    chars = len(cli_text)
    cli_cmd = [str(bin_dir / "tts"), "--model_path", str(model_path), "--config_path", str(config_path)]
    cli_cmd += ["--text", cli_text, "--out_path", str(folder / "cli.wav")]
    rows: list[tuple[str, dict]] = []
    for i in range(runs):
        rows.append((f"tts CLI, run {i + 1}", timed(cli_cmd, base)))
    breakdowns = {}
    for precision in ("auto", "fp32"):
        cache = folder / f"cache-{precision}"  # a fresh export cache: the first run exports
        for i in range(runs + 1):
            env = dict(base, XDG_CACHE_HOME=str(cache), BRIEFING_TIMINGS=str(folder / "timings.json"))
            if precision == "fp32":
                env["BRIEFING_COQUI_PRECISION"] = "fp32"
            out = folder / "out" / "article.mp3"
            cmd = [str(bin_dir / "briefing"), "speak", str(article), "--voices", str(voices), "--no-cache"]
            row = timed([*cmd, "--no-briefing", "-o", str(out)], env)
            row["timings"] = json.loads((folder / "timings.json").read_text(encoding="utf-8"))
            label = f"briefing speak ({precision}), " + ("first run (export)" if i == 0 else f"run {i + 1}")
            rows.append((label, row))
            breakdowns[precision] = row
    cli_best = min(r["wall_s"] for label, r in rows if label.startswith("tts"))
    print(f"whole commands, start to file on disk: {chars} characters, {os.cpu_count()} CPUs")
    header = f"{'command':<40} {'wall s':>7} {'chars/s':>8} {'x CLI':>6} {'peak MB':>8}"
    print(header)
    print("-" * len(header))
    for label, r in rows:
        print(
            f"{label:<40} {r['wall_s']:>7.1f} {chars / r['wall_s']:>8.1f} {cli_best / r['wall_s']:>6.2f} {r['peak_mb']:>8.0f}"
        )
    print(
        "x CLI = the CLI's best wall time / this command's (same text, model and cores; goal >= 1.8 bf16, >= 1.35 fp32 (issue 30))"
    )
    for precision, r in breakdowns.items():
        t, stages = r["timings"], r["timings"]["stages"]
        known = {
            "start and imports": t["marks"].get("command", 0.0),
            "model load (export excluded)": stages.get("model load (with export)", 0.0)
            - stages.get("graph export", 0.0),
            "other files": stages.get("files (MP3 and the rest)", 0.0) - stages.get("MP3 encoding", 0.0),
            "VITS flow+decoder, later windows": stages.get("vits flow+decoder", 0.0)
            - stages.get("vits first windows (OpenVINO makes their kernels)", 0.0),
            "exit (after the command's end)": max(0.0, r["wall_s"] - t.get("age_s", r["wall_s"])),
        }
        parts = [(name, known[name] if key is None else stages.get(key, 0.0)) for name, key in BREAKDOWN]
        rest = r["wall_s"] - sum(v for _, v in parts)
        print(f"where the wall time of briefing speak ({precision}, last run, {r['wall_s']:.1f} s) goes:")
        for name, value in [*parts, ("the rest (between stages)", rest)]:
            if value:
                print(f"  {name:<36} {value:>6.2f} s  {100 * value / r['wall_s']:>5.1f} %")


# --- batches: the flow and decoder on many segments at once -------------------------------------


def batches(model_path: Path, config_path: Path, device: str, sizes: list[int], threads: int | None) -> None:
    """RTF and segments per second of the torch VITS back half for each batch size, and the SNR
    of every variant's audio against one segment at a time in float32 (same seeds)."""
    import numpy as np
    import torch

    from briefing.engines.coqui import RUNTIME_ENV, CoquiEngine, segment_seed
    from briefing.engines.coqui.vits_batch import synthesize_batch
    from briefing.model import VoicePreset

    if threads:
        torch.set_num_threads(threads)
    os.environ[RUNTIME_ENV] = "torch"
    engine = CoquiEngine.load(device)
    preset = VoicePreset.of(name="bench", engine="coqui", model_path=str(model_path), config_path=str(config_path))
    loaded = engine.model(preset)
    vits, rate = loaded.model, loaded.sample_rate
    texts = segments()
    if device == "cuda":  # enough segments for the largest batch
        texts = texts * -(-max(sizes) // len(texts))
    seeds = [segment_seed(t, preset) for t in texts]
    kwargs = {"speaker": loaded._speaker_arg(preset), "voice_dir": loaded.voice_dir}

    def run(size: int, half: bool = False) -> tuple[list, float]:
        if device == "cuda":
            torch.cuda.synchronize()
        started = time.perf_counter()
        out = []
        for i in range(0, len(texts), size):
            out += synthesize_batch(vits, texts[i : i + size], seeds[i : i + size], half=half, **kwargs)
        if device == "cuda":
            torch.cuda.synchronize()
        return out, time.perf_counter() - started

    run(1)  # warm-up (CUDA kernels, allocator)
    reference, _ = run(1)
    audio_s = sum(len(a) for a in reference) / rate

    def snr(out) -> float:
        signal = sum(float(np.sum(r.astype(np.float64) ** 2)) for r in reference)
        noise = sum(float(np.sum((o - r).astype(np.float64) ** 2)) for o, r in zip(out, reference, strict=True))
        return 10 * np.log10(signal / noise) if noise > 0 else float("inf")

    print(f"batches on {device}: {len(texts)} segments, {audio_s:.1f} s of audio, torch {torch.__version__}")
    print(f"{'batch':>5} {'precision':<9} {'RTF':>7} {'segments/s':>10} {'SNR dB':>7}")
    for half in (False, True) if device == "cuda" else (False,):
        for size in sizes:
            out, wall = run(size, half)
            print(
                f"{size:>5} {'float16' if half else 'float32':<9} {wall / audio_s:>7.4f} {len(texts) / wall:>10.1f} {snr(out):>7.1f}"
            )
    print("SNR: against one segment at a time in float32, same seeds (inf: identical)")


def roofline(model_path: str, config_path: str, threads: int | None) -> dict:
    """How close the float32 back half runs to this CPU's float32 ceiling: the convolutions'
    multiply-adds per second of audio (counted on the torch model), the GFLOP/s that ONNX
    Runtime (the engine's float32 path) and torch (the CLI's) reach on one segment, and what a
    large float32 matrix product reaches (numpy's BLAS): the practical ceiling. The speed-up
    left for float32 is at most the ceiling over the engine's figure."""
    import numpy as np
    import torch

    from briefing.engines.coqui import CoquiEngine, vits_onnx
    from briefing.model import VoicePreset

    if threads:
        torch.set_num_threads(threads)
    threads = threads or torch.get_num_threads()
    preset = VoicePreset.of(name="bench", engine="coqui", model_path=model_path, config_path=config_path)
    engine = CoquiEngine.load("cpu")
    engine.runtime = "torch"
    vits = engine.model(preset).model
    torch.manual_seed(0)
    with torch.inference_mode():
        z_p, y_mask, g = vits_onnx.front_end(vits, segments()[0])
    back = vits_onnx.VitsBackEnd(vits).eval()
    macs = [0]

    def count(module, inputs, output):
        if isinstance(module, torch.nn.Conv1d):
            macs[0] += (
                output.shape[-1] * module.out_channels * module.in_channels // module.groups * module.kernel_size[0]
            )
        elif isinstance(module, torch.nn.ConvTranspose1d):
            macs[0] += (
                inputs[0].shape[-1] * module.in_channels * module.out_channels // module.groups * module.kernel_size[0]
            )

    hooks = [m.register_forward_hook(count) for m in back.modules()]
    with torch.inference_mode():
        audio_s = back(z_p, y_mask, g).shape[-1] / 22050
    for hook in hooks:
        hook.remove()

    def best(run, times=3):
        run()
        spans = []
        for _ in range(times):
            started = time.perf_counter()
            run()
            spans.append(time.perf_counter() - started)
        return min(spans)

    onnx = vits_onnx.load(vits, threads)
    onnx_s = best(lambda: onnx(z_p, y_mask, g))
    with torch.inference_mode():
        torch_s = best(lambda: back(z_p, y_mask, g))
    a = np.random.default_rng(0).standard_normal((2048, 2048), dtype=np.float32)
    gemm_s = best(lambda: a @ a)
    return {
        "gmac_per_audio_s": macs[0] / audio_s / 1e9,
        "audio_s": audio_s,
        "onnx_gflops": 2 * macs[0] / onnx_s / 1e9,
        "onnx_rtf": onnx_s / audio_s,
        "torch_gflops": 2 * macs[0] / torch_s / 1e9,
        "torch_rtf": torch_s / audio_s,
        "gemm_gflops": 2 * 2048**3 / gemm_s / 1e9,
    }


def print_roofline(r: dict) -> None:
    print(
        f"float32 roofline, one {r['audio_s']:.1f} s segment: the back half does {r['gmac_per_audio_s']:.1f} GMAC "
        "per second of audio (convolutions)"
    )
    print(f"  ONNX Runtime (engine, float32) {r['onnx_gflops']:6.1f} GFLOP/s  RTF {r['onnx_rtf']:.3f}")
    print(f"  torch (Coqui's CLI)            {r['torch_gflops']:6.1f} GFLOP/s  RTF {r['torch_rtf']:.3f}")
    print(f"  float32 matrix product 2048^2  {r['gemm_gflops']:6.1f} GFLOP/s  (the practical ceiling)")
    print(
        f"  => float32 can gain at most {r['gemm_gflops'] / r['onnx_gflops']:.2f}x more on this CPU; "
        f"the engine's back half runs {r['onnx_gflops'] / r['torch_gflops']:.2f}x torch's"
    )


def cores(model_path: str, config_path: str) -> dict:
    """The engine's back half (OpenVINO where the CPU has bfloat16, else ONNX Runtime) over the
    article's segments, on all the cores, three ways, each after one warm-up pass:
      intra      one segment at a time, its windows one after the other, every core inside each
                 operator (intra-op threads): what the engine does
      parallel   one core each, as many at a time as there are cores: on OpenVINO the windows of
                 all segments (streams of one thread), on ONNX Runtime (no windows) the segments
                 (sessions of one thread)
      pipelined  intra, with the torch half of the next segment computed while the back half runs
    Every way includes the torch half, drawn with the same seeds, so every way gets the same
    input; the audio of each way is compared with intra's."""
    import queue
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np
    import torch

    from briefing.engines.coqui import CoquiEngine, vits_onnx
    from briefing.model import VoicePreset

    preset = VoicePreset.of(name="bench", engine="coqui", model_path=model_path, config_path=config_path)
    loaded = CoquiEngine.load("cpu").model(preset)
    vits, back = loaded.model, loaded.onnx
    if back is None:
        raise SystemExit("the engine's back half stays on torch here (no onnxruntime or openvino)")
    vits.length_scale, kwargs = loaded.settings(preset, None)
    texts = segments()
    threads = torch.get_num_threads()

    def front(i):
        torch.manual_seed(i)
        with torch.inference_mode():
            return vits_onnx.front_end(vits, texts[i], **kwargs)

    fronts = [front(i) for i in range(len(texts))]
    frames = sum(f[0].shape[2] for f in fronts)

    def intra():
        return [back(*front(i)[:2]) for i in range(len(texts))]

    def pipelined():
        out, pool = [], ThreadPoolExecutor(1)
        ahead = pool.submit(front, 0)
        for i in range(len(texts)):
            z_p, y_mask, _ = ahead.result()
            if i + 1 < len(texts):
                ahead = pool.submit(front, i + 1)
            out.append(back(z_p, y_mask))
        pool.shutdown()
        return out

    # one worker of one thread per core, every worker with its own requests (or sessions)
    if back.runtime.startswith("openvino"):
        import openvino as ov

        core = ov.Core()
        precisions = ("f32", "bf16", "f32")
        compiled = [
            core.compile_model(
                core.read_model(str(p)),
                "CPU",
                {"INFERENCE_PRECISION_HINT": q, "INFERENCE_NUM_THREADS": threads, "NUM_STREAMS": threads},
            )
            for p, q in zip(back.paths, precisions, strict=True)
        ]
        workers = [
            vits_onnx.OpenVinoVits(
                [c.create_infer_request() for c in compiled],
                back.conditioned,
                back.paths,
                None,
                back.flow_context,
                back.decoder_context,
            )
            for _ in range(threads)
        ]
    else:
        import onnxruntime as ort

        workers = [
            vits_onnx.OnnxVits(
                ort.InferenceSession(str(back.path), vits_onnx.session_options(1), providers=["CPUExecutionProvider"]),
                back.conditioned,
                back.path,
                None,
            )
            for _ in range(threads)
        ]
    free = queue.Queue()
    for w in workers:
        free.put(w)

    def on_free_worker(z_p, y_mask):
        worker = free.get()
        try:
            return worker(z_p, y_mask)
        finally:
            free.put(worker)

    windowed = back.runtime.startswith("openvino")

    # a slice with the flow's and the decoder's context on each side gives the same audio as its
    # segment where it is kept (vits_onnx.windows), so the pieces join into the same audio; ONNX
    # Runtime takes a segment whole
    context = back.flow_context + back.decoder_context if windowed else 0

    def cuts(frames):
        return vits_onnx.windows(frames, context) if windowed else [(0, 0, frames)]

    def parallel():
        # each window goes to a worker as soon as its segment's torch half is drawn
        jobs, pool = [], ThreadPoolExecutor(threads)
        for i in range(len(texts)):
            z_p, y_mask, _ = front(i)
            size = z_p.shape[2]
            if windowed:
                size = min(vits_onnx.WINDOW_FRAMES + 2 * context, size)
            for start, lo, hi in cuts(z_p.shape[2]):
                z, m = z_p[:, :, start : start + size], y_mask[:, :, start : start + size]
                jobs.append((i, pool.submit(on_free_worker, z, m), size, lo - start, hi - start))
        out = [[] for _ in texts]
        for i, job, size, lo, hi in jobs:
            piece = job.result()
            hop = piece.shape[-1] // size
            out[i].append(piece[..., lo * hop : hi * hop])
        pool.shutdown()
        return [np.concatenate(pieces, axis=-1) for pieces in out]

    result = {"runtime": back.runtime, "threads": threads, "segments": len(texts), "frames": frames, "ways": {}}
    reference = None
    for name, way in (("intra", intra), ("parallel", parallel), ("pipelined", pipelined)):
        way()  # warm-up: every shape compiled
        started = time.perf_counter()
        audio = way()
        seconds = time.perf_counter() - started
        flat = np.concatenate([np.asarray(a).reshape(-1) for a in audio])
        if reference is None:
            reference = flat
        same = flat.shape == reference.shape
        diff = (flat - reference) if same else None
        result["ways"][name] = {
            "seconds": seconds,
            "identical": bool(same and not diff.any()),
            "max_diff": float(np.abs(diff).max()) if same else None,
        }
    return result


def print_cores(r: dict) -> None:
    print(
        f"back half on {r['runtime']}, {r['threads']} threads, {r['segments']} segments, {r['frames']} frames "
        "(times after one warm-up pass of each way)"
    )
    print("| way | s | x intra | audio against intra |")
    print("|---|---|---|---|")
    base = r["ways"]["intra"]["seconds"]
    for name, w in r["ways"].items():
        audio = "identical" if w["identical"] else f"max difference {w['max_diff']:.2g}"
        print(f"| {name} | {w['seconds']:.2f} | {base / w['seconds']:.2f} | {audio} |")


def child(args: list[str]) -> dict:
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"variant {args[1]} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--device", choices=("cpu", "cuda"), default="cpu", help="where every variant and the CLI run (default: cpu)"
    )
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's own, one per core)")
    parser.add_argument(
        "--keep", type=Path, default=None, help="build the model here and keep it (default: a temporary folder)"
    )
    parser.add_argument(
        "--variants",
        default=None,
        help=f"comma-separated (default: {','.join(VARIANTS)}; the ONNX ones when onnxruntime is installed)",
    )
    parser.add_argument(
        "--whole",
        action="store_true",
        help="time the whole commands instead: briefing speak against tts, both precisions, first run and steady",
    )
    parser.add_argument("--runs", type=int, default=2, help="steady-state runs of each whole command (default 2)")
    parser.add_argument(
        "--batch",
        default=None,
        help="batch sizes to time the torch VITS back half with, e.g. 1,2,4,8,16,32,64 (on --device)",
    )
    parser.add_argument(
        "--roofline",
        action="store_true",
        help="the float32 back half's GFLOP/s (ONNX Runtime, torch) against a large matrix product's",
    )
    parser.add_argument(
        "--cores",
        action="store_true",
        help="the back half on all cores: intra-op threads, windows in parallel, pipelined with the torch half",
    )
    parser.add_argument("--_cores", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--_roofline", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--_variant", help=argparse.SUPPRESS)
    parser.add_argument("--_check", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--_export", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--_model", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._variant:
        print(json.dumps(run_variant(args._variant, *args._model, args.threads, args.device)))
        return
    if args._roofline:
        print(json.dumps(roofline(*args._model, args.threads)))
        return
    if args._cores:
        print(json.dumps(cores(*args._model)))
        return
    if args._check:
        print(json.dumps(check_equivalence(*args._model, args.device)))
        return
    if args._export:
        print(json.dumps(run_export(*args._model, args.threads)))
        return

    if args.device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise SystemExit("--device cuda: PyTorch sees no CUDA GPU on this machine")
        print(f"GPU: {torch.cuda.get_device_name(0)}")
    has_ort = all(importlib.util.find_spec(m) is not None for m in ("onnxruntime", "onnx"))
    has_ov = importlib.util.find_spec("openvino") is not None
    with tempfile.TemporaryDirectory(prefix="briefing-bench-") as tmp:
        os.environ["XDG_CACHE_HOME"] = str(Path(tmp) / "cache")  # a cold ONNX cache, not the user's
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        model_path, config_path, length_scale = build_model(folder)
        if args.whole:
            whole(folder, model_path, config_path, args.runs, args.threads)
            return
        if args.roofline:
            extra = ["--threads", str(args.threads)] if args.threads else []
            print_roofline(child(["--_roofline", "--_model", str(model_path), str(config_path), *extra]))
            return
        if args.cores:
            print_cores(child(["--_cores", "--_model", str(model_path), str(config_path)]))
            return
        if args.batch:
            batches(model_path, config_path, args.device, [int(b) for b in args.batch.split(",")], args.threads)
            return
        texts = segments()
        print(
            f"model: default VitsArgs, no discriminator, random weights, length_scale {length_scale:.3f} "
            f"({os.path.getsize(model_path) / 1e6:.0f} MB); text: {sum(map(len, texts))} characters, {len(texts)} segments; "
            f"{os.cpu_count()} CPUs, torch threads {args.threads or 'default'}, device {args.device}"
        )
        if has_ort:
            import onnxruntime

            ov = f", openvino {__import__('openvino').__version__}" if has_ov else ", openvino not installed"
            print(f"onnxruntime {onnxruntime.__version__}{ov}, torch {__import__('torch').__version__}")
        extra = (["--threads", str(args.threads)] if args.threads else []) + ["--device", args.device]
        model = ["--_model", str(model_path), str(config_path), *extra]
        variants = (
            args.variants.split(",") if args.variants else list(VARIANTS if args.device == "cpu" else CUDA_VARIANTS)
        )
        if args.variants is None and not has_ort and args.device == "cpu":
            variants = [v for v in variants if v != "coqui-onnx"]
            print("onnxruntime (or onnx) is not installed: the engine runs on torch and coqui-onnx is skipped")
        rows, export = [], None
        for v in variants:
            if v == "engine" and export is None and args.device == "cpu":
                export = child(["--_export", *model])  # cold cache: the one-off export, timed alone
            rows.append(child(["--_variant", v, *model]))
        rows.append(run_cli(model_path, config_path, folder / "cli.wav", args.device))
        check = child(["--_check", *model])

    cli = rows[-1]
    cli_cps = cli["chars"] / cli["wall_s"]
    cli_proc_cps = cli["chars"] / cli["synth_s"]
    header = (
        f"{'variant':<13} {'runtime':<11} {'chars/s':>8} {'RTF':>6} {'first seg s':>11} {'synth s':>8} {'audio s':>8} "
        f"{'load s':>7} {'wall s':>7} {'peak MB':>8} {'x wall':>7} {'x proc':>7}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        cps = r["chars"] / r["synth_s"] if r["variant"] != "tts CLI" else cli_cps
        rtf = r["synth_s"] / r["audio_s"]
        first = f"{r['first_s']:.2f}" if r["first_s"] == r["first_s"] else "-"
        print(
            f"{r['variant']:<13} {r.get('runtime', 'torch'):<11} {cps:>8.1f} {rtf:>6.3f} {first:>11} {r['synth_s']:>8.1f} {r['audio_s']:>8.1f} "
            f"{r['load_s']:>7.1f} {r['wall_s']:>7.1f} {r['peak_mb']:>8.0f} {cps / cli_cps:>7.2f} {cps / cli_proc_cps:>7.2f}"
        )
    print(
        f"tts CLI: chars/s from its wall time (start, load, synthesis, write); its own processing time is {cli['synth_s']:.1f} s "
        f"(RTF {cli['synth_s'] / cli['audio_s']:.3f}, {cli_proc_cps:.1f} chars/s). Others: chars/s and RTF over synthesis only "
        f"(model loaded); wall = the whole process."
    )
    print(
        "x wall = chars/s / the CLI's chars/s over its whole command (the goal's ratio: >= 1.8); "
        "x proc = chars/s / the CLI's chars/s over its processing time (synthesis against synthesis)."
    )
    engine = next((r for r in rows if r["variant"] == "engine"), None)
    if args.device != "cpu":
        print(
            "peak GPU memory (torch.cuda.max_memory_allocated): "
            + ", ".join(f"{r['variant']} {r['gpu_mb']:.0f} MB" for r in rows if r.get("gpu_mb") is not None)
        )
    if export is not None:
        graph = f", graph {export['graph_mb']:.0f} MB" if export["graph_mb"] else ""
        print(
            f"engine, first load with an empty cache ({export['runtime']}): load {export['load_s']:.1f} s of which ONNX export "
            f"{export['export_s'] or 0:.1f} s (once per model, then cached{graph}); peak {export['peak_mb']:.0f} MB"
        )
    if engine is not None:
        e2e = engine["chars"] / engine["wall_s"]
        print(
            f"engine, whole process (start, warm-cache load, synthesis): {e2e:.1f} chars/s = {e2e / cli_cps:.2f} x the CLI's whole command"
        )
    print(
        f"equivalence, engine-torch vs Coqui's path, same seeds, {check['segments']} segments: same length {check['same_length']}, "
        f"max abs error {check['max_abs_err']:.2e}, min correlation {check['min_corr']:.6f}"
    )
    for runtime, o in check.get("fast", {}).items():
        print(
            f"equivalence, engine on {runtime} vs engine-torch, the engine's own seeds, {check['segments']} segments: "
            f"same length {o['same_length']}, max abs error {o['max_abs_err']:.2e}, min correlation {o['min_corr']:.6f}, "
            f"SNR {o['snr_db']:.1f} dB"
        )


if __name__ == "__main__":
    main()
