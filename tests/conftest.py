import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
SHARED_SAMPLES = ROOT.parent / "shared" / "samples"

# Written for these tests: a title, a sub-heading, a speech quote with an attribution after it,
# a second speaker, a scare-quoted term and a pronoun attribution.
ARTICLE = """\
Le conseil municipal adopte le budget

Le conseil municipal de Nantes a adopté lundi soir son budget pour l'année prochaine, après quatre heures de débat.

« Nous investissons dans les écoles avant tout le reste, parce que c'est là que tout commence », a déclaré la maire, Sophie Marchand.

Une opposition divisée

L'opposition a dénoncé un budget « cosmétique ». « Les impôts locaux augmentent encore et personne n'ose le dire aux habitants », a répliqué Paul Girard. « Nous voterons contre », a-t-il ajouté.
"""


@pytest.fixture
def runner():
    return CliRunner()


@pytest.fixture
def article(tmp_path) -> Path:
    path = tmp_path / "budget.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


@pytest.fixture(scope="session", autouse=True)
def _private_cache(tmp_path_factory):
    """The segment cache of the tests lives in a temporary folder, never the user's."""
    import os

    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))


@pytest.fixture(scope="session", autouse=True)
def _system_tools():
    """The tests use the real engines and encoders; say clearly when one is missing."""
    missing = [tool for tool in ("espeak-ng", "ffmpeg", "ffprobe") if shutil.which(tool) is None]
    if missing:
        pytest.exit(f"missing system tools: {', '.join(missing)}; run `make test` to install them", returncode=2)


# --- a local web server (127.0.0.1 only) for pages and feeds -------------------------------------
import http.server  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402


class _Handler(http.server.SimpleHTTPRequestHandler):
    routes: dict = {}

    def do_GET(self):  # noqa: N802 - http.server's naming
        route = self.routes.get(self.path)
        if route is None:
            return super().do_GET()
        status, content_type, body, headers, delay = route
        if delay:
            time.sleep(delay)  # a server that answers too late
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
    """Serve tmp_path/www on 127.0.0.1; `web.route(path, body, type, status)` adds a fixed answer."""
    root = tmp_path / "www"
    root.mkdir()
    handler = type("Handler", (_Handler,), {"routes": {}})

    def factory(*args, **kwargs):
        return handler(*args, directory=str(root), **kwargs)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), factory)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    class Web:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        folder = root

        @staticmethod
        def route(path, body, content_type="text/html; charset=utf-8", status=200, headers=None, delay=0.0):
            data = body.encode("utf-8") if isinstance(body, str) else body
            handler.routes[path] = (status, content_type, data, headers or {}, delay)
            return Web.base + path

    yield Web
    server.shutdown()
    server.server_close()


# --- a folder of episodes as `briefing serve` sees it (tests/test_page*.py) ------------------------

PORT_ARTICLE = """\
# Le port de Brest & ses « quais » <rénovés>

Le conseil portuaire a voté lundi un plan de 45 millions d'euros pour rénover les quais.

« Nous allons accueillir deux fois plus de navires d'ici à 2030 », a déclaré le directeur du port, Hugo Lambert.

Les travaux commenceront au printemps et dureront dix-huit mois.
"""


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
    result = runner.invoke(app, ["speak", str(work / "budget.txt"), str(work / "port.md"), "-o", str(out),
                                 "--date", "2026-11-24", "--engine", "espeak", "--podcast", "Le briefing du port"])
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
