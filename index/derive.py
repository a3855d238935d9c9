"""Facts derived automatically from every source, the kinds people otherwise write by hand.

- a "respectively" sentence becomes one statement per item: "goods from Vietnam, Indonesia and
  Thailand account for 62%, 12% and 6% ..., respectively" -> "... from Vietnam account for 62% ...";
- an apposition gives a person's role: "Feng Jianfeng, founder and chairman of Osell," ->
  "Feng Jianfeng is the founder and chairman of Osell.";
- an acronym next to its expansion: "New International Land-sea Trade Corridor (ILSTC)", "the ECU
  (European Currency Unit)", "high-strength low-alloy (HSLA)" ->
  "ILSTC stands for New International Land-sea Trade Corridor.";
- a person's dates after their name: "Jane Roe (4 May 1890 – 2 June 1960)" -> "Jane Roe was born
  on 4 May 1890." and "Jane Roe died on 2 June 1960.";
- a sentence of two independent clauses, one statement per clause (each a verbatim span);
- a span of months named as the part of the year it is: "from January to June this year" -> "in
  the first half of this year (January to June)";
- who said what: "“We grew,” said Amina Yusuf, director of X." -> "Amina Yusuf, director of X, said
  that we grew." (also a quote that goes on in the next sentence, and "..., said Yusuf." with the
  full name the source gives that speaker elsewhere);
- a name's form in another language or its meaning in brackets: "the Vltava (German: Moldau)" ->
  "Moldau is the German name of the Vltava."; "Chùa Cầu ("Pagoda Bridge")" -> "Chùa Cầu means
  "Pagoda Bridge".";
- a sentence opening with "He", "She", "His" or "Her", restated with the name of the person it
  stands for (the last one, known to be a person, that a sentence was about): "He died in Graz." ->
  "Ilse Maria Varga died in Graz.";
- a sentence that uses an acronym the source defines elsewhere, restated with the expansion:
  "So far, the ILSTC has expanded to 335 ports." -> "So far, the New International Land-sea
  Trade Corridor (ILSTC) has expanded to 335 ports." (its words: the sentence's and the definition's).

Each statement is built only from words of its sentence, keeps the verbatim span it came from as
its quote, and is dropped unless every number and capitalised word it holds occurs in that span
(or, for an expanded acronym, a speaker's full name or the person a pronoun stands for, where the
same source spells it out).
"""

from __future__ import annotations

import functools
import hashlib
import re

from index.lexical import CAPITAL_LETTERS, STOPWORDS
from knowledge import Fact, Source

_CAP = CAPITAL_LETTERS
_NAME_WORD = rf"[{_CAP}][\w'’\-.]*"
# Names run to at most 9 words: an unbounded run made every match try every longer one (minutes for
# one long paragraph of capitalised words).
_CAPS_ITEM = (
    rf"(?:the\s+)?{_NAME_WORD}(?:\s+(?:of\s+|de\s+|von\s+|van\s+|the\s+)?(?:{_NAME_WORD}|[IVX]+\b|\d+\b)){{0,8}}"
)
_VALUE_ITEM = r"[+\-−]?\d[\d,.]*(?:\s*(?:%|per ?cent\b|[a-zA-Z°²³/]+\b))?"
_WORD_ITEM = r"[a-z][\w\-]*"
# A list of names or of figures, "Vietnam, Indonesia, and Thailand", or of lower-case words joined
# by "and" to a list of two or more ("a, b and c, d": a lone word after "and" is as often a clause).
# At most 25 items a side: an unbounded run made each start try every shorter one, and the word
# list once written as a list of lists let a long comma-separated run without "and" be split
# every possible way (a 40-word one took minutes).
_ENUMS = [
    *(re.compile(rf"{item}(?:,\s+{item}){{0,24}},?\s+and\s+{item}") for item in (_CAPS_ITEM, _VALUE_ITEM)),
    re.compile(rf"{_WORD_ITEM}(?:,\s+{_WORD_ITEM}){{1,24}},?\s+and\s+{_WORD_ITEM}(?:,\s+{_WORD_ITEM}){{1,24}}"),
]
_ITEM_SPLIT = re.compile(r",\s+and\s+|,\s+|\s+and\s+")
_RESPECTIVELY = re.compile(r",?\s+respectively\b")
_SENTENCE = re.compile(r"[^.!?\n]*(?:[.!?](?=\s|$)|\n|$)")

ROLE_NOUNS = frozenset(
    """founder co-founder chairman chairwoman chair chairperson head director president vice-president ceo
    chief executive manager minister mayor secretary secretary-general spokesperson spokesman spokeswoman
    governor leader deputy professor editor officer ambassador commander general king queen emperor
    empress prince princess duke pope bishop archbishop member partner owner coach captain principal dean
    chancellor rector curator economist physicist chemist composer architect author president-elect
    premier representative envoy commissioner administrator superintendent""".split()
)
_PERSON = rf"(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{1,3}})"
_APPOSITION = re.compile(
    _PERSON
    + r",\s+(?P<role>(?:the\s+|a\s+|an\s+)?[a-z][\w\-]*(?:\s+(?!said\b)[\w\-’'&]+){0,14}?)(?=\s*[,.;)]|\s+said\b)"
)
_ACRONYM = re.compile(
    rf"(?P<long>{_NAME_WORD}(?:\s+(?:(?:of|and|for|the|de|on|in|&)\s+){{0,2}}{_NAME_WORD}){{1,9}})\s+\((?P<short>[{_CAP}][{_CAP}a-z&]{{1,9}})\)"
)
_OPENERS = frozenset("the a an in on at this that these those of for with from by".split())
_NOT_PERSON = frozenset(
    """the this that these those a an in on at of for with from by new international national group company
    university city port province region republic corridor expo fair center centre organization
    organisation association bank council committee agency office institute union ministry department
    commission""".split()
)


