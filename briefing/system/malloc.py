"""Free heap memory handed back to the system during a long render, so that its peak does not
climb with the episode's length.

Every segment allocates and frees buffers of its own length (the front end's tensors, the
clip, its resampled copy) in more than one thread. glibc keeps what is freed inside its heaps,
fragmented, and raises its mmap threshold as large blocks are freed, so more of them land in
those heaps: a 10-minute Coqui briefing on 2 cores (full-size VITS, no cache) climbed from
1,361 MB at 40 s to a peak of 1,493 MB at the end. `malloc_trim(0)` returns the free pages of
every heap to the system; called after each segment, at most once a second, it held the same
run's synthesis between 1,315 and 1,370 MB, peak 1,401 MB (in the post-processing), in the same
wall time (321 s against 322 s).
"""

from __future__ import annotations

import ctypes
import functools
import sys
import threading
import time

_EVERY_S = 1.0
_lock = threading.Lock()
_last = 0.0


@functools.cache
def _malloc_trim():
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc (musl): nothing to call
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


def release(every_s: float = _EVERY_S) -> bool:
    """Hand the heaps' free pages back to the system, unless that was done less than `every_s`
    seconds ago (a call costs a few milliseconds). True when it ran."""
    global _last
    trim = _malloc_trim()
    if trim is None:
        return False
    with _lock:
        now = time.monotonic()
        if now - _last < every_s:
            return False
        _last = now
    trim(0)
    return True
