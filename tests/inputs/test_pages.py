"""HTML pages as a listener expects them: the lead kept, the title once and without the site's
name, and nothing of the page's furniture (asides, related links, credits, bylines, embedded
posts) read. Every page here is a small fixture written for these tests."""

import json
import time

import pytest

from briefing.errors import InputError
from briefing.inputs.pages import article_from_html

SITE = "Le Courrier du Lac"
TITLE = "La commune rénove son réseau d'eau potable"
# The article's own paragraphs: long enough for trafilatura to take them for a body.
BODY = [
    "Les travaux commenceront en mars dans le quartier de la gare, où les canalisations datent de 1950 "
    "et cèdent plusieurs fois par an, privant d'eau des centaines de foyers pendant des heures.",
    "« Nous perdons aujourd'hui un litre sur quatre avant qu'il n'arrive au robinet », a expliqué l'adjoint "
    "chargé des réseaux, Paul Girard, lors du conseil municipal de lundi soir.",
    "Le chantier coûtera 3,2 millions d'euros, financés pour moitié par l'agence de l'eau. Les habitants "
    "seront prévenus par courrier deux semaines avant l'intervention dans leur rue.",
    "La circulation sera alternée rue des Tanneurs pendant toute la durée des travaux, qui doivent "
    "s'achever à la fin de l'été si la météo le permet, selon les services techniques.",
]
LEAD = (
    "Après trois ruptures de canalisation cet hiver, le conseil municipal a voté un plan de rénovation "
    "de douze kilomètres de conduites sur quatre ans."
)


def page(
    body: str = "",
    *,
    title: str = f"{TITLE} - {SITE}",
    head: str = "",
    header: str = "",
    h1: str = TITLE,
    after: str = "",
) -> str:
    paragraphs = body or "".join(f"<p>{p}</p>" for p in BODY)
    return (
        f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{title}</title>'
        f'<meta property="og:site_name" content="{SITE}">{head}</head>'
        '<body><nav><a href="/">Accueil</a> <a href="/region">Région</a></nav>'
        f'<main><article><header><h1>{h1}</h1>{header}</header><div class="article-body">{paragraphs}</div>'
        f"</article>{after}</main><footer>© {SITE} 2026</footer></body></html>"
    )


def read(html: str, source: str = "page.html"):
    return article_from_html(html.encode("utf-8"), source)


def texts(article) -> list[str]:
    return [b.text for b in article.blocks]


def said(article) -> str:
    return " ".join([article.title, *texts(article)])


# --- The lead -----------------------------------------------------------------------------------


def test_lead_in_a_chapo_element_comes_first_and_without_its_kicker():
    # The chapô sits in the header, outside the body trafilatura keeps; a rubric label is run into it.
    header = f'<p class="chapo"><span class="kicker">Agriculture</span>{LEAD}</p>'
    article = read(page(header=header))
    assert texts(article)[0] == LEAD
    assert texts(article)[1:] == BODY
    assert "Agriculture" not in said(article)


def test_a_label_run_into_the_lead_is_not_glued_to_it():
    # No class names the label: a short first span directly followed by a capital is a label.
    header = f'<div class="article__desc"><span>Agriculture</span>{LEAD}</div>'
    article = read(page(header=header))
    assert texts(article)[0] == LEAD
    assert "AgricultureAprès" not in said(article)


def test_lead_only_in_json_ld():
    data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": TITLE, "description": LEAD}
    head = f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'
    article = read(page(head=head))
    assert texts(article) == [LEAD, *BODY]


def test_lead_in_a_json_ld_graph():
    data = {
        "@context": "https://schema.org",
        "@graph": [{"@type": "WebPage"}, {"@type": "NewsArticle", "description": LEAD}],
    }
    head = f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'
    assert texts(read(page(head=head)))[0] == LEAD


def test_lead_only_in_og_description():
    article = read(page(head=f'<meta property="og:description" content="{LEAD}">'))
    assert texts(article) == [LEAD, *BODY]


def test_lead_only_in_meta_description():
    article = read(page(head=f'<meta name="description" content="{LEAD}">'))
    assert texts(article)[0] == LEAD


