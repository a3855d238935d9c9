"""What a question asks for: its topic terms, the names and numbers it is anchored on, and the
kind of answer it wants ("how many" wants a figure, "who" a name, "when" a date, ...).

All rules here are about English questions in general, never about a particular corpus.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, replace

from index.lexical import CAPITAL_LETTERS, SMALL_LETTERS, STOPWORDS, fold, stem, words

# Words that shape a question but carry no topic.
FILLER = frozenset(
    """according article source sources document text mention mentioned state stated report reported
    exactly approximately roughly about describe explain name named kind kinds type types th st nd rd
    anything something one ones get got go goes went come comes came make made take took way thing things
    happen happened does did tell""".split()
)
# Capitalised words that do not identify anything by themselves ("New" in "New Zealand").
GENERIC_CAPS = frozenset(
    """new international national group company co ltd inc corp corporation university city port ports
    province region republic south north east west central western eastern northern southern the of and
    what who when where which how why is are was were do does did in on at for to by with from""".split()
)
# What makes a capitalised name an organisation or event rather than a person.
ORG_WORDS = GENERIC_CAPS | frozenset(
    """trade economic technology commerce expo fair center centre organization organisation operation
    department commission ministry association bank council committee agency office institute union
    forum summit conference exhibition hall corridor railway river waterway express index development
    government municipal autonomous zone park platform network logistics review bulletin""".split()
)
MONTHS = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
NUMBER_WORDS = (  # not "one": "one of the world's leading platforms" is no figure
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|hundred|"
    r"thousand|million|billion|dozen)\b"
)
# Heads of capitalised names that name a place, a body, a work or an event, never a person: "the
# Dutch Republic", "the United Provinces", "Lake Ohrid", "the Glagolitic Mass"
NOT_PERSON_WORDS = ORG_WORDS | frozenset(
    """kingdom empire provinces states state county duchy principality lake lakes river sea ocean gulf
    island islands bay mountains mountain valley street square palace castle cathedral church abbey
    monastery basilica college academy society school museum library theatre theater gallery prize award
    treaty peace war battle siege army navy fleet act law bridge canal station observatory hospital
    mass symphony opera concerto quartet festival games cup republic dynasty""".split()
)
_CAP = CAPITAL_LETTERS  # capital letters, accented ones included ("Öresund", "Łódź", "Šibenik")
_LOWER = SMALL_LETTERS
ACRONYM = re.compile(rf"\b[{_CAP}]{{2,}}\b")  # "ILSTC", "ČSA", "ÖBB"
# a number glued to letters ("h1", "mp3") is no figure of its own; "G20", "COVID-19" are names
ENTITY = re.compile(rf"[{_CAP}][\w’'\-]*(?:\s+(?:of\s+|and\s+)?[{_CAP}][\w’'\-]*)*|(?<![^\W\d_])\d[\d,.]*%?")
_UNITS = r"(?:hours?|minutes?|days?|weeks?|months?|years?|nights?)"
# "How long can a leaf grow?" asks for a length
_GROWS = r"(?!.*\b(?:take|takes|took|last|lasts|lasted)\b)\s+(?:can|could|do|does|did|will|may|might)\b(?:\s+[\w’'-]+){1,6}?\s+(?:grow|get|reach|measure|stretch|extend|be)\b"
_LENGTH_UNITS = r"(?:kilomet(?:re|er)s?|km|miles?|met(?:re|er)s?|feet|foot|yards?|inches|inch|cm|centimet(?:re|er)s?)"

# What a figure measures ("What is the population of ...?", "At what temperature ...?")
_MEASURES = (
    r"(?:value|number|amount|total|size|score|figure|index|capacity|volume|price|cost|rate|distance|length|"
    r"weight|revenue|investment|count|population|area|height|depth|width|diameter|elevation|altitude|"
    r"temperature|speed|budget|density|mass|salary|concentration|energy|frequency|magnitude|growth|radius|"
    r"thickness|rainfall|half-life|coefficient|girth|wingspan|lifespan|life expectancy|flux|flow|efficacy|"
    r"constant|threshold|yield|output|tonnage|wavelength|voltage|pressure|efficiency|ratio|percentage|"
    r"proportion|boiling point|melting point|freezing point|fee|fare|toll|wage|profit|deficit|surplus|debt)"
)
# Nouns for people and for places, asked with "which"/"what": "Which Dutch explorer ...?", "In which
# village ...?". The words between must not be a verb: "Which university did the physicist attend?"
# asks for a place, not a person.
_NOT_A_VERB = r"(?:(?!(?:did|does|do|was|were|is|are|has|have|had|will|would|can|could)\b)[\w’'-]+ )"
_PEOPLE = (
    r"person|people|man|men|woman|women|king|queen|emperor|empress|prince|princess|khan|sultan|pope|saint|"
    r"bishop|archbishop|priest|monk|god|goddess|ruler|official|officer|general|admiral|commander|captain|"
    r"soldier|leader|president|minister|governor|mayor|chairman|founder|director|explorer|navigator|"
    r"traveller|traveler|scientist|[a-z]{3,}ist|analyst|engineer|architect|painter|composer|writer|author|"
    r"poet|playwright|novelist|singer|conductor|musician|actor|actress|player|athlete|teacher|professor|"
    r"student|pupil|mentor|inventor|pilot|merchant|trader|diplomat|ambassador|envoy|missionary|doctor|"
    r"physician|surgeon|lawyer|judge|politician|successor|predecessor|heir|rival|wife|husband|son|sons|"
    r"daughter|daughters|brother|sister|father|mother|children|child|uncle|nephew|grandson|member|monarch|"
    r"businessman|businesswoman|executive|exporter|importer|lecturer|miner|mediator|aristocrat|corsair|pirate"
)
_PLACES = (
    r"city|cities|country|countries|province|region|place|town|location|venue|port|district|village|river|"
    r"lake|island|hill|mountain|volcano|park|building|hall|hospital|observatory|museum|church|cathedral|"
    r"monastery|castle|palace|street|square|bridge|station|airport|harbour|harbor|bay|sea|ocean|state|"
    r"county|municipality|capital|site|settlement|valley|peninsula|coast|neighbourhood|neighborhood|"
    r"suburb|quarter|border crossing|crossing|continent|territory|kingdom|colony|destination|terminal|school|"
    r"university|college|garden|cemetery|forest|atoll|reef"
)
# "What is the Trans-Siberian Railway?", "What was CAEXPO?": a name alone, asking what it is
_WHAT_IS_NAME = (
    rf"^\s*(?i:what (?:is|was|are|were))\s+(?:(?i:the|an?)\s+)?[{_CAP}][\w’'–-]*"
    rf"(?:\s+(?:(?:of|de|la|the|and|for|on)\s+)?[{_CAP}0-9][\w’'–-]*){{0,6}}\s*\??\s*$"
)
# First matching pattern wins; order matters ("what share" before "what is the value").
ANSWER_TYPES = [
    (  # "Who is Jane Smith?" wants a description, not a name
        "describe",
        re.compile(
            r"^\s*(?i:who (?:is|was|are|were)) (?!(?i:the|a|an)\b)[\w-]+(?:\s+[\w-]+){0,2}\s*\??\s*$|" + _WHAT_IS_NAME
        ),
    ),
    (
        "expansion",
        re.compile(
            r"\b(?:stand|stands) for\b|\babbreviat|\bacronym\b|\bfull (?:name|form)\b|\bshort for\b"
            r"|\bwhat does [A-Z]{2,}\w* mean\b",
            re.I,
        ),
    ),
    # a "%" after a figure is given, not asked: "How much did it receive for its 30% stake?"
    ("percent", re.compile(r"\b(?:share|percent(?:age)?|proportion|fraction|portion|slice)\b|(?<!\d)%", re.I)),
    (  # "How long is the canal (in kilometres)?" may ask for a length: any figure, see "number"
        "duration",
        re.compile(
            rf"\bhow long\b(?!\s+(?:is|was|are|were)\b)(?!.*\b{_LENGTH_UNITS}\b)(?!{_GROWS})"
            r"|\bhow many (?:hours|days|weeks|months|years|minutes)\b",
            re.I,
        ),
    ),
    (  # "in what capacity" asks for a role, not for a figure
        "number",
        re.compile(
            r"\bhow (?:many|much|large|big|high|far|old|fast|deep|wide|tall|heavy|hot|cold|strong|often|thick|long)\b"
            rf"|\bwhat (?:is|was|were|are) (?:the )?(?:[\w’'-]+ ){{0,3}}{_MEASURES}\b"
            rf"|\b(?:at|to|by) what (?:[\w’']+ )?{_MEASURES}\b|(?<!\bin )\bwhat {_NOT_A_VERB}{{0,2}}{_MEASURES}\b|\bworth\s*\??\s*$"
            r"|\b(?:value|number|amount|total|capacity|volume|figure|count)\b(?:\s+in\s+\w+)?\s+of\b",
            re.I,
        ),
    ),
    (
        "date",
        re.compile(
            r"^\s*when\b|\b(?:what|which) (?:(?:exact|precise|specific|particular|calendar) )?"
            r"(?:years?|dates?|days?|months?|period|decade|century|season)\b"
            r"|\bon what (?:exact )?(?:day|date)\b|\bdates? of\b|\b(?:which|what) (?:[\w’']+ )?anniversary\b",
            re.I,
        ),
    ),
    ("role", None),  # "Who chairs X?": see _ROLE, checked before "person"
    (
        "person",
        re.compile(
            rf"^\s*(?:who|whom)\b|\b(?:by|under|after|with|to|for|from|of) whom\b|\bwhose\b"
            rf"|\b(?:which|what) {_NOT_A_VERB}{{0,3}}(?:{_PEOPLE})s?\b",
            re.I,
        ),
    ),
    # "What was the name of the ship?": some name, of whatever kind, that the question does not hold
    ("name", re.compile(r"\bwhat(?:\s+(?:is|was|are|were)|['’]s) the names? of\b", re.I)),
    (
        "org",
        re.compile(
            rf"\b(?:which|what) {_NOT_A_VERB}{{0,2}}(?:company|companies|organi[sz]ations?|firms?|group|agency|body"
            r"|institution|enterprise|operator)\b|\bwhat is the name of\b|\bwhat(?: is|'s) (?:it|\w+ \w+) called\b",
            re.I,
        ),
    ),
    ("reason", re.compile(r"^\s*why\b|\bwhat (?:is|was) the reason\b|\bfor what reason\b", re.I)),
    (
        "place",
        re.compile(
            rf"^\s*where\b|\b(?:which|what) {_NOT_A_VERB}{{0,2}}(?:{_PLACES})(?:e?s)?(?:'s|’s)?\b",
            re.I,
        ),
    ),
]
QUANTITIES = frozenset({"number", "percent"})

# The shape of the answer wanted, beyond its type: yes/no, several items, a comparison, a summary,
# or facts about the sources themselves. First match wins.
_AUX = r"(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would|should|shall|may|might|must)(?:n['’]t)?"
_DOC_NOUN = r"(?:article|document|piece|story|report|source|text|page|file|post|news)"
_SUPERLATIVE = (
    r"largest|biggest|highest|greatest|most|top|smallest|lowest|least|fewest|longest|shortest|oldest|newest|"
    r"earliest|latest|fastest|slowest|heaviest|lightest|richest|poorest|busiest"
)
_COMPARATIVE = (
    r"more|less|fewer|larger|bigger|higher|lower|smaller|greater|longer|shorter|older|newer|earlier|later|"
    r"faster|slower|heavier|lighter|richer|poorer|busier"
)
# What a figure the question gives stands for: "335 of something - 335 what?", "What does the 5.2%
# describe?", "112.9 - what is that number?". Its answer is the sentence that holds the figure. The
# gaps are bounded: unbounded ones made a 2,000-character question take 50 ms instead of 2.
_GIVEN_FIGURE = r"(?<![\w.])(?!(?:1[5-9]|20)\d\d\b)\d[\d,]*(?:\.\d+)?%?"
_FIGURE_MEANING = re.compile(
    rf"{_GIVEN_FIGURE}(?:\s+\w+){{0,2}}\s*(?:[-–—:,]\s*)?(?:\d[\d,.]*%?\s+)?(?:of\s+)?what\s*\??\s*$"
    rf"|\bwhat\b[^?]{{0,100}}?{_GIVEN_FIGURE}[^?]{{0,100}}?\b(?:refers?|referring|describes?|describing|means?|"
    rf"measures?|measuring|counts?|counting|stands?\s+for|represents?|indicates?)\b"
    rf"|{_GIVEN_FIGURE}[^?]{{0,100}}\bwhat(?:['’]s|\s+is|\s+was|\s+does)\s+(?:that|this|it)\s*(?:number|figure)?\s*"
    rf"(?:counting|measuring|describing|referring\s+to|mean|about|for)?(?:\s+in\s+(?:the|this)\s+\w+)?\s*\??\s*$",
    re.I,
)


def given_figure(question: str) -> str | None:
    """The figure whose meaning a question asks ("5,000 of what?" -> "5000"), without its commas."""
    if not _FIGURE_MEANING.search(question):
        return None
    found = re.search(_GIVEN_FIGURE, question)
    return found.group().rstrip("%").replace(",", "") if found else None


FORMS = [
    ("figure", _FIGURE_MEANING),
    (
        "metadata",
        re.compile(
            rf"\b(?:when|what date|which date|what day|what year)\b.*\b(?:published|written|posted|released|dated)\b"
            # "... published in this article?", not "... when he published the venom study?"
            rf".*\b(?:(?:this|that|it)\b(?:\s+{_DOC_NOUN})?|the\s+{_DOC_NOUN}\b)"
            rf"|\b(?:when|what date|which date|what year|which year)\b\W+(?:was|were|is)\s+(?:this|the|that|it)\s*"
            rf"(?:{_DOC_NOUN}s?)?\s*"
            rf"(?:published|written|posted|released|dated)\b"
            rf"|\bwho\s+(?:published|wrote|authored|is the (?:author|publisher)|was the (?:author|publisher))\b"
            rf"(?:\s+(?:this|the|that|it)(?:\s+{_DOC_NOUN})?)?\s*\??\s*$"
            # "Who published the article about Casimir III?": not "Who published the report on cholera?"
            rf"|\bwho\s+(?:published|wrote|authored)\s+(?:this|the|that)\s+(?:article|document|page|text)\s+"
            rf"(?:about|on)\b"
            rf"|\b(?:publisher|author|headline|byline|publication date)\s+of\s+(?:this|the|that)\s+(?:\w+\s+)?{_DOC_NOUN}"
            # the title of the source itself, not "the title of the book in which Tycho reported the star"
            rf"|\b(?:what|which)(?:\s+(?:is|was)|['’]s)\s+the\s+(?:headline|title|publisher|author|publication date)"
            rf"(?:\s+of\s+(?:this|the|that|your)\s+(?:\w+\s+)?{_DOC_NOUN}s?)?\s*\??\s*$"
            # the sources held, not "Which documents did the Riksbank issue?"
            rf"|\b(?:which|what|how many)\s+(?:sources|documents|articles|texts|files)\b"
            rf"(?:\s*\??\s*$|\s+(?:do|does|did|can|are|is|have|has)\s+(?:you|we|i|there|it|this|the knowledge)\b"
            rf"|\s+(?:are|were)\s+(?:there|indexed|loaded|available|used|cited)\b)"
            rf"|\bwhat (?:sources|documents|articles) do you\b",
            re.I,
        ),
    ),
    (
        "overview",
        re.compile(
            rf"\b(?:summar(?:y|ize|ise)|(?<!the )sum (?:up|it up)|overview|gist|main (?:points?|idea)|key (?:points?|takeaways?)"
            rf"|in a nutshell|tl;?dr|big picture|(?:main|big|key|major) (?:themes?|messages?|highlights)|highlights of"
            rf"|break (?:it )?down (?:for me )?what)\b"
            # "What does the story tell us about Guangxi?": what the document says about a subject
            rf"|\bwhat does (?:this|the) {_DOC_NOUN} (?:say|tell (?:us|me)) about\b"
            rf"|\bwhat (?:is|was) (?:this|the) {_DOC_NOUN} (?:mainly |mostly )?about\b"
            rf"|\bwhat (?:has|have|did) (?:the |this )?[\w-]+(?: [\w-]+){{0,3}} achieved?\b"
            rf"|\b(?:tell me|what do you know) about\b",
            re.I,
        ),
    ),
    ("overview", re.compile(_WHAT_IS_NAME)),
    # A polar question, even about a comparison ("Is the river shorter than ...?", "According to
    # X, does ...?"): its answer is yes or no. "Is A or B larger?" offers a choice instead.
    (
        "yesno",
        re.compile(rf"^\s*(?:(?:so|and|but|ok|okay|well|also)[, ]+)?(?:[^,?]{{3,60}},\s*)?{_AUX}\b(?!.*\bor\b)", re.I),
    ),
    ("superlative", re.compile(rf"\b(?:{_SUPERLATIVE})\b", re.I)),
    (
        "comparative",
        re.compile(
            rf"\b(?:{_COMPARATIVE})\b(?:\s+[\w’'-]+){{0,6}}\s+than\b"
            rf"|^\s*(?:which|what|who|{_AUX})\b.*\b(?:{_COMPARATIVE})\b.*\bor\b"
            rf"|^\s*(?:which|what|who|{_AUX})\b.*\bor\b.*\b(?:{_COMPARATIVE})\b",
            re.I,
        ),
    ),
    (
        "list",
        re.compile(
            r"^\s*(?:name|list|enumerate|give me|mention)\b"
            r"|\b(?:which|what) (?:are|were) (?:the |some |all )"
            r"|\b(?:which|what) (?:\w+ ){0,2}(?!\w*(?:ss|us|is)\b)\w{3,}s (?:are|were|did|do|have|had)\b"
            r"|\bwho (?:are|were) the\b|\bwhat (?:\w+ ){0,3}(?:include|included|includes)\b"
            r"|\b(?:some|all|several) (?:of )?the\b.*\?",
            re.I,
        ),
    ),
]


def question_form(question: str) -> str | None:
    """ "figure", "metadata", "overview", "superlative", "comparative", "yesno", "list" or None (one answer)."""
    asked = _REQUEST.sub("", question)  # "Can you list the ports?" asks for a list, not for yes or no
    return next((name for name, pattern in FORMS if pattern.search(asked)), None)


# "Can you spell out ...?" asks the assistant to do something: any verb but one that asks for a
# verdict ("Can you confirm that ...?", "Could you tell me whether ...?")
_REQUEST = re.compile(
    r"^\s*(?:please\s+)?(?:can|could|would|will)\s+you\s+(?:please\s+)?"
    r"(?=(?!confirm\b|verify\b|check\b|tell\s+(?:me\s+|us\s+)?(?:whether|if)\b|say\s+(?:whether|if)\b)[a-z]+\b)",
    re.I,
)


# Kinds of answer a sentence must contain to answer at all ("how long" is not answered without a duration).
REQUIRED = QUANTITIES | {"duration", "role"}
# A quantity: digits that are not an ordinal ("19th"), a year ("2023", "44 BC", or "1865" where no
# lowercase noun follows it: "opened in 1865, it ..." and "in 1898 Britain leased" give a year,
# "1865 soldiers" a count) or a day of a month, or a number word.
_YEAR_NOT_COUNT = (
    r"(?!1[0-8]\d\d\b(?!\s+(?!(?:the|a|an|and|or|in|on|at|to|of|by|for|with|when|as|he|she|it|they|was|were|is|are)\b)"
    r"(?-i:[a-z])))"
)
_ERA = r"(?!\d{1,4}\s*(?-i:BCE?|AD|CE)\b)"
CARDINAL = re.compile(
    r"(?<!" + MONTHS[3:-1].replace("|", r"\s)(?<!") + r"\s)"
    r"\b(?!(?:19|20)\d\d\b)" + _YEAR_NOT_COUNT + _ERA + r"\d[\d,.]*(?!\d)(?!st\b|nd\b|rd\b|th\b)|" + NUMBER_WORDS,
    re.I,
)
# three or more capitalised names listed: "Britain, Austria, Russia and Sweden"
_NAMES_LISTED = rf"\b[{_CAP}][{_LOWER}]+(?:,\s+[{_CAP}][{_LOWER}]+)+,?\s+and\s+[{_CAP}][{_LOWER}]+"
_EVIDENCE = {
    "percent": re.compile(r"\d\s*%|\bper ?cent\b", re.I),
    "number": CARDINAL,
    # "60 hours", "three consecutive years", "a full week"
    "duration": re.compile(
        r"(?:\d[\d.,]*|" + NUMBER_WORDS + r"|a|an|half an?)\s*-?\s*(?:[a-z]+\s+){0,2}?" + _UNITS + r"\b", re.I
    ),
    "date": re.compile(r"\b(?:1[89]|20)\d\d\b|" + MONTHS + r"|\b(?:years?|months?|weeks?|days?|anniversary)\b", re.I),
    # a role is evidenced by a person's name (`type_evidence`): no pattern of its own
    "person": re.compile(rf"\b[{_CAP}][{_LOWER}]+\s+[{_CAP}][{_LOWER}]+\b"),  # "Lü Jianguo" too
    "org": re.compile(r"\b[A-Z][\w-]*(?:\s+(?:of\s+|and\s+)?[A-Z][\w-]*)+|\b[A-Z]{2,}\b"),
    # a capitalised word inside a sentence, not the one opening it
    "name": re.compile(rf"(?<=[\w,;:)’'\"] )[{_CAP}][\w’'-]*"),
    # "in Prague", or names listed: "Britain, Austria, Russia and Sweden formed the coalition"
    "place": re.compile(
        r"\b(?:in|at|near|from)\s+(?:the\s+)?(?:(?!which\b|whom\b|that\b|what\b)[a-z]+\s+)?[A-Z][a-z]"
        rf"|{_NAMES_LISTED}"
    ),
    # English's closed class of causal and purpose connectives: a cause ("because of its religious
    # subject", "led to"), a purpose ("intended to secure", "in a bid to"), a consequence ("and
    # were therefore impractical", ", so"), or where a name comes from ("named after")
    "reason": re.compile(
        r"\b(?:because|reasons?|due to|since|thanks to|as an? (?:result|consequence|response|reward|punishment)|"
        r"related to|so that|so as to|in order to|owing to|on account of|in response to|for fear|thus|therefore|"
        r"hence|consequently|caus(?:e|ed|es|ing)|led to|leading to|prompt(?:ed|ing)|result(?:ed|ing)? (?:in|from)|"
        r"(?:intended|designed|meant|aim(?:ed|ing|s)?|sought|seeking|trying|tried|hoping) (?:to|at)|"
        r"in an? (?:bid|effort|attempt|move) to|purpose|motive|named (?:after|for)|, so)\b",
        re.I,
    ),
}
# Connectives of time that often give a cause in answer to "why" ("abandoned after heavy rains",
# "declined after 1635, when the shogunate forbade ..."): half the evidence of a causal one.
_TEMPORAL_CAUSE = re.compile(r"\b(?:after|when|following|considering|once)\b", re.I)


_ORDINAL_WORDS = (
    r"(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|twelfth|[1-9]\d?(?:st|nd|rd|th))"
)
# Strict fillers of an answer slot: what a right answer to "when"/"how many"/"who" holds.
_SLOTS = {
    "date": re.compile(
        rf"\b(?:1\d|20)\d\d(?:s)?\b|\b\d{{1,2}}\s+{MONTHS}\b|\b{MONTHS}\s+\d{{1,2}}\b|\b{MONTHS}\b"
        rf"|\b{_ORDINAL_WORDS}\s+(?:century|anniversary)\b|\b(?:spring|summer|autumn|fall|winter)\s+of\b",
        re.I,
    ),
    "number": CARDINAL,
    "percent": _EVIDENCE["percent"],
    "duration": _EVIDENCE["duration"],
    "person": re.compile(rf"\b[{_CAP}][\w’'\-]+(?:\s+(?:de\s+|von\s+|van\s+|da\s+)?[{_CAP}][\w’'\-]+){{1,3}}\b"),
    "role": re.compile(rf"\b[{_CAP}][\w’'\-]+(?:\s+[{_CAP}][\w’'\-]+){{1,3}}\b"),
    "org": _EVIDENCE["org"],
    "name": _EVIDENCE["name"],
    "place": re.compile(
        rf"\b(?:in|at|near|from|to)\s+(?:the\s+)?[{_CAP}][\w’'\-]+(?:\s+[{_CAP}][\w’'\-]+)*|{_NAMES_LISTED}"
    ),
    "reason": _EVIDENCE["reason"],
    # "Full Name (ABC)" or "ABC (Full Name, ...)"
    "expansion": re.compile(
        rf"[{_CAP}][\w-]*(?:\s+[\w-]+){{1,9}}\s+\([{_CAP}]{{2,}}\)|\b[{_CAP}]{{2,}}\s+\([{_CAP}][\w-]*(?:\s+[\w-]+){{1,9}}"
    ),
    "describe": re.compile(
        r",\s+(?:the\s+|an?\s+)?[a-z][\w-]*|\b(?:is|was)\s+(?:the|an?)\b|\b(?:stands? for|short for)\b"
    ),
}
_WH_NOUN = re.compile(
    r"^\s*(?:(?:in|on|at|for|from|to|by|of|with|during|under|after|before)\s+)?(?:what|which)\s+"
    r"(?:kind|type|sort|form|part|piece|name)?(?:\s+of\s+)?([a-z][\w-]*)",
    re.I,
)
_NOT_NOUN = frozenset(
    "is was are were do does did has have had can could will would should may might must the a an".split()
)


# what is counted in ordinals: "What edition number was the expo?" is answered by "the 19th Expo"
_ORDINAL_NOUNS = frozenset(
    "edition editions session sessions round rank ranking term congress plenum iteration instalment installment".split()
)
_ORDINAL_OR_CARDINAL = re.compile(rf"\b{_ORDINAL_WORDS}\b|{CARDINAL.pattern}", re.I)


# "On what date ...?", "What was the exact date ...?": a day is asked, and a year alone does not give it
_DAY_ASKED = re.compile(
    r"\b(?:on (?:what|which) (?:exact )?(?:date|day)|exact date|(?:what|which) day of (?:the )?month)\b", re.I
)
_DAY = re.compile(rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{MONTHS}\b|\b{MONTHS}\s+\d{{1,2}}\b", re.I)


def _figure_pattern(
    answer_type: str | None, asked: frozenset[str], table: dict[str, re.Pattern], question: str = ""
) -> re.Pattern | None:
    if answer_type == "number" and asked & _ORDINAL_NOUNS:
        return _ORDINAL_OR_CARDINAL
    if answer_type == "date" and question and _asks_day(question):
        return _DAY
    return table.get(answer_type or "")


@functools.lru_cache(maxsize=256)
def _asks_day(question: str) -> bool:
    """Read once per question, not once per candidate sentence it is matched against."""
    return bool(_DAY_ASKED.search(question))


def _no_one_asked(answer_type: str | None, found: set[str], names: frozenset[str]) -> bool:
    """A name that cannot be the person "who" asks for: one with the head of a place, a body or a
    work ("Lake Ohrid"), or sharing a word with the names the question asks about (`names`), who
    are the ones asked about or their kin ("Tódor Kármán" for "Whom did Kármán marry?")."""
    return answer_type in ("person", "role") and bool(found & NOT_PERSON_WORDS or found & names)


def slot_spans(
    answer_type: str | None,
    text: str,
    asked: frozenset[str],
    names: frozenset[str] = frozenset(),
    question: str = "",
) -> list[tuple[int, int]]:
    """Spans of `text` that could fill the answer's slot and are not already in the question
    (`names`: the words of the names it asks about; `question`: its text, for a day asked)."""
    pattern = _figure_pattern(answer_type, asked, _SLOTS, question)
    if pattern is None:
        return []
    spans = []
    for match in pattern.finditer(text):
        found = set(words(match.group()))
        if _no_one_asked(answer_type, found, names):
            continue
        if answer_type in ("reason", "describe", "duration", "expansion") or not found <= asked:
            spans.append(match.span())
    return spans


def wh_noun(question: str) -> str | None:
    """The noun a "what/which" question asks for ("Which *university* ...", "What kind of *ship*"), stemmed."""
    match = _WH_NOUN.search(question)
    if not match or match.group(1).lower() in _NOT_NOUN:
        return None
    return stem(match.group(1).lower())


def type_evidence(
    answer_type: str, text: str, asked: frozenset[str], question: str = "", names: frozenset[str] = frozenset()
) -> float:
    """How well `text` holds the kind of answer wanted, beyond what was asked: 1, 0.5 or 0.

    A name the question already contains is not an answer to it, nor is a person's name sharing a
    word with the names it asks about (`names`). "who" is fully answered by a person's name and
    half by an organisation's (unless a role is asked: "Who chairs X?"); a day asked ("On what
    date ...?", read from `question`) by a day and its month.
    """
    if answer_type == "describe":  # "Jane Smith, deputy general manager of ..." / "Jane Smith is the head of ..."
        name = re.sub(r"^\s*\S+\s+\S+\s+", "", question).strip(" ?")
        described = re.search(
            re.escape(name) + r"\s*(?:,\s*(?:the\s+|an?\s+)?[a-z]|\s(?:is|was|serves as|heads|leads)\b)", text, re.I
        )
        return 1.0 if described else 0.5
    if answer_type == "role":  # a person's name and the role asked about: "chairman" for "Who chairs X?"
        role = _ROLE.search(question)
        said = role and word_match(role.group(1).lower(), set(words(text))) and _same_role(role, question, text)
        return type_evidence("person", text, asked, names=names) if said else 0.0
    if answer_type == "expansion":
        acronyms = re.findall(rf"\b[{_CAP}]{{2,}}\b", question)
        return 1.0 if any(_spelled_out(a, text) for a in acronyms) else 0.0
    for match in _figure_pattern(answer_type, asked, _EVIDENCE, question).finditer(text):
        found = set(words(match.group()))
        if _no_one_asked(answer_type, found, names):
            continue
        if answer_type in ("reason", "duration") or not found <= asked:
            return 1.0
    if answer_type == "person":
        return 0.5 * type_evidence("org", text, asked)
    if answer_type == "reason" and _TEMPORAL_CAUSE.search(text):
        return 0.5
    return 0.0


def _same_role(role: re.Match, question: str, text: str) -> bool:
    """Is the role the text names the one asked about, not a lesser or another one beside it? A
    "deputy director" is not the director, a "chief operating officer" not the chief executive."""
    word = role.group(1).lower()
    asked = set(words(question))
    wanted_next = words(question[role.end(1) :])[:1]
    for match in re.finditer(rf"\b{re.escape(stem(word))}\w*", text, re.I):  # "head of" for "Who heads"
        before = words(text[max(0, match.start() - 20) : match.start()])[-1:]
        after = words(text[match.end() :])[:1]
        if before and before[0] in _LESSER_ROLE and before[0] not in asked:
            continue
        if word == "chief" and wanted_next and wanted_next[0] not in STOPWORDS and after != wanted_next:
            continue
        return True
    return False


# a co-founder did found it and a former director was the director: neither is lesser
_LESSER_ROLE = frozenset("deputy vice assistant acting interim associate regional honorary".split())


def _spelled_out(acronym: str, text: str) -> bool:
    """The text gives the acronym's full name beside it, "Full Name (ABC)" or "ABC (Full Name, ...)",
    accents aside: "OBB" typed for "ÖBB (Österreichische Bundesbahnen, ...)"."""
    short, folded = re.escape(fold(acronym)), fold(text)
    return bool(re.search(rf"\w[\w-]*(?:\s+[\w-]+){{1,9}}\s+\({short}\)|\b{short}\s+\(\w[\w-]*\s+\w", folded))


# "Who chairs X?" wants a person; "Who built X?" may be answered by an organisation.
_ROLE = re.compile(
    r"\bwho\b.*\b(ceo|chair\w*|head|heads|headed|director|president|founder|founded|manager|spokes\w+|minister|"
    r"mayor|secretary|leader|chief|said|says|stated|remarked|told|spoke|speaking)\b",
    re.I,
)
# Units a figure is asked in: an answer must give the figure in that unit.
UNITS = re.compile(
    r"\b(?:yuan|rmb|renminbi|dollars?|usd|euros?|teus?|tons?|tonnes?|kilometers?|kilometres?|km|miles?|hours?|"
    r"minutes?|met(?:re|er)s?|feet|foot)\b",
    re.I,
)


_PRICE = re.compile(
    r"\b(?:cost|costs|costing|price|prices|priced|fee|fees|charge|charges|fare|fares|tariff|pay|paid)\b", re.I
)
_CURRENCY_WORDS = (
    r"\b(?:yuan|rmb|renminbi|dollars?|usd|euros?|eur|cny|pounds?|pence|cents?|rupees?|yen|francs?|marks?|"
    r"roubles?|rubles?|kronor|kroner|krona|krone|lira|lire|pesos?|shillings?|guilders?|ducats?|florins?|dong|kip|"
    r"baht|ringgit|rupiah|won|dirhams?|riyals?|rand|naira|zloty|forints?|reais|lei)\b"
)
_MONEY_SIGNS = "[$¥€£₹₩₽]"
_MONEY = re.compile(_MONEY_SIGNS + "|" + _CURRENCY_WORDS, re.I)
# "How much did it receive?" asks for money: nothing stands between "how much" and its verb
_MONEY_ASKED = re.compile(
    rf"\bhow much {_AUX}\b.*\b(?:receive[sd]?|spen(?:ds?|t)|earn(?:s|ed|t)?|invest(?:s|ed)?|raise[sd]?|"
    r"sold|sell|fetch(?:es|ed)?|borrow(?:s|ed)?|lent|lend|owe[sd]?|donate[sd]?|worth)\b",
    re.I,
)
# What "how many" counts ("How many *passengers* does the line carry?", "How many *bags* of coffee
# did Brazil produce?"), marked among the units
COUNTED = "~"
_COUNTED = re.compile(rf"\bhow many ((?:[\w’'–-]+ ){{0,4}}?)(?:{_AUX})\b", re.I)
_COUNTED_PLURAL = re.compile(r"\bhow many ([\w’'–-]+s)\b", re.I)  # "How many ships pass ...?"
_NOT_COUNTED = frozenset({"times", "more", "fewer", "less", "people"})
_PREPOSITIONS = frozenset("of in at on for from to by with during under over between".split())
# A figure given in a unit of measure, time, a currency or a percentage ("212,000 tonnes", "$5
# million", "seven months"), or a day of a month ("1 October")
_MEASURE_UNITS = (
    r"\b(?:kilo)?grams?\b|\bkg\b|\b(?:litres?|liters?|gallons?|barrels?|hectares?|acres?|degrees?|°|"
    r"square|cubic|mm|millimet(?:re|er)s?|cm)\b"
)
_UNIT_AFTER = re.compile(
    rf"[\d,.]*\s*(?:(?:million|billion|thousand|trillion|mn|bn)\s+)?(?:%|per ?cent\b|{UNITS.pattern}|"
    rf"{_CURRENCY_WORDS}|{_UNITS}\b|{_LENGTH_UNITS}\b|{_MEASURE_UNITS}|{MONTHS})",
    re.I,
)
_MONEY_BEFORE = re.compile(_MONEY_SIGNS + r"\s*$")
# What a measure asked without a unit is given in: "How tall is the dome?" wants a length, "How
# cold was the water?" a temperature, "the value of its exports" money (marked among the units)
DIMENSION = "="
CURRENCY = DIMENSION + "money"  # also asked by a price, a fee, "how much did it earn"
_DIMENSIONS = {
    "temperature": (
        re.compile(r"\bhow (?:hot|cold|warm)\b|\btemperatures?\b", re.I),  # not "the coldest month"
        re.compile(r"°|\bdegrees?\b|\bkelvin\b|\d\s*K\b|\bcelsius\b|\bfahrenheit\b", re.I),
    ),
    "length": (
        re.compile(
            r"\bhow (?:tall|deep|wide|thick)\b|\b(?:height|depth|width|distance|elevation|altitude|wingspan|girth)\b",
            re.I,
        ),
        re.compile(rf"\b{_LENGTH_UNITS}\b|\d\s*(?:m|ft)\b", re.I),
    ),
    "mass": (
        re.compile(r"\bhow heavy\b|\b(?:weight|weigh|weighs|weighed)\b", re.I),
        re.compile(r"\b(?:kg|kilograms?|grams?|tonnes?|tons?|pounds?|lbs?|ounces?)\b", re.I),
    ),
    "power": (
        re.compile(r"\bhow much (?:\w+ )?power\b|\bpower output\b|\bwattage\b", re.I),
        re.compile(r"\b\w*watts?\b|\d\s*[kMG]We?\b|\bhorsepower\b"),
    ),
    # a population is counted in people, however they are called: "home to 240,000 people"
    "population": (
        re.compile(r"\bpopulation\b|\bhow many (?:people|residents|inhabitants) (?:live|lived|living|reside)\b", re.I),
        re.compile(r"\b(?:population|populations|inhabitants|residents|people|citizens|populated|dwellers)\b", re.I),
    ),
    "money": (
        re.compile(
            r"\b(?:value|worth) of (?:the |its |their |[\w’'-]+['’]s? )?(?:[\w-]+ ){0,3}?(?:exports?|imports?|trade|goods|"
            r"deals?|contracts?|sales|investments?|assets|shipments)\b|\b(?:revenue|revenues|budget|salary|wages?|"
            r"income|profits?|loans?|compensation|turnover)\b",
            re.I,
        ),
        _MONEY,
    ),
}


def _counted(question: str) -> list[str]:
    """What "how many" counts, the word before its verb or a preposition, as a unit its figure must
    fit ("1.35 million tonnes" does not count passengers); none when the count is of people (named
    in many ways) or of times."""
    match = _COUNTED.search(question) or _COUNTED_PLURAL.search(question)
    phrase = match.group(1).split() if match else []
    while phrase and phrase[0].lower() in ("more", "fewer", "less"):  # "How many more ships ...?"
        phrase = phrase[1:]
    # "How many people live in Foz do Iguaçu?", "How many times bigger is ...?"
    if phrase and phrase[0].lower() in _NOT_COUNTED:
        return []
    cut = next((i for i, w in enumerate(phrase) if i and w.lower() in _PREPOSITIONS), len(phrase))
    noun = phrase[cut - 1] if phrase else ""
    if not noun or noun.lower() in _NOT_COUNTED or noun.lower() in STOPWORDS:
        return []
    return [unit_name(noun) if UNITS.fullmatch(noun) else COUNTED + unit_name(noun)]


# One name per unit however it is spelled or abbreviated: "kilometers" is "kilometres" is "km"
_UNIT_NAMES = {
    "kilomet": "km",
    "kilometr": "km",
    "metr": "m",
    "meter": "m",
    "foot": "feet",
    "tonn": "ton",
    "teus": "teu",
}


def unit_name(word: str) -> str:
    """A unit word's one name (`_UNIT_NAMES`), from its stem."""
    stemmed = stem(word.lower())
    return _UNIT_NAMES.get(stemmed, stemmed)


