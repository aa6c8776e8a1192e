"""`briefing serve DIR --api`: the folder's files as `serve` gives them, and a versioned JSON API
that a CMS calls when an article is published (Starlette on uvicorn).

    POST /v1/episodes        {"text": ...} | {"url": ...} | {"script": {...}}, optional "title",
                             "epub", "voices", "callback_url"; 202 {"id", "status", "status_url"}. An Idempotency-Key
                             header makes a retried POST give the same job (200).
    GET  /v1/episodes/{id}   {"id", "status": queued|running|done|failed, "progress": 0..1,
                             "files": {"mp3": URL, "vtt": ...}, "error"}
    POST /v1/listen          the same body: audio/mpeg while it is synthesised, nothing kept
    GET  /v1/voices          {"voices": [...]}: the voice sets a body's "voices" may name (the
                             folders of `serve --voice-sets`); without it, the server's voices
    GET  /v1/openapi.json    the OpenAPI description
    GET  /v1/embed.js        <briefing-player src=".../v1/episodes/ID">, the player for article
                             pages (templates/embed.js): it plays the episode's public files

Every /v1 call but the description and the player's script needs `Authorization: Bearer KEY` (401 without or with an
unknown key, 403 with a revoked one, 429 over its rate); a key sees its own jobs only (404 for
another's). Browsers may call it from the origins `--cors-origin` names, none by default. A body
over MAX_BODY is refused with 413, malformed JSON and unknown fields with 400; errors are JSON
`{"error": "..."}`, never a 500 for bad input.
"""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import math
import os
import threading
import time
from importlib import resources
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from briefing.api.jobs import Settings, Workers, stream
from briefing.api.store import DATABASE, Key, Store
from briefing.errors import BriefingError, UsageError
from briefing.inputs.fetch import is_url
from briefing.limits import MAX_ARTICLE_BYTES
from briefing.publish.serve import content_type, episode_index, servable

log = logging.getLogger("briefing")

MAX_BODY = MAX_ARTICLE_BYTES + 64 * 1024  # an article at its limit, and the JSON around it
MAX_ACTIVE_JOBS = 16  # queued or running jobs of one key at once
MAX_LISTENING = 4  # streams (/v1/listen) made at once, beside the workers' jobs
_CHUNK = 64 * 1024
_FIELDS = {"text", "url", "script", "title", "epub", "callback_url", "voices"}


class RateLimit:
    """A token bucket per key: `per_minute` calls a minute, as a burst or spread out."""

    def __init__(self, per_minute: int):
        self.capacity, self.rate = float(per_minute), per_minute / 60.0
        self._buckets: dict[int, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, key_id: int) -> float:
        """0 when the call may go on, else the seconds until it may."""
        with self._lock:
            now = time.monotonic()
            tokens, last = self._buckets.get(key_id, (self.capacity, now))
            tokens = min(self.capacity, tokens + (now - last) * self.rate)
            if tokens >= 1.0:
                self._buckets[key_id] = (tokens - 1.0, now)
                return 0.0
            self._buckets[key_id] = (tokens, now)
            return (1.0 - tokens) / self.rate


def error(status: int, message: str, **headers: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=headers or None)


