"""Joining a Ray cluster that asks for token authentication.

Ray 2.59 and later turn token authentication on by default for a head started with
`ray start --head`, and write its token to ~/.ray/auth_token. A driver that joins it by an
explicit address (`--ray-address HOST:PORT`) does not send a token unless RAY_AUTH_MODE=token is
set, and then fails after about 20 s of retries with "cannot connect", nothing saying why.

Before Ray is started, `prepare_auth` asks the cluster's GCS one harmless question (its cluster
id) over gRPC, first without a token: a cluster that answers needs none; one that says
UNAUTHENTICATED is asked again with the token Ray itself would use (RAY_AUTH_TOKEN, else the file
RAY_AUTH_TOKEN_PATH names, else ~/.ray/auth_token). When that is accepted, token mode is turned
on for this process, as `RAY_AUTH_MODE=token` would; when it is missing or refused, the run
stops at once with one line naming token authentication and where the token was looked for.
The probe takes milliseconds; an address nobody answers at fails in PROBE_TIMEOUT_S, not 20 s.

Only HOST:PORT addresses are probed: `auto` is Ray's own discovery (which already turns token
mode on when a token file exists) and `ray://` is the Ray Client, with its own handshake.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from briefing.errors import EngineUnavailable

PROBE_TIMEOUT_S = 5.0
MODE_VAR, TOKEN_VAR, TOKEN_PATH_VAR = "RAY_AUTH_MODE", "RAY_AUTH_TOKEN", "RAY_AUTH_TOKEN_PATH"
_GCS_METHOD = "/ray.rpc.NodeInfoGcsService/GetClusterId"  # an empty request is a valid GetClusterIdRequest
_HOST_PORT = re.compile(r"^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9._-]+):\d{1,5}$")
_TOKEN_HELP = (
    "set RAY_AUTH_TOKEN to the head's token (`ray get-auth-token` on the head prints it), "
    "or copy it to ~/.ray/auth_token, or name its file in RAY_AUTH_TOKEN_PATH"
)


@dataclass(frozen=True)
class Token:
    value: str
    where: str  # where it was found, for the messages: "RAY_AUTH_TOKEN", a file's path


def find_token() -> Token | None:
    """The token Ray would send, from where Ray looks for it, in Ray's order."""
    value = os.environ.get(TOKEN_VAR, "").strip()
    if value:
        return Token(value, TOKEN_VAR)
    named = os.environ.get(TOKEN_PATH_VAR, "").strip()
    # As Ray: a file named by RAY_AUTH_TOKEN_PATH is the only one read, even when it is missing.
    path = Path(named).expanduser() if named else Path.home() / ".ray" / "auth_token"
    try:
        value = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return Token(value, str(path)) if value else None


def probe(address: str, token: str | None = None, timeout: float = PROBE_TIMEOUT_S) -> str:
    """Ask the GCS at `address` for its cluster id: "ok", "unauthenticated", "unreachable", or
    "other" (something answered, but not as a GCS does: left to Ray to judge)."""
    import grpc  # Ray's own dependency

    metadata = (("authorization", f"Bearer {token}"),) if token else None
    with grpc.insecure_channel(address) as channel:
        ask = channel.unary_unary(_GCS_METHOD)  # bytes in, bytes out: no generated stubs needed
        try:
            ask(b"", timeout=timeout, metadata=metadata)
        except grpc.RpcError as exc:
            code = exc.code()
            if code == grpc.StatusCode.UNAUTHENTICATED:
                return "unauthenticated"
            if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
                return "unreachable"
            return "other"
    return "ok"


def prepare_auth(address: str | None) -> None:
    """Make this process join the cluster at `address` with the authentication it asks for, or
    raise a one-line EngineUnavailable saying what is missing. Does nothing for a local Ray
    (None), `auto` or a `ray://` address."""
    if address is None or not _HOST_PORT.match(address):
        return
    answer = probe(address)
    mode = os.environ.get(MODE_VAR, "").lower()
    if answer == "ok" and mode == "token":
        # Measured with Ray 2.60: the actors of a token-mode driver die on a cluster without it.
        raise EngineUnavailable(
            f"--executor ray: the Ray cluster at {address} does not use token authentication, "
            f"but {MODE_VAR}=token here; unset {MODE_VAR} for this cluster"
        )
    if answer in ("ok", "other"):
        return
    if answer == "unreachable":
        raise EngineUnavailable(
            f"--executor ray: nothing answers at {address}; "
            "is a Ray head running there (ray start --head), and is that its GCS port?"
        )
    if mode == "disabled":
        raise EngineUnavailable(
            f"--executor ray: the Ray cluster at {address} requires token authentication, "
            f"and {MODE_VAR}=disabled here; unset it and {_TOKEN_HELP}"
        )
    token = find_token()
    if token is None:
        raise EngineUnavailable(
            f"--executor ray: the Ray cluster at {address} requires token authentication "
            f"(on by default since Ray 2.59) and no token was found here; {_TOKEN_HELP}"
        )
    if probe(address, token.value) != "ok":
        raise EngineUnavailable(
            f"--executor ray: the Ray cluster at {address} refused the authentication token from "
            f"{token.where}; it is not this cluster's token: {_TOKEN_HELP}"
        )
    if mode != "token":
        os.environ[MODE_VAR] = "token"
        _refresh_ray_config()


def _refresh_ray_config() -> None:
    """Ray caches its configuration (the auth mode among it) when first read; read it again."""
    try:
        from ray._raylet import Config
    except ImportError:  # pragma: no cover - Ray without the config binding: it reads the variable itself
        return
    Config.initialize("")