def has_units(units: tuple[str, ...], text: str) -> bool:
    """Does `text` give a figure in every unit asked for (a currency for prices)? What "how many"
    counts (`COUNTED`) is given by a figure followed by its word, or one whose unit is not said
    otherwise: "5,000 e-commerce talents" may count the professionals asked about; "1.35 million
    tonnes" cannot count passengers, nor can a sentence that names soldiers but counts none."""
    stems = {unit_name(w) for w in words(text)}
    return all(_unit_given(u, text, stems) for u in units)


def _unit_given(unit: str, text: str, stems: set[str]) -> bool:
    if unit.startswith(DIMENSION):
        return _dimension_given(unit[len(DIMENSION) :], text)
    if unit.startswith(COUNTED):
        counted = unit[len(COUNTED) :]
        return any(not _measured(text, m) or _counts(text, m, counted) for m in CARDINAL.finditer(text))
    return unit in stems


# A figure within a few words of its unit, before it ("4.4 hectares", "580 square kilometres") or
# after it ("a population of about 1.2 million")
_FIGURE = re.compile(rf"\d|{NUMBER_WORDS}", re.I)
_FIGURE_REACH = 30


def _dimension_given(name: str, text: str) -> bool:
    """Is a measure of this dimension given: its unit beside a figure? "A few kilometres away lies
    Lake Hévíz" gives no depth, though it names a unit of length; money is given by its sign."""
    unit = _DIMENSIONS[name][1]
    if name == "money":
        return bool(unit.search(text))
    for match in unit.finditer(text):
        if _FIGURE.search(text, max(0, match.start() - _FIGURE_REACH), match.start()) or _FIGURE.search(
            text, match.end(), match.end() + _FIGURE_REACH
        ):
            return True
    return False


