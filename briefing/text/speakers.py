"""Who is quoted: one identity per source, and the gender the text gives it.

`Attributor` (attribution.py) names a quotation's speaker as the article writes it: "François
Fillon", "M. Fillon", "un communiqué", "la lettre", "la porte-parole du ministère", or gives the
subject pronoun ("a-t-elle déclaré"). Here those mentions become identities, so that one source
keeps one voice, and pronouns are resolved to the most recent person of their gender met in the
text before them (`read` keeps track of the people the narration names):

- a person is known by surname: "M. Fillon", "Fillon" and "François Fillon" are one person,
  shown under the fullest name met; two different first names are two people;
- a document is one source with its first mention: "un communiqué" then "le communiqué"; a
  definite document never introduced ("la lettre") is the document the article already quotes;
  a group that wrote it ("», ont écrit les artistes") is that document's voice too;
- a role ("le porte-parole d'OpenAI", "un porte-parole") is one person whatever its article.

And a gender, from the strongest clue: what casting.toml pins, a title ("M.", "Mme"), a role
with its agreement ("la ministre", "le porte-parole", "la directrice"), an agreement or a
pronoun in the attribution ("a-t-elle déclaré", "s'est-il félicité", "interrogée"), what the
article says elsewhere of the same surname ("Mme Dati", "la ministre de la Culture, Rachida
Dati"), then the first name (first_names.py). Groups and documents have none: any voice will do.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from briefing.errors import InputError
from briefing.limits import MAX_SPEAKERS
from briefing.text.first_names import common_in_france, gender_of_first_name, is_first_name
from briefing.text.quotes import NAME
from briefing.text.roles import DET_GENDER, ROLES_BY_FORM, gender_of_role, is_person_noun

_TITLES = {
    "m.": "male",
    "mr": "male",
    "mr.": "male",
    "monsieur": "male",
    "mme": "female",
    "mme.": "female",
    "mlle": "female",
    "madame": "female",
    "mademoiselle": "female",
    "me": None,
    "maître": None,
    "dr": None,
    "dr.": None,
    "docteur": None,
    "pr": None,
    "pr.": None,
    "professeur": None,
    "mgr": "male",
}
_PLURAL_DETS = ("les", "des", "ces", "leurs", "ses", "nos", "vos")

# Sources that are texts, not people.
_DOCUMENTS = frozenset(
    "communiqué lettre texte tribune pétition déclaration message rapport courrier note post publication billet "
    "document courriel mail e-mail manifeste appel avis compte-rendu rapport tweet statut site blog".split()
)
_WRITING_VERBS = re.compile(r"\b(?:écri\w*|écrit\w*|sign\w*|publi\w*|rédig\w*)\b", re.IGNORECASE)

_TITLE_RE = r"(?:M\.|Mme|Mlle|Monsieur|Madame|Mademoiselle)"
_TITLED = re.compile(rf"\b({_TITLE_RE})\s+({NAME})")
_ROLE_APPOSITION = re.compile(
    rf"\b((?i:le|la|un|une|l'))\s*(?P<role>([\w-]+)\b[^,.;:!?«»]{{0,60}}),\s*({NAME})(?=\s*[,.;:!?)]|\s+(?:a|avait|est|estime|juge|"
    rf"déclare|explique|affirme|indique|précise|dit|ajoute|souligne)\b)"
)
# Pronouns and agreements in an attribution: "a-t-elle", "dit-il", "s'est-elle félicitée",
# "interrogée par", "s'est dite".
_PRONOUN = re.compile(r"-(?:t-)?(elle|il)\b")
_PRONOMINAL = re.compile(r"\bs'est(?:-(?:il|elle))?\s+(?:\w+\s+)?(\w+)\b")
_PARTICIPLE_BEFORE = re.compile(r"^([A-ZÀ-ÖØ-Þ]\w+ée|[A-ZÀ-ÖØ-Þ]\w+é)\s*(?:par\s+[^,]{1,60})?,")
# What a place's name follows, and never a person's: "au Nigeria", "en Aude".
_PLACE_BEFORE = re.compile(r"(?:\b(?:au|aux|en|à|dans|vers|sur|depuis)|\()\s*$")  # "Narbonne (Aude)"
# People the narration names, for pronouns to refer to: "M. Fillon", "Anne Roux", "la ministre".
_CAP = r"[A-ZÀ-ÖØ-Þ][\w'’-]+"
_PARTICLE = r"(?:(?:de|du|des|d'|van|von|der|den|le|la|ben|bin|al|el|da|dos|di|del|della)\s+)?"
_PERSON = re.compile(
    rf"\b(?:(?P<title>M\.|Mme|Mlle|Monsieur|Madame|Dr|Me|Pr)\s+(?P<titled>{_CAP}(?:\s+{_PARTICLE}{_CAP})?)"
    rf"|(?P<first>{_CAP})\s+(?P<last>{_PARTICLE}{_CAP}(?:\s+{_CAP})?)"
    rf"|(?P<det>[Ll]e|[Ll]a|[Ll]'|[Uu]n|[Uu]ne)\s*(?P<role>[\w-]+)"
    rf"|(?P<alone>{_CAP}))"
)


@dataclass
class Speaker:
    """One source: its label (the fullest name met), its gender, and the names it was met by."""

    key: str
    gender: str | None = None
    kind: str = "person"  # person, group, document, role
    surname: str = ""
    first: str = ""
    head: str = ""  # a document's or role's noun ("communiqué", "porte-parole")
    aliases: set[str] = field(default_factory=set)
    pinned: bool = False


def _participle_gender(word: str) -> str | None:
    """Gender of a past participle agreeing with its subject: "félicitée" female, "dite" female."""
    word = word.lower()
    if word.endswith(("ées", "és")):
        return None
    if word.endswith("ée") or word in ("dite", "mise", "prise", "jointe", "plainte", "montrée"):
        return "female"
    if word.endswith("é") or word in ("dit", "mis", "pris", "joint", "plaint"):
        return "male"
    return None


def attribution_gender(mention: str, before: str, after: str) -> str | None:
    """The gender an attribution gives its speaker, when it gives one: "», a-t-elle déclaré",
    "», s'est-il félicité", "Interrogée par Le Monde, X a dit : «", "X, interrogée par l'AFP, a dit".

    `before` is the sentence before the quotation, `after` the one after it.
    """
    head = after[:80]
    m = _PRONOUN.search(head)
    if m:
        return "female" if m.group(1) == "elle" else "male"
    for text in (head, before[-160:]):
        m = _PRONOMINAL.search(text)
        gender = _participle_gender(m.group(1)) if m else None
        if gender:
            return gender
    last = mention.split()[-1] if mention.split() else ""
    if last[:1].isupper():
        apposed = re.compile(rf"\b{re.escape(last)}\s*,\s*(\w+)\s+(?:par|à|au|sur)\b")
        for text in (before, head):
            m = apposed.search(text)
            gender = _participle_gender(m.group(1)) if m else None
            if gender:
                return gender
    m = _PARTICIPLE_BEFORE.match(before.lstrip())
    if m:
        return _participle_gender(m.group(1))
    return None


class Speakers:
    """The identities met in a briefing, in order; a person keeps one identity across articles."""

    def __init__(self, pinned_genders: Mapping[str, str] | None = None):
        self.pinned_genders = dict(pinned_genders or {})
        self.all: list[Speaker] = []  # at most limits.MAX_SPEAKERS (each mention is compared with them)
        self.article: list[Speaker] = []  # the identities met in the current article
        self._cues: dict[str, str] = {}  # surname -> gender, from the current article's text
        self._role_names: dict[str, str] = {}  # "ministre de la santé" -> "Christian Dubé", from appositions
        # The people named so far in the current article, latest last: (mention, gender, identity);
        # the identity is made only when a pronoun or a quotation refers to them.
        self.mentions: list[tuple[str, str | None, Speaker | None]] = []

    def start_article(self, text: str) -> None:
        """Read `text` (the whole article) for what it says of people's gender: titles before a
        surname ("Mme Dati") and roles in apposition ("la ministre de la Culture, Rachida Dati")."""
        self.article = []
        self._cues = {}
        self.mentions = []
        for m in _TITLED.finditer(text):
            gender = _TITLES.get(m.group(1).lower())
            if gender:
                self._cues.setdefault(_surname(m.group(2)), gender)
        self._role_names = {}
        for m in _ROLE_APPOSITION.finditer(text):
            gender = gender_of_role(m.group(1), m.group(3))
            if gender:
                self._cues.setdefault(_surname(m.group(4)), gender)
            if is_person_noun(m.group(3)):
                # "le ministre de la Santé, Christian Dubé": the role names him elsewhere too
                self._role_names.setdefault(" ".join(m.group("role").lower().split()), m.group(4))

    def read(self, text: str) -> None:
        """Note the people `text` (narration, in reading order) names, for pronouns after it."""
        for m in _PERSON.finditer(text):
            if m.group("title"):
                self.mentions.append(
                    (f"{m.group('title')} {m.group('titled')}", _TITLES.get(m.group("title").lower()), None)
                )
            elif m.group("first"):
                if gender_of_first_name(m.group("first")):  # not "France Bleu": a name given to either is no clue
                    self.mentions.append((f"{m.group('first')} {m.group('last')}", None, None))
                elif common_in_france(m.group("last").split()[-1]) and gender_of_first_name(
                    m.group("last").split()[-1]
                ):
                    self.mentions.append((m.group("last").split()[-1], None, None))  # "Selon Catherine"
            elif m.group("alone"):
                place = _PLACE_BEFORE.search(text[max(0, m.start() - 12) : m.start()])
                if common_in_france(m.group("alone")) and gender_of_first_name(m.group("alone")) and not place:
                    self.mentions.append((m.group("alone"), None, None))  # "Catherine, 54 ans, a tout perdu"
            elif m.group("role").lower() in ROLES_BY_FORM:
                gender = gender_of_role(m.group("det"), m.group("role"))
                det = m.group("det").lower()
                self.mentions.append(
                    (f"{det}{'' if det.endswith(chr(39)) else ' '}{m.group('role').lower()}", gender, None)
                )

    def resolve_pronoun(self, pronoun: str) -> Speaker | None:
        """The person a subject pronoun (il, elle) stands for: the most recent one met of that
        gender, else the most recent one whose gender is unknown (who then takes it); None when
        there is none, or for a plural pronoun with no group quoted before."""
        gender = "female" if pronoun.startswith("elle") else "male"
        if pronoun in ("ils", "elles"):
            for known in reversed(self.article):
                if known.kind in ("group", "organisation"):
                    return known
            return None
        unknown = None
        for i in range(len(self.mentions) - 1, -1, -1):
            mention, said, speaker = self.mentions[i]
            current = speaker.gender if speaker is not None else said
            if speaker is None and current is None:
                current = self._gender_hint(mention)
            if current == gender:
                return self._identity(i)
            if current is None and unknown is None and (speaker is None or speaker.kind in ("person", "role")):
                unknown = i
        if unknown is None:
            return None
        found = self._identity(unknown)
        if found.gender is None and not found.pinned:
            found.gender = gender
        return found

    def _named_before(self, mention: str) -> Speaker | None:
        """The person a definite role stands for when the text named them just before ("Pas de
        temps mort pour François Asselin. Le président de la CPME…"): the latest person named,
        when the role's gender does not contradict theirs."""
        words = mention.lower().replace("l'", "l' ").split()
        if len(words) < 2 or words[0] not in ("le", "la", "l'") or not is_person_noun(words[1]):
            return None
        gender = gender_of_role(words[0], words[1])
        for i in range(len(self.mentions) - 1, -1, -1):
            label, said, speaker = self.mentions[i]
            if not label[:1].isupper() or (speaker is not None and speaker.kind != "person"):
                continue
            known = speaker.gender if speaker is not None else (said or self._gender_hint(label))
            if gender and known and known != gender:
                return None
            return self._identity(i)
        return None

    def named_next(self, text: str, gender: str | None = None) -> Speaker | None:
        """The first person `text` names (of `gender`, when given): the speaker of a quotation that
        opens an article before anyone is named ("« On a très peur. » … Philippe Penta, agriculteur")."""
        scout = Speakers()
        scout._cues = self._cues
        scout.read(text)
        for label, said, _ in scout.mentions:
            if not label[:1].isupper():
                continue
            known = said or scout._gender_hint(label)
            if gender is None or known in (gender, None):
                return self.resolve(label)
        return None

    def latest_person(self) -> Speaker | None:
        """The person the narration named last: who an unattributed quotation is read as (in news,
        a quotation standing alone goes on with the person the text is about)."""
        for i in range(len(self.mentions) - 1, -1, -1):
            speaker = self.mentions[i][2]
            if speaker is None or speaker.kind in ("person", "role"):
                return self._identity(i)
        return None

    def _identity(self, i: int) -> Speaker:
        mention, said, speaker = self.mentions[i]
        if speaker is None:
            speaker = self.resolve(mention)
            if speaker.gender is None and said and not speaker.pinned and speaker.kind in ("person", "role"):
                speaker.gender = said
            self.mentions[i] = (mention, said, speaker)
        return speaker

    def _gender_hint(self, mention: str) -> str | None:
        words = mention.split()
        if len(words) > 1 and words[0][:1].isupper():
            return self._cues.get(_surname(mention)) or gender_of_first_name(words[0])
        return None

    def resolve(
        self, mention: str, before: str = "", after: str = "", gender: str | None = None, entity: str = ""
    ) -> Speaker:
        """The identity `mention` names, created or completed with what this attribution says
        (`gender`: what the reporting clause says; `entity`: the named-entity label, ORG for a body)."""
        speaker = self._resolve(mention, before, after, gender, entity)
        if not any(s is speaker for _, _, s in self.mentions[-1:]):
            self.mentions.append((mention, speaker.gender, speaker))
        return speaker

    def _resolve(self, mention: str, before: str, after: str, clause_gender: str | None, entity: str) -> Speaker:
        words = mention.split()
        role = " ".join(mention.lower().replace("l'", "l' ").split()[1:])
        if role in self._role_names:  # "le ministre de la Santé" where the article gave his name
            mention, words = self._role_names[role], self._role_names[role].split()
        else:
            named = self._named_before(mention)
            if named is not None:
                return named
        title_gender = None
        if words and words[0].lower() in _TITLES and len(words) > 1:
            title_gender = _TITLES[words[0].lower()]
            words = words[1:]
        name = " ".join(words)
        if words and words[0].lower().startswith("l'") and len(words[0]) > 2:
            words = [words[0][:2], words[0][2:], *words[1:]]  # "l'avocate" -> "l'", "avocate"
        determiner = words[0].lower() if words else ""
        speaker = None
        if entity == "ORG" and title_gender is None:
            speaker = self._organisation(mention)
        elif name[:1].isupper() and determiner not in DET_GENDER:
            speaker = self._person(name, title_gender is not None)
        else:
            speaker = self._common(mention, determiner, before, after)
        speaker.aliases.add(mention)
        if speaker not in self.article:
            self.article.append(speaker)
        if speaker.pinned or speaker.kind in ("group", "document", "organisation"):
            return speaker
        for alias in (mention, speaker.key):
            if alias in self.pinned_genders:
                speaker.gender, speaker.pinned = self.pinned_genders[alias], True
                return speaker
        if speaker.gender is None:
            speaker.gender = (
                title_gender
                or clause_gender
                or _role_gender_of(determiner, words[1:])
                or attribution_gender(mention, before, after)
                or (self._cues.get(speaker.surname) if speaker.surname else None)
                or (gender_of_first_name(speaker.first) if speaker.first else None)
            )
        return speaker

    def _person(self, name: str, titled: bool) -> Speaker:
        tokens = name.split()
        first = tokens[0] if len(tokens) > 1 and not titled and is_first_name(tokens[0]) else ""
        if len(tokens) > 1 and not titled and not first and tokens[0].lower() not in ("le", "la", "de", "van", "von"):
            first = tokens[0]  # a first name we do not know: still a first name
        surname = " ".join(tokens[1:]) if first else name
        if len(tokens) == 1 and not titled and gender_of_first_name(name):
            first = name  # "Jacqueline", "Jean-Marie": people the article calls by their first name
        for known in reversed(self.all):
            if known.kind != "person" or not _same_surname(known.surname, surname):
                continue
            if first and known.first and known.first.lower() != first.lower():
                continue  # Marine and Jean-Marie Le Pen are two people
            if first and not known.first:
                known.first, known.key = first, name  # "M. Fillon" met first, then "François Fillon"
            return known
        speaker = Speaker(key=name, surname=surname, first=first)
        self._add(speaker)
        return speaker

    def _organisation(self, name: str) -> Speaker:
        for known in reversed(self.all):
            if known.kind == "organisation" and known.key.lower() == name.lower():
                return known
        speaker = Speaker(key=name, kind="organisation")
        self._add(speaker)
        return speaker

    def _common(self, mention: str, determiner: str, before: str, after: str) -> Speaker:
        words = mention.lower().replace("l'", "l' ").split()
        nouns = [w for w in words[1:] if w not in ("de", "du", "des", "d'", "la", "le", "l'")]
        head = nouns[0] if nouns else (words[0] if words else "")
        if head in _DOCUMENTS:
            for known in reversed(self.article):
                if known.kind == "document" and known.head == head:
                    return known
            if determiner in ("le", "la", "l'"):
                for known in reversed(self.article):
                    if known.kind == "document":
                        return known  # "la lettre" after "un communiqué": the text already quoted
            speaker = Speaker(key=mention, kind="document", head=head)
        elif determiner in _PLURAL_DETS:
            if _WRITING_VERBS.search(after[:60]) or _WRITING_VERBS.search(before[-60:]):
                for known in reversed(self.article):
                    if known.kind == "document":
                        return known  # "», ont écrit les artistes": the authors of the text quoted
            for known in reversed(self.article):
                if known.kind == "group" and known.head == head:
                    return known
            speaker = Speaker(key=mention, kind="group", head=head)
        else:
            rest = " ".join(words[1:])
            # "un cheminot", "une habitante": someone; "le parquet de Paris": a body, unless a person's noun
            person = determiner in ("un", "une") or any(is_person_noun(w) for w in nouns[:3])  # "la jeune femme"
            kind = "role" if person else "organisation"
            for known in reversed(self.all):
                if known.kind == kind and known.head == rest:
                    return known
            speaker = Speaker(key=mention, kind=kind, head=rest)
        self._add(speaker)
        return speaker

    def _add(self, speaker: Speaker) -> None:
        if len(self.all) >= MAX_SPEAKERS:  # every new mention is compared with all of them
            raise InputError(
                f"these articles quote more than {MAX_SPEAKERS:,} sources, the limit for one episode; "
                "split it into several"
            )
        self.all.append(speaker)


def _role_gender_of(determiner: str, words: list[str]) -> str | None:
    """The gender of a role from its first noun of a person: "la jeune femme", "l'ex-porte-parole"."""
    for word in words[:3]:
        word = word.strip(",").lower().removeprefix("ex-")
        if is_person_noun(word):
            return gender_of_role(determiner, word)
    return None


def _surname(name: str) -> str:
    tokens = name.split()
    if len(tokens) > 1 and is_first_name(tokens[0]):
        return " ".join(tokens[1:])
    return name if len(tokens) == 1 else " ".join(tokens[1:])


def _same_surname(a: str, b: str) -> bool:
    if not a or not b:
        return False
    a, b = a.lower(), b.lower()
    return a == b or a.split()[-1] == b or b.split()[-1] == a
