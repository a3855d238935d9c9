"""The evidence that a candidate sentence answers a question, as numbers for the confidence model.

Every feature is measured the same way for every corpus and question; none decides alone. The
confidence model (`assistant.confidence`) learned how much each one counts from labelled
question sets, so a reworded question that shares few words with its answer, or a name typed
without accents, lowers the probability rather than ruling the sentence out.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from assistant.questions import (
    REQUIRED,
    Question,
    anchor_found,
    has_units,
    initials,
    slot_spans,
    thresholds,
    type_evidence,
    wh_noun,
)
from index.chunking import IndexedChunk
from index.lexical import STOPWORDS, stem, words

_YEAR = re.compile(r"\b(?:1[0-9]|20)\d\d\b")
_NEGATION = frozenset({"not", "never", "no", "without", "neither", "nor", "none", "nothing"})
NEGATION_SUFFIX = re.compile(r"n['’]t\b", re.I)
# A sentence that opens by pointing back ("Because of this, the air is free of smoke", "It was
# named after him") says what it is about, or why, in the sentence before it.
_REFERS_BACK = re.compile(
    r"(?:(?:because of|as a result of|owing to|due to|despite|for|after|by|in) (?:this|that|these|those|it)\b"
    r"|(?:this|these|those|that|such|it|its|they|their|them|he|she|his|her|thus|therefore|hence|consequently"
    r"|as a result|in practice|instead)\b)",
    re.I,
)

FEATURES = (
    "dense",
    "dense_gap",
    "fused",
    "lexical",
    "cov",
    "cov_ctx",
    "cov_para",
    "bigram",
    "miss",
    "miss_para",
    "anchors",
    "anchors_para",
    "no_anchors",
    "anchor_unknown",
    "numbers",
    "number_miss",
    "year_hit",
    "year_conflict",
    "type",
    "no_type",
    "type_missing",
    "unit_missing",
    "novel",
    "length",
    "fact",
    "pair",
    "refers_back",
    "caption",
    "negation",
    "slot",
    "slot_near",
    "wh_noun",
    "no_wh_noun",
    "position",
    "generic",
    "main_source",
    "other_subject",
    "type_figure",
    "type_name",
    "type_definition",
    "type_time",
    "type_reason",
    "figure_unanchored",
    "cov_rest",
)
# The same evidence counts differently by what is asked: a figure for "how many" is nearly proof,
# a capitalised name for "who" much less so.
_TYPE_GROUPS = {
    "type_figure": ("number", "percent", "duration"),
    "type_name": ("person", "role", "org", "place", "name"),
    "type_definition": ("expansion", "describe"),
    "type_time": ("date",),
    "type_reason": ("reason",),
}
# Measured against the question's other candidates: the best-covering sentence is more likely
# the answer than its absolute coverage alone says.
RELATIVE = ("cov", "cov_ctx", "cov_para", "bigram", "anchors", "type", "novel", "slot_near")
FEATURES = FEATURES + tuple(f"{name}_rel" for name in RELATIVE) + ("miss_rel",)


def add_relative(rows: list[dict[str, float]]) -> None:
    """Each candidate's features minus the best of its question's candidates (in place)."""
    if not rows:
        return
    for name in RELATIVE:
        best = max(r[name] for r in rows)
        for r in rows:
            r[f"{name}_rel"] = r[name] - best
    least = min(r["miss"] for r in rows)
    for r in rows:
        r["miss_rel"] = r["miss"] - least


@dataclass
class Candidate:
    """A sentence (or two adjacent ones, or a derived fact) that might answer the question."""

    chunk: IndexedChunk
    text: str  # what the answer says
    start: int  # quote span in the source text
    end: int
    dense: float
    rank: int = 0  # fused rank of its chunk
    lexical: bool = False  # its chunk was among the BM25 hits
    pair: bool = False  # a sentence together with the one before it
    features: dict = field(default_factory=dict)
    prob: float = 0.0

    @property
    def source_id(self) -> str:
        return self.chunk.source_id


@dataclass(frozen=True)
class QuestionEvidence:
    """What is measured once per question: its terms, numbers, years, names the corpus lacks; its
    term weights once per source a candidate comes from (`source_weights`)."""

    q: Question
    terms: frozenset[str]
    bigrams: frozenset[tuple[str, str]]
    numbers: frozenset[str]
    years: frozenset[str]
    negated: bool
    unknown_anchor: bool
    stems: frozenset[str]
    wh_noun: str | None
    generic: frozenset[str]  # "the corridor": a subject named by its kind only
    rest: frozenset[str]  # the question's own terms outside its names: what it asks about them
    names: frozenset[str]  # the words of the names the question asks about
    corpus: object = field(repr=False, compare=False)
    _by_source: dict = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def of(cls, q: Question, corpus) -> QuestionEvidence:
        own = [t for t in q.own_terms if not t[:1].isdigit()]
        numbers = {w for w in q.asked if w[:1].isdigit()} & set(words(q.text)) - thresholds(q.text, q.form)
        years = {n for n in numbers if _YEAR.fullmatch(n)}
        return cls(
            q=q,
            terms=frozenset(q.terms),
            bigrams=frozenset(zip(own, own[1:], strict=False)),
            numbers=frozenset(numbers - years),
            years=frozenset(years),
            negated=_is_negated(q.text),
            unknown_anchor=any(not corpus.knows(a) for a in q.anchors),
            stems=frozenset(stem(w) for w in q.asked),
            wh_noun=wh_noun(q.text),
            generic=corpus.generic_heads(q.text),
            rest=frozenset(own) - {stem(w) for anchor in q.anchors for w in anchor},
            names=frozenset(w for anchor in q.anchors for w in anchor if not w[:1].isdigit()),
            corpus=corpus,
        )

    def source_weights(self, source_id: str) -> tuple[dict[str, float], float, float]:
        """The question's term weights as one source's own statistics give them (`Corpus.source_idf`),
        their total and the weight of a term the source never holds: what a candidate covers is
        then measured the same however many other documents the index holds."""
        got = self._by_source.get(source_id)
        if got is None:
            idf = self.corpus.source_idf(source_id)
            weights = term_weights(self.q, idf)
            max_idf = idf("\0") or 1.0  # a term the source never holds
            got = self._by_source[source_id] = (weights, sum(weights.values()) or 1.0, max_idf)
        return got

    def coverage(self, stems: set[str] | frozenset[str], source_id: str) -> float:
        weights, total, _ = self.source_weights(source_id)
        return sum(w for t, w in weights.items() if t in stems) / total

    def worst_missing(self, stems: set[str] | frozenset[str], source_id: str) -> float:
        """The rarest question term the text lacks, as a share of the rarest possible (0: none lacking)."""
        weights, _, max_idf = self.source_weights(source_id)
        missing = [w for t, w in weights.items() if t not in stems]
        return max(missing, default=0.0) / max_idf


def term_weights(q: Question, idf) -> dict[str, float]:
    """Each question term's weight: its `idf`, and a follow-up's own words decide; the earlier
    question only steers ("Who built the platform those products come from?" is about building,
    not about the products again)."""
    own_terms = set(q.own_terms)
    return {t: idf(t) * (1.0 if t in own_terms else 0.3) for t in q.terms}


def _other_subject(ev: QuestionEvidence, claim: str, title: str, corpus) -> bool:
    """The candidate is about another one of the kind asked about: "the corridor" is the main
    source's corridor, and this sentence names a different corridor."""
    for name in corpus.subjects(f"{claim} {title}"):
        head = name.split()[-1]
        if head in ev.generic and name not in corpus.main_names:
            return True
    return False


