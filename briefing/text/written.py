"""The written side of a segment: the article's own words for what a voice says.

Each segment is spoken as `text` ("vingt-cinq virgule douze pour cent") and shown as `written`
("25,12 %"), the article's text for the same stretch, with its digits, symbols and typography.
A sentence that is one segment keeps its written form whole; a sentence cut in pieces for
length is cut at the same places in its written form, found by aligning the words of the two
(the words that normalisation leaves alone anchor the cut; between anchors, proportionally).
"""

from __future__ import annotations

import difflib
import re

from briefing.text.clean import collapse_spaces, speech_text_map

NBSP = "\u00a0"
NNBSP = "\u202f"  # narrow no-break space, before ; ? ! in French typography
_WORD = re.compile(r"\w+", re.UNICODE)
# Past this many words the alignment is proportional only (difflib is quadratic in the worst case).
MAX_ALIGNED_WORDS = 2000


def split_written(written: str, pieces: list[str]) -> list[str]:
    """`written` cut into as many parts as `pieces` (its spoken form, already cut), at the
    matching places; each part stripped."""
    written = written.strip()
    if len(pieces) <= 1:
        return [written] * len(pieces)
    words = written.split()
    spoken_counts = [len(p.split()) for p in pieces]
    spoken_total = sum(spoken_counts)
    boundaries, k = [], 0
    for count in spoken_counts[:-1]:
        k += count
        boundaries.append(k)
    mapping = _word_map(words, [w for p in pieces for w in p.split()])
    cuts, previous = [], 0
    for b in boundaries:
        j = mapping(b) if spoken_total else 0
        j = min(max(j, previous), len(words))
        cuts.append(j)
        previous = j
    parts, start = [], 0
    for j in [*cuts, len(words)]:
        parts.append(" ".join(words[start:j]))
        start = j
    return parts


def _key(word: str) -> str:
    return "".join(_WORD.findall(word.lower()))


def _word_map(written: list[str], spoken: list[str]):
    """A function from a spoken word index (a boundary) to the written word index it falls at."""
    n, m = len(written), len(spoken)
    if n + m > MAX_ALIGNED_WORDS or not n or not m:
        return lambda k: round(k * n / m) if m else 0
    blocks = difflib.SequenceMatcher(None, [_key(w) for w in written], [_key(w) for w in spoken], autojunk=False)
    opcodes = blocks.get_opcodes()

    def mapping(k: int) -> int:
        for _tag, i1, i2, j1, j2 in opcodes:
            if j1 <= k < j2 or (k == j2 and j2 == m):
                if j2 == j1:
                    return i1
                return i1 + round((k - j1) * (i2 - i1) / (j2 - j1))
        return n

    return mapping


def french_typography(text: str) -> str:
    """What we write ourselves, set as French typography: a no-break space before « : » and a
    narrow one before « ; ? ! », no-break spaces inside « ». Spaces already there are replaced."""
    text = re.sub(r"\s*:(?=\s|$)", NBSP + ":", text)
    text = re.sub(r"\s*([;?!])(?=\s|$)", NNBSP + r"\1", text)
    text = re.sub(r"«\s*", "«" + NBSP, text)
    text = re.sub(r"\s*»", NBSP + "»", text)
    return text


_MARKS = str.maketrans({"«": '[«“„"]', "»": '[»”"]'})


class Typesetter:
    """Gives back a paragraph's words as the article wrote them.

    Speech stages work on `speech_text(original)`: plain apostrophes, spaces and dashes. Each
    segment's written text is a stretch of that form; `restore` finds it, from where the last one
    ended, and returns the same stretch of the original (’, ‘ ’, –, —, no-break spaces). A stretch
    it cannot find (rewritten by a stage) is returned as it is.
    """

    def __init__(self, original: str):
        self.original = original
        self.speech, self.starts, self.ends = speech_text_map(original)
        self.cursor = 0

    def restore(self, written: str) -> str:
        tokens = written.split()
        if not tokens:
            return written
        # Guillemets the Script puts around a term stand for the article's own quotation marks.
        pattern = re.compile(r"\s*".join(re.escape(token) for token in tokens).translate(_MARKS))
        # The stretch follows the last one closely: the search window keeps the work linear.
        window = self.cursor + 2 * len(written) + 200
        m = pattern.search(self.speech, self.cursor, window)
        if m is None or m.end() == m.start():
            return written
        self.cursor = m.end()
        return collapse_spaces(self.original[self.starts[m.start()] : self.ends[m.end() - 1]])