def test_a_truncated_description_of_the_first_paragraph_is_read_once_in_full():
    cut = BODY[0][:90].rsplit(" ", 1)[0] + "…"
    head = f'<meta name="description" content="{cut}"><meta property="og:description" content="{cut}">'
    article = read(page(head=head))
    assert texts(article) == BODY


def test_a_lead_found_twice_is_read_once_and_whole():
    # The page's chapô in full, its description cut with "…": the full one is read, once.
    cut = LEAD[:70].rsplit(" ", 1)[0] + " (...)"
    head = f'<meta property="og:description" content="{cut}">'
    article = read(page(head=head, header=f'<p class="chapo">{LEAD}</p>'))
    assert texts(article) == [LEAD, *BODY]


def test_a_lead_already_in_the_body_is_not_repeated():
    body = f"<p><strong>{LEAD}</strong></p>" + "".join(f"<p>{p}</p>" for p in BODY)
    article = read(page(body, head=f'<meta property="og:description" content="{LEAD}">'))
    assert texts(article) == [LEAD, *BODY]


def test_a_cut_description_is_never_read_cut():
    # Not the body's start, not found whole anywhere: only its complete sentences are read.
    cut = LEAD + " Les riverains de la gare seront les premiers concer…"
    article = read(page(head=f'<meta name="description" content="{cut}">'))
    assert texts(article)[0] == LEAD
    assert "concer" not in said(article)


def test_the_site_blurb_in_the_description_is_not_a_lead():
    blurb = "Toute l'information de la vallée : sports, culture, faits divers et vie pratique, chaque jour en continu."
    article = read(page(head=f'<meta name="description" content="{blurb}">'))
    assert texts(article) == BODY


# --- The title ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [f"{TITLE} - {SITE}", f"{TITLE} | {SITE}", f"{SITE} | {TITLE}", f"{TITLE}, {SITE}", f"{TITLE} – Courrier du Lac"],
)
def test_title_without_the_site_name(title):
    article = read(page(title=title))
    assert article.title == TITLE
    assert TITLE not in texts(article)


def test_title_keeps_a_part_that_is_not_the_site_name():
    article = read(page(title=f"Eau potable : {TITLE} - {SITE}", h1=f"Eau potable : {TITLE}"))
    assert article.title == f"Eau potable : {TITLE}"


def test_title_from_the_host_name():
    html = page(title=f"{TITLE} - Courrierdulac").replace(
        '<meta property="og:site_name" content="Le Courrier du Lac">', ""
    )
    article = read(html, source="https://www.courrierdulac.fr/eau/1234.html")
    assert article.title == TITLE


def test_a_rubric_between_title_and_site_name_gives_way_to_the_h1():
    article = read(page(title=f"{TITLE} | Société | {SITE}"))
    assert article.title == TITLE


def test_the_title_is_never_read_twice():
    # The body repeats the title (with the site's name) as a heading and as a paragraph.
    body = f"<h2>{TITLE} - {SITE}</h2><p>{TITLE}</p>" + "".join(f"<p>{p}</p>" for p in BODY)
    article = read(page(body))
    assert texts(article) == BODY


# --- What is not the article --------------------------------------------------------------------


def test_read_also_aside_inside_the_body_is_not_read():
    body = (
        f"<p>{BODY[0]}</p>"
        '<aside class="lire-aussi"><span>Lire aussi</span><a href="/a">Les nappes phréatiques au plus bas</a></aside>'
        f"<p>{BODY[1]}</p>"
        '<div class="read-also"><a href="/b">Sécheresse : les communes restreignent l\'arrosage</a></div>'
        f"<p><strong>Lire aussi :</strong> <a href='/c'>Le prix de l'eau augmente en 2027</a></p>"
        f"<p>A lire aussi sur notre site</p><p>{BODY[2]}</p><p>Revivez le direct du conseil municipal</p><p>{BODY[3]}</p>"
    )
    article = read(page(body))
    assert texts(article) == BODY


def test_a_list_of_related_links_is_not_read():
    links = "".join(f'<li><a href="/{i}">Autre article numéro {i} sur la vie de la commune</a></li>' for i in range(4))
    body = "".join(f"<p>{p}</p>" for p in BODY[:2]) + f"<h3>Sur le même sujet</h3><ul>{links}</ul>"
    body += "".join(f"<p>{p}</p>" for p in BODY[2:])
    article = read(page(body))
    assert texts(article) == BODY


