"""Benchmark: `briefing serve --api` under load on 127.0.0.1 (issue 31), the load of
tests/api/test_api_load.py, timed.

    .venv/bin/python bench/api_load.py [--posts 50] [--gets 300] [--workers 2]

A fresh server (espeak-ng voices, its own segment cache) and five keys. It times: 50 POST
/v1/episodes at once (short dispatches, 10 a key); how long until every job is done; then 300
GETs at once, half GET /v1/episodes/{id} and half a 1 KB range of an MP3; then the same calls one
at a time (the latency of a quiet server). Latencies are p50 / p95 / max in milliseconds, from
the request's start to its whole answer. The streaming first byte (POST /v1/listen) is timed by
bench/stream.py --api.
"""

from __future__ import annotations

import argparse
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

KEYS = 5


def article(n: int) -> str:
    return f"Dépêche {n}\n\nLe conseil municipal a voté le budget numéro {n} lundi soir, à une large majorité."


def row(name: str, timed: list[tuple[object, float]], ok) -> str:
    from helpers import percentile

    ms = [s * 1000 for _, s in timed]
    good = sum(1 for r, _ in timed if not isinstance(r, Exception) and ok(r))
    return f"| {name} | {len(timed)} | {good} | {percentile(ms, 50):.0f} | {percentile(ms, 95):.0f} | {max(ms):.0f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=50)
    parser.add_argument("--gets", type=int, default=300)
    parser.add_argument("--workers", type=int, default=2, help="serve --workers (default 2, one per core here)")
    args = parser.parse_args()

    import httpx
    from helpers import ApiServer, concurrently

    from briefing.api.store import DATABASE, Store

    with tempfile.TemporaryDirectory(prefix="briefing-api-load-") as tmp:
        folder = Path(tmp) / "served"
        folder.mkdir()
        keys = [Store(folder).add_key(f"site-{k}") for k in range(KEYS)]
        server = ApiServer(folder, Path(tmp) / "cache", "--workers", str(args.workers), "--rate-limit", "100000")
        # one client for every call: a connection per concurrent call, no TLS set-up per call
        # (httpx.get makes a client, and its SSL context, each time: 10 ms of the caller's CPU)
        client = httpx.Client(timeout=120, limits=httpx.Limits(max_connections=max(args.gets, args.posts)))
        try:

            def post(n):
                headers = {"Authorization": f"Bearer {keys[n % KEYS]}"}
                answer = client.post(server.base + "/v1/episodes", json={"text": article(n)}, headers=headers)
                return answer.status_code, answer.json().get("id")

            began = time.perf_counter()
            posted = concurrently([lambda n=n: post(n) for n in range(args.posts)])
            ids = [r[1] for r, _ in posted if not isinstance(r, Exception)]
            for k in range(KEYS):
                server.finish(keys[k], ids[k::KEYS], timeout=1800)
            all_done = time.perf_counter() - began

            def get(n, http=client):
                job_id, key = ids[n % len(ids)], keys[n % len(ids) % KEYS]
                if n % 2:
                    answer = http.get(f"{server.base}/{job_id}.mp3", headers={"Range": "bytes=0-1023"}, timeout=120)
                    return answer.status_code, len(answer.content)
                answer = http.get(
                    f"{server.base}/v1/episodes/{job_id}", headers={"Authorization": f"Bearer {key}"}, timeout=120
                )
                return answer.status_code, answer.json().get("status")

            got = concurrently([lambda n=n: get(n) for n in range(args.gets)])
            quiet = []
            with httpx.Client(timeout=120) as one:  # one kept connection, as a CMS's client has
                for n in range(100):
                    t = time.perf_counter()
                    quiet.append((get(n, one), time.perf_counter() - t))
        finally:
            client.close()
            server.stop()
        with sqlite3.connect(folder / DATABASE) as db:
            jobs = db.execute("SELECT count(*), sum(status = 'done') FROM jobs").fetchone()

    print(
        f"serve --api --workers {args.workers} --engine espeak, {os.cpu_count()} CPUs; "
        f"{args.posts} POSTs at once from {KEYS} keys, then {args.gets} GETs at once, then 100 one at a time"
    )
    print("| calls | n | answered right | p50 ms | p95 ms | max ms |")
    print("|---|---|---|---|---|---|")
    print(row("POST /v1/episodes, at once", posted, lambda r: r[0] == 202))
    status = [g for n, g in enumerate(got) if n % 2 == 0]
    ranges = [g for n, g in enumerate(got) if n % 2]
    print(row("GET /v1/episodes/{id}, at once", status, lambda r: r == (200, "done")))
    print(row("GET ID.mp3 (1 KB range), at once", ranges, lambda r: r == (206, 1024)))
    print(row("GET /v1/episodes/{id}, one at a time", quiet[0::2], lambda r: r == (200, "done")))
    print(row("GET ID.mp3 (1 KB range), one at a time", quiet[1::2], lambda r: r == (206, 1024)))
    print(
        f"every job done {all_done:.1f} s after the first POST ({jobs[1]} of {jobs[0]} done, "
        f"{60 * jobs[1] / all_done:.0f} episodes a minute)"
    )


if __name__ == "__main__":
    main()
