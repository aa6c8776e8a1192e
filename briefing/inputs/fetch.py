"""Fetching http(s) URLs, with the limits a tool fed by strangers' URLs needs.

Only http and https; connect and read timeouts, and one overall deadline for the whole download
(redirects included) that a server trickling bytes cannot stretch; at most MAX_REDIRECTS
redirects, followed here; at most MAX_BYTES read, and MAX_PAGE_BYTES for an HTML page (the body
is streamed and cut off, never loaded whole first). Every failure is an InputError with one line
that names the URL and what went wrong.

Network policy (docs/french.md, "Network policy"): before every connection, the first and each
redirect's, the host name is resolved here and every address it resolves to is checked; a
loopback, private, link-local, multicast, reserved or otherwise non-public address (an IPv4
address mapped or embedded in IPv6 is checked as IPv4) is refused unless the policy in force
allows private addresses (`--allow-private-urls`, publish's `[sources] allow_private`). The
connection is then made to a checked address, never through a second lookup, with the Host
header and the TLS name (SNI, certificate check) of the URL's own host.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
import time
import zlib
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from urllib.parse import quote, urljoin, urlsplit

from briefing import __version__
from briefing.errors import InputError
from briefing.limits import MAX_DOWNLOAD_BYTES, MAX_PAGE_BYTES, megabytes
from briefing.options import environment

CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 20.0
DEADLINE_S = 60.0  # one download, from the first connection to the last byte, redirects included
MAX_REDIRECTS = 5
MAX_BYTES = MAX_DOWNLOAD_BYTES
HTML_TYPES = ("text/html", "application/xhtml+xml")
USER_AGENT = f"briefing/{__version__} (+podcast briefings from French news)"
ALLOW_HINT = "use --allow-private-urls to allow it"
_REDIRECTS = (301, 302, 303, 307, 308)
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class NetworkPolicy:
    """Where downloads may connect, and for how long one may last."""

    allow_private: bool = False  # loopback, private, link-local... addresses (refused by default)
    deadline_s: float = DEADLINE_S


_DEFAULT_POLICY = NetworkPolicy()
_policy: ContextVar[NetworkPolicy | None] = ContextVar("briefing_network_policy", default=None)


def current_policy() -> NetworkPolicy:
    """The policy `fetch` applies when it is given none: the default (private addresses refused)
    unless a command set another with `network_policy`."""
    return _policy.get() or _DEFAULT_POLICY


@contextlib.contextmanager
def network_policy(policy: NetworkPolicy) -> Iterator[NetworkPolicy]:
    """Apply `policy` to every download in this block (in this thread and context): the command
    line sets it once for a command, so that every fetch below it, feed items' pages included,
    follows the same rule."""
    token = _policy.set(policy)
    try:
        yield policy
    finally:
        _policy.reset(token)


class RefusedAddress(InputError):
    """The URL, or one it redirects to, leads to an address the network policy refuses."""


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    body: bytes
    content_type: str


def is_url(spec: str) -> bool:
    return spec.lower().startswith(("http://", "https://"))


def timeouts() -> tuple[float, float]:
    """(connect, read) seconds; BRIEFING_HTTP_TIMEOUT=S sets both (briefing.options.Environment)."""
    asked = environment().http_timeout
    return (asked, asked) if asked is not None else (CONNECT_TIMEOUT_S, READ_TIMEOUT_S)


# --- the address check -------------------------------------------------------------------------

_SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT: not public, not "private"
_THIS_NETWORK = ipaddress.ip_network("0.0.0.0/8")  # 0.0.0.0 reaches this machine on Linux
_NAT64 = ipaddress.ip_network("64:ff9b::/96")  # an IPv4 address in its last 32 bits


def refusal(address: str) -> str | None:
    """Why a download may not connect to `address` (an IP address, as getaddrinfo gives it):
    "a loopback address", "a private address"...; None when it is a public address. Pure: no
    lookup, no connection."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone ("fe80::1%eth0") is no part of it
    if ip.version == 6:
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            reason = refusal(str(embedded))
            return f"{reason}, {embedded} in IPv6 form" if reason else None
    if ip.is_unspecified or ip in _THIS_NETWORK:
        return "an unspecified address, this machine"
    for test, kind in (
        (ip.is_loopback, "a loopback address"),
        (ip.is_link_local, "a link-local address"),
        (ip.is_multicast, "a multicast address"),
        (ip in _SHARED, "a shared (carrier-grade NAT) address"),
        (ip.is_reserved, "a reserved address"),
        (ip.is_private, "a private address"),
        (not ip.is_global, "a special-purpose address, not public"),
    ):
        if test:
            return kind
    return None


