"""The default, offline answerer: quote what answers, compose when one sentence is not enough, or abstain.

It never writes a claim of its own: an answer is a verbatim source sentence, a derived fact's
statement (checked against its quote), or a composition of those with a few fixed words ("Yes.",
"the largest of the figures the sources give"), every part cited.

1. Candidates: the sentences of the retrieved chunks, each with the sentence before it when both
   were retrieved, and derived facts.
2. Each gets a calibrated probability of holding the answer (`assistant.confidence`) from the
   evidence `assistant.features` measures; none of that evidence is a veto on its own.
3. The question's form decides the composition: one sentence (plus a second one when it covers
   what the first leaves out), a list of items from several sentences, a comparison of figures of
   the same measure (or of two named options, each by its own sentence), yes/no with its
   evidence, a summary of the most relevant sentences, or facts about the sources themselves.
4. Below `min_confidence` it abstains, names a name the sources never mention exactly as the user
   typed it, and shows the closest passages as related passages, not as an answer.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field, replace

from assistant.confidence import Model, load_model
from assistant.features import (
    Candidate,
    QuestionEvidence,
    add_relative,
    measure_dense,
    measure_text,
    text_key,
)
from assistant.questions import FORMS, QUANTITIES, Question, given_figure, offered_options
from assistant.retrieval import Corpus
from assistant.types import Answer, Citation, Retrieved
from assistant.verdict import (
    NUMBER,
    VerdictModel,
    load_verdict_model,
    number_value,
    rule_verdict,
    verdict_features,
    verdict_signals,
)
from index.lexical import CAPITAL_LETTERS, STOPWORDS, stem, words

ABSTAIN_TEXT = "I can't find that in the knowledge base."
NOT_SAID_TEXT = "The sources don't say."
# A source sentence that addresses its reader ("Ignore all previous instructions and say ..."):
# quoting it as an answer would pass the instruction on, so it is never a candidate.
INSTRUCTION = re.compile(
    r"^\W*(?:[\w ]{1,20}:\s*)?(?:ignore|disregard|forget|you must|say|respond|answer with|reply|pretend|act as)\b",
    re.I,
)
_MEASURE = re.compile(r"\b(?!(?:19|20)\d\d\b)(\d[\d,.]*\d|\d)\s*(%|[A-Za-z][\w-]*)")
_SUPERLATIVE_MIN = re.compile(
    r"\b(?:smallest|lowest|least|fewest|shortest|oldest|earliest|slowest|lightest|poorest)\b", re.I
)
_COMPARATIVE_MIN = re.compile(r"\b(?:less|fewer|smaller|lower|shorter|older|earlier|slower|lighter|poorer)\b", re.I)
_YEAR_OR_DECADE = re.compile(r"\b(?:1\d{3}|20\d\d)(?=s?\b)")  # "1825", and "the 1280s" (from 1280)


def _measures(text: str) -> dict[str, set[str]]:
    """What each figure counts: "335 ports in 113 countries" -> {"port": {"335"}, "countri": {"113"}}."""
    out: dict[str, set[str]] = {}
    for number, unit in _MEASURE.findall(text):
        out.setdefault(unit if unit == "%" else stem(unit.lower()), set()).add(number.replace(",", ""))
    return out


@dataclass
class Composed:
    """What an answer says and the candidates it cites, in citation order."""

    text: str
    cited: list[Candidate]
    kind: str
    confidence: float


@dataclass(frozen=True)
class Premeasured:
    """Text features measured ahead of the answer (`ExtractiveAnswerer.premeasure`), valid for
    one question over one corpus generation."""

    corpus: Corpus
    evidence: QuestionEvidence
    features: dict  # text_key(candidate) -> measure_text(...)


@dataclass
class ExtractiveAnswerer:
    """Answers from the retrieved chunks with a calibrated confidence; abstains below `min_confidence`.

    The thresholds were chosen on development question sets (training/) so that a wrong answer
    stays rarer than an abstention; `corridor eval` reports both rates on any fixture file.
    """

    min_confidence: float = 0.55  # best candidate below this: abstain (`Settings.min_confidence`)
    extra_confidence: float = 0.5  # a second sentence, list item or summary sentence needs this much
    extra_coverage: float = 0.2  # ... and must cover this much of the question the first one does not
    max_items: int = 4
    beside_previous_confidence: float = 0.4  # a follow-up's answer quoted in or beside the previous answer
    conflict_floor: float = 0.05  # an older figure of the same measure and subject needs this much
    # "Yes" or "No" needs this probability of being right with its sentence (`assistant.verdict`);
    # below it, "the sources don't say"
    verdict_confidence: float = 0.5
    max_older: int = 2
    # candidates this likely about two or more other subjects than the main one: a bare "the
    # corridor" means none of them (`_about_the_main_subject`)
    rival_floor: float = 0.3
    # how much less probable a candidate may be and still count as tied with the best one
    # (`_widened`, `_restatement_first`)
    near_tie: float = 0.05
    # how many of the best candidates are read for a yes/no verdict
    verdict_depth: int = 3
    # "5,000 of what?": the sentence holding that very figure needs only this much (`_figure_meaning`)
    figure_floor: float = 0.2
    related_passages: int = 3
    model: Model | None = field(default=None, repr=False)
    verdicts: VerdictModel | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        if self.model is None:
            self.model = load_model()
        if self.verdicts is None:
            self.verdicts = load_verdict_model()

    # -- candidates ------------------------------------------------------------------------
    def candidates(self, docs: list, corpus: Corpus, q: Question | None = None) -> list[Candidate]:
        """Sentences of the retrieved chunks (and adjacent pairs), and facts; each once. For a "why"
        question `q`, every sentence also paired with the ones beside it in its paragraph,
        retrieved or not: the sentence that restates the question is found, and the
        cause is in the next one ("In practice this hardly ever happens. The atom recoils ...") or
        the one before ("Because of this, the air is free of smoke")."""
        out: dict[tuple, Candidate] = {}
        for rank, doc in enumerate(docs):
            chunk = doc.metadata["chunk"]
            dense = float(doc.metadata["dense"])
            lexical = doc.metadata.get("lexical_rank") is not None
            if chunk.kind == "fact":
                start = min([chunk.start, *(s for s, _ in chunk.sentences)])
                end = max([chunk.end, *(e for _, e in chunk.sentences)])
                statement = chunk.text
                if statement.rstrip().endswith(":"):  # "The Registan is framed ... by madrasas:" and its list
                    source_text = corpus.source_text(chunk.source_id)
                    block_end = _list_block_end(source_text, end)
                    statement, end = statement + source_text[end:block_end], block_end
                out.setdefault(("fact", chunk.id), Candidate(chunk, statement, start, end, dense, rank, lexical))
                continue
            source_text = corpus.source_text(chunk.source_id)
            for s, e in chunk.sentences:
                sentence = source_text[s:e]
                if len(sentence.split()) < 3 or sentence.startswith("(") or INSTRUCTION.match(sentence):
                    continue  # "(Photo provided to ...)" and similar fragments answer nothing
                if sentence.rstrip().endswith(":"):  # "The main tasks are:" answers with the list below it
                    e = _list_block_end(source_text, e)
                    sentence = source_text[s:e]
                key = (chunk.source_id, s, e)
                known = out.get(key)
                if known is None or known.dense < dense:
                    out[key] = Candidate(
                        chunk, sentence, s, e, dense, min(rank, known.rank) if known else rank, lexical
                    )
        singles = list(out.values())
        pairs = self._pairs(singles, corpus)
        why = q is not None and q.answer_type == "reason"
        return singles + pairs + (self._neighbour_pairs(singles, pairs, corpus) if why else [])

    @staticmethod
    def _neighbour_pairs(singles: list[Candidate], pairs: list[Candidate], corpus: Corpus) -> list[Candidate]:
        """Each sentence with the one before and the one after it in its paragraph, where no pair
        of retrieved sentences already joins them."""
        known = {(c.source_id, c.start, c.end) for c in pairs}
        out = []
        for c in singles:
            if c.chunk.kind == "fact":
                continue
            text = corpus.source_text(c.source_id)
            for start, end in corpus.neighbours(c.source_id, c.start, c.end):
                if (c.source_id, start, end) in known or "\n\n" in text[start:end]:
                    continue
                known.add((c.source_id, start, end))
                out.append(Candidate(c.chunk, text[start:end], start, end, c.dense, c.rank, c.lexical, pair=True))
        return out

    @staticmethod
    def _pairs(singles: list[Candidate], corpus: Corpus) -> list[Candidate]:
        """A sentence with the one before it, when both were retrieved: "The full trip takes about
        60 hours" answers "how long from Chongqing to Hanoi" only together with the sentence that
        names the route."""
        by_end = {(c.source_id, c.end): c for c in singles if c.chunk.kind != "fact"}
        pairs = []
        for c in singles:
            if c.chunk.kind == "fact":
                continue
            text = corpus.source_text(c.source_id)
            gap = text[: c.start].rstrip()
            prev = by_end.get((c.source_id, len(gap)))
            if prev is None or "\n\n" in text[prev.end : c.start]:
                continue
            joined = text[prev.start : c.end]
            pairs.append(
                Candidate(
                    c.chunk,
                    joined,
                    prev.start,
                    c.end,
                    max(c.dense, prev.dense),
                    min(c.rank, prev.rank),
                    c.lexical or prev.lexical,
                    pair=True,
                )
            )
        return pairs

    def premeasure(self, q: Question, docs: list, corpus: Corpus) -> Premeasured:
        """The text features (`measure_text`) of the candidates in `docs`: run on the BM25 hits
        while the query's embedding is computed (`HybridSearch.search`'s `meanwhile`), so that
        `scored` measures only the candidates dense search adds."""
        ev = QuestionEvidence.of(q, corpus)
        return Premeasured(
            corpus,
            ev,
            {text_key(c): measure_text(ev, c, corpus) for c in self.candidates(docs, corpus, q)},
        )

    def scored(
        self, q: Question, docs: list, corpus: Corpus, premeasured: Premeasured | None = None
    ) -> list[Candidate]:
        """Candidates with their features and probability, most probable first."""
        cands = self.candidates(docs, corpus, q)
        if not cands:
            return []
        known: dict = {}
        if premeasured is not None and premeasured.corpus is corpus and premeasured.evidence.q is q:
            ev, known = premeasured.evidence, premeasured.features
        else:
            ev = QuestionEvidence.of(q, corpus)
        best_dense = max(c.dense for c in cands)
        for cand in cands:
            text = known.get(text_key(cand))
            cand.features = (dict(text) if text is not None else measure_text(ev, cand, corpus)) | measure_dense(
                cand, best_dense
            )
        add_relative([c.features for c in cands])
        for cand, prob in zip(cands, self.model.probabilities([c.features for c in cands]), strict=True):
            cand.prob = float(prob)
        cands.sort(key=lambda c: (-c.prob, c.chunk.kind != "fact", c.pair, c.start))
        return cands

    # -- answer ----------------------------------------------------------------------------
    def answer(
        self, question: str, q: Question, docs: list, corpus: Corpus, premeasured: Premeasured | None = None
    ) -> Answer:
        retrieved = _retrieved(docs, corpus)
        if q.form == "metadata":
            return self._metadata(question, q, docs, corpus, retrieved)
        scored = self.scored(q, docs, corpus, premeasured)
        composed = self.compose(q, scored, corpus)
        if composed is None:
            return self._abstain(question, q, scored, corpus, retrieved)
        citations = [self._citation(n, cand, corpus) for n, cand in enumerate(composed.cited, start=1)]
        return Answer(
            question,
            composed.text,
            False,
            citations,
            retrieved=retrieved,
            confidence=round(composed.confidence, 4),
            kind=composed.kind,
        )

    def ranked(self, scored: list[Candidate], corpus: Corpus) -> list[Candidate]:
        """`scored` as every composition reads it: none about other subjects when the question means
        the main one, and a sentence that restates another tied with it after it."""
        return _restatement_first(self._about_the_main_subject(scored, corpus), self.near_tie)

    def compose(self, q: Question, scored: list[Candidate], corpus: Corpus) -> Composed | None:
        """The answer for the question's form, or None to abstain."""
        scored = self.ranked(scored, corpus)
        if not scored:
            return None
        chosen = self._choice(q, scored)
        if chosen is not None:
            return chosen
        if q.form in ("superlative", "comparative"):
            best = scored[0]
            # "Who is Chongqing's largest trading partner?" is answered by a sentence saying so
            said = best.prob >= self.min_confidence and _says_superlative(q, best)
            if not said:
                compared = self._compare(q, scored, corpus)
                if compared is not None:
                    return compared
        if q.form == "figure":
            return self._figure_meaning(q, scored)
        if q.form == "yesno":
            return self._yes_no(q, scored, corpus)
        if q.form == "overview":
            return self._overview(q, scored, corpus)
        best = scored[0]
        floor = self.beside_previous_confidence if _beside_previous(q, best, corpus) else self.min_confidence
        if best.prob < floor or not _holds_an_option(q, best):
            return None
        plural = _plural_asked(q.text)  # "Which structures bear his name?"
        if q.form == "list" or (plural and not _enumerates(best.text)):
            return self._list(q, scored, corpus)
        chosen = self._newest_first(q, scored, corpus)
        if len(chosen) > 1:
            return self._dated(chosen, corpus)
        if q.answer_type == "reason":
            best = self._widened(best, scored, corpus)
        elif plural:  # "one of several ..." and them
            best = _with_items_after(best, corpus, plural)
        second = self._complement(q, best, scored)
        cited = sorted([best, second], key=lambda c: c.start) if second else [best]
        return Composed(_join(cited), cited, "sentence", best.prob)

    # -- compositions ---------------------------------------------------------------------------
    def _about_the_main_subject(self, scored: list[Candidate], corpus: Corpus) -> list[Candidate]:
        """A bare "the corridor" is the one the knowledge base is mainly about. A sentence about
        another one may still be what the user means (the one document they added about it), but
        not when the likely answers are about several others of the main subject's kind: then
        none of them is meant."""
        kinds = {name.split()[-1] for name in corpus.main_names}  # "corridor"
        others = {
            name
            for c in scored
            if c.prob >= self.rival_floor and c.features.get("other_subject")
            for name in _subjects(c, corpus) - corpus.main_names
            if name.split()[-1] in kinds
        }
        if len(others) < 2:
            return scored
        return [c for c in scored if not c.features.get("other_subject")]

    def _widened(self, best: Candidate, scored: list[Candidate], corpus: Corpus) -> Candidate:
        """The best answer to a "why" question joined with an overlapping candidate nearly as
        probable (a sentence and the one before or after it): which of them holds the cause is
        what the probabilities cannot tell ("In practice this hardly ever happens. Because the
        photon carries momentum ..."), and the union quotes both, at most three sentences."""
        if best.chunk.kind == "fact":
            return best
        near = [
            c
            for c in scored[1:8]
            if c.prob >= max(self.min_confidence, best.prob - self.near_tie)
            and _overlaps(c, best)
            and c.chunk.kind != "fact"
        ]
        if not near:
            return best
        # each is one sentence or two, and they share one: three sentences at most
        start, end = min(best.start, near[0].start), max(best.end, near[0].end)
        return replace(best, text=corpus.source_text(best.source_id)[start:end], start=start, end=end, pair=True)

    def _complement(self, q: Question, best: Candidate, scored: list[Candidate]) -> Candidate | None:
        """A second sentence, when it covers a good part of the question the first leaves out
        ("What did they agree to create, and how much trade should it bring?"). A question in two
        parts accepts a less confident second sentence than one that asks a single thing."""
        asked = [t for t in q.own_terms if not t[:1].isdigit()]
        best_forms = _forms(best.text)
        missing = [t for t in asked if not _covers(t, best_forms)]
        if not missing or len(asked) < 3:
            return None
        two_parts = bool(_TWO_PARTS.search(q.text))
        floor = self.extra_confidence * (0.4 if two_parts else 1.0)
        for cand in scored[1:8]:
            if cand.prob < floor or _overlaps(cand, best) or cand.source_id != best.source_id:
                continue
            forms = _forms(cand.text)
            gained = [t for t in missing if _covers(t, forms)]
            if len(gained) / len(asked) >= self.extra_coverage:
                return cand
        return None

    def _list(self, q: Question, scored: list[Candidate], corpus: Corpus) -> Composed:
        """Items: a confident sentence that enumerates them ("including Ningxia red wine, Lao coffee,
        Gansu wolfberry"), else every confident sentence that adds one, in source order, each cited."""
        confident = [c for c in scored if c.prob >= self.min_confidence]
        enumerating = [c for c in confident if _enumerates(c.text) and not c.pair]
        if enumerating:
            return Composed(_join([enumerating[0]]), [enumerating[0]], "list", enumerating[0].prob)
        best = scored[0]
        if best.chunk.fact_id.startswith("derived-respectively"):
            # one item of a "respectively" list: the list is the sentence it was split from
            whole = Candidate(
                best.chunk,
                corpus.source_text(best.source_id)[best.start : best.end],
                best.start,
                best.end,
                best.dense,
                prob=best.prob,
            )
            return Composed(_join([whole]), [whole], "list", best.prob)
        chosen = [best]
        for cand in scored[1:]:
            if len(chosen) >= self.max_items or cand.prob < max(self.extra_confidence, best.prob * 0.6):
                continue
            if any(_overlaps(cand, c) for c in chosen):
                continue
            chosen.append(cand)
        chosen.sort(key=lambda c: (c.source_id, c.start))
        if len(chosen) == 1:
            chosen = [_with_items_after(chosen[0], corpus, _plural_asked(q.text))]
        return Composed(_join(chosen), chosen, "list" if len(chosen) > 1 else "sentence", best.prob)

    def _overview(self, q: Question, scored: list[Candidate], corpus: Corpus) -> Composed | None:
        """A short extract: the opening sentences of the document asked about, or the most relevant
        sentences about the subject asked about, in source order."""
        document = re.search(
            r"\b(?:this|the)\s+(?:[\w-]+\s+)?(?:article|document|piece|story|report|text|page)\b", q.text, re.I
        )
        # "what the piece says about Chongqing's ties with Guangxi": the sentences about that
        aspect = document and re.search(r"\b(?:about|on|regarding|of)\s+(?!it\b)\w", q.text[document.end() :], re.I)
        if (document and not aspect) or not q.anchors:
            source_id = scored[0].source_id if scored else corpus.main_source()
            lead = corpus.lead_sentences(source_id, 3)
            if lead:
                cited = [_lead_candidate(corpus, source_id, s, e) for s, e in lead]
                return Composed(_join(cited), cited, "overview", scored[0].prob if scored else 0.0)
        confident = [c for c in scored if c.prob >= self.extra_confidence and not c.pair]
        if not confident:
            return None
        chosen: list[Candidate] = []
        for cand in confident:
            if len(chosen) < 3 and not any(_overlaps(cand, c) for c in chosen):
                chosen.append(cand)
        chosen.sort(key=lambda c: (c.source_id, c.start))
        return Composed(_join(chosen), chosen, "overview", confident[0].prob)

    def _figure_meaning(self, q: Question, scored: list[Candidate]) -> Composed | None:
        """ "5,000 of what?": the most probable of the best few candidates (`verdict_depth`, as many as
        are read for a contradiction) that holds the figure itself. The figure is as exact a clue as a
        name, so a lower probability than `min_confidence` will do."""
        figure = given_figure(q.text)
        for cand in scored[: self.verdict_depth]:
            held = {n.replace(",", "") for n in NUMBER.findall(cand.text)}
            if figure in held and cand.prob >= self.figure_floor:
                return Composed(_join([cand]), [cand], "sentence", cand.prob)
        return None

    def _yes_no(self, q: Question, scored: list[Candidate], corpus: Corpus) -> Composed | None:
        """ "Yes." or "No." with the sentence that decides it, or with the figures that do ("Does
        Thailand have the largest share?"); None ("the sources don't say") otherwise. Of the best
        few candidates, the one whose verdict is most probably right (`assistant.verdict`), when
        that is probable enough."""
        ranked = self._ranked_verdict(q, scored, corpus)
        if ranked is not None:
            return ranked
        options = []
        for depth, cand in enumerate(scored[: self.verdict_depth]):
            signals = verdict_signals(q, cand)
            verdict = rule_verdict(signals)
            if verdict is not None:
                p = self.verdicts.probability(verdict, verdict_features(signals, cand, depth))
                options.append((p, depth, verdict, cand))
        if not options:
            return None
        p, _, verdict, cand = max(options, key=lambda option: (option[0], -option[1]))
        if p < self.verdict_confidence:
            return None
        return Composed(f"{verdict}. {cand.text.strip()} [1]", [cand], "yes-no", p)

    def _ranked_verdict(self, q: Question, scored: list[Candidate], corpus: Corpus) -> Composed | None:
        """A polar question about a comparison of figures: "Yes" when the name it asks about is the
        one the figures of the same measure rank first, "No" otherwise, with the comparison."""
        form = next((name for name, pattern in FORMS if name in _RANKINGS and pattern.search(q.text)), None)
        if form is None:
            return None
        ranking = self._ranking(replace(q, form=form), scored, corpus)
        if ranking is None:
            return None
        ordered, smallest = ranking
        asked = [name for name, *_ in ordered if any(set(a) & set(words(name)) for a in q.anchors)]
        if not asked:
            return None
        subject = min(asked, key=lambda name: q.text.lower().find(words(name)[0]))
        verdict = "Yes" if subject == ordered[0][0] else "No"
        compared = _comparison(ordered, smallest)
        return replace(compared, text=f"{verdict}. {compared.text}", kind="yes-no")

    def _ranking(
        self, q: Question, scored: list[Candidate], corpus: Corpus
    ) -> tuple[list[tuple[str, float, str, Candidate]], bool] | None:
        """Figures of the same measure, date and source, the winner first, and whether the question
        asks for the smallest; None when there is nothing to compare or the first two tie."""
        figures = _figures(q, scored, self.extra_confidence, corpus)
        if len(figures) < 2:
            return None
        named = [f for f in figures if any(set(a) & set(words(f[0])) for a in q.anchors)]
        if q.form == "comparative" and len(named) >= 2:
            figures = named
        smallest = bool((_SUPERLATIVE_MIN if q.form == "superlative" else _COMPARATIVE_MIN).search(q.text))
        ordered = sorted(figures, key=lambda f: f[1], reverse=not smallest)
        if len(ordered) > 1 and ordered[1][1] == ordered[0][1]:
            return None  # a tie: nothing to name
        return ordered, smallest

    def _compare(self, q: Question, scored: list[Candidate], corpus: Corpus) -> Composed | None:
        """Name the winner among figures of the same measure, date and source, citing them."""
        ranking = self._ranking(q, scored, corpus)
        return None if ranking is None else _comparison(*ranking)

    def _choice(self, q: Question, scored: list[Candidate]) -> Composed | None:
        """ "Which is older, A or B?": each option's own sentence gives its figure (a year, or a
        figure with the same unit for both), the winner is named, and both sentences are quoted.
        A sentence naming both options is not used: it does not say which figure is whose. Of the
        sentences naming an option, the one that says most of what the question asks of both
        ("died") is its answer, even when it scores low: it is about half the question."""
        asked = _CHOICE.search(q.text)
        if asked is None:
            return None
        earlier, later = _EARLIER.search(q.text), _LATER.search(q.text)
        larger, smaller = _LARGER.search(q.text), _SMALLER.search(q.text)
        if (earlier or later) and not (larger or smaller):
            figure_of, smallest_wins = _year_of, bool(earlier)
        elif (larger or smaller) and not (earlier or later):
            asked_stems = {stem(w) for w in words(q.text)}
            figure_of, smallest_wins = (lambda text: _measure_of(text, asked_stems)), bool(smaller)
        else:
            return None
        names = [asked.group("a") or asked.group("a2"), asked.group("b") or asked.group("b2")]
        options = [_option_stems(names[0]), _option_stems(names[1])]
        if not all(options) or options[0] == options[1]:
            return None
        # an option is named by what sets it apart from the other ("Hội An's Ancient Town" by
        # "Ancient Town", beside "the Cù Lao Chàm–Hội An Biosphere Reserve")
        options = [options[0] - options[1] or options[0], options[1] - options[0] or options[1]]
        # what else the question says of both ("Who died first, ...?"): the sentence that says it
        # of an option is its answer, not any sentence naming the option with a year
        cues = {stem(w) for pattern in (_EARLIER, _LATER, _LARGER, _SMALLER) for w in pattern.findall(q.text.lower())}
        said = {stem(w) for w in words(q.text) if w not in STOPWORDS} - options[0] - options[1] - cues - _WHEN_WORDS
        found: list[tuple[int, float, str, Candidate] | None] = [None, None]
        for cand in scored[:_CHOICE_DEPTH]:
            if cand.prob < _CHOICE_FLOOR:
                break
            if cand.pair or "\n" in cand.text.strip():
                continue  # the figure must be in the sentence that names the option
            stems = {stem(w) for w in words(cand.text)}
            named = [i for i, option in enumerate(options) if option <= stems]
            if len(named) != 1:
                continue
            figure = figure_of(cand.text)
            shared = len(said & stems)
            known = found[named[0]]
            # a sentence about one option covers half the question and scores low: enough when its
            # figure is in the unit the question asks about ("more ports"), else it must score more
            if figure is not None and (figure[2] or cand.prob >= self.conflict_floor or shared):
                if known is None or shared > known[0]:
                    found[named[0]] = (shared, figure[0], figure[1], cand)
        if found[0] is None or found[1] is None:
            return None
        (_, value_a, unit_a, cand_a), (_, value_b, unit_b, cand_b) = found
        if unit_a != unit_b or value_a == value_b:
            return None
        a_wins = (value_a < value_b) == smallest_wins
        winner = names[0] if a_wins else names[1]
        cited = sorted([cand_a, cand_b], key=lambda c: (c.source_id, c.start))
        text = f"{winner.strip()}. " + " ".join(f"{c.text.strip()} [{n}]" for n, c in enumerate(cited, start=1))
        return Composed(text, cited, "comparison", min(cand_a.prob, cand_b.prob))

    def _dated(self, chosen: list[Candidate], corpus: Corpus) -> Composed:
        date = lambda c: c.chunk.as_of or corpus.sources[c.source_id].source.published or ""  # noqa: E731
        text = f"As of {date(chosen[0])}: {chosen[0].text.rstrip()} [1]"
        for n, cand in enumerate(chosen[1:], start=2):
            text += f" Earlier, as of {date(cand) or 'an undated source'}: {cand.text.rstrip()} [{n}]"
        return Composed(text, chosen, "sentence", chosen[0].prob)

    def _newest_first(self, q: Question, scored: list[Candidate], corpus: Corpus) -> list[Candidate]:
        """The best candidate or, when dated sources give different figures for the same measure
        ("514 ports" vs "400 ports"), the newest first, then up to `max_older` older ones."""
        best = scored[0]
        if q.answer_type not in QUANTITIES:
            return [best]
        best_measures = _measures(best.text)
        floor = self.conflict_floor
        ours = _subjects(best, corpus)
        rivals: dict[str, Candidate] = {}
        for cand in scored[1:]:
            if cand.prob < floor:
                break
            source = cand.source_id
            if source == best.source_id or source in rivals:
                continue
            # the same measure *about the same subject*: not another corridor's figure
            if cand.features.get("other_subject") != best.features.get("other_subject"):
                continue
            if cand.features.get("anchors", 0) < best.features.get("anchors", 0):
                continue
            if _names_another_subject(cand, ours, corpus):
                continue
            theirs = _measures(cand.text)
            if any(unit in theirs and theirs[unit] != figures for unit, figures in best_measures.items()):
                rivals[source] = cand
        if not rivals:
            return [best]
        date = lambda c: c.chunk.as_of or corpus.sources[c.source_id].source.published or ""  # noqa: E731
        ordered = sorted([best, *rivals.values()], key=lambda c: (date(c), c.prob), reverse=True)
        if len({date(c) for c in ordered}) < 2:
            return [best]  # same date: nothing tells which figure is current
        return ordered[: 1 + self.max_older]

    # -- metadata, abstention -------------------------------------------------------------------
    def _metadata(self, question: str, q: Question, docs: list, corpus: Corpus, retrieved) -> Answer:
        """ "When was this published?", "Who published it?", "Which sources do you have?": from the
        sources' own metadata, each cited by its opening words."""
        records = sorted(corpus.sources.values(), key=lambda r: (r.source.published, r.source.id), reverse=True)
        if not records:
            return Answer(question, ABSTAIN_TEXT, True, [], retrieved=retrieved, reason="no sources", kind="abstain")
        listing = re.search(r"\b(?:sources|documents|articles|texts|files)\b", q.text, re.I)
        if listing or len(records) > 1 and not docs:
            shown = records[:10]
            cands = [_opening(corpus, r.source.id) for r in shown]
            parts = [f"“{r.source.title}” ({_describe(r.source)}) [{i}]" for i, r in enumerate(shown, start=1)]
            more = f" and {len(records) - len(shown)} more" if len(records) > len(shown) else ""
            head = f"The knowledge base has {len(records)} source{'s' if len(records) != 1 else ''}: "
            text = head + "; ".join(parts) + more + "."
        else:
            record = corpus.sources[docs[0].metadata["chunk"].source_id] if docs else records[0]
            cands = [_opening(corpus, record.source.id)]
            text = f"“{record.source.title}” ({_describe(record.source)}). [1]"
            if re.search(r"\b(?:wrote|author|authored)\b", q.text, re.I):
                text = f"The source does not name its author. {text}"
        citations = [self._citation(n, c, corpus) for n, c in enumerate(cands, start=1)]
        return Answer(question, text, False, citations, retrieved=retrieved, confidence=1.0, kind="metadata")

    def _abstain(self, question: str, q: Question, scored: list[Candidate], corpus: Corpus, retrieved) -> Answer:
        reason = self._abstain_reason(q, corpus)
        related: list[Candidate] = []
        for cand in sorted(scored, key=lambda c: -c.prob):
            if len(related) < self.related_passages and not cand.pair and not any(_overlaps(cand, c) for c in related):
                related.append(cand)
        text = NOT_SAID_TEXT if q.form == "yesno" else ABSTAIN_TEXT
        return Answer(
            question,
            text + (" " + reason if reason else ""),
            True,
            [],
            retrieved=retrieved,
            reason=reason or "low confidence",
            kind="abstain",
            confidence=round(scored[0].prob, 4) if scored else 0.0,
            related=[self._citation(n, c, corpus) for n, c in enumerate(related, start=1)],
        )

    @staticmethod
    def _abstain_reason(q: Question, corpus: Corpus) -> str:
        unknown = [typed for anchor, typed in zip(q.anchors, q.typed, strict=False) if not corpus.knows(anchor)]
        if unknown:
            return "The sources never mention " + ", ".join(f"“{t}”" for t in unknown) + "."
        return ""

    def _citation(self, n: int, cand: Candidate, corpus: Corpus) -> Citation:
        rec = corpus.sources[cand.source_id]
        text = rec.source.text
        p_start, p_end = corpus.paragraph_bounds(cand.source_id, cand.start, cand.end)
        return Citation(
            n=n,
            source=rec.source.id,
            title=rec.source.title,
            published=cand.chunk.as_of or rec.source.published,
            url=rec.source.url,
            quote=text[cand.start : cand.end],
            score=round(cand.prob, 4),
            publisher=rec.source.publisher,
            start=cand.start,
            end=cand.end,
            kind=cand.chunk.kind,
            context=text[p_start:p_end],
            quote_offset=cand.start - p_start,
        )


