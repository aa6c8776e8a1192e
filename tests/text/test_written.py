"""Written and spoken side by side: each segment shows the article's own text beside what is said."""

import datetime as dt

import pytest
from helpers import SAME_DAY, write_preset

from briefing.cli import app
from briefing.engines.presets import load_voices
from briefing.model import Article, Block
from briefing.text.script import ScriptOptions, build_script
from briefing.text.written import NBSP, NNBSP, french_typography, split_written


@pytest.fixture
def book(tmp_path):
    folder = tmp_path / "voices"
    folder.mkdir()
    write_preset(folder, "narrateur", role="narrator", engine="espeak", voice="fr+m3", gender="male")
    write_preset(folder, "citation", role="quote", engine="espeak", voice="fr+f2", gender="female")
    return load_voices(folder)


def segments(book, *paragraphs, title="Un titre", **options):
    article = Article(title, tuple(Block("paragraph", p) for p in paragraphs))
    options.setdefault("disclosure", False)  # the body is tested here; the disclosure in test_disclosure.py
    return build_script([article], book, ScriptOptions(**options)).segments


@pytest.mark.parametrize(
    "paragraph, written, spoken",
    [
        (
            "Le taux a atteint 25,12 % en 2024.",
            "Le taux a atteint 25,12 % en 2024.",
            "Le taux a atteint vingt-cinq virgule douze pour cent en deux mille vingt-quatre.",
        ),
        (
            "Le billet coûte 12,50 € depuis le 1er mars.",
            "Le billet coûte 12,50 € depuis le 1er mars.",
            "Le billet coûte douze euros cinquante depuis le premier mars.",
        ),
        (
            "La SNCF transporte 150 000 voyageurs par jour.",
            "La SNCF transporte 150 000 voyageurs par jour.",
            "La esse enne cé effe transporte cent cinquante mille voyageurs par jour.",
        ),
        (
            "M. Dupont arrive à 14h30.",
            "M. Dupont arrive à 14h30.",
            "monsieur Dupont arrive à quatorze heures trente.",
        ),
    ],
)
def test_numbers_money_and_abbreviations_are_written_as_the_article_wrote_them(book, paragraph, written, spoken):
    seg = segments(book, paragraph)[1]
    assert (seg.written, seg.text) == (written, spoken)


def test_the_articles_typography_is_kept_in_the_written_text(book):
    """Curly apostrophes, ‘ ’, dashes and no-break spaces are the article's: shown as written,
    while the voice hears the same as with plain ones."""
    typeset = (
        f"L’équipe – dit-on – a gagné 150{NNBSP}000{NBSP}€ ; c’est ‘énorme’ pour la ville{NBSP}: "
        f"un record… Le maire, lui, s’en réjouit."
    )
    plain = (
        "L'équipe, dit-on, a gagné 150 000 € ; c'est “énorme” pour la ville : un record… Le maire, lui, s'en réjouit."
    )
    typeset_segs = segments(book, typeset)
    plain_segs = segments(book, plain)
    assert [s.text for s in typeset_segs] == [s.text for s in plain_segs]
    written = " ".join(s.written for s in typeset_segs[1:])
    assert written == typeset
    assert "L’équipe – dit-on – a gagné" in written and f"150{NNBSP}000{NBSP}€" in written


def test_a_title_and_headings_keep_their_typography(book):
    article = Article(
        "L’Assemblée adopte la loi – enfin",
        (Block("heading", "Ce qu’il faut savoir"), Block("paragraph", "Le texte passe.")),
    )
    segs = build_script([article], book, ScriptOptions(disclosure=False)).segments
    assert [s.written for s in segs[:2]] == ["L’Assemblée adopte la loi – enfin", "Ce qu’il faut savoir"]
    assert segs[0].text == "L'Assemblée adopte la loi, enfin."


def test_a_quotation_is_shown_between_guillemets_and_a_term_keeps_them(book):
    segs = segments(
        book,
        "« Nous tiendrons nos promesses », a déclaré Sophie Marchand.",
        "Le projet, jugé « cosmétique » par l'opposition, avance.",
    )
    quote = next(s for s in segs if s.role == "quote")
    assert quote.written == f"«{NBSP}Nous tiendrons nos promesses{NBSP}»," and "«" not in quote.text
    term = next(s for s in segs if "cosmétique" in s.text)
    assert "« cosmétique »" in term.written and "«" not in term.text  # the article's own spaces
    assert "jugé cosmétique par" in term.text  # spoken without a stray space


def test_a_quotation_of_several_sentences_opens_and_closes_once(book):
    segs = segments(book, "« Nous avons voté. Nous tiendrons. Rien ne change », a dit Paul Girard.")
    quotes = [s for s in segs if s.role == "quote"]
    assert len(quotes) == 3
    assert quotes[0].written.startswith("«" + NBSP) and not quotes[0].written.endswith("»")
    assert quotes[1].written == "Nous tiendrons."
    assert quotes[-1].written == f"Rien ne change{NBSP}»,"  # the comma after », as written


