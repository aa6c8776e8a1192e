"""Articles in, the Script out: who says what, in which order, with which silence after.

This is the whole text side as one function. It never touches audio, so `briefing script`
and the text tests run without any engine.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from briefing import limits
from briefing.errors import InputError
from briefing.model import PARAGRAPH_PAUSE_MS, Article, Script, Segment, VoiceBook
from briefing.options import SpeakOptions
from briefing.text.attribution import SPEECH_VERB, Attributor, sentence_after, sentence_before
from briefing.text.cast import Casting
from briefing.text.clean import has_words, speech_text
from briefing.text.dates import MONTHS, WEEKDAYS
from briefing.text.normalize import Normaliser
from briefing.text.numbers import JOIN, cardinal, ordinal
from briefing.text.quotes import Run, is_speech, split_incises, split_quotes
from briefing.text.sentences import cap_length, split_sentences
from briefing.text.speakers import Speaker, Speakers
from briefing.text.written import NBSP, Typesetter, french_typography, split_written

# Silences (ms) after a segment, by the boundary that follows it. Longer boundaries win.
PAUSE_CLAUSE = 180  # a long sentence cut in two
PAUSE_INLINE = 220  # narration <-> quotation inside one sentence
PAUSE_SENTENCE = 450
PAUSE_PARAGRAPH = PARAGRAPH_PAUSE_MS  # 850; a longer pause ends a paragraph too
PAUSE_HEADING = 650  # after a sub-heading
PAUSE_SECTION = 1200  # before a sub-heading
PAUSE_TITLE = 1100  # after the title announcement
PAUSE_CHAPTER = 1800  # between two articles
PAUSE_END = 600
PAUSE_TRANSITION = 500  # after "Sujet suivant, ..."

DEFAULT_MAX_CHARS = SpeakOptions.max_chars
INTRO_CHAPTER = "Sommaire"


@dataclass(frozen=True)
class ScriptOptions:
    """Settings of the text side."""

    max_chars: int = DEFAULT_MAX_CHARS
    title: str | None = None  # the episode title; the first article's title by default
    pronunciations: Mapping[str, str] = field(default_factory=dict)  # written form -> how it is said (the lexicons)
    # A daily briefing: a spoken intro with the date and the list of subjects, each article
    # announced with its source, an outro. None: only when there are several articles.
    briefing: bool | None = None
    date: dt.date | None = None  # the briefing's date; today by default
    # Say that synthetic voices read it: after the greeting, or after a lone article's title.
    disclosure: bool = True
    disclosure_text: str | None = None  # None: disclosure_sentence()'s
    # The longest text some voices can speak in one call (their engine's limit, e.g. a Tacotron2
    # decoder's budget); their segments are cut to it as to max_chars.
    voice_limits: Mapping[str, int] = field(default_factory=dict)


def build_script(articles: list[Article], book: VoiceBook, options: ScriptOptions = ScriptOptions()) -> Script:
    """Turn articles into one Script: one chapter per article, quotes cast by speaker."""
    originals, articles = articles, [spoken_article(a) for a in articles]
    # One day for the intro, the outro and the title, even when the clock passes midnight.
    options = dataclasses.replace(options, date=options.date or dt.date.today())
    attributor = Attributor()
    demand = speaker_genders(articles, book, attributor)
    casting = Casting(book, demand=demand)
    normaliser = Normaliser(options.pronunciations)
    builder = _Builder(book.narrator, casting, options.max_chars, normaliser, options.voice_limits)
    builder.who = Speakers(book.genders)
    builder.attributor = attributor
    builder.heading_voice = book.heading or book.narrator
    briefing = is_briefing(articles, options)
    if options.disclosure:
        several = bool(demand) or builder.heading_voice != builder.narrator
        builder.disclosure = options.disclosure_text or disclosure_sentence(briefing, several)
        builder.disclosure_auto = options.disclosure_text is None
        builder.briefing = briefing
    chapters = chapter_titles(originals, options)
    date = options.date
    if briefing:
        builder.intro(date, articles)
    first = 1 if briefing else 0
    for i, (article, original) in enumerate(zip(articles, originals, strict=True)):
        if briefing:
            builder.announce(i, len(articles), article.publisher, first + i)
        builder.article(article, first + i, announced=briefing, original=original)
    if briefing:
        builder.outro(date, first + len(articles) - 1)
    segments = builder.finish()
    script = Script(title="", segments=tuple(segments), chapters=chapters)
    limits.check_script(script)
    return Script(title=episode_title(originals, options), segments=tuple(segments), chapters=chapters)


def is_briefing(articles: list[Article], options: ScriptOptions) -> bool:
    """Whether the articles are read as a daily briefing (intro, announcements, outro)."""
    return options.briefing if options.briefing is not None else len(articles) > 1


def episode_title(articles: list[Article], options: ScriptOptions) -> str:
    """The Script's title: read, not heard (ID3, feed, page, EPUB), so a briefing's date is in figures."""
    if options.title:
        return options.title
    if is_briefing(articles, options):
        return f"Briefing du {written_date(options.date or dt.date.today())}"
    return articles[0].title if articles else ""


def chapter_titles(articles: list[Article], options: ScriptOptions) -> tuple[str, ...]:
    """The Script's chapters: the intro's when it is a briefing, then each article's title."""
    titles = tuple(speech_text(a.title) for a in articles)
    return (INTRO_CHAPTER, *titles) if is_briefing(articles, options) else titles