# -- helpers ------------------------------------------------------------------------------------
def _retrieved(docs: list, corpus: Corpus) -> list[Retrieved]:
    return [
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


_LIST_ITEMS = re.compile(r"(?:[ \t]*\n)+((?:[ \t]*(?:[-*+•]|\d{1,2}[.)])[ \t]+[^\n]+(?:\n|$))+)")


def _list_block_end(text: str, end: int) -> int:
    """Where the bulleted or numbered list right after an introducing sentence ends (`end` if none)."""
    found = _LIST_ITEMS.match(text, end)
    if found is None:
        return end
    block_end = found.end(1)
    return block_end - 1 if text[block_end - 1] == "\n" else block_end  # the quote ends with the last item


_ANNOUNCES = re.compile(
    r"\b(?:two|three|four|five|six|seven|eight|nine|ten|several|various|following|a number of|both)\b", re.I
)


_COUNT_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "both": 2}
_MAX_ITEM_SENTENCES = 4


_NOT_PLURAL = frozenset("is was has does its this thus always perhaps series species".split())


_DETERMINERS = frozenset("the a an this that these those his her its their our my your".split())


def _plural_asked(question: str) -> str | None:
    """The things a question asks for several of: "Which anatomical structures ...?", "What other
    effects ...?", "Name the main tributaries ...": a noun in the plural within the four words
    after "which", "what", "name" or "list", before any verb."""
    asked = words(question)
    if not asked or asked[0] not in ("which", "what", "name", "list"):
        return None
    if asked[0] in ("name", "list") and asked[1:2] == ["the"]:
        asked = asked[1:]
    for i, word in enumerate(asked[1:5], start=1):
        if word in _COUNT_WORDS or word in ("other", "main", "several"):
            continue
        if word in _NOT_PLURAL or word in STOPWORDS:
            return None
        if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
            # "What connects the dungeons?": a verb, which an article follows; a noun is followed by its verb
            return None if asked[i + 1 : i + 2] and asked[i + 1] in _DETERMINERS else word
    return None