def test_a_list_of_the_article_is_read():
    items = "<ul><li>la rue des Tanneurs en mars ;</li><li>le quartier de la gare en mai.</li></ul>"
    body = "".join(f"<p>{p}</p>" for p in BODY[:2]) + "<p>Le calendrier prévoit :</p>" + items
    body += "".join(f"<p>{p}</p>" for p in BODY[2:])
    article = read(page(body))
    assert "la rue des Tanneurs en mars ;" in texts(article)


def test_credits_timestamps_bylines_captions_and_agency_codes_are_not_read():
    body = (
        "<p>Par Marie Dupont</p><p>Publié le 12 mars 2026 à 10h30, mis à jour le 12 mars 2026 à 12h05</p>"
        "<p>Créé : 12.03.2026, 10h05</p><p>Marie Dupont, à Annecy</p>"
        f"<p>{BODY[0]}</p>"
        '<figure><img src="a.jpg"><figcaption>Le chantier de la rue des Tanneurs, en 2025. Photo Jean Martin</figcaption></figure>'
        f"<p>{BODY[1]}</p><p>Crédits photos : Jean Martin / Le Courrier du Lac</p>"
        f'<p>{BODY[2]}</p><p><span class="legend">La station de pompage du Lac.</span></p>'
        f"<p>En vidéo, les images de la rupture de canalisation</p><p>{BODY[3]} (ats/nxp)</p><p>ats nxp</p>"
    )
    article = read(page(body))
    assert texts(article) == BODY


@pytest.mark.parametrize("signature", ["(afp)", "AFP/Reuters", "ats/nxp", "Le Courrier du Lac avec AFP"])
def test_agency_signature_alone_at_the_end(signature):
    body = "".join(f"<p>{p}</p>" for p in BODY) + f"<p>{signature}</p>"
    assert texts(read(page(body))) == BODY


def test_an_orphan_note_on_names_is_dropped_a_footnote_is_kept():
    orphan = "".join(f"<p>{p}</p>" for p in BODY) + "<p>Le prénom a été modifié.</p>"
    assert texts(read(page(orphan))) == BODY
    marked = [BODY[0], "Julie*, qui habite rue des Tanneurs, a été privée d'eau trois jours en janvier.", *BODY[1:]]
    footnote = "".join(f"<p>{p}</p>" for p in marked) + "<p>*Le prénom a été modifié.</p>"
    assert texts(read(page(footnote))) == [*marked, "*Le prénom a été modifié."]


def test_a_pull_quote_is_read_once():
    quote = "« Nous perdons aujourd'hui un litre sur quatre avant qu'il n'arrive au robinet »"
    body = f"<p>{BODY[0]}</p><blockquote class='citation'>{quote}</blockquote>" + "".join(
        f"<p>{p}</p>" for p in BODY[1:]
    )
    body += f'<div class="pullquote">{quote}</div>'
    article = read(page(body))
    assert texts(article) == BODY


def test_an_embedded_tweet_is_not_read():
    tweet = (
        '<blockquote class="twitter-tweet"><p lang="fr" dir="ltr">Les travaux commencent lundi, merci de votre '
        'patience ! <a href="https://t.co/AbCdEf123">https://t.co/AbCdEf123</a> '
        '<a href="https://twitter.com/hashtag/eau">#eau</a> pic.twitter.com/xYz987</p>&mdash; Mairie du Lac '
        '(@MairieDuLac) <a href="https://twitter.com/MairieDuLac/status/1234567890">March 3, 2026</a></blockquote>'
    )
    body = f"<p>{BODY[0]}</p>{tweet}" + "".join(f"<p>{p}</p>" for p in BODY[1:])
    article = read(page(body))
    assert texts(article) == BODY
    assert "@" not in said(article) and "t.co" not in said(article) and "March" not in said(article)