def head(articles: list[Article], book: VoiceBook, options: ScriptOptions = ScriptOptions()) -> tuple[Segment, ...]:
    """The first segments of build_script's Script, made without reading a quotation (so
    without spaCy): a briefing's greeting, or a lone article's title. A stream (`speak -o -`)
    speaks them while the rest is cast. Their texts, voices and chapters are the Script's; the
    pause after the last one is the Script's to say (what follows can lengthen it)."""
    if not articles:
        return ()
    builder = _Builder(
        book.narrator, Casting(book), options.max_chars, Normaliser(options.pronunciations), options.voice_limits
    )
    if is_briefing(articles, options):
        builder.greet(options.date or dt.date.today())
    else:
        builder.title(spoken_article(articles[0]), 0, articles[0])
    return tuple(builder.segments)


def spoken_article(article: Article) -> Article:
    """`article` in the plain form speech stages match (clean.speech_text); the Script's written
    texts come back to the article's own typography (written.Typesetter)."""
    return dataclasses.replace(
        article,
        title=speech_text(article.title),
        blocks=tuple(dataclasses.replace(block, text=speech_text(block.text)) for block in article.blocks),
    )


def speaker_genders(articles: list[Article], book: VoiceBook, attributor: Attributor | None = None) -> list[str | None]:
    """The gender of each source the articles quote, in order of first quotation: what casting
    will be asked for, so that a source of unknown gender leaves the voices people need.
    `articles` in their spoken form (spoken_article)."""
    builder = _Builder(book.narrator, Casting(book), 0, Normaliser(), {})
    builder.who = Speakers(book.genders)
    if attributor is not None:
        builder.attributor = attributor
    seen: dict[int, Speaker] = {}
    for article in articles:
        builder.start_article(article)
        for k, block in enumerate(article.blocks):
            if block.kind != "paragraph":
                continue
            builder.ahead = _ahead(article, k)
            runs = quote_runs(block.text)
            for speaker in builder.speakers_of(runs):
                if speaker is not None and id(speaker) not in seen:
                    seen[id(speaker)] = speaker
    return [speaker.gender for speaker in seen.values()]  # read at the end: pronouns complete them


def quote_runs(paragraph: str) -> list[Run]:
    """A paragraph as narration and quotation runs: terms and titles folded into the narration,
    quotations cut at their incises."""
    return split_incises(_merge_non_speech(split_quotes(paragraph)), lambda verb: bool(SPEECH_VERB.match(verb)))


