"""Yes or no: what a sentence says about a polar question, and how sure that reading is.

A polar question is answered "Yes" or "No" only with the sentence that decides it. The sentence
can confirm it (it says what is asked, with the question's names and restrictions) or contradict
it in several ways: a figure on the other side of a threshold, the opposite direction or
comparison, another rank, the opposite polarity, another name in the question's slot, another
figure for what the question counts. `verdict_signals` measures each of those; `rule_verdict`
reads them in a fixed order, which proposes the verdict; `VerdictModel` turns the signals, with
the candidate's probability of holding the answer, into the probability that the proposed
verdict is right, fitted on labelled polar questions by `training/train_verdict.py`. A verdict
is never given against what the sentence says, and no signal is trusted further than it proved
right: a contradiction read from a slot filled otherwise ("held in Saltmere" for "held in
Kettleford?"), read from the best sentence, was right in 12 of 21 training questions, and below
`verdict_confidence` the answer is "the sources don't say".
"""

from __future__ import annotations

import functools
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

from assistant.confidence import ConfidenceModel
from assistant.features import NEGATION_SUFFIX, Candidate
from assistant.questions import COMPARATOR, Question
from index.lexical import STOPWORDS, stem, words

VERDICT_WEIGHTS = Path(__file__).with_name("verdict.json")

NUMBER = re.compile(r"(?<![\w.])[+\-−]?\d[\d,]*(?:\.\d+)?")

_DIRECTION_UP = frozenset(
    "grow grew grown growth increas rise rose risen up higher more expand gain boost climb surg jump improv".split()
)
_DIRECTION_DOWN = frozenset(
    "shrink shrank shrunk declin decreas fall fell fallen down lower less contract drop dropp reduc slump plung".split()
)
# Comparisons and bearings that contradict each other, both ways ("shorter" is answered No by
# "longer", "west of" by "east of"), as stems.
_OPPOSITES = tuple(
    pair
    for a, b in (
        ("more", "less"),
        ("more", "fewer"),
        ("larger", "smaller"),
        ("bigger", "smaller"),
        ("higher", "lower"),
        ("longer", "shorter"),
        ("older", "younger"),
        ("older", "newer"),
        ("earlier", "later"),
        ("before", "after"),
        ("faster", "slower"),
        ("heavier", "lighter"),
        ("nearer", "farther"),
        ("closer", "farther"),
        ("nearer", "further"),
        ("closer", "further"),
        ("richer", "poorer"),
        ("above", "below"),
        ("wider", "narrower"),
        ("deeper", "shallower"),
        ("warmer", "colder"),
        ("cheaper", "dearer"),
        ("east", "west"),
        ("north", "south"),
        ("eastern", "western"),
        ("northern", "southern"),
        ("majority", "minority"),
        ("same", "different"),
    )
    for pair in ((stem(a), stem(b)), (stem(b), stem(a)))
)
# pairs of `_OPPOSITES` that are as often prepositions of time or place: no comparison to confirm
_PREPOSITIONS = frozenset(stem(w) for w in ("before", "after", "above", "below"))
# Words that deny what follows them, as stems: "not", "never", and verbs such as "failed to" or "rejected".
_DENIAL = frozenset(
    stem(w)
    for w in "not no never neither nor none nothing without failed refused rejected forbade forbidden denied "
    "lacked lacks unable cannot cancelled canceled abandoned scrapped halted suspended revoked vetoed".split()
)
# "declined to comment" denies; "declined by 5%" is a direction (`_DIRECTION_DOWN`), not a denial
_DECLINED_TO = re.compile(r"\bdeclin(?:e|es|ed|ing)\s+to\s+(?!\d)", re.IGNORECASE)
# what a sentence sets aside: "an amphibian rather than a fish" ("instead" alone is as often a
# manner: "relying instead on electroreception")
_RATHER_THAN = re.compile(r"\brather than\b", re.I)
_NUMBERED = re.compile(r"\bNos?\.\s*(?=\d)", re.I)
_YEAR_IN = re.compile(r"\b(?:1\d{3}|20\d\d)\b")


