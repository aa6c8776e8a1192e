"""Who is quoted: one identity per source, the gender the text gives it, and the voice cast for it."""

import json

import pytest
from helpers import SEVEN_SOURCES, write_preset

from briefing.cli import app
from briefing.engines.presets import load_voices
from briefing.errors import VoiceError
from briefing.model import Article, Block
from briefing.text.attribution import Attributor
from briefing.text.cast import Casting
from briefing.text.first_names import gender_of_first_name
from briefing.text.script import ScriptOptions, build_script
from briefing.text.speakers import Speakers, attribution_gender


@pytest.mark.parametrize(
    "mention, before, after, expected",
    [
        # titles
        ("M. Fillon", "", ", a-t-il ajouté.", "male"),
        ("Mme Dati", "", ".", "female"),
        ("Madame Lefèvre", "", ".", "female"),
        # roles: by their form, or by their determiner when the noun is both
        ("la ministre de la Culture", "", ".", "female"),
        ("le ministre de l'Intérieur", "", ".", "male"),
        ("la porte-parole du gouvernement", "", ".", "female"),
        ("le porte-parole d'OpenAI", "", ".", "male"),
        ("la directrice de l'école", "", ".", "female"),
        ("l'avocate de la famille", "", ".", "female"),
        ("l'avocat de la famille", "", ".", "male"),
        ("l'économiste", "", ".", None),
        # the attribution: pronouns and agreements, for names given to both
        ("Dominique Martin", "", ", a-t-elle ajouté.", "female"),
        ("Claude Durand", "", ", s'est-il félicité.", "male"),
        ("Camille Roux", "", ", s'est-elle réjouie.", "female"),
        ("Camille Roux", "Interrogée par France Bleu, Camille Roux a déclaré : ", "", "female"),
        ("Alix Moreau", "Alix Moreau, interrogé par l'AFP, a répondu : ", "", "male"),
        ("Sacha Petit", "", ", a déclaré Sacha Petit.", None),  # nothing says it: any voice
        # first names
        ("Sophie Marchand", "", ", a déclaré Sophie Marchand.", "female"),
        ("Paul Girard", "", ".", "male"),
        ("Jean-Marie Lambert", "", ".", "male"),
        ("Marie-Claire Dubois", "", ".", "female"),
        # groups and documents have none
        ("les syndicats", "", ".", None),
        ("un communiqué", "", ".", None),
    ],
)
def test_gender_from_the_text(mention, before, after, expected):
    assert Speakers().resolve(mention, before, after).gender == expected


def test_gender_from_elsewhere_in_the_article_and_pins():
    who = Speakers()
    who.start_article("La ministre de la Santé, Camille Roux, a présenté le plan. Plus tard, Mme Bernard a répondu.")
    assert who.resolve("Camille Roux").gender == "female"
    assert who.resolve("Dominique Bernard").gender == "female"  # "Mme Bernard"
    pinned = Speakers({"Sacha Petit": "male", "Sophie Marchand": "male"})
    assert pinned.resolve("Sacha Petit").gender == "male"
    assert pinned.resolve("Sophie Marchand", "", ", a-t-elle dit.").gender == "male"  # the pin wins


def test_first_names_table():
    assert gender_of_first_name("Anne") == "female" and gender_of_first_name("ANNE") == "female"
    assert gender_of_first_name("Jean-Pierre") == "male" and gender_of_first_name("Anne-Sophie") == "female"
    assert gender_of_first_name("Dominique") is None and gender_of_first_name("Zorglub") is None


@pytest.mark.parametrize("text", ["Vous", "Il", "vous-même"])
def test_attribution_gender_without_clues(text):
    assert attribution_gender(text, "", ".") is None


def test_one_person_one_identity_under_every_name():
    who = Speakers()
    first = who.resolve("M. Fillon")
    assert who.resolve("François Fillon") is first and who.resolve("Fillon") is first
    assert first.key == "François Fillon" and first.gender == "male"
    marine, jean_marie = who.resolve("Marine Le Pen"), who.resolve("Jean-Marie Le Pen")
    assert marine is not jean_marie and (marine.gender, jean_marie.gender) == ("female", "male")