class Api:
    def __init__(self, folder: Path, settings: Settings | None = None):
        self.folder = Path(folder).resolve()
        self.store = Store(self.folder)
        self.settings = settings = settings or Settings()
        self.workers = Workers(self.store, self.folder, settings)
        self._listening = threading.BoundedSemaphore(MAX_LISTENING)
        self.rate = RateLimit(settings.rate_per_minute)
        self.base_url = ""  # as the first request saw it: the webhooks' file URLs start with it
        self.workers.describe = self.describe
        self._lock_file = None

    def claim_folder(self) -> None:
        """Be the only server of this folder while it runs: two would take each other's running
        jobs back at start (`requeue_running`) and render them twice. An advisory lock on a file
        beside the database, let go when the process ends, however it ends (kill -9 included)."""
        if self._lock_file is not None:
            return
        import fcntl

        handle = open(self.folder / (DATABASE + ".lock"), "a+")  # noqa: SIM115 - held while serving
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise UsageError(
                f"{self.folder} is served already (by {holder}): one `briefing serve --api` per folder"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"process {os.getpid()}\n")
        handle.flush()
        self._lock_file = handle

    def release_folder(self) -> None:
        if self._lock_file is not None:
            self._lock_file.close()  # closing lets go of the lock
            self._lock_file = None

    def app(self) -> Starlette:
        routes = [
            Route("/v1/openapi.json", self.openapi, methods=["GET"]),
            Route("/v1/episodes", self.create, methods=["POST"]),
            Route("/v1/episodes/{job_id}", self.status, methods=["GET"]),
            Route("/v1/listen", self.listen, methods=["POST"]),
            Route("/v1/voices", self.voices, methods=["GET"]),
            Route("/v1/embed.js", self.embed, methods=["GET", "HEAD"]),
            Route("/", self.index, methods=["GET", "HEAD"]),
            Route("/{name}", self.file, methods=["GET", "HEAD"]),
        ]

        @contextlib.asynccontextmanager
        async def lifespan(app):
            self.claim_folder()
            try:
                await run_in_threadpool(self.workers.warm)
                self.workers.start()
                try:
                    yield
                finally:
                    self.workers.stop()
            finally:
                self.release_folder()

        middleware = []
        if self.settings.cors_origins:  # only the sites named: a browser on any other page is refused
            middleware.append(
                Middleware(
                    CORSMiddleware,
                    allow_origins=list(self.settings.cors_origins),
                    allow_methods=["GET", "POST"],
                    allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
                    expose_headers=["Retry-After"],
                    max_age=600,
                )
            )
        return Starlette(routes=routes, lifespan=lifespan, middleware=middleware)

    # -- keys --

    def key(self, request: Request) -> Key | JSONResponse:
        header = request.headers.get("authorization", "")
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            return error(401, "an API key is needed: Authorization: Bearer KEY", **{"WWW-Authenticate": "Bearer"})
        key = self.store.key_for(secret.strip())
        if key is None:
            return error(401, "unknown API key", **{"WWW-Authenticate": "Bearer"})
        if key.revoked is not None:
            return error(403, "this API key was revoked")
        wait = self.rate.take(key.id)
        if wait > 0:
            limit = self.settings.rate_per_minute
            return error(429, f"over {limit} calls a minute for this key", **{"Retry-After": str(math.ceil(wait))})
        return key

    # -- routes --

    async def create(self, request: Request) -> Response:
        key = self.key(request)
        if isinstance(key, Response):
            return key
        body = await _body(request)
        if isinstance(body, Response):
            return body
        problem = _check(body, self.settings)
        if problem:
            return error(400, problem)
        if self.store.active(key) >= MAX_ACTIVE_JOBS:
            return error(
                429, f"{MAX_ACTIVE_JOBS} jobs of this key are queued or running; retry later", **{"Retry-After": "30"}
            )
        idempotency = request.headers.get("idempotency-key")
        if idempotency is not None and not 1 <= len(idempotency) <= 200:
            return error(400, "Idempotency-Key: 1 to 200 characters")
        self.base_url = str(request.base_url)
        job, created = self.store.submit(key, body, idempotency)
        if created:
            self.workers.wake()
        payload = {"id": job.id, "status": job.status, "status_url": str(request.url_for("status", job_id=job.id))}
        return JSONResponse(payload, status_code=202 if created else 200)

    async def listen(self, request: Request) -> Response:
        """The episode of the body as audio/mpeg while it is synthesised, segment by segment."""
        key = self.key(request)
        if isinstance(key, Response):
            return key
        body = await _body(request)
        if isinstance(body, Response):
            return body
        problem = _check(body, self.settings) or ("a stream has no callback_url" if "callback_url" in body else None)
        if problem:
            return error(400, problem)
        if not self._listening.acquire(blocking=False):
            return error(429, f"{MAX_LISTENING} streams are being made; retry later", **{"Retry-After": "10"})
        readable, writable = os.pipe()
        failure: list[str] = []

        def work() -> None:
            try:
                stream(body, self.settings, writable, self.workers.executor)
            except BriefingError as exc:
                failure.append(str(exc))
            except Exception as exc:  # noqa: BLE001 - a stream's failure must not reach the server
                log.exception("a stream failed")
                failure.append(f"internal error: {type(exc).__name__}")
            finally:
                os.close(writable)
                self._listening.release()

        threading.Thread(target=work, name="briefing-listen", daemon=True).start()
        first = await run_in_threadpool(os.read, readable, _CHUNK)
        if not first:  # it failed before its first byte: an answer, not an empty stream
            os.close(readable)
            return error(422, failure[0] if failure else "nothing was made")

        async def chunks():
            try:
                yield first
                while data := await run_in_threadpool(os.read, readable, _CHUNK):
                    yield data
            finally:
                os.close(readable)  # a listener gone: the encoder's next write fails, the render stops

        return StreamingResponse(chunks(), media_type="audio/mpeg", headers={"Cache-Control": "no-store"})

    async def status(self, request: Request) -> Response:
        key = self.key(request)
        if isinstance(key, Response):
            return key
        job = self.store.job(request.path_params["job_id"])
        if job is None or job.key_id != key.id:
            return error(404, "no such episode")
        self.base_url = str(request.base_url)
        return JSONResponse(self.describe(job))

    def describe(self, job) -> dict:
        """A job as GET /v1/episodes/{id} and its webhook give it."""
        files = {kind: self.base_url + name for kind, name in (job.files or {}).items()}
        return {
            "id": job.id,
            "status": job.status,
            "progress": round(job.progress, 3),
            "files": files,
            "error": job.error,
        }

    async def voices(self, request: Request) -> Response:
        """The voice sets a request may name: the folders of `serve --voice-sets`."""
        key = self.key(request)
        if isinstance(key, Response):
            return key
        return JSONResponse({"voices": self.settings.voice_set_names()})

    async def embed(self, request: Request) -> Response:
        """The <briefing-player> web component for article pages (no key: it reads public files)."""
        return Response(
            _embed_script(),
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"},
        )

    async def openapi(self, request: Request) -> Response:
        return JSONResponse(OPENAPI)

    async def index(self, request: Request) -> Response:
        return Response(episode_index(self.folder), media_type="text/html; charset=utf-8")

    async def file(self, request: Request) -> Response:
        name = request.path_params["name"]
        path = servable(self.folder, name)
        if path is None:
            # said to any site too: the player tells "not made yet" (404) from "out of reach"
            return Response("not found\n", status_code=404, media_type="text/plain; charset=utf-8", headers=_PUBLIC)
        return FileResponse(path, media_type=content_type(name), headers=_PUBLIC)