def number_value(token: str) -> float | None:
    try:
        return float(token.replace(",", "").replace("−", "-"))
    except ValueError:
        return None


def verdict_signals(q: Question, cand: Candidate) -> dict[str, float]:
    """Each way `cand` can confirm or contradict the polar question `q`, 1.0 where it does.

    The sentence is about what is asked when it names the question's names (or refers back with a
    pronoun to a sentence before it that does) and holds most of its words; then it contradicts by
    a figure on the other side of the question's threshold, the opposite direction or comparison
    ("longer" for "shorter"), another rank ("the second-largest" for "the largest"), the opposite
    polarity ("was not", "failed to", "rejected"), another name where the question has one, or
    another figure for what the question counts."""
    sentence_stems = {stem(w) for w in words(cand.text)}
    asked = {stem(w) for w in words(q.text)}
    f = cand.features
    s: dict[str, float] = {}
    compared = COMPARATOR.search(q.text)
    threshold = _threshold_verdict(compared, q.text, cand.text) if compared else None
    s["threshold_yes"], s["threshold_no"] = float(threshold == "Yes"), float(threshold == "No")
    s["compared"] = float(bool(compared))
    named = f.get("no_anchors", 0) >= 1 or f.get("anchors", 0) >= 1
    in_paragraph = named or f.get("anchors_para", 0) >= 1
    named_near = named or (in_paragraph and bool(sentence_stems & _REFERS_BACK))
    about = f.get("cov", 0) >= 0.5 and in_paragraph
    s["named"], s["in_paragraph"], s["named_near"], s["about"] = map(float, (named, in_paragraph, named_near, about))
    s["cov"], s["cov_rest"] = f.get("cov", 0.0), f.get("cov_rest", 1.0)
    up_q, down_q = asked & _DIRECTION_UP, asked & _DIRECTION_DOWN
    up_s, down_s = sentence_stems & _DIRECTION_UP, sentence_stems & _DIRECTION_DOWN
    s["direction_no"] = float(bool((up_q and down_s and not up_s) or (down_q and up_s and not down_s)))
    s["opposite_no"] = float(
        about and any(w in asked and o in sentence_stems and w not in sentence_stems for w, o in _OPPOSITES)
    )
    s["rank_no"] = float(about and _other_rank(q.text, cand.text))
    negated_q, negated_s = _negated(q.text), _negated(cand.text, about=asked)
    s["negated_question"], s["negated_sentence"] = float(negated_q), float(negated_s)
    s["negation_no"] = float(about and negated_q != negated_s)
    s["slot_no"] = float(_filled_otherwise(q.text, cand.text))
    s["figure_no"] = float(not compared and in_paragraph and _figure_otherwise(q.text, cand.text))
    # a comparison asked ("shorter than") is confirmed only by a sentence that makes it, and so is
    # a restriction ("the only port", "every day", "on his own"): "one of the two ports" or "a
    # weekly train" is about the same thing without confirming it
    compared_q = [word for word, _ in _OPPOSITES if word in asked and word not in _PREPOSITIONS]
    s["comparison_unstated"] = float(bool(compared_q) and not any(w in sentence_stems for w in compared_q))
    s["restriction_unstated"] = float(not all(r.search(cand.text) for r in _RESTRICTIONS if r.search(q.text)))
    stated = not s["comparison_unstated"] and not s["restriction_unstated"]
    # a threshold asked about that no figure of the sentence decided is no "Yes"
    s["confirms"] = float(
        named_near and stated and not compared and f.get("cov", 0) >= 0.6 and f.get("cov_rest", 1.0) >= 0.5
    )
    # a name swapped for another: "with a Vietnamese company?" against "with Laos Economic and Trade Group"
    s["swapped_no"] = float(not in_paragraph and f.get("cov", 0) >= 0.6)
    return s


# The hand-written reading: the first signal in this order that decides, decides.
_RULE_ORDER = (
    ("threshold_yes", "Yes"),
    ("threshold_no", "No"),
    ("direction_no", "No"),
    ("opposite_no", "No"),
    ("rank_no", "No"),
    ("negation_no", "No"),
    ("slot_no", "No"),
    ("figure_no", "No"),
    ("confirms", "Yes"),
    ("swapped_no", "No"),
)