def _counts(text: str, figure: re.Match, counted: str) -> bool:
    """Is the counted word among the few after the figure ("four nights" counts nights)?"""
    return counted in {unit_name(w) for w in words(text[figure.end() : figure.end() + 40])[:3]}


def _measured(text: str, figure: re.Match) -> bool:
    """Is the figure given in a unit of measure or time, a currency or a percentage, or is it a day
    of a month ("212,000 tonnes", "$5", "seven months", "1 October")?"""
    return bool(
        _UNIT_AFTER.match(text, figure.end()) or _MONEY_BEFORE.search(text[max(0, figure.start() - 4) : figure.start()])
    )


@functools.lru_cache(maxsize=1)
def country_names() -> frozenset[str]:
    """Lowercase country names (pycountry), so "singapore" is a name even when typed in lowercase."""
    import pycountry

    names = set()
    for country in pycountry.countries:
        for attr in ("name", "common_name"):
            value = getattr(country, attr, None)
            if value and "," not in value and "(" not in value:
                names.add(value.lower())
    return frozenset(names)


@dataclass(frozen=True)
class Question:
    """What the answerer needs to know about a question."""

    text: str
    terms: tuple[str, ...]  # stemmed content terms
    anchors: tuple[tuple[str, ...], ...]  # names and numbers: each a tuple of lowercase words
    answer_type: str | None
    asked: frozenset[str] = frozenset()  # every word of the question and its context
    units: tuple[str, ...] = ()  # stems of units a figure is asked in ("yuan", "TEUs")
    form: str | None = None  # see `question_form`
    own_terms: tuple[str, ...] = ()  # terms of the question itself (without its context)
    typed: tuple[str, ...] = ()  # each anchor as the user typed it ("Möngke", "WW I"), for messages
    previous: str = ""  # the answer a follow-up continues (`Resolved.previous`)


