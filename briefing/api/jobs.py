"""The workers of `serve --api`: a bounded pool of threads, each claiming the oldest queued job
(one at a time, atomically, from the Store) and rendering it into the served folder as
`<job id>.mp3` with its transcripts and page, through the same `make_episode` as `briefing speak`.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
import logging
import os
import re
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from briefing.api.store import Job, Store
from briefing.errors import BriefingError, UsageError
from briefing.inputs.fetch import NetworkPolicy, RefusedAddress, network_policy, post
from briefing.options import SpeakOptions
from briefing.pipeline import Options, make_episode
from briefing.publish.files import episode_paths

log = logging.getLogger("briefing")


@dataclass(frozen=True)
class Settings:
    """What the server renders with: `speak`'s options (engine, voices, ...) for every job, and
    whether URLs may reach private addresses."""

    speak: SpeakOptions = SpeakOptions()
    allow_private_urls: bool = False
    workers: int = 1
    rate_per_minute: int = 60  # /v1 calls of one key
    cors_origins: tuple[str, ...] = ()  # the sites whose pages may call the API from a browser
    voice_sets: Path | None = None  # a folder of voices folders: a request's "voices" names one

    def voice_set(self, name: str) -> Path | None:
        """The voices folder a request's "voices" names, or None when the server has no such set."""
        if self.voice_sets is None or not VOICE_SET_NAME.fullmatch(name):
            return None
        folder = self.voice_sets / name
        return folder if folder.is_dir() and any(folder.glob("*.toml")) else None

    def voice_set_names(self) -> list[str]:
        if self.voice_sets is None:
            return []
        return sorted(
            p.name
            for p in self.voice_sets.iterdir()
            if p.is_dir() and VOICE_SET_NAME.fullmatch(p.name) and any(p.glob("*.toml"))
        )


VOICE_SET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")  # a folder's name, never a path


class Signal:
    """What a background loop waits on: woken when there is work, told to stop."""

    def __init__(self):
        self._cond = threading.Condition()
        self.stopping = False

    def wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self.stopping = True
            self._cond.notify_all()

    def sleep(self, timeout: float) -> None:
        """Until woken, told to stop, or `timeout` seconds have passed."""
        with self._cond:
            if not self.stopping:
                self._cond.wait(timeout)


WARM_TEXT = "Essai\n\n« Tout est prêt », a dit Jeanne Martin."  # a quotation: the cast is loaded too