def test_one_document_one_identity_and_its_authors_with_it():
    who = Speakers()
    who.start_article("")
    letter = who.resolve("un communiqué")
    assert who.resolve("le communiqué") is letter
    assert who.resolve("la lettre") is letter  # a definite document never introduced: the one quoted
    assert who.resolve("les artistes", "", ", ont écrit les artistes.") is letter
    assert who.resolve("les habitants") is not letter  # a group that did not write it
    who.start_article("")
    assert who.resolve("la lettre") is not letter  # a new article, a new text


def test_roles_are_one_identity_whatever_their_determiner():
    who = Speakers()
    assert who.resolve("le porte-parole de la mairie") is who.resolve("un porte-parole de la mairie")


@pytest.mark.parametrize(
    "before, after, expected",
    [
        ("", ", a pour sa part commenté l'Automobile club de Monaco.", "l'Automobile club de Monaco"),
        ("", ", a de son côté estimé Jean Dupont.", "Jean Dupont"),
        ("Quant à lui, le maire a déclaré : ", "", "le maire"),
        ("", ", a déclaré pour sa part la ministre.", "la ministre"),
        ("Pour sa part, ", ".", None),
        ("De leur côté, ", ".", None),
        ("", ", a déclaré la Fédération française de football.", "la Fédération française de football"),
        ("", ", a dit le maire hier soir.", "le maire"),
    ],
)
def test_adverbials_are_never_speakers(before, after, expected):
    found = Attributor().attribute(before, "Nous tiendrons nos engagements", after)
    assert (found.mention if found else None) == expected


def _voices(tmp_path, **genders):
    folder = tmp_path / "voices"
    folder.mkdir(exist_ok=True)
    write_preset(folder, "narrateur", role="narrator", engine="espeak", voice="fr+m3", gender="male")
    for name, gender in genders.items():
        keys = {"gender": gender} if gender else {}
        write_preset(folder, name, role="quote", engine="espeak", voice="fr", **keys)
    return folder


def test_casting_by_gender(tmp_path):
    book = load_voices(_voices(tmp_path, fa="female", fb="female", ma="male", mb="male"))
    casting = Casting(book)
    assert book.presets["fa"].gender == "female"
    assert casting.gender_of(casting.voice_for("Paul", "male")) == "male"
    assert casting.gender_of(casting.voice_for("Anne", "female")) == "female"
    assert casting.gender_of(casting.voice_for("Luc", "male")) == "male"
    assert casting.gender_of(casting.voice_for("Léa", "female")) == "female"
    voices = {casting.voice_for(n) for n in ("Paul", "Anne", "Luc", "Léa")}
    assert len(voices) == 4  # nobody shares while voices are free
    # every voice taken: a man shares a man's voice
    assert casting.gender_of(casting.voice_for("Marc", "male")) == "male"


def test_unknown_gender_keeps_the_scarcer_register_free(tmp_path):
    casting = Casting(load_voices(_voices(tmp_path, fa="female", ma="male", mb="male")))
    assert casting.gender_of(casting.voice_for("le syndicat", None)) == "male"
    assert casting.voice_for("Anne", "female") == "fa"


def test_casting_toml_pins_genders_and_checks_them(tmp_path):
    folder = _voices(tmp_path, fa="female", ma="male")
    (folder / "casting.toml").write_text('[genders]\n"Sacha Petit" = "female"\n', encoding="utf-8")
    book = load_voices(folder)
    article = Article("Titre", (Block("paragraph", "« Nous ouvrirons en mai », a déclaré Sacha Petit."),))
    quote = [s for s in build_script([article], book).segments if s.role == "quote"][0]
    assert (quote.speaker, quote.gender, quote.voice) == ("Sacha Petit", "female", "fa")
    (folder / "casting.toml").write_text('[genders]\n"Sacha Petit" = "femme"\n', encoding="utf-8")
    with pytest.raises(VoiceError, match="a gender is one of female, male"):
        load_voices(folder)
    (folder / "casting.toml").unlink()
    write_preset(folder, "bad", role="quote", engine="espeak", voice="fr", gender="f")
    with pytest.raises(VoiceError, match="gender must be one of female, male"):
        load_voices(folder)