_INTERJECTIONS = frozenset("ok okay so well now hmm hi hey thanks please also and but then right".split())
_DOTTED = re.compile(r"\b(?:[A-Z]\.){2,}")


# A figure the question compares with: "more than 20 km", "below 100", "after 1960". It is a
# threshold, not a figure the answer must contain.
COMPARATOR = re.compile(
    r"\b(?P<op>below|under|less than|fewer than|lower than|smaller than|above|over|more than|greater than|"
    r"higher than|larger than|at least|at most|exceed(?:ed|s)?|top(?:ped|s)?|surpass(?:ed|es)?)\s+(?:about\s+|around\s+)?(?P<n>\d[\d,]*(?:\.\d+)?)"
    # a year on either side of a date: "Was the festival first held after 1960?" against "since 1953"
    r"|\b(?P<op_t>after|later than|before|earlier than|prior to)\s+(?:the\s+year\s+)?(?P<n_t>1\d{3}|20\d\d)\b",
    re.I,
)


# "Is Zuo Yang a man or a woman?", "is the port in the north or the south?": a polar question that
# offers options, answered only by a sentence that holds one of them
_OFFERED = re.compile(
    rf"^\s*(?:(?:so|and|but|ok|okay|well)[, ]+)?(?:[^,?]{{3,60}}[,:-]\s*)?{_AUX}\b(?P<before>.*?)\bor\b(?P<after>[^?,.;]*)",
    re.I,
)
_OPTION_END = frozenset("a an the in of on at to for from by with is are was were does did do it its".split())


