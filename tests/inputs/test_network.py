"""The network policy (README: "Pages and feeds"): every address a download would connect to,
redirects included, is checked first, and loopback, private, link-local, multicast, reserved
and IPv4-mapped private addresses are refused unless --allow-private-urls (or publish's
`[sources] allow_private = true`) says so; one deadline per download; the HTML page limit
applied as it downloads. Only loopback is ever contacted: public addresses are checked, never
connected to."""

from __future__ import annotations

import socket
import threading
import time

import pytest
from helpers import ARTICLE, assert_one_line_error
from typer.testing import CliRunner

from briefing.cli import app
from briefing.errors import InputError
from briefing.inputs import fetch as fetch_module
from briefing.inputs.fetch import NetworkPolicy, fetch, network_policy, refusal, resolve
from briefing.inputs.sources import load_sources
from briefing.limits import MAX_PAGE_BYTES

ALLOWED = NetworkPolicy(allow_private=True)
# The default: what a command given no --allow-private-urls does. A plain CliRunner, not the
# `runner` fixture (which gives the commands that fetch --allow-private-urls).
plain = CliRunner()


def html_page(text: str = ARTICLE) -> str:
    title, *paragraphs = [p for p in text.split("\n\n") if p.strip()]
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{body}</article></body></html>"


# --- the address check, on addresses alone (no lookup, no connection) ---------------------------


@pytest.mark.parametrize(
    "address, kind",
    [
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("169.254.169.254", "link-local"),  # the cloud metadata service
        ("fe80::1", "link-local"),
        ("10.0.0.1", "private"),
        ("172.16.5.4", "private"),
        ("192.168.1.1", "private"),
        ("fd12:3456::1", "private"),
        ("::ffff:10.0.0.1", "private"),  # IPv4-mapped: checked as the IPv4 address
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:169.254.169.254", "link-local"),
        ("2002:a00:1::", "private"),  # 6to4 of 10.0.0.1
        ("64:ff9b::a00:1", "private"),  # NAT64 of 10.0.0.1
        ("100.64.0.1", "shared"),  # carrier-grade NAT
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("255.255.255.255", "reserved"),
        ("0.0.0.0", "unspecified"),
        ("0.1.2.3", "unspecified"),
        ("::", "unspecified"),
        ("192.0.2.1", "private"),  # documentation
        ("198.18.0.1", "private"),  # benchmarking
    ],
)
def test_non_public_addresses_are_refused(address, kind):
    reason = refusal(address)
    assert reason is not None and kind in reason


@pytest.mark.parametrize(
    "address", ["8.8.8.8", "1.1.1.1", "93.184.215.14", "2001:4860:4860::8888", "2606:4700:4700::1111", "::ffff:8.8.8.8"]
)
def test_public_addresses_pass_without_any_connection(address, monkeypatch):
    def no_socket(*args, **kwargs):
        raise AssertionError("the check must not connect")

    monkeypatch.setattr(fetch_module.socket, "socket", no_socket)
    monkeypatch.setattr(fetch_module.socket, "getaddrinfo", lambda host, port, **kw: [_info(address, port)])
    assert refusal(address) is None
    assert [a[3][0] for a in resolve("https://x/", "exemple.fr", 443, NetworkPolicy())] == [address]


def _info(address: str, port: int) -> tuple:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sockaddr = (address, port, 0, 0) if family == socket.AF_INET6 else (address, port)
    return (family, socket.SOCK_STREAM, 6, "", sockaddr)


def test_a_name_with_one_private_address_among_public_ones_is_refused(monkeypatch):
    infos = [_info("8.8.8.8", 80), _info("10.0.0.1", 80)]
    monkeypatch.setattr(fetch_module.socket, "getaddrinfo", lambda host, port, **kw: infos)
    with pytest.raises(InputError, match=r"^http://x/: refused: exemple\.fr is 10\.0\.0\.1, a private address"):
        resolve("http://x/", "exemple.fr", 80, NetworkPolicy())
    assert len(resolve("http://x/", "exemple.fr", 80, ALLOWED)) == 2  # allowed: both, none skipped


# --- the refusal on the command line (option off), and the option on ----------------------------


