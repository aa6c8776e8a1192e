"""French calendar words and the clock format of durations: written once, used by the spelling
of dates, the briefing's intro, the listening page and the summary lines."""

from __future__ import annotations

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def clock(seconds: float, hours: bool = False) -> str:
    """A duration as a clock: "3:08" (minutes may pass 59: "81:48"), or "1:21:48" with `hours`."""
    total = max(0, round(seconds))
    minutes, secs = divmod(total, 60)
    if hours:
        h, minutes = divmod(minutes, 60)
        return f"{h}:{minutes:02d}:{secs:02d}" if h else f"{minutes}:{secs:02d}"
    return f"{minutes}:{secs:02d}"