def disclosure_sentence(briefing: bool, several_voices: bool) -> str:
    """ "Ce briefing vous est lu par des voix de synthèse." (EU AI Act art. 50: a listener is told.)"""
    what = "Ce briefing" if briefing else "Cet article"
    who = "des voix de synthèse" if several_voices else "une voix de synthèse"
    return f"{what} vous est lu par {who}."


def spoken_date(day: dt.date) -> str:
    """ "mardi vingt-quatre novembre" ("premier" for the first of the month)."""
    number = ordinal(1) if day.day == 1 else cardinal(day.day)
    return f"{WEEKDAYS[day.weekday()]} {number} {MONTHS[day.month - 1]}".replace(JOIN, " ")


def written_date(day: dt.date) -> str:
    """ "mardi 24 novembre", "lundi 1er décembre": the date as French typography writes it."""
    number = "1er" if day.day == 1 else str(day.day)
    return f"{WEEKDAYS[day.weekday()]} {number} {MONTHS[day.month - 1]}"


def from_publisher(name: str) -> str:
    """ "de France Info", "du Monde" (Le Monde), "des Échos" (Les Échos), "d'Ouest-France"."""
    for article, contracted in (("Le ", "du "), ("Les ", "des ")):
        if name.startswith(article):
            return contracted + name[len(article) :]
    if name[:1].lower() in "aeiouyéèêàâîôh":
        return "d'" + name
    return "de " + name