def test_a_seven_source_article_is_cast_by_gender_with_one_voice_each(tmp_path):
    folder = _voices(tmp_path, fa="female", fb="female", fc="female", ma="male", mb="male", mc="male", ux=None)
    (folder / "casting.toml").write_text('default_quote = "ux"\n', encoding="utf-8")
    article = tmp_path / "velo.txt"
    article.write_text(SEVEN_SOURCES, encoding="utf-8")
    book = load_voices(folder)
    from briefing.inputs.sources import load_article

    script = build_script([load_article(str(article))], book, ScriptOptions())
    quotes = [s for s in script.segments if s.role == "quote"]
    who = {}
    for seg in quotes:
        who.setdefault(seg.speaker, set()).add((seg.gender, seg.voice))
    assert {k: len(v) for k, v in who.items()} == dict.fromkeys(who, 1)  # one voice a source
    genders = {k: next(iter(v))[0] for k, v in who.items()}
    assert genders == {
        "Hélène Garnier": "female",
        "Marc Vidal": "male",
        "Sophie Lambert": "female",
        "un communiqué de l'opposition": None,
        "Julien Perrin": "male",
        "Camille Roux": "female",
        "Thomas Petit": "male",
    }
    voices = {k: next(iter(v))[1] for k, v in who.items()}
    assert len(set(voices.values())) == 7
    for speaker, gender in genders.items():
        if gender:
            assert book.presets[voices[speaker]].gender == gender, speaker


def test_script_json_shows_speaker_and_gender(runner, tmp_path):
    folder = _voices(tmp_path, fa="female", ma="male")
    article = tmp_path / "velo.txt"
    article.write_text(SEVEN_SOURCES, encoding="utf-8")
    result = runner.invoke(app, ["script", str(article), "--voices", str(folder), "--json"])
    assert result.exit_code == 0, result.output
    quotes = [s for s in json.loads(result.output)["segments"] if s["role"] == "quote"]
    assert {(q["speaker"], q["gender"]) for q in quotes} >= {("Hélène Garnier", "female"), ("Marc Vidal", "male")}


def test_one_person_keeps_one_voice_across_a_briefing(tmp_path):
    book = load_voices(_voices(tmp_path, fa="female", fb="female", ma="male", mb="male"))
    one = Article("Un", (Block("paragraph", "« Nous tiendrons », a déclaré Claire Morel."),))
    two = Article(
        "Deux",
        (Block("paragraph", "« Autre chose », a dit Anne Dufour. « Nous tiendrons encore », a répété Mme Morel."),),
    )
    quotes = [s for s in build_script([one, two], book).segments if s.role == "quote"]
    assert [(q.speaker, q.voice) for q in quotes][0] == ("Claire Morel", quotes[2].voice)
    assert quotes[2].speaker == "Claire Morel" and quotes[1].voice != quotes[0].voice


def test_voices_json_lists_each_preset_with_its_gender(runner):
    """The bundled folder: every voice cast on its own says its register."""
    data = json.loads(runner.invoke(app, ["voices", "--json"]).stdout)
    rows = {row["name"]: row for row in data["voices"]}
    assert {k: rows[k]["gender"] for k in ("coqui-narrator", "coqui-quote-mai", "espeak-quote-m7")} == {
        "coqui-narrator": "male",
        "coqui-quote-mai": "female",
        "espeak-quote-m7": "male",
    }
    assert all({"name", "role", "engine", "gender", "available"} <= set(row) for row in rows.values())
    assert all(row["gender"] in ("female", "male") for row in rows.values())
