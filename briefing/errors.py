"""One base exception for the project, with one subclass per kind of failure.

Each class carries the process exit code the CLI maps it to: 2 for bad usage or bad input,
1 for a failure while rendering. Messages are one line and say what to do.
"""


class BriefingError(Exception):
    """Base class of every error briefing raises on purpose."""

    exit_code = 1


class InputError(BriefingError):
    """The input (a file, a URL, stdin) cannot be read or holds nothing to say."""

    exit_code = 2


class NotAnArticle(InputError):
    """The page holds no article: an index of links, template code, a live blog or match page.
    A feed item whose page is one is skipped, never read from its summary."""


class UsageError(BriefingError):
    """An option or a name on the command line is wrong (unknown engine, voice, device)."""

    exit_code = 2


class VoiceError(UsageError):
    """A voice preset or the voices folder is invalid."""


class EngineUnavailable(UsageError):
    """The engine asked for cannot run on this machine (not installed, model missing)."""


class RenderError(BriefingError):
    """Synthesis, mixing or encoding failed."""

    exit_code = 1
