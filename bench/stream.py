"""Benchmark: how soon `briefing speak ... -o -` gives a listener something to play (issue 30).

    .venv/bin/python bench/stream.py [--coqui] [--runs 3]
    .venv/bin/python bench/stream.py --api [--coqui] [--runs 5]    # POST /v1/listen to `serve --api`

Each run is one `briefing speak ARTICLE -o -` process reading the bundled example
`examples/orage-bretagne.txt` (the first feed item a listener would press play on), with no
segment cache. From the process's start it times the first byte on standard output (the ID3 tag),
the first MPEG audio frame, and the end; and, from the process's debug log, when the first
segment's synthesis ended. Goals: first audio within 1 s with espeak-ng; with Coqui within the
first segment's synthesis time plus 0.5 s.

With --coqui the voice is the full-size VITS of bench/coqui.py (random weights, the engine as
users run it); the time to the first audio then holds the start, the text stage, the model's
load and the first segment's synthesis.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = ROOT / "examples" / "orage-bretagne.txt"


def first_frame(data: bytes) -> int | None:
    """The offset of the first MPEG audio frame after an ID3v2 tag, or None."""
    start = 0
    if data[:3] == b"ID3" and len(data) >= 10:
        size = 0
        for byte in data[6:10]:
            size = (size << 7) | (byte & 0x7F)
        start = 10 + size
    for i in range(start, len(data) - 1):
        if data[i] == 0xFF and data[i + 1] & 0xE0 == 0xE0:
            return i
    return None


def one_run(args: list[str], env: dict[str, str]) -> dict:
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "briefing"), "speak", str(ARTICLE), *args, "--no-cache", "-o", "-"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    data, first_byte, first_audio = b"", None, None
    assert proc.stdout is not None
    while chunk := os.read(proc.stdout.fileno(), 65536):
        now = time.perf_counter() - started
        data += chunk
        first_byte = first_byte if first_byte is not None else now
        if first_audio is None and first_frame(data) is not None:
            first_audio = now
    proc.wait()
    return {
        "first_byte": first_byte,
        "first_audio": first_audio,
        "end": time.perf_counter() - started,
        "bytes": len(data),
    }


def first_segment_s(args: list[str], env: dict[str, str]) -> float:
    """The first segment's synthesis time, from a run whose engine is timed (BRIEFING_TIMINGS
    holds the engine's total; one segment alone gives the first one's)."""
    with tempfile.TemporaryDirectory() as tmp:
        one = Path(tmp) / "one.txt"
        one.write_text(ARTICLE.read_text(encoding="utf-8").split("\n\n")[0], encoding="utf-8")
        timings = Path(tmp) / "t.json"
        subprocess.run(
            [str(Path(sys.executable).parent / "briefing"), "speak", str(one), *args, "--no-cache", "-o", "-"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=dict(env, BRIEFING_TIMINGS=str(timings)),
            check=True,
        )
        import json

        stages = json.loads(timings.read_text(encoding="utf-8"))["stages"]
        return stages.get("engine", 0.0)


def api_runs(runs: int, args: list[str], env: dict[str, str], first: float | None, what: str) -> None:
    """POST /v1/listen to a `briefing serve --api ARGS` on loopback (it loads spaCy and the
    voices before it answers): what a reader pressing play waits for."""
    import socket

    import httpx

    from briefing.api.store import Store

    with tempfile.TemporaryDirectory() as tmp, socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        key = Store(Path(tmp)).add_key("bench")
        server = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "briefing"),
                "serve",
                tmp,
                "--api",
                *args,
                "--no-cache",
                "--port",
                str(port),
            ],
            env=env,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(1200):  # the server answers once its warm-up is done (a Coqui model: longer)
                try:
                    httpx.get(base + "/v1/openapi.json", timeout=1)
                    break
                except httpx.TransportError:
                    time.sleep(0.1)
            body = {"text": ARTICLE.read_text(encoding="utf-8")}
            print(f"POST /v1/listen {ARTICLE.name} to serve --api --no-cache ({what}): every segment synthesised")
            print(f"{'run':<4} {'first byte s':>12} {'first audio s':>13} {'end s':>7} {'MP3 bytes':>10}")
            for i in range(runs):
                started = time.perf_counter()
                data, first_byte, first_audio = b"", None, None
                headers = {"Authorization": f"Bearer {key}"}
                with httpx.stream("POST", base + "/v1/listen", json=body, headers=headers, timeout=120) as answer:
                    for chunk in answer.iter_raw():
                        now = time.perf_counter() - started
                        data += chunk
                        first_byte = first_byte if first_byte is not None else now
                        if first_audio is None and first_frame(data) is not None:
                            first_audio = now
                end = time.perf_counter() - started
                print(f"{i + 1:<4} {first_byte:>12.2f} {first_audio:>13.2f} {end:>7.2f} {len(data):>10}")
            if first is None:
                print("goal (issue 31): first audio bytes within 1 s with espeak-ng")
            else:
                print(
                    f"the first paragraph alone: its synthesis took {first:.2f} s (the engine's time, in its own run)"
                )
                print(f"goal (issue 31): first audio within {first + 0.5:.2f} s (first segment's synthesis + 0.5 s)")
        finally:
            server.terminate()
            server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--coqui", action="store_true", help="the full-size VITS of bench/coqui.py")
    parser.add_argument("--api", action="store_true", help="POST /v1/listen to serve --api instead")
    parser.add_argument("--runs", type=int, default=3)
    parsed = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, XDG_CACHE_HOME=str(Path(tmp) / "cache"))
        args = ["--engine", "espeak"]
        if parsed.coqui:
            sys.path.insert(0, str(ROOT / "bench"))
            import coqui as bench

            model_path, config_path, _ = bench.build_model(Path(tmp))
            voices = Path(tmp) / "voices"
            voices.mkdir()
            (voices / "bench.toml").write_text(
                f'role = "narrator"\nengine = "coqui"\nmodel_path = "{model_path}"\nconfig_path = "{config_path}"\n',
                encoding="utf-8",
            )
            args = ["--voices", str(voices)]
            one_run(args, env)  # the one-off graph export, out of the figures
        what = "Coqui VITS, full size" if parsed.coqui else "espeak-ng"
        if parsed.api:
            first = first_segment_s(args, env) if parsed.coqui else None
            api_runs(parsed.runs, args, env, first, what)
            return
        first = first_segment_s(args, env)
        print(
            f"briefing speak {ARTICLE.name} -o - ({'Coqui VITS, full size' if parsed.coqui else 'espeak-ng'}), no cache"
        )
        print(f"{'run':<4} {'first byte s':>12} {'first audio s':>13} {'end s':>7} {'MP3 bytes':>10}")
        for i in range(parsed.runs):
            r = one_run(args, env)
            print(f"{i + 1:<4} {r['first_byte']:>12.2f} {r['first_audio']:>13.2f} {r['end']:>7.2f} {r['bytes']:>10}")
        print(f"the first paragraph alone: its synthesis took {first:.2f} s (the engine's time, in its own run)")
        goal = "1 s" if not parsed.coqui else f"{first + 0.5:.2f} s (first segment's synthesis + 0.5 s)"
        print(f"goal (issue 30): first audio within {goal}")


if __name__ == "__main__":
    main()
