"""Resolve follow-up questions against the conversation, without an LLM.

"What share comes from Vietnam?" then "And Indonesia?" becomes "What share comes from
Indonesia?"; "Who founded Osell?" then "What did his company sign?" becomes "What did Osell
sign?". When no single substitution is safe, the previous question is kept as *context*: it
joins the search and the answerer's topic, while the follow-up decides what kind of answer is
wanted. A question that stands on its own passes through untouched.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from assistant.questions import ACRONYM, ENTITY, FILLER, ORG_WORDS, country_names
from index.lexical import STOPWORDS

_ELLIPSIS_START = re.compile(r"^\s*(?:and|also|then|what about|how about|what of|and what about|same for)\b", re.I)
_PREP_WH_START = re.compile(
    r"^\s*(?:in|for|from|by|to|at|with|since|until|across|over|within|into|among|through|during|per)\s+"
    r"(?:how|what|which|when|where|whom)\b",
    re.I,
)
_RELATIVE_YEAR = re.compile(
    r"\b(?:the\s+)?(year|one)\s+(before|after)(?:\s+that)?\b|\b(previous|prior|next|following)\s+year\b", re.I
)
# "compared to a year before", "up from the previous year": a change over a year (year-on-year), not
# the year before one already asked about
_YEAR_ON_YEAR = re.compile(
    r"\b(?:compared?\s+(?:to|with)|than|from|over|versus|vs\.?|on)\s+(?:a|the)\s+(?:(?:previous|prior)\s+)?year"
    r"(?:\s+(?:before|earlier|ago))?|\ba\s+year\s+(?:before|earlier|ago)",
    re.I,
)


def _relative_year(question: str) -> re.Match | None:
    """ "And the year before?", "the following year": a year counted from the one just asked about.
    A question that names its own year counts from that one ("How did the price in 2024 compare
    with the year before?")."""
    if _OWN_YEAR.search(question):
        return None
    return _RELATIVE_YEAR.search(_YEAR_ON_YEAR.sub(" ", question))


_OWN_YEAR = re.compile(r"\b(?:1[5-9]|20)\d\d\b")


_MONTH_OR_DAY = re.compile(
    r"^(?:January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)$"
)
_PERSON_PRONOUN = re.compile(r"\b(?:he|she|him|her|hers|his)\b", re.I)
_THING_PRONOUN = re.compile(r"\b(?:it|its|they|them|their|theirs|there)\b", re.I)
_DUMMY_IT = re.compile(r"\b(?:is|was) it (?:true|possible|the case)\b|\bit (?:is|was) (?:true|said|reported)\b", re.I)
_POSSESSIVE_NOUN = re.compile(r"\b(his|her|its|their)\s+([a-z][\w-]*)", re.I)
_DEICTIC_NOUN = re.compile(r"\b(?:that|this|those|these|the same)\s+([a-z][\w-]*)", re.I)
_ORG_NOUNS = frozenset(
    "company firm business group platform organization organisation operator corporation enterprise venture partner".split()
)
_WH = re.compile(r"\b(?:what|which|who|whom|whose|when|where|why|how)\b", re.I)
MAX_TURNS = 3


_NOT_CONTENT = frozenset({"else", "s"})  # "what else", the "s" of "Thailand's"
_DANGLING = re.compile(r"\b(that|this|those|these|it|them|him|her|else)\s*[?.!]*\s*$", re.I)
_PARTITIVE = re.compile(
    r"\b(?:one|ones|which|each|any|some|all|both|none|either|neither|most|two|three) of (?:them|those|these)\b", re.I
)
_ABSTAINED = ("I can't find", "The sources don't say", "I can only answer", "What would you like")


@dataclass(frozen=True)
class Resolved:
    """The question to answer (`query`) and, when needed, the earlier question (and answer) it continues.

    `unresolved` marks a follow-up with nothing to follow ("And Indonesia?" as a first message):
    it is answered with a question back, never with a guess.
    """

    query: str
    context: str = ""
    unresolved: bool = False
    previous: str = ""  # the answer it follows up on, citation marks removed ("" if none or it abstained)

    @property
    def search_text(self) -> str:
        return f"{self.query} {self.context}".strip()

    def display(self) -> str:
        return self.query if not self.context else f"{self.query} (following: {self.context})"

    def clarification(self) -> str:
        names = _entities(_ELLIPSIS_START.sub("", self.query).strip(), first_word_is_grammar=False)
        about = f" about {' and '.join(names)}" if names else ""
        return (
            f"What would you like to know{about}? This reads like a follow-up, but there is no earlier "
            "question to follow. Please ask it as a complete question."
        )


_POSSESSIVE_S = re.compile(r"(?<=\w)['’]s$")


def _answer_entities(answer: str, names: frozenset[str]) -> list[str]:
    """The names in an answer: its first word too, when the sources use it as a name ("Feng
    Jianfeng is ..."), not when it is grammar ("Statistics show that ...", "Data shows ...")."""
    found = _entities(answer, first_word_is_grammar=False)
    first = answer.split(maxsplit=1)[0].strip("“\"'‘(").lower() if answer.strip() else ""
    if found and names and found[0].split()[0].lower() == first and first not in names and not found[0].isupper():
        rest = found[0].split()[1:]
        found = ([" ".join(rest)] if rest else []) + found[1:]
    return found


def _entities(text: str, first_word_is_grammar: bool = True) -> list[str]:
    """Capitalised names and numbers in order of appearance.

    A capitalised first word is grammar, not a name ("Across how many..."), unless it is an acronym
    or the text is a fragment ("Indonesia?").
    """
    out = []
    start = len(text) - len(text.lstrip())
    joined_at = -1  # where the last name ended, when a small word may join it to the next one
    for match in ENTITY.finditer(text):
        words = match.group().strip(" ,.;:’'").split()
        if first_word_is_grammar and match.start() == start and words and not words[0].isupper():
            words = words[1:]
        while words and words[0].lower() in STOPWORDS:
            words = words[1:]
        if not words:
            continue
        words[-1] = _POSSESSIVE_S.sub("", words[-1])  # "Chongqing's role": the name is "Chongqing"
        between = text[joined_at : match.start()] if out and joined_at >= 0 else ""
        if between and _JOINER.fullmatch(between):  # "China International Fair" "for" "Investment and Trade"
            out[-1] = f"{out[-1]}{between}{' '.join(words)}"
        else:
            out.append(" ".join(words))
        joined_at = match.start() + len(match.group().rstrip(" ,.;:’'"))
    return out


_JOINER = re.compile(r"\s+(?:for|on|de|del|della|di|du|des|la|le|von|van)\s+(?:the\s+)?")


def _is_person(name: str) -> bool:
    parts = name.split()
    return len(parts) >= 2 and all(p[:1].isupper() and p.lower() not in ORG_WORDS for p in parts)


def _closeness(name: str, answer: str, question: str) -> int:
    """How many of the question's words sit within a few words of `name` in the answer: the name
    the answer gives *as* the answer is the one surrounded by what was asked."""
    asked = set(_content_words(question))
    at = answer.find(name)
    if at < 0:
        return 0
    window = answer[max(0, at - 60) : at + len(name) + 80]
    return len(asked & {w.lower() for w in re.findall(r"[\w-]+", window)})


def _is_thing(name: str) -> bool:
    return not _is_person(name) and not name[:1].isdigit() and not _MONTH_OR_DAY.match(name)


def _last(items: list[str], keep) -> str | None:
    return next((x for x in reversed(items) if keep(x)), None)


# a question word alone, maybe with a preposition or "exactly": "When?", "With whom?", "Why exactly?"
_BARE_WH = re.compile(
    r"^\s*(?:and\s+)?(?:(?:with|by|for|to|from|since|until)\s+)?"
    r"(?:when|where|why|who|whom|how|how many|how much|how long|which one|what for)(?:\s+exactly)?\s*\??\s*$",
    re.I,
)


def _needs_history(question: str) -> bool:
    if _ELLIPSIS_START.search(question) or _relative_year(question):
        return True
    if _PREP_WH_START.search(question) and not _entities(question):
        return True
    if _PERSON_PRONOUN.search(question):
        return True
    if _THING_PRONOUN.search(_DUMMY_IT.sub("", question)):
        return True
    if _DEICTIC_NOUN.search(question) and not _entities(question):
        return True
    return _is_fragment(question) or _says_too_little(question)


# "What is inflation?" asks for a definition and says what it is about with one word
_DEFINITION = re.compile(r"^\s*(?:what|who)\s+(?:is|are|was|were)\s+(?:an?\s+|the\s+)?[\w-]+\s*\??\s*$", re.I)


def _says_too_little(question: str) -> bool:
    """A question with at most one word of its own topic and no name, mid-conversation, is about
    what was just discussed: "What percentage exactly?", "Who explained why?", "Which edition?",
    and a question word alone (`_BARE_WH`: "When?", "With whom?")."""
    if not _WH.search(question) or _DEFINITION.match(question) or _entities(question):
        return False
    return len([w for w in _content_words(question) if w not in FILLER]) <= 1


def _is_fragment(text: str) -> bool:
    """A few words with no question word: "Indonesia?", "the Beibu Gulf Port?"."""
    return len(re.findall(r"[\w-]+", text)) <= 3 and not _WH.search(text)


def _history_pairs(history: Sequence) -> list[tuple[str, str]]:
    pairs = []
    for turn in history:
        if isinstance(turn, str):
            pairs.append((turn, ""))
        else:
            q, a = (list(turn) + ["", ""])[:2]
            pairs.append((str(q or ""), str(a or "")))
    return pairs


def _lowercase_names(text: str, names: frozenset[str]) -> list[str]:
    """Names typed in lowercase ("what about vietnam?"), known from the corpus or as countries."""
    if text != text.lower():
        return []
    found = [w for w in re.findall(r"[\w-]+", text) if w in names or w in country_names()]
    return [w.title() for w in found]


def _continues(question: str) -> bool:
    """Only makes sense after something: "And Indonesia?", "What about him?", "Who said that?".

    A fragment or a closing pronoun with words enough of its own stands alone: "Osell founder?"
    is a keyword query, and "The boss said the deal needed something. What was it?" says what
    "it" is."""
    # "the year before", "the following year", "And the previous year?", "When?": of what? ("What
    # did it score for the previous year?" and "next year's fair" count from now)
    relative = _relative_year(question)
    counted_from_now = (
        relative
        and (relative.group(3) or "").lower() in ("previous", "prior", "next")
        and not _ELLIPSIS_START.search(question)
    )
    if (relative and not counted_from_now) or _BARE_WH.match(question):
        return True
    fragment = _ELLIPSIS_START.sub("", question).strip()
    if (
        _ELLIPSIS_START.search(question)
        or re.search(r"\belse\b", question, re.I)
        or _DANGLING.search(question)
        or (_is_fragment(question) and fragment)
    ):  # "And Indonesia?", "What else?" continue; "Apart from cargo, what else does the corridor boost?" does not
        return len(_content_words(question)) < 2
    return False


def _names_the_one_thing_asked_about(question: str, prev_things: list[str]) -> bool:
    """A question that ends in "it" or "them" and says enough of its own ("In what capacity did
    Chongqing attend it?") refers to the one thing the previous question named ("What is the China
    International Fair for Investment and Trade?"), not to whatever its answer said."""
    dangling = _DANGLING.search(question)
    if not dangling or dangling.group(1).lower() not in ("it", "them") or len(_content_words(question)) < 2:
        return False
    return len(set(prev_things)) == 1


def _content_words(text: str) -> list[str]:
    """The words that say what a question is about, lowercased: not grammar, question words or
    pronouns (all of them stopwords)."""
    return [w for w in re.findall(r"[\w-]+", text.lower()) if w not in STOPWORDS and w not in _NOT_CONTENT]


def resolve(question: str, history: Sequence, names: frozenset[str] = frozenset()) -> Resolved:
    """Rewrite `question` so it stands alone, using up to the last few turns of `history`.

    `names` are the corpus's proper nouns (lowercase), to recognise names typed without capitals.
    The previous answer counts too: "Who said that?" after a quoted sentence is about that sentence;
    an answer that abstained carries nothing forward. A follow-up keeps the previous answer
    (`Resolved.previous`): what it asks next is often said beside it ("What will it build?").
    """
    resolved = _resolve(question, history, names)
    pairs = [(q, a) for q, a in _history_pairs(history) if q.strip()]
    if resolved.unresolved or not pairs or not (_needs_history(question) or _DANGLING.search(question)):
        return resolved
    answer = pairs[-1][1]
    if not answer or answer.startswith(_ABSTAINED):
        return resolved
    return replace(resolved, previous=re.sub(r"\s*\[\d+\]", "", answer))


def _topic_carried(question: str, turn: tuple[str, str]) -> str:
    """The previous question as context for one that names nothing itself but goes on with its
    topic: "Which country has the biggest share?" after "What share of the corridor's trade comes
    from Indonesia?" is about that share ("" when it names something, shares no word with the
    previous question, or that question was not answered)."""
    previous, answer = turn
    if _entities(question) or not _entities(previous) or answer.startswith(_ABSTAINED):
        return ""
    own = {w for w in _content_words(question) if w not in FILLER}
    return previous if own & set(_content_words(previous)) else ""


def _resolve(question: str, history: Sequence, names: frozenset[str]) -> Resolved:
    pairs = [(q, a) for q, a in _history_pairs(history) if q.strip()][-MAX_TURNS:]
    if not pairs:
        return Resolved(question, unresolved=_continues(question))
    if not _needs_history(question) and not _DANGLING.search(question):
        return Resolved(question, _topic_carried(question, pairs[-1]))
    abstained = pairs[-1][1].startswith(_ABSTAINED)
    previous = _resolve(pairs[-1][0], [] if abstained else pairs[:-1], names)
    if previous.unresolved:
        previous = Resolved(pairs[-1][0])
    prev_text = previous.query
    prev_answer = "" if abstained else re.sub(r"\s*\[\d+\]", "", pairs[-1][1])
    # "And the year before that?" after a question about 2021 asks about 2020 (whatever the answer said).
    relative = _relative_year(question)
    years = re.findall(r"\b(?:19|20)\d\d\b", prev_text)
    if relative and years:
        step = -1 if (relative.group(2) or relative.group(3) or "").lower() in ("before", "previous", "prior") else 1
        year = years[-1]
        return Resolved(prev_text.replace(year, str(int(year) + step)), previous.context)

    prev_things = [n for n in _entities(prev_text) if _is_thing(n)]  # what "it" may stand for
    # "Who said that?", "Which one of them ...?": about what the previous answer said (the several
    # things it gave, never one name put in for "them")
    about_the_answer = _PARTITIVE.search(question) or (
        _DANGLING.search(question)
        and not _PERSON_PRONOUN.search(question)
        and not _names_the_one_thing_asked_about(question, prev_things)
    )
    if about_the_answer and prev_answer:
        return Resolved(question, f"{prev_text} {prev_answer[:300]}".strip())
    fragment = _ELLIPSIS_START.sub("", question).strip()
    own = _entities(fragment, first_word_is_grammar=not _is_fragment(fragment)) or _lowercase_names(fragment, names)

    # "And Indonesia?" / "What about Thailand?": swap the previous question's last name for the new one.
    if own and _is_fragment(fragment):
        prev_entities = _entities(prev_text, first_word_is_grammar=not _is_fragment(prev_text))
        if prev_entities:
            target = prev_entities[-1]
            cut = prev_text.rfind(target)
            return Resolved(prev_text[:cut] + " and ".join(own) + prev_text[cut + len(target) :], previous.context)
        # nothing to swap ("Which country has the largest share?" -> "Vietnam ..."): the new name,
        # asked about in the previous question's terms
        return Resolved(" and ".join(own) + "?", f"{prev_text} {previous.context}".strip())

    in_answer = _answer_entities(prev_answer, names)
    names = _entities(prev_text) + in_answer
    person = _last(names, _is_person)
    # the answer to "Which province ...?" / "Who ...?" is what "it"/"he" refers to next
    answered = [n for n in in_answer if n.lower() not in prev_text.lower() and not n[:1].isdigit()]
    asked_for_name = re.match(r"\s*(?:which|who|whom|what)\b", prev_text, re.I) and answered
    # "it" is replaced only when the previous question (or else its answer) names exactly one
    # thing; otherwise the previous question becomes context rather than a guess.
    things = prev_things
    if not things:
        things = [n for n in in_answer if _is_thing(n)][:1]
    thing = things[0] if len(set(things)) == 1 else None
    if asked_for_name:
        ranked = sorted(answered, key=lambda n: -_closeness(n, prev_answer, prev_text))
        person = next((n for n in ranked if _is_person(n)), person)
        if thing is None:  # the question's own one thing stays the referent ("his company" -> Osell)
            thing = next((n for n in ranked if _is_thing(n)), thing)
    acronyms = ACRONYM.findall(f"{prev_text} {prev_answer}")
    if acronyms and re.search(r"\bstands? for\b|\babbreviat|\bacronym\b|\bshort for\b", question, re.I):
        thing = acronyms[-1]  # "What does it stand for?" asks about the abbreviation just named
    rewritten = question

    # "his company" -> the organisation of the previous turn; "his remarks" -> "Feng Jianfeng's remarks".
    def possessive(match: re.Match) -> str:
        pronoun, noun = match.group(1).lower(), match.group(2)
        if noun.lower() in _ORG_NOUNS and thing:
            return thing
        owner = person if pronoun in ("his", "her") else thing
        return f"{owner}’s {noun}" if owner else match.group()

    rewritten = _POSSESSIVE_NOUN.sub(possessive, rewritten)
    if person:
        rewritten = re.sub(r"\b(?:he|she|him|her)\b", person, rewritten, flags=re.I)
    if thing and not _DUMMY_IT.search(rewritten):
        rewritten = re.sub(r"\b(?:it|they|them)\b", thing, rewritten, flags=re.I)
        rewritten = re.sub(r"\bthere\b", f"at {thing}", rewritten, flags=re.I)

    # "that fair" -> the name from the previous turn that contains "Fair".
    def deictic(match: re.Match) -> str:
        noun = match.group(1).lower()
        if thing and (noun == "one" or noun in _ORG_NOUNS):  # "this one", "that company": the one thing
            return thing
        named = _last(names, lambda n: noun.rstrip("s") in n.lower())
        return named or match.group()

    rewritten = _DEICTIC_NOUN.sub(deictic, rewritten)
    if rewritten != question and not _THING_PRONOUN.search(rewritten) and not _PERSON_PRONOUN.search(rewritten):
        return Resolved(rewritten)
    return Resolved(rewritten, prev_text if not previous.context else f"{prev_text} {previous.context}")