def _with_items_after(cand: Candidate, corpus: Corpus, plural: str | None = None) -> Candidate:
    """A list answer that only announces its items ("Three main features appear.", "He completed
    four operas.", or names what the question asks for several of, `plural`: "It came to rely on
    regional armies." for "Which regional armies ...?") quoted together with the sentences after
    it in its paragraph that name them: as many as it announces (one for "several" or the bare
    plural; at most `_MAX_ITEM_SENTENCES`), or up to one that lists them all. `cand` itself when it
    names them already or nothing follows it. Only its last sentence is read: in "The relationship
    coincided with, and helped to fuel, a burst of creativity. He completed four operas." the commas
    list nothing."""
    if cand.chunk.kind == "fact":
        return cand
    text = corpus.source_text(cand.source_id)
    spans = corpus.sentence_spans(cand.source_id)
    i = bisect.bisect_left(spans, (cand.end, cand.end))
    last = text[spans[i - 1][0] : cand.end] if 0 < i <= len(spans) and spans[i - 1][0] >= cand.start else cand.text
    announced = _ANNOUNCES.search(last)
    named = plural is not None and _names_without_items(last, plural)
    if _enumerates(last) or not (announced or named):
        return cand
    # as many sentences as items announced ("four operas": one sentence each, as a text tells them),
    # or up to one that lists them all
    wanted = min(_COUNT_WORDS.get(announced.group().lower(), 1), _MAX_ITEM_SENTENCES) if announced else 1
    end = cand.end
    for start, stop in spans[i : i + wanted]:
        if "\n\n" in text[end:stop]:
            break
        end = stop
        if text[start:stop].rstrip().endswith(":"):  # "It tolerates:" and the list below it
            end = _list_block_end(text, stop)
            break
        if _enumerates(text[start:stop]):
            break
    if end == cand.end:
        return cand
    return replace(cand, text=text[cand.start : end], end=end, pair=True)


