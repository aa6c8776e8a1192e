"""Who says each quotation, read with spaCy's French pipeline: the constructions of French news
as table tests (snippet -> speaker, gender, the gender of the voice cast)."""

import subprocess
import sys

import pytest
import spacy
from helpers import ARTICLE, ROOT, SAMPLE_ARTICLE, write_preset

from briefing.engines.presets import load_voices
from briefing.model import Article, Block
from briefing.text import attribution
from briefing.text.attribution import PRONOUNS
from briefing.text.script import ScriptOptions, build_script


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    folder = tmp_path_factory.mktemp("voices")
    write_preset(folder, "narrateur", role="narrator", engine="espeak", voice="fr+m3", gender="male")
    for name, gender in (("fa", "female"), ("fb", "female"), ("fc", "female"), ("ma", "male"), ("mb", "male")):
        write_preset(folder, name, role="quote", engine="espeak", voice="fr", gender=gender)
    write_preset(folder, "mc", role="quote", engine="espeak", voice="fr", gender="male")
    return load_voices(folder)


def quotes_of(book, *paragraphs, title="Titre"):
    article = Article(title, tuple(Block("paragraph", p) for p in paragraphs))
    script = build_script([article], book, ScriptOptions(disclosure=False))
    return [s for s in script.segments if s.role == "quote"], script


@pytest.mark.parametrize(
    "paragraphs, speaker, gender",
    [
        # after the quotation, an inverted clitic: the person met before it
        (
            [
                "La ministre de la Culture, Rachida Dati, était à Avignon mardi.",
                "« Nous soutiendrons les festivals », a-t-elle déclaré au journal.",
            ],
            "Rachida Dati",
            "female",
        ),
        (
            ["Le maire, Paul Girard, a visité le chantier.", "« Les délais ne sont pas tenus », déplore-t-il."],
            "Paul Girard",
            "male",
        ),
        # before it, a pronoun subject after an adjective
        (
            ["Le capitaine Antoine Dupont a soulevé le trophée.", "Ému, il déclare : « C'est une grande victoire. »"],
            "Antoine Dupont",
            "male",
        ),
        (
            ["Le juge Marc Lenoir a tranché.", "Pour lui, « rien ne justifiait cette détention »."],
            "Marc Lenoir",
            "male",
        ),
        (
            ["La sénatrice Anne Roux reste prudente.", "Selon elle, « le texte sera amendé au Sénat »."],
            "Anne Roux",
            "female",
        ),
        (
            [
                "Le préfet Jean Morel a réuni les élus.",
                "S'il estime qu'« il est trop tôt pour conclure », il reste prudent.",
            ],
            "Jean Morel",
            "male",
        ),
        # an antecedent two sentences back
        (
            [
                "Claire Vasseur dirige l'hôpital depuis 2019. L'établissement a perdu vingt lits cette année. "
                "Elle a répondu : « Nous ne fermerons aucun service. »"
            ],
            "Claire Vasseur",
            "female",
        ),
        # a role with a (foreign) name in apposition: the name, with the role's gender
        (
            ["L'entraîneur du club, Jürgen Weber, a déclaré : « Nous avons bien joué. »"],
            "Jürgen Weber",
            "male",
        ),
        (
            [
                "L'entraîneur du club, Paul Girard, qui a recruté deux joueurs de l'Olympique lyonnais cette saison, "
                "a déclaré : « Nous visons le titre. »"
            ],
            "Paul Girard",
            "male",
        ),
        (
            ["« Nous irons jusqu'au bout », a déclaré le porte-parole d'OpenAI, Niko Felix."],
            "Niko Felix",
            "male",
        ),
        (
            ["« Le dossier est vide », affirme la ministre."],
            "la ministre",
            "female",
        ),
        # a bare role is a speaker of its own, with its determiner's gender
        (
            ["Interrogée par France Info, la juge a estimé que « le dossier ne tient pas »."],
            "la juge",
            "female",
        ),
        # a name in a long sentence, then a colon
        (
            [
                "Après trois heures de débat houleux au conseil municipal, Sophie Marchand, a répondu : "
                "« Nous voterons contre ce budget. »"
            ],
            "Sophie Marchand",
            "female",
        ),
        # a role and its name without a comma; a complement that is not "de X" is no part of a label
        (
            ["« Il existe un faisceau d'indices », a déclaré le préfet de Mayotte François-Xavier Bieuville."],
            "François-Xavier Bieuville",
            "male",
        ),
        (
            ["« La maison contient beaucoup de bois », explique une pompière à l'œuvre devant la façade."],
            "une pompière",
            "female",
        ),
        # a first name from the data, of a foreign origin
        (["« Nous resterons unis », a déclaré Olena Kovalenko."], "Olena Kovalenko", "female"),
        # nothing tells the gender: null, not a guess
        (["« Nous ouvrirons en mai », a déclaré Dominique Sarrazin."], "Dominique Sarrazin", None),
        # an organisation or a document has no gender
        (["« Une enquête est ouverte », a indiqué le parquet de Paris."], "le parquet de Paris", None),
        (["« Les travaux reprendront », lit-on dans un communiqué de la mairie."], "un communiqué de la mairie", None),
    ],
)
def test_constructions(book, paragraphs, speaker, gender):
    quotes, _ = quotes_of(book, *paragraphs)
    assert quotes, paragraphs
    assert {(q.speaker, q.gender) for q in quotes} == {(speaker, gender)}
    if gender is not None:
        assert {book.presets[q.voice].gender for q in quotes} == {gender}


