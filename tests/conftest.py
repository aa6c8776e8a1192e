import shutil
from pathlib import Path

import pytest
from helpers import ARTICLE, PORT_ARTICLE, allowing_loopback, write_preset
from hypothesis import settings
from typer.testing import CliRunner

# The property tests (test_properties.py) draw the same examples on every run, so that CI passes or
# fails on the code and not on the draw. To search further, as a developer changing a reader should:
#   pytest tests/inputs/test_properties.py --hypothesis-profile=explore
settings.register_profile("default", max_examples=40, derandomize=True, database=None)
settings.register_profile("explore", max_examples=2_000, derandomize=False)
settings.load_profile("default")


class LoopbackRunner(CliRunner):
    """A CliRunner whose commands that fetch URLs are given --allow-private-urls: the tests' web
    server is on 127.0.0.1. A plain CliRunner shows the default, refusal (tests/inputs/test_network.py)."""

    def invoke(self, cli, args=None, *more, **kwargs):
        return super().invoke(cli, allowing_loopback(args), *more, **kwargs)


@pytest.fixture
def runner():
    return LoopbackRunner()


@pytest.fixture
def article(tmp_path) -> Path:
    path = tmp_path / "budget.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


@pytest.fixture(scope="session", autouse=True)
def _private_folders(tmp_path_factory):
    """The user's folders stay out of the tests: the segment cache (XDG_CACHE_HOME) and Coqui's
    model folders (TTS_HOME, and the Hub cache in HF_HOME) are empty temporary folders, so the
    suite runs the same whether or not `make run` has downloaded Coqui models on this machine.
    Tests of those models point them at their own folders (tests/engines/coqui/test_real_models.py,
    the zoo tests of tests/engines/coqui/test_coqui.py). Restored when the session ends."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
        mp.setenv("TTS_HOME", str(tmp_path_factory.mktemp("tts-home")))
        mp.setenv("HF_HOME", str(tmp_path_factory.mktemp("hf-home")))
        for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):  # these win over HF_HOME
            mp.delenv(var, raising=False)
        yield


@pytest.fixture(scope="session", autouse=True)
def _system_tools():
    """The tests use the real engines and encoders; say clearly when one is missing."""
    missing = [tool for tool in ("espeak-ng", "ffmpeg", "ffprobe") if shutil.which(tool) is None]
    if missing:
        pytest.exit(f"missing system tools: {', '.join(missing)}; run `make test` to install them", returncode=2)


# --- tiny Coqui models (models/tiny.py): engines/coqui/test_coqui.py, synthesis/test_ray.py ------


@pytest.fixture(scope="session")
def tiny(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    """A single-speaker and a three-speaker tiny VITS, built once for the whole run (test_coqui, test_ray)."""
    pytest.importorskip("TTS.api", reason="coqui-tts is not installed (make test installs it)")
    from models.tiny import SPEAKERS, build_tiny_vits

    root = tmp_path_factory.mktemp("coqui-models")
    return {
        "single": build_tiny_vits(root / "single"),
        "multi": build_tiny_vits(root / "multi", SPEAKERS),
    }


@pytest.fixture
def coqui_voices(tmp_path, tiny) -> Path:
    """A voices folder: a single-speaker narrator and two quote voices, speakers of the other model."""
    folder = tmp_path / "voices"
    folder.mkdir()
    (single_model, single_config), (multi_model, multi_config) = tiny["single"], tiny["multi"]
    write_preset(folder, "esp-n", role="narrator", engine="espeak", voice="fr+m3")
    write_preset(folder, "esp-q", engine="espeak", voice="fr+f2")
    write_preset(
        folder,
        "narrateur",
        role="narrator",
        engine="coqui",
        model_path=str(single_model),
        config_path=str(single_config),
        fallback="esp-n",
    )
    write_preset(
        folder,
        "q-ana",
        engine="coqui",
        model_path=str(multi_model),
        config_path=str(multi_config),
        speaker="ana",
        fallback="esp-q",
    )
    write_preset(
        folder, "q-bruno", engine="coqui", model_path=str(multi_model), config_path=str(multi_config), speaker="bruno"
    )
    (folder / "casting.toml").write_text('default_quote = "q-ana"\n', encoding="utf-8")
    return folder


# --- a local web server (127.0.0.1 only) for pages and feeds -------------------------------------
import http.server  # noqa: E402
import threading  # noqa: E402

# How long a held answer waits at most (s): the test releases it when it ends, so only a client
# that never gives up sees an answer this late.
HOLD_S = 60


class _Handler(http.server.SimpleHTTPRequestHandler):
    routes: dict = {}
    requests: list = []  # the paths of fixed answers asked for, in order
    answered: list = []  # the paths of fixed answers sent
    release: threading.Event

    def do_GET(self):  # noqa: N802 - http.server's naming
        route = self.routes.get(self.path)
        if route is None:
            return super().do_GET()
        status, content_type, body, headers, hold = route
        self.requests.append(self.path)
        if hold:
            self.release.wait(HOLD_S)  # a server that answers too late: not before the test is over
        self.answered.append(self.path)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up, as it should

    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.fixture
def web(tmp_path):
    """Serve tmp_path/www on 127.0.0.1; `web.route(path, body, type, status)` adds a fixed answer,
    and `hold=True` holds it back until the test is over. `web.requests` and `web.answered` list
    the fixed answers asked for and sent. In-process downloads (load_sources, fetch) may reach
    loopback while it runs; a command sets its own policy (the `runner` fixture allows it)."""
    from briefing.inputs.fetch import NetworkPolicy, network_policy

    root = tmp_path / "www"
    root.mkdir()
    handler = type("Handler", (_Handler,), {"routes": {}, "requests": [], "answered": [], "release": threading.Event()})

    def factory(*args, **kwargs):
        return handler(*args, directory=str(root), **kwargs)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), factory)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    class Web:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        folder = root
        requests = handler.requests
        answered = handler.answered

        @staticmethod
        def route(path, body, content_type="text/html; charset=utf-8", status=200, headers=None, hold=False):
            data = body.encode("utf-8") if isinstance(body, str) else body
            handler.routes[path] = (status, content_type, data, headers or {}, hold)
            return Web.base + path

    with network_policy(NetworkPolicy(allow_private=True)):
        yield Web
    handler.release.set()
    server.shutdown()
    server.server_close()


# --- a folder of episodes as `briefing serve` sees it (publish/, cli/test_limits.py) -------------


@pytest.fixture(scope="session")
def episode_folder(tmp_path_factory):
    """A two-article briefing rendered once with espeak into a folder with its feed; beside it an
    older copy of the MP3 re-tagged (for the index's order) and files that must never be served."""
    from mutagen.id3 import ID3, TDRC, TIT2

    from briefing.cli import app

    work = tmp_path_factory.mktemp("serve")
    (work / "budget.txt").write_text(ARTICLE, encoding="utf-8")
    (work / "port.md").write_text(PORT_ARTICLE, encoding="utf-8")
    folder = work / "episodes"
    out = folder / "briefing-2026-11-24.mp3"
    runner = CliRunner()
    result = runner.invoke(
        app,
        [
            "speak",
            str(work / "budget.txt"),
            str(work / "port.md"),
            "-o",
            str(out),
            "--date",
            "2026-11-24",
            "--engine",
            "espeak",
            "--podcast",
            "Le briefing du port",
            "--epub",
        ],
    )
    assert result.exit_code == 0, result.output
    older = folder / "ancien.mp3"
    shutil.copyfile(out, older)
    tags = ID3(older)
    tags.setall("TIT2", [TIT2(encoding=3, text="Un épisode plus ancien")])
    tags.setall("TDRC", [TDRC(encoding=3, text="2026-11-20")])
    tags.save(older)
    result = runner.invoke(app, ["feed", str(folder), "--base-url", "http://127.0.0.1:8000/"])
    assert result.exit_code == 0, result.output
    # Outside the folder, and things inside it that are not episode files.
    (work / "secret.html").write_text("secret", encoding="utf-8")
    (folder / "notes.txt").write_text("not an episode file", encoding="utf-8")
    (folder / ".brouillon.part.mp3").write_bytes(b"half written")
    (folder / "sub").mkdir()
    (folder / "sub" / "inner.html").write_text("inner", encoding="utf-8")
    (folder / "dossier.html").mkdir()
    (folder / "fuite.html").symlink_to(work / "secret.html")
    (folder / "lien.vtt").symlink_to(folder / "briefing-2026-11-24.vtt")
    return folder


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (tests/browser.py), one per test module."""
    from browser import chromium

    yield from chromium()