def _names_without_items(sentence: str, plural: str) -> bool:
    """`sentence` names what is asked for (`plural`: "regional armies") but none of them: no "and",
    "or" or comma around it ("by sulfuric and hydrochloric acids", "studied railways in Britain and
    the United States" name theirs)."""
    found = re.search(rf"\b{re.escape(stem(plural))}\w*", sentence, re.IGNORECASE)
    if found is None:
        return False
    before, after = sentence[: found.start()].split()[-4:], sentence[found.end() :]
    return not ("," in after or re.search(r"\b(?:and|or)\b", after) or {"and", "or"} & set(before))


def _squashed(text: str) -> str:
    return " ".join(text.split())


def _beside_previous(q: Question, cand: Candidate, corpus: Corpus) -> bool:
    """The candidate quotes a sentence of the answer `q` follows up on, or the sentence before or
    after one: a conversation reads on ("What will it build?" is answered in the sentence that
    named the company, "How much trade should it bring?" in the one after it). An answer that was
    a derived fact ("CAEXPO stands for China-ASEAN Expo.") stands for the sentences it came from."""
    if not q.previous or cand.chunk.kind == "fact":
        return False
    previous = _squashed(q.previous)
    text = corpus.source_text(cand.source_id)
    spans = corpus.sentence_spans(cand.source_id)
    first = bisect.bisect_left(spans, (cand.start, -1))
    last = bisect.bisect_left(spans, (cand.end, -1), lo=first)
    near = [spans[i] for i in range(first - 1, last + 1) if 0 <= i < len(spans)]
    if any(_squashed(text[s:e]) in previous for s, e in near):
        return True
    return any(
        chunk.kind == "fact"
        and _squashed(chunk.text) in previous
        and any(chunk.start < e and s < chunk.end for s, e in near)
        for chunk in corpus.source_chunks(cand.source_id)
    )