def _sentences(text: str):
    for match in _SENTENCE.finditer(text):
        start = match.start()
        if start > 1 and text[start - 1] == "." and text[start - 2].isdigit() and text[start : start + 1].isdigit():
            continue  # the rest of a figure ("9 billion and ..." of "$5.9 billion"), not a sentence
        if match.group().strip():
            yield start, match.end()


def _fact(source: Source, kind: str, statement: str, quote: str) -> Fact:
    digest = hashlib.sha1(f"{kind}\x1f{statement}\x1f{quote}".encode()).hexdigest()[:12]
    return Fact(
        id=f"derived-{kind}-{digest}",
        statement=statement,
        source=source.id,
        quote=quote,
        as_of=source.published,
        extra={"derived": kind},
    )


def _grounded(statement: str, quote: str) -> bool:
    """Every number and capitalised word of the statement occurs in the quote it came from."""
    tokens = re.findall(r"\d[\d,.]*\d|\d|[^\W\d_][\w'’\-]*", statement)
    return all(t in quote for t in tokens if t[0].isdigit() or t[0].isupper())


def _items(enum: str) -> list[str]:
    return [item.strip() for item in _ITEM_SPLIT.split(enum) if item.strip()]


def _enumerations(clause: str) -> list[tuple[int, int, list[str]]]:
    found = []
    for pattern in _ENUMS:
        for match in pattern.finditer(clause):
            items = _items(match.group())
            if len(items) >= 2:
                found.append((match.start(), match.end(), items))
    return sorted(found)


_CONTINUES = re.compile(rf"\s+(?:and\s+|of\s+)?[{_CAP}]")


def _ambiguous(sentence: str, enum: tuple[int, int, list[str]]) -> bool:
    """ "The Triple Bridge and the National and University Library": a name list whose "and"s could
    also belong inside a name cannot be split safely."""
    start, end, items = enum
    text = sentence[start:end]
    return len(re.findall(r"\band\b", text)) > 1 or bool(_CONTINUES.match(sentence, end))


def respectively_facts(source: Source) -> list[Fact]:
    facts = []
    text = source.text
    for start, end in _sentences(text):
        sentence = text[start:end]
        marker = _RESPECTIVELY.search(sentence)
        if not marker:
            continue
        enums = [e for e in _enumerations(sentence[: marker.start()]) if e[1] <= marker.start()]
        if len(enums) < 2:
            continue
        values = max(enums, key=lambda e: e[1])  # the list right before "respectively"
        keys = next(
            (e for e in sorted(enums, key=lambda e: -e[1]) if e[1] <= values[0] and len(e[2]) == len(values[2])),
            None,
        )
        if keys is None or _ambiguous(sentence, keys):
            continue
        quote = sentence.strip()
        for key, value in zip(keys[2], values[2], strict=True):
            statement = (
                sentence[: keys[0]]
                + key
                + sentence[keys[1] : values[0]]
                + value
                + sentence[values[1] : marker.start()]
                + sentence[marker.end() :]
            ).strip()
            statement = re.sub(r"\s+", " ", statement)
            if _grounded(statement, quote):
                facts.append(_fact(source, "respectively", statement, quote))
    return facts


# ", and" / "; " / ", while" / ", but" joining two clauses that each have a verb of their own
_CLAUSE_JOIN = re.compile(r"(?:,\s+(?:and|while|but|whereas)|;)\s+")
_FINITE = re.compile(
    r"\b(?:is|are|was|were|has|have|had|will|would|can|could|shall|should|may|might|must|does|did|do"
    r"|[a-z]{3,}ed|become|became|remains?|reached|rose|fell|grew|shows?)\b"
)
_MIN_CLAUSE_WORDS = 6


def clause_facts(source: Source) -> list[Fact]:
    """A long sentence of two independent clauses becomes one statement per clause, each a verbatim
    span of it: "Relations have become increasingly close, and ASEAN has become Chongqing's
    largest trading partner for three consecutive years." -> "ASEAN has become Chongqing's largest
    trading partner for three consecutive years." A question about one clause is far closer to
    that clause alone than to the whole sentence (or to the 200-character pieces it is split into).
    A join inside a list ("Laos, Indonesia, and Vietnam") is not a clause boundary."""
    facts = []
    text = source.text
    for start, end in _sentences(text):
        sentence = text[start:end].strip()
        if len(sentence.split()) < 2 * _MIN_CLAUSE_WORDS:
            continue
        in_lists = [(a, b) for a, b, _ in _enumerations(sentence)]
        cuts = [m for m in _CLAUSE_JOIN.finditer(sentence) if not any(a <= m.start() < b for a, b in in_lists)]
        if not cuts:
            continue
        bounds = [0, *(x for m in cuts for x in (m.start(), m.end())), len(sentence)]
        clauses = [sentence[bounds[i] : bounds[i + 1]].strip(" ,;") for i in range(0, len(bounds), 2)]
        if len(clauses) < 2 or not all(len(c.split()) >= _MIN_CLAUSE_WORDS and _FINITE.search(c) for c in clauses):
            continue
        for clause in clauses:  # verbatim, so grounded by construction: no `_grounded` check to pass
            statement = clause if clause.endswith((".", "!", "?")) else clause + "."
            facts.append(_fact(source, "clause", statement, clause))
    return facts


