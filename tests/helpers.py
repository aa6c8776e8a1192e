"""What several test modules share that is not a fixture: texts, paths, checks on a result,
builders. Fixtures are in conftest.py; measurements on audio in audio_checks.py."""

from __future__ import annotations

import contextlib
import threading
import time
from pathlib import Path

from briefing.publish.page import Page, PageChapter, PageCue

ROOT = Path(__file__).resolve().parent.parent
# A news-style article written for these tests (tests/data/SOURCES.md): quotations, a lexicon
# entry, amounts, boilerplate. The repository needs nothing beside it.
SAMPLE_ARTICLE = ROOT / "tests" / "data" / "fuite-modele-video.txt"
# For two renders compared byte for byte: the episode's date is in its tags, and a run across
# midnight would date the second one a day later.
SAME_DAY = ("--date", "2026-12-07")
# `python RUN_BRIEFING ARGS...`: briefing in a child process that takes Ctrl-C as in a terminal.
RUN_BRIEFING = Path(__file__).with_name("run_briefing.py")
# The commands that fetch URLs. Every server these tests run is on 127.0.0.1, which briefing
# refuses to connect to unless told (README: "Network policy"): the `runner` fixture and
# RUN_BRIEFING tell them, with --allow-private-urls; tests/inputs/test_network.py shows the refusal.
FETCHING_COMMANDS = ("speak", "script", "batch", "publish")


def allowing_loopback(args):
    """`briefing ARGS...` with --allow-private-urls after a command that fetches URLs."""
    if args and not isinstance(args, str) and args[0] in FETCHING_COMMANDS:
        return [args[0], "--allow-private-urls", *args[1:]]
    return args


# Written for these tests: a title, a sub-heading, a speech quote with an attribution after it,
# a second speaker, a scare-quoted term and a pronoun attribution.
ARTICLE = """\
Le conseil municipal adopte le budget

Le conseil municipal de Nantes a adopté lundi soir son budget pour l'année prochaine, après quatre heures de débat.

« Nous investissons dans les écoles avant tout le reste, parce que c'est là que tout commence », a déclaré la maire, Sophie Marchand.

Une opposition divisée

L'opposition a dénoncé un budget « cosmétique ». « Les impôts locaux augmentent encore et personne n'ose le dire aux habitants », a répliqué Paul Girard. « Nous voterons contre », a-t-il ajouté.
"""

PORT_ARTICLE = """\
# Le port de Brest & ses « quais » <rénovés>

Le conseil portuaire a voté lundi un plan de 45 millions d'euros pour rénover les quais.

« Nous allons accueillir deux fois plus de navires d'ici à 2030 », a déclaré le directeur du port, Hugo Lambert.

## Dix-huit mois de chantier

Les travaux commenceront au printemps et dureront dix-huit mois.
"""


# --- checks on a CliRunner result ------------------------------------------------------------------


def assert_one_line_error(result, code, fragment):
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("briefing: error: ")
    assert fragment in lines[0]
    assert "Traceback" not in result.output


def no_episode_files(folder: Path) -> bool:
    return not [
        p
        for p in folder.rglob("*")
        if p.suffix in (".mp3", ".vtt", ".srt", ".json", ".html", ".epub") or ".part" in p.name
    ]


# --- builders --------------------------------------------------------------------------------------


def write_preset(folder: Path, name: str, **keys) -> Path:
    lines = [f"{k} = {v!r}" if not isinstance(v, str) else f'{k} = "{v}"' for k, v in keys.items()]
    path = folder / f"{name}.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">"\'&'


def hostile_page() -> Page:
    """A listening page whose every field carries markup or script from a hostile article."""
    return Page(
        title="Titre " + HOSTILE,
        audio='épisode "1" #2.mp3',
        duration_ms=125_000,
        chapters=(PageChapter("Sommaire </title>" + HOSTILE, 0, 60_000), PageChapter("Deux", 60_000, 125_000)),
        cues=(
            PageCue(0, 2_000, "Narrateur", "Bonjour. " + HOSTILE),
            PageCue(
                2_500,
                5_000,
                "Jean <b onmouseover=alert(1)>Dupont</b>",
                "« Une citation » </p><script>alert(1)</script>",
                quote=True,
            ),
            PageCue(61_000, 64_000, "Narrateur", "Deuxième sujet."),
        ),
        date="2026-11-24",
        podcast="Le <i>briefing</i>",
        sources=('https://exemple.fr/a?x=1&y="2"<', "javascript:alert(1)", "/home/someone/articles/port.md", "-"),
        files=(("transcription WebVTT", "épisode.vtt"),),
    )