class Workers:
    def __init__(self, store: Store, folder: Path, settings: Settings):
        self.store, self.folder, self.settings = store, Path(folder), settings
        self.describe = None  # job -> its JSON as GET /v1/episodes/{id} gives it (set by the app)
        self._signal = Signal()
        self.executor = None  # with --executor ray, one set of actors for every job (`start`)
        self.deliveries = Deliveries(store, settings)
        self._threads = [
            threading.Thread(target=self._loop, name=f"briefing-worker-{i}", daemon=True)
            for i in range(settings.workers)
        ]

    def warm(self) -> None:
        """Load, before the first request, what every render needs: spaCy's French pipeline, the
        voices and their engines (a Coqui model, its compiled graphs), the audio chain. A short
        text is streamed to nowhere. Without it the first requests wait on those loads and, while
        they hold the interpreter, so does every call the server answers meanwhile (50 POSTs at
        once on a cold server: 1.6 s each at the median)."""
        started = time.perf_counter()
        self.open_executor()
        try:
            # the segment cache off: served from it, the warm-up would load no model at all
            uncached = dataclasses.replace(self.settings, speak=dataclasses.replace(self.settings.speak, cache=False))
            with open(os.devnull, "wb") as sink:
                stream({"text": WARM_TEXT}, uncached, sink.fileno(), self.executor)
        except Exception as exc:  # noqa: BLE001 - a failed warm-up is not fatal: the first job says why
            log.warning("warm-up failed (%s: %s); the first request will load what it needs", type(exc).__name__, exc)
            return
        log.info("warm: ready in %.1f s", time.perf_counter() - started)

    def open_executor(self) -> None:
        speak = self.settings.speak
        if speak.executor == "ray" and self.executor is None:
            from briefing.synthesis.executors import make_executor

            # made once: a job each starting (and stopping) a Ray instance would cost seconds and
            # leave no actor warm; the jobs of all the workers and the streams share these actors
            self.executor = make_executor("ray", speak.jobs, speak.device, speak.ray_address, speak.ray_cpus)

    def start(self) -> None:
        self.open_executor()
        self.deliveries.start()
        requeued = self.store.requeue_running()
        if requeued:
            log.info("%d job(s) left running by a stopped server: queued again", requeued)
        for thread in self._threads:
            thread.start()

    def wake(self) -> None:
        """A job was queued."""
        self._signal.wake()

    def stop(self, timeout: float = 5.0) -> None:
        self._signal.stop()
        for thread in self._threads:
            thread.join(timeout)
        self.deliveries.stop(timeout)
        if self.executor is not None:
            self.executor.close()
            self.executor = None

    def _loop(self) -> None:
        while not self._signal.stopping:
            job = self.store.claim()
            if job is None:
                self._signal.sleep(1.0)
                continue
            self.run(job)

    def run(self, job: Job) -> None:
        announce = self._announce
        try:
            files = render(
                job, self.folder, self.settings, lambda done: self.store.progress(job.id, done), self.executor
            )
        except Exception as exc:  # noqa: BLE001 - a job's failure must not stop the worker
            if self._signal.stopping:  # cut by the server's stop (its Ray actors closed): not the job's fault
                self.store.requeue(job.id)
                log.info("job %s stopped with the server: queued again", job.id)
                return
            if isinstance(exc, BriefingError):
                self.store.fail(job.id, str(exc), announce)
            else:
                log.exception("job %s failed", job.id)
                self.store.fail(job.id, f"internal error: {type(exc).__name__}", announce)
        else:
            self.store.finish(job.id, files, announce)
        if job.request.get("callback_url"):
            self.deliveries.wake()

    def _announce(self, job: Job) -> bytes:
        """The webhook's body: the job's JSON as GET /v1/episodes/{id} gives it."""
        payload = self.describe(job) if self.describe is not None else {"id": job.id, "status": job.status}
        return json.dumps(payload, ensure_ascii=False).encode("utf-8")