@pytest.mark.parametrize(
    "embed",
    [
        '<blockquote class="instagram-media" data-instgrm-permalink="https://www.instagram.com/p/Abc/">'
        "<p>Une publication partagée par @mairiedulac</p></blockquote>",
        '<blockquote class="bluesky-embed" data-bluesky-uri="at://did:plc:abc/app.bsky.feed.post/3k">'
        "<p>Les travaux commencent, suivez le chantier ici</p>&mdash; Mairie (@mairie.bsky.social)</blockquote>",
        '<blockquote class="mastodon-embed"><p>Le chantier démarre lundi matin.</p></blockquote>',
        '<blockquote class="tiktok-embed" cite="https://www.tiktok.com/@mairie/video/1"><p>@mairie</p></blockquote>',
        '<iframe src="https://www.youtube.com/embed/abc"></iframe><p><a href="https://youtu.be/abc">https://youtu.be/abc</a></p>',
        # No class at all: the permalink gives it away.
        "<blockquote><p>Le chantier démarre lundi matin.</p>&mdash; Mairie (@MairieDuLac) "
        '<a href="https://x.com/MairieDuLac/status/1234567890">March 3, 2026</a></blockquote>',
    ],
    ids=["instagram", "bluesky", "mastodon", "tiktok", "youtube", "unmarked-x"],
)
def test_embedded_posts_are_not_read(embed):
    body = f"<p>{BODY[0]}</p>{embed}" + "".join(f"<p>{p}</p>" for p in BODY[1:])
    article = read(page(body))
    assert texts(article) == BODY


def test_handles_and_links_in_the_text_never_reach_speech():
    body = (
        f"<p>{BODY[0]}</p><p>La mairie (@MairieDuLac) a publié le calendrier sur https://www.courrierdulac.fr/eau/travaux "
        "et le relaie sur https://t.co/AbCdEf123 pour ses abonnés.</p>" + "".join(f"<p>{p}</p>" for p in BODY[1:])
    )
    article = read(page(body))
    text = said(article)
    assert "@" not in text and "https" not in text and "t.co" not in text
    assert "La mairie a publié le calendrier sur courrierdulac.fr" in text  # an address is said as its site


# --- Pages that are not an article --------------------------------------------------------------


def test_a_page_of_template_code_is_not_an_article():
    litter = (
        "<div>nrco.contentDetailController.init({ id: 'art-1', format: 'dd MM yyyy' });</div>"
        "<div>{{ article.title }} {{ article.date | date:'dd MM yyyy' }}</div>"
        "<div>var config = { lazy: true }; window.nrco.load(config);</div>"
    )
    html = f"<html><head><title>{{{{ title }}}}</title></head><body>{litter}</body></html>"
    with pytest.raises(InputError, match=r"^no article text in page\.html"):
        read(html)


def test_a_page_with_no_text_is_not_an_article():
    with pytest.raises(InputError, match="no article text in"):
        read("<html><head><title>Accueil</title></head><body><div><img src='a.jpg'></div></body></html>")


def test_an_index_page_of_links_is_not_an_article():
    cards = "".join(
        f'<article class="teaser"><h2><a href="/{i}">Titre de l\'article numéro {i} du jour</a></h2>'
        f"<p><a href=\"/{i}\">Résumé de l'article {i}, qui raconte ce qui s'est passé hier dans la commune.</a></p></article>"
        for i in range(8)
    )
    links = "".join(f'<li><a href="/r/{i}">Rubrique {i}</a></li>' for i in range(6))
    html = f"<html><head><title>{SITE} - Accueil</title></head><body><ul>{links}</ul><main>{cards}</main></body></html>"
    with pytest.raises(InputError, match="no article text in"):
        read(html)


def test_a_live_blog_is_refused_with_what_to_do():
    data = {"@context": "https://schema.org", "@type": "LiveBlogPosting", "headline": "Inondations : suivez la crue"}
    head = f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script>'
    with pytest.raises(InputError, match=r"live page.*\.txt"):
        read(page(head=head))


def test_a_live_match_is_refused():
    minutes = "".join(
        f"<p>{m}' {text}</p>"
        for m, text in [
            (3, "Première occasion pour les locaux, le tir passe au-dessus de la barre."),
            (17, "But ! Le capitaine ouvre le score d'une frappe croisée."),
            (34, "Carton jaune pour le défenseur central après une faute grossière."),
            (45, "Mi-temps sur ce score d'un but à zéro en faveur des locaux."),
            (65, "Égalisation des visiteurs sur un corner mal renvoyé par la défense."),
            (88, "Le gardien sauve son équipe d'une parade réflexe devant l'attaquant."),
        ]
    )
    with pytest.raises(InputError, match="live page"):
        read(page(minutes, title="FC Lac - AS Vallée (1-1)", h1="FC Lac - AS Vallée"))


