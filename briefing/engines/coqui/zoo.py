"""Coqui's model zoo: the catalogue as installed, where a download puts each model, downloads.

Two places hold downloaded models, as coqui-tts 0.28 lays them out:
- models released on GitHub (the css10 VITS, your_tts, the MelGAN vocoders) are unzipped into
  Coqui's own folder, `$TTS_HOME/tts/<type>--<lang>--<dataset>--<model>/` (else
  `$XDG_DATA_HOME/tts/...`, else `~/.local/share/tts/...`);
- models hosted on the Hugging Face Hub (the mai Tacotron2, XTTS v2: entries with a `repo_id`)
  live in the Hub's cache, `$HF_HUB_CACHE/models--<org>--<name>/snapshots/<revision>/` (else
  `$HF_HOME/hub/...`, else `~/.cache/huggingface/hub/...`), with `refs/main` naming the revision.
  Their licence acceptance (`tos_agreed.txt`) still goes into Coqui's own folder.

Nothing here imports torch or Coqui's models, so `--engine auto`, `briefing voices` and the
segment cache key only look at the disk. `download()` is the one function that uses the network.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import json
import logging
import os
import re
import shutil
import sys
from pathlib import Path

log = logging.getLogger(__name__)

DOWNLOAD_HINT = (
    "run `briefing voices --download` once on a machine with internet, or give the preset model_path and config_path"
)
INSTALL_HINT = (
    "install the Coqui extra: pip install torch==2.9.1 torchaudio==2.9.1 && pip install -e '.[coqui]' "
    "(or run `make run`)"
)


def tts_package_dir() -> Path | None:
    """The installed `TTS` package's folder, found without importing it."""
    spec = importlib.util.find_spec("TTS")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@functools.lru_cache(maxsize=1)
