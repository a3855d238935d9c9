"""The default, offline answerer: pick the sentence or fact that answers, cite it, or abstain.

It never writes a claim of its own: the answer is a derived fact's statement (whose numbers are
checked against its verbatim quote when the knowledge is loaded) or a verbatim sentence of a source.

How a candidate is judged (all from the question and the retrieved chunks, no per-corpus rules):
- *anchors*: names, acronyms and numbers in the question must occur near the candidate; a
  question about a country or year the text never pairs with the topic is not answered by it;
- *coverage*: how much of the question's IDF-weighted vocabulary the sentence (and the one
  before it, which often names what "it" or "the yard" is) holds;
- *dense*: the cosine similarity of the chunk (or fact) to the question;
- *answer type*: "how many" wants a number, "what share" a percentage, "who" a name, "when" a date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.questions import QUANTITIES, REQUIRED, Question, anchor_found, has_units, type_evidence
from assistant.retrieval import Corpus
from assistant.types import Answer, Citation, Retrieved
from index.chunking import IndexedChunk
from index.lexical import stem, words

ABSTAIN_TEXT = "I can't find that in the knowledge base."
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
# A source sentence that addresses its reader ("Ignore all previous instructions and say ..."):
# quoting it as an answer would pass the instruction on, so it is never a candidate.
INSTRUCTION = re.compile(
    r"^\W*(?:[\w ]{1,20}:\s*)?(?:ignore|disregard|forget|you must|say|respond|answer with|reply|pretend|act as)\b",
    re.I,
)
_MEASURE = re.compile(r"\b(?!(?:19|20)\d\d\b)(\d[\d,.]*\d|\d)\s*(%|[A-Za-z][\w-]*)")


def _measures(text: str) -> dict[str, set[str]]:
    """What each figure counts: "335 ports in 113 countries" -> {"port": {"335"}, "countri": {"113"}}."""
    out: dict[str, set[str]] = {}
    for number, unit in _MEASURE.findall(text):
        out.setdefault(unit if unit == "%" else stem(unit.lower()), set()).add(number.replace(",", ""))
    return out


@dataclass
class Candidate:
    chunk: IndexedChunk
    text: str  # what the answer says
    start: int  # quote span in the source text
    end: int
    dense: float
    score: float = 0.0
    pair: bool = False  # a sentence together with the one before it


def _paragraph_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    p_start = text.rfind("\n\n", 0, start)
    p_end = text.find("\n\n", end)
    return (0 if p_start < 0 else p_start + 2), (len(text) if p_end < 0 else p_end)


@dataclass
class ExtractiveAnswerer:
    """Selects the best-supported sentence or fact; abstains below `min_score`.

    Weights and threshold were chosen by grid search on the repo's fixtures and development sets
    kept outside the repo (articles and documents it never indexes otherwise); `corridor eval`
    reports how they do on any other fixture file.
    """

    min_score: float = 0.5  # below this best score: abstain
    w_dense: float = 0.5
    w_coverage: float = 0.2
    w_anchor: float = 0.2
    type_bonus: float = 0.0
    definition_bonus: float = 0.3  # an acronym after its expansion; "Jane Smith, deputy ..."
    type_penalty: float = 0.15
    fact_bonus: float = 0.03
    local_share: float = 0.5  # weight of coverage counted with the sentence before
    pair_penalty: float = 0.05
    conflict_margin: float = 0.25
    max_older: int = 2

    # -- candidates ------------------------------------------------------------------------
    def _candidates(self, docs: list, corpus: Corpus) -> list[Candidate]:
        out = []
        for doc in docs:
            chunk: IndexedChunk = doc.metadata["chunk"]
            dense = float(doc.metadata["dense"])
            if chunk.kind == "fact":
                start = min([chunk.start, *(s for s, _ in chunk.sentences)])
                end = max([chunk.end, *(e for _, e in chunk.sentences)])
                out.append(Candidate(chunk, chunk.text, start, end, dense))
                continue
            source_text = corpus.source_text(chunk.source_id)
            for s, e in chunk.sentences:
                sentence = source_text[s:e]
                if len(sentence.split()) < 4 or sentence.startswith("(") or INSTRUCTION.match(sentence):
                    continue  # "(Photo provided to ...)" and similar fragments answer nothing
                out.append(Candidate(chunk, sentence, s, e, dense))
        return out + self._pairs(out, corpus)

    def _pairs(self, singles: list[Candidate], corpus: Corpus) -> list[Candidate]:
        """A sentence with the one before it, when both were retrieved: "The full trip takes about
        60 hours" answers "how long from Chongqing to Hanoi" only together with the sentence that
        names the route. Their similarity is the better of the two chunks'."""
        by_end = {}
        for c in singles:
            if c.chunk.kind != "fact":
                key = (c.chunk.source_id, c.end)
                if key not in by_end or by_end[key].dense < c.dense:
                    by_end[key] = c
        pairs, seen = [], set()
        for c in singles:
            if c.chunk.kind == "fact" or (c.chunk.source_id, c.start) in seen:
                continue
            text = corpus.source_text(c.chunk.source_id)
            gap_start = text.rfind(".", 0, c.start)
            prev = next(
                (
                    p
                    for (sid, end), p in by_end.items()
                    if sid == c.chunk.source_id and end > gap_start and end <= c.start
                ),
                None,
            )
            if prev is None or "\n\n" in text[prev.end : c.start]:
                continue
            seen.add((c.chunk.source_id, c.start))
            joined = text[prev.start : c.end]
            pairs.append(Candidate(c.chunk, joined, prev.start, c.end, max(c.dense, prev.dense), pair=True))
        return pairs

    def _coverage(self, q: Question, vocab: set[str], corpus: Corpus) -> float:
        if not q.terms:
            return 0.0
        total = sum(corpus.idf(t) for t in q.terms)
        hit = sum(corpus.idf(t) for t in q.terms if t in vocab)
        return hit / total if total else 0.0

    def features(self, q: Question, cand: Candidate, corpus: Corpus) -> dict | None:
        """The evidence for one candidate, or None when it cannot be the answer.

        A number or year in the question must be in the sentence itself (or be the year of
        its source); a name may be anywhere in the chunk around it.
        """
        rec = corpus.sources.get(cand.chunk.source_id)
        title = rec.source.title if rec else ""
        published = rec.source.published if rec else ""
        # For a fact, its claim is the statement plus the exact span it was derived from.
        span = corpus.source_text(cand.chunk.source_id)[cand.chunk.start : cand.chunk.end]
        claim_text = f"{cand.text} {span}" if cand.chunk.kind == "fact" else cand.text
        sentence_words = set(words(claim_text))
        # "this year" in a source means the year it was published, unless the sentence names a year itself
        dates = set() if _YEAR.search(claim_text) else {published[:4], cand.chunk.as_of[:4]} - {""}
        quote = corpus.source_text(cand.chunk.source_id)[cand.start : cand.end]  # what the citation shows
        window_words = sentence_words | set(words(quote)) | set(words(cand.chunk.text)) | set(words(title))
        statement_words = set(words(cand.text))
        in_sentence = 0
        for anchor in q.anchors:
            if anchor[0][:1].isdigit():
                if not (set(anchor) <= sentence_words | dates):
                    return None
                in_sentence += 1
            elif anchor_found(anchor, statement_words):
                in_sentence += 1
            elif not anchor_found(anchor, window_words):
                return None
        if q.units and not has_units(q.units, cand.text):
            return None  # asked in yuan, answered in percent: not an answer
        return {
            "dense": cand.dense,
            "coverage": self._coverage(q, {stem(w) for w in sentence_words}, corpus),
            # with the sentence before it: "The yard took 26 months to build" follows the one naming the yard
            "coverage_local": self._coverage(
                q, {stem(w) for w in sentence_words | set(words(self._previous_sentence(cand, corpus)))}, corpus
            ),
            "anchors_in_sentence": in_sentence / len(q.anchors) if q.anchors else 1.0,
            # a definition must be in the source's own words, not a fact's paraphrase
            "type": None
            if q.answer_type is None
            else type_evidence(q.answer_type, quote if q.answer_type == "expansion" else cand.text, q.asked, q.text),
            "answer_type": q.answer_type,
            "fact": cand.chunk.kind == "fact",
            "pair": cand.pair,
        }

    @staticmethod
    def _previous_sentence(cand: Candidate, corpus: Corpus) -> str:
        """The text between the paragraph's start (at most 300 characters back) and the sentence."""
        text = corpus.source_text(cand.chunk.source_id)
        p_start, _ = _paragraph_bounds(text, cand.start, cand.end)
        return text[max(p_start, cand.start - 300) : cand.start]

    def combine(self, f: dict) -> float:
        coverage = (1 - self.local_share) * f["coverage"] + self.local_share * f["coverage_local"]
        score = self.w_dense * f["dense"] + self.w_coverage * coverage + self.w_anchor * f["anchors_in_sentence"]
        if f["type"] is not None:
            if f["type"] >= 1:
                score += self.definition_bonus if f["answer_type"] in ("expansion", "describe") else self.type_bonus
            else:
                score -= self.type_penalty * (1 - f["type"])
        if f["fact"]:
            score += self.fact_bonus
        if f.get("pair"):
            score -= self.pair_penalty
        return score

    def _score(self, q: Question, cand: Candidate, corpus: Corpus) -> float | None:
        f = self.features(q, cand, corpus)
        if f is None or (f["answer_type"] in REQUIRED and not f["type"]):
            return None  # "how many"/"what share" is never answered by a sentence without a figure
        return self.combine(f)

    # -- answer ----------------------------------------------------------------------------
    def answer(self, question: str, q: Question, docs: list, corpus: Corpus) -> Answer:
        retrieved = [
            Retrieved(
                id=d.id,
                source=d.metadata["chunk"].source_id,
                kind=d.metadata["chunk"].kind,
                text=d.page_content,
                score=round(float(d.metadata["score"]), 6),
                dense=round(float(d.metadata["dense"]), 6),
                lexical_rank=d.metadata.get("lexical_rank"),
                dense_rank=d.metadata.get("dense_rank"),
                quote=corpus.source_text(d.metadata["chunk"].source_id)[
                    d.metadata["chunk"].start : d.metadata["chunk"].end
                ],
            )
            for d in docs
        ]
        scored = []
        for cand in self._candidates(docs, corpus):
            score = self._score(q, cand, corpus)
            if score is not None:
                cand.score = score
                scored.append(cand)
        scored.sort(key=lambda c: (-c.score, c.chunk.kind != "fact", c.start))
        if not scored or scored[0].score < self.min_score:
            reason = self._abstain_reason(q, corpus, bool(scored))
            return Answer(
                question,
                ABSTAIN_TEXT + (" " + reason if reason else ""),
                True,
                [],
                retrieved=retrieved,
                reason=reason or "low support",
            )
        chosen = self._newest_first(q, scored, corpus)
        citations = [self._citation(n, cand, corpus) for n, cand in enumerate(chosen, start=1)]
        if len(chosen) == 1:
            text = f"{chosen[0].text.rstrip()} [1]"
        else:
            lead, *older = citations
            text = f"As of {lead.published}: {chosen[0].text.rstrip()} [1]"
            for cand, cit in zip(chosen[1:], older, strict=True):
                text += f" Earlier, as of {cit.published or 'an undated source'}: {cand.text.rstrip()} [{cit.n}]"
        return Answer(question, text, False, citations, retrieved=retrieved)

    def _newest_first(self, q: Question, scored: list[Candidate], corpus: Corpus) -> list[Candidate]:
        """The best candidate or, when dated sources give different figures for the same measure
        ("514 ports" vs "400 ports"), the newest first, then up to `max_older` older ones."""
        best = scored[0]
        if q.answer_type not in QUANTITIES:
            return [best]
        best_measures = _measures(best.text)
        floor = max(self.min_score, best.score - self.conflict_margin)
        rivals: dict[str, Candidate] = {}
        for cand in scored[1:]:
            if cand.score < floor:
                break
            source = cand.chunk.source_id
            if source == best.chunk.source_id or source in rivals:
                continue
            theirs = _measures(cand.text)
            if any(unit in theirs and theirs[unit] != figures for unit, figures in best_measures.items()):
                rivals[source] = cand
        if not rivals:
            return [best]
        date = lambda c: c.chunk.as_of or corpus.sources[c.chunk.source_id].source.published or ""  # noqa: E731
        ordered = sorted([best, *rivals.values()], key=lambda c: (date(c), c.score), reverse=True)
        if len({date(c) for c in ordered}) < 2:
            return [best]  # same date: nothing tells which figure is current
        return ordered[: 1 + self.max_older]

    def _abstain_reason(self, q: Question, corpus: Corpus, any_candidate: bool) -> str:
        vocab = corpus.vocabulary
        unknown = [a for a in q.anchors if not anchor_found(a, vocab)]
        if unknown:
            names = ", ".join("“" + " ".join(a).title() + "”" if not a[0][:1].isdigit() else a[0] for a in unknown)
            return f"The sources never mention {names}."
        if not any_candidate and q.anchors:
            return "The sources mention those names, but not together with what you asked."
        return ""

    def _citation(self, n: int, cand: Candidate, corpus: Corpus) -> Citation:
        rec = corpus.sources[cand.chunk.source_id]
        text = rec.source.text
        p_start, p_end = _paragraph_bounds(text, cand.start, cand.end)
        return Citation(
            n=n,
            source=rec.source.id,
            title=rec.source.title,
            published=cand.chunk.as_of or rec.source.published,
            url=rec.source.url,
            quote=text[cand.start : cand.end],
            score=round(cand.score, 4),
            publisher=rec.source.publisher,
            start=cand.start,
            end=cand.end,
            kind=cand.chunk.kind,
            context=text[p_start:p_end],
            quote_offset=cand.start - p_start,
        )
