"""`briefing serve DIR`: the episodes of one folder over HTTP, for listening in a browser.

The standard library's ThreadingHTTPServer (a thread per connection: a browser keeps a media
request open while it loads the page's other files). What it serves:

- `/`: an index of the episodes, newest first, with their durations (read from the MP3s the way
  the feed reads them);
- the files an episode is made of, found directly in DIR: MP3 (with HTTP range requests, which
  browsers need to seek), page, transcripts, chapters, and feed.xml, each with its content type
  (the kinds `files` registers).

Nothing else: no sub-folders, no hidden or temporary files (`.name.part.mp3` while `speak`
writes), no other kinds of file, nothing a symbolic link leads to outside DIR, no directory
listing; only GET and HEAD. It binds to 127.0.0.1 unless told otherwise.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import re
import socket
import sys
import threading
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from briefing.errors import InputError, UsageError
from briefing.publish.feed import read_episode
from briefing.publish.files import AUDIO, FEED, PAGE, episode_paths, kind_of
from briefing.publish.page import INDEX_CSP, FeedLink, IndexEntry, index_html

log = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
CHUNK = 64 * 1024  # bytes per write while streaming a file

# The pages carry their own, stricter policy (hashes of their one style and one script).
HTML_CSP = (
    "default-src 'none'; media-src 'self'; img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


@dataclass(frozen=True)
class ServeOptions:
    folder: Path
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT  # 0: any free port


def content_type(name: str) -> str | None:
    """The Content-Type a file is served with, or None when it is not served: the kinds that
    `files` registers, nothing else."""
    kind = kind_of(name)
    return kind.content_type if kind is not None else None


def resolve(root: Path, url_path: str) -> Path | None:
    """The file in `root` (already resolved) that a URL path names, or None when it names
    nothing that may be served: percent-decoded first, so `%2e%2e%2f` is `../`."""
    return servable(root, unquote(url_path, errors="strict").removeprefix("/"))


def servable(root: Path, name: str) -> Path | None:
    """`root / name` resolved when it is an episode file directly in `root` (links followed,
    and refused when they lead out of it), else None."""
    if not name or "/" in name or "\\" in name or "\0" in name or name.startswith(".") or content_type(name) is None:
        return None
    path = root / name
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):  # missing, a link loop
        return None
    if real.parent != root or not real.is_file():  # a link that leads out of the folder, or to a folder
        return None
    return real


def parse_range(header: str, size: int) -> tuple[int, int] | None | str:
    """(first, last) byte positions for a Range header, None to ignore it (send the whole file),
    or "unsatisfiable". One range only: a multi-range request gets the whole file (RFC 9110
    lets a server ignore Range)."""
    header = header.strip()
    if not header.lower().startswith("bytes=") or "," in header:
        return None
    match = _RANGE.fullmatch("bytes=" + header[6:].strip())
    if match is None or match.group(1) == match.group(2) == "":
        return "unsatisfiable"
    first, last = match.group(1), match.group(2)
    if first == "":  # the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            return "unsatisfiable"
        return max(0, size - length), size - 1
    start = int(first)
    end = size - 1 if last == "" else min(int(last), size - 1)
    if start >= size or (last != "" and int(last) < start):
        return "unsatisfiable"
    return start, end


def episode_index(root: Path) -> bytes:
    """The index page for `root`: every readable MP3, newest first."""
    entries = []
    for mp3 in sorted(root.glob("*" + AUDIO.suffix)):
        if servable(root, mp3.name) is None:
            continue
        try:
            episode = read_episode(mp3)
        except InputError as exc:  # a broken file must not hide the others
            log.warning("index: %s", exc)
            continue
        page = episode_paths(mp3)[PAGE]
        href = page.name if servable(root, page.name) else mp3.name
        entries.append(IndexEntry(episode.title, href, mp3.name, episode.published, episode.duration_s))
    entries.sort(key=lambda e: (e.published, e.audio), reverse=True)
    feed = FeedLink(FEED.suffix, FEED.media_type) if servable(root, FEED.suffix) else None
    return index_html(entries, title=f"Épisodes – {root.name}" if root.name else "Épisodes", feed=feed).encode("utf-8")


class Handler(BaseHTTPRequestHandler):
    """GET and HEAD for the files of one folder (`root`, set by `make_server`)."""

    root: Path
    protocol_version = "HTTP/1.1"  # keep-alive: a player makes many range requests
    timeout = 120  # seconds an idle kept-alive connection holds its thread

    def version_string(self) -> str:
        return "briefing"

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self._answer(body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(body=False)

    def _not_allowed(self) -> None:
        self.close_connection = True  # its body (if any) is not read, so the connection cannot be reused
        self._simple(
            HTTPStatus.METHOD_NOT_ALLOWED, "Méthode non permise : seulement GET et HEAD.", {"Allow": "GET, HEAD"}
        )

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _not_allowed  # noqa: N815

    def _answer(self, body: bool) -> None:
        path = urlsplit(self.path).path
        if path in ("/", "/index.html"):
            data = episode_index(self.root)
            headers = {"Content-Security-Policy": INDEX_CSP}
            return self._bytes(HTTPStatus.OK, PAGE.content_type, data, body, headers)
        try:
            target = resolve(self.root, path)
        except UnicodeDecodeError:
            target = None
        if target is None:
            return self._simple(HTTPStatus.NOT_FOUND, "Introuvable.", body=body)
        self._file(target, body)

    def _file(self, target: Path, body: bool) -> None:
        kind = kind_of(target.name)
        try:
            handle = open(target, "rb")  # noqa: SIM115 - closed below, after streaming
        except OSError:
            return self._simple(HTTPStatus.NOT_FOUND, "Introuvable.", body=body)
        with handle:
            stat = os.fstat(handle.fileno())
            size = stat.st_size
            headers = {
                "Accept-Ranges": "bytes",
                "Last-Modified": formatdate(stat.st_mtime, usegmt=True),
                "Cache-Control": "no-cache",  # an episode can be rendered again under the same name
            }
            if kind is PAGE:
                headers["Content-Security-Policy"] = HTML_CSP
            wanted = parse_range(self.headers.get("Range", ""), size) if self.headers.get("Range") else None
            if wanted == "unsatisfiable":
                return self._simple(
                    HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
                    "Plage demandée hors du fichier.",
                    {"Content-Range": f"bytes */{size}"},
                    body,
                )
            if wanted is None:
                status, first, last = HTTPStatus.OK, 0, size - 1
            else:
                status, (first, last) = HTTPStatus.PARTIAL_CONTENT, wanted
                headers["Content-Range"] = f"bytes {first}-{last}/{size}"
            length = max(0, last - first + 1)
            self.send_response(status)
            self._headers(kind.content_type, length, headers)
            if not body or length == 0:
                return
            handle.seek(first)
            left = length
            try:
                while left > 0:
                    chunk = handle.read(min(CHUNK, left))
                    if not chunk:  # the file shrank under us: stop, the client sees a short body
                        self.close_connection = True
                        break
                    self.wfile.write(chunk)
                    left -= len(chunk)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the browser dropped a media request: usual

    def _headers(self, kind: str, length: int, extra: dict[str, str]) -> None:
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(length))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        for key, value in extra.items():
            self.send_header(key, value)
        self.end_headers()

    def _bytes(
        self, status: HTTPStatus, kind: str, data: bytes, body: bool, extra: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self._headers(kind, len(data), {"Cache-Control": "no-cache", **(extra or {})})
        if body:
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    def _simple(self, status: HTTPStatus, text: str, extra: dict[str, str] | None = None, body: bool = True) -> None:
        self._bytes(status, "text/plain; charset=utf-8", (text + "\n").encode("utf-8"), body, extra)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - http.server's signature
        log.debug("%s %s", self.address_string(), format % args)


class Server(ThreadingHTTPServer):
    daemon_threads = True  # a client left hanging must not hold up Ctrl-C

    def handle_error(self, request, client_address) -> None:
        """A browser that drops a connection is routine (it does so with media requests all the
        time): one debug line, not socketserver's traceback on stderr."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            log.debug("%s: connection dropped (%s)", client_address[0], type(exc).__name__)
        else:
            log.error(
                "%s: request failed: %s: %s",
                client_address[0],
                type(exc).__name__,
                exc,
                exc_info=log.isEnabledFor(logging.DEBUG),
            )

    @property
    def is_loopback(self) -> bool:
        return ipaddress.ip_address(self.server_address[0]).is_loopback

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}/"


def make_server(options: ServeOptions) -> Server:
    """A bound server for `options.folder` (not yet serving: call serve_forever)."""
    folder = Path(options.folder)
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder")
    handler = type("FolderHandler", (Handler,), {"root": folder.resolve()})
    server_class = Server
    if ":" in options.host:
        server_class = type("Server6", (Server,), {"address_family": socket.AF_INET6})
    try:
        return server_class((options.host, options.port), handler)
    except OSError as exc:
        if exc.errno in (98, 48, 10048):  # EADDRINUSE on Linux, macOS, Windows
            raise UsageError(
                f"port {options.port} is already in use on {options.host}; choose another with --port"
            ) from None
        raise UsageError(f"cannot listen on {options.host}:{options.port}: {exc.strerror or exc}") from None


def serve_in_thread(options: ServeOptions) -> tuple[Server, threading.Thread]:
    """Start a server in a daemon thread (for tests and embedding); stop it with server.shutdown()."""
    server = make_server(options)
    thread = threading.Thread(target=server.serve_forever, name="briefing-serve", daemon=True)
    thread.start()
    return server, thread
