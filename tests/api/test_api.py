"""`briefing serve DIR --api` and `briefing api-key` (issue 31, first part): keys kept as hashes,
Bearer authentication, jobs queued in SQLite and rendered by the workers into DIR, idempotent
POSTs, JSON errors for bad requests, and jobs left running by a killed server finished after a
restart. Served in process with Starlette's TestClient (no socket), espeak-ng voices."""

from __future__ import annotations

import dataclasses
import re
import shutil
import sqlite3
import time
from pathlib import Path

import pytest
from helpers import ApiServer, audio_frames
from starlette.testclient import TestClient

from briefing.api.app import MAX_BODY, Api
from briefing.api.jobs import Settings
from briefing.api.store import DATABASE, Store
from briefing.cli import app as cli
from briefing.engines.presets import DEFAULT_VOICES_DIR
from briefing.options import SpeakOptions

TEXT = "Un port rouvre\n\nLe port de Brest a rouvert lundi après deux jours de tempête, a indiqué la préfecture."
SETTINGS = Settings(speak=SpeakOptions(engine="espeak", jobs=1))


@pytest.fixture
def served(tmp_path):
    """(client, folder, key) of an API server on an empty folder."""
    key = Store(tmp_path).add_key("site")
    with TestClient(Api(tmp_path, SETTINGS).app()) as client:
        yield client, tmp_path, key


