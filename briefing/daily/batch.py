"""`briefing batch MANIFEST.toml`: many episodes in one run, sharing the executor and the cache.

    output_dir = "episodes"          # relative to the manifest; default: output/
    [defaults]                       # speak's settings for every episode (all optional)
    engine = "auto"
    max_articles = 5
    jobs = 4                         # run settings (executor, jobs, ray_address, ray_cpus): here only
    [[episode]]
    name = "monde"                   # the file name: episodes/monde.mp3 (+ .vtt, .srt, ...)
    inputs = ["monde.txt", "https://exemple.fr/monde/rss.xml"]
    title = "Le monde ce matin"      # any other default may be overridden here

A setting is any option of `speak` (briefing/options.py), checked as the command line checks it.
Episodes are rendered one after the other; each is written atomically, and one that fails does
not stop the others. The workers (threads or Ray actors) and their loaded models are shared by
the episodes on the same device.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from briefing.errors import BriefingError, UsageError
from briefing.options import OPTION_NAMES, SpeakOptions, read_toml
from briefing.pipeline import Options, Result, make_episode
from briefing.synthesis.executors import make_executor
from briefing.text.dates import clock

# Settings of the workers, shared by the whole run: [defaults] (or the command line) only.
RUN_SETTINGS = ("executor", "jobs", "ray_address", "ray_cpus")
EPISODE_SETTINGS = tuple(name for name in OPTION_NAMES if name not in RUN_SETTINGS)
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,80}$")


@dataclass(frozen=True)
class EpisodeJob:
    name: str
    inputs: tuple[str, ...]
    options: SpeakOptions
    out: Path


@dataclass(frozen=True)
class Outcome:
    job: EpisodeJob
    result: Result | None
    error: str | None
    wall_s: float


def load_manifest(path: Path, overrides: Mapping[str, object] | None = None) -> list[EpisodeJob]:
    """The episodes of a manifest, each with its options: the episode's own settings over
    [defaults], under `overrides` (the batch command's options; None: not given). Every setting
    is checked as `speak` checks its options, with the same messages, before anything renders."""
    path = Path(path)
    data = read_toml(path, "manifest")
    unknown = set(data) - {"output_dir", "defaults", "episode"}
    if unknown:
        raise UsageError(
            f"{path}: unknown key(s) {', '.join(sorted(unknown))}; expected output_dir, [defaults], [[episode]]"
        )
    base = path.parent
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    SpeakOptions.from_mapping(overrides)  # a bad command-line value: the same message as speak's
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise UsageError(f"{path}: [defaults] must be a table")
    SpeakOptions.from_mapping(defaults, f"{path} [defaults]", base)
    episodes = data.get("episode", [])
    if not isinstance(episodes, list) or not episodes:
        raise UsageError(f"{path}: no [[episode]] to render")
    output_dir = data.get("output_dir", "output")
    if not isinstance(output_dir, str):
        raise UsageError(f"{path}: output_dir must be a string (got {output_dir!r})")
    out_dir = base / output_dir
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
        for key in settings:
            if key in RUN_SETTINGS:
                raise UsageError(f"{where}: {key} is shared by the whole run; set it in [defaults]")
        SpeakOptions.from_mapping(settings, where, base, keys=EPISODE_SETTINGS)
        # Each part is checked above, where its errors belong; together they cannot fail.
        options = SpeakOptions.from_mapping({**defaults, **settings, **overrides}, where, base)
        resolved = [x if re.match(r"^[a-z]+://", x) or x == "-" else str(base / x) for x in inputs]
        jobs.append(EpisodeJob(name, tuple(resolved), options, out_dir / f"{name}.mp3"))
    return jobs


def run_batch(jobs: list[EpisodeJob]) -> list[Outcome]:
    """Render every episode; failures are collected, not raised, and come back in `jobs`' order.

    Episodes that ask for the same workers (executor, jobs, device, Ray address and CPUs; as
    the run settings are shared, in practice the same device) are rendered together on one
    executor, made for them and closed after them: the models load once per device, and two
    sets of workers never wait on each other for the same CPUs or GPU."""
    groups: dict[tuple, list[int]] = {}
    for i, job in enumerate(jobs):
        o = job.options
        groups.setdefault((o.executor, o.jobs, o.device, o.ray_address, o.ray_cpus), []).append(i)
    outcomes: dict[int, Outcome] = {}
    for (executor, workers, device, ray_address, ray_cpus), members in groups.items():
        with make_executor(executor, workers, device, ray_address, ray_cpus) as shared:
            for i in members:
                job = jobs[i]
                started = time.perf_counter()
                try:
                    result = make_episode(list(job.inputs), job.out, Options.from_speak(job.options), executor=shared)
                    outcomes[i] = Outcome(job, result, None, time.perf_counter() - started)
                except BriefingError as exc:
                    outcomes[i] = Outcome(job, None, str(exc), time.perf_counter() - started)
    return [outcomes[i] for i in range(len(jobs))]


def summary_table(outcomes: list[Outcome]) -> str:
    rows = [("episode", "segments", "synth", "cached", "audio", "wall", "result")]
    for o in outcomes:
        if o.result is not None:
            r = o.result
            rows.append(
                (
                    o.job.name,
                    str(len(r.script.segments)),
                    str(r.synthesised),
                    str(r.cached),
                    clock(r.duration_ms / 1000),
                    f"{o.wall_s:.1f} s",
                    str(r.path),
                )
            )
        else:
            rows.append((o.job.name, "-", "-", "-", "-", f"{o.wall_s:.1f} s", f"FAILED: {o.error}"))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
    lines = [
        "  ".join(
            cell.ljust(w) if i == 0 else cell.rjust(w)
            for i, (cell, w) in enumerate(zip(row, widths, strict=False))  # the last column is not padded
        )
        + "  "
        + row[-1]
        for row in rows
    ]
    ok = sum(o.result is not None for o in outcomes)
    lines.append(f"{ok} of {len(outcomes)} episodes written")
    return "\n".join(lines)
