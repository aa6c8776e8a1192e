"""Benchmark: what the segment cache, parallel jobs and streaming assembly buy, in one run.

    .venv/bin/python bench/resilience.py [--minutes 90] [--no-coqui]
    .venv/bin/python bench/resilience.py --post 60     # post-processing of a 60-minute episode only
    .venv/bin/python bench/resilience.py --coqui-memory 30   # Coqui's peak memory, 3 against 30 min

For espeak-ng, and for the full-size Coqui VITS of bench/coqui.py (random weights, calibrated
to French speech rate), each row is one `briefing speak` process as a user runs it:
  cold      empty cache: every segment synthesised
  warm      the same input again: every segment from the cache
  edit      one paragraph changed: only its segments synthesised
  jobs 1/2  no cache, one segment at a time vs two at once
  ray 2x1   (Coqui) two Ray actors of one CPU each: one model per worker process
and a long episode (--minutes of espeak speech, a daily briefing of several articles) for peak
resident memory, with a short one beside it to show that memory does not grow with length.
Wall times are whole processes (start-up and model loading included); peak RSS is the child's
own (wait4).
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

# {n} makes every paragraph of a long article different (a cache would otherwise serve repeats).
PARAGRAPHS = [
    "Le conseil municipal a adopté lundi soir, après {n} heures de débat, un budget de {n} millions d'euros pour l'année prochaine.",
    "« Nous investissons d'abord dans les {n} écoles, parce que c'est là que tout commence », a déclaré la maire, Sophie Marchand.",
    "L'opposition a dénoncé une hausse de {n},5 % des impôts locaux et promis de déposer un recours devant le tribunal administratif.",
    "Le chantier de la médiathèque numéro {n} doit s'achever au printemps ; il a coûté 12,5 M€, dont un tiers payé par la région.",
    "Selon l'INSEE, la commune a gagné {n} habitants en cinq ans, surtout des familles venues de la métropole voisine.",
    "« Les {n} lignes de transport n'ont pas suivi », regrette Paul Girard, conseiller d'opposition, qui réclame un bus le dimanche.",
    "Les travaux de la rue numéro {n} reprendront le 3 mars à 7h30 et dureront six semaines, a précisé la mairie dans un communiqué.",
    "Une réunion publique numéro {n} est prévue jeudi à 18h30 à la salle des fêtes, où les habitants pourront interroger les élus.",
]


def article(words: int, seed: int = 0, title: str = "Le budget de la commune") -> str:
    body, count, i = [], 0, 0
    while count < words:
        p = PARAGRAPHS[i % len(PARAGRAPHS)].format(n=1000 * seed + i + 2)
        body.append(p)
        count += len(p.split())
        i += 1
    return title + "\n\n" + "\n\n".join(body) + "\n"


def run(args: list[str]) -> dict:
    """One `briefing speak` process: wall seconds, peak RSS (MB), its summary line."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "briefing", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT
    )
    stderr = proc.stderr.read().decode()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"briefing failed: {' '.join(args)}\n{stderr}")
    m = re.search(r"segments: (\d+) total, (\d+) synthesised, (\d+) from cache; audio (\d+):(\d\d)", stderr)
    return {
        "wall": wall,
        "rss": usage.ru_maxrss / 1024,
        "segments": int(m.group(1)),
        "synth": int(m.group(2)),
        "cached": int(m.group(3)),
        "audio": int(m.group(4)) * 60 + int(m.group(5)),
    }