# The folder's files are public: any site's page may fetch them (the player reads the transcript
# and the chapters); the API's own calls stay limited to --cors-origin.
_PUBLIC = {"Access-Control-Allow-Origin": "*"}


@functools.cache
def _embed_script() -> bytes:
    return (resources.files("briefing.publish") / "templates" / "embed.js").read_bytes()


async def _body(request: Request) -> dict | Response:
    if "application/json" not in request.headers.get("content-type", ""):
        return error(415, "send JSON: Content-Type: application/json")
    declared = request.headers.get("content-length")
    if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY):
        return error(413, f"the body is over {MAX_BODY} bytes")
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY:
            return error(413, f"the body is over {MAX_BODY} bytes")
    try:
        body = json.loads(bytes(raw).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        return error(400, "the body is not JSON")
    if not isinstance(body, dict):
        return error(400, "the body must be a JSON object")
    return body


def _check(body: dict, settings: Settings) -> str | None:
    unknown = sorted(set(body) - _FIELDS)
    if unknown:
        return f"unknown field(s) {', '.join(map(repr, unknown))}; fields: {', '.join(sorted(_FIELDS))}"
    given = [f for f in ("text", "url", "script") if f in body]
    if len(given) != 1:
        return "give exactly one of text, url, script"
    if "text" in body and (not isinstance(body["text"], str) or not body["text"].strip()):
        return "text must be a non-empty string"
    if "url" in body and (not isinstance(body["url"], str) or not is_url(body["url"])):
        return "url must be an http(s) URL"
    if "script" in body and not isinstance(body["script"], dict):
        return "script must be a JSON object (as `briefing script --json` prints it)"
    if "title" in body and body["title"] is not None and not isinstance(body["title"], str):
        return "title must be a string"
    if "epub" in body and not isinstance(body["epub"], bool):
        return "epub must be true or false"
    if "callback_url" in body and (not isinstance(body["callback_url"], str) or not is_url(body["callback_url"])):
        return "callback_url must be an http(s) URL"
    if "voices" in body:
        if not isinstance(body["voices"], str):
            return "voices must be the name of one of the server's voice sets (GET /v1/voices)"
        if settings.voice_set(body["voices"]) is None:
            offered = settings.voice_set_names()
            return f"no voice set {body['voices']!r} on this server; " + (
                f"it offers: {', '.join(offered)}" if offered else "it offers none (serve --voice-sets)"
            )
    return None


OPENAPI = {
    "openapi": "3.1.0",
    "info": {"title": "briefing", "version": "1"},
    "components": {
        "securitySchemes": {"key": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Request": {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "text": {"type": "string"},
                    "url": {"type": "string", "format": "uri"},
                    "script": {"type": "object"},
                    "title": {"type": "string"},
                    "epub": {"type": "boolean"},
                    "callback_url": {"type": "string", "format": "uri"},
                    "voices": {"type": "string", "description": "a voice set of the server (GET /v1/voices)"},
                },
                "oneOf": [{"required": ["text"]}, {"required": ["url"]}, {"required": ["script"]}],
            },
            "Job": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "status": {"enum": ["queued", "running", "done", "failed"]},
                    "progress": {"type": "number", "minimum": 0, "maximum": 1},
                    "files": {"type": "object", "additionalProperties": {"type": "string", "format": "uri"}},
                    "error": {"type": ["string", "null"]},
                },
            },
            "Error": {"type": "object", "properties": {"error": {"type": "string"}}},
        },
    },
    "security": [{"key": []}],
    "paths": {
        "/v1/episodes": {
            "post": {
                "summary": "Queue an episode",
                "parameters": [{"name": "Idempotency-Key", "in": "header", "schema": {"type": "string"}}],
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Request"}}}},
                "responses": {
                    "202": {"description": "queued"},
                    "200": {"description": "the job this Idempotency-Key made before"},
                    "400": {"description": "bad request"},
                    "401": {"description": "no or unknown key"},
                    "403": {"description": "revoked key"},
                    "413": {"description": "body too large"},
                    "429": {"description": "too many active jobs for this key"},
                },
            }
        },
        "/v1/listen": {
            "post": {
                "summary": "The episode as audio/mpeg while it is synthesised",
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Request"}}}},
                "responses": {
                    "200": {"content": {"audio/mpeg": {}}},
                    "400": {"description": "bad request"},
                    "422": {"description": "failed before its first byte"},
                    "429": {"description": "too many streams at once"},
                },
            }
        },
        "/v1/voices": {
            "get": {
                "summary": "The voice sets a request may name",
                "responses": {
                    "200": {
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "properties": {"voices": {"type": "array", "items": {"type": "string"}}},
                                }
                            }
                        }
                    }
                },
            }
        },
        "/v1/episodes/{id}": {
            "get": {
                "summary": "An episode's job",
                "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}}},
                    "404": {"description": "no such episode for this key"},
                },
            }
        },
    },
}
