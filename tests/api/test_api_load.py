"""`briefing serve --api` under load, on 127.0.0.1 (issue 31): 50 POSTs at once from five keys,
every job done once, then 300 GETs at once (job states and byte ranges of the MP3s), every one
answered right. The same load, timed, is bench/api_load.py."""

from __future__ import annotations

import sqlite3

import httpx
from helpers import ApiServer, concurrently

from briefing.api.store import DATABASE, Store

POSTS, GETS, KEYS = 50, 300, 5


def article(n: int) -> str:
    return f"Dépêche {n}\n\nLe conseil municipal a voté le budget numéro {n} lundi soir, à une large majorité."


def test_fifty_posts_then_three_hundred_gets_at_once_lose_nothing(tmp_path):
    folder = tmp_path / "served"
    folder.mkdir()
    keys = [Store(folder).add_key(f"site-{k}") for k in range(KEYS)]
    server = ApiServer(folder, tmp_path / "cache", "--workers", "2", "--rate-limit", "100000")
    try:

        def post(n):
            headers = {"Authorization": f"Bearer {keys[n % KEYS]}", "Idempotency-Key": f"article-{n}"}
            answer = httpx.post(server.base + "/v1/episodes", json={"text": article(n)}, headers=headers, timeout=60)
            return answer.status_code, answer.json()["id"]

        posted = concurrently([lambda n=n: post(n) for n in range(POSTS)])
        assert all(not isinstance(r, Exception) and r[0] == 202 for r, _ in posted), posted
        ids = [r[1] for r, _ in posted]
        assert len(set(ids)) == POSTS
        for k in range(KEYS):
            jobs = server.finish(keys[k], ids[k::KEYS], timeout=600)
            assert [j["status"] for j in jobs] == ["done"] * len(jobs), jobs

        def get(n):
            job_id, key = ids[n % POSTS], keys[n % POSTS % KEYS]
            if n % 2:
                answer = httpx.get(f"{server.base}/{job_id}.mp3", headers={"Range": "bytes=0-1023"}, timeout=60)
                return answer.status_code, len(answer.content)
            answer = httpx.get(
                f"{server.base}/v1/episodes/{job_id}", headers={"Authorization": f"Bearer {key}"}, timeout=60
            )
            return answer.status_code, answer.json()["status"]

        got = concurrently([lambda n=n: get(n) for n in range(GETS)])
        answers = [r for r, _ in got]
        assert answers == [(206, 1024) if n % 2 else (200, "done") for n in range(GETS)], answers
    finally:
        server.stop()
    with sqlite3.connect(folder / DATABASE) as db:
        assert db.execute("SELECT count(*), min(status), max(status) FROM jobs").fetchone() == (POSTS, "done", "done")
    assert len(list(folder.glob("*.mp3"))) == POSTS