def offered_options(question: str) -> tuple[frozenset[str], frozenset[str]] | None:
    """The stems of the two options a polar question offers ("a man or a woman": {man}, {woman}),
    each up to three content words on its side of "or"; None when it offers none."""
    match = _OFFERED.match(question)
    if match is None:
        return None
    before = words(match.group("before"))
    first: list[str] = []
    for w in reversed(before):
        if w in _OPTION_END or len(first) == 3:
            break
        first.append(w)
    second = [w for w in words(match.group("after"))[:4] if w not in STOPWORDS][:3]
    options = tuple(frozenset(stem(w) for w in side if w not in STOPWORDS) for side in (first, second))
    return options if all(options) else None


def thresholds(question: str, form: str | None) -> frozenset[str]:
    """The numbers a question of this `form` compares with, as written ("20", "1960"). A year after
    "after" is a threshold only in a yes/no question: "What happened after 1945?" asks about 1945."""
    polar = form == "yesno"
    return frozenset(m.group("n") or m.group("n_t") for m in COMPARATOR.finditer(question) if m.group("n") or polar)


# "in 2 sentences", "in 50 words": the answer's length; not "2 lines", which may be a railway's
_LENGTH_ASKED = re.compile(r"\s*(?:sentences?|words|paragraphs?|bullet points?|bullets)\b", re.I)
_DESCRIBED = re.compile(rf"(?<=\w)-[{_LOWER}][\w-]*$")  # "ASEAN-focused" -> "ASEAN"


