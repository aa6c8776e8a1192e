"""How big one run may grow. Each stage checks its own limit as it goes, with a one-line error
(exit 2), so that no input (a huge or hostile file, a feed of thousands of items, an edited
script) can make a run grow without bound in time, memory or output. docs/cli.md, "Limits"."""

from __future__ import annotations

MAX_ARTICLE_BYTES = 1024 * 1024  # the text of one article (about 18 hours of speech)
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024  # one URL, file or standard input, before extraction
# One HTML page as downloaded (or read from a file), before extraction: the article's limit, with
# as much again for the markup around it (news pages weigh 50-700 KB).
MAX_PAGE_BYTES = 2 * MAX_ARTICLE_BYTES
MAX_ARTICLES = 200  # articles in one episode, all inputs and feed items together
MAX_SEGMENTS = 20_000  # segments in one episode's Script (about 2 MB of text, 20 hours of speech)
MAX_SEGMENT_CHARS = 1_000  # one segment of an edited script: longer ones are cut at natural breaks
MAX_QUOTES = 10_000  # quotation segments in one episode
MAX_SPEAKERS = 1_000  # distinct quoted sources in one episode
MAX_CHAPTERS = 2_000  # articles and their sub-headings: ID3 chapters, JSON chapters, EPUB navigation
MAX_FEED_ITEMS = 5_000  # episodes one feed.xml lists


def megabytes(size: int, limit: int) -> tuple[str, str]:
    """`size` and `limit` in MB, with as many decimals as it takes to tell them apart ("1.04",
    "1"): a message never says "1.0 MB is over the 1.0 MB limit"."""
    for decimals in range(4):
        said, bound = round(size / 2**20, decimals), round(limit / 2**20, decimals)
        if said != bound:
            break
    bound_text = f"{limit / 2**20:,.{decimals}f}"
    if "." in bound_text:  # "1.00" -> "1", never "20" -> "2"
        bound_text = bound_text.rstrip("0").rstrip(".")
    return f"{said:,.{decimals}f}", bound_text


def check_script(script) -> None:
    """Raise an InputError when a Script (built, or read from an edited JSON) is over a limit."""
    from briefing.errors import InputError

    segments = script.segments
    quotes = sum(1 for s in segments if s.role == "quote")
    speakers = len({s.speaker for s in segments if s.role == "quote" and s.speaker})
    chapters = len(script.chapters) + sum(1 for s in segments if s.role == "heading")
    for count, limit, what in (
        (len(segments), MAX_SEGMENTS, "segments"),
        (quotes, MAX_QUOTES, "quotations"),
        (speakers, MAX_SPEAKERS, "quoted sources"),
        (chapters, MAX_CHAPTERS, "chapters and sub-headings"),
    ):
        if count > limit:
            raise InputError(f"{count:,} {what} is over the limit of {limit:,} for one episode; split it into several")
