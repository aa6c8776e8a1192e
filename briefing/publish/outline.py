"""A Script seen as a text to read: articles, their headings and paragraphs, each made of the
segments spoken in it. The listening page and the EPUB are laid out from it.

A Script has no paragraph marks of its own; its silences carry them: a segment followed by a
paragraph's pause (`model.PARAGRAPH_PAUSE_MS`) or a longer one ends its paragraph, and a title
or a heading is a block of its own. An edited Script keeps its structure as long as its pauses do.
"""

from __future__ import annotations

from dataclasses import dataclass

from briefing.model import PARAGRAPH_PAUSE_MS, Script

HEADING_ROLES = ("title", "heading")


@dataclass(frozen=True)
class Block:
    """A title, a sub-heading or a paragraph: the indices of its segments in the Script."""

    kind: str  # "title", "heading" or "paragraph"
    segments: tuple[int, ...]


@dataclass(frozen=True)
class Part:
    """One article of the Script (a Script chapter), its blocks in order."""

    number: int  # the Script's chapter index
    title: str
    blocks: tuple[Block, ...]

    @property
    def segments(self) -> tuple[int, ...]:
        return tuple(i for block in self.blocks for i in block.segments)


def outline(script: Script) -> list[Part]:
    """The Script's articles in the order they are spoken, each cut into blocks."""
    parts: list[tuple[int, list[Block]]] = []
    open_paragraph: list[int] = []

    def close() -> None:
        if open_paragraph:
            parts[-1][1].append(Block("paragraph", tuple(open_paragraph)))
            open_paragraph.clear()

    for i, seg in enumerate(script.segments):
        if not parts or parts[-1][0] != seg.chapter:
            if parts:
                close()
            parts.append((seg.chapter, []))
        if seg.role in HEADING_ROLES:
            close()
            blocks = parts[-1][1]
            previous = script.segments[i - 1] if i else None
            continues = blocks and blocks[-1].kind == seg.role and blocks[-1].segments[-1] == i - 1
            if continues and previous is not None and previous.pause_ms < PARAGRAPH_PAUSE_MS:
                blocks[-1] = Block(seg.role, (*blocks[-1].segments, i))  # a long heading cut in pieces
            else:
                blocks.append(Block(seg.role, (i,)))
            continue
        open_paragraph.append(i)
        if seg.pause_ms >= PARAGRAPH_PAUSE_MS:
            close()
    if parts:
        close()
    return [Part(number, _title(script, number), tuple(blocks)) for number, blocks in parts]


def _title(script: Script, number: int) -> str:
    return script.chapters[number] if 0 <= number < len(script.chapters) else script.title
