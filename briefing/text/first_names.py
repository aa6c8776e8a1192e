"""First names and the gender they usually carry in French news, for casting a quoted person's voice.

Only names that are clearly one gender in France and in the international news read in French.
Names given to both (Camille, Dominique, Claude, Sacha...) are listed as None: other clues decide
(a title, an agreement, a pronoun), and without them any voice will do. Compound names
(Jean-Pierre, Marie-Claire) are read by their first part. Keys are lower case, accents kept.
"""

from __future__ import annotations

# fmt: off
_FEMALE = """
    agnès alice aline amandine amélie anna anne annie anaïs audrey aurélie aurore axelle barbara
    béatrice bérénice brigitte capucine carole caroline catherine cécile céline chantal charlotte
    chloé christelle christiane christine claire clara clarisse clémence colette coralie corinne
    danielle delphine diane édith éléonore élisabeth elisabeth élise elsa émilie emma emmanuelle
    estelle éva eva évelyne fabienne florence françoise frédérique gabrielle geneviève ghislaine
    hélène inès ingrid irène isabelle jacqueline jeanne jessica joëlle josiane judith julie
    juliette justine karine laetitia laëtitia laure laurence léa léna lise louise lucie lucile
    lydie madeleine manon margaux marguerite maria marianne marie marine marion marlène martine
    mathilde mélanie michèle michelle monique muriel myriam nadia nadine natacha nathalie nicole
    noémie océane odile olivia ophélie pascale patricia pauline pénélope rachida rachel rebecca
    régine renée rose rosine roselyne sabine sandrine sarah ségolène séverine simone solène
    sophie stéphanie suzanne sylvie théa thérèse valérie vanessa véronique victoire virginie
    yasmine yvette yvonne zoé agathe amandine anne-marie marie-claire marisol najat fadela
    najwa aurore amira leïla leila samia karima fatima malika nawel sihem anissa
    angela ursula kamala hillary giorgia christine greta jacinda theresa liz nancy melania
    beyoncé serena marine roberta kaja olena julia yulia svetlana
"""
_MALE = """
    adrien alain alexandre alexis alfred antoine anthony armand arnaud arthur augustin aurélien
    baptiste benjamin benoît bernard bertrand bruno cédric charles christian christophe clément
    cyril damien daniel david denis didier dimitri édouard éric emmanuel étienne fabien fabrice
    florian francis françois frédéric gabriel gaël gaston georges gérald gérard gilbert gilles
    grégoire grégory guillaume gustave guy henri hervé hugo hugues jacques jean jérôme jérémy
    joël jonathan jordan joseph julien justin kévin laurent léo léon lionel loïc louis luc lucas
    ludovic marc marcel martin mathieu matthieu maurice maxime michel mickaël nathan nicolas
    noël olivier pascal patrice patrick paul philippe pierre quentin raphaël raymond rémi rémy
    renaud richard robert robin rodolphe roger roland romain samuel sébastien serge simon
    stéphane sylvain théo thibault thierry thomas tristan valentin victor vincent william xavier
    yann yannick yves zinédine karim mohamed mohammed ahmed rachid farid mehdi yassine sofiane
    niko nico felix félix donald joe barack vladimir volodymyr olaf keir rishi boris friedrich
    xi narendra recep benyamin benjamin elon jeff mark sam bill steve tim sundar satya
    kylian lionel cristiano didier zlatan antoine emmanuel gérald bruno jordan édouard
"""
_BOTH = """
    camille dominique claude sacha alix charlie andréa morgan lou eden noa ange maël
"""
# fmt: on

FIRST_NAMES: dict[str, str | None] = {
    **{name: "female" for name in _FEMALE.split()},
    **{name: "male" for name in _MALE.split()},
    **{name: None for name in _BOTH.split()},
}


def gender_of_first_name(name: str) -> str | None:
    """ "female", "male" or None (not a first name we know, or given to both)."""
    word = name.strip().lower()
    if word in FIRST_NAMES:
        return FIRST_NAMES[word]
    head = word.split("-")[0]
    # Marie-Pierre is a woman, Jean-Marie a man: the first part of a compound name says it.
    return FIRST_NAMES.get(head) if head != word else None