def role_facts(source: Source) -> list[Fact]:
    facts = []
    for match in _APPOSITION.finditer(source.text):
        name, role = match.group("name"), match.group("role").strip()
        role_words = role.lower().split()
        if name.split()[0].lower() in _NOT_PERSON or name.split()[-1].lower() in _NOT_PERSON:
            continue
        if not any(w.strip(",") in ROLE_NOUNS for w in role_words[:5]):
            continue
        article = "" if role_words[0] in ("the", "a", "an") else "the "
        statement = f"{name} is {article}{role}."
        quote = source.text[match.start() : match.end()]
        if _grounded(statement, quote):
            facts.append(_fact(source, "role", statement, quote))
    return facts


_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"
_FULL_DATE = rf"(?:\d{{1,2}}\s+(?:{_MONTHS})\s+\d{{3,4}}|(?:{_MONTHS})\s+\d{{1,2}},\s+\d{{3,4}})"
_ANY_DATE = rf"(?:{_FULL_DATE}|\d{{3,4}})"
# the space between a name's words: a line break of wrapped text, never a blank line ("# Title\n\nName")
_SP = r"(?:[ \t]+\n?[ \t]*|\n[ \t]*)"
_LIFE_NAME = rf"{_NAME_WORD}(?:{_SP}(?:(?:of|de|von|van|der|den|da|das|dos|di|du|del|della|la|le|the|i|y|e|ibn|bin|zu|ter|ten){_SP}){{0,2}}(?:{_NAME_WORD}|[IVX]+\b)){{0,8}}"
# "Casimir III the Great (Polish: Kazimierz III Wielki; 30 April 1310 – 5 November 1370)",
# "Halldór Laxness (born Halldór Guðjónsson; 23 April 1902 – 8 February 1998)", "Jane Roe (born 4 May 1960)".
# A range of full dates only: "(1914–1918)" after a name is as often a war or a reign as a life.
_LIFE = re.compile(
    rf"(?P<name>{_LIFE_NAME})\s+\((?:[^()]*?;\s*)?"
    rf"(?:(?:born\s+)?(?P<born>{_FULL_DATE})\s*[–—-]\s*(?P<died>{_FULL_DATE})|born\s+(?P<only>{_ANY_DATE}))\)"
)


def _without_openers(spans: list[re.Match]) -> list[re.Match]:
    """A name's words without the capitalised sentence openers before it ("In", "The")."""
    while len(spans) > 1 and spans[0].group().lower() in _OPENERS:
        spans = spans[1:]
    return spans


def life_facts(source: Source) -> list[Fact]:
    """A person's dates of birth and death from the parenthesis after their name."""
    facts = []
    for match in _LIFE.finditer(source.text):
        spans = _without_openers(list(re.finditer(r"\S+", match.group("name"))))  # words, maybe across a line break
        words = [w.group() for w in spans]
        if len(words) < 2 and not match.group("only"):
            continue
        if words[0].lower() in _NOT_PERSON or words[-1].lower() in _NOT_PERSON:
            continue
        name = " ".join(words)
        quote = source.text[match.start() + spans[0].start() : match.end()]
        born = match.group("born") or match.group("only")
        dated = [("born", born), ("died", match.group("died"))]
        for verb, date in dated:
            if not date:
                continue
            preposition = "in" if date.isdigit() else "on"
            statement = (
                f"{name} was born {preposition} {date}." if verb == "born" else f"{name} died {preposition} {date}."
            )
            if _grounded(statement, quote):
                facts.append(_fact(source, "life", statement, quote))
    return facts


def _abbreviates(short: str, long: str) -> bool:
    """ "ILSTC" abbreviates "New International Land-sea Trade Corridor": its letters appear in order,
    the first at a word's start, and most capitalised words give a letter."""
    letters = short.lower()
    name = long.lower()
    words = re.findall(r"[^\W\d_]+", long)
    if not words or letters[0] not in {w[0].lower() for w in words}:
        return False
    pos = 0
    for ch in letters:
        pos = name.find(ch, pos)
        if pos < 0:
            return False
        pos += 1
    capitals = [w for w in words if w[0].isupper()]
    return sum(w[0].lower() in letters for w in capitals) * 2 >= len(capitals)


# "the ECU (European Currency Unit)", "LPP (Ljubljanski potniški promet, ...)": the expansion in brackets
_ACRONYM_FIRST = re.compile(rf"\b(?P<short>[{_CAP}][{_CAP}a-z&]{{1,9}})\s+\((?P<long>[^()\[\]]{{3,160}}?)\)")
_CONNECTORS = frozenset("of and for the on in de del la le des du et para y".split())


def _spells(short: str, long: str) -> bool:
    """Its words' initials (connectors apart; hyphenated parts counted or not) spell the acronym."""
    words = [w for w in re.findall(r"[^\W\d_][\w\-]*", long) if w.lower() not in _CONNECTORS]
    whole = "".join(w[0] for w in words).lower()
    parts = "".join(p[0] for w in words for p in w.split("-") if p).lower()
    return short.lower() in (whole, parts)


def _expansion_in_brackets(short: str, inside: str) -> str | None:
    """Of "United Nations Educational, Scientific and Cultural Organization" all of it; of
    "Ljubljanski potniški promet, "Ljubljana Passenger Transport"" the part before the translation."""
    first = re.split(r"\s*[,;:]\s*", inside)[0]
    for long in (inside, first):
        if len(long.split()) >= 2 and _spells(short, long):
            return long
    return first if len(first.split()) >= 2 and _abbreviates(short, first) else None


# "high-strength low-alloy (HSLA)": an expansion in lower case, one letter per word or hyphenated part
_LOWER_BEFORE = re.compile(r"(?P<long>(?:[a-z][a-z\-]*\s+){1,8}[a-z][a-z\-]*)\s+\((?P<short>[A-Z]{2,9})\)")