def _is_negated(text: str) -> bool:
    return bool(_NEGATION & set(words(text))) or bool(NEGATION_SUFFIX.search(text))


def _content_stems(tokens: list[str]) -> list[str]:
    return [stem(w) for w in tokens if w not in STOPWORDS and not w[:1].isdigit()]


_WORD = re.compile(r"\w+")


def _nearness(text: str, slots: list[tuple[int, int]], ev: QuestionEvidence) -> float:
    """How close an answer-shaped span sits to the question's own words in the sentence (1: adjacent)."""
    anchors = [m.start() for m in _WORD.finditer(text) if stem(m.group().lower()) in ev.terms]
    if not anchors:
        return 0.0
    distance = min(min(abs(a - s), abs(a - e)) for s, e in slots for a in anchors)
    return 1.0 / (1.0 + distance / 40.0)


def _sentence_index(text: str, p_start: int, start: int) -> int:
    """0 for a paragraph's first sentence: openings state what a paragraph is about."""
    return len(re.findall(r"[.!?]\s", text[p_start:start]))


@dataclass(frozen=True)
class _SpanWords:
    """What `measure` reads of a candidate that does not depend on the question, kept per span:
    the same sentences come back question after question."""

    claim: str
    tokens: tuple[str, ...]
    sentence: frozenset[str]
    sentence_stems: frozenset[str]
    paragraph: tuple[int, int]
    context_stems: frozenset[str]
    paragraph_words: frozenset[str]
    paragraph_stems: frozenset[str]
    sentence_initials: frozenset[str]
    paragraph_initials: frozenset[str]
    # the words that name what the candidate is about: a fact's statement alone, not the span it came
    # from ("Indonesia ... 12 percent" is not about Thailand, though its "respectively" list names it)
    named: frozenset[str]
    named_initials: frozenset[str]
    years: frozenset[str]
    bigrams: frozenset[tuple[str, str]]
    content: frozenset[str]