def resolve(url: str, host: str, port: int, policy: NetworkPolicy, via: str = "") -> list[tuple]:
    """The addresses to connect to for `host`, every one checked against `policy`: getaddrinfo's
    (family, type, proto, sockaddr) tuples. A refused one refuses the host, whatever the others
    (a name that resolves both ways must not depend on which address is tried first)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise InputError(f"{url}: cannot connect ({_short(exc)})") from None
    if not policy.allow_private:
        for *_, sockaddr in infos:
            reason = refusal(sockaddr[0])
            if reason is not None:
                name = f"{sockaddr[0]} is" if _is_ip(host) else f"{host} is {sockaddr[0]},"
                raise RefusedAddress(f"{url}: refused: {via}{name} {reason} ({ALLOW_HINT})")
    return [(family, kind, proto, sockaddr) for family, kind, proto, _, sockaddr in infos]


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


# --- the download ---------------------------------------------------------------------------------


class _Deadline:
    """The overall deadline of one download. When it passes, the sockets it watches are shut
    down, which ends a connect, a TLS handshake or a read in progress: a server that trickles a
    byte now and then resets the read timeout at every byte, never this. It shuts a duplicate
    of each socket, so a socket closed and its number reused meanwhile is never touched."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        self.expired = False
        self._lock = threading.Lock()
        self._watched: list[socket.socket] = []
        self._timer = threading.Timer(max(0.0, seconds), self._expire)
        self._timer.daemon = True
        self._timer.start()

    @property
    def over(self) -> bool:
        return self.expired or time.monotonic() >= self.end

    def remaining(self) -> float:
        return max(0.0, self.end - time.monotonic())

    def watch(self, sock: socket.socket) -> socket.socket:
        copy = sock.dup()
        with self._lock:
            self._watched.append(copy)
            if self.expired:
                _shut(copy)
        return copy

    def forget(self, copy: socket.socket) -> None:
        with self._lock:
            if copy in self._watched:
                self._watched.remove(copy)
        copy.close()

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for copy in self._watched:
                _shut(copy)

    def close(self) -> None:
        self._timer.cancel()
        with self._lock:
            watched, self._watched = self._watched, []
        for copy in watched:
            copy.close()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


class _Connection(http.client.HTTPConnection):
    """HTTP to `host`, connected to one of `addresses` (resolved and checked beforehand)."""

    def __init__(self, host: str, port: int, addresses: list[tuple], timeouts: tuple[float, float], deadline):
        super().__init__(host, port, timeout=timeouts[1])
        self.addresses, self.timeouts, self.deadline = addresses, timeouts, deadline
        self.watched: list[socket.socket] = []

    def connect(self) -> None:
        self.sock = self._tcp()

    def _tcp(self) -> socket.socket:
        error: OSError | None = None
        for family, kind, proto, sockaddr in self.addresses:
            sock = socket.socket(family, kind, proto)
            watched = self.deadline.watch(sock)
            try:
                sock.settimeout(max(0.01, min(self.timeouts[0], self.deadline.remaining())))
                sock.connect(sockaddr)
            except OSError as exc:
                self.deadline.forget(watched)
                sock.close()
                if isinstance(exc, TimeoutError):
                    raise _ConnectTimeout() from None
                error = exc
                continue
            self.watched.append(watched)
            sock.settimeout(self.timeouts[1])
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock
        raise error or OSError("no address to connect to")


class _TLSConnection(_Connection):
    """HTTPS: the same, the TLS name (SNI, certificate check) being the URL's host."""

    default_port = http.client.HTTPS_PORT
    _context: ssl.SSLContext | None = None

    def connect(self) -> None:
        if _TLSConnection._context is None:
            _TLSConnection._context = ssl.create_default_context()
        sock = self._tcp()
        try:
            sock = _TLSConnection._context.wrap_socket(sock, server_hostname=self.host, do_handshake_on_connect=False)
            sock.do_handshake()
        except BaseException:
            sock.close()
            raise
        self.sock = sock