def auth(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def wait_done(client, url: str, key: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(url, headers=auth(key)).json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job not finished in {timeout} s: {job}")


def test_api_keys_are_shown_once_kept_as_hashes_listed_and_revoked(runner, tmp_path):
    added = runner.invoke(cli, ["api-key", "add", "cms", "--dir", str(tmp_path)])
    assert added.exit_code == 0, added.output
    secret = added.stdout.strip().splitlines()[-1]
    assert secret.startswith("brf_") and len(secret) > 40 and added.stdout.strip() == secret
    assert secret.encode() not in (tmp_path / DATABASE).read_bytes()  # only its hash is kept
    listed = runner.invoke(cli, ["api-key", "list", "--dir", str(tmp_path)])
    assert listed.exit_code == 0 and listed.stdout.startswith("cms\t") and "active" in listed.stdout
    assert secret not in listed.stdout
    again = runner.invoke(cli, ["api-key", "add", "cms", "--dir", str(tmp_path)])
    assert again.exit_code == 2 and "exists already" in again.stderr
    revoked = runner.invoke(cli, ["api-key", "revoke", "cms", "--dir", str(tmp_path)])
    assert (
        revoked.exit_code == 0 and "revoked" in runner.invoke(cli, ["api-key", "list", "--dir", str(tmp_path)]).stdout
    )
    missing = runner.invoke(cli, ["api-key", "list", "--dir", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "no such folder" in missing.stderr


def test_every_call_needs_a_valid_key(served):
    client, folder, key = served
    body = {"text": TEXT}
    assert client.post("/v1/episodes", json=body).status_code == 401
    assert client.post("/v1/episodes", json=body, headers=auth("brf_nothing")).status_code == 401
    other = Store(folder).add_key("other")
    Store(folder).revoke("other")
    refused = client.post("/v1/episodes", json=body, headers=auth(other))
    assert refused.status_code == 403 and refused.json() == {"error": "this API key was revoked"}
    assert client.get("/v1/openapi.json").json()["paths"]["/v1/episodes"]["post"]


def test_an_article_posted_is_rendered_into_the_folder_and_its_files_served(served):
    client, folder, key = served
    posted = client.post("/v1/episodes", json={"text": TEXT, "title": "Brest"}, headers=auth(key))
    assert posted.status_code == 202
    job = wait_done(client, posted.json()["status_url"], key)
    assert job["status"] == "done" and job["progress"] == 1 and job["error"] is None
    assert set(job["files"]) >= {"mp3", "vtt", "srt", "chapters", "page"}
    mp3 = job["files"]["mp3"]
    assert mp3.endswith(f"/{job['id']}.mp3") and (folder / f"{job['id']}.mp3").is_file()
    part = client.get(mp3, headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and len(part.content) == 100 and part.headers["content-type"] == "audio/mpeg"
    assert client.get(f"/{DATABASE}").status_code == 404  # the keys' and jobs' database is never served
    other = Store(folder).add_key("other")
    assert client.get(posted.json()["status_url"], headers=auth(other)).status_code == 404  # not its job


def test_the_players_script_is_public_cached_and_javascript(served):
    client, _folder, _key = served
    script = client.get("/v1/embed.js")  # no key: an article page has none to give
    assert script.status_code == 200 and script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert script.headers["x-content-type-options"] == "nosniff" and "max-age" in script.headers["cache-control"]
    assert 'customElements.define("briefing-player"' in script.text


def test_a_retried_post_with_the_same_idempotency_key_gives_the_same_job(served):
    client, _folder, key = served
    headers = {**auth(key), "Idempotency-Key": "article-42"}
    first = client.post("/v1/episodes", json={"text": TEXT}, headers=headers)
    second = client.post("/v1/episodes", json={"text": TEXT}, headers=headers)
    assert (first.status_code, second.status_code) == (202, 200) and first.json()["id"] == second.json()["id"]
    third = client.post("/v1/episodes", json={"text": TEXT}, headers={**auth(key), "Idempotency-Key": "article-43"})
    assert third.json()["id"] != first.json()["id"]


@pytest.mark.parametrize(
    ("content", "headers", "status", "fragment"),
    [
        (b"{not json", {}, 400, "not JSON"),
        (b"[1, 2]", {}, 400, "a JSON object"),
        (b'{"text": "a", "url": "https://example.org/"}', {}, 400, "exactly one of text, url, script"),
        (b'{"text": "a", "voix": "x"}', {}, 400, "unknown field(s) 'voix'"),
        (b'{"text": "   "}', {}, 400, "text must be a non-empty string"),
        (b'{"url": "file:///etc/passwd"}', {}, 400, "url must be an http(s) URL"),
        (b'{"text": "a", "voices": "maison"}', {}, 400, "no voice set 'maison' on this server; it offers none"),
        (b'{"text": "a", "voices": ["maison"]}', {}, 400, "voices must be the name of one of"),
        (b'{"text": "a", "callback_url": "ftp://example.org/"}', {}, 400, "callback_url must be an http(s) URL"),
        (b'{"text": "a"}', {"Content-Type": "text/plain"}, 415, "Content-Type: application/json"),
        (b'{"text": "' + b"a" * MAX_BODY + b'"}', {}, 413, "over"),
    ],
)
def test_bad_requests_get_a_json_error_never_a_500(served, content, headers, status, fragment):
    client, _folder, key = served
    sent = client.post(
        "/v1/episodes", content=content, headers={"Content-Type": "application/json", **auth(key), **headers}
    )
    assert sent.status_code == status and fragment in sent.json()["error"]


def voice_sets(root, **speeds) -> Path:
    """A folder of voice sets: for each name, the bundled voices with the narrator at that speed."""
    for name, speed in speeds.items():
        folder = root / name
        shutil.copytree(DEFAULT_VOICES_DIR, folder, ignore=shutil.ignore_patterns("optional"))
        narrator = folder / "espeak-narrator.toml"
        narrator.write_text(narrator.read_text(encoding="utf-8").replace("speed = 1.0", f"speed = {speed}"))
    return root


def last_cue_s(vtt: str) -> float:
    h, m, s = re.findall(r"--> (\d+):(\d+):(\d+\.\d+)", vtt)[-1]
    return int(h) * 3600 + int(m) * 60 + float(s)


def test_a_request_names_one_of_the_servers_voice_sets(tmp_path):
    sets = voice_sets(tmp_path / "sets", lente=0.7, rapide=1.3)
    (sets / "vide").mkdir()  # no preset in it: not a set
    folder = tmp_path / "served"
    folder.mkdir()
    key = Store(folder).add_key("site")
    settings = dataclasses.replace(SETTINGS, voice_sets=sets)
    with TestClient(Api(folder, settings).app()) as client:
        assert client.get("/v1/voices").status_code == 401
        assert client.get("/v1/voices", headers=auth(key)).json() == {"voices": ["lente", "rapide"]}
        lengths = {}
        for voices in ("lente", "rapide", None):
            body = {"text": TEXT, **({"voices": voices} if voices else {})}
            posted = client.post("/v1/episodes", json=body, headers=auth(key))
            assert posted.status_code == 202, posted.json()
            job = wait_done(client, posted.json()["status_url"], key)
            assert job["status"] == "done", job
            lengths[voices] = last_cue_s(client.get(job["files"]["vtt"]).text)
        # the narrator reads the whole text: slower in "lente", faster in "rapide" than the server's own
        assert lengths["lente"] > lengths[None] * 1.2 and lengths["rapide"] < lengths[None] / 1.1, lengths
        for name in ("vide", "../sets/lente", "autre"):
            refused = client.post("/v1/episodes", json={"text": TEXT, "voices": name}, headers=auth(key))
            assert refused.status_code == 400, name
            assert refused.json()["error"] == f"no voice set {name!r} on this server; it offers: lente, rapide"


def test_a_voice_set_gone_before_its_job_runs_fails_the_job_with_the_reason(tmp_path):
    sets = voice_sets(tmp_path / "sets", lente=0.7)
    folder = tmp_path / "served"
    folder.mkdir()
    store = Store(folder)
    key = store.add_key("site")
    job, _ = store.submit(store.key_for(key), {"text": TEXT, "voices": "lente"})  # accepted, then the set goes
    shutil.rmtree(sets / "lente")
    with TestClient(Api(folder, dataclasses.replace(SETTINGS, voice_sets=sets)).app()) as client:
        done = wait_done(client, f"/v1/episodes/{job.id}", key)
    assert done["status"] == "failed" and done["error"] == "the voice set 'lente' is no longer on this server"


def test_serve_checks_its_voice_sets_at_start(runner, tmp_path):
    missing = runner.invoke(cli, ["serve", str(tmp_path), "--api", "--voice-sets", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "--voice-sets" in missing.stderr and "no such folder" in missing.stderr
    broken = tmp_path / "sets" / "cassee"
    broken.mkdir(parents=True)
    (broken / "narrateur.toml").write_text('role = "narrator"\nengine = "nulle-part"\n', encoding="utf-8")
    refused = runner.invoke(cli, ["serve", str(tmp_path), "--api", "--voice-sets", str(tmp_path / "sets")])
    assert refused.exit_code == 2 and "narrateur.toml" in refused.stderr, refused.output


def test_a_job_left_running_by_a_killed_server_is_finished_after_a_restart(tmp_path):
    store = Store(tmp_path)
    key = store.add_key("site")
    job, _ = store.submit(store.key_for(key), {"text": TEXT})
    assert store.claim().id == job.id  # a worker took it, then the server was killed
    store.close()
    with TestClient(Api(tmp_path, SETTINGS).app()) as client:  # started again
        done = wait_done(client, f"/v1/episodes/{job.id}", key)
    assert done["status"] == "done" and (tmp_path / f"{job.id}.mp3").is_file()
    rows = sqlite3.connect(tmp_path / DATABASE).execute("SELECT count(*), min(status) FROM jobs").fetchone()
    assert rows == (1, "done")  # not lost, not run twice


def test_kill_9_mid_job_then_a_restart_finishes_every_job_as_an_uninterrupted_run_would(tmp_path):
    """issue 31: the server killed with SIGKILL while it renders; started again, it finishes every
    accepted job, each once, into the files an uninterrupted server makes of the same requests."""
    import os
    import signal

    # long enough to be caught mid-render: about 40 s of speech each
    texts = [f"Article {n}\n\n" + " ".join([TEXT.split("\n\n")[1]] * (6 + n)) for n in range(3)]
    killed, calm = tmp_path / "killed", tmp_path / "calm"
    outputs = {}
    for folder in (killed, calm):
        folder.mkdir()
        key = Store(folder).add_key("site")
        server = ApiServer(folder, tmp_path / f"cache-{folder.name}")
        ids = [server.post(key, {"text": t, "title": f"Article {n}"}) for n, t in enumerate(texts)]
        if folder is killed:
            deadline = time.monotonic() + 120
            while not 0 < server.job(key, ids[1])["progress"] < 1:  # the second job half made
                assert time.monotonic() < deadline and server.job(key, ids[1])["status"] != "done"
                time.sleep(0.01)
            os.kill(server.process.pid, signal.SIGKILL)
            server.process.wait(timeout=10)
            states = [server_state(folder, i) for i in ids]
            assert states == ["done", "running", "queued"], states
            assert any(p.name.startswith(".briefing-work-") for p in folder.iterdir())  # its work, left behind
            server = ApiServer(folder, tmp_path / f"cache-{folder.name}")  # started again
        try:
            jobs = server.finish(key, ids)
        finally:
            server.stop()
        assert [j["status"] for j in jobs] == ["done"] * 3, jobs
        outputs[folder.name] = [
            (audio_frames(folder / f"{i}.mp3"), (folder / f"{i}.vtt").read_text(encoding="utf-8")) for i in ids
        ]
        rows = sqlite3.connect(folder / DATABASE).execute("SELECT count(*), min(status), max(status) FROM jobs")
        assert rows.fetchone() == (3, "done", "done")  # none lost, none twice
        leftovers = [p.name for p in folder.iterdir() if p.name.startswith(".") and not p.name.startswith(DATABASE)]
        assert leftovers == [], leftovers  # no work folder, no partial file (the database keeps its WAL files)
        assert len(list(folder.glob("*.mp3"))) == 3
    assert outputs["killed"] == outputs["calm"]


def server_state(folder: Path, job_id: str) -> str:
    with sqlite3.connect(folder / DATABASE) as db:
        return db.execute("SELECT status FROM jobs WHERE id = ?", (job_id,)).fetchone()[0]


def test_one_server_per_folder(runner, tmp_path):
    """A second server of the same folder would take the first one's running jobs back at its
    start and render them twice: it is refused, with who serves the folder."""
    from briefing.errors import UsageError

    with TestClient(Api(tmp_path, SETTINGS).app()):
        with pytest.raises(UsageError, match="served already .by process"):
            Api(tmp_path, SETTINGS).claim_folder()
    Api(tmp_path, SETTINGS).claim_folder()  # let go when the first one stopped
    live = tmp_path / "live"
    live.mkdir()
    server = ApiServer(live, tmp_path / "cache")
    try:
        second = runner.invoke(cli, ["serve", str(live), "--api", "--engine", "espeak", "--port", "0"])
        assert second.exit_code == 2, second.output
        assert f"served already (by process {server.process.pid})" in second.stderr
    finally:
        server.stop()


def test_a_failed_render_is_a_failed_job_with_its_reason(served):
    client, _folder, key = served
    posted = client.post("/v1/episodes", json={"script": {"title": "x", "segments": []}}, headers=auth(key))
    job = wait_done(client, posted.json()["status_url"], key)
    assert job["status"] == "failed" and "segments" in job["error"] and job["files"] == {}


def test_serve_api_runs_on_uvicorn_and_stops_on_sigterm(tmp_path):
    """The command as a user runs it: a real socket on 127.0.0.1, a job through it, SIGTERM."""
    import os
    import signal
    import socket
    import subprocess
    import sys

    import httpx

    key = Store(tmp_path).add_key("site")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    args = ["serve", str(tmp_path), "--api", "--engine", "espeak", "--port", str(port)]
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / ".cache"))
    server = subprocess.Popen([sys.executable, "-m", "briefing", *args], env=env, stderr=subprocess.PIPE, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(base + "/v1/openapi.json", timeout=1)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None, server.stderr.read()
                time.sleep(0.2)
        posted = httpx.post(base + "/v1/episodes", json={"text": TEXT}, headers=auth(key), timeout=10)
        assert posted.status_code == 202
        deadline = time.monotonic() + 120
        while (job := httpx.get(posted.json()["status_url"], headers=auth(key), timeout=10).json())["status"] not in (
            "done",
            "failed",
        ):
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert job["status"] == "done", job
        assert httpx.get(job["files"]["mp3"], timeout=10).content[:3] in (b"ID3", b"\xff\xfb")
    finally:
        server.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then raises the signal again: the status says SIGTERM
        assert server.wait(timeout=30) in (0, -signal.SIGTERM), server.stderr.read()
        assert "Traceback" not in server.stderr.read()


def test_listen_streams_the_episode_as_it_is_made_at_the_files_loudness(served, tmp_path):
    """POST /v1/listen answers audio/mpeg at once and goes on while the segments are made: the
    tags first, then frames; decoded, -16 LUFS like a file (within 1 LU), and nothing stays in DIR."""
    import re
    import subprocess

    client, folder, key = served
    before = sorted(p.name for p in folder.iterdir())
    with client.stream("POST", "/v1/listen", json={"text": TEXT, "title": "Brest"}, headers=auth(key)) as answer:
        assert answer.status_code == 200 and answer.headers["content-type"] == "audio/mpeg"
        data = b"".join(answer.iter_bytes())
    assert data[:3] == b"ID3" and len(data) > 20_000
    assert sorted(p.name for p in folder.iterdir()) == before  # a stream keeps nothing
    path = tmp_path / "heard.mp3"
    path.write_bytes(data)
    done = subprocess.run(
        ["ffmpeg", "-hide_banner", "-nostats", "-i", str(path), "-af", "ebur128", "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    lufs = float(re.findall(r"I:\s+(-?[\d.]+) LUFS", done.stderr)[-1])
    assert abs(lufs - (-16)) <= 1.0


def test_listen_says_why_when_nothing_can_be_made(served):
    client, _folder, key = served
    refused = client.post("/v1/listen", json={"text": "x", "epub": True}, headers=auth(key))
    assert refused.status_code == 422 and "--epub needs a file" in refused.json()["error"]
    assert client.post("/v1/listen", json={"text": TEXT}).status_code == 401
    bad = client.post("/v1/listen", json={"texte": TEXT}, headers=auth(key))
    assert bad.status_code == 400 and "unknown field(s) 'texte'" in bad.json()["error"]


def test_a_key_over_its_rate_is_told_when_to_come_back(tmp_path):
    key = Store(tmp_path).add_key("site")
    with TestClient(Api(tmp_path, Settings(speak=SETTINGS.speak, rate_per_minute=3)).app()) as client:
        answers = [client.get("/v1/episodes/none", headers=auth(key)) for _ in range(4)]
    assert [a.status_code for a in answers] == [404, 404, 404, 429]
    assert int(answers[-1].headers["Retry-After"]) in (19, 20) and "3 calls a minute" in answers[-1].json()["error"]


def test_cors_answers_only_the_sites_named(tmp_path):
    settings = Settings(speak=SETTINGS.speak, cors_origins=("https://www.exemple.fr",))
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    }
    with TestClient(Api(tmp_path, settings).app()) as client:
        named = client.options("/v1/listen", headers={"Origin": "https://www.exemple.fr", **preflight})
        other = client.options("/v1/listen", headers={"Origin": "https://evil.example", **preflight})
    assert named.status_code == 200 and named.headers["access-control-allow-origin"] == "https://www.exemple.fr"
    assert other.status_code == 400 and "access-control-allow-origin" not in other.headers
    (tmp_path / "plain").mkdir()
    with TestClient(Api(tmp_path / "plain", SETTINGS).app()) as client:  # none named: no CORS at all
        plain = client.get("/v1/openapi.json", headers={"Origin": "https://www.exemple.fr"})
    assert "access-control-allow-origin" not in plain.headers


def test_a_cors_origin_must_be_an_origin(runner, tmp_path):
    result = runner.invoke(cli, ["serve", str(tmp_path), "--api", "--cors-origin", "https://exemple.fr/page"])
    assert result.exit_code == 2 and "give a site's origin" in result.stderr


class Receiver:
    """A CMS's webhook endpoint on 127.0.0.1: answers with the statuses given, in turn (then 200),
    and keeps what it was sent."""

    def __init__(self, statuses=()):
        import http.server
        import threading

        received, statuses = [], list(statuses)

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((dict(self.headers), body))
                self.send_response(statuses.pop(0) if statuses else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.received = received
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, count: int, timeout: float = 30) -> list:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.received


def test_a_finished_job_is_posted_to_its_callback_signed_and_retried(tmp_path, monkeypatch):
    """The webhook carries the job's JSON, signed with HMAC-SHA256 under the SHA-256 of the key
    (the receiver holds the key: it computes the same); a 500 is retried after a delay."""
    import hashlib
    import hmac
    import json

    from briefing.api import jobs

    monkeypatch.setattr(jobs, "WEBHOOK_DELAYS", (0.05, 0.05))
    receiver = Receiver(statuses=[500])
    key = Store(tmp_path).add_key("site")
    settings = Settings(speak=SETTINGS.speak, allow_private_urls=True)  # the receiver is on loopback
    try:
        with TestClient(Api(tmp_path, settings).app()) as client:
            posted = client.post("/v1/episodes", json={"text": TEXT, "callback_url": receiver.url}, headers=auth(key))
            (first_headers, first), (headers, body) = receiver.wait(2)
    finally:
        receiver.server.shutdown()
    assert first == body  # the retry sends the same bytes
    payload = json.loads(body)
    assert payload["id"] == posted.json()["id"] and payload["status"] == "done" and payload["files"]["mp3"]
    digest = hashlib.sha256(key.encode()).digest()
    expected = "sha256=" + hmac.new(digest, body, hashlib.sha256).hexdigest()
    assert headers["X-Briefing-Signature"] == expected and headers["Content-Type"] == "application/json"


def test_a_callback_to_a_private_address_is_refused_unless_allowed(tmp_path, monkeypatch):
    from briefing.api import jobs

    monkeypatch.setattr(jobs, "WEBHOOK_DELAYS", (0.05,))
    receiver = Receiver()
    key = Store(tmp_path).add_key("site")
    try:
        with TestClient(Api(tmp_path, SETTINGS).app()) as client:  # the default policy: no private address
            posted = client.post("/v1/episodes", json={"text": TEXT, "callback_url": receiver.url}, headers=auth(key))
            job = wait_done(client, posted.json()["status_url"], key)
            deadline = time.monotonic() + 30
            while Store(tmp_path).deliveries(job["id"])[0][0] == "pending":
                assert time.monotonic() < deadline
                time.sleep(0.05)
    finally:
        receiver.server.shutdown()
    assert job["status"] == "done" and receiver.received == []
    ((state, attempts, error),) = Store(tmp_path).deliveries(job["id"])
    assert (state, attempts) == ("failed", 1) and "private" in error  # refused once, never retried


def test_a_webhook_waiting_for_its_retry_is_sent_by_the_restarted_server(tmp_path, monkeypatch):
    """The delivery is a row of the database: a server stopped between two attempts, started again,
    sends it; the receiver gets the same signed bytes."""
    from briefing.api import jobs

    monkeypatch.setattr(jobs, "WEBHOOK_DELAYS", (3.0,))
    receiver = Receiver(statuses=[503])
    key = Store(tmp_path).add_key("site")
    settings = Settings(speak=SETTINGS.speak, allow_private_urls=True)
    try:
        with TestClient(Api(tmp_path, settings).app()) as client:
            posted = client.post("/v1/episodes", json={"text": TEXT, "callback_url": receiver.url}, headers=auth(key))
            receiver.wait(1)
        job_id = posted.json()["id"]
        assert len(receiver.received) == 1 and Store(tmp_path).deliveries(job_id) == [("pending", 1, "HTTP 503")]
        with TestClient(Api(tmp_path, settings).app()):  # started again: the retry is due in 3 s
            (_, first), (headers, again) = receiver.wait(2)
            deadline = time.monotonic() + 10
            while Store(tmp_path).deliveries(job_id)[0][0] != "delivered":
                assert time.monotonic() < deadline
                time.sleep(0.05)
    finally:
        receiver.server.shutdown()
    assert first == again and Store(tmp_path).deliveries(job_id) == [("delivered", 2, "HTTP 503")]