# Seven sources, as a local news story quotes them: titles, first names, a pronoun, a document
# named three ways, an adverbial that is no speaker, and a person named again by surname.
SEVEN_SOURCES = """La mairie présente son plan vélo

« Nous doublerons les pistes cyclables d'ici deux ans », a déclaré la maire, Hélène Garnier, lundi soir.

« C'est un calendrier tenable si l'État suit », a estimé Marc Vidal, adjoint chargé des mobilités.

« Les commerçants du centre attendent des garanties », a pour sa part réagi Sophie Lambert, présidente de l'union commerciale. « Nous serons vigilants », a-t-elle ajouté.

« Le projet ignore les quartiers nord », lit-on dans un communiqué de l'opposition. « Aucune piste n'y est prévue », précise le texte.

« Je roule tous les jours et j'ai peur », confie Julien Perrin, cycliste.

Interrogée par la radio locale, Camille Roux, urbaniste, a jugé : « Le plan est sérieux mais tardif. »

« Les travaux commenceront au printemps », a assuré M. Vidal. « Les riverains seront consultés », a promis Thomas Petit, directeur des services techniques.
"""


class ApiServer:
    """`briefing serve DIR --api` as a user runs it: its own process, a real socket on 127.0.0.1."""

    def __init__(self, folder: Path, cache: Path, *extra: str):
        import os
        import socket
        import subprocess
        import sys

        import httpx

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        args = ["serve", str(folder), "--api", "--engine", "espeak", "--port", str(port), *extra]
        env = dict(os.environ, XDG_CACHE_HOME=str(cache))
        self.process = subprocess.Popen(
            [sys.executable, "-m", "briefing", *args], env=env, stderr=subprocess.PIPE, text=True
        )
        self.base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(self.base + "/v1/openapi.json", timeout=1)
                return
            except httpx.TransportError:
                assert time.monotonic() < deadline and self.process.poll() is None, self.process.stderr.read()
                time.sleep(0.1)

    def post(self, key: str, body: dict) -> str:
        import httpx

        posted = httpx.post(
            self.base + "/v1/episodes", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=10
        )
        assert posted.status_code == 202, posted.text
        return posted.json()["id"]

    def job(self, key: str, job_id: str) -> dict:
        import httpx

        return httpx.get(
            f"{self.base}/v1/episodes/{job_id}", headers={"Authorization": f"Bearer {key}"}, timeout=10
        ).json()

    def finish(self, key: str, ids: list[str], timeout: float = 300) -> list[dict]:
        deadline = time.monotonic() + timeout
        while True:
            jobs = [self.job(key, i) for i in ids]
            if all(j["status"] in ("done", "failed") for j in jobs):
                return jobs
            assert time.monotonic() < deadline, jobs
            time.sleep(0.2)

    def stop(self) -> None:
        import signal

        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)


def concurrently(calls, width: int | None = None) -> list[tuple[object, float]]:
    """Run every call at once (`width` threads, all of them by default): (what it returned or the
    exception it raised, its seconds), in the calls' order."""
    from concurrent.futures import ThreadPoolExecutor

    start = threading.Barrier(min(len(calls), width or len(calls)))

    def timed(call):
        with contextlib.suppress(threading.BrokenBarrierError):
            start.wait(timeout=30)  # leave together, so that they are concurrent
        began = time.perf_counter()
        try:
            result = call()
        except Exception as exc:  # noqa: BLE001 - reported as the call's result
            result = exc
        return result, time.perf_counter() - began

    with ThreadPoolExecutor(width or len(calls)) as pool:
        return list(pool.map(timed, calls))


def percentile(values, p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


def audio_frames(mp3: Path) -> bytes:
    """The MP3 without its ID3 tag (which holds the job's own id in its GUID)."""
    data = mp3.read_bytes()
    assert data[:3] == b"ID3"
    size = 0
    for byte in data[6:10]:
        size = (size << 7) | (byte & 0x7F)
    return data[10 + size :]