@pytest.mark.parametrize(
    "title",
    [
        f"EN DIRECT - Inondations : la crue atteint la ville - {SITE}",
        f"Inondations : suivez la crue en direct | {SITE}",
    ],
)
def test_en_direct_in_the_title_is_a_live_page(title):
    with pytest.raises(InputError, match="live page"):
        read(page(title=title))


def test_a_chronology_is_not_a_live_page():
    times = ["8h30", "9h15", "10h00", "11h45", "14h20"]
    body = "".join(
        f"<p>{t} : les équipes ouvrent une nouvelle tranchée rue des Tanneurs et posent les tuyaux.</p>" for t in times
    )
    article = read(page(body + "".join(f"<p>{p}</p>" for p in BODY)))
    assert len(article.blocks) == len(times) + len(BODY)


def test_the_cli_says_it_in_one_line_and_exits_2(runner, tmp_path):
    from briefing.cli import app

    path = tmp_path / "vide.html"
    path.write_text("<html><body><div>{{ article.body }}</div><div>{% block main %}{% endblock %}</div></body></html>")
    result = runner.invoke(app, ["script", str(path), "--engine", "espeak"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0] == f"briefing: error: no article text in {path}"


# --- Safety and speed ---------------------------------------------------------------------------


def test_nothing_of_a_script_is_read_and_a_page_is_quick():
    body = "".join(f"<p>{p}</p>" for p in BODY) * 40
    head = (
        '<script>document.write("<p>Texte injecté</p>")</script><script type="application/ld+json">{bad json</script>'
    )
    html = page(body, head=head)
    article_from_html(html.encode(), "warm-up.html")  # imports and first-call caches
    start = time.perf_counter()
    article = read(html)
    assert time.perf_counter() - start < 1.0
    assert "injecté" not in said(article)


def test_json_ld_article_body_when_the_page_has_no_text():
    # The template fills the page with JavaScript; the JSON-LD holds the article.
    data = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": TITLE,
        "description": LEAD,
        "articleBody": "\n".join(BODY),
    }
    html = (
        f'<html><head><title>{TITLE} - {SITE}</title><meta property="og:site_name" content="{SITE}">'
        f'<script type="application/ld+json">{json.dumps(data, ensure_ascii=False)}</script></head>'
        "<body><div id='app'>{{ article.body }}</div><div>nrco.contentDetailController.init('dd MM yyyy');</div></body></html>"
    )
    article = read(html)
    assert article.title == TITLE
    assert texts(article) == [LEAD, *BODY]


@pytest.mark.parametrize(
    "line",
    [
        "Lire aussi : Les nappes phréatiques au plus bas",
        "A lire aussi",
        "À LIRE AUSSI",
        "Lire : notre enquête sur le prix de l'eau",
        "lire aussi sur notre site",
        "Revivez le direct du conseil municipal",
        "Crédits photos : Jean Martin",
        "Photo (cc) : Jean Martin",
        "Créé : 12.03.2026, 10h05",
        "Publié le 12 mars 2026 à 10h30",
        "Mis à jour le 12 mars 2026 à 12h05",
        "12 mars 2026",
        "ats nxp",
        "(afp)",
        "AFP/Reuters",
        "En vidéo, les images de la rupture",
        "Par Marie Dupont",
        "Par Marie Dupont et Paul Girard, à Annecy",
        "Marie Dupont, à Annecy",
        "Paul Girard, envoyé spécial à Genève",
        "Mots-clés : eau, travaux",
        "Haut de page",
        "Il vous reste 61.86% de cet article à lire. La suite est réservée aux abonnés.",
        "Cet article est paru dans notre newsletter « La lettre éco ». Abonnez-vous.",
        "Cet article a été initialement publié sur le blog de l’auteur.",
        "Près de 80 000 lecteurs font confiance à la newsletter de notre journal pour comprendre le monde.",
        "Accueil > Actualités et humeurs",
        "À la une de notre site",
        "+ Sur le sujet",
        "sur le web",
        "Durée de lecture : 12 minutes",
        "Temps de lecture 4 min",
        "Propos recueillis par Marie Dupont",
        "On trouvera toutes les notes de cet article dans sa version PDF.",
        "Le maire en 2019. REUTERS/Jean Martin",
        "- Le maire en 2019. REUTERS/Jean Martin -",
        "Les quais inondés. (AFP / Paul Girard)",
    ],
)
def test_page_furniture_lines(line):
    from briefing.text.clean import is_boilerplate

    assert is_boilerplate(line)