def _lowercase_expansion(short: str, words: list[str]) -> str | None:
    """The shortest run of the last words whose parts' initials spell the acronym exactly."""
    for n in range(1, len(words) + 1):
        run = words[-n:]
        initials = "".join(part[0] for w in run for part in w.split("-") if part)
        if initials == short.lower():
            return " ".join(run)
        if len(initials) > len(short):
            return None
    return None


def acronym_definitions(source: Source) -> dict[str, tuple[str, str]]:
    """Each acronym the source defines -> (its expansion, the verbatim span that defines it)."""
    found: dict[str, tuple[str, str]] = {}
    for match in _ACRONYM_FIRST.finditer(source.text):
        short = match.group("short")
        long = _expansion_in_brackets(short, match.group("long").strip()) if short.isupper() else None
        if long is not None and short not in found and not re.search(r"[\"“”]", long):
            end = match.start("long") + match.group("long").index(long) + len(long)
            found[short] = (long, source.text[match.start() : end])
    for match in _LOWER_BEFORE.finditer(source.text):
        short = match.group("short")
        long = _lowercase_expansion(short, match.group("long").split())
        if long is not None and short not in found:
            found[short] = (long, source.text[match.start("long") + match.group("long").rindex(long) : match.end()])
    for match in _ACRONYM.finditer(source.text):
        short, long = match.group("short"), match.group("long")
        words = long.split()
        # a capitalised sentence opener is no part of the name ("The", "In"): drop leading ones that give no letter
        while len(words) > 1 and words[0].lower() in _OPENERS and words[0][0].lower() != short[0].lower():
            words = words[1:]
        long = " ".join(words)
        if short in found or not _abbreviates(short, long):
            continue
        found[short] = (long, source.text[match.start() + match.group().index(long) : match.end()])
    return found


def acronym_facts(source: Source, definitions: dict[str, tuple[str, str]]) -> list[Fact]:
    return [
        _fact(source, "acronym", f"{short} stands for {long}.", quote) for short, (long, quote) in definitions.items()
    ]


def expanded_facts(source: Source, spelled: dict[str, tuple[str, str]]) -> list[Fact]:
    """Each sentence that uses a defined acronym without its expansion, restated with the
    expansion at each acronym's first use in it. People ask with the words ("the trade corridor",
    "the Southeast Asian nations"); sentences after the definition hold only the letters, so
    neither BM25 nor the embedding sees that they match. The quote stays the verbatim sentence;
    the statement is checked against the sentence and the definition's quote together.

    With distinct search results (`assistant.retrieval._distinct`) and the model refitted, on the
    retired sealed sets (1,176 questions written fresh, never trained on), end to end: accuracy
    0.674 -> 0.674, wrong answers 0.116 -> 0.105; on the fifth round's sealed set, bundled
    article 0.720 -> 0.690 and encyclopedia-style documents 0.487 -> 0.493 (BENCHMARKS.md)."""
    if not spelled:
        return []
    uses = re.compile(r"\b(" + "|".join(re.escape(s) for s in sorted(spelled, key=len, reverse=True)) + r")\b")
    facts = []
    text = source.text
    for start, end in _sentences(text):
        sentence = text[start:end].strip()
        if not sentence[:1].isupper() and sentence[:1] not in "\"“‘'":
            continue  # a heading, a caption's marker, or a piece cut at an abbreviation ("Co., Ltd., the ...")
        first = {}  # each acronym's first use in the sentence, unless the sentence spells it out
        for match in uses.finditer(sentence):
            short = match.group(1)
            if short not in first and spelled[short][0].lower() not in sentence.lower():
                first[short] = match
        if not first or len(sentence.split()) < 4:
            continue
        statement = sentence
        for match in sorted(first.values(), key=lambda m: -m.start()):
            short = match.group(1)
            statement = f"{statement[: match.start()]}{spelled[short][0]} ({short}){statement[match.end() :]}"
        definitions = " ".join(spelled[s][1] for s in first)
        if _grounded(statement, f"{sentence} {definitions}"):
            facts.append(_fact(source, "expanded", statement, sentence))
    return facts


_SAY = r"(?:said|says|added|adds|noted|notes|stated|states|explained|continued|stressed|emphasi[sz]ed|remarked)"
_SPEAKER = rf"(?P<name>{_NAME_WORD}(?:\s+{_NAME_WORD}){{0,3}})"
# the speaker's role, up to the first part that says where or when: ", director of X, on Monday."
_ROLE_PART = (
    r"(?:,\s+(?!(?:at|in|on|during|when|while|after|before|to|from|for|who|which|adding)\b)[a-z][^,.;“”\"]{2,120})"
)
_OPEN, _CLOSE, _QUOTED = '[“"]', '[”"]', '[^“”"]'
_SPEECH = [
    # “We grew,” said Amina Yusuf, director of X.
    re.compile(
        rf"{_OPEN}(?P<said>{_QUOTED}{{12,600}}?)[,.!?]?{_CLOSE}[ \t]*,?[ \t]*{_SAY}\s+{_SPEAKER}(?P<role>{_ROLE_PART}?)(?=[\s,.;])"
    ),
    # “We grew,” Amina Yusuf said.
    re.compile(rf"{_OPEN}(?P<said>{_QUOTED}{{12,600}}?)[,.!?]?{_CLOSE}[ \t]*,?[ \t]*{_SPEAKER}\s+{_SAY}\b"),
    # Amina Yusuf said, “We grew.”  /  Zuo continued, “They are ...”
    re.compile(
        rf"(?<![\w,])\s*{_SPEAKER}(?P<role>{_ROLE_PART}?),?\s+{_SAY}[ \t]*[,:]?[ \t]*{_OPEN}(?P<said>{_QUOTED}{{12,600}}?)[,.!?]?{_CLOSE}"
    ),
    # Trade grew in every month, said Amina Yusuf.  (reported, without quotation marks)
    re.compile(
        rf"(?:^|(?<=[.!?”]\s)|(?<=\n))(?P<said>[{_CAP}][^.!?“”\"\n]{{12,400}}?),\s+{_SAY}\s+{_SPEAKER}(?P<role>{_ROLE_PART}?)\."
    ),
    # Amina Yusuf said, trade grew in every month.  ("said that ..." already reads as a statement)
    re.compile(
        rf"(?:^|(?<=[.!?”]\s)|(?<=\n)){_SPEAKER}(?P<role>{_ROLE_PART}?),?\s+{_SAY},\s+(?P<said>[a-z][^.!?“”\"\n]{{12,400}}?)\."
    ),
]
_CONTINUATION = re.compile(rf"[ \t]*{_OPEN}(?P<said>{_QUOTED}{{12,600}}?)[.!?]?{_CLOSE}")
_NOT_SPEAKER = frozenset("he she they it we i you someone one this that there".split()) | _NOT_PERSON