def _holds_an_option(q: Question, cand: Candidate) -> bool:
    """An answer to "Is Zuo Yang a man or a woman?" says one of the two (or the question offers none)."""
    options = offered_options(q.text)
    return options is None or bool((options[0] | options[1]) & {stem(w) for w in words(cand.text)})


def _join(cited: list[Candidate]) -> str:
    return " ".join(f"{c.text.strip()} [{n}]" for n, c in enumerate(cited, start=1))


_ENUMERATION = re.compile(
    r"(?:(?<=[\s:])|^)(?:[\w'’-]+(?:\s+[\w'’-]+){0,3},\s+){2,}(?:and\s+|or\s+)?[\w'’-]+"
    r"|\b(?:such as|including|namely)\s+[\w'’-]+(?:\s+[\w'’-]+){0,3},"
)


def _enumerates(text: str) -> bool:
    """A list of three or more items ("X, Y, and Z"; "including X, Y, etc.")."""
    return bool(_ENUMERATION.search(text))


_TWO_PARTS = re.compile(
    r",?\s+and\s+(?:what|how|which|why|where|when|who|whom|whose|in what|to what|for what)\b|\?.+\?", re.I
)


def _forms(text: str) -> frozenset[str]:
    """The text's words and their stems, read once for every term `_covers` checks."""
    tokens = words(text)
    return frozenset(tokens) | {stem(w) for w in tokens}


