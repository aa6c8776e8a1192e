"""A Script read back: `briefing speak EDITED.json` renders the JSON `briefing script --json` prints,
as an editor left it (text, voice, speaker, pause, order, deletions).

Everything is checked before any synthesis, each problem one line naming the segment: the JSON
itself, the fields (required, typed, in range; unknown ones refused so a typo is not silently
ignored) and the voices (each must be a preset of the voices folder; the error lists them). The
text of a segment is spoken as written there: it is already what is said (numbers spelled out),
so an editor fixes a reading by writing it out.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from briefing import limits
from briefing.errors import InputError
from briefing.model import GENDERS, Script, Segment, VoiceBook
from briefing.text.sentences import cap_length
from briefing.text.written import split_written

SUFFIX = ".json"
MAX_BYTES = 20 * 2**20
MAX_SEGMENTS = limits.MAX_SEGMENTS
MAX_PAUSE_MS = 10_000
MAX_DEPTH = 32  # a script nests 3 deep: an object, its list of segments, each an object
MAX_SEGMENT_CHARS = limits.MAX_SEGMENT_CHARS
ROLES = ("title", "heading", "narration", "quote", "transition")
# field -> (types, required)
_FIELDS: dict[str, tuple[tuple[type, ...], bool]] = {
    "role": ((str,), True),
    "text": ((str,), True),
    "voice": ((str,), True),
    "speaker": ((str, type(None)), False),
    "pause_ms": ((int,), False),
    "chapter": ((int,), False),
    "gender": ((str, type(None)), False),
    "written": ((str,), False),
}


def is_script_file(spec: str) -> bool:
    """Whether an input names a Script JSON file (a local path ending in .json)."""
    return spec.lower().endswith(SUFFIX) and "://" not in spec


def load_script(spec: str, book: VoiceBook) -> Script:
    """The Script in the JSON file `spec`, checked field by field and against `book`'s voices."""
    path = Path(spec)
    if not path.exists():
        raise InputError(f"{spec}: no such file")
    if not path.is_file():
        raise InputError(f"{spec}: is not a regular file")
    try:
        if path.stat().st_size > MAX_BYTES:
            size, bound = limits.megabytes(path.stat().st_size, MAX_BYTES)
            raise InputError(f"{spec}: {size} MB is over the {bound} MB limit for a script")
        text = path.read_text(encoding="utf-8-sig")  # a BOM from an editor is not an error
        if _depth(text) > MAX_DEPTH:
            raise InputError(
                f"{spec}: nested deeper than {MAX_DEPTH} levels; a script is an object of lists of objects"
            )
        data = json.loads(text)
    except UnicodeDecodeError:
        raise InputError(f"{spec}: is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"{spec}: is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except OSError as exc:
        raise InputError(f"{spec}: cannot read it ({exc.strerror})") from None
    return parse_script(data, book, spec)


def _depth(text: str) -> int:
    """How deep the JSON in `text` nests (strings skipped), in one pass: json.loads would recurse
    as deep (a script nested 100,000 deep raised RecursionError)."""
    depth = deepest = 0
    in_string = escaped = False
    for ch in text:
        if in_string:
            if escaped:
                escaped = False
            elif ch == "\\":
                escaped = True
            elif ch == '"':
                in_string = False
        elif ch == '"':
            in_string = True
        elif ch in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    return deepest
        elif ch in "]}":
            depth -= 1
    return deepest


def _cut_long(segment: Segment) -> list[Segment]:
    """A segment over MAX_SEGMENT_CHARS, cut at its most natural breaks (the memory a voice needs
    grows with what it says at once: one 200 KB segment took 9 GB)."""
    if len(segment.text) <= MAX_SEGMENT_CHARS:
        return [segment]
    pieces = cap_length(segment.text, MAX_SEGMENT_CHARS)
    shown = split_written(segment.written or segment.text, pieces)
    last = len(pieces) - 1
    return [
        dataclasses.replace(
            segment, text=piece, written=part, pause_ms=segment.pause_ms if i == last else min(segment.pause_ms, 250)
        )
        for i, (piece, part) in enumerate(zip(pieces, shown, strict=True))
    ]


def _shown(key: str) -> str:
    """A key from the file as an error shows it: quoted, escaped, short (it may hold anything)."""
    return repr(key[:40])


def parse_script(data: Any, book: VoiceBook, name: str = "script") -> Script:
    def fail(message: str) -> InputError:
        return InputError(f"{name}: {message}")

    if not isinstance(data, dict):
        raise fail("is not a script: a JSON object with title, chapters and segments (as `briefing script --json`)")
    unknown = sorted(set(data) - {"title", "chapters", "segments", "sources"})
    if unknown:
        raise fail(
            f"unknown field(s) {', '.join(map(_shown, unknown))}; a script has title, chapters, segments, sources"
        )
    title = data.get("title")
    if not isinstance(title, str) or not title.strip():
        raise fail("'title' must be a non-empty string")
    chapters = data.get("chapters", [])
    if not isinstance(chapters, list) or not all(isinstance(c, str) for c in chapters):
        raise fail("'chapters' must be a list of strings")
    sources = data.get("sources", [])
    if not isinstance(sources, list) or not all(isinstance(s, str) for s in sources):
        raise fail("'sources' must be a list of strings")
    segments = data.get("segments")
    if not isinstance(segments, list) or not segments:
        raise fail("'segments' must be a non-empty list")
    if len(segments) > MAX_SEGMENTS:
        raise fail(f"{len(segments)} segments is over the limit of {MAX_SEGMENTS}")
    parsed = [
        cut for n, raw in enumerate(segments, 1) for cut in _cut_long(_segment(raw, n, book, len(chapters), fail))
    ]
    script = Script(title=title, segments=tuple(parsed), chapters=tuple(chapters), sources=tuple(sources))
    try:
        limits.check_script(script)
    except InputError as exc:
        raise fail(str(exc)) from None
    return script


def _segment(raw: Any, n: int, book: VoiceBook, chapters: int, fail) -> Segment:
    where = f"segment {n}"
    if not isinstance(raw, dict):
        raise fail(f"{where} is not an object")
    unknown = sorted(set(raw) - set(_FIELDS))
    if unknown:
        raise fail(f"{where}: unknown field(s) {', '.join(map(_shown, unknown))}; fields: {', '.join(_FIELDS)}")
    for key, (types, required) in _FIELDS.items():
        if key not in raw:
            if required:
                raise fail(f"{where}: '{key}' is missing")
            continue
        value = raw[key]
        if not isinstance(value, types) or isinstance(value, bool):
            kind = " or ".join(
                "null" if t is type(None) else {"str": "a string", "int": "an integer"}[t.__name__] for t in types
            )
            raise fail(f"{where}: '{key}' must be {kind}, not {json.dumps(value, ensure_ascii=False)[:40]}")
    if raw["role"] not in ROLES:
        raise fail(f"{where}: role {raw['role']!r} is not one of {', '.join(ROLES)}")
    if not raw["text"].strip():
        raise fail(f"{where}: 'text' is empty (delete the segment instead)")
    if raw["voice"] not in book.presets:
        raise fail(f"{where}: unknown voice {raw['voice']!r}; voices here: {', '.join(sorted(book.presets))}")
    pause = raw.get("pause_ms", 0)
    if not 0 <= pause <= MAX_PAUSE_MS:
        raise fail(f"{where}: pause_ms {pause} is outside 0 to {MAX_PAUSE_MS}")
    chapter = raw.get("chapter", 0)
    if not 0 <= chapter < max(chapters, 1):
        raise fail(f"{where}: chapter {chapter} does not exist (the script has {chapters} chapter(s), from 0)")
    gender = raw.get("gender")
    if gender is not None and gender not in GENDERS:
        raise fail(f"{where}: gender {gender!r} is not one of {', '.join(GENDERS)} or null")
    return Segment(
        role=raw["role"],
        text=" ".join(raw["text"].split()),
        voice=raw["voice"],
        speaker=raw.get("speaker"),
        pause_ms=pause,
        chapter=chapter,
        gender=gender,
        written=raw.get("written", "").strip(),
    )