def _capitalised_anchors(question: str, form: str | None) -> list[tuple[tuple[str, ...], str]]:
    """(name as lowercase words, name as typed) for each capitalised name or number."""
    anchors = []
    undotted = _DOTTED.sub(lambda m: m.group().replace(".", "") + " ", question)  # "U.S." -> "US"
    compared = thresholds(question, form)
    start = len(undotted) - len(undotted.lstrip())
    for match in ENTITY.finditer(undotted):
        token = match.group().strip()
        if token[0].isdigit():
            # "more than 10%" compares with 10; "Did it train 50,000 people?" checks a figure it may not find;
            # "In 2 sentences: ..." counts the answer's own sentences, no figure of the sources
            if _LENGTH_ASKED.match(undotted, match.end()):
                continue
            if token.rstrip("%") not in compared and form != "yesno":
                anchors.append((tuple(words(token)), token))
            continue
        tokens = token.split()
        opens = match.start() == start or re.search(r"[.?!:]\s+$", undotted[: match.start()])
        if opens and (not tokens[0].isupper() or tokens[0].lower() in _INTERJECTIONS):
            tokens = tokens[1:]  # a sentence-initial capital is grammar ("Which", "Name", "OK, then ...")
        if tokens == ["I"]:
            continue  # the pronoun ("what am I agreeing to?"); after a name ("WW I") it is a numeral
        # "I" in "WW I" is a numeral, not the pronoun: capitals typed as such are kept; a word joined
        # on in lowercase describes the name ("an Osell-backed centre", "an ASEAN-focused platform")
        tokens = [_DESCRIBED.sub("", t) for t in tokens]
        parts = [w for t in tokens for w in words(t) if w not in STOPWORDS or t.isupper()]
        if parts:
            anchors.append((tuple(parts), " ".join(tokens).strip(" ’'")))
    return anchors