class _ConnectTimeout(Exception):
    pass


def fetch(
    url: str,
    max_bytes: int = MAX_BYTES,
    timeout: tuple[float, float] | None = None,
    policy: NetworkPolicy | None = None,
) -> Fetched:
    """GET `url` and return its body, or raise InputError. `policy` (default: the one in force,
    `current_policy()`) says which addresses may be reached and the overall deadline."""
    policy = policy or current_policy()
    timeout = timeout or timeouts()
    deadline = _Deadline(policy.deadline_s)
    try:
        current, via = url, ""
        for _ in range(MAX_REDIRECTS + 1):
            got = _get(url, current, via, max_bytes, timeout, policy, deadline)
            if isinstance(got, Fetched):
                return got
            current = got
            via = f"it redirects to {current}, and "
        raise InputError(f"{url}: more than {MAX_REDIRECTS} redirects")
    finally:
        deadline.close()


def _get(
    url: str,
    current: str,
    via: str,
    max_bytes: int,
    timeout: tuple[float, float],
    policy: NetworkPolicy,
    deadline: _Deadline,
) -> Fetched | str:
    """One request: the Fetched answer, or the URL it redirects to."""
    parts = urlsplit(current)
    endpoint = _endpoint(parts)
    if endpoint is None:
        if via:
            raise InputError(f"{url}: it redirects to {current}; only http:// and https:// URLs can be read")
        raise InputError(f"{url}: only http:// and https:// URLs can be read")
    kind, host, port = endpoint
    addresses = resolve(url, host, port, policy, via)
    conn = kind(host, port, addresses, timeout, deadline)
    response = None

    def late() -> InputError:
        return InputError(f"{url}: not downloaded within {deadline.seconds:g} s (the deadline for one download)")

    try:
        try:
            conn.putrequest("GET", _target(parts), skip_accept_encoding=True)
            for key, value in (
                ("User-Agent", USER_AGENT),
                ("Accept-Language", "fr,en;q=0.5"),
                ("Accept-Encoding", "gzip"),
                ("Connection", "close"),
            ):
                conn.putheader(key, value)
            conn.endheaders()
            response = conn.getresponse()
        except _ConnectTimeout:
            if deadline.over:
                raise late() from None
            raise InputError(f"{url}: no answer within {timeout[0]:.0f} s (connect timeout)") from None
        except TimeoutError:
            raise (late() if deadline.over else _read_timeout(url, timeout)) from None
        except ssl.SSLCertVerificationError as exc:
            raise InputError(
                f"{url}: cannot connect (its TLS certificate is not valid: {exc.verify_message})"
            ) from None
        except (OSError, http.client.HTTPException) as exc:
            if deadline.over:
                raise late() from None
            raise InputError(f"{url}: cannot connect ({_short(exc)})") from None

        if response.status in _REDIRECTS and response.getheader("Location"):
            return urljoin(current, response.getheader("Location").strip())
        if response.status >= 400:
            raise InputError(f"{url}: the server answered {response.status} {response.reason or ''}".rstrip())
        content_type = response.getheader("Content-Type", "")
        length = response.getheader("Content-Length", "")
        if length.isdigit() and int(length) > max_bytes:
            raise InputError("{}: {} MB is over the {} MB limit".format(url, *megabytes(int(length), max_bytes)))
        too_big = InputError(f"{url}: the page is over the {max_bytes / 2**20:.0f} MB limit")
        limit = max_bytes
        if content_type.split(";")[0].strip().lower() in HTML_TYPES and MAX_PAGE_BYTES < max_bytes:
            limit = MAX_PAGE_BYTES  # docs/cli.md "Limits": the article's limit, with room for the markup
            if length.isdigit() and int(length) > limit:
                raise InputError(
                    "{}: {} MB of HTML is over the {} MB limit for one page".format(url, *megabytes(int(length), limit))
                )
            too_big = InputError(f"{url}: the HTML page is over the {limit / 2**20:.0f} MB limit for one page")
        try:
            body = _read_body(response, limit, too_big)
        except TimeoutError:
            raise (late() if deadline.over else _read_timeout(url, timeout)) from None
        except (OSError, http.client.HTTPException, zlib.error) as exc:
            if deadline.over:
                raise late() from None
            raise InputError(f"{url}: the download broke off ({_short(exc)})") from None
        if deadline.over:  # a body cut by the deadline can look whole (no length, connection closed)
            raise late()
        return Fetched(current, body, content_type)
    finally:
        for copy in conn.watched:
            deadline.forget(copy)
        if response is not None:
            response.close()
        conn.close()


