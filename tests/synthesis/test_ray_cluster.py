"""`--ray-address` against clusters started as users start them: `ray start --head` on this
machine (loopback), with Ray's default authentication (token on, its token written to the head's
~/.ray/auth_token), with RAY_AUTH_MODE=token and a chosen token, and with authentication off.

Each head runs in its own process group, HOME and temporary folder, and is stopped by killing
that group: `ray stop` would also stop the local Ray that tests/synthesis/test_ray.py runs beside this file.
The driver is `python -m briefing` in a fresh process, as a user runs it.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

ray = (
    pytest.importorskip("ray", reason="the ray extra is part of `make test`")
    if os.environ.get("BRIEFING_NO_RAY")
    else __import__("ray")
)

from briefing.synthesis import ray_auth  # noqa: E402

RAY = str(Path(sys.executable).with_name("ray"))
SPEAK = ["--engine", "espeak", "--no-cache", "--executor", "ray", "--jobs", "1"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Head:
    """A Ray head from `ray start --head --block`, its own HOME holding the token Ray writes."""

    def __init__(self, env: dict[str, str], token_file: bool = False):
        self.home = Path(tempfile.mkdtemp(prefix="rayhome-"))
        self.temp = tempfile.mkdtemp(prefix="rt-", dir="/tmp")  # short: Ray's socket paths have a limit
        self.port = _free_port()
        self.address = f"127.0.0.1:{self.port}"
        self.env = {**_clean_env(self.home), **env}
        if token_file:  # as `ray get-auth-token --generate`, or any earlier local ray.init(), leaves it
            subprocess.run([RAY, "get-auth-token", "--generate"], env=self.env, capture_output=True, check=True)
        command = [RAY, "start", "--head", "--block", f"--port={self.port}", "--node-ip-address=127.0.0.1"]
        command += ["--num-cpus=1", "--include-dashboard=false", "--disable-usage-stats", f"--temp-dir={self.temp}"]
        self.process = subprocess.Popen(
            command, env=self.env, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 60
        while ray_auth.probe(self.address, timeout=1) == "unreachable":
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the Ray head did not start")
            time.sleep(0.5)

    @property
    def token(self) -> str:
        return (self.home / ".ray" / "auth_token").read_text().strip()

    def stop(self) -> None:
        """Kill the head and every process of its session (their command lines name its folder)."""
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=30)
        subprocess.run(["pkill", "-KILL", "-f", self.temp], check=False)
        shutil.rmtree(self.home, ignore_errors=True)
        shutil.rmtree(self.temp, ignore_errors=True)


def _clean_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    env["HOME"] = str(home)
    return env


@pytest.fixture(scope="module")
def default_head():
    """`ray start --head` as it installs today (Ray 2.60), where a token exists: it turns token
    authentication on whenever ~/.ray/auth_token is there, which any local `ray.init()` since
    Ray 2.59 writes. (Without that file it starts with authentication off: the last test.)"""
    head = Head({}, token_file=True)
    yield head
    head.stop()


def speak(tmp_path, address: str, env: dict[str, str], article: Path) -> tuple[subprocess.CompletedProcess, Path]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    out = tmp_path / "ep.mp3"
    command = [sys.executable, "-m", "briefing", "speak", str(article), "-o", str(out), *SPEAK]
    done = subprocess.run(
        [*command, "--ray-address", address], env=env, capture_output=True, text=True, timeout=240, cwd=tmp_path
    )
    return done, out


def _one_line_error(done: subprocess.CompletedProcess, fragment: str) -> None:
    assert done.returncode == 2, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.startswith("briefing: ")]
    assert len(lines) == 1 and lines[0].startswith("briefing: error: "), done.stderr
    assert fragment in lines[0]
    assert "Traceback" not in done.stderr


def test_the_token_file_ray_writes_is_found_and_the_episode_equals_a_local_render(default_head, article, tmp_path):
    assert (default_head.home / ".ray" / "auth_token").is_file()  # the head asks for a token
    assert ray_auth.probe(default_head.address) == "unauthenticated"
    env = _clean_env(default_head.home)  # the same user on the same machine: ~/.ray/auth_token
    done, out = speak(tmp_path / "ray", default_head.address, env, article)
    assert done.returncode == 0, done.stderr
    local = tmp_path / "local" / "ep.mp3"
    command = [sys.executable, "-m", "briefing", "speak", str(article), "-o", str(local), "--engine", "espeak"]
    assert subprocess.run([*command, "--no-cache"], env=env, capture_output=True, timeout=120).returncode == 0
    assert out.read_bytes() == local.read_bytes()


def test_the_token_in_ray_auth_token_from_another_home(default_head, article, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = {**_clean_env(home), "RAY_AUTH_TOKEN": default_head.token}
    done, out = speak(tmp_path, default_head.address, env, article)
    assert done.returncode == 0, done.stderr
    assert out.stat().st_size > 10_000


def test_without_a_token_one_line_names_token_authentication_at_once(default_head, article, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    started = time.monotonic()
    done, out = speak(tmp_path, default_head.address, _clean_env(home), article)
    _one_line_error(done, "requires token authentication")
    assert "RAY_AUTH_TOKEN" in done.stderr
    assert time.monotonic() - started < 15  # Ray alone retries for about 20 s before a bare "cannot connect"
    assert not out.exists()


def test_a_wrong_token_is_refused_in_one_line(default_head, article, tmp_path):
    env = {**_clean_env(default_head.home), "RAY_AUTH_TOKEN": "0" * 32}
    done, out = speak(tmp_path, default_head.address, env, article)
    _one_line_error(done, "refused the authentication token from RAY_AUTH_TOKEN")
    assert not out.exists()


def test_auth_disabled_here_against_a_token_cluster_says_so(default_head, article, tmp_path):
    env = {**_clean_env(default_head.home), "RAY_AUTH_MODE": "disabled"}
    done, _ = speak(tmp_path, default_head.address, env, article)
    _one_line_error(done, "RAY_AUTH_MODE=disabled")


def test_a_head_started_with_ray_auth_mode_token_and_its_own_token(article, tmp_path):
    token = "b7e1c0de" * 4
    head = Head({"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": token})
    try:
        home = tmp_path / "home"
        home.mkdir()
        for name, extra in (("env", {"RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": token}), ("file", {})):
            if name == "file":  # the default token file, no variable at all
                (home / ".ray").mkdir()
                (home / ".ray" / "auth_token").write_text(token + "\n")
            done, out = speak(tmp_path / name, head.address, {**_clean_env(home), **extra}, article)
            assert done.returncode == 0, (name, done.stderr)
            assert out.is_file()
    finally:
        head.stop()


def test_a_head_without_authentication_is_joined_without_a_token(article, tmp_path):
    head = Head({})  # no token file in its HOME: Ray 2.60 starts it with authentication off
    try:
        assert ray_auth.probe(head.address) == "ok"
        home = tmp_path / "home"
        (home / ".ray").mkdir(parents=True)
        (home / ".ray" / "auth_token").write_text("a-token-of-another-cluster\n")  # present, not needed
        done, out = speak(tmp_path / "ok", head.address, _clean_env(home), article)
        assert done.returncode == 0, done.stderr
        # Token mode forced here against it: Ray's actors would die; one line says why instead.
        done, _ = speak(tmp_path / "forced", head.address, {**_clean_env(home), "RAY_AUTH_MODE": "token"}, article)
        _one_line_error(done, "does not use token authentication")
    finally:
        head.stop()


def test_nothing_at_the_address_fails_fast(article, tmp_path):
    started = time.monotonic()
    done, _ = speak(tmp_path, f"127.0.0.1:{_free_port()}", _clean_env(tmp_path), article)
    _one_line_error(done, "nothing answers at 127.0.0.1:")
    assert time.monotonic() - started < 15


def test_the_token_is_looked_for_where_ray_looks(tmp_path, monkeypatch):
    home = tmp_path / "home"
    (home / ".ray").mkdir(parents=True)
    (home / ".ray" / "auth_token").write_text("from-file\n")
    monkeypatch.setenv("HOME", str(home))
    for var in ("RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH"):
        monkeypatch.delenv(var, raising=False)
    assert ray_auth.find_token() == ray_auth.Token("from-file", str(home / ".ray" / "auth_token"))
    named = tmp_path / "token.txt"
    named.write_text("named\n")
    monkeypatch.setenv("RAY_AUTH_TOKEN_PATH", str(named))
    assert ray_auth.find_token().value == "named"
    monkeypatch.setenv("RAY_AUTH_TOKEN_PATH", str(tmp_path / "missing"))  # as Ray: no fallback to ~/.ray
    assert ray_auth.find_token() is None
    monkeypatch.setenv("RAY_AUTH_TOKEN", " from-env ")
    assert ray_auth.find_token() == ray_auth.Token("from-env", "RAY_AUTH_TOKEN")
