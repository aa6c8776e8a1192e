"""One place for what text may hold when it leaves briefing: a feed, ID3 tags, a page, an EPUB, the terminal.

A feed item's title with "&#x1;" made feed.xml invalid XML; control characters reached ID3 frames;
an article's escape sequences reached the terminal through `briefing script` (issue 27).
`safe_text` removes what XML 1.0 does not allow (C0 controls but tab and newline, lone
surrogates, U+FFFE and U+FFFF), terminal control sequences whole (ESC [ … m, OSC … BEL) and C1
controls (U+0080-U+009F, among them the 8-bit CSI). Articles are made safe when they are built
(model.Article), episode fields too (publish.info.EpisodeInfo, Chapter), and the writers (feed,
terminal) apply it again to what they take from elsewhere (a config file, old tags, a message).
"""

from __future__ import annotations

import re

# ESC then a CSI (ESC [ params final), an OSC (ESC ] … BEL or ST), or a two-character sequence.
_TERMINAL = re.compile(
    r"\x1b(?:\[[0-?]*[ -/]*[@-~]?|\][^\x07\x1b]{0,512}(?:\x07|\x1b\\)?|[ -~]?)|\x9b[0-?]*[ -/]*[@-~]?"
)
_NOT_ALLOWED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAKS = re.compile(r"[\r\n\t]+")


def safe_text(text: str, one_line: bool = False) -> str:
    """`text` without terminal control sequences or characters XML 1.0 forbids; `one_line` also
    makes tabs and line breaks one space (titles, tags, log lines)."""
    if not text:
        return text
    text = _TERMINAL.sub("", text)
    text = _NOT_ALLOWED.sub("", text)
    if one_line:
        text = _LINE_BREAKS.sub(" ", text)
    return text


def has_control(text: str) -> bool:
    """True when `text` holds a character safe_text would remove (a config value to refuse)."""
    return safe_text(text) != text
