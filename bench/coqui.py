"""Benchmark: the Coqui engine's inference path against Coqui's own `tts` CLI, on CPU.

    .venv/bin/python bench/coqui.py [--threads N] [--keep DIR]

A full-size VITS (Coqui's default VitsArgs without the training discriminator: 36 M
parameters, 22.05 kHz, French characters) with random weights, its length_scale calibrated so
that speech lasts about one second per 14 characters, as a trained French voice does; so the
decoder does the same work as for real speech. The text is a French article written for this
benchmark, cut into segments by briefing's own front end.

Each variant runs in a fresh process (so its peak memory is its own):
  coqui-api   TTS(model_path, config_path).tts(segment, split_sentences=False), as shipped
  +inference  the same model under torch.inference_mode(), via Vits.synthesize (no list copies)
  +fold-wn    + weight norm folded into plain weights once at load
  engine      briefing's CoquiEngine (inference_mode, folded weight norm, no discriminator)
  engine-int8 the engine's model with dynamic int8 quantisation of its Linear layers
  onnxruntime the engine's model exported by Coqui's Vits.export_onnx, run by ONNX Runtime (when installed)
and the CLI: `tts --model_path ... --config_path ... --text ARTICLE --out_path x.wav`
(wall time of the whole command, as a user runs it).

Throughput is characters per second of synthesis; RTF = synthesis seconds / audio seconds;
first-segment latency = time to the first segment's audio once the model is loaded. The
engine's audio is checked against Coqui's own path with the same seeds (same length, max
error, correlation).
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

VARIANTS = ("coqui-api", "+inference", "+fold-wn", "engine", "engine-int8", "onnxruntime")
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
    from coqui_models import characters_config
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
    from briefing.script import build_script
    from briefing.sources import load_article
    from briefing.voices import load_voices

    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
        f.write(ARTICLE)
    try:
        script = build_script([load_article(f.name)], load_voices())
    finally:
        os.unlink(f.name)
    return [s.text for s in script.segments]


# --- one variant, in its own process ----------------------------------------------------------


def run_variant(variant: str, model_path: str, config_path: str, threads: int | None) -> dict:
    started = time.perf_counter()
    import numpy as np
    import torch

    if threads:
        torch.set_num_threads(threads)
    texts = segments()
    from briefing.voices import VoicePreset

    preset = VoicePreset(name="bench", engine="coqui", model_path=model_path, config_path=config_path)
    if variant == "onnxruntime":
        import onnxruntime as ort

        from briefing.engines.coqui import CoquiEngine

        engine = CoquiEngine.load("cpu")
        vits = engine.model(preset).vits
        onnx_path = Path(tempfile.mkdtemp(prefix="briefing-onnx-")) / "vits.onnx"
        vits.export_onnx(str(onnx_path), verbose=False)
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or torch.get_num_threads()
        session = ort.InferenceSession(str(onnx_path), options, providers=["CPUExecutionProvider"])
        scales = np.array([vits.inference_noise_scale, vits.length_scale, vits.inference_noise_scale_dp], dtype=np.float32)
        rate = engine.model(preset).sample_rate

        def speak(text):
            ids = np.array([vits.tokenizer.text_to_ids(text)], dtype=np.int64)
            return session.run(None, {"input": ids, "input_lengths": np.array([ids.shape[1]]), "scales": scales})[0].reshape(-1)

    elif variant.startswith("engine"):
        from briefing.engines.coqui import CoquiEngine

        engine = CoquiEngine.load("cpu")
        engine.prepare(preset)
        if variant == "engine-int8":
            vits = engine.model(preset).vits
            torch.ao.quantization.quantize_dynamic(vits, {torch.nn.Linear}, dtype=torch.qint8, inplace=True)
        speak = lambda text: engine.synthesize(text, preset).samples  # noqa: E731
        rate = engine.model(preset).sample_rate
    else:
        from TTS.api import TTS

        tts = TTS(model_path=model_path, config_path=config_path, progress_bar=False)
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
                    return vits.synthesize(text)["wav"]

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
    }


def check_equivalence(model_path: str, config_path: str) -> dict:
    """The engine's lean path against Coqui's own, same seeds: per-segment length, error, correlation."""
    import numpy as np
    import torch
    from TTS.api import TTS

    from briefing.engines.coqui import CoquiEngine
    from briefing.voices import VoicePreset

    texts = segments()[:3]
    plain = TTS(model_path=model_path, config_path=config_path, progress_bar=False).synthesizer.tts_model
    engine = CoquiEngine.load("cpu")
    lean = engine.model(VoicePreset(name="bench", engine="coqui", model_path=model_path, config_path=config_path)).vits
    same_len, max_err, min_corr = True, 0.0, 1.0
    for i, text in enumerate(texts):
        torch.manual_seed(i)
        a = np.asarray(plain.synthesize(text)["wav"])
        with torch.inference_mode():
            torch.manual_seed(i)
            b = lean.synthesize(text)["wav"]
        same_len &= a.shape == b.shape
        if a.shape == b.shape:
            max_err = max(max_err, float(np.max(np.abs(a - b))))
            min_corr = min(min_corr, float(np.corrcoef(a, b)[0, 1]))
    result = {"segments": len(texts), "same_length": same_len, "max_abs_err": max_err, "min_corr": min_corr}
    if importlib.util.find_spec("onnxruntime") is not None:
        # ONNX Runtime draws its own noise: compare with the noise off (scales 0), one segment.
        import onnxruntime as ort

        onnx_path = Path(tempfile.mkdtemp(prefix="briefing-onnx-")) / "vits.onnx"
        lean.export_onnx(str(onnx_path), verbose=False)
        session = ort.InferenceSession(str(onnx_path), providers=["CPUExecutionProvider"])
        ids = np.array([lean.tokenizer.text_to_ids(texts[0])], dtype=np.int64)
        scales = np.array([0.0, lean.length_scale, 0.0], dtype=np.float32)
        a = session.run(None, {"input": ids, "input_lengths": np.array([ids.shape[1]]), "scales": scales})[0].reshape(-1)
        lean.inference_noise_scale = lean.inference_noise_scale_dp = 0.0
        with torch.inference_mode():
            b = lean.inference(torch.as_tensor(ids))["model_outputs"].numpy().reshape(-1)
        result["onnx"] = {"same_length": a.shape == b.shape, "max_abs_err": float(np.max(np.abs(a - b))) if a.shape == b.shape else None,
                          "corr": float(np.corrcoef(a, b)[0, 1]) if a.shape == b.shape else None}
    return result


def run_cli(model_path: Path, config_path: Path, out: Path) -> dict:
    text = " ".join(" ".join(segments()).split())
    tts = Path(sys.executable).parent / "tts"
    # A wrapper process runs the CLI and reports its peak memory alone (RUSAGE_CHILDREN of this
    # process would also hold the variants' peaks).
    wrapper = (
        "import resource, subprocess, sys, time; t = time.perf_counter(); "
        "p = subprocess.run(sys.argv[1:], capture_output=True, text=True); "
        "sys.stderr.write(p.stdout + p.stderr); "
        "print(p.returncode, time.perf_counter() - t, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", wrapper, str(tts), "--model_path", str(model_path), "--config_path", str(config_path),
         "--text", text, "--out_path", str(out)],
        capture_output=True, text=True, check=False,
    )
    code, wall, peak_kb = proc.stdout.split()
    wall = float(wall)
    if int(code) != 0:
        raise SystemExit(f"tts CLI failed: {proc.stderr.strip().splitlines()[-1:]}")
    logs = proc.stderr
    processing = re.search(r"Processing time: ([\d.]+)", logs)
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
        "peak_mb": int(peak_kb) / 1024,
    }


def child(args: list[str]) -> dict:
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"variant {args[1]} failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's own, one per core)")
    parser.add_argument("--keep", type=Path, default=None, help="build the model here and keep it (default: a temporary folder)")
    parser.add_argument("--variants", default=None, help="comma-separated (default: all; onnxruntime when installed)")
    parser.add_argument("--_variant", help=argparse.SUPPRESS)
    parser.add_argument("--_check", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--_model", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args._variant:
        print(json.dumps(run_variant(args._variant, *args._model, args.threads)))
        return
    if args._check:
        print(json.dumps(check_equivalence(*args._model)))
        return

    with tempfile.TemporaryDirectory(prefix="briefing-bench-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        model_path, config_path, length_scale = build_model(folder)
        texts = segments()
        print(f"model: default VitsArgs, no discriminator, random weights, length_scale {length_scale:.3f} "
              f"({os.path.getsize(model_path) / 1e6:.0f} MB); text: {sum(map(len, texts))} characters, {len(texts)} segments; "
              f"{os.cpu_count()} CPUs, torch threads {args.threads or 'default'}")
        extra = ["--threads", str(args.threads)] if args.threads else []
        variants = args.variants.split(",") if args.variants else list(VARIANTS)
        if args.variants is None and importlib.util.find_spec("onnxruntime") is None:
            variants.remove("onnxruntime")
            print("onnxruntime is not installed: its variant is skipped")
        rows = [child(["--_variant", v, "--_model", str(model_path), str(config_path), *extra]) for v in variants]
        rows.append(run_cli(model_path, config_path, folder / "cli.wav"))
        check = child(["--_check", "--_model", str(model_path), str(config_path), *extra])

    cli = rows[-1]
    cli_cps = cli["chars"] / cli["wall_s"]
    header = f"{'variant':<12} {'chars/s':>8} {'RTF':>6} {'first seg s':>11} {'synth s':>8} {'audio s':>8} {'load s':>7} {'wall s':>7} {'peak MB':>8} {'x CLI':>6}"
    print(header)
    print("-" * len(header))
    for r in rows:
        cps = r["chars"] / r["synth_s"] if r["variant"] != "tts CLI" else cli_cps
        rtf = r["synth_s"] / r["audio_s"]
        first = f"{r['first_s']:.2f}" if r["first_s"] == r["first_s"] else "-"
        print(f"{r['variant']:<12} {cps:>8.1f} {rtf:>6.3f} {first:>11} {r['synth_s']:>8.1f} {r['audio_s']:>8.1f} {r['load_s']:>7.1f} "
              f"{r['wall_s']:>7.1f} {r['peak_mb']:>8.0f} {cps / cli_cps:>6.2f}")
    print(f"tts CLI: chars/s from its wall time (start, load, synthesis, write); its own processing time is {cli['synth_s']:.1f} s "
          f"(RTF {cli['synth_s'] / cli['audio_s']:.3f}). Others: chars/s and RTF over synthesis only; wall = the whole process.")
    print(f"equivalence, engine vs Coqui's path, same seeds, {check['segments']} segments: same length {check['same_length']}, "
          f"max abs error {check['max_abs_err']:.2e}, min correlation {check['min_corr']:.6f}")
    if "onnx" in check:
        o = check["onnx"]
        print(f"equivalence, onnxruntime vs torch, noise off, 1 segment: same length {o['same_length']}, "
              f"max abs error {o['max_abs_err']:.2e}, correlation {o['corr']:.6f}")


if __name__ == "__main__":
    main()