def _span_words(cand: Candidate, corpus) -> _SpanWords:
    fact = cand.chunk.kind == "fact"
    key = ("measure", cand.source_id, cand.start, cand.end, cand.chunk.id if fact else "")
    return corpus.memo(key, lambda: _read_span(cand, corpus))


def _read_span(cand: Candidate, corpus) -> _SpanWords:
    text = corpus.source_text(cand.source_id)
    claim = cand.text
    if cand.chunk.kind == "fact":  # a fact's claim is its statement plus the span it was derived from
        claim = f"{cand.text} {text[cand.chunk.start : cand.chunk.end]}"
        tokens = corpus.text_tokens(claim)
        sentence_initials = initials(claim)
    else:
        tokens = corpus.span_tokens(cand.source_id, cand.start, cand.end)
        sentence_initials = corpus.span_initials(cand.source_id, cand.start, cand.end)
    sentence = frozenset(tokens)
    p_start, p_end = corpus.paragraph_bounds(cand.source_id, cand.start, cand.end)
    before_start = max(p_start, cand.start - 300)
    title_words = corpus.title_words(cand.source_id)
    context_words = sentence | corpus.span_words(cand.source_id, before_start, cand.start) | title_words
    stems_in_order = _content_stems(tokens)
    return _SpanWords(
        claim=claim,
        tokens=tokens,
        sentence=sentence,
        sentence_stems=frozenset(stem(w) for w in sentence),
        paragraph=(p_start, p_end),
        context_stems=frozenset(stem(w) for w in context_words),
        paragraph_words=corpus.span_words(cand.source_id, p_start, p_end) | title_words | sentence,
        paragraph_stems=corpus.span_stems(cand.source_id, p_start, p_end) | {stem(w) for w in title_words},
        sentence_initials=frozenset(sentence_initials),
        named=frozenset(corpus.text_tokens(cand.text)) if cand.chunk.kind == "fact" else sentence,
        named_initials=frozenset(initials(cand.text) if cand.chunk.kind == "fact" else sentence_initials),
        paragraph_initials=frozenset(
            corpus.span_initials(cand.source_id, p_start, p_end) | corpus.title_initials(cand.source_id)
        ),
        years=frozenset(_YEAR.findall(claim)),
        bigrams=frozenset(zip(stems_in_order, stems_in_order[1:], strict=False)),
        content=frozenset(stems_in_order),
    )


def measure(ev: QuestionEvidence, cand: Candidate, corpus, best_dense: float) -> dict[str, float]:
    """All features of one candidate (see `FEATURES`)."""
    return measure_text(ev, cand, corpus) | measure_dense(cand, best_dense)


def measure_dense(cand: Candidate, best_dense: float) -> dict[str, float]:
    """The features that need the query's embedding and the fused ranking: its similarity to the
    candidate, against the best candidate's, and the candidate's rank."""
    return {"dense": cand.dense, "dense_gap": cand.dense - best_dense, "fused": 1.0 / (1.0 + cand.rank)}


def text_key(cand: Candidate) -> tuple:
    """What `measure_text` reads of a candidate: the same key, the same features."""
    return (cand.chunk.id, cand.start, cand.end, cand.pair, cand.lexical)