def rule_verdict(signals: dict[str, float]) -> str | None:
    """ "Yes", "No", or None when no signal decides, read in `_RULE_ORDER`."""
    return next((verdict for name, verdict in _RULE_ORDER if signals[name]), None)


def verdict_features(signals: dict[str, float], cand: Candidate, depth: int) -> dict[str, float]:
    """What the verdict model reads: the signals, how probable the candidate is as an answer (as a
    logit) and its place among the candidates read (0 = best)."""
    p = min(max(cand.prob, 1e-4), 1 - 1e-4)
    return signals | {"prob_logit": math.log(p / (1 - p)), "depth": float(depth)}


VERDICT_FEATURES = (
    *(name for name, _ in _RULE_ORDER),
    "compared",
    "named",
    "in_paragraph",
    "named_near",
    "about",
    "cov",
    "cov_rest",
    "negated_question",
    "negated_sentence",
    "comparison_unstated",
    "restriction_unstated",
    "prob_logit",
    "depth",
)


@dataclass(frozen=True)
class VerdictModel:
    """P(the verdict `rule_verdict` reads is right, with this sentence), one logistic regression
    over `verdict_features` per verdict: a "Yes" and a "No" are wrong for different reasons (a
    sentence about something close, against a contradiction read where there is none)."""

    yes: ConfidenceModel
    no: ConfidenceModel

    def probability(self, verdict: str, features: dict[str, float]) -> float:
        return (self.yes if verdict == "Yes" else self.no).probability(features)

    def to_dict(self) -> dict:
        return {"kind": "verdict", "yes": self.yes.to_dict(), "no": self.no.to_dict()}

    @classmethod
    def from_dict(cls, data: dict) -> VerdictModel:
        if data.get("kind") != "verdict":
            raise ValueError(f"not a verdict model: kind {data.get('kind')!r}")
        return cls(ConfidenceModel.from_dict(data["yes"]), ConfidenceModel.from_dict(data["no"]))


@functools.cache
def load_verdict_model(path: Path = VERDICT_WEIGHTS) -> VerdictModel:
    return VerdictModel.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))


def _threshold_verdict(compared: re.Match, question: str, sentence: str) -> str | None:
    """A figure compared with a threshold: "Was the index below 100?" against "112.9"; "after
    1990?" against "in 1987"; "more than 200 ports?" against "more than 300 ports" (a bound the
    sentence states decides only when it is at least as strict as the question's). `compared` is
    the question's comparison (`COMPARATOR`)."""
    if compared.group("op_t"):
        limit = int(compared.group("n_t"))
        years = [int(y) for y in _YEAR_IN.findall(sentence) if int(y) != limit]
        if not years:
            return None
        later = compared.group("op_t").lower() in ("after", "later than")
        return "Yes" if (years[0] > limit if later else years[0] < limit) else "No"
    limit = number_value(compared.group("n"))
    op = compared.group("op").lower()
    above = _upward(op)
    bounds = [b for b in COMPARATOR.finditer(sentence) if b.group("n")]
    for bound in bounds:
        stated_limit = number_value(bound.group("n"))
        if limit is not None and stated_limit is not None and _upward(bound.group("op").lower()) == above:
            if stated_limit >= limit if above else stated_limit <= limit:
                return "Yes"
    in_bounds = {number_value(b.group("n")) for b in bounds}
    # only a figure of what the threshold counts: "more than 10%" is decided by "5.2%", not "66.29 billion"
    unit = _unit_after(question, compared.end("n"))
    values = [
        v
        for v, at in ((number_value(m.group()), m.end()) for m in NUMBER.finditer(sentence))
        if v is not None and v != limit and v not in in_bounds and (not unit or _unit_after(sentence, at) == unit)
    ]
    if limit is None or not values:
        return None
    value = values[0]
    holds = (
        value >= limit
        if op == "at least"
        else value <= limit
        if op == "at most"
        else (value > limit if above else value < limit)
    )
    return "Yes" if holds else "No"


