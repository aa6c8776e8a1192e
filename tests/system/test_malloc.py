"""Free heap pages go back to the system during a render (briefing/system/malloc.py)."""

import sys

import pytest

from briefing.system import malloc

glibc = pytest.mark.skipif(malloc._malloc_trim() is None, reason="not glibc: malloc_trim does not exist")


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:")) / 1024


@glibc
def test_release_hands_fragmented_free_memory_back():
    """200 MB in 100 KB blocks (below glibc's mmap threshold: on the heap), all freed but the
    last, which pins the heap's top: glibc keeps the pages until released."""
    blocks = [bytearray(b"x" * 100_000) for _ in range(2000)]
    last = blocks[-1]
    del blocks
    before = rss_mb()
    assert malloc.release(every_s=0)
    after = rss_mb()
    assert before - after > 100, (before, after)
    assert last[0] == ord("x")


@glibc
def test_release_runs_at_most_once_a_second():
    malloc.release(every_s=0)
    assert not malloc.release()  # under a second since the last one
    assert malloc.release(every_s=0)


def test_release_is_a_no_op_where_there_is_no_glibc(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    malloc._malloc_trim.cache_clear()
    try:
        assert malloc.release(every_s=0) is False
    finally:
        malloc._malloc_trim.cache_clear()
