"""Nouns of people by what they do, and the gender they give: "la ministre", "l'entraîneur".

Shared by the attribution (which noun phrase is a person) and the speakers (their gender).
"""

from __future__ import annotations

# Nouns of people by what they do. Those whose form says the gender map to it; the others (a
# ministre, a porte-parole) take the gender of their determiner ("la ministre": female).
# fmt: off
ROLES_BY_FORM = {
    "directrice": "female", "directeur": "male", "présidente": "female", "président": "male",
    "avocate": "female", "avocat": "male", "députée": "female", "député": "male",
    "sénatrice": "female", "sénateur": "male", "conseillère": "female", "conseiller": "male",
    "fondatrice": "female", "fondateur": "male", "dirigeante": "female", "dirigeant": "male",
    "adjointe": "female", "adjoint": "male", "militante": "female", "militant": "male",
    "chercheuse": "female", "chercheur": "male", "joueuse": "female", "joueur": "male",
    "entraîneuse": "female", "entraîneur": "male", "ambassadrice": "female", "ambassadeur": "male",
    "autrice": "female", "auteure": "female", "auteur": "male", "préfète": "female", "préfet": "male",
    "procureure": "female", "procureur": "male", "patronne": "female", "patron": "male",
    "cheffe": "female", "habitante": "female", "habitant": "male", "élue": "female", "élu": "male",
    "candidate": "female", "candidat": "male", "étudiante": "female", "étudiant": "male",
    "enseignante": "female", "enseignant": "male", "infirmière": "female", "infirmier": "male",
    "agricultrice": "female", "agriculteur": "male", "éleveuse": "female", "éleveur": "male",
    "commerçante": "female", "commerçant": "male", "présentatrice": "female", "présentateur": "male",
    "réalisatrice": "female", "réalisateur": "male", "actrice": "female", "acteur": "male",
    "chanteuse": "female", "chanteur": "male", "écrivaine": "female", "écrivain": "male",
    "championne": "female", "champion": "male", "sélectionneuse": "female", "sélectionneur": "male",
    "gérante": "female", "gérant": "male", "chroniqueuse": "female", "chroniqueur": "male",
    "experte": "female", "expert": "male", "analyste": None, "économiste": None,
    "ministre": None, "porte-parole": None, "maire": None, "juge": None, "secrétaire": None,
    "responsable": None, "chef": None, "pdg": None, "commissaire": None, "artiste": None,
    "médecin": None, "syndicaliste": None, "scientifique": None, "journaliste": None,
    "architecte": None, "capitaine": None, "gendarme": None, "témoin": None, "photographe": None,
    "porte-drapeau": None, "cadre": None, "professeure": "female", "professeur": "male",
    "princesse": "female", "prince": "male", "reine": "female", "roi": "male",
    "mère": "female", "père": "male", "femme": "female", "homme": "male", "fille": "female",
    "fils": "male", "sœur": "female", "frère": "male", "veuve": "female", "veuf": "male",
}
DET_GENDER = {
    "le": "male", "un": "male", "ce": "male", "cet": "male", "la": "female", "une": "female", "cette": "female",
}
# fmt: on
# Suffixes of nouns of people by what they do (entraîneur, journaliste, historienne, habitant),
# and nouns with those endings that are not people.
_PERSON_SUFFIXES = ("eur", "euse", "rice", "iste", "ien", "ienne", "ant", "ante", "ier", "ière", "logue")
_NOT_PEOPLE = frozenset("secteur moteur conseil gouvernement parquet ministère restaurant quartier dossier".split())


def is_person_noun(noun: str) -> bool:
    """Whether a common noun names a person ("la ministre", "l'entraîneur"), not a body ("le
    parquet", "la mairie"): the roles above, and the endings of nouns of agents."""
    noun = noun.lower()
    if noun in ROLES_BY_FORM:
        return True
    return noun not in _NOT_PEOPLE and noun.endswith(_PERSON_SUFFIXES)


def gender_of_role(determiner: str, noun: str) -> str | None:
    noun = noun.lower()
    if noun not in ROLES_BY_FORM:
        return None
    by_form = ROLES_BY_FORM[noun]
    return by_form or DET_GENDER.get(determiner.lower())


# Nouns of people the same in both genders: only their determiner tells ("la ministre").
EPICENE_ROLES = frozenset(
    "ministre porte-parole maire juge secrétaire responsable chef pdg commissaire artiste médecin syndicaliste "
    "scientifique journaliste architecte capitaine gendarme témoin photographe élève analyste économiste "
    "membre adjoint ex-ministre interprète collègue psychologue diplomate athlète propriétaire locataire "
    "bénévole militaire archiviste biologiste historien sociologue philosophe politologue guide".split()
)