# Ranks in words: "the 19th CAEXPO" names an edition, not a rank.
_ORDINAL = re.compile(r"\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|last)\b", re.I)
_RANKED_SUPERLATIVE = re.compile(
    r"\b(?:second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth)[- ](?:\w+est|most|least)\b", re.I
)
_REFERS_BACK = frozenset("he she it they his her its their him them".split())
# Words that narrow what a polar question asks to all or one of something; a "Yes" needs them said
_RESTRICTIONS = tuple(
    re.compile(rf"\b{w}\b", re.IGNORECASE)
    for w in (r"only", r"sole(?:ly)?", r"exclusively", r"every", r"alone", r"on\s+(?:his|her|its|their)\s+own")
)
_SUPERLATIVE = re.compile(
    r"\bthe\s+(?:largest|biggest|greatest|longest|highest|tallest|deepest|oldest|busiest|richest|most|"
    r"smallest|lowest|shortest|least|fewest|youngest|newest|earliest|fastest|heaviest|widest|strongest)\b",
    re.I,
)


_SLOT_PREPOSITIONS = frozenset("in at of from by with on to into for".split())
_DETERMINERS = frozenset("the a an another every his her its their this that these those".split())
_TOKEN = re.compile(r"\w[\w’'-]*")


def _filler(tokens: list[str], at: int) -> str | None:
    """The word that fills a slot beginning at `at`, past a determiner ("lent to another museum":
    "museum"); None for a stopword ("for some time", "to any port")."""
    while at < len(tokens) and tokens[at].lower() in _DETERMINERS:
        at += 1
    word = tokens[at] if at < len(tokens) else ""
    return word if word and word.lower() not in STOPWORDS else None


def _filled_otherwise(question: str, sentence: str) -> bool:
    """The sentence fills a slot of the question with another word of the same kind: "Was the expo
    held in Chongqing?" against "The expo was held in Nanning", "for five years" against "for three
    consecutive years". A slot is a word and its preposition ("held in"); the question's filler
    must be missing from the sentence, the sentence's from the question, and both be names, or
    both not: "lent to a museum" is not contradicted by "lent to the Louvre"."""
    asked, said = _TOKEN.findall(question), _TOKEN.findall(sentence)
    asked_stems, said_stems = {stem(w.lower()) for w in asked}, {stem(w.lower()) for w in said}
    for i in range(len(asked) - 2):
        head, preposition = asked[i].lower(), asked[i + 1].lower()
        if preposition not in _SLOT_PREPOSITIONS or head in STOPWORDS:
            continue
        filler = _filler(asked, i + 2)
        if filler is None or stem(filler.lower()) in said_stems:
            continue
        for k in range(len(said) - 2):
            if said[k + 1].lower() == preposition and stem(said[k].lower()) == stem(head):
                other = _filler(said, k + 2)
                if (
                    other is not None
                    and stem(other.lower()) not in asked_stems
                    and other[:1].isupper() == filler[:1].isupper()
                ):
                    return True
    return False


_COUNTED = re.compile(r"(?<![\w.])(\d[\d,]*(?:\.\d+)?)(?:\s*(%|million|billion|thousand|trillion)\b)?")
_APPROXIMATE = re.compile(
    r"\b(?:about|around|approximately|roughly|nearly|almost|some|over|under|up to|close to|at least|at most|"
    r"more than|less than|fewer than)\s*$",
    re.I,
)


def _counted_figures(text: str) -> list[tuple[str, frozenset[str]]]:
    """Each figure with what it counts: the words after it up to a stopword or punctuation ("5,000
    localized cross-border e-commerce talents" -> "5000", {localized, ..., talent}); a year or an
    approximate figure ("about 200") is left out."""
    out = []
    for match in _COUNTED.finditer(text):
        number, scale = match.groups()
        hedged = _APPROXIMATE.search(text, max(0, match.start() - 30), match.start())  # the words just before it
        if re.fullmatch(r"(?:1[5-9]|20)\d\d", number) or hedged:
            continue
        counted: list[str] = []
        for token in _TOKEN.findall(text[match.end() : match.end() + 80])[:4]:
            if token.lower() in STOPWORDS or token[:1].isdigit():
                break
            counted.append(stem(token.lower()))
        if counted and scale != "%":
            out.append((number.replace(",", "") + (scale or ""), frozenset(counted)))
    return out