def _read_body(response: http.client.HTTPResponse, limit: int, too_big: InputError) -> bytes:
    """The body, decompressed when the server sent it gzipped, cut off past `limit` bytes
    (counted after decompression: a small compressed answer cannot expand past it)."""
    encoding = (response.getheader("Content-Encoding") or "").strip().lower()
    decoder = zlib.decompressobj(47) if encoding in ("gzip", "x-gzip", "deflate") else None  # 47: gzip or zlib
    if encoding not in ("", "identity") and decoder is None:
        raise http.client.HTTPException(f"unsupported Content-Encoding {encoding!r}")
    chunks, size = [], 0
    while True:
        raw = response.read1(_CHUNK)
        if not raw:
            break
        while raw:
            if decoder is None:
                chunk, raw = raw, b""
            else:
                chunk = decoder.decompress(raw, limit + 1 - size)
                raw = decoder.unconsumed_tail
            size += len(chunk)
            if size > limit:
                raise too_big
            chunks.append(chunk)
    if decoder is not None:
        chunks.append(decoder.flush())
        if size + len(chunks[-1]) > limit:
            raise too_big
    return b"".join(chunks)


def _endpoint(parts) -> tuple[type[_Connection], str, int] | None:
    """(connection class, host, port) of an http(s) URL's parts; None for any other URL."""
    scheme = parts.scheme.lower()
    try:
        host, port = parts.hostname, parts.port
    except ValueError:  # a port that is not a number
        return None
    if scheme not in ("http", "https") or not host:
        return None
    return (_TLSConnection if scheme == "https" else _Connection), host, port or (443 if scheme == "https" else 80)


def _target(parts) -> str:
    """The request target of a URL: its path and query, percent-encoded where they are not ASCII."""
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=~")
    return path + ("?" + quote(parts.query, safe="/%:@!$&'()*+,;=?~") if parts.query else "")


def _read_timeout(url: str, timeout: tuple[float, float]) -> InputError:
    return InputError(f"{url}: the server stopped answering ({timeout[1]:.0f} s read timeout)")


def _short(exc: object) -> str:
    text = str(exc)
    if isinstance(exc, socket.gaierror) or "Name or service not known" in text:
        return "the host name does not resolve; is the network up?"
    if isinstance(exc, ConnectionRefusedError) or "Connection refused" in text:
        return "connection refused"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "the server closed the connection without answering"
    return (text.split(": ", 1)[-1] or type(exc).__name__)[:160]


def post(url: str, body: bytes, headers: dict[str, str], policy: NetworkPolicy | None = None) -> int:
    """POST `body` to `url` under the same rules as `fetch` (its addresses checked against the
    policy, its timeouts and deadline; no redirect followed) and return the status code, or
    raise InputError. For the API's webhooks: what the answer says is not read."""
    policy = policy or current_policy()
    timeout, deadline = timeouts(), _Deadline(policy.deadline_s)
    parts = urlsplit(url)
    endpoint = _endpoint(parts)
    if endpoint is None:
        raise InputError(f"{url}: only http:// and https:// URLs can be called")
    kind, host, port = endpoint
    try:
        addresses = resolve(url, host, port, policy)
        conn = kind(host, port, addresses, timeout, deadline)
        try:
            conn.request("POST", _target(parts), body=body, headers={"User-Agent": USER_AGENT, **headers})
            response = conn.getresponse()
            response.read(64 * 1024)
            return response.status
        except _ConnectTimeout:
            raise InputError(f"{url}: no connection within {timeout[0]:.0f} s") from None
        except (OSError, http.client.HTTPException) as exc:
            raise InputError(f"{url}: {_short(exc)}") from None
        finally:
            conn.close()
    finally:
        deadline.close()