def post_processing(folder: Path, minutes: float) -> None:
    """A long espeak-ng briefing rendered cold, then warm (every segment from the cache), with
    where the warm run's time goes per minute of audio (BRIEFING_TIMINGS)."""
    import json

    total = int(minutes * 150)
    sources = []
    for i in range(3):
        path = folder / f"post{i}.txt"
        path.write_text(article(total // 3, seed=10 + i, title=f"Rubrique numéro {i + 1}"), encoding="utf-8")
        sources.append(str(path))
    args = [
        "speak",
        *sources,
        "-o",
        str(folder / "post.mp3"),
        "--cache-dir",
        str(folder / "post-cache"),
        "--engine",
        "espeak",
    ]
    print(f"\npost-processing (espeak-ng, a briefing of 3 articles, about {minutes:.0f} min)")
    print(row("cold", run(args)))
    timings = folder / "timings.json"
    os.environ["BRIEFING_TIMINGS"] = str(timings)
    try:
        warm = run(args)
    finally:
        del os.environ["BRIEFING_TIMINGS"]
    print(row("warm", warm))
    stages = json.loads(timings.read_text(encoding="utf-8"))["stages"]
    per_min = warm["audio"] / 60
    parts = {
        "clip processing": stages.get("clip processing (resample, trim, level)", 0.0),
        "finishing, MP3 beside it": stages.get("finishing (limiter, meter, to the encoder)", 0.0),
        "loudness: gain search": stages.get("loudness: gain search", 0.0),
        "limiting, MP3 beside it": stages.get("loudness: limiting, MP3 encoding beside it", 0.0),
    }
    for name, seconds in parts.items():
        print(f"  {name:<24} {seconds:6.2f} s = {seconds / per_min:.2f} s per minute of audio")
    post = sum(parts.values())
    print(f"  {'together':<24} {post:6.2f} s = {post / per_min:.2f} s per minute of audio (goal: 0.5)")
    # The floor, measured now (this machine's speed drifts): LAME alone on the same samples.
    samples = folder / "post.f32"
    decode = ["ffmpeg", "-v", "error", "-y", "-i", str(folder / "post.mp3"), "-f", "f32le", "-ac", "1", "-ar", "44100"]
    subprocess.run([*decode, str(samples)], check=True)
    started = time.perf_counter()
    encode = ["ffmpeg", "-v", "error", "-nostdin", "-y", "-f", "f32le", "-ar", "44100", "-ac", "1", "-i", str(samples)]
    subprocess.run([*encode, "-c:a", "libmp3lame", "-b:a", "96k", "-f", "mp3", str(folder / "lame.mp3")], check=True)
    lame = time.perf_counter() - started
    print(f"  {'LAME alone, same audio':<24} {lame:6.2f} s = {lame / per_min:.2f} s per minute of audio (the floor)")


def row(name: str, r: dict, base: dict | None = None) -> str:
    ratio = f"{base['wall'] / r['wall']:6.1f}x" if base else "      -"
    return f"  {name:<10} {r['wall']:7.1f} s {ratio} {r['segments']:5d} seg {r['synth']:5d} synth {r['cached']:5d} cached  audio {r['audio'] // 60}:{r['audio'] % 60:02d}  peak {r['rss']:6.0f} MB"


def suite(label: str, folder: Path, engine_args: list[str], words: int, ray_row: bool = False) -> None:
    src, edited = folder / "a.txt", folder / "b.txt"
    text = article(words)
    src.write_text(text, encoding="utf-8")
    first = text.split("\n\n")[1]
    edited.write_text(text.replace(first, first.replace("lundi soir", "mardi soir"), 1), encoding="utf-8")
    cache = ["--cache-dir", str(folder / "cache")]
    out = ["-o", str(folder / "out.mp3")]
    print(f"\n{label}: {words} words")
    cold = run(["speak", str(src), *out, *cache, *engine_args])
    print(row("cold", cold))
    print(row("warm", run(["speak", str(src), *out, *cache, *engine_args]), cold))
    print(row("edit", run(["speak", str(edited), *out, *cache, *engine_args]), cold))
    one = run(["speak", str(src), *out, "--no-cache", "--jobs", "1", *engine_args])
    print(row("jobs 1", one))
    print(row("jobs 2", run(["speak", str(src), *out, "--no-cache", "--jobs", "2", *engine_args]), one))
    if ray_row:
        # One model per worker process: two Ray actors of one CPU each, against one process
        # whose torch uses both cores (the local rows). Ray's start-up is included.
        print(
            row(
                "ray 2x1",
                run(
                    [
                        "speak",
                        str(src),
                        *out,
                        "--no-cache",
                        "--executor",
                        "ray",
                        "--jobs",
                        "2",
                        "--ray-cpus",
                        "1",
                        *engine_args,
                    ]
                ),
                one,
            )
        )


def coqui_voices(folder: Path) -> Path:
    # Built in a child: torch in this process would count in every later child's peak RSS
    # (a forked child starts with its parent's pages).
    code = f"import sys; sys.path[:0] = {[str(ROOT), str(ROOT / 'bench'), str(ROOT / 'tests')]!r}; from coqui import build_model; build_model(__import__('pathlib').Path({str(folder)!r}))"
    subprocess.run([sys.executable, "-c", code], check=True)
    model, config = folder / "model.pth", folder / "config.json"
    voices = folder / "voices"
    voices.mkdir()
    common = f'engine = "coqui"\nmodel_path = "{model}"\nconfig_path = "{config}"\n'
    (voices / "narrateur.toml").write_text('role = "narrator"\n' + common, encoding="utf-8")
    (voices / "citation.toml").write_text('role = "quote"\nspeed = 1.1\n' + common, encoding="utf-8")
    return voices


def coqui_memory(folder: Path, minutes: float) -> None:
    """Peak memory against length with the full-size Coqui VITS: a briefing of 3 articles of
    minutes/10 and of `minutes` of speech, no cache (every segment synthesised)."""
    voices = coqui_voices(folder)
    print("\nmemory against length (Coqui full-size VITS, CPU, a briefing of 3 articles, no cache)")
    words = int(minutes * 150)  # the replica is calibrated to about 150 words a minute
    for length, total in ((minutes / 10, words // 10), (minutes, words)):
        sources = []
        for i in range(3):
            path = folder / f"coqui-long{i}.txt"
            path.write_text(article(total // 3, seed=20 + i, title=f"Sujet numéro {i + 1}"), encoding="utf-8")
            sources.append(str(path))
        out = ["-o", str(folder / "coqui-long.mp3")]
        r = run(["speak", *sources, *out, "--no-cache", "--engine", "coqui", "--voices", str(voices)])
        print(row(f"{length:.0f} min", r), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=90.0, help="length of the long espeak episode")
    parser.add_argument("--words", type=int, default=1500, help="article size for the espeak rows")
    parser.add_argument("--coqui-words", type=int, default=300, help="article size for the Coqui rows")
    parser.add_argument("--no-coqui", action="store_true")
    parser.add_argument("--only-coqui", action="store_true", help="skip the espeak-ng and memory rows")
    parser.add_argument(
        "--post",
        type=float,
        default=None,
        metavar="MINUTES",
        help="only the post-processing rows, on MINUTES of speech",
    )
    parser.add_argument(
        "--coqui-memory",
        type=float,
        default=None,
        metavar="MINUTES",
        help="only peak memory against length with Coqui: MINUTES/10 against MINUTES of speech",
    )
    args = parser.parse_args()
    print(f"briefing resilience benchmark, {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        if args.post:
            post_processing(tmp, args.post)
            return
        if args.coqui_memory:
            coqui_memory(tmp, args.coqui_memory)
            return
        if not args.only_coqui:
            (tmp / "espeak").mkdir()
            suite("espeak-ng", tmp / "espeak", ["--engine", "espeak"], args.words)
        if not args.no_coqui:
            (tmp / "coqui").mkdir()
            voices = coqui_voices(tmp / "coqui")
            suite(
                "Coqui full-size VITS (CPU)",
                tmp / "coqui",
                ["--engine", "coqui", "--voices", str(voices)],
                args.coqui_words,
                ray_row=True,
            )

        if args.only_coqui:
            return
        print("\nmemory against length (espeak-ng, a briefing of 3 articles, no cache)")
        words = int(args.minutes * 150)  # espeak reads about 150 words a minute here
        for minutes, total in ((args.minutes / 9, words // 9), (args.minutes, words)):
            sources = []
            for i in range(3):
                path = tmp / f"long{i}.txt"
                path.write_text(article(total // 3, seed=i, title=f"Sujet numéro {i + 1}"), encoding="utf-8")
                sources.append(str(path))
            r = run(["speak", *sources, "-o", str(tmp / "long.mp3"), "--no-cache", "--engine", "espeak"])
            print(row(f"{minutes:.0f} min", r))
        post_processing(tmp, 60)


if __name__ == "__main__":
    main()