def test_punctuation_after_a_closing_guillemet_stays_in_the_written_text(book):
    """ "», a déclaré" and "année ». Les premiers": the comma and the stop belong to the text a
    reader sees (the transcripts, the page, the EPUB) even though no voice says them."""
    segs = segments(
        book,
        "Selon la mairie, « le chantier du pont sera terminé avant la fin du mois de mai ». Les riverains attendent.",
        "« Nous tiendrons », a promis Paul Girard.",
    )
    shown = [s.written for s in segs if s.role != "title"]
    assert shown == [
        "Selon la mairie,",
        f"«{NBSP}le chantier du pont sera terminé avant la fin du mois de mai{NBSP}».",
        "Les riverains attendent.",
        f"«{NBSP}Nous tiendrons{NBSP}»,",
        "a promis Paul Girard.",
    ]
    said = [s.text for s in segs if s.role != "title"]
    assert said[1].endswith("fin du mois de mai") and said[3] == "Nous tiendrons"  # no sign is said
    # The stop after » ends a sentence: a sentence's pause, not the short one inside a sentence.
    assert segs[2].pause_ms == 450


def test_a_long_sentence_is_cut_at_the_same_places_in_both(book):
    long = (
        "Le conseil a voté 1 250 000 € pour les écoles, 350 000 € pour les crèches, "
        "et 2,5 millions d'euros pour la voirie, après 4 heures de débat."
    )
    segs = [s for s in segments(book, long, max_chars=60) if s.role == "narration"]
    assert len(segs) > 1
    assert " ".join(s.written for s in segs) == long  # every written word once, in order
    for seg in segs:  # each part shows the numbers its spoken part says
        if "crèches" in seg.text:
            assert "crèches" in seg.written and "350 000 €" in seg.written
        if "voirie" in seg.text:
            assert "voirie" in seg.written


def test_split_written_aligns_on_words_left_alone():
    pieces = ["Le budget atteint un million deux cent mille euros,", "et la dette baisse de trois pour cent."]
    assert split_written("Le budget atteint 1 200 000 €, et la dette baisse de 3 %.", pieces) == [
        "Le budget atteint 1 200 000 €,",
        "et la dette baisse de 3 %.",
    ]
    assert split_written("Un seul morceau.", ["Un seul morceau."]) == ["Un seul morceau."]


def test_what_we_write_ourselves_has_french_typography(book):
    two = [Article("Premier sujet du jour", (Block("paragraph", "Un texte."),), publisher="Le Courrier")] * 2
    script = build_script(two, book, ScriptOptions(date=dt.date(2026, 12, 6), disclosure=False))
    summary = script.segments[1]
    assert summary.written.startswith(f"Au sommaire, deux sujets{NBSP}: Premier sujet du jour{NNBSP}; ")
    assert french_typography("Vraiment ? Oui ! « Non »") == f"Vraiment{NNBSP}? Oui{NNBSP}! «{NBSP}Non{NBSP}»"


def test_transcripts_show_the_written_text_unless_asked_for_the_spoken(runner, article, tmp_path):
    article.write_text("Un budget voté\n\nLe budget atteint 25,12 % du total en 2024.\n", encoding="utf-8")
    base = ["speak", str(article), "--engine", "espeak", "--cache-dir", str(tmp_path / "c"), *SAME_DAY]
    assert runner.invoke(app, [*base, "-o", str(tmp_path / "w" / "ep.mp3")]).exit_code == 0
    assert runner.invoke(app, [*base, "-o", str(tmp_path / "s" / "ep.mp3"), "--transcript", "spoken"]).exit_code == 0
    written = (tmp_path / "w" / "ep.vtt").read_text(encoding="utf-8")
    spoken = (tmp_path / "s" / "ep.vtt").read_text(encoding="utf-8")
    assert "25,12 % du total en 2024." in written and "vingt-cinq virgule douze" not in written
    assert "vingt-cinq virgule douze pour cent" in spoken
    assert "25,12 %" in (tmp_path / "w" / "ep.srt").read_text(encoding="utf-8")
    assert "25,12 %" in (tmp_path / "w" / "ep.html").read_text(encoding="utf-8")
    # the audio is the same either way
    assert (tmp_path / "w" / "ep.mp3").read_bytes() == (tmp_path / "s" / "ep.mp3").read_bytes()
    bad = runner.invoke(app, [*base, "-o", str(tmp_path / "x.mp3"), "--transcript", "both"])
    assert bad.exit_code == 2 and "transcript" in bad.stderr


def test_sub_headings_are_their_own_role_with_their_pauses_and_voice(book, tmp_path):
    from briefing.errors import VoiceError
    from briefing.text.script import PAUSE_HEADING, PAUSE_SECTION

    article = Article(
        "Un titre",
        (Block("paragraph", "Un premier paragraphe."), Block("heading", "La suite"), Block("paragraph", "Un second.")),
    )
    segs = build_script([article], book).segments
    i = next(i for i, s in enumerate(segs) if s.role == "heading")
    assert (segs[i].written, segs[i].text, segs[i].voice) == ("La suite", "La suite.", book.narrator)
    assert segs[i - 1].pause_ms >= PAUSE_SECTION and segs[i].pause_ms == PAUSE_HEADING
    folder = book.folder
    (folder / "casting.toml").write_text('heading = "citation"\n', encoding="utf-8")
    own = build_script([article], load_voices(folder)).segments
    assert next(s for s in own if s.role == "heading").voice == "citation"
    (folder / "casting.toml").write_text('heading = "personne"\n', encoding="utf-8")
    with pytest.raises(VoiceError, match="heading voice 'personne' is not a preset"):
        load_voices(folder)