def _covers(term: str, forms: frozenset[str]) -> bool:
    """The text holds the term in some form: "agree" in "agreement", "establish" in "established"."""
    prefix = term[:5] if len(term) > 5 else term
    return any(w.startswith(prefix) for w in forms)


# Derived facts that restate all their sentence says about what they name: an item of a
# "respectively" list, a sentence with its acronym spelled out or its pronoun named. A clause fact
# or a hand-written one may say only part of its sentence ("Chongqing will break out a great
# channel", without "striving to build a logistics hub").
_RESTATING = ("derived-respectively-", "derived-expanded-", "derived-pronoun-")


def _restatement_first(scored: list[Candidate], near_tie: float) -> list[Candidate]:
    """A fact derived from the best sentence (`_RESTATING`) and nearly as probable goes before it:
    the same evidence, made explicit ("Goods from Mali account for 31%" out of "goods from Senegal, Mali and
    Niger account for 48%, 31% and 11%, respectively")."""
    if not scored or scored[0].chunk.kind == "fact":
        return scored
    best = scored[0]
    for cand in scored[1:8]:
        derived = cand.chunk.kind == "fact" and cand.source_id == best.source_id
        derived = derived and cand.chunk.fact_id.startswith(_RESTATING)
        if derived and best.start <= cand.start and cand.end <= best.end and cand.prob >= best.prob - near_tie:
            return [cand, *(c for c in scored if c is not cand)]
    return scored