def measure_text(ev: QuestionEvidence, cand: Candidate, corpus) -> dict[str, float]:
    """Every feature but `measure_dense`'s: what the question's words, names and type find in the
    candidate's text, its paragraph and its source. They do not need the query's embedding, so
    they can be measured while it is computed (`ExtractiveAnswerer.premeasure`)."""
    q = ev.q
    source = corpus.sources.get(cand.source_id)
    title = source.source.title if source else ""
    published = source.source.published if source else ""
    text = corpus.source_text(cand.source_id)
    span = _span_words(cand, corpus)
    claim, tokens, sentence, sentence_stems = span.claim, span.tokens, span.sentence, span.sentence_stems
    p_start, p_end = span.paragraph
    context_stems, paragraph_stems, paragraph_words = span.context_stems, span.paragraph_stems, span.paragraph_words

    in_sentence = in_paragraph = 0
    if q.anchors:
        for anchor in q.anchors:
            if anchor_found(anchor, span.named, span.named_initials):
                in_sentence += 1
                in_paragraph += 1
            elif anchor_found(anchor, paragraph_words, span.paragraph_initials):
                in_paragraph += 1
    n_anchors = max(len(q.anchors), 1)

    sentence_years = span.years
    dated = sentence_years or ({published[:4]} - {""})  # "this year" means the year it was published
    year_hit = bool(ev.years & (dated | {cand.chunk.as_of[:4]}))
    bigrams, content = span.bigrams, span.content
    type_score = None
    if q.answer_type is not None:
        typed_text = text[cand.start : cand.end] if q.answer_type == "expansion" else cand.text
        type_score = type_evidence(q.answer_type, typed_text, q.asked, q.text, ev.names)
    slot_text = text[cand.start : cand.end] if q.answer_type == "expansion" else cand.text
    slots = slot_spans(q.answer_type, slot_text, q.asked, ev.names, q.text)
    return {
        "slot": 0.5 if q.answer_type is None else float(bool(slots)),
        "slot_near": _nearness(slot_text, slots, ev) if slots else 0.0,
        "wh_noun": float(ev.wh_noun is not None and ev.wh_noun in context_stems),
        "no_wh_noun": float(ev.wh_noun is None),
        "position": 1.0 / (1.0 + _sentence_index(text, p_start, cand.start)),
        **{
            group: (type_score if q.answer_type in kinds and type_score is not None else 0.0)
            for group, kinds in _TYPE_GROUPS.items()
        },
        # a figure is about what its sentence names: "What share comes from Laos?" is not answered
        # by a sentence giving Thailand's share, however close the rest is
        "figure_unanchored": float(q.answer_type in ("number", "percent") and bool(q.anchors))
        * (1.0 - in_sentence / n_anchors),
        "generic": float(bool(ev.generic)),
        "main_source": float(bool(ev.generic) and cand.source_id == corpus.main_source()),
        "other_subject": float(bool(ev.generic) and _other_subject(ev, claim, title, corpus)),
        "lexical": float(cand.lexical),
        "cov": ev.coverage(sentence_stems, cand.source_id),
        # what is asked about the names, each word alike: "When did Lenard die?" is not answered by
        # a sentence about Lenard that never says "die", however rare his name makes the rest
        "cov_rest": len(ev.rest & sentence_stems) / len(ev.rest) if ev.rest else 1.0,
        "cov_ctx": ev.coverage(context_stems, cand.source_id),
        "cov_para": ev.coverage(paragraph_stems, cand.source_id),
        "bigram": len(ev.bigrams & bigrams) / len(ev.bigrams) if ev.bigrams else 0.0,
        "miss": ev.worst_missing(context_stems, cand.source_id),
        "miss_para": ev.worst_missing(paragraph_stems, cand.source_id),
        "anchors": in_sentence / n_anchors,
        "anchors_para": in_paragraph / n_anchors,
        "no_anchors": float(not q.anchors),
        "anchor_unknown": float(ev.unknown_anchor),
        "numbers": len(ev.numbers & sentence) / len(ev.numbers) if ev.numbers else 0.0,
        "number_miss": float(bool(ev.numbers) and not ev.numbers & sentence),
        "year_hit": float(year_hit),
        "year_conflict": float(bool(ev.years) and bool(sentence_years) and not ev.years & sentence_years),
        "type": 0.5 if type_score is None else type_score,
        "no_type": float(type_score is None),
        # a date asked for is missing when nothing could fill its slot: a right answer to "when"
        # almost always holds a year, a month or a century (96% on the training sets)
        "type_missing": float(q.answer_type in REQUIRED and not type_score or q.answer_type == "date" and not slots),
        "unit_missing": float(bool(q.units) and not has_units(q.units, cand.text)),
        "novel": len(content - ev.stems) / len(content) if content else 0.0,
        "length": math.log1p(len(tokens)) / 4.0,
        "fact": float(cand.chunk.kind == "fact"),
        "pair": float(cand.pair),
        "refers_back": float(bool(_REFERS_BACK.match(cand.text.lstrip()))),
        "caption": float(cand.chunk.kind == "caption"),
        "negation": float(ev.negated != (bool(_NEGATION & sentence) or bool(NEGATION_SUFFIX.search(claim)))),
    }
