"""What was said, when: WebVTT and SRT transcripts, one cue per segment, and Podcasting 2.0
JSON chapters."""

from __future__ import annotations

import json

from briefing.model import Episode, Script
from briefing.publish.info import Chapter, EpisodeInfo

NARRATOR_LABEL = "Narrateur"
UNKNOWN_SPEAKER_LABEL = "Citation"


def speaker_label(segment) -> str:
    if segment.role != "quote":
        return NARRATOR_LABEL
    return segment.speaker or UNKNOWN_SPEAKER_LABEL


def _stamp(ms: int, sep: str) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{sep}{millis:03d}"


def _vtt_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def to_webvtt(script: Script, episode: Episode) -> str:
    """WebVTT with one cue per segment and a <v Speaker> voice span naming who speaks."""
    lines = ["WEBVTT", f"NOTE {_vtt_escape(script.title)}", ""]
    for n, cue in enumerate(episode.cues, 1):
        seg = script.segments[cue.index]
        label = _vtt_escape(speaker_label(seg)).replace(">", "")
        lines += [
            str(n),
            f"{_stamp(cue.start_ms, '.')} --> {_stamp(cue.end_ms, '.')}",
            f"<v {label}>{_vtt_escape(seg.text)}</v>",
            "",
        ]
    return "\n".join(lines)


def to_srt(script: Script, episode: Episode) -> str:
    """SRT, one cue per segment; quotations are prefixed with their speaker."""
    lines = []
    for n, cue in enumerate(episode.cues, 1):
        seg = script.segments[cue.index]
        text = seg.text if seg.role != "quote" else f"{speaker_label(seg)} : {seg.text}"
        lines += [str(n), f"{_stamp(cue.start_ms, ',')} --> {_stamp(cue.end_ms, ',')}", text, ""]
    return "\n".join(lines)


def to_chapters_json(chapters: list[Chapter], info: EpisodeInfo) -> str:
    """Podcasting 2.0 JSON chapters (application/json+chapters), times in seconds. The format has
    no nesting: an article's sub-headings follow it as chapters of their own, inside its span."""
    data = {
        "version": "1.2.0",
        "title": info.title,
        "chapters": [
            {"startTime": round(c.start_ms / 1000, 3), "endTime": round(c.end_ms / 1000, 3), "title": c.title}
            for c in chapters
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
