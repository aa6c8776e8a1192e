"""`briefing batch MANIFEST.toml`: many episodes in one run, sharing the executor and the cache.

    output_dir = "episodes"          # relative to the manifest; default: output/
    [defaults]                       # speak's settings for every episode (all optional)
    engine = "auto"
    max_articles = 5
    [[episode]]
    name = "monde"                   # the file name: episodes/monde.mp3 (+ .vtt, .srt, ...)
    inputs = ["monde.txt", "https://exemple.fr/monde/rss.xml"]
    title = "Le monde ce matin"      # any default may be overridden here

Episodes are rendered one after the other; each is written atomically, and one that fails does
not stop the others. The workers (threads or Ray actors) and their loaded models are shared.
"""

from __future__ import annotations

import datetime as dt
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from briefing.errors import BriefingError, UsageError
from briefing.synthesis.executors import EXECUTORS, default_jobs, make_executor
from briefing.pipeline import Options, Result, make_episode
from briefing.synthesis.render import RenderOptions
from briefing.text.script import ScriptOptions

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# Settings an episode or [defaults] may give, with their type.
SETTINGS = {
    "engine": str, "voices": str, "lexicon": str, "device": str, "speed": (int, float), "max_chars": int,
    "max_articles": int, "briefing": bool, "date": str, "podcast": str, "cover": str, "intro_music": str,
    "bitrate": str, "cache": bool, "cache_dir": str, "title": str,
}
RUN_SETTINGS = {"executor": str, "jobs": int, "ray_address": str}  # shared by the whole run: [defaults] only
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")


@dataclass(frozen=True)
class EpisodeJob:
    name: str
    inputs: tuple[str, ...]
    options: Options
    out: Path


@dataclass(frozen=True)
class Outcome:
    job: EpisodeJob
    result: Result | None
    error: str | None
    wall_s: float


def load_manifest(path: Path) -> tuple[list[EpisodeJob], dict]:
    """The episodes of a manifest and its run settings (executor, jobs, ray_address)."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UsageError(f"{path}: no such manifest") from None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the manifest ({exc})") from None
    unknown = set(data) - {"output_dir", "defaults", "episode"}
    if unknown:
        raise UsageError(f"{path}: unknown key(s) {', '.join(sorted(unknown))}; expected output_dir, [defaults], [[episode]]")
    base = path.parent
    defaults = data.get("defaults", {})
    _check(defaults, {**SETTINGS, **RUN_SETTINGS}, f"{path} [defaults]")
    run = {k: defaults[k] for k in RUN_SETTINGS if k in defaults}
    episodes = data.get("episode", [])
    if not isinstance(episodes, list) or not episodes:
        raise UsageError(f"{path}: no [[episode]] to render")
    out_dir = base / data.get("output_dir", "output")
    jobs, names = [], set()
    for i, episode in enumerate(episodes, 1):
        where = f"{path} episode {i}"
        if not isinstance(episode, dict):
            raise UsageError(f"{where}: must be a table")
        name, inputs = episode.get("name"), episode.get("inputs")
        if not isinstance(name, str) or not _NAME.match(name):
            raise UsageError(f"{where}: name must be a file name of letters, digits, '.', '_' or '-' (got {name!r})")
        if name in names:
            raise UsageError(f"{where}: the name {name!r} is used twice")
        names.add(name)
        if not isinstance(inputs, list) or not inputs or not all(isinstance(x, str) for x in inputs):
            raise UsageError(f"{where}: inputs must be a non-empty list of files or URLs")
        settings = {k: v for k, v in episode.items() if k not in ("name", "inputs")}
        _check(settings, SETTINGS, where)
        merged = {**{k: v for k, v in defaults.items() if k in SETTINGS}, **settings}
        resolved = [x if re.match(r"^[a-z]+://", x) or x == "-" else str(base / x) for x in inputs]
        jobs.append(EpisodeJob(name, tuple(resolved), _options(merged, run, base, where), out_dir / f"{name}.mp3"))
    return jobs, run


def _check(settings: dict, allowed: dict, where: str) -> None:
    for key, value in settings.items():
        if key not in allowed:
            raise UsageError(f"{where}: unknown setting {key!r}; valid: {', '.join(sorted(allowed))}")
        if not isinstance(value, allowed[key]) or (isinstance(value, bool) and allowed[key] is not bool):
            raise UsageError(f"{where}: {key} has the wrong type ({value!r})")


def _options(s: dict, run: dict, base: Path, where: str) -> Options:
    def path(key):
        return base / s[key] if key in s else None

    date = None
    if "date" in s:
        try:
            date = dt.date.fromisoformat(s["date"])
        except ValueError:
            raise UsageError(f"{where}: date {s['date']!r} is not like 2026-11-24") from None
    return Options(
        voices_dir=path("voices"),
        lexicon=path("lexicon"),
        max_articles=s.get("max_articles", 10),
        script=ScriptOptions(max_chars=s.get("max_chars", 250), title=s.get("title"), briefing=s.get("briefing"), date=date),
        render=RenderOptions(
            engine=s.get("engine", "auto"), device=s.get("device", "auto"), speed=float(s.get("speed", 1.0)),
            jobs=run.get("jobs", default_jobs()), executor=run.get("executor", "local"), ray_address=run.get("ray_address"),
        ),
        bitrate=s.get("bitrate", "96k"),
        podcast=s.get("podcast", "briefing"),
        cover=path("cover"),
        intro_music=path("intro_music"),
        cache=s.get("cache", True),
        cache_dir=path("cache_dir"),
    )


def run_batch(jobs: list[EpisodeJob], executor: str, workers: int, device: str, ray_address: str | None) -> list[Outcome]:
    """Render every episode with one shared executor; failures are collected, not raised."""
    if executor not in EXECUTORS:
        raise UsageError(f"unknown executor {executor!r}; choose one of: {', '.join(EXECUTORS)}")
    outcomes = []
    with make_executor(executor, workers, device, ray_address) as shared:
        for job in jobs:
            started = time.perf_counter()
            try:
                result = make_episode(list(job.inputs), job.out, job.options, executor=shared)
                outcomes.append(Outcome(job, result, None, time.perf_counter() - started))
            except BriefingError as exc:
                outcomes.append(Outcome(job, None, str(exc), time.perf_counter() - started))
    return outcomes


def summary_table(outcomes: list[Outcome]) -> str:
    rows = [("episode", "segments", "synth", "cached", "audio", "wall", "result")]
    for o in outcomes:
        if o.result is not None:
            r = o.result
            minutes, seconds = divmod(round(r.duration_ms / 1000), 60)
            rows.append((o.job.name, str(len(r.script.segments)), str(r.synthesised), str(r.cached), f"{minutes}:{seconds:02d}", f"{o.wall_s:.1f} s", str(r.path)))
        else:
            rows.append((o.job.name, "-", "-", "-", "-", f"{o.wall_s:.1f} s", f"FAILED: {o.error}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = ["  ".join(cell.ljust(w) if i == 0 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))) + "  " + row[-1] for row in rows]
    ok = sum(o.result is not None for o in outcomes)
    lines.append(f"{ok} of {len(outcomes)} episodes written")
    return "\n".join(lines)

