import numpy as np

from briefing.synthesis.cache import SegmentCache, cache_key


def test_round_trip_and_key_depends_on_everything(tmp_path):
    cache = SegmentCache(tmp_path)
    samples = np.linspace(-1, 1, 1000, dtype=np.float32)
    key = cache_key("Bonjour.", {"engine": "espeak", "voice": "fr+m3", "speed": 1.0})
    assert cache.get(key) is None
    cache.put(key, samples, 22050)
    got, rate = cache.get(key)
    assert rate == 22050 and np.array_equal(got, samples)
    assert key != cache_key("Bonjour !", {"engine": "espeak", "voice": "fr+m3", "speed": 1.0})
    assert key != cache_key("Bonjour.", {"engine": "espeak", "voice": "fr+m3", "speed": 1.1})
    assert key != cache_key("Bonjour.", {"engine": "espeak", "voice": "fr+f2", "speed": 1.0})


def test_truncated_and_corrupt_entries_are_redone(tmp_path):
    cache = SegmentCache(tmp_path)
    samples = np.ones(500, dtype=np.float32)
    for damage in (lambda b: b[:-7], lambda b: b[:40] + b"X" + b[41:], lambda b: b"", lambda b: b"garbage\n" + b[20:]):
        key = cache_key(str(damage), {})
        cache.put(key, samples, 16000)
        path = cache.path(key)
        path.write_bytes(damage(path.read_bytes()))
        assert cache.get(key) is None
        assert not path.exists()  # removed, to be written again


def test_eviction_removes_least_recently_used(tmp_path):
    import os
    import time

    cache = SegmentCache(tmp_path, max_bytes=10_000)
    keys = [cache_key(str(i), {}) for i in range(5)]
    for i, key in enumerate(keys):
        cache.put(key, np.zeros(1000, dtype=np.float32), 8000)  # about 4 kB each
        os.utime(cache.path(key), (time.time() - 100 + i, time.time() - 100 + i))
    cache.get(keys[0])  # used now: kept
    removed = cache.evict()
    assert removed == 3
    assert cache.size() <= 10_000
    assert cache.get(keys[0]) is not None and cache.get(keys[4]) is not None


def test_unwritable_cache_does_not_fail(tmp_path, caplog):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    cache = SegmentCache(blocker / "cache")
    for name in "abc":
        cache.put(cache_key(name, {}), np.zeros(10, dtype=np.float32), 8000)
    assert caplog.text.count("could not write to the segment cache") == 1  # said once, not per segment
    assert cache.get(cache_key("a", {})) is None


def test_no_partial_files_left(tmp_path):
    cache = SegmentCache(tmp_path)
    cache.put(cache_key("a", {}), np.zeros(10, dtype=np.float32), 8000)
    assert not list(tmp_path.rglob("*.part"))
