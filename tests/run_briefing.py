"""`python run_briefing.py [--hold-after N] ARGS...`: `briefing ARGS...` as a child process of a test
that sends it signals.

Ctrl-C works as in a terminal: Python turns SIGINT into KeyboardInterrupt only when its parent has
not set SIGINT to be ignored, and a test run started in the background of a shell without job
control (or under nohup) has it ignored, which its children inherit.

With `--hold-after N` the render holds still once it has stored N segments in its cache: it prints
`held` on stdout, then waits until its stdin closes. A test kills it there, at a known point of the
render, rather than wherever a timer happens to find it on a busy machine. Only the wait is added:
the render, the cache and the signal handling are the product's own (with --jobs 1 the cache is
written from the main thread, so the wait is where a Ctrl-C lands).
"""

import signal
import sys

from helpers import allowing_loopback

from briefing.cli import main
from briefing.synthesis.cache import SegmentCache


def hold_after(entries: int) -> None:
    real_put = SegmentCache.put
    stored = 0

    def put(self, key, samples, rate):
        nonlocal stored
        real_put(self, key, samples, rate)
        stored += 1
        if stored == entries:
            print("held", flush=True)
            sys.stdin.buffer.read()  # until the test closes stdin, or a signal ends the process

    SegmentCache.put = put


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    args = sys.argv[1:]
    if args[:1] == ["--hold-after"]:
        hold_after(int(args[1]))
        args = args[2:]
    sys.argv = ["briefing", *allowing_loopback(args)]  # the tests' servers are on loopback
    main()