class Deliveries:
    """The webhooks: rows of the database (queued with the job's end, in the same transaction),
    POSTed by one thread, retried after WEBHOOK_DELAYS, and taken up again by a restarted
    server where it left them: a webhook is lost neither by a failing receiver nor by a restart."""

    def __init__(self, store: Store, settings: Settings):
        self.store, self.settings = store, settings
        self._signal = Signal()
        self._thread = threading.Thread(target=self._loop, name="briefing-webhooks", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """A webhook was queued."""
        self._signal.wake()

    def stop(self, timeout: float = 5.0) -> None:
        self._signal.stop()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._signal.stopping:
            for delivery in self.store.due_deliveries(time.time()):
                try:
                    self.attempt(delivery)
                except Exception as exc:  # noqa: BLE001 - one webhook must not stop the others
                    log.exception("webhook for job %s", delivery.job_id)
                    self.store.retry_delivery(
                        delivery.id, delivery.attempts + 1, time.time() + WEBHOOK_DELAYS[-1], type(exc).__name__
                    )
                if self._signal.stopping:
                    return
            due = self.store.next_delivery_at()
            # woken when a job queues one; else until the next retry is due
            self._signal.sleep(60.0 if due is None else min(60.0, max(0.0, due - time.time())))

    def attempt(self, delivery) -> None:
        attempts = delivery.attempts + 1
        ok, error, final = send(delivery.url, delivery.body, self.store.signing_key(delivery.key_id), self.settings)
        if ok:
            self.store.delivered(delivery.id, attempts)
            return
        delays = WEBHOOK_DELAYS
        if final or attempts > len(delays):
            log.warning("webhook %s: not delivered after %d attempt(s): %s", delivery.url, attempts, error)
            self.store.retry_delivery(delivery.id, attempts, None, error)
        else:
            log.info("webhook %s, attempt %d: %s", delivery.url, attempts, error)
            self.store.retry_delivery(delivery.id, attempts, time.time() + delays[attempts - 1], error)


def _options(request: dict, settings: Settings) -> Options:
    voices = None
    if request.get("voices"):
        voices = settings.voice_set(request["voices"])
        if voices is None:  # checked when it was posted; gone since (renamed, or another --voice-sets)
            raise UsageError(f"the voice set {request['voices']!r} is no longer on this server")
    speak = settings.speak.updated(
        {
            "title": request.get("title"),
            "epub": bool(request.get("epub", False)),
            **({"voices": voices} if voices is not None else {}),
        }
    )
    return Options.from_speak(speak)


def _sources(request: dict, folder: Path) -> list[str]:
    """What make_episode reads for `request`: its text or script in a file of `folder`, or its URL."""
    if "text" in request:
        source = folder / "article.txt"
        source.write_text(request["text"], encoding="utf-8")
        return [str(source)]
    if "script" in request:
        source = folder / "script.json"
        source.write_text(json.dumps(request["script"], ensure_ascii=False), encoding="utf-8")
        return [str(source)]
    return [request["url"]]


def render(job: Job, folder: Path, settings: Settings, progress, executor=None) -> dict[str, str]:
    """Render `job` into `folder`; the names of its files by kind ("mp3", "vtt", ...). `executor`:
    shared by the jobs (Ray actors), else one made for this job as `speak` does."""
    request = job.request
    out = folder / f"{job.id}.mp3"
    # named as make_episode's work folders: one a killed server leaves is removed by the next render
    with tempfile.TemporaryDirectory(prefix=f".briefing-work-{os.getpid()}-job-", dir=folder) as tmp:
        with network_policy(NetworkPolicy(allow_private=settings.allow_private_urls)):
            result = make_episode(
                _sources(request, Path(tmp)),
                out,
                _options(request, settings),
                progress=lambda stats: progress(stats.done / stats.total),
                executor=executor,
            )
    paths = episode_paths(result.path)
    names = {"html": "page"}  # the API's names of the files, where they differ from the kinds'
    return {names.get(kind.key, kind.key): paths[kind].name for kind in paths if paths[kind] in result.files}


def stream(request: dict, settings: Settings, fd: int, executor=None) -> None:
    """Render `request` as a stream: the MP3 written to the file descriptor `fd` as it is made
    (the same chain and loudness as a file), nothing kept on disk."""
    with tempfile.TemporaryDirectory(prefix="briefing-listen-") as tmp:
        with network_policy(NetworkPolicy(allow_private=settings.allow_private_urls)):
            make_episode(
                _sources(request, Path(tmp)), Path("-"), _options(request, settings), stream_fd=fd, executor=executor
            )


WEBHOOK_DELAYS = (1.0, 4.0, 16.0, 60.0, 240.0)  # seconds before each retry: five, over about 5 minutes
SIGNATURE_HEADER = "X-Briefing-Signature"


def signature(body: bytes, key: bytes) -> str:
    """The webhook's signature header value: HMAC-SHA256 of the body under the key's digest."""
    return "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()


def send(url: str, body: bytes, key: bytes, settings: Settings) -> tuple[bool, str, bool]:
    """One signed POST of a webhook under the network policy: (delivered, why not, whether to give
    up now: a refused address is not retried)."""
    headers = {"Content-Type": "application/json", SIGNATURE_HEADER: signature(body, key)}
    try:
        status = post(url, body, headers, NetworkPolicy(allow_private=settings.allow_private_urls))
    except RefusedAddress as exc:
        return False, str(exc), True
    except BriefingError as exc:
        return False, str(exc), False
    if 200 <= status < 300:
        return True, "", False
    return False, f"HTTP {status}", False