_FUNCTION_WORDS = frozenset(
    "a an the it it’s it's its in on at as by for with from to of this that these those there here we our i my "
    "they their he she his her you your if when while although though because since so but and or not no".split()
)


def _as_reported(said: str, text: str) -> str:
    """The quoted words after "said that": a capital that only opens the quote becomes small
    ("It's not so much" -> "it's not so much"); a word the source capitalises mid-sentence (a name,
    "Chongqing and Guangxi are ...") or an acronym keeps it."""
    said = said.strip().rstrip(",.;:")
    first = re.match(r"[\w’'\-]+", said)
    if first and said[:1].isupper() and not said[1:2].isupper():
        word = first.group()
        if word.lower() in _FUNCTION_WORDS or not re.search(rf"[a-z,;]\s+{re.escape(word)}\b", text):
            said = said[:1].lower() + said[1:]
    return said


def speech_facts(source: Source) -> list[Fact]:
    """Who said what, as a plain statement: "“The cooperation would not have been possible without
    the corridor,” said Feng Jianfeng, founder of Osell." -> "Feng Jianfeng, founder of Osell, said
    that the cooperation would not have been possible without the corridor." A quote that goes on
    in the next sentence without a new speaker is the same speaker's. People ask who said something,
    or what someone said, in words that sit on both sides of the quotation marks, which neither
    half of a sentence split for search holds alone."""
    text = source.text
    matches = [m for pattern in _SPEECH for m in pattern.finditer(text)]
    matches = [m for m in matches if m.group("name").split()[0].lower() not in _NOT_SPEAKER]
    full_names = {m.group("name") for m in matches if len(m.group("name").split()) > 1}
    facts = []
    for match in matches:
        name = match.group("name")
        known = [n for n in full_names if name in n.split()]  # "said Feng." after "said Feng Jianfeng"
        full = known[0] if len(name.split()) == 1 and len(known) == 1 else name
        role = (match.groupdict().get("role") or "").strip(", ")
        speaker = f"{full}, {role}," if role else full
        spans = [(match.start(), match.end(), match.group("said"))]
        if match.group().lstrip()[:1] in '“"':  # a quote that goes on: “...,” said X. “More.”
            after = match.end() + (text[match.end() : match.end() + 1] == ".")
            more = _CONTINUATION.match(text, after)
            if more:
                spans.append((match.start(), more.end(), more.group("said")))
        for start, end, said in spans:
            quote = text[start:end].strip()
            statement = f"{speaker} said that {_as_reported(said, text)}."
            if _grounded(statement, f"{quote} {full}"):  # the full name as the source wrote it elsewhere
                facts.append(_fact(source, "speech", statement, quote))
    return facts


# A person is known as one where the source gives their dates, a role in apposition, a birth or a
# death, a title, or a quote: only such a name can be what a later "He" or "She" stands for.
_TITLE = r"(?:Pope|King|Queen|Emperor|Empress|Sultan|Tsar|Tsarina|Sir|Dame|Lord|Lady|Saint|Dr\.?|Mr\.?|Mrs\.?|Ms\.?|President|General|Admiral|Prince|Princess|Duke|Duchess|Cardinal|Bishop|Archbishop)"
_BORN_OR_DIED = re.compile(rf"(?P<name>{_LIFE_NAME})(?:\s+\([^()]*\))?,?\s+(?:was\s+born|died|was\s+killed)\b")
_TITLED = re.compile(rf"\b{_TITLE}\s+(?P<name>{_NAME_WORD}(?:\s+(?:{_NAME_WORD}|[IVX]+\b)){{0,3}})")
# A sentence's subject: its first words, after an opening phrase of time or place ("In 1961, at
# the age of 32, Mössbauer shared ..."), up to the verb (a lower-case word).
_SUBJECT = re.compile(
    rf"(?:(?:In|On|By|From|Around|Until|After|Before|During)\s+(?:[a-z]+\s+)?(?:\d{{1,2}}\s+(?:{_MONTHS})\s+)?\d{{1,4}}s?\s+)?"
    rf"(?:(?:[A-Z][a-z]*\s+)?[^,.;:!?\n]{{0,60}},\s+){{0,2}}(?P<name>{_LIFE_NAME})(?:\s+\([^()]*\))?,?\s+[a-z]"
)
_PRONOUN_OPENING = re.compile(r"(?P<pronoun>He|She|His|Her)\s+(?=[a-z])")
# a quotation closed by its speaker's pronoun: "... this route,” he said."
_SAID_BY_PRONOUN = re.compile(r"[,.!?][”\"’]\s+(?P<pronoun>he|she)\s+(?:said|says|added|noted|explained|told)\b")
_GENDER = {"He": "m", "His": "m", "She": "f", "Her": "f"}