@pytest.mark.parametrize(
    "host, fragment",
    [
        ("127.0.0.1", "refused: 127.0.0.1 is a loopback address"),
        ("localhost", "refused: localhost is "),  # a name: its resolved address is checked
        ("[::ffff:127.0.0.1]", "refused: ::ffff:127.0.0.1 is a loopback address"),
        ("0.0.0.0", "refused: 0.0.0.0 is an unspecified address"),  # Linux connects it to this machine
    ],
)
def test_a_private_url_is_refused_before_any_connection(web, host, fragment):
    web.route("/page.html", html_page())
    url = web.base.replace("127.0.0.1", host) + "/page.html"
    for command in (["script", url], ["speak", url, "--engine", "espeak", "-o", "x.mp3"]):
        result = plain.invoke(app, command)
        assert_one_line_error(result, 2, fragment)
        assert "(use --allow-private-urls to allow it)" in result.stderr
    assert web.requests == []  # nothing reached the server


def test_allow_private_urls_lets_a_loopback_page_be_read(web):
    url = web.route("/page.html", html_page())
    result = plain.invoke(app, ["script", "--allow-private-urls", url, "--engine", "espeak"])
    assert result.exit_code == 0, result.output
    assert "Le conseil municipal adopte le budget" in result.stdout


@pytest.mark.parametrize("command", ["speak", "script", "batch", "publish"])
def test_every_command_that_fetches_takes_the_option(command):
    result = plain.invoke(app, [command, "--help"])
    assert result.exit_code == 0 and "--allow-private-urls" in result.stdout


def test_in_process_downloads_follow_the_policy_in_force(web):
    url = web.route("/page.html", html_page())
    assert fetch(url).body  # the web fixture allows loopback for in-process calls
    with network_policy(NetworkPolicy()), pytest.raises(InputError, match="refused: 127.0.0.1 is a loopback"):
        load_sources([url])
    with pytest.raises(InputError, match="refused"):
        fetch(url, policy=NetworkPolicy())
    assert web.requests == ["/page.html"]


# --- redirects: each target is checked again -----------------------------------------------------


@pytest.fixture
def loopback_is_public(monkeypatch):
    """127.0.0.1 passes the check as a public address would: the tests' only server stands for a
    public site, whose redirects are then checked like any other address."""
    real = fetch_module.refusal
    monkeypatch.setattr(fetch_module, "refusal", lambda address: None if address == "127.0.0.1" else real(address))


@pytest.mark.parametrize(
    "target, fragment",
    [
        ("http://169.254.169.254/latest/meta-data/", "169.254.169.254 is a link-local address"),
        ("http://10.0.0.1/admin", "10.0.0.1 is a private address"),
        ("http://[::ffff:10.0.0.1]/", "::ffff:10.0.0.1 is a private address"),
        ("http://127.0.0.2:9/secret", "127.0.0.2 is a loopback address"),
    ],
)
def test_a_redirect_to_a_private_address_is_refused(web, loopback_is_public, target, fragment):
    url = web.route("/hop", "", status=302, headers={"Location": target})
    result = plain.invoke(app, ["script", url])
    assert_one_line_error(result, 2, f"{url}: refused: it redirects to {target}, and {fragment}")
    assert web.requests == ["/hop"]


def test_a_redirect_to_an_allowed_address_is_followed(web, loopback_is_public):
    web.route("/page.html", html_page())
    url = web.route("/hop", "", status=302, headers={"Location": "/page.html"})
    result = plain.invoke(app, ["script", url, "--engine", "espeak"])
    assert result.exit_code == 0, result.output
    assert web.requests == ["/hop", "/page.html"]


def test_a_redirect_to_another_scheme_is_refused(web):
    url = web.route("/hop", "", status=302, headers={"Location": "file:///etc/passwd"})
    with pytest.raises(InputError, match=r"redirects to file:///etc/passwd; only http:// and https://"):
        fetch(url)


# --- feeds: an item whose link is refused --------------------------------------------------------

SUMMARY = "Le conseil municipal a adopté lundi soir son budget pour l'année prochaine."


def rss(items: str) -> str:
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Le Courrier</title>{items}</channel></rss>'


def test_a_feed_item_whose_page_is_refused_is_read_from_the_feed_or_skipped(web, tmp_path, caplog):
    """The item's page is never fetched: with a summary (text that came from the allowed feed)
    the item is read from it, with a warning; without one it is skipped, with the refusal."""
    web.route("/a.html", html_page())
    feed = tmp_path / "feed.xml"
    feed.write_text(
        rss(
            f"<item><title>Le budget adopté</title><link>{web.base}/a.html</link>"
            f"<description>{SUMMARY}</description></item>"
            "<item><title>Interne</title><link>http://169.254.169.254/latest/</link></item>"
        ),
        encoding="utf-8",
    )
    result = plain.invoke(app, ["script", str(feed), "--engine", "espeak"])
    assert result.exit_code == 0, result.output
    assert "budget pour l'année prochaine" in result.stdout
    assert f"{web.base}/a.html: refused: 127.0.0.1 is a loopback address" in result.stderr
    assert "the item is read from the feed's own text" in result.stderr
    assert "item skipped: http://169.254.169.254/latest/: refused" in result.stderr
    assert web.requests == []