def test_two_men_two_voices_and_she_is_not_the_last_man(book):
    quotes, _ = quotes_of(
        book,
        "Le maire Paul Girard et le député Luc Besson se sont affrontés. Isabelle Moreau, conseillère, a assisté au débat.",
        "« Le projet est financé », a assuré Paul Girard.",
        "« Rien n'est signé », a répondu Luc Besson. « C'est une promesse de campagne », a-t-il ajouté.",
        "« Je demande un audit », a déclaré Isabelle Moreau. Elle a ensuite rejoint le maire Paul Girard. "
        "« Nous le demandons depuis un an », a-t-elle encore ajouté.",
    )
    said = [(q.speaker, q.gender) for q in quotes]
    assert said == [
        ("Paul Girard", "male"),
        ("Luc Besson", "male"),
        ("Luc Besson", "male"),
        ("Isabelle Moreau", "female"),
        ("Isabelle Moreau", "female"),
    ]
    voices = {q.speaker: q.voice for q in quotes}
    assert len(set(voices.values())) == 3  # one source, one voice; two sources, two voices


def test_labels_are_never_pronouns_or_determiners(book):
    quotes, _ = quotes_of(
        book,
        "« Il faut agir », a-t-il dit.",  # nobody met before: unknown, not "Il"
        "Ému, il déclare : « C'est une victoire. »",
        "« La situation est grave », a dit la porte-parole.",
    )
    labels = {q.speaker for q in quotes} - {None}
    assert labels == {"la porte-parole"}
    assert not labels & set(PRONOUNS)


def test_a_quotation_inside_a_noun_phrase_stays_with_the_narrator(book):
    quotes, script = quotes_of(
        book,
        "Les « relations difficiles qu'il entretenait avec tout le voisinage » ont pesé sur le procès.",
        "Le ministre a dénoncé des « propos inacceptables et indignes d'un élu de la République ».",
    )
    assert quotes == []
    assert all(s.voice == "narrateur" for s in script.segments)


def test_the_incise_is_the_narrators_and_the_quotation_resumes(book):
    _, script = quotes_of(
        book, "« Ce processus est la norme, explique Paul Girard, toxicologue. Il n'y a rien d'anormal »."
    )
    body = [(s.role, s.written, s.speaker) for s in script.segments if s.role in ("quote", "narration")]
    assert body[0][0] == "quote" and body[0][1].startswith("«") and "norme" in body[0][1]
    assert body[1][0] == "narration" and "explique Paul Girard, toxicologue." in body[1][1]
    assert body[2][0] == "quote" and body[2][1].startswith("Il n'y a rien") and body[2][1].rstrip(".").endswith("»")
    assert body[0][2] == body[2][2] == "Paul Girard"
    voices = [s.voice for s in script.segments if s.role in ("quote", "narration")]
    assert voices[0] == voices[2] != voices[1] == "narrateur"


def test_a_quotation_goes_on_in_the_next_paragraph(book):
    quotes, _ = quotes_of(
        book,
        "Le directeur, Marc Aubert, a détaillé le plan : « Nous embaucherons vingt personnes.",
        "« La première vague arrivera en mars, la seconde en septembre. »",
    )
    assert [q.speaker for q in quotes] == ["Marc Aubert", "Marc Aubert"]