def _figure_otherwise(question: str, sentence: str) -> bool:
    """The sentence counts what the question counts with another figure, and has no figure the
    question gives for it: "Did it train 50,000 talents?" against "5,000 ... talents". Or it gives
    the question's figure to something else and counts the question's thing otherwise: "335
    countries?" against "335 ports in 113 countries"."""
    said = _counted_figures(sentence)
    for value, counted in _counted_figures(question):
        same_thing = [v for v, c in said if c & counted]
        if same_thing and value not in same_thing:
            return True
    # a figure both give, dated otherwise: "Was the 112.9 score for 2022?" against "the 2021 index ... 112.9"
    years_q, years_s = set(_YEAR_IN.findall(question)), set(_YEAR_IN.findall(sentence))
    shared = {n for n in NUMBER.findall(question) if n not in years_q} & set(NUMBER.findall(sentence))
    return bool(years_q and years_s and not years_q & years_s and shared)


def _unit_after(text: str, at: int) -> str:
    """What the figure ending at `at` counts, by its first word ("%", "billion", "port"); "" for none."""
    match = re.match(r"\s*(%|per ?cent\b|[a-zA-Z][\w-]*)", text[at:])
    if match is None:
        return ""
    word = match.group(1).lower()
    if word == "%" or word.startswith("per"):
        return "%"
    return "" if word in STOPWORDS else stem(word)


def _upward(op: str) -> bool:
    """A comparison word that asks for more ("above", "exceeds", "at least"), lower-case."""
    return op in ("above", "over", "more than", "greater than", "higher than", "larger than", "at least") or (
        op.startswith(("exceed", "top", "surpass"))
    )


def _other_rank(question: str, sentence: str) -> bool:
    """The sentence gives another rank than the question asks about: "the first Indian" against
    "the second Indian", or an unranked "the largest" against "the second-largest"."""
    asked = {m.lower() for m in _ORDINAL.findall(question)}
    given = {m.lower() for m in _ORDINAL.findall(sentence)}
    if asked:
        return bool(given) and not asked & given
    return bool(_SUPERLATIVE.search(question)) and bool(_RANKED_SUPERLATIVE.search(sentence))


def _negated(text: str, about: set[str] | None = None) -> bool:
    """Says that something is not so: "not", "no", "never", "n't", or a verb that denies ("failed to").
    "An amphibian rather than a fish" denies it is a fish; "No. 8" numbers a work and denies nothing.
    With `about` (the stems a question asks), only a denial in a clause that says one of them
    counts: "... one of the world's leading platforms. “It would not have been possible without
    ...”" does not deny it is a platform, and "operated from an office rather than a cabin" does
    not deny the office."""
    if about is None:
        return _denies(text)
    asked = about - _DENIAL - _STOP_STEMS
    for clause in _CLAUSE_BREAK.split(text):
        kept, *set_aside = _RATHER_THAN.split(clause, maxsplit=1)
        if set_aside and asked & {stem(w) for w in words(set_aside[0])}:
            return True
        if _denies(kept) and asked & {stem(w) for w in words(kept)}:
            return True
    return False


def _denies(text: str) -> bool:
    found = {stem(w) for w in words(_NUMBERED.sub(" ", text))}
    return (
        bool(found & _DENIAL)
        or bool(NEGATION_SUFFIX.search(text))
        or bool(_RATHER_THAN.search(text))
        or bool(_DECLINED_TO.search(text))
    )


_STOP_STEMS = frozenset(stem(w) for w in STOPWORDS)
# where what a denial denies ends: "Yard cranes are automated, while quay cranes are not"
_CLAUSE_BREAK = re.compile(r"[,;:()\u2013\u2014“”\"]|\b(?:while|whereas|but|although|though)\b", re.IGNORECASE)
