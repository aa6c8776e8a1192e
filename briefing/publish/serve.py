"""`briefing serve DIR`: the episodes of one folder over HTTP, for listening in a browser.

What it serves:

- `/`: an index of the episodes, newest first, with their durations (read from the MP3s the way
  the feed reads them);
- the files an episode is made of, found directly in DIR: MP3 (with HTTP range requests, which
  browsers need to seek), page, transcripts, chapters, and feed.xml, each with its content type
  (the kinds `files` registers).

Nothing else: no sub-folders, no hidden or temporary files (`.name.part.mp3` while `speak`
writes), no other kinds of file, nothing a symbolic link leads to outside DIR, no directory
listing; only GET and HEAD. It binds to 127.0.0.1 unless told otherwise.

How it holds up under load (the standard library's ThreadingHTTPServer listened with a backlog of
5 and spent a thread per connection, held for as long as the connection stayed open):

- a listen backlog of `BACKLOG` (the kernel caps it at net.core.somaxconn);
- one thread (the one that calls `serve_forever`) accepts connections and watches them with a
  selector until a whole request head (up to the blank line, at most `MAX_HEAD` bytes) has
  arrived: an idle or kept-alive connection, or one that sends its head a byte at a time, costs a
  socket and a buffer, never a thread;
- a fixed pool of `WORKERS` threads answers complete requests (http.server's handler, one request
  per turn), then hands kept-alive connections back to the selector;
- deadlines: `IDLE_TIMEOUT` for a connection with nothing pending, `HEAD_TIMEOUT` from the first
  byte of a request to its blank line (then 408), `SEND_TIMEOUT` for a write that makes no
  progress (a player that stopped reading); at most `max_connections` sockets open at once (the
  one idle longest is closed to make room; with none idle, new ones wait in the backlog);
- a request always gets an answer before its connection is closed: 400 for a malformed one (a
  malformed or oversized Range header included), 408, 431, 500 when the handler fails.
"""

from __future__ import annotations

import collections
import io
import ipaddress
import logging
import os
import queue
import re
import selectors
import socket
import sys
import threading
import time
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, HTTPServer
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
# A range-spec: first-last, first- or -suffix, ASCII digits only, 18 at most (below 2**63; more
# is "huge": 400, where int() of a 4,400-digit number used to raise and drop the connection).
_RANGE_SPEC = re.compile(r"([0-9]{0,18})-([0-9]{0,18})")
MAX_RANGE_HEADER = 256  # characters: longer is 400
UNSATISFIABLE = "unsatisfiable"  # a valid range outside the file: 416, with Content-Range: bytes */size
MALFORMED = "malformed"  # not a byte range: 400

BACKLOG = 1024  # listen backlog (the kernel caps it at net.core.somaxconn)
WORKERS = 32  # threads that answer requests
MAX_HEAD = 64 * 1024  # bytes of a request line and headers: more is 431
HEAD_TIMEOUT = 10.0  # seconds from the first byte of a request to its blank line: then 408
IDLE_TIMEOUT = 60.0  # seconds a connection with no request pending stays open
SEND_TIMEOUT = 60.0  # seconds a write may make no progress (a paused player stops reading)
SWEEP = 0.25  # seconds between deadline checks


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
    """(first, last) byte positions for a Range header; None to ignore it and send the whole file
    (another unit than bytes, or several ranges: RFC 9110 lets a server ignore Range);
    UNSATISFIABLE (416) for a range outside the file or one that ends before it starts; MALFORMED
    (400) for anything that is not a byte range, a position of more than 18 digits, or a header of
    more than MAX_RANGE_HEADER characters."""
    header = header.strip()
    if len(header) > MAX_RANGE_HEADER:
        return MALFORMED
    unit, equals, spec = header.partition("=")
    if not equals or not unit.strip():
        return MALFORMED
    if unit.strip().lower() != "bytes":
        return None
    ranges = []
    for part in spec.split(","):
        part = part.strip()
        if not part:  # empty list elements are allowed (RFC 9110, 5.6.1)
            continue
        match = _RANGE_SPEC.fullmatch(part)
        if match is None or match.group(1) == match.group(2) == "":
            return MALFORMED
        ranges.append((match.group(1), match.group(2)))
    if not ranges:
        return MALFORMED
    if len(ranges) > 1:
        return None
    first, last = ranges[0]
    if first == "":  # the last N bytes
        length = int(last)
        if length == 0 or size == 0:
            return UNSATISFIABLE
        return max(0, size - length), size - 1
    start = int(first)
    if start >= size or (last != "" and int(last) < start):
        return UNSATISFIABLE
    end = size - 1 if last == "" else min(int(last), size - 1)
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