# --- publish: [sources] allow_private -------------------------------------------------------------


def show_config(tmp_path, feed_url: str, sources: str = "") -> str:
    path = tmp_path / "show.toml"
    path.write_text(
        '[show]\ntitle = "Essai"\nbase_url = "https://exemple.fr/b/"\noutput_dir = "episodes"\n'
        f'{sources}[[source]]\ninput = "{feed_url}"\n[speak]\nengine = "espeak"\n',
        encoding="utf-8",
    )
    return str(path)


def test_publish_refuses_private_sources_unless_its_configuration_allows_them(web, tmp_path):
    page = web.route("/a.html", html_page())
    feed = web.route(
        "/rss.xml", rss(f"<item><title>Le budget</title><link>{page}</link></item>"), "application/rss+xml"
    )
    refused = plain.invoke(app, ["publish", show_config(tmp_path, feed), "--dry-run", "--date", "2026-12-07"])
    assert refused.exit_code == 1
    assert f"{feed}: refused: 127.0.0.1 is a loopback address" in refused.stderr
    assert web.requests == []

    allowed = show_config(tmp_path, feed, "[sources]\nallow_private = true\n")
    result = plain.invoke(app, ["publish", allowed, "--dry-run", "--date", "2026-12-07"])
    assert result.exit_code == 0, result.output
    assert "would read (new): Le budget" in result.stdout + result.stderr
    assert web.requests == ["/rss.xml", "/a.html"]

    flag = plain.invoke(app, ["publish", show_config(tmp_path, feed), "--allow-private-urls", "--dry-run"])
    assert flag.exit_code == 0, flag.output


def test_allow_private_must_be_true_or_false(tmp_path):
    config = show_config(tmp_path, "https://exemple.fr/rss.xml", '[sources]\nallow_private = "yes"\n')
    assert_one_line_error(plain.invoke(app, ["publish", config]), 2, "[sources]: allow_private must be true or false")


# --- the deadline of one download -----------------------------------------------------------------


@pytest.fixture
def trickle():
    """`trickle(pieces, pause)`: the URL of a loopback server that sends each piece after `pause`
    seconds, for one request, until the client leaves or the test ends."""
    stops = []

    def serve(pieces: list[bytes], pause: float) -> str:
        listener = socket.create_server(("127.0.0.1", 0))
        stop = threading.Event()

        def answer():
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            with conn:
                conn.recv(65536)
                for piece in pieces:
                    if stop.wait(pause):
                        return
                    try:
                        conn.sendall(piece)
                    except OSError:
                        return  # the client gave up

        thread = threading.Thread(target=answer, daemon=True)
        thread.start()
        stops.append((stop, listener, thread))
        return f"http://127.0.0.1:{listener.getsockname()[1]}/page.html"

    yield serve
    for stop, listener, thread in stops:
        stop.set()
        listener.close()
        thread.join(5)


HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\n\r\n"


@pytest.mark.parametrize("where", ["body", "headers"])
def test_a_trickling_server_is_cut_at_the_deadline(trickle, where):
    """One byte every 0.2 s never trips the 5 s read timeout; the 1 s deadline cuts it."""
    pieces = [HEAD, *[b"a"] * 1000] if where == "body" else [bytes([b]) for b in HEAD]
    url = trickle(pieces, 0.2)
    started = time.monotonic()
    with pytest.raises(InputError) as caught:
        fetch(url, timeout=(5, 5), policy=NetworkPolicy(allow_private=True, deadline_s=1))
    assert time.monotonic() - started < 3
    assert str(caught.value) == f"{url}: not downloaded within 1 s (the deadline for one download)"


def test_the_deadline_spans_the_redirects(web):
    """Redirects share one deadline: a loop of slow hops does not get a fresh one at each."""
    web.route("/slow", "<p>trop tard</p>", hold=True)
    url = web.route("/hop", "", status=302, headers={"Location": "/slow"})
    started = time.monotonic()
    with pytest.raises(InputError, match="not downloaded within 1 s"):
        fetch(url, timeout=(5, 5), policy=NetworkPolicy(allow_private=True, deadline_s=1))
    assert time.monotonic() - started < 3


def test_a_download_within_the_deadline_is_whole(trickle):
    url = trickle([HEAD[:-4] + b"\r\n\r\n" + b"<p>Bonjour</p>".ljust(1000)], 0.05)
    got = fetch(url, policy=NetworkPolicy(allow_private=True, deadline_s=5))
    assert len(got.body) == 1000 and got.content_type == "text/html"


