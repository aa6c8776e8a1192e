"""Benchmark: the same 10-article batch with the local executor and with Ray on this machine.

    .venv/bin/python bench/ray_batch.py [--articles 10] [--jobs 2] [--engine espeak]

Each run is `briefing batch` in a fresh process with the cache off, so both synthesise every
segment; the Ray run starts its own local instance (its start-up is part of the overhead a
user pays on one machine). Prints wall times, segments per second and the overhead ratio.
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
sys.path.insert(0, str(ROOT / "bench"))

from resilience import article  # noqa: E402


def run(manifest: Path, executor: str, jobs: int) -> tuple[float, int, str]:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "briefing", "batch", str(manifest), "--executor", executor, "--jobs", str(jobs), "-q"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"batch failed ({executor}):\n{proc.stdout}\n{proc.stderr}")
    segments = sum(int(m.group(1)) for m in re.finditer(r"^\S+\s+(\d+)\s+\d+\s+\d+\s", proc.stdout, re.M))
    return wall, segments, proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10)
    parser.add_argument("--words", type=int, default=250, help="words per article")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--engine", default="espeak")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        lines = ['output_dir = "out"', "[defaults]", f'engine = "{args.engine}"', "cache = false"]
        for i in range(args.articles):
            (tmp / f"a{i}.txt").write_text(
                article(args.words, seed=i + 1, title=f"Sujet numéro {i + 1}"), encoding="utf-8"
            )
            lines += ["[[episode]]", f'name = "episode-{i + 1}"', f'inputs = ["a{i}.txt"]']
        manifest = tmp / "batch.toml"
        manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{args.articles} articles of {args.words} words, engine {args.engine}, {args.jobs} workers")
        results = {}
        for executor in ("local", "ray"):
            wall, segments, table = run(manifest, executor, args.jobs)
            results[executor] = wall
            print(f"  {executor:<6} {wall:7.1f} s  {segments} segments  {segments / wall:6.2f} segments/s")
        print(f"  Ray overhead on one machine: {results['ray'] / results['local']:.2f}x the local wall time")
        print("\nlast table (ray):\n" + table)


if __name__ == "__main__":
    main()