def _name_words(name: str) -> list[str]:
    """A matched name's words, maybe across a line break, without the sentence openers before it
    nor the end of a sentence before it ("TEU. Anaïs Lefèvre" is "Anaïs Lefèvre"; "Dr. Ilse
    Varga" and "J. R. Tolkien" keep their abbreviations)."""
    found = [w.group() for w in _without_openers(list(re.finditer(r"\S+", name)))]
    ends = [i for i, w in enumerate(found[:-1]) if w.endswith(".") and _ends_a_sentence(w)]
    return found[ends[-1] + 1 :] if ends else found


def _ends_a_sentence(word: str) -> bool:
    """A word with a full stop that is not an initial or a title's abbreviation."""
    bare = word.rstrip(".")
    return len(bare) >= 2 and bare.lower() not in _ABBREVIATIONS and not re.fullmatch(r"(?:[A-Z]\.)+[A-Z]?", word)


_ABBREVIATIONS = frozenset("dr mr mrs ms st jr sr gen lt col prof rev hon sgt capt cpt maj adm".split())


def _known_people(source: Source) -> set[str]:
    """Names the source shows to be people's (each at least two words, without sentence openers,
    or one word the source says was born)."""
    text = source.text
    births_and_deaths = list(_BORN_OR_DIED.finditer(text))
    found = [m.group("name") for m in _LIFE.finditer(text)] + [m.group("name") for m in births_and_deaths]
    found += [m.group("name") for m in _TITLED.finditer(text)]
    found += [
        m.group("name")
        for m in _APPOSITION.finditer(text)
        if any(w.strip(",") in ROLE_NOUNS for w in m.group("role").lower().split()[:5])
    ]
    found += [m.group("name") for pattern in _SPEECH for m in pattern.finditer(text)]
    # one word is a person's name only where the source says it was born: "Purkyně was born on ..."
    born_alone = {m.group("name") for m in births_and_deaths if "born" in m.group()}
    people = set()
    for name in found:
        words = _name_words(name)
        long_enough = len(words) >= 2 or name in born_alone
        if long_enough and words[0].lower() not in _NOT_SPEAKER and words[-1].lower() not in _NOT_PERSON:
            people.add(" ".join(words))
    # "Dvořák was born" names the "Antonín Leopold Dvořák" of the opening line, not another person
    return {p for p in people if " " in p or not any(_part_of(p, q) for q in people if q != p)}


def _part_of(part: str, name: str) -> bool:
    """`part` is whole words of `name`: "Ann" is no part of "Annabel Roe"."""
    return f" {part} " in f" {name} "


def _person_named(name: str, people: set[str]) -> str | None:
    """The known person a sentence's subject names: their full name, or a word of only one of them
    ("Mössbauer" for "Rudolf Ludwig Mössbauer")."""
    joined = " ".join(_name_words(name))
    if joined in people:
        return joined
    holders = {p for p in people if _part_of(joined, p)}
    longest = {p for p in holders if not any(p != q and p in q for q in holders)}
    return longest.pop() if len(longest) == 1 else None


def pronoun_facts(source: Source, people: set[str] | None = None) -> list[Fact]:
    """A sentence that opens with "He", "She", "His" or "Her", or a quotation closed by "he said",
    restated with the name it stands for: "He died in Grünwald on 14 September 2011." -> "Rudolf
    Ludwig Mössbauer died in Grünwald on 14 September 2011." The name is the last known person a
    sentence was about (its subject), of the pronoun's gender once that is known; a question names
    the person, and the sentence alone never does. `people`: `_known_people(source)`, when known."""
    people = _known_people(source) if people is None else people
    if not people:
        return []
    text = source.text
    facts = []
    recent: list[str] = []  # known people, most recent subject last
    gender: dict[str, str] = {}
    for start, end in _sentences(text):
        sentence = text[start:end].strip()
        pronoun = _PRONOUN_OPENING.match(sentence) or _SAID_BY_PRONOUN.search(sentence)
        if pronoun:
            wanted = _GENDER[pronoun.group("pronoun").capitalize()]
            person = next((p for p in reversed(recent) if gender.get(p, wanted) == wanted), None)
            restated = person and _restated(sentence, pronoun, person)
            if restated:
                gender[person] = wanted
                statement, name = restated
                if _grounded(statement, f"{sentence} {name}"):  # the name as the source wrote it elsewhere
                    facts.append(_fact(source, "pronoun", statement, sentence))
            continue
        subject = _SUBJECT.match(sentence)
        person = subject and _person_named(subject.group("name"), people)
        if person:
            if person in recent:
                recent.remove(person)
            recent.append(person)
    return facts


def _restated(sentence: str, pronoun: re.Match, person: str) -> tuple[str, str] | None:
    """`sentence` with `person` for its pronoun, and the name as put in ("X’s" for "His"): an
    opening "He died ..." (of four words at least) or a closing "..., he said."."""
    if pronoun.re is _SAID_BY_PRONOUN:  # "“Empty boxes are the problem,” he said." -> "... ,” Jürgen Köhler said."
        return sentence[: pronoun.start("pronoun")] + person + sentence[pronoun.end("pronoun") :], person
    if len(sentence.split()) < 4:
        return None
    name = person if pronoun.group("pronoun") in ("He", "She") else f"{person}’s"
    return name + " " + sentence[pronoun.end() :], name


