"""Benchmark: the finishing chain (levelling, high-pass, true-peak limiter, MP3) against LAME
alone on the same samples, in one run (issue 30: at most 1.3x LAME alone on 60 minutes).

    .venv/bin/python bench/finishing.py [--minutes 60]

espeak-ng speaks the bundled examples' sentences once; their clips are cycled into an episode of
--minutes (the cost of finishing depends on the samples, not on whether they repeat). Rows:

  LAME alone        ffmpeg/libmp3lame encoding the finished samples from a raw file
  chain (stream)    assembly.assemble with a Master feeding the encoder: what `briefing speak`
                    runs while it synthesises; here with nothing to wait for
  passes (before)   assemble to a file, then loudness.finish_loudness with the encoder beside
                    the last pass: the whole-file path (still used under a music bed)

and the loudness of each MP3 as ffmpeg's ebur128 measures it.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def clips_of(minutes: float):
    from briefing.engines.espeak import EspeakEngine
    from briefing.engines.presets import load_voices
    from briefing.model import Clip, Script, Segment

    preset = load_voices()["espeak-narrator"]
    engine = EspeakEngine.load("cpu")
    text = " ".join((ROOT / "examples" / name).read_text(encoding="utf-8") for name in ("orage-bretagne.txt",))
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", re.sub(r"\s+", " ", text)) if len(s) > 20]
    audio = [engine.synthesize(s, preset) for s in sentences]
    one = sum(len(a.samples) / a.sample_rate for a in audio)
    rounds = max(1, int(minutes * 60 / one + 0.999))
    clips, segments = [], []
    for _ in range(rounds):
        for i, a in enumerate(audio):
            index = len(clips)
            clips.append(Clip(index, a.samples, a.sample_rate))
            segments.append(Segment("narration", sentences[i], "n", pause_ms=850 if i % 4 == 3 else 450))
    return Script("bench", tuple(segments)), clips


def ebur128(path: Path) -> str:
    done = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128=peak=true", "-f", "null", "-"],
        capture_output=True,
        text=True,
    )
    summary = done.stderr[done.stderr.rindex("Summary:") :]
    lufs = re.search(r"I:\s+(-?[\d.]+) LUFS", summary).group(1)
    peak = re.search(r"Peak:\s+(-?[\d.]+) dBFS", summary).group(1)
    return f"{lufs} LUFS, {peak} dBTP"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=60.0)
    args = parser.parse_args()

    from briefing.audio import pcm
    from briefing.audio.assembly import EPISODE_RATE, assemble
    from briefing.audio.loudness import TARGET_LUFS, finish_loudness
    from briefing.audio.master import Master
    from briefing.publish.mp3 import Mp3Stream, _lame_command, encoder_loss_db

    started = time.perf_counter()
    script, clips = clips_of(args.minutes)
    print(f"{len(clips)} clips from espeak-ng in {time.perf_counter() - started:.1f} s")
    target = TARGET_LUFS + encoder_loss_db("96k")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        rows = []

        started = time.perf_counter()
        master = Master(
            EPISODE_RATE,
            [Mp3Stream(folder / "chain.mp3", EPISODE_RATE, "96k"), pcm.PcmWriter(folder / "final.f32")],
            target,
        )
        episode = assemble(script, clips, folder / "final.f32", master=master)
        master.close()
        rows.append(("chain (stream)", time.perf_counter() - started, folder / "chain.mp3"))
        audio_min = episode.n_samples / EPISODE_RATE / 60

        started = time.perf_counter()
        subprocess.run(_lame_command(EPISODE_RATE, str(folder / "final.f32"), "96k", folder / "lame.mp3"), check=True)
        rows.insert(0, ("LAME alone", time.perf_counter() - started, folder / "lame.mp3"))

        started = time.perf_counter()
        speech = assemble(script, clips, folder / "speech.f32")
        finish_loudness(speech, folder, target, sink=lambda: Mp3Stream(folder / "passes.mp3", EPISODE_RATE, "96k"))
        rows.append(("passes (before)", time.perf_counter() - started, folder / "passes.mp3"))

        lame = rows[0][1]
        print(f"finishing {audio_min:.1f} min of espeak-ng speech (2 CPUs here: the encoder runs beside the chain)")
        print(f"{'':<18} {'wall s':>7} {'x LAME':>7}  MP3 (ffmpeg ebur128)")
        for name, seconds, path in rows:
            print(f"{name:<18} {seconds:>7.1f} {seconds / lame:>7.2f}  {ebur128(path)}")
        print("goal (issue 30): chain at most 1.3x LAME alone, -16 LUFS +-0.5 LU, at most -1 dBTP")


if __name__ == "__main__":
    main()
