"""`python run_briefing.py ARGS...`: `briefing ARGS...` as a child process of a test that sends it
signals.

Ctrl-C works as in a terminal: Python turns SIGINT into KeyboardInterrupt only when its parent has
not set SIGINT to be ignored, and a test run started in the background of a shell without job
control (or under nohup) has it ignored, which its children inherit.
"""

import signal
import sys

from briefing.cli import main

if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.argv = ["briefing", *sys.argv[1:]]
    main()