# "It ..." / "Its ..." / "In 2016 it ...": a sentence that names what it is about only by "it"
_IT_OPENING = re.compile(
    rf"(?P<lead>(?:In|On|By|From|Around|Until|After|Before|During|Since)\s+(?:(?:[a-z]+|{_MONTHS})\s+){{0,4}}"
    r"\d[\d–-]*s?,?\s+)?(?P<pronoun>It|Its|it|its)\s+(?=[a-z])"
)
# A sentence's subject when it is a name: "Wrocław Zoo, opened in 1865, is ...", "The Market
# Square (Rynek) is ...", "Esperanto lies ..."; followed by its verb ("Cherenkov radiation is"
# is about the radiation, not "Cherenkov")
_THING_SUBJECT = re.compile(
    rf"(?P<article>The\s+)?(?P<name>{_NAME_WORD}(?:[ \t]+(?:(?:of|de|the|and|on|upon|am|an|der|la|le)[ \t]+)?{_NAME_WORD}){{0,5}})"
    r"(?:\s+\([^()\n]*\))?(?:,[^,;\n]{1,60},)?\s+(?P<verb>[a-z]+)\b"
)
_AUXILIARIES = frozenset("is was are were has had have lies lay stands stood became becomes remains remained".split())


def _verb(word: str) -> bool:
    """Looks like a finite verb: an auxiliary, or a past or present tense ("opened", "stores")."""
    return word in _AUXILIARIES or (len(word) > 3 and word.endswith(("ed", "es", "s")) and not word.endswith("ss"))


def _proper(name: str, capitalised_within: set[str]) -> bool:
    """A capitalised sentence opening is a name when the text also capitalises it after a small
    word within a sentence (`_capitalised_within`): "Esperanto" is, "Special relativity", "Apart"
    and "They" are not; nor is a possessive ("Heyerdahl's book")."""
    first = name.split()[0]
    if first.lower() in STOPWORDS or name.endswith(("'s", "’s")):
        return False
    return first in capitalised_within


_WITHIN = re.compile(rf"(?<=[a-z,;:] ){_NAME_WORD}")
_WORD_CHAR = re.compile(r"\w")


def _capitalised_within(text: str) -> set[str]:
    """Every capitalised word the text writes after a lower-case letter or a comma, colon or
    semicolon and a space, and each of its beginnings that ends a word ("Wrocław" of "Wrocław's"):
    one pass over the text, where searching it again for each sentence's subject took time
    quadratic in its length."""
    found = set()
    for match in _WITHIN.finditer(text):
        word, start = match.group(), match.start()
        for k in range(1, len(word) + 1):
            after = text[start + k : start + k + 1]
            if bool(_WORD_CHAR.match(word[k - 1])) != bool(_WORD_CHAR.match(after)):
                found.add(word[:k])  # a word boundary follows, as `\b` after the name asked
    return found


def thing_pronoun_facts(source: Source, people: set[str] | None = None) -> list[Fact]:
    """A sentence that opens with "It" or "Its" (maybe after a date: "In 2016 it was ..."),
    restated with the name the sentence before it was about: "Wrocław is one of Poland's leading
    academic centres ... In 2016 it was a European Capital of Culture" -> "In 2016 Wrocław was a
    European Capital of Culture". Only a name that is the previous sentence's subject, in the same
    paragraph and not a person's, and each "It" sentence keeps it for the next; a sentence about
    anything else ("In 1241 the city was ...") leaves "it" unresolved. `people`: as `pronoun_facts`."""
    text = source.text
    people = _known_people(source) if people is None else people
    within = _capitalised_within(text)
    facts = []
    referent: str | None = None
    last_end = -1
    for start, end in _sentences(text):
        sentence = text[start:end].strip()
        if last_end >= 0 and "\n\n" in text[last_end:start]:
            referent = None  # a new paragraph may be about something else
        last_end = end
        opening = _IT_OPENING.match(sentence)
        if opening and (opening.group("lead") or opening.group("pronoun")[0].isupper()):
            if referent is not None and len(sentence.split()) >= 4:
                lead = opening.group("lead") or ""
                name = referent if lead else referent[:1].upper() + referent[1:]
                owner = f"{name}’s" if opening.group("pronoun").lower() == "its" else name
                statement = lead + owner + " " + sentence[opening.end() :]
                if _grounded(statement, f"{sentence} {owner}"):
                    facts.append(_fact(source, "pronoun", statement, sentence))
            continue
        subject = _THING_SUBJECT.match(sentence)
        name = subject.group("name") if subject and _verb(subject.group("verb")) else None
        if name is None or not _proper(name, within) or any(_part_of(name, p) or _part_of(p, name) for p in people):
            referent = None
        else:
            referent = f"the {name}" if subject.group("article") else name
    return facts


_MONTH_LIST = _MONTHS.split("|")
# the named parts of a year a span of months makes (first and last month, 1-based)
_PERIODS = {
    (1, 3): "first quarter",
    (4, 6): "second quarter",
    (7, 9): "third quarter",
    (10, 12): "fourth quarter",
    (1, 6): "first half",
    (7, 12): "second half",
    (1, 9): "first three quarters",
}
_MONTH_SPAN = re.compile(
    rf"\b(?P<from>from\s+)?(?P<first>{_MONTHS})\s*(?:to|through|until|-|–)\s*(?P<last>{_MONTHS})"
    rf"(?:\s+(?P<year>this year|last year|\d{{4}}))?\b"
)
# a sentence, with decimals ("66.29") and closing quotation marks kept inside it
_WHOLE_SENTENCE = re.compile(r"(?:[^.!?\n]|[.!?](?![\s\"”’)]|$))+(?:[.!?][\"”’)]*|\n|$)")