class _Connection:
    """An accepted socket, what it has sent that no worker has handled yet, and its deadline."""

    __slots__ = ("sock", "address", "buffer", "head", "deadline", "scanned", "error")

    def __init__(self, sock: socket.socket, address, deadline: float) -> None:
        self.sock = sock
        self.address = address
        self.buffer = bytearray()
        self.head = b""  # the request line and headers a worker is to answer
        self.deadline = deadline
        self.scanned = 0  # how much of buffer holds no blank line
        self.error: HTTPStatus | None = None  # answer this instead of a request

    def take_head(self) -> bool:
        """Move a complete request head (through its blank line) from buffer to head; False while
        the blank line has not come."""
        while self.buffer[:2] == b"\r\n" or self.buffer[:1] == b"\n":  # empty lines before a request
            del self.buffer[: 2 if self.buffer[:1] == b"\r" else 1]
            self.scanned = 0
        start = max(0, self.scanned - 3)
        ends = [i + len(mark) for mark in (b"\r\n\r\n", b"\n\n") if (i := self.buffer.find(mark, start)) >= 0]
        if not ends:
            self.scanned = len(self.buffer)
            return False
        end = min(ends)
        self.head = bytes(self.buffer[:end])
        del self.buffer[:end]
        self.scanned = 0
        return True

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass


class _SocketWriter(io.BufferedIOBase):
    """A file object that writes straight to a socket (sendall), as socketserver's own does."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        self._sock.sendall(b)
        with memoryview(b) as view:
            return view.nbytes

    def fileno(self) -> int:
        return self._sock.fileno()


class Handler(BaseHTTPRequestHandler):
    """GET and HEAD for the files of one folder (`root`, set by `make_server`). The server hands it
    one complete request head at a time (a `_Connection`); it answers on the socket and leaves
    `close_connection` saying whether the connection may carry another request."""

    root: Path
    protocol_version = "HTTP/1.1"  # keep-alive: a player makes many range requests

    def setup(self) -> None:
        conn: _Connection = self.request
        self.connection = conn.sock
        self.rfile = io.BytesIO(conn.head)
        self.wfile = _SocketWriter(conn.sock)
        self._sent = False  # whether anything of a response has gone out

    def handle(self) -> None:
        self.close_connection = True
        self.raw_requestline = b""
        conn: _Connection = self.request
        if conn.error is not None:
            self.requestline, self.request_version, self.command = "", "HTTP/1.1", None
            self.send_error(conn.error)
            return
        try:
            self.handle_one_request()
        except (ConnectionError, TimeoutError):
            raise
        except Exception as exc:  # noqa: BLE001 - whatever it was, the client gets a 500, not a dropped connection
            if self._sent:
                raise
            log.error("%s: request failed: %s: %s", self.address_string(), type(exc).__name__, exc)
            self._headers_buffer = []
            self.close_connection = True
            self._simple(HTTPStatus.INTERNAL_SERVER_ERROR, "Erreur interne.", body=self.command != "HEAD")
            return
        if not self._sent:  # http.server gave up without a word (a request line of blanks)
            self.close_connection = True
            self.requestline, self.request_version, self.command = "", "HTTP/1.1", None
            self.send_error(HTTPStatus.BAD_REQUEST)

    def end_headers(self) -> None:
        self._sent = True
        super().end_headers()

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
        if self.headers.get("Content-Length", "0").strip() not in ("", "0") or "Transfer-Encoding" in self.headers:
            self.close_connection = True  # a body nobody reads: the connection cannot carry another request
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
            ranges = self.headers.get_all("Range") or []
            if len(ranges) > 1:
                wanted = MALFORMED
            else:
                wanted = parse_range(ranges[0], size) if ranges and ranges[0].strip() else None
            if wanted == MALFORMED:
                return self._simple(HTTPStatus.BAD_REQUEST, "En-tête Range invalide.", body=body)
            if wanted == UNSATISFIABLE:
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


_WAKE = "wake"  # selector tags: the socket workers use to wake the selector, and the listening one
_LISTENER = "listener"


def _max_connections() -> int:
    """How many sockets the server keeps open at once: three quarters of the file descriptors the
    process may open (less the workers' open files), between 64 and 4096."""
    try:
        import resource

        soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
        if soft == resource.RLIM_INFINITY:
            soft = 65536
    except (ImportError, OSError, ValueError):
        return 512
    return max(64, min(4096, soft * 3 // 4 - WORKERS))


class Server(HTTPServer):
    """http.server's HTTPServer with its own loop (see the module's docstring): `serve_forever`
    runs the selector and starts the workers, `shutdown` stops them from another thread."""

    request_queue_size = BACKLOG
    workers = WORKERS
    head_timeout = HEAD_TIMEOUT
    idle_timeout = IDLE_TIMEOUT
    send_timeout = SEND_TIMEOUT

    def __init__(self, server_address, handler_class, bind_and_activate: bool = True) -> None:
        super().__init__(server_address, handler_class, bind_and_activate)
        self.max_connections = _max_connections()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._lock = threading.Lock()
        self._returned: collections.deque[tuple[_Connection, bool]] = collections.deque()  # from the workers
        self._jobs: queue.SimpleQueue[_Connection | None] = queue.SimpleQueue()  # complete requests
        self._threads: list[threading.Thread] = []
        self._waiting = 0  # workers waiting for a job
        self._idle: dict[_Connection, None] = {}  # watched by the selector, the one idle longest first
        self._open = 0  # connections open: watched, queued or with a worker
        self._running = False
        self._stop_request = False
        self._stopped = threading.Event()
        self._selector: selectors.BaseSelector | None = None
        self._listening = False
        self._resume_accept = 0.0

    # --- the selector's thread ---------------------------------------------------------------

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        with self._lock:
            if self._running:
                raise RuntimeError("already serving")
            self._running = True
        self._stopped.clear()
        self._selector = selectors.DefaultSelector()
        self._selector.register(self._wake_r, selectors.EVENT_READ, _WAKE)
        self.socket.setblocking(False)
        self._listen(True)
        next_sweep = time.monotonic() + SWEEP
        try:
            while not self._stop_request:
                wait = max(0.0, min(next_sweep - time.monotonic(), poll_interval))
                for key, _ in self._selector.select(wait):
                    if key.data is _WAKE:
                        self._take_back()
                    elif key.data is _LISTENER:
                        self._accept()
                    elif key.data in self._idle:  # not closed by an earlier event of this round
                        self._receive(key.data)
                now = time.monotonic()
                if now >= next_sweep:
                    self._sweep(now)
                    next_sweep = now + SWEEP
                if not self._listening and self._open < self.max_connections and now >= self._resume_accept:
                    self._listen(True)
        finally:
            self._stop()

    def _listen(self, on: bool) -> None:
        if on and not self._listening:
            self._selector.register(self.socket, selectors.EVENT_READ, _LISTENER)
        elif not on and self._listening:
            self._selector.unregister(self.socket)
        self._listening = on

    def _accept(self) -> None:
        for _ in range(128):  # then let the connections already open have their turn
            if self._open >= self.max_connections and not self._evict():
                self._listen(False)  # the next ones wait in the backlog
                return
            try:
                sock, address = self.socket.accept()
            except (BlockingIOError, InterruptedError):
                return
            except ConnectionAbortedError:
                continue
            except OSError as exc:  # out of file descriptors, most likely: wait a little
                log.warning("serve: cannot accept a connection: %s", exc)
                self._listen(False)
                self._resume_accept = time.monotonic() + 0.5
                return
            try:
                sock.setblocking(False)
                if sock.family in (socket.AF_INET, socket.AF_INET6):
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            except OSError:
                sock.close()
                continue
            self._open += 1
            self._watch(_Connection(sock, address, time.monotonic() + self.idle_timeout))

    def _watch(self, conn: _Connection) -> None:
        try:
            self._selector.register(conn.sock, selectors.EVENT_READ, conn)
        except (OSError, ValueError, KeyError):
            self._open -= 1
            conn.close()
            return
        self._idle[conn] = None

    def _unwatch(self, conn: _Connection) -> None:
        if self._idle.pop(conn, 0) is None:
            try:
                self._selector.unregister(conn.sock)
            except (KeyError, ValueError):
                pass

    def _close(self, conn: _Connection, status: HTTPStatus | None = None) -> None:
        """Close a watched connection; with `status`, when it had begun a request, answer that
        first (best effort: a few bytes on a socket that cannot block)."""
        self._unwatch(conn)
        if status is not None and conn.buffer:
            text = f"{status.phrase}.\n".encode()
            try:
                conn.sock.send(
                    f"HTTP/1.1 {status.value} {status.phrase}\r\nServer: briefing\r\n"
                    f"Content-Type: text/plain; charset=utf-8\r\nContent-Length: {len(text)}\r\n"
                    "Connection: close\r\n\r\n".encode()
                    + text
                )
            except OSError:
                pass
        conn.close()
        self._open -= 1

    def _evict(self) -> bool:
        """Make room for a new connection by closing the one idle longest; False when none is idle."""
        if not self._idle:
            return False
        self._close(next(iter(self._idle)), HTTPStatus.SERVICE_UNAVAILABLE)
        return True

    def _receive(self, conn: _Connection) -> None:
        try:
            data = conn.sock.recv(64 * 1024)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            return self._close(conn)
        if not data:  # the client closed it
            return self._close(conn)
        if not conn.buffer:  # a request begins: its head has HEAD_TIMEOUT to arrive
            conn.deadline = time.monotonic() + self.head_timeout
        conn.buffer += data
        self._advance(conn)

    def _advance(self, conn: _Connection) -> None:
        """Hand the connection to a worker once it holds a whole request head (or too much)."""
        if conn.take_head():
            if len(conn.head) > MAX_HEAD:
                conn.error = HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
        elif len(conn.buffer) > MAX_HEAD:
            conn.error = HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
        else:
            return
        self._unwatch(conn)
        self._jobs.put(conn)
        with self._lock:
            grow = self._waiting == 0 and len(self._threads) < self.workers
        if grow:
            thread = threading.Thread(target=self._work, name=f"briefing-serve-{len(self._threads) + 1}", daemon=True)
            self._threads.append(thread)
            thread.start()

    def _take_back(self) -> None:
        """Connections the workers are done with: kept-alive ones are watched again."""
        try:
            while self._wake_r.recv(4096):
                pass
        except (BlockingIOError, InterruptedError):
            pass
        while self._returned:
            conn, keep = self._returned.popleft()
            if not keep:  # the worker closed it
                self._open -= 1
                continue
            try:
                conn.sock.setblocking(False)
            except OSError:
                conn.close()
                self._open -= 1
                continue
            conn.head = b""
            conn.deadline = time.monotonic() + (self.head_timeout if conn.buffer else self.idle_timeout)
            self._watch(conn)
            if conn.buffer and conn in self._idle:  # a request sent before the answer to the last one
                self._advance(conn)

    def _sweep(self, now: float) -> None:
        for conn in [conn for conn in self._idle if now >= conn.deadline]:
            self._close(conn, HTTPStatus.REQUEST_TIMEOUT)  # an answer only if a request had begun

    def _stop(self) -> None:
        with self._lock:
            self._running = False
        while self._returned:
            conn, keep = self._returned.popleft()
            if keep:
                conn.close()
        for conn in list(self._idle):
            self._close(conn)
        while True:
            try:
                conn = self._jobs.get_nowait()
            except queue.Empty:
                break
            if conn is not None:
                conn.close()
        for _ in self._threads:
            self._jobs.put(None)
        self._threads = []
        self._open = 0
        self._listening = False
        self._selector.close()
        self._stop_request = False
        self._stopped.set()

    # --- the workers ---------------------------------------------------------------------------

    def _work(self) -> None:
        while True:
            with self._lock:
                self._waiting += 1
            conn = self._jobs.get()
            with self._lock:
                self._waiting -= 1
            if conn is None:
                return
            keep = False
            try:
                conn.sock.settimeout(self.send_timeout)
                handler = self.RequestHandlerClass(conn, conn.address, self)
                keep = not handler.close_connection and conn.error is None
            except Exception:  # noqa: BLE001 - a worker must outlive any request
                self.handle_error(conn.sock, conn.address)
            if not keep:
                try:
                    conn.sock.shutdown(socket.SHUT_WR)
                except OSError:
                    pass
                conn.close()
            with self._lock:
                if self._running:
                    self._returned.append((conn, keep))
                    self._wake()
                    continue
            if keep:
                conn.close()

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"\0")
        except OSError:  # full (the selector will wake anyway) or closed
            pass

    # --- from other threads --------------------------------------------------------------------

    def shutdown(self) -> None:
        """Stop serve_forever (called from another thread) and wait until it has returned."""
        self._stop_request = True
        self._wake()
        self._stopped.wait()

    def server_close(self) -> None:
        super().server_close()
        for sock in (getattr(self, "_wake_r", None), getattr(self, "_wake_w", None)):  # absent if bind failed
            if sock is not None:
                sock.close()

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
