import pytest

from briefing.errors import InputError
from briefing.inputs.sources import load_article, parse_markdown, parse_text
from briefing.model import Block


def test_text_title_kicker_and_headings():
    article = parse_text("Sport\n\nLe club gagne enfin\n\nUn paragraphe.\n\nUn intertitre\n\nUn autre paragraphe.\n")
    assert article.section == "Sport"
    assert article.title == "Le club gagne enfin"
    assert article.blocks == (
        Block("paragraph", "Un paragraphe."),
        Block("heading", "Un intertitre"),
        Block("paragraph", "Un autre paragraphe."),
    )


def test_text_unwraps_hard_wrapped_paragraphs():
    article = parse_text("Titre\n\nUne phrase coupée\nen deux lignes.\n")
    assert article.blocks == (Block("paragraph", "Une phrase coupée en deux lignes."),)


def test_text_one_paragraph_a_line():
    article = parse_text("Titre du jour\nPremière phrase.\nDeuxième phrase.\n")
    assert article.title == "Titre du jour"
    assert [b.text for b in article.blocks] == ["Première phrase.", "Deuxième phrase."]


def test_text_last_short_line_is_a_paragraph_not_a_heading():
    article = parse_text("Titre\n\nCorps.\n\nFin de l'article sans point\n")
    assert article.blocks[-1] == Block("paragraph", "Fin de l'article sans point")


def test_markdown_front_matter_heading_links_and_code():
    md = """---
title: Titre du front matter
date: 2026-11-24
---
# Le vrai titre

Un [lien](https://exemple.fr/page) et du *gras* avec `code`.

![une image](photo.jpg)

```
print("jamais lu")
```

## Intertitre

- un point de liste
"""
    article = parse_markdown(md, source="x.md")
    assert article.title == "Le vrai titre"
    assert article.date == "2026-11-24"
    assert article.blocks == (
        Block("paragraph", "Un lien et du gras avec code."),
        Block("heading", "Intertitre"),
        Block("paragraph", "un point de liste"),
    )


def test_markdown_title_from_front_matter_without_h1():
    article = parse_markdown("---\ntitle: 'Du front matter'\n---\n\nCorps du texte.\n")
    assert article.title == "Du front matter"


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "is empty"),
        (b"   \n\t\n", "is empty"),
        (b"\x00\x01\x02binary", "binary"),
        ("Привет, как дела? Это русский текст.".encode("cp1251"), "not UTF-8"),
        (b"!!! ??? ...", "no words"),
        (bytes(range(0x80, 0x100)) * 8, "not UTF-8"),  # every high byte: no encoding reads it as French
    ],
)
def test_bad_files(tmp_path, content, message):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message):
        load_article(str(path))


def test_missing_file_and_folder(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_article(str(tmp_path / "absent.txt"))
    with pytest.raises(InputError, match="is a folder"):
        load_article(str(tmp_path))


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeffTitre\n\nCorps.".encode("utf-8"))
    assert load_article(str(path)).title == "Titre"


# French as old CMS exports and archives saved it: each a one-line warning naming the encoding.
LEGACY_FRENCH = "Titre\n\nL\u2019œuvre a coûté 12 € ; « c\u2019est réglé », dit-elle à l\u2019été.\n"


@pytest.mark.parametrize(
    "data, named",
    [
        (LEGACY_FRENCH.encode("cp1252"), "Windows-1252"),
        (
            LEGACY_FRENCH.replace("\u2019", "'").replace("œ", "oe").replace("€", "euros").encode("latin-1"),
            "Windows-1252",
        ),
        (LEGACY_FRENCH.encode("utf-16"), None),  # with its BOM: no guess, no warning
        (b"\xfe\xff" + LEGACY_FRENCH.encode("utf-16-be"), None),
        ("\ufeff".encode("utf-8") + LEGACY_FRENCH.encode("utf-8"), None),
    ],
    ids=["cp1252", "latin-1", "utf-16-le-bom", "utf-16-be-bom", "utf-8-bom"],
)
def test_legacy_encodings_are_read(tmp_path, caplog, data, named):
    path = tmp_path / "ancien.txt"
    path.write_bytes(data)
    with caplog.at_level("WARNING", logger="briefing"):
        article = load_article(str(path))
    text = " ".join(b.text for b in article.blocks)
    assert "coûté 12" in text and "« c" in text and "réglé" in text and "été" in text
    if "œ" in LEGACY_FRENCH and "latin" not in str(path):
        assert "œuvre" in text or "oeuvre" in text
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    if named is None:
        assert not [w for w in warnings if "not UTF-8" in w]
    else:
        # Latin-1 text is Windows-1252 text (the latter only adds characters in 0x80-0x9F).
        assert warnings == [f"{path}: not UTF-8; read as {named}"]


def test_cp1252_keeps_its_own_characters(tmp_path):
    path = tmp_path / "win.txt"
    path.write_bytes(LEGACY_FRENCH.encode("cp1252"))
    text = " ".join(b.text for b in load_article(str(path)).blocks)
    assert "œuvre" in text and "12 €" in text and ("l\u2019été" in text or "l'été" in text)  # 0x9C, 0x80, 0x92


def test_stdin_in_a_legacy_encoding(runner, tmp_path):
    from briefing.cli import app

    result = runner.invoke(app, ["script", "-", "--engine", "espeak"], input=LEGACY_FRENCH.encode("cp1252"))
    assert result.exit_code == 0, result.output
    assert "douze euros" in result.stdout and "réglé" in result.stdout
    assert "not UTF-8; read as Windows-1252" in result.stderr


def test_reference_sections_at_the_end_are_not_read():
    """Wikinews ends its articles with "Sources" and "Voir aussi": lists of links, not text."""
    text = (
        "Un pont s’effondre à Gênes\n\n"
        "Un viaduc autoroutier s’est effondré mardi à Gênes, dans le nord de l’Italie, faisant au moins vingt morts.\n\n"
        "Les secours cherchaient encore des survivants dans la soirée.\n\n"
        "Sources\n\n"
        "(fr) « Effondrement d’un pont à Gênes », Le Journal, 14 août 2018.\n\n"
        "(en) « Bridge collapse in Genoa », The Daily, 14 August 2018.\n\n"
        "Voir aussi\n\n"
        "Italie : les ponts sous surveillance"
    )
    article = parse_text(text)
    assert [b.text for b in article.blocks] == [
        "Un viaduc autoroutier s’est effondré mardi à Gênes, dans le nord de l’Italie, faisant au moins vingt morts.",
        "Les secours cherchaient encore des survivants dans la soirée.",
    ]
    markdown = parse_markdown(
        "# Un pont s’effondre\n\nLe viaduc a cédé mardi.\n\n## Liens externes\n\n- [Le Journal](https://x)\n"
    )
    assert [b.text for b in markdown.blocks] == ["Le viaduc a cédé mardi."]


def test_the_article_typography_is_kept_by_the_text_loaders():
    article = parse_text("Un titre\n\nL’équipe – dit-on – a gagné 150\u202f000\u00a0€.\n\nFin.")
    assert article.blocks[0].text == "L’équipe – dit-on – a gagné 150\u202f000\u00a0€."