def _lowercase_anchors(question: str, names: frozenset[str]) -> list[tuple[tuple[str, ...], str]]:
    """Names typed without capitals: countries anywhere, the corpus's own names in all-lowercase questions."""
    lowered = " " + " ".join(words(question)) + " "
    anchors = [(tuple(name.split()), name) for name in country_names() if f" {name} " in lowered]
    if question == question.lower():
        anchors += [((w,), w) for w in words(question) if w in names and w not in STOPWORDS]
    return anchors


def analyze(question: str, context: str = "", names: frozenset[str] = frozenset(), previous: str = "") -> Question:
    """Terms, anchors and answer type of a question.

    `context` is an earlier question this one continues: its terms steer retrieval and coverage,
    but only the question's own names are required and the kind of answer comes from the question.
    `names` are the corpus's proper nouns, used to spot names in a question typed in lowercase.
    `previous` is the answer the question follows up on (`Resolved.previous`).
    """
    if previous:
        return replace(analyze(question, context, names), previous=previous)
    if context:
        own, ctx = analyze(question, names=names), analyze(context, names=names)
        return Question(
            question,
            tuple(dict.fromkeys(own.terms + ctx.terms)),
            own.anchors,
            own.answer_type or ctx.answer_type,
            own.asked | ctx.asked,
            own.units or ctx.units,
            own.form,
            own.terms,
            own.typed,
        )
    terms = tuple(dict.fromkeys(stem(w) for w in words(question) if w not in STOPWORDS and w not in FILLER))
    form = question_form(question)
    typed = _capitalised_anchors(question, form)
    covered = {w for a, _ in typed for w in a}
    typed += [(a, t) for a, t in _lowercase_anchors(question, names) if not set(a) <= covered]
    surfaces = dict(reversed(typed))  # first spelling of each name wins
    anchors = list(dict.fromkeys(a for a, _ in typed))
    answer_type = next((name for name, pattern in ANSWER_TYPES if (pattern or _ROLE).search(question)), None)
    if form == "figure":
        answer_type = None  # "What is that number?" asks what the given figure stands for, not for another
    units: tuple[str, ...] = ()
    if answer_type in QUANTITIES:
        units = tuple(dict.fromkeys([unit_name(u) for u in UNITS.findall(question)] + _counted(question)))
        if not units and (_PRICE.search(question) or _MONEY_ASKED.search(question)):
            units = (CURRENCY,)  # "How much does it cost?" is answered by an amount of money
        if not units and answer_type == "number":
            units = tuple(DIMENSION + name for name, (asked, _) in _DIMENSIONS.items() if asked.search(question))[:1]
    return Question(
        question,
        terms,
        tuple(anchors),
        answer_type,
        frozenset(words(question)),
        units,
        form,
        terms,
        tuple(surfaces[a] for a in anchors),
    )


