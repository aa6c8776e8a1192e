"""Fetching http(s) URLs, with the limits a tool fed by strangers' URLs needs.

Only http and https; connect and read timeouts; at most MAX_REDIRECTS redirects; at most
MAX_BYTES read (the body is streamed and cut off, never loaded whole first). Every failure is
an InputError with one line that names the URL and what went wrong.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import urllib3

from briefing import __version__
from briefing.errors import InputError
from briefing.limits import MAX_DOWNLOAD_BYTES

CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 20.0
MAX_REDIRECTS = 5
MAX_BYTES = MAX_DOWNLOAD_BYTES
USER_AGENT = f"briefing/{__version__} (+podcast briefings from French news)"

_pool: urllib3.PoolManager | None = None


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    body: bytes
    content_type: str


def is_url(spec: str) -> bool:
    return spec.lower().startswith(("http://", "https://"))


def timeouts() -> tuple[float, float]:
    """(connect, read) seconds; BRIEFING_HTTP_TIMEOUT="S" or "CONNECT,READ" overrides them."""
    value = os.environ.get("BRIEFING_HTTP_TIMEOUT", "").strip()
    try:
        parts = [float(v) for v in value.split(",")] if value else []
    except ValueError:
        parts = []
    if len(parts) == 1:
        return parts[0], parts[0]
    if len(parts) == 2:
        return parts[0], parts[1]
    return CONNECT_TIMEOUT_S, READ_TIMEOUT_S


def fetch(url: str, max_bytes: int = MAX_BYTES, timeout: tuple[float, float] | None = None) -> Fetched:
    """GET `url` and return its body, or raise InputError."""
    global _pool
    timeout = timeout or timeouts()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InputError(f"{url}: only http:// and https:// URLs can be read")
    if _pool is None:
        _pool = urllib3.PoolManager(headers={"User-Agent": USER_AGENT, "Accept-Language": "fr,en;q=0.5"})
    try:
        response = _pool.request(
            "GET",
            url,
            preload_content=False,
            timeout=urllib3.Timeout(connect=timeout[0], read=timeout[1]),
            retries=urllib3.Retry(
                total=MAX_REDIRECTS,
                connect=0,
                read=0,
                status=0,
                other=0,
                redirect=MAX_REDIRECTS,
                raise_on_redirect=True,
            ),
        )
    except urllib3.exceptions.MaxRetryError as exc:
        reason = exc.reason
        if isinstance(reason, urllib3.exceptions.NewConnectionError):  # a subclass of ConnectTimeoutError
            raise InputError(f"{url}: cannot connect ({_short(reason)})") from None
        if isinstance(reason, urllib3.exceptions.ConnectTimeoutError):
            raise InputError(f"{url}: no answer within {timeout[0]:.0f} s (connect timeout)") from None
        if isinstance(reason, urllib3.exceptions.ReadTimeoutError):
            raise InputError(f"{url}: the server stopped answering ({timeout[1]:.0f} s read timeout)") from None
        if isinstance(reason, urllib3.exceptions.ResponseError) or "redirect" in str(reason).lower():
            raise InputError(f"{url}: more than {MAX_REDIRECTS} redirects") from None
        raise InputError(f"{url}: cannot connect ({_short(reason)})") from None
    except urllib3.exceptions.HTTPError as exc:
        raise InputError(f"{url}: {_short(exc)}") from None
    try:
        if response.status >= 400:
            raise InputError(f"{url}: the server answered {response.status} {response.reason or ''}".rstrip())
        length = response.headers.get("Content-Length")
        if length and length.isdigit() and int(length) > max_bytes:
            raise InputError(f"{url}: {int(length) / 2**20:.1f} MB is over the {max_bytes / 2**20:.0f} MB limit")
        chunks, size = [], 0
        try:
            for chunk in response.stream(64 * 1024):
                size += len(chunk)
                if size > max_bytes:
                    raise InputError(f"{url}: the page is over the {max_bytes / 2**20:.0f} MB limit")
                chunks.append(chunk)
        except urllib3.exceptions.ReadTimeoutError:
            raise InputError(f"{url}: the server stopped answering ({timeout[1]:.0f} s read timeout)") from None
        except urllib3.exceptions.HTTPError as exc:
            raise InputError(f"{url}: the download broke off ({_short(exc)})") from None
        final_url = urljoin(url, response.geturl() or url)  # urllib3 may give only the path
        return Fetched(final_url, b"".join(chunks), response.headers.get("Content-Type", ""))
    finally:
        response.release_conn()


def _short(exc: object) -> str:
    text = str(exc)
    if "Name or service not known" in text or "NameResolutionError" in text or "Failed to resolve" in text:
        return "the host name does not resolve; is the network up?"
    if "Connection refused" in text:
        return "connection refused"
    return text.split(": ", 1)[-1][:160]