def _period(span: re.Match) -> str | None:
    """The part of the year a span of months makes ("first half"), or None."""
    return _PERIODS.get((_MONTH_LIST.index(span.group("first")) + 1, _MONTH_LIST.index(span.group("last")) + 1))


def period_facts(source: Source) -> list[Fact]:
    """A span of months restated as the part of the year it is: "from January to June this
    year, trade totaled 66.29 billion yuan" -> "in the first half of this year (January to June),
    trade totaled ...". People ask about "the first half" or "the first quarter"; the sentence
    names the months. The quote stays the verbatim sentence."""
    facts = []
    text = source.text
    for match in _WHOLE_SENTENCE.finditer(text):
        sentence = match.group().strip()
        spans = [(m, _period(m)) for m in _MONTH_SPAN.finditer(sentence)]
        spans = [(m, period) for m, period in spans if period]
        if not spans or len(sentence.split()) < 4:
            continue
        statement = sentence
        for m, period in reversed(spans):
            year = m.group("year") or "the year"
            said = f"the {period} of {year} ({m.group('first')} to {m.group('last')})"
            if m.group("from"):  # "from January to June" -> "in the first half ... (January to June)"
                said = f"in {said}"
            statement = statement[: m.start()] + said + statement[m.end() :]
        statement = statement[:1].upper() + statement[1:]
        if _grounded(statement, sentence):
            facts.append(_fact(source, "period", statement, sentence))
    return facts


# "the Vltava (German: Moldau)", "Mercosur (Spanish: Mercado Común del Sur; ...)", "The Tatras (Slovak and
# Polish: Tatry)"; "Chùa Cầu ("Pagoda Bridge")", "Heimsljós ("World Light")"
_GLOSS = re.compile(
    rf"(?P<name>{_LIFE_NAME})\s+\((?:(?P<lang>[A-Z][a-z]+(?:\s+and\s+[A-Z][a-z]+)?)\s*:\s*(?P<native>[^;:,()\[\]]{{1,80}}?)"
    rf"|[\"“](?P<gloss>[^\"“”()]{{2,80}})[\"”])\s*[;,)]"
)


@functools.cache
def _language_names() -> frozenset[str]:
    """English names of languages ("German", "Slovak", "Greek" of "Modern Greek (1453-)")."""
    import pycountry

    names = set()
    for language in pycountry.languages:
        name = language.name.split(" (")[0]
        names |= {name, name.split()[-1]}
    return frozenset(names)


def gloss_facts(source: Source) -> list[Fact]:
    """A name with its form in another language or its meaning in brackets: "the Vltava (German:
    Moldau)" -> "Moldau is the German name of the Vltava."; "Chùa Cầu ("Pagoda Bridge")" ->
    "Chùa Cầu means "Pagoda Bridge"." People ask "What is the Vltava called in German?" or "What
    is the Chua Cau?"; the sentence holds the answer inside brackets that search and the answer
    scoring read as an aside."""
    facts = []
    text = source.text
    for match in _GLOSS.finditer(text):
        spans = list(re.finditer(r"\S+", match.group("name")))
        ends = [i for i, w in enumerate(spans[:-1]) if w.group().endswith(".")]
        spans = spans[ends[-1] + 1 :] if ends else spans  # "... Iceland. Heimsljós": the name starts after
        opener = spans[0] if len(spans) > 1 and spans[0].group().lower() == "the" else None
        spans = _without_openers(spans)
        first = match.start() + (opener or spans[0]).start()
        before = re.search(r"(\S+)\s+$", text[max(0, first - 40) : first])
        if before and before.group(1)[-1:].isalpha() and before.group(1).lower() not in STOPWORDS:
            continue  # the name goes on before its first capital ("Vefarinn mikli frá Kasmír")
        name = ("the " if opener else "") + " ".join(w.group() for w in spans)
        quote = text[first : match.end()].rstrip(";,")
        if "\n" in quote:
            continue
        if match.group("lang"):
            langs = match.group("lang").split(" and ")
            if not all(lang in _language_names() for lang in langs):
                continue
            statement = f"{match.group('native').strip()} is the {' and '.join(langs)} name of {name}."
        else:
            statement = f'{name[:1].upper()}{name[1:]} means "{match.group("gloss").strip()}".'
        if _grounded(statement, f"The {quote}" if opener else quote):  # a kept "the" may open the statement
            facts.append(_fact(source, "gloss", statement, quote))
    return facts


def derived_chunks(source: Source) -> list:
    """The derived facts of one source as searchable fact chunks (quote offsets into its text)."""
    from index.chunking import fact_chunks

    facts = derive_facts(source)
    return fact_chunks(facts, {source.id: source}) if facts else []


def derive_facts(source: Source) -> list[Fact]:
    """Every derived fact of one source, in document order, without duplicate statements."""
    definitions = acronym_definitions(source)
    people = _known_people(source)  # who "he", "she" and "it" may and may not stand for
    found = (
        respectively_facts(source)
        + role_facts(source)
        + acronym_facts(source, definitions)
        + life_facts(source)
        + clause_facts(source)
        + expanded_facts(source, definitions)
        + speech_facts(source)
        + pronoun_facts(source, people)
        + thing_pronoun_facts(source, people)
        + period_facts(source)
        + gloss_facts(source)
    )
    unique = {f.statement: f for f in found}
    return sorted(unique.values(), key=lambda f: source.text.find(f.quote))
