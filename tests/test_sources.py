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
        ("é".encode("latin-1") + b" texte", "not UTF-8"),
        (b"!!! ??? ...", "no words"),
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