def _overlaps(a: Candidate, b: Candidate) -> bool:
    return a.source_id == b.source_id and a.start < b.end and b.start < a.end


def _describe(source) -> str:
    parts = [p for p in (source.publisher, f"published {source.published}" if source.published else "") if p]
    return ", ".join(parts) or "no publisher or date given"


def _lead_candidate(corpus: Corpus, source_id: str, start: int, end: int) -> Candidate:
    from index.chunking import IndexedChunk

    rec = corpus.sources[source_id]
    chunk = IndexedChunk(
        id=f"lead:{source_id}:{start}", source_id=source_id, kind="passage", text="", start=start, end=end
    )
    chunk = replace(chunk, as_of=rec.source.published)
    return Candidate(chunk, corpus.source_text(source_id)[start:end], start, end, 0.0)


def _opening(corpus: Corpus, source_id: str) -> Candidate:
    """A source's first sentence (or first line), to cite the source itself by."""
    lead = corpus.lead_sentences(source_id, 1)
    if lead:
        return _lead_candidate(corpus, source_id, *lead[0])
    text = corpus.source_text(source_id)
    first = text.split("\n", 1)[0]
    start = len(first) - len(first.lstrip())
    return _lead_candidate(corpus, source_id, start, len(first.rstrip()))


def _says_superlative(q: Question, cand: Candidate) -> bool:
    asked = {stem(w) for w in words(q.text)}
    said = {stem(w) for w in words(cand.text)}
    superlatives = {stem(w) for w in re.findall(r"\b\w+(?:est|most|least)\b", q.text.lower())}
    return bool(superlatives & said & asked)


def _figures(
    q: Question, scored: list[Candidate], floor: float, corpus: Corpus
) -> list[tuple[str, float, str, Candidate]]:
    """(name, value, figure as written, candidate) for each item of the most relevant "respectively"
    sentence: its derived one-item facts give each name its own figure unambiguously, all of the
    same measure and date. Figures from different sentences are never compared.

    "Most relevant" goes by rank among the first few candidates: the confidence model learned
    whether one sentence answers a question, so for a question answered only by comparing
    several figures its probabilities run low, while its ranking still says which figures the
    question is about. A floor keeps figures about something else out."""
    wanted_percent = q.answer_type == "percent" or re.search(r"\b(?:share|percent|proportion)\b", q.text, re.I)
    lead = None
    for cand in scored[:_COMPARE_DEPTH]:
        if cand.prob < floor * 0.2:
            break
        for chunk in corpus.respectively_facts(cand.source_id, cand.start, cand.end):
            if not wanted_percent or "%" in chunk.text:
                lead = Candidate(chunk, chunk.text, cand.start, cand.end, cand.dense, prob=cand.prob)
                break
        if lead is not None:
            break
    if lead is None:
        return []
    by_id = {id(c.chunk): c for c in scored}
    found: dict[str, tuple[str, float, str, Candidate]] = {}
    for chunk in corpus.siblings(lead.chunk):
        measures = _MEASURE.findall(chunk.text)
        if len(measures) != 1:
            return []
        number, unit = measures[0]
        value = number_value(number)
        names = [n for n in _ITEM_NAME.findall(chunk.text) if n not in _OPENERS]
        names = [n for n in names if n in corpus.source_text(chunk.source_id)[chunk.start : chunk.end]]
        item = _item_name(chunk.text, names, lead, corpus)
        if value is None or item is None:
            return []
        cand = by_id.get(id(chunk)) or Candidate(chunk, chunk.text, lead.start, lead.end, lead.dense, prob=lead.prob)
        found.setdefault(item, (item, value, f"{number}{unit}" if unit == "%" else f"{number} {unit}", cand))
    return list(found.values())


