"""Where a run's wall time goes, stage by stage: what `bench/coqui.py` prints for the whole
command, and what `--debug` logs.

Stages add up seconds (`with stage("load"):`); work done in several threads at once (synthesis
with --jobs N) adds up each thread's time, so those stages may sum past the wall time. With
BRIEFING_TIMINGS=FILE in the environment, `briefing speak` writes them to FILE as JSON when it
ends: the stages, the process's age when the command started (interpreter start and imports),
the whole wall time and the peak resident memory.
"""

from __future__ import annotations

import contextlib
import json
import os
import resource
import threading
import time
from collections.abc import Iterator
from pathlib import Path

_lock = threading.Lock()
_totals: dict[str, float] = {}
_marks: dict[str, float] = {}


@contextlib.contextmanager
def stage(name: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        add(name, time.perf_counter() - started)


def add(name: str, seconds: float) -> None:
    with _lock:
        _totals[name] = _totals.get(name, 0.0) + seconds


def mark(name: str) -> None:
    """Note the process's age now (seconds since it started), once per name."""
    _marks.setdefault(name, process_age())


def snapshot() -> dict[str, float]:
    with _lock:
        return dict(_totals)


def process_age() -> float:
    """Seconds since this process started (Linux /proc); 0 where that cannot be read."""
    try:
        with open("/proc/self/stat", encoding="ascii") as f:
            start_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
        with open("/proc/uptime", encoding="ascii") as f:
            uptime = float(f.read().split()[0])
        return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))
    except (OSError, ValueError, IndexError):
        return 0.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_if_asked(target: Path | None) -> None:
    """Write the stages to `target` (BRIEFING_TIMINGS, read by the command), when set."""
    if target is None:
        return
    data = {
        "stages": snapshot(),
        "marks": dict(_marks),
        "age_s": process_age(),  # when the command ends: what follows is the process's exit
        "peak_rss_mb": peak_rss_mb(),
    }
    with contextlib.suppress(OSError):
        Path(target).write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