class _Builder:
    def __init__(
        self, narrator: str, casting: Casting, max_chars: int, normaliser: Normaliser, voice_limits: Mapping[str, int]
    ):
        self.narrator = narrator
        self.normaliser = normaliser
        self.casting = casting
        self.max_chars = max_chars
        self.voice_limits = voice_limits
        self.segments: list[Segment] = []
        self.who = Speakers()  # the sources quoted, one identity each
        self.spoken_by: list[Speaker | None] = []  # each segment's source, labelled in finish()
        self.last_speaker: Speaker | None = None
        self.continued: Speaker | None = None  # the speaker of a quotation left open at a paragraph's end
        self.ahead = ""  # the narration after the current paragraph, for a quotation before its speaker is named
        self.attributor = Attributor()
        self.heading_voice = narrator  # sub-headings: the narrator, or casting.toml's `heading`
        self.disclosure: str | None = None  # said once: after the greeting, or the first title
        self.disclosure_auto = False  # ours, not the user's: "des voix" when more than one voice speaks
        self.disclosure_at: int | None = None  # its segment
        self.briefing = False
        self.typesetter: Typesetter | None = None  # the article's text being read, as written

    def emit(
        self, role: str, text: str, voice: str, speaker: Speaker | None, pause_ms: int, chapter: int, written: str = ""
    ) -> None:
        text = " ".join(text.replace(JOIN, " ").split()).lstrip(" ,;")
        if not has_words(text):
            # Punctuation left between two quotes carries no sound, but its boundary does; a
            # reader still sees it ("année ». Les premiers..."), after the previous segment.
            self.show_after_last(re.sub(r"[\s«»]+", "", written), chapter)
            self.end_with(pause_ms)
            return
        if len(self.segments) >= limits.MAX_SEGMENTS:  # checked as it grows: the work stays bounded
            raise InputError(
                f"this text makes more than {limits.MAX_SEGMENTS:,} segments, the limit for one episode; "
                "split it into several"
            )
        if self.typesetter is not None:
            written = self.typesetter.restore(written)
        written = re.sub(r"[ \t\r\n]+", " ", written).strip()
        lead = re.match(r"[,;]+", written)
        if lead:  # "», a déclaré X": the comma is shown after the quotation it closes, as written
            self.show_after_last(lead.group(), chapter)
        written = written.lstrip(",;").lstrip()
        self.segments.append(Segment(role, text, voice, None, pause_ms, chapter, written=written or text))
        self.spoken_by.append(speaker)

    def show_after_last(self, marks: str, chapter: int) -> bool:
        """Add `marks` (punctuation no voice says) to the written text of the segment before, when
        it is of the same article; whether it was."""
        if not marks or not self.segments or self.segments[-1].chapter != chapter:
            return False
        last = self.segments[-1]
        self.segments[-1] = dataclasses.replace(last, written=last.written + marks)
        return True

    def end_with(self, pause_ms: int) -> None:
        """Lengthen the silence after the last segment to at least `pause_ms`."""
        if self.segments and self.segments[-1].pause_ms < pause_ms:
            self.set_last_pause(pause_ms)

    def set_last_pause(self, pause_ms: int) -> None:
        self.segments[-1] = dataclasses.replace(self.segments[-1], pause_ms=pause_ms)

    def greet(self, date: dt.date) -> None:
        """A briefing's first words (`head`)."""
        hello = "Bonjour. Voici votre briefing du {}."
        self.ours("transition", hello.format(spoken_date(date)), PAUSE_SENTENCE, 0, hello.format(written_date(date)))

    def intro(self, date: dt.date, articles: list[Article]) -> None:
        self.greet(date)
        self.disclose(0, PAUSE_SENTENCE)
        count = cardinal(len(articles)).replace(JOIN, " ")
        subjects = "sujet" if len(articles) == 1 else "sujets"
        titles = " ; ".join(_as_sentence(a.title).rstrip(".!?…") for a in articles)
        self.ours("transition", f"Au sommaire, {count} {subjects} : {titles}.", PAUSE_CHAPTER, 0)

    def disclose(self, chapter: int, pause_ms: int) -> None:
        """Say the disclosure, the first time only."""
        if self.disclosure:
            self.disclosure_at = len(self.segments)
            self.ours("transition", self.disclosure, pause_ms, chapter)
            self.disclosure = None

    def announce(self, index: int, total: int, publisher: str, chapter: int) -> None:
        self.end_with(PAUSE_CHAPTER)
        lead = "Premier sujet" if index == 0 else ("Dernier sujet" if index == total - 1 else "Sujet suivant")
        text = f"{lead}, une information {from_publisher(publisher)}." if publisher else f"{lead}."
        self.ours("transition", text, PAUSE_TRANSITION, chapter)

    def outro(self, date: dt.date, chapter: int) -> None:
        self.end_with(PAUSE_CHAPTER)
        bye = "C'était votre briefing du {}. Merci de votre écoute, et à demain."
        self.ours("transition", bye.format(spoken_date(date)), PAUSE_END, chapter, bye.format(written_date(date)))

    def ours(self, role: str, text: str, pause_ms: int, chapter: int, written: str | None = None) -> None:
        """What we write ourselves (intro, announcements, outro), in the narrator's voice; shown
        (as `written`, by default as said) with French typography."""
        shown = french_typography(text if written is None else written)
        self.typesetter = None
        self.capped(role, text, self.narrator, None, pause_ms, chapter, written=shown)

    def start_article(self, article: Article) -> None:
        self.last_speaker = None
        self.continued = None
        self.who.start_article("\n".join(block.text for block in article.blocks))
        self.who.read(article.title)  # "Christian Dubé demande aux Québécois…": who the article is about

    def article(self, article: Article, chapter: int, announced: bool = False, original: Article | None = None) -> None:
        """Read `article` (its spoken form); written texts are `original`'s, as the article wrote them."""
        if not announced:
            self.end_with(PAUSE_CHAPTER)
        self.start_article(article)
        self.title(article, chapter, original)
        self.disclose(chapter, PAUSE_TITLE)  # a paragraph of its own, between title and text
        for k, block in enumerate(article.blocks):
            self.ahead = _ahead(article, k)
            self.typesetter = Typesetter(original.blocks[k].text) if original is not None else None
            if block.kind == "heading":
                self.end_with(PAUSE_SECTION)
                heading = _as_sentence(block.text)
                self.capped("heading", heading, self.heading_voice, None, PAUSE_HEADING, chapter, written=block.text)
            else:
                self.paragraph(block.text, chapter)
                self.end_with(PAUSE_PARAGRAPH)

    def title(self, article: Article, chapter: int, original: Article | None = None) -> None:
        """An article's title, in the narrator's voice (a lone article's first words: `head`)."""
        self.typesetter = Typesetter(original.title) if original is not None else None
        self.capped(
            "title", _as_sentence(article.title), self.narrator, None, PAUSE_TITLE, chapter, written=article.title
        )

    def paragraph(self, text: str, chapter: int) -> None:
        runs = quote_runs(text)
        speakers = self.speakers_of(runs)
        for i, run in enumerate(runs):
            if not run.quoted:
                text = run.text
                ends = re.match(r"\s*([.!?…]+)", text) if i else None
                if ends and self.show_after_last(ends.group(1), chapter):
                    # "année ». Les premiers...": the quotation ended a sentence; its stop is shown
                    # after it, and heard as a sentence's pause.
                    self.end_with(PAUSE_SENTENCE)
                    text = text[ends.end() :]
                self.narration(text, chapter)
                continue
            speaker = speakers[i]
            self.end_with(PAUSE_INLINE)
            voice = (
                self.casting.voice_for(id(speaker), speaker.gender, speaker.aliases)
                if speaker
                else self.casting.voice_for(None)
            )
            first = len(self.segments)
            self.sentences(run.text, "quote", voice, speaker, chapter)
            if len(self.segments) > first:  # shown between guillemets, as the article had it
                if run.opens:
                    opened = dataclasses.replace(
                        self.segments[first], written="«" + NBSP + self.segments[first].written
                    )
                    self.segments[first] = opened
                if run.closes:
                    self.segments[-1] = dataclasses.replace(
                        self.segments[-1], written=self.segments[-1].written + NBSP + "»"
                    )
            self.end_with(PAUSE_INLINE)

    def speakers_of(self, runs: list[Run]) -> list[Speaker | None]:
        """Each run's source (None for narration and unknown sources), read in order: the people
        the narration names are noted as they come, for the pronouns after them."""
        speakers: list[Speaker | None] = []
        for i, run in enumerate(runs):
            if run.quoted:
                speakers.append(self.attribute(runs, i))
            else:
                self.who.read(run.text)
                speakers.append(None)
        # A quotation left open at the end of a paragraph goes on in the next one (press style).
        self.continued = speakers[-1] if runs and runs[-1].quoted else None
        return speakers

    def attribute(self, runs: list[Run], i: int) -> Speaker | None:
        """The source of the quotation `runs[i]`, from the narration around it (None: unknown)."""
        before = runs[i - 1].text if i > 0 and not runs[i - 1].quoted else ""
        after = runs[i + 1].text if i + 1 < len(runs) and not runs[i + 1].quoted else ""
        if i > 0 and runs[i - 1].incise:
            return self.last_speaker  # the rest of a quotation its incise attributed
        found = self.attributor.attribute(before, runs[i].text, after)
        speaker = None
        if found is not None and found.pronoun is not None:
            speaker = self.who.resolve_pronoun(found.pronoun)
        elif found is not None and found.mention:
            speaker = self.who.resolve(
                found.mention, sentence_before(before), sentence_after(after), found.gender, found.entity
            )
        elif i > 0 and (runs[i - 1].quoted or not re.search(r"\w", before)):
            speaker = self.last_speaker  # a quote straight after another continues it
        elif i == 0 and self.continued is not None:
            speaker = self.continued
        elif found is None:
            # No clause names anyone: in news such a quotation goes on with the person the text
            # is about, the one it named last (measured on real articles: bench/attribution.py),
            # or, opening the article, the one it names next.
            speaker = self.who.latest_person() or self.who.named_next(after + " " + self.ahead)
        if speaker is None and found is not None and found.pronoun is not None:
            speaker = self.who.named_next(after + " " + self.ahead, found.gender)  # "« … », a-t-il dit. X, …"
        if speaker is not None:
            self.last_speaker = speaker
        return speaker

    def narration(self, text: str, chapter: int) -> None:
        self.sentences(text, "narration", self.narrator, None, chapter)

    def sentences(self, text: str, role: str, voice: str, speaker: Speaker | None, chapter: int) -> None:
        for sentence in split_sentences(text):
            self.capped(role, sentence, voice, speaker, PAUSE_SENTENCE, chapter)
        # A run that ends mid-sentence (narration before an inline quote) ends with a short pause.
        if self.segments and not _ends_sentence(text) and self.segments[-1].pause_ms == PAUSE_SENTENCE:
            self.set_last_pause(PAUSE_INLINE)

    def capped(
        self,
        role: str,
        text: str,
        voice: str,
        speaker: Speaker | None,
        pause_ms: int,
        chapter: int,
        written: str | None = None,
    ) -> None:
        """Emit `text` spelled out and cut to the length cap: clause pauses inside, `pause_ms`
        after the last piece; each piece shown as its part of `written` (`text` by default)."""
        pieces = cap_length(self.say(text), min(self.max_chars, self.voice_limits.get(voice, self.max_chars)))
        shown = split_written(text if written is None else written, pieces)
        for j, (piece, part) in enumerate(zip(pieces, shown, strict=True)):
            pause = pause_ms if j == len(pieces) - 1 else PAUSE_CLAUSE
            self.emit(role, piece, voice, speaker, pause, chapter, written=part)

    def say(self, text: str) -> str:
        """Spell `text` out for speech (numbers stay NBSP-joined until `emit`)."""
        return self.normaliser.normalise(text)

    def finish(self) -> list[Segment]:
        """The segments, each quote labelled with its source's final name and gender (a person
        met as "M. Fillon" and later as "François Fillon" is "François Fillon" throughout)."""
        if self.segments:
            self.set_last_pause(PAUSE_END)
        voices = {seg.voice for seg in self.segments}
        if self.disclosure_auto and self.disclosure_at is not None and len(voices) > 1:
            # The files say "des voix" whenever more than one voice speaks: so does the voice.
            said = disclosure_sentence(self.briefing, True)
            seg = self.segments[self.disclosure_at]
            self.segments[self.disclosure_at] = dataclasses.replace(seg, text=said, written=french_typography(said))
        return [
            dataclasses.replace(seg, speaker=who.key, gender=who.gender) if who is not None else seg
            for seg, who in zip(self.segments, self.spoken_by, strict=True)
        ]