@pytest.mark.parametrize(
    "line",
    [
        "Publié le 3 mars, le rapport de la chambre régionale des comptes pointe un réseau à bout de souffle.",
        "A lire les chiffres, la situation s'améliore.",
        "Par ailleurs, le maire a annoncé une réunion publique.",
        "Paris, à la veille des élections, retient son souffle.",
        "Vidéos et photos ont circulé toute la nuit.",
        "Cet article de loi a été voté en 2019 par une large majorité.",
        "Le rapport, publié en version PDF sur le site de la préfecture, recense quarante-deux communes touchées "
        "par les inondations de l'hiver, dont douze classées en catastrophe naturelle.",
        "Les propos recueillis par la commission ont été transmis au parquet.",
        "La newsletter municipale est envoyée à tous les foyers depuis le mois de mai, sans frais pour la commune, "
        "ce que l'opposition conteste au conseil municipal depuis des mois, estimant que le budget de la communication "
        "a doublé en deux ans alors que les services de proximité ferment les uns après les autres dans les quartiers.",
    ],
)
def test_article_sentences_are_not_furniture(line):
    from briefing.text.clean import is_boilerplate

    assert not is_boilerplate(line)


def test_readers_comments_are_not_read_however_long():
    comment = "Merci pour cet article qui fait du bien, je vis dans le quartier de la gare depuis vingt ans. " * 30
    html = page(
        after=f'<section id="comments" class="comments"><ol><li class="comment"><p>{comment}</p></li></ol></section>'
    )
    assert "Merci pour cet article" not in said(read(html))


def test_teaser_cards_and_clickable_cards_are_not_read():
    cards = (
        '<div class="item article"><h3><a href="/autre">Un autre sujet de la semaine</a></h3>'
        "<p>Le résumé d’un autre article de la rubrique régionale.</p></div>"
        '<div class="item article"><h3><a href="/encore">Encore un autre sujet</a></h3>'
        "<p>Le résumé d’un troisième article.</p></div>"
    )
    clickable = (
        '<section><h2>Trouver une formation</h2><div onclick="go()"><p>Un accompagnement sur mesure pour les élus.</p>'
        "</div></section>"
    )
    article = read(page(after=cards + clickable))
    assert texts(article) == [*BODY] and "résumé" not in said(article) and "formation" not in said(article)


def test_a_list_of_labelled_links_is_not_read():
    related = (
        '<ul><li><span>Pour mémoire</span><a href="/a">Le maire démine la polémique sur les travaux</a></li>'
        '<li><span>Dossier</span><a href="/b">Le coût de l’eau, seul coupable ?</a></li></ul>'
    )
    assert "Pour mémoire" not in said(read(page(after=related)))


def test_a_note_on_the_author_at_the_end_is_not_read():
    note = "(*) Economiste de formation, Marie Dupont enseigne l’économie des réseaux à l’université de Savoie."
    body = "".join(f"<p>{p}</p>" for p in [*BODY, note])
    assert texts(read(page(body))) == BODY


def test_a_lead_is_not_taken_for_a_long_paragraph_that_shares_its_common_words():
    long = (
        "Pour la commune, le plan de 2019 a été un échec : la part de la dépense publique consacrée à "
        "l’eau est restée à 1,4 % pour l’ensemble du budget, et à 1,2 % pour la zone urbaine. "
    ) * 6
    lead = "Elle abaisse ses prévisions pour 2026, avec un budget à 1,4 % pour l’ensemble de l’eau, et à 1,2 % pour la zone."
    html = page("".join(f"<p>{p}</p>" for p in [long, *BODY]), header=f'<p class="article__desc">{lead}</p>')
    assert texts(read(html))[0] == lead


def test_a_signature_with_a_note_at_the_end_is_not_read():
    body = "".join(f"<p>{p}</p>" for p in [*BODY, "Marie Dupont (sur le modèle des chroniques de Paul Girard)."])
    assert texts(read(page(body))) == BODY