# --- the HTML page limit, as downloaded ------------------------------------------------------------

BIG_HTML = html_page().replace("</article>", "<p>" + "Le marché rouvre mardi. " * 140_000 + "</p></article>")


def test_an_html_page_over_its_limit_is_refused_as_it_downloads(runner, web):
    assert MAX_PAGE_BYTES < len(BIG_HTML.encode()) < 4 * 2**20  # 3.2 MB: under 20 MB, over the page's 2 MB
    url = web.route("/big.html", BIG_HTML)
    assert_one_line_error(runner.invoke(app, ["script", url]), 2, "MB of HTML is over the 2 MB limit for one page")


def test_an_html_page_without_a_length_is_cut_at_the_limit(trickle):
    head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nConnection: close\r\n\r\n"
    url = trickle([head, *[b"<p>" + b"a" * 65_536 + b"</p>"] * 64], 0)  # 4 MB, no Content-Length
    with pytest.raises(InputError, match=r"the HTML page is over the 2 MB limit for one page$"):
        fetch(url, policy=ALLOWED)


def test_html_mislabelled_or_in_a_file_is_held_to_the_same_limit(runner, web, tmp_path):
    url = web.route("/big.txt", BIG_HTML, "text/plain; charset=utf-8")
    assert_one_line_error(runner.invoke(app, ["script", url]), 2, "MB of HTML is over the 2 MB limit for one page")
    path = tmp_path / "big.html"
    path.write_text(BIG_HTML, encoding="utf-8")
    assert_one_line_error(runner.invoke(app, ["script", str(path)]), 2, "MB of HTML is over the 2 MB limit")


# --- HTTPS: connected to the checked address, with the URL's name for TLS and Host ------------------


@pytest.fixture
def tls_site(tmp_path, monkeypatch):
    """An HTTPS server on 127.0.0.1 with a certificate for briefing.test only, a name that
    resolves (here) to 127.0.0.1; yields (url, the CA file, the Host headers and SNI names seen)."""
    pytest.importorskip("cryptography")
    import datetime as dt
    import http.server
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "briefing.test")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("briefing.test")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    seen = {"host": [], "sni": []}
    body = html_page().encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            seen["host"].append(self.headers["Host"])
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    context.sni_callback = lambda sock, server_name, ctx: seen["sni"].append(server_name)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    real = socket.getaddrinfo
    monkeypatch.setattr(
        fetch_module.socket,
        "getaddrinfo",
        lambda host, *a, **kw: real("127.0.0.1" if host == "briefing.test" else host, *a, **kw),
    )
    yield f"https://briefing.test:{port}/page.html", cert_file, seen
    server.shutdown()
    server.server_close()


def test_https_goes_to_the_checked_address_with_the_urls_name(tls_site, monkeypatch):
    import ssl

    url, ca, seen = tls_site
    with pytest.raises(InputError, match="refused: briefing.test is 127.0.0.1, a loopback address"):
        fetch(url, policy=NetworkPolicy())
    with pytest.raises(InputError, match="cannot connect \\(its TLS certificate is not valid"):
        fetch(url, policy=ALLOWED)  # a certificate no system authority signed
    monkeypatch.setattr(fetch_module._TLSConnection, "_context", ssl.create_default_context(cafile=str(ca)))
    got = fetch(url, policy=ALLOWED)
    assert got.url == url and b"Le conseil municipal" in got.body
    port = url.split(":")[2].split("/")[0]
    assert seen["sni"][-1] == "briefing.test" and seen["host"] == [f"briefing.test:{port}"]
    with pytest.raises(InputError, match="its TLS certificate is not valid"):  # the name is checked, not the address
        fetch(url.replace("briefing.test", "127.0.0.1"), policy=ALLOWED)


def test_a_gzipped_page_is_read_and_a_gzip_bomb_cut_at_the_limit(trickle):
    import gzip

    def answer(body: bytes) -> list[bytes]:
        packed = gzip.compress(body)
        head = f"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Encoding: gzip\r\nContent-Length: {len(packed)}"
        return [head.encode() + b"\r\n\r\n" + packed]

    page = html_page().encode()
    assert fetch(trickle(answer(page), 0), policy=ALLOWED).body == page
    bomb = answer(b"<p>" + b"a" * (50 * 2**20) + b"</p>")  # 50 MB in about 50 KB
    assert len(bomb[0]) < 100_000
    with pytest.raises(InputError, match="the HTML page is over the 2 MB limit for one page"):
        fetch(trickle(bomb, 0), policy=ALLOWED)