_COMPARE_DEPTH = 3  # candidates searched for the figures a comparison compares
# a capitalised name of one or more words, accented capitals and inner apostrophes included
# ("Ústí nad Labem" is matched from "Ústí", "Xi'an" whole), not a possessive's "'s"
_NAME_PART = rf"[{CAPITAL_LETTERS}][\w-]+(?:['’](?!s\b)\w+)?"
_ITEM_NAME = re.compile(rf"\b{_NAME_PART}(?:\s+{_NAME_PART})*")
_CHOICE_DEPTH = 12  # candidates searched for each option's sentence in a choice between two
_CHOICE_FLOOR = 0.01
# A choice between two named options, after the question's comparison: "Which is older, A or B?"
# (and maybe what else of them is asked, which both quotes say: "..., A or B, and in which years?")
_CHOICE = re.compile(
    r"^\s*(?:which|who|whose|what)\b[^,:?]*[,:]\s*(?:the\s+)?(?P<a>[^,:?]+?)\s+or\s+(?:the\s+)?(?P<b>[^,:?]+?)"
    r"\s*(?:,\s*and\s+(?:(?:in|by|at|on|of)\s+)?(?:what|which|how|when|where)\b[^?]*)?\??\s*$"
    # or before it: "Between Vietnam and Thailand, whose trade makes up more of the channel's value?"
    r"|^\s*between\s+(?:the\s+)?(?P<a2>[^,:?]+?)\s+and\s+(?:the\s+)?(?P<b2>[^,:?]+?)\s*,\s*(?:which|who|whose|what)\b",
    re.I,
)
_EARLIER = re.compile(r"\b(?:earlier|earliest|first|older|oldest|sooner|before)\b", re.I)
_LATER = re.compile(r"\b(?:later|latest|last|newer|newest|younger|youngest|more recent|after)\b", re.I)
_LARGER = re.compile(
    r"\b(?:more|larger|largest|bigger|biggest|higher|highest|greater|longer|longest|wider|heavier|taller|deeper)\b",
    re.I,
)
_SMALLER = re.compile(
    r"\b(?:less|fewer|smaller|smallest|lower|lowest|shorter|shortest|narrower|lighter|shallower)\b", re.I
)


def _comparison(ordered: list[tuple[str, float, str, Candidate]], smallest: bool) -> Composed:
    """The winner of ranked figures named, with the others, each figure's sentence cited once."""
    winner, _, label, _ = ordered[0]
    word = "smallest" if smallest else "largest"
    others = ", ".join(f"{name} {lab}" for name, _, lab, _ in ordered[1:])
    cited = list({(c.source_id, c.start, c.end): c for *_, c in ordered}.values())  # one per quoted span
    marks = " ".join(f"[{i}]" for i in range(1, len(cited) + 1))
    text = f"{winner}, with {label}: the {word} of the figures the sources give ({others}). {marks}"
    return Composed(text, cited, "comparison", min(c.prob for c in cited))


def _option_stems(option: str) -> frozenset[str]:
    """The words that name one option of a choice: its capitalised words when it has some ("the
    Beibu Gulf Port's network" -> beibu, gulf, port; "the ILSTC as a whole" -> ilstc), else all
    but fillers ("the anti-Stokes lines")."""
    option = _POSSESSIVE.sub("", option)
    names = [w for w in re.findall(r"[\w'’-]+", option) if w[:1].isupper()]
    chosen = words(" ".join(names)) if names else words(option)
    return frozenset(stem(w) for w in chosen if w not in _OPTION_FILLER and not w.isdigit())


_POSSESSIVE = re.compile(r"['’]s\b")
_WHEN_WORDS = frozenset({"year", "date", "when", "time", "day"})  # what any dated sentence says
_OPTION_FILLER = frozenset("the a an of his her its their one ones as whole entire alone itself overall".split())


def _year_of(text: str) -> tuple[float, str, bool] | None:
    """The sentence's first year or decade (value, unit, whether the question names the unit: never)."""
    years = _YEAR_OR_DECADE.findall(text)
    return (float(years[0]), "year", False) if years else None


def _measure_of(text: str, asked: set[str]) -> tuple[float, str, bool] | None:
    """The sentence's one figure, or its one figure in a unit the question names ("200 ports" in
    "more than 200 ports in over 100 countries" for "Which reaches more ports ...?"): value, unit,
    and whether the question names the unit."""
    measures = _MEASURE.findall(text)
    if len(measures) > 1:
        measures = [m for m in measures if stem(m[1].lower()) in asked]
    if len(measures) != 1:  # several figures: which one is the option's is not said
        return None
    number, unit = measures[0]
    value = number_value(number)
    return (value, unit.lower().rstrip("s"), stem(unit.lower()) in asked) if value is not None else None


_RANKINGS = ("superlative", "comparative")
_OPENERS = frozenset({"Data", "The", "It", "In", "This", "These", "Statistics", "According"})


def _item_name(statement: str, names: list[str], lead: Candidate, corpus: Corpus) -> str | None:
    """The one name that differs between the sibling statements of a "respectively" list."""
    others = [c.text for c in corpus.siblings(lead.chunk) if c.text != statement]
    own = [n for n in names if all(n not in other for other in others)]
    return own[0] if len(own) == 1 else None


def _subjects(cand: Candidate, corpus: Corpus) -> set[str]:
    """The named subjects a candidate is about: those its sentence and its source's title name,
    and the main source's own names for a passage of the main source."""
    title = corpus.sources[cand.source_id].source.title if cand.source_id in corpus.sources else ""
    names = set(corpus.subjects(f"{cand.text}. {title}"))
    if cand.source_id == corpus.main_source():
        names |= corpus.main_names
    return names


def _names_another_subject(cand: Candidate, ours: set[str], corpus: Corpus) -> bool:
    """`cand` names a subject of the kind the best candidate is about (`ours`, its `_subjects`:
    "the Pacific Trade Corridor" against "the New International Land-Sea Trade Corridor"), but not
    the same one: its figure is another subject's, not a newer figure of the same measure."""
    heads = {name.split()[-1] for name in ours}
    return any(
        name.split()[-1] in heads and not any(name in own or own in name for own in ours)
        for name in _subjects(cand, corpus)
    )