def _ahead(article: Article, k: int) -> str:
    """The narration after block `k`: two paragraphs at most, where a lead quotation's speaker is named."""
    return " ".join(block.text for block in article.blocks[k + 1 : k + 3] if block.kind == "paragraph")[:1200]


def _merge_non_speech(runs: list[Run]) -> list[Run]:
    """Fold quotations that are not speech (titles, terms) back into the narration around them."""
    merged: list[Run] = []
    for i, run in enumerate(runs):
        before = runs[i - 1].text if i > 0 else ""
        after = runs[i + 1].text if i + 1 < len(runs) else ""
        if run.quoted and is_speech(run.text, before, after):
            merged.append(run)
            continue
        # A term or title keeps its guillemets in the written text; normalisation drops them from speech.
        text = f"«{NBSP}{run.text}{NBSP}»" if run.quoted else run.text
        if merged and not merged[-1].quoted:
            prev = merged.pop().text
            glue = "" if prev.endswith((" ", "'")) or not run.quoted else " "
            text = prev + glue + text
        if (
            run.quoted
            and i + 1 < len(runs)
            and not runs[i + 1].quoted
            and not runs[i + 1].text.startswith((" ", ",", "."))
        ):
            text += " "
        merged.append(Run(text, False))
    return merged


def _ends_sentence(text: str) -> bool:
    return text.rstrip(' »”")').endswith((".", "!", "?", "…"))


def _as_sentence(text: str) -> str:
    text = text.strip()
    return text if _ends_sentence(text) or text.endswith(":") else text + "."