def test_one_article_briefing_says_one_subject_and_des_voix(book):
    article = Article("Un seul sujet", (Block("paragraph", "« Nous tiendrons », a déclaré Claire Morel."),))
    script = build_script([article], book, ScriptOptions(briefing=True))
    said = " ".join(s.text for s in script.segments if s.role == "transition")
    assert "Au sommaire, un sujet" in said and "un sujets" not in said
    assert "des voix de synthèse" in said  # two voices speak: the narrator and Claire Morel's


def test_the_pipeline_is_loaded_only_for_quotations():
    """An article without quotations never imports spaCy (its load costs a second or two)."""
    code = (
        "import sys; from briefing.model import Article, Block; from briefing.text.script import build_script;"
        "from briefing.engines.presets import load_voices;"
        "build_script([Article('T', (Block('paragraph', 'Il a plu sur Brest, le « Abers » déborde.'),))], load_voices());"
        "print('spacy' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    "text, tokens",
    [
        # What spaCy's own tokenizer gives (its 1.45 MB token_match compiled as written), kept by the
        # fast compile of the same rules.
        (
            "Le porte-parole de l'ex-ministre a-t-elle parlé d'entr'aide ?",
            ["Le", "porte-parole", "de", "l'", "ex-ministre", "a", "-t", "-elle", "parlé", "d'", "entr'aide", "?"],
        ),
        (
            "Jean-Pierre, anti-inflammatoire, saut-de-ski et pet-en-l'air.",
            ["Jean-Pierre", ",", "anti-inflammatoire", ",", "saut-de-ski", "et", "pet-en-l'air", "."],
        ),
        (
            "Aujourd'hui, l'arc-en-ciel : « Vas-y », dit-il.",
            ["Aujourd'hui", ",", "l'", "arc-en-ciel", ":", "«", "Vas", "-", "y", "»", ",", "dit", "-il", "."],
        ),
    ],
)
def test_the_fast_tokenizer_splits_as_spacys_own(text, tokens):
    from briefing.text.attribution import pipeline

    assert [t.text for t in pipeline().tokenizer(text)] == tokens


@pytest.mark.parametrize(
    "paragraph",
    [
        "Dans un tweet, le ministre a exprimé « sa très grande tristesse à l'annonce du décès » du pompier.",
        "L'ONG s'indigne de la mort d'un « enfant de neuf ans tué à Mango au nord du pays ».",
        "Le feu, « alimenté par un vent fort », a brûlé « entre 60 et 70 hectares environ » mardi.",
    ],
)
def test_phrases_shorter_than_a_clause_stay_with_the_narrator(book, paragraph):
    quotes, _ = quotes_of(book, "Le préfet Jean Morel est sur place.", paragraph)
    assert quotes == []


def test_a_subject_then_its_quoted_predicate(book):
    quotes, _ = quotes_of(
        book,
        "La sénatrice Anne Roux a visité le centre.",
        "Elle « appelle à l'ouverture d'une enquête indépendante et impartiale sur ces faits ».",
    )
    assert [(q.speaker, q.gender) for q in quotes] == [("Anne Roux", "female")]


def test_the_pipeline_without_the_vocabulary_strings_reads_as_with_them():
    """attribution.pipeline() leaves out vocab/strings.json (713,000 strings, half the load): every
    token reads the same with and without them, on the project's articles."""
    texts = [ARTICLE, SAMPLE_ARTICLE.read_text(encoding="utf-8")]
    texts += [
        p.read_text(encoding="utf-8") for p in sorted((ROOT / "examples").iterdir()) if p.suffix in (".md", ".txt")
    ]

    def read(nlp) -> list[tuple]:
        return [
            (
                t.text,
                t.pos_,
                t.dep_,
                t.head.i,
                str(t.morph),
                t.ent_iob_,
                t.ent_type_,
                t.is_sent_start,
                t.norm_,
                t.like_num,
            )
            for doc in nlp.pipe(texts)
            for t in doc
        ]

    lean = attribution.pipeline()
    assert "strings" in attribution._EXCLUDE and len(lean.vocab.strings) < 100_000
    with attribution._letters_as_word_class():
        full = spacy.load(attribution.MODEL, exclude=["lemmatizer", "senter"])
    assert len(full.vocab.strings) > 700_000
    assert read(lean) == read(full)