def catalogue() -> dict:
    """Coqui's model list (TTS/.models.json as installed), or {} without coqui-tts."""
    package = tts_package_dir()
    if package is None:
        return {}
    try:
        return json.loads((package / ".models.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def item(name: str) -> dict | None:
    """The catalogue entry of a zoo id such as tts_models/fr/css10/vits (None when unknown)."""
    parts = name.split("/")
    if len(parts) != 4:
        return None
    if parts[2] == "fairseq":  # Meta's MMS models: any ISO code, not listed in the catalogue
        return {"license": "CC BY-NC 4.0", "github_rls_url": "fairseq"}
    kind, lang, dataset, model = parts
    return catalogue().get(kind, {}).get(lang, {}).get(dataset, {}).get(model)


def model_names() -> list[str]:
    """Every text-to-speech model of the catalogue, sorted."""
    names = []
    for kind, langs in catalogue().items():
        for lang, datasets in langs.items():
            for dataset, models in datasets.items():
                names += [f"{kind}/{lang}/{dataset}/{model}" for model in models]
    return sorted(n for n in names if n.startswith("tts_models/"))


def french_model_names() -> list[str]:
    return [m for m in model_names() if m.startswith("tts_models/fr/") or "multilingual" in m]


def coqui_cache_dir() -> Path:
    """Where Coqui keeps downloaded models (trainer.io.get_user_data_dir("tts"), without importing it)."""
    for var in ("TTS_HOME", "XDG_DATA_HOME"):
        if os.environ.get(var):
            return Path(os.environ[var]).expanduser().resolve() / "tts"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "tts"
    if sys.platform == "win32":  # pragma: no cover - the registry lookup lives in trainer
        from trainer.io import get_user_data_dir

        return get_user_data_dir("tts")
    return Path.home() / ".local" / "share" / "tts"


def zoo_folder(name: str) -> Path:
    """Coqui's own folder for zoo model `name` (the model itself, or only its tos_agreed.txt for Hub models)."""
    return coqui_cache_dir() / name.replace("/", "--")


def hub_cache_dir() -> Path:
    """The Hugging Face Hub cache, resolved from the environment as huggingface_hub does at import."""
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(var):
            return Path(os.environ[var]).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.environ["HF_HOME"]).expanduser() / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "huggingface" / "hub"


def hub_repo_dir(repo_id: str) -> Path:
    return hub_cache_dir() / ("models--" + repo_id.replace("/", "--"))


def hub_snapshot(repo_id: str, marker: str = "config.json") -> tuple[Path, str] | None:
    """The snapshot folder of `repo_id` in the Hub cache and its revision, or None.

    `refs/main` names the revision a download fetched; without it (a cache copied by hand) the
    newest snapshot that holds `marker` (the model's config) is taken.
    """
    repo = hub_repo_dir(repo_id)
    snapshots = repo / "snapshots"
    try:
        revision = (repo / "refs" / "main").read_text(encoding="utf-8").strip()
    except OSError:
        revision = ""
    if revision and (snapshots / revision / marker).is_file():
        return snapshots / revision, revision
    try:
        candidates = [p for p in snapshots.iterdir() if (p / marker).is_file()]
    except OSError:
        return None
    if not candidates:
        return None
    newest = max(candidates, key=lambda p: p.stat().st_mtime)
    return newest, newest.name


def tos_agreed(name: str) -> bool:
    return os.environ.get("COQUI_TOS_AGREED") == "1" or (zoo_folder(name) / "tos_agreed.txt").is_file()


def needs_tos(name: str) -> bool:
    """Whether zoo model `name` needs a licence accepted that has not been (XTTS's CPML)."""
    entry = item(name) or {}
    return bool(entry.get("tos_required")) and not tos_agreed(name)


# --- Downloads (the network) ---------------------------------------------------------------------


def download(name: str, missing) -> str | None:
    """Download zoo model `name` (and its default vocoder) with Coqui's own ModelManager; None or
    a one-line reason. `missing(name)` says whether a model is still to be fetched.

    Offline this fails in seconds (name resolution); whatever the failed attempt created (a
    model folder, an empty Hub repo folder) is removed, so the next run sees a clean cache.
    """
    try:
        from TTS.utils.manage import ModelManager
    except Exception as exc:  # noqa: BLE001
        return f"coqui-tts cannot be imported ({type(exc).__name__}: {exc}); {INSTALL_HINT}"
    manager = ModelManager(progress_bar=False)
    names = [name]
    vocoder = (item(name) or {}).get("default_vocoder")
    if vocoder:
        names.append(vocoder)
    for one in names:
        if not missing(one):
            continue
        folder, hub_before = zoo_folder(one), _hub_repo_dirs()
        existed = folder.exists()
        log.info("downloading Coqui model %s", one)
        try:
            with coqui_logs_at(logging.CRITICAL + 1):
                manager.download_model(one)
        except Exception as exc:  # noqa: BLE001 - requests, httpx and Hub errors all mean "not downloaded"
            if not existed:
                shutil.rmtree(folder, ignore_errors=True)
            _remove_new_hub_dirs(hub_before)
            return (
                f"Coqui model {one} is not downloaded and could not be downloaded ({_network_problem(exc)}); "
                f"{DOWNLOAD_HINT}"
            )
        log.warning("downloaded Coqui model %s", one)
    return None


def _network_problem(exc: BaseException) -> str:
    """A short reason for a failed download: the host that could not be reached, or the error."""
    text = " ".join(str(exc).split())
    host = re.search(r"host='([^']+)'", text)
    if host:
        return f"{type(exc).__name__}: cannot reach {host.group(1)}; no network?"
    errno = re.search(r"\[Errno -?\d+\] [A-Za-z ]+?(?=\s+[A-Z]|[.;:)]|$)", text)
    if errno:
        return f"{type(exc).__name__}: {errno.group(0).strip()}; no network?"
    return f"{type(exc).__name__}: {text[:120]}"


def _hub_repo_dirs() -> set[str]:
    cache = hub_cache_dir()
    if not cache.is_dir():
        return set()
    return {p.name for p in cache.iterdir()}


def _remove_new_hub_dirs(before: set[str]) -> None:
    """A failed Hub download may leave an empty repo folder behind; remove what it added."""
    cache = hub_cache_dir()
    if not cache.is_dir():
        return
    for path in cache.iterdir():
        if path.name not in before and path.name.startswith("models--"):
            shutil.rmtree(path, ignore_errors=True)


@contextlib.contextmanager
def coqui_logs_at(level: int):
    """Raise the level of Coqui's and the Hub's loggers for a while (their children inherit it).

    Without it their warnings (and the traceback Coqui logs when a download fails) reach
    stderr through Python's last-resort handler, around our one-line messages.
    """
    if logging.getLogger("briefing").isEnabledFor(logging.DEBUG):  # --debug: let everything through
        yield
        return
    loggers = [logging.getLogger(n) for n in ("TTS", "huggingface_hub", "trainer", "transformers")]
    saved = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(level)
    try:
        yield
    finally:
        for lg, old in zip(loggers, saved, strict=True):
            lg.setLevel(old)
