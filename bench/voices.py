"""Measure the derived voices: are they apart from each other and from their base, and unharmed?

    .venv/bin/python bench/voices.py [--voices voices]

The transforms of the bundled derived presets are applied to real speech (espeak-ng's, which is
speech for this purpose: a real F0 contour and formants), a male stand-in for the voices derived
from the narrator's model and a female one for those derived from mai. For each voice: its median
F0, its formant stretch measured against the untransformed speech, the change of duration, the
peak, and the transform's time per second of audio. Then, per register, every pair of voices
(bases included): semitones apart and formant ratio, and whether the pair is distinct (at least
2 semitones, or at least 8 % in formants). An identity transform is checked bit-exact.
"""

from __future__ import annotations

import argparse
import itertools
import math
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

from briefing.engines.presets import load_voices
from briefing.synthesis.transform import formant_ratio, median_f0, shift_voice

ROOT = Path(__file__).resolve().parent.parent
TEXT = (
    "Le conseil municipal a voté hier soir le budget de la ville, après trois heures de débat. "
    "Nous tiendrons nos promesses, a déclaré la maire, et les travaux commenceront au printemps."
)
# espeak-ng voices standing in for each base model's register
STAND_INS = {"male": "fr+m3", "female": "fr+f2"}


def espeak(voice: str, folder: Path) -> tuple[np.ndarray, int]:
    wav = folder / f"{voice}.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-w", str(wav), TEXT], check=True)
    samples, rate = sf.read(wav, dtype="float32")
    return samples, rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--voices", type=Path, default=ROOT / "voices")
    args = parser.parse_args()
    book = load_voices(args.voices)
    derived = [p for p in book.presets.values() if p.derived]
    bases = sorted({p.base for p in derived})
    print(f"derived voices in {args.voices}: {len(derived)}, from {', '.join(bases)}")

    rows = {}
    with tempfile.TemporaryDirectory() as tmp:
        for base in bases:
            register = book[base].gender or "male"
            speech, rate = espeak(STAND_INS[register], Path(tmp))
            rows[base] = dict(
                register=register, shift=0.0, formant=1.0, audio=speech, rate=rate, seconds=0.0, base=base
            )
            for preset in (p for p in derived if p.base == base):
                started = time.perf_counter()
                out = shift_voice(speech, rate, preset.pitch_shift, preset.formant_shift)
                rows[preset.name] = dict(
                    register=preset.gender or register,
                    shift=preset.pitch_shift,
                    formant=preset.formant_shift,
                    audio=out,
                    rate=rate,
                    seconds=time.perf_counter() - started,
                    base=base,
                )
        identity = shift_voice(speech, rate, 0.0, 1.0)
        print(f"identity transform bit-exact: {np.array_equal(identity, speech)}")

    print()
    print(
        f"{'voice':<26} {'register':<7} {'asked st':>8} {'asked fm':>8} {'F0 Hz':>7} {'meas st':>7} "
        f"{'meas fm':>7} {'dur %':>6} {'peak dBFS':>9} {'RTF':>6}"
    )
    for name, row in rows.items():
        base = rows[row["base"]]
        f0 = median_f0(row["audio"], row["rate"])
        row["f0"] = f0
        measured_st = 12 * math.log2(f0 / median_f0(base["audio"], base["rate"]))
        measured_fm = formant_ratio(base["audio"], row["audio"], row["rate"]) if name != row["base"] else 1.0
        row["measured_fm"] = measured_fm
        duration = 100 * (len(row["audio"]) - len(base["audio"])) / len(base["audio"])
        peak = 20 * math.log10(float(np.max(np.abs(row["audio"]))))
        rtf = row["seconds"] / (len(row["audio"]) / row["rate"])
        print(
            f"{name:<26} {row['register']:<7} {row['shift']:>+8.1f} {row['formant']:>8.2f} {f0:>7.1f} "
            f"{measured_st:>+7.2f} {measured_fm:>7.3f} {duration:>+6.2f} {peak:>9.1f} {rtf:>6.3f}"
        )

    print("\npairs in the same register (distinct: >= 2 semitones apart or >= 8 % in formants)")
    worst = True
    for register in ("male", "female"):
        names = [n for n, r in rows.items() if r["register"] == register]
        for a, b in itertools.combinations(names, 2):
            st = abs(12 * math.log2(rows[a]["f0"] / rows[b]["f0"]))
            fm = max(rows[a]["measured_fm"], rows[b]["measured_fm"]) / min(
                rows[a]["measured_fm"], rows[b]["measured_fm"]
            )
            ok = st >= 2 or fm >= 1.08
            worst &= ok
            print(f"  {a:<26} {b:<26} {st:>5.2f} st  formants x{fm:.3f}  {'distinct' if ok else 'TOO CLOSE'}")
    print(f"\nevery pair distinct: {worst}")


if __name__ == "__main__":
    main()