_DEMONYM = re.compile(r"(?:ians?|ese|ish|ans?|is|s)$")


def word_match(needle: str, haystack: set[str], by_head: dict[str, list[str]] | None = None) -> bool:
    """Exact, or the same word in another form ("Canadian"/"Canada", "Chinese"/"China").

    `by_head`: the haystack's words by their first three letters (`heads_of`), for a large
    haystack such as a corpus's vocabulary, so that only the words sharing them are read."""
    if needle in haystack:
        return True
    if needle[:1].isdigit():
        return False
    needle_root = _DEMONYM.sub("", needle) if len(needle) > 5 else needle
    head = needle[:3]
    for word in haystack if by_head is None else by_head.get(head, ()):
        if word[:3] != head:
            continue  # every form below shares the first three letters (a root of 3+ is a prefix)
        short, long_ = sorted((needle, word), key=len)
        if len(short) >= 3 and long_.startswith(short):
            return True
        if len(needle_root) >= 3 and word[:3] == needle_root[:3]:
            word_root = _DEMONYM.sub("", word) if len(word) > 3 else word
            k = min(4, len(word_root), len(needle_root))
            if k >= 3 and word_root[:k] == needle_root[:k]:
                return True  # "Laotian" / "Laos", "Vietnamese" / "Vietnam"
        if len(short) >= 5:
            common = 0
            for a, b in zip(short, long_, strict=False):
                if a != b:
                    break
                common += 1
            if common >= 4 and common >= len(short) - 1:
                return True
    return False


def heads_of(words_: set[str] | frozenset[str]) -> dict[str, list[str]]:
    """Words by their first three letters: what `word_match` reads of a large haystack."""
    by_head: dict[str, list[str]] = {}
    for word in words_:
        by_head.setdefault(word[:3], []).append(word)
    return by_head


# small numbers as a sentence spells them, word -> digits ("three" -> "3"); `anchor_found` and the
# LLM's grounding check (assistant/llm.py) read the same table
SPELLED_NUMBERS = {
    w: str(i) for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve".split())
}
# digits -> word for the counts an anchor may be spelled as; "one" is left out, it is rarely a count
_SPELLED = {digits: w for w, digits in SPELLED_NUMBERS.items() if int(digits) >= 2}


def anchor_found(
    anchor: tuple[str, ...],
    vocab: set[str],
    initials: set[str] | frozenset[str] = frozenset(),
    by_head: dict[str, list[str]] | None = None,
) -> bool:
    """Every distinctive word of a name must be there ("Laos Economic and Trade Group"), or the
    name is an abbreviation of one there: "WW I" / "WWI" for "World War I", "U.S." for "United
    States" (`initials` holds the initials of the text's capitalised names)."""
    distinctive = [w for w in anchor if w not in GENERIC_CAPS]
    if all(word_match(w, vocab, by_head) for w in (distinctive or anchor)):
        return True
    if len(anchor) == 1 and _SPELLED.get(anchor[0], "") in vocab:
        return True  # "within 3 yrs" / "in the next three years"
    letters = "".join(anchor)
    return 2 <= len(letters) <= 6 and letters.isalpha() and letters in initials


_NAME_RUN = re.compile(rf"[{_CAP}][\w’'\-]*(?:\s+(?:of\s+(?:the\s+)?|and\s+|for\s+|[IVX]+\b)?[{_CAP}IVX][\w’'\-]*)*")


def initials(text: str) -> set[str]:
    """Lowercase initials of the capitalised names in `text`, with and without their small words:
    "World War I" -> {"wwi"}, "United States of America" -> {"usa", "usoa", "us"}."""
    out: set[str] = set()
    for match in _NAME_RUN.finditer(text):
        parts = match.group().split()
        if len(parts) < 2:
            continue
        out.add("".join(p[0] for p in parts).lower())
        big = [p for p in parts if p[:1].isupper()][:8]
        for i in range(len(big)):
            for j in range(i + 2, len(big) + 1):
                out.add("".join(p[0] for p in big[i:j]).lower())
    return out


# "..., and how much ...?", "..., and say what ...", "..., and name ..."
_SECOND_ASK = re.compile(
    r",?\s+and\s+(?:(?:say|tell\s+me|explain|describe)\s+(?=(?:what|how|which|why|where|when|who|whom|whose)\b)"
    r"|(?=(?:what|how|which|why|where|when|who|whom|whose)\b)|(?=(?:name|list|give)\s))",
    re.I,
)


def two_questions(text: str) -> tuple[str, str] | None:
    """The two questions of one that asks two things, each as a question of its own:
    "What did they agree to create, and how much trade should it bring?" or "Who founded
    Osell? What did it sign?". None for a question that asks one thing."""
    first, mark, rest = text.partition("?")
    if mark and rest.strip().endswith("?") and len(rest.split()) >= 3:
        return first.strip() + "?", rest.strip()
    match = _SECOND_ASK.search(text)
    if match is None or len(text[: match.start()].split()) < 3:
        return None
    second = text[match.end() :].strip()
    return text[: match.start()].strip() + "?", second[:1].upper() + second[1:]


_HOW_MANY = r"(?:one|two|three|four|five|a\s+few|a\s+couple\s+of|\d+)"
_LENGTH_UNIT = r"(?:short\s+)?(?:sentences?|lines?|words?)"
_PLEASE = r"(?:max(?:imum)?|only|or\s+(?:less|fewer)|please|pls|plz)"
# "In two sentences, ...", "two sentences max: ...", "Briefly, ...", "... in two sentences?": how
# to answer, not what about; searched for, "two sentences" only finds sentences that say "two".
# ("In a nutshell" stays: it asks for an overview, `FORMS`.)
_FORMAT_LEAD = re.compile(
    rf"^\s*(?:(?:(?:in|using|with|within)\s+)?(?:just\s+|only\s+)?{_HOW_MANY}\s+{_LENGTH_UNIT}"
    rf"(?:\s+{_PLEASE})*(?:\s+(?:on|about))?\s*[:,;\-–—]*"
    r"|(?:briefly|in\s+brief|in\s+short)\s*[:,;\-–—]*"
    r"|(?:quickly|concisely)\s*[:,;\-–—]+)\s*",
    re.IGNORECASE,
)
_FORMAT_TAIL = re.compile(
    rf"\s*,?\s*(?:(?:in|using)\s+{_HOW_MANY}\s+{_LENGTH_UNIT}(?:\s+{_PLEASE})*"
    r"|briefly|in\s+brief|in\s+short)\s*(?=[?.!]*\s*$)",
    re.IGNORECASE,
)


def without_format_request(question: str) -> str:
    """`question` without what it asks of the answer's form ("In two sentences, what is Osell?"
    -> "what is Osell?", "sum up the trade figures briefly" -> "sum up the trade figures"): the
    words that say what it is about are left. The question itself when nothing else would be."""
    stripped = _FORMAT_TAIL.sub("", _FORMAT_LEAD.sub("", question, count=1), count=1).strip()
    return stripped if len(words(stripped)) >= 2 else question
