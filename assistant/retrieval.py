"""Hybrid retrieval: dense (Chroma) plus lexical (BM25, `bm25s`), fused by reciprocal rank.

`Corpus` is the in-memory view readers need besides Chroma: chunk texts and their BM25 index,
source texts (to quote whole sentences), and term statistics for the answerer. It is saved beside
the index once per generation and read back at start (`assistant.corpus_cache`); it is built from
the store only when no saved view matches its generation (another process ingested something).
"""

from __future__ import annotations

import bisect
import functools
import math
import os
import re
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from langchain_core.documents import Document

from assistant.questions import ACRONYM, ORG_WORDS, anchor_found, heads_of, initials
from index.chunking import IndexedChunk
from index.lexical import CAPITAL_LETTERS, STOPWORDS, stem, tokenize, words
from index.store import IndexStore, SourceRecord

_DEFINITION = re.compile(rf"[{CAPITAL_LETTERS}][\w-]*(?:\s+[\w-]+){{1,9}}\s+\(([{CAPITAL_LETTERS}]{{2,}})\)")
_MONTH_NAMES = frozenset(
    "january february march april may june july august september october november december".split()
)
RRF_K = 60  # the constant from Cormack et al. (2009); robust across collections
SOURCE_PRIOR = 50  # pseudo-chunks of the index's term statistics mixed into one source's
EXACT_LIMIT = 5000  # up to this many chunks, dense search scores every vector in memory
# Up to this many chunks the saved view keeps every vector (a memory-mapped float32 matrix, 150 MB
# at the limit): a process's first search scores them, instead of waiting for Chroma to load its
# HNSW index (a second at 50k chunks); later searches of a larger index query Chroma.
SAVED_VECTORS_LIMIT = 100_000
CROWDED_SHARE = 0.5  # below this share of the index, the main source is also searched on its own


_GENERIC = re.compile(r"\b(?:the|this|that)\s+([a-z][a-z-]+)\b")


def _named(head: str, text: str) -> bool:
    """The text names which one ("the Aegean Trade Corridor"), so it is not generic."""
    return bool(re.search(rf"\b[A-Z][\w-]*\s+(?i:{re.escape(head)})\b", text))


_LIST_ITEM = re.compile(r"[ \t]*(?:[-*+•]|\d{1,2}[.)])[ \t]+")


@dataclass
class Corpus:
    """Everything retrieval and answering read from memory."""

    chunks: list[IndexedChunk]
    sources: dict[str, SourceRecord]
    generation: int
    by_id: dict[str, int] = field(init=False)
    doc_freq: Counter = field(init=False)
    vocabulary: set[str] = field(init=False)
    definitions: dict[str, str] = field(init=False)  # acronym -> id of the chunk that spells it out
    initials: frozenset[str] = field(init=False)  # "wwi" for "World War I": abbreviations typed in questions
    main_names: frozenset[str] = field(
        init=False
    )  # names the main source's subject goes by ("new international ... corridor")
    main_id: str = field(init=False)  # the main source, picked once: asked for every candidate
    heads: frozenset[str] = field(init=False)  # what subjects are ("corridor", "expo"): a bare "the corridor" means one
    names: frozenset[str] = field(init=False)  # lowercase words the corpus only ever capitalises
    bm25: object = field(init=False, default=None)
    # every chunk's vector in the chunks' order (a float32 matrix) when the index is small enough
    # (`SAVED_VECTORS_LIMIT`); kept in the saved snapshot, so no Chroma read
    vectors: object = field(init=False, default=None, repr=False)
    _spans: dict = field(init=False, default_factory=dict, repr=False)  # (source, start, end) -> word sets
    _known: dict = field(init=False, default_factory=dict, repr=False)  # anchor -> in the corpus?
    _by_head: dict = field(init=False, default_factory=dict, repr=False)  # `vocabulary` by first letters

    def __post_init__(self) -> None:
        self.by_id = {c.id: i for i, c in enumerate(self.chunks)}
        best = max(self.sources.values(), key=lambda r: (r.source.origin == "builtin", r.chunks), default=None)
        self.main_id = best.source.id if best else ""
        tokens, self.vocabulary = _tokens_and_words(self.chunks)
        self.doc_freq = Counter(t for toks in tokens for t in set(toks))
        self.vocabulary.update(w for r in self.sources.values() for w in words(r.source.title))
        self.initials = frozenset(i for r in self.sources.values() for i in initials(r.source.text))
        main = self.sources.get(self.main_source())
        self.main_names = frozenset(subject_names(main.source.text + " " + main.source.title)) if main else frozenset()
        self.heads = frozenset(
            name.split()[-1] for r in self.sources.values() for name in subject_names(r.source.title)
        )
        self.heads |= frozenset(name.split()[-1] for name in self.main_names)
        self.names = _proper_nouns(c.text for c in self.chunks if c.kind != "fact")
        self.definitions = {}
        for chunk in self.chunks:
            if chunk.kind != "fact" and "(" in chunk.text:
                for match in _DEFINITION.finditer(chunk.text):
                    self.definitions.setdefault(match.group(1), chunk.id)
        if self.chunks:
            import bm25s

            self.bm25 = bm25s.BM25()
            self.bm25.index(tokens, show_progress=False)

    @classmethod
    def load(cls, store: IndexStore) -> Corpus:
        """The view of what `store` has committed: the snapshot saved for its generation when there
        is one (`assistant.corpus_cache`), else built from Chroma and saved for the next process."""
        from assistant.corpus_cache import load

        return load(cls, store)

    def idf(self, term: str) -> float:
        n = max(len(self.chunks), 1)
        df = self.doc_freq.get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def source_idf(self, source_id: str) -> Callable[[str], float]:
        """How rare a term is within one source, its statistics smoothed toward the whole index's
        by `SOURCE_PRIOR` pseudo-chunks. What a sentence of a source covers of a question then
        does not move when unrelated documents are ingested (a hundred news items that all name
        Vietnam made "Vietnam accounts for 62%" cover half as much of "What share comes from
        Vietnam?"), while a source of three chunks still leans on the index's statistics."""
        local, n_local = self.memo(("doc freq", source_id), lambda: self._source_doc_freq(source_id))
        share = SOURCE_PRIOR / max(len(self.chunks), 1)
        n = n_local + SOURCE_PRIOR

        def idf(term: str) -> float:
            df = local.get(term, 0) + share * self.doc_freq.get(term, 0)
            return math.log(1 + (n - df + 0.5) / (df + 0.5))

        return idf

    def _source_doc_freq(self, source_id: str) -> tuple[Counter, int]:
        own = self.source_chunks(source_id)
        tokens, _ = _tokens_and_words(own)
        return Counter(t for toks in tokens for t in set(toks)), len(own)

    def lexical_search(self, query: str, k: int) -> list[tuple[str, float]]:
        tokens = tokenize(query)
        if self.bm25 is None or not tokens:
            return []
        scores = self.bm25.get_scores(tokens)
        k = min(k, len(self.chunks))
        import numpy as np

        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.chunks[i].id, float(scores[i])) for i in top if scores[i] > 0]

    def hidden_facts(self, derived_too: bool) -> frozenset[str]:
        """Ids of hand-written facts (and of derived ones too, when asked): searched only when asked
        for. Read once per corpus view: with the hand-written ones off by default, every search asks."""
        return self.memo(
            ("hidden facts", derived_too),
            lambda: frozenset(
                c.id for c in self.chunks if c.kind == "fact" and (derived_too or not c.fact_id.startswith("derived-"))
            ),
        )

    def definitions_of(self, query: str) -> list[str]:
        """Chunks that spell out an acronym of the query ("... Trade Corridor (ILSTC)").

        A definition is rarely the most similar passage to the question, yet it is the answer to
        "what does X stand for"; these are added after the fused top-k, never instead of it.
        """
        found = (self.definitions.get(a) for a in dict.fromkeys(ACRONYM.findall(query)))
        return [id_ for id_ in found if id_]

    def source_text(self, source_id: str) -> str:
        rec = self.sources.get(source_id)
        return rec.source.text if rec else ""

    # -- word sets the answerer measures candidates with (cached: the same paragraphs recur) --------
    def paragraph_bounds(self, source_id: str, start: int, end: int) -> tuple[int, int]:
        """The paragraph around a span; a list's items belong with the sentence introducing them
        ("The principal tributaries are:"), which says what they are items of."""
        text = self.source_text(source_id)
        p_start = text.rfind("\n\n", 0, start)
        p_start = 0 if p_start < 0 else p_start + 2
        p_end = text.find("\n\n", end)
        if _LIST_ITEM.match(text, p_start) and text[:p_start].rstrip().endswith(":"):
            intro = text.rfind("\n\n", 0, len(text[:p_start].rstrip()))
            p_start = 0 if intro < 0 else intro + 2
        return p_start, (len(text) if p_end < 0 else p_end)

    def neighbours(self, source_id: str, start: int, end: int) -> list[tuple[int, int]]:
        """The spans of a sentence joined with the sentence before it and with the one after it."""
        spans = self.sentence_spans(source_id)
        i = bisect.bisect_left(spans, (start, end))
        if i >= len(spans) or spans[i] != (start, end):
            return []
        joined = [(spans[i - 1][0], end)] if i > 0 else []
        return joined + ([(start, spans[i + 1][1])] if i + 1 < len(spans) else [])

    def sentence_spans(self, source_id: str) -> list[tuple[int, int]]:
        """The whole sentences of a source's passages, in order (once per source)."""
        return self.memo(
            ("sentences", source_id),
            lambda: sorted({s for c in self.source_chunks(source_id) if c.kind == "passage" for s in c.sentences}),
        )

    def source_chunks(self, source_id: str) -> list[IndexedChunk]:
        """One source's chunks, in index order (grouped once, not scanned per source)."""
        by_source = self.memo(("chunks by source",), self._chunks_by_source)
        return [self.chunks[i] for i in by_source.get(source_id, ())]

    def _chunks_by_source(self) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for i, chunk in enumerate(self.chunks):
            found.setdefault(chunk.source_id, []).append(i)
        return found

    def memo(self, key, compute):
        """`compute()` once per key, in one cache bounded in size (cleared when full): what is
        read of a span of text is the same for every question, and the same spans come back."""
        got = self._spans.get(key)
        if got is None:
            if len(self._spans) > 50_000:
                self._spans.clear()
            got = self._spans[key] = compute()
        return got

    def _span(self, source_id: str, start: int, end: int) -> tuple[frozenset, frozenset, frozenset]:
        def compute():
            span = self.source_text(source_id)[start:end]
            found = frozenset(words(span))
            return found, frozenset(stem(w) for w in found), frozenset(initials(span))

        return self.memo((source_id, start, end), compute)

    def span_tokens(self, source_id: str, start: int, end: int) -> tuple[str, ...]:
        """The words of a span in order (cached: the same sentences are measured question after question)."""
        return self.memo(
            ("tokens", source_id, start, end), lambda: tuple(words(self.source_text(source_id)[start:end]))
        )

    def text_tokens(self, text: str) -> tuple[str, ...]:
        return self.memo(text, lambda: tuple(words(text)))

    def title_initials(self, source_id: str) -> frozenset[str]:
        rec = self.sources.get(source_id)
        return self.memo(
            ("title-initials", source_id), lambda: frozenset(initials(rec.source.title)) if rec else frozenset()
        )

    def subjects(self, text: str) -> tuple[str, ...]:
        """`subject_names(text)`, kept: the same sentences are read question after question."""
        return self.memo(("subjects", text), lambda: tuple(subject_names(text)))

    def span_words(self, source_id: str, start: int, end: int) -> frozenset[str]:
        return self._span(source_id, start, end)[0]

    def span_stems(self, source_id: str, start: int, end: int) -> frozenset[str]:
        return self._span(source_id, start, end)[1]

    def span_initials(self, source_id: str, start: int, end: int) -> frozenset[str]:
        return self._span(source_id, start, end)[2]

    def title_words(self, source_id: str) -> frozenset[str]:
        rec = self.sources.get(source_id)
        return frozenset(words(rec.source.title)) if rec else frozenset()

    def respectively_facts(self, source_id: str, start: int, end: int) -> list[IndexedChunk]:
        """Derived one-item facts of a "respectively" sentence within [start, end) of a source."""
        return [
            c
            for c in self.chunks
            if c.kind == "fact"
            and c.fact_id.startswith("derived-respectively")
            and c.source_id == source_id
            and c.start < end
            and start < c.end
        ]

    def siblings(self, chunk: IndexedChunk) -> list[IndexedChunk]:
        """Derived facts split from the same sentence as `chunk` (the items of one "respectively" list)."""
        prefix = chunk.fact_id.split("-")[:2]
        return [
            c
            for c in self.source_chunks(chunk.source_id)
            if c.kind == "fact" and c.start == chunk.start and c.fact_id.split("-")[:2] == prefix
        ]

    def lead_sentences(self, source_id: str, n: int) -> list[tuple[int, int]]:
        """The first `n` sentences of a source's text (headings and fragments skipped): a news
        article's summary is its opening."""
        spans = self.sentence_spans(source_id)
        text = self.source_text(source_id)
        full = [(s, e) for s, e in spans if len(text[s:e].split()) >= 6 and not text[s:e].startswith("(")]
        return (full or spans)[:n]

    def generic_heads(self, text: str) -> frozenset[str]:
        """Kinds of subject a text names by their kind alone ("the corridor", not "the Aegean Trade
        Corridor"): those mean the subject the knowledge base is mainly about."""
        return frozenset(h for h in _GENERIC.findall(text.lower()) if h in self.heads and not _named(h, text))

    def main_share(self) -> float:
        """How much of the index the main source is (1.0: nothing else in it)."""
        main = self.sources.get(self.main_source())
        return main.chunks / max(len(self.chunks), 1) if main else 0.0

    def main_source(self) -> str:
        """The source the knowledge base is mostly about: the built-in one with most chunks."""
        return self.main_id

    def knows(self, anchor: tuple[str, ...]) -> bool:
        """Does any source hold this name (or number), in any form `anchor_found` accepts?"""
        got = self._known.get(anchor)
        if got is None:
            if not self._by_head:  # built whole, then assigned: another thread never sees half of it
                self._by_head = heads_of(self.vocabulary)
            got = self._known[anchor] = anchor_found(anchor, self.vocabulary, self.initials, self._by_head)
        return got


def _tokens_and_words(chunks: list[IndexedChunk]) -> tuple[list[list[str]], set[str]]:
    """`tokenize(c.text)` of every chunk, and the set of their `words`: each text is split once
    (the slowest part of building the view; `stem` is memoised)."""
    tokens: list[list[str]] = []
    vocabulary: set[str] = set()
    for chunk in chunks:
        found = words(chunk.text)
        vocabulary.update(found)
        tokens.append([stem(w) for w in found if w not in STOPWORDS])
    return tokens, vocabulary


_WORD = re.compile(r"(?<![\w-])(?:[A-Za-z][a-z]+|[A-Z]{3,})(?![\w-])")
_SUBJECT = re.compile(r"\b[A-Z][\w’'-]*(?:\s+(?:of\s+|and\s+|for\s+)?[A-Z][\w’'-]*)+")


def subject_names(text: str) -> list[str]:
    """Multi-word names, lowercased and folded ("new international land-sea trade corridor")."""
    from index.lexical import fold

    return [" ".join(words(fold(m.group()))) for m in _SUBJECT.finditer(text)]


def _proper_nouns(texts) -> frozenset[str]:
    """Words written capitalised mid-sentence (or as acronyms) and never in lowercase: the corpus's names."""
    capitalised: Counter = Counter()
    lowercase: set[str] = set()
    for text in texts:
        for match in _WORD.finditer(text):
            word = match.group()
            if word[0].islower():
                lowercase.add(word)
            elif match.start() > 1 and text[match.start() - 2] not in '.!?\n"“':
                capitalised[word.lower()] += 1
    return frozenset(w for w in capitalised if w not in lowercase and w not in ORG_WORDS and w not in _MONTH_NAMES)


def _distinct(ranked: list[str], corpus: Corpus, k: int) -> list[str]:
    """The first `k` ids whose texts differ (case and spacing apart): a derived fact that restates
    a hand-written one word for word, or a document ingested twice, would otherwise take two of
    the `k` places and push out a passage that says something else."""
    seen, kept = set(), []
    for id_ in ranked:
        text = " ".join(corpus.chunks[corpus.by_id[id_]].text.casefold().split())
        if text not in seen:
            seen.add(text)
            kept.append(id_)
            if len(kept) == k:
                break
    return kept


def reciprocal_rank_fusion(rankings: list[list[str]], k: int = RRF_K) -> dict[str, float]:
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, id_ in enumerate(ranking):
            fused[id_] = fused.get(id_, 0.0) + 1.0 / (k + rank + 1)
    return fused


def _whole_index_in_memory(corpus: Corpus) -> bool:
    """Every chunk's vector is in memory, or read into it once per generation: the saved view's
    matrix, or an index small enough to score exactly (`EXACT_LIMIT`)."""
    return len(corpus.chunks) <= EXACT_LIMIT or corpus.vectors is not None


@dataclass
class HybridSearch:
    """Search over the corridor index: `search(query)` -> LangChain `Document`s, best first.

    `mode` is "hybrid" (default), "dense" or "lexical"; `use_facts=False` hides every fact and
    `hand_facts=False` only the hand-written ones (`Settings.hand_facts`, off by default). Each
    returned `Document` carries `metadata["chunk"]` (the `IndexedChunk`), `dense` (cosine
    similarity to the query), `score` (fused) and the per-retriever ranks.

    A plain object rather than a LangChain `BaseRetriever`: importing LangChain's retriever and
    runnable machinery pulls in its tracers and langsmith, 1.4 s of every cold `corridor ask`.
    `assistant.chain.retriever(search)` is the LangChain retriever around it, for callers who
    compose or trace (`Assistant.retriever()`, `Assistant.chain()`).
    """

    store_provider: Callable[[], IndexStore]  # opened only when needed: a small index is searched in memory
    corpus_provider: Callable[[], Corpus]
    embed_query: Callable[[str], list[float]]
    # a loaded embedder: only then is a query embedded on another thread (`search`'s `meanwhile`);
    # loading it there would import numpy and onnxruntime beside the calling thread's imports
    embedder_ready: Callable[[], bool] = lambda: True
    # asked once per search of an index larger than `EXACT_LIMIT` whose saved view keeps the
    # vectors: may Chroma be queried (it is open, or worth opening)? If not, they are scored in memory
    index_for_dense: Callable[[], bool] = lambda: True
    k: int = 6
    depth: int = 20
    mode: str = "hybrid"
    use_facts: bool = True
    hand_facts: bool = True

    def _vectors(self, corpus: Corpus, source_id: str | None = None):
        """The ids and vectors of every chunk (or of one source's), read from the store once per
        index generation, and each id's row. A source's are taken from the whole index's when
        those are in memory already."""
        import numpy as np

        def rows_of_whole_index():
            _, matrix, row = self._vectors(corpus)
            kept = [c.id for c in corpus.source_chunks(source_id) if c.id in row]
            return kept, matrix[[row[i] for i in kept]].reshape(len(kept), -1), {i: r for r, i in enumerate(kept)}

        def read():
            if source_id is not None and _whole_index_in_memory(corpus):
                return rows_of_whole_index()
            chunks = corpus.chunks if source_id is None else corpus.source_chunks(source_id)
            ids = [c.id for c in chunks]
            if source_id is None and corpus.vectors is not None:  # saved with the snapshot
                return ids, corpus.vectors, {id_: row for row, id_ in enumerate(ids)}
            got = self.store_provider().embeddings_for(ids)
            kept = [i for i in ids if i in got]
            matrix = np.asarray([got[i] for i in kept], dtype=np.float32).reshape(len(kept), -1)
            return kept, matrix, {id_: row for row, id_ in enumerate(kept)}

        return corpus.memo(("vectors", source_id), read)

    def _in_memory(self, corpus: Corpus) -> bool:
        """Whether this search scores every vector in memory rather than querying Chroma: up to
        `EXACT_LIMIT` chunks, where that is exact (Chroma's HNSW graph is approximate, and built
        differently on each rebuild) and faster than a Chroma query; for a larger index whose
        saved view holds the vectors, as long as Chroma is not to be queried (`index_for_dense`:
        a process's first search, so that a one-shot `corridor ask` never loads Chroma's index)."""
        if len(corpus.chunks) <= EXACT_LIMIT:
            return True
        return corpus.vectors is not None and not self.index_for_dense()

    def _dense_hits(
        self, corpus: Corpus, query_vector: list[float], depth: int, in_memory: bool, source_id: str | None = None
    ) -> list[tuple[str, float]]:
        """The chunks (of one source, when given) most similar to the query, best first: scored
        in memory (`_in_memory`) or searched by Chroma."""
        import numpy as np

        searched = corpus.sources[source_id].chunks if source_id else len(corpus.chunks)
        if searched > EXACT_LIMIT and not in_memory:
            hits = self.store_provider().dense_search(query_vector, depth, source_id=source_id)
            return [(i, s) for i, s in hits if i in corpus.by_id]
        kept, matrix, _ = self._vectors(corpus, source_id)
        if not kept:
            return []
        sims = matrix @ np.asarray(query_vector, dtype=np.float32)
        top = np.argsort(-sims, kind="stable")[:depth]
        return [(kept[i], float(sims[i])) for i in top]

    def _similarities(self, corpus: Corpus, query_vector: list[float], ids: list[str]) -> dict[str, float]:
        """Cosine similarity of the query to chunks no dense search returned (BM25-only hits):
        from the vectors in memory when there are (the saved view's are Chroma's, read once),
        else read from Chroma."""
        import numpy as np

        q = np.asarray(query_vector, dtype=np.float32)
        if _whole_index_in_memory(corpus):
            _, matrix, row = self._vectors(corpus)
            return {i: float(matrix[row[i]] @ q) for i in ids if i in row}
        stored = self.store_provider().embeddings_for(ids)
        return {i: float(np.dot(q, np.asarray(v, dtype=np.float32))) for i, v in stored.items()}

    def search(self, query: str, meanwhile: Callable[[list[Document]], None] | None = None) -> list[Document]:
        """The `k` best chunks for `query`. `meanwhile`, when given, is called with the best BM25
        hits while the query is embedded on another thread (the forward pass releases the GIL):
        the answerer measures their sentences then instead of after the search."""
        corpus = self.corpus_provider()
        if not corpus.chunks:
            return []

        overlap = meanwhile is not None and self.embedder_ready()
        pending = _embed_in_background(self.embed_query, query) if overlap else None
        query_vector = self.embed_query(query) if pending is None else None
        # hidden facts are searched for and dropped, so each search still returns `self.depth` hits:
        # the ones it would return if the hidden facts were not indexed
        hidden = (
            corpus.hidden_facts(derived_too=not self.use_facts) if not self.use_facts or not self.hand_facts else ()
        )
        depth = self.depth * 2 if hidden else self.depth
        lexical_hits: list[tuple[str, float]] = []
        if self.mode in ("hybrid", "lexical"):
            lexical_hits = [h for h in corpus.lexical_search(query, depth) if h[0] not in hidden][: self.depth]
        lexical_rank = {id_: r for r, (id_, _) in enumerate(lexical_hits)}
        if meanwhile is not None and pending is not None:
            early = dict.fromkeys(
                [i for i, _ in lexical_hits[: self.k]] + [i for i in corpus.definitions_of(query) if i not in hidden]
            )
            meanwhile(self._documents(corpus, list(early), {}, {}, {}, lexical_rank))
            query_vector = pending.result()
        in_memory = self._in_memory(corpus)
        dense_hits: list[tuple[str, float]] = []
        if self.mode in ("hybrid", "dense"):
            dense_hits = [h for h in self._dense_hits(corpus, query_vector, depth, in_memory) if h[0] not in hidden][
                : self.depth
            ]
        main_hits: list[tuple[str, float]] = []
        if self.mode != "lexical" and corpus.main_share() < CROWDED_SHARE and corpus.generic_heads(query):
            # "the corridor" is the main source's: it is searched on its own as well, so that many
            # documents about other subjects of its kind cannot push its passages out
            main_hits = [
                h
                for h in self._dense_hits(corpus, query_vector, depth, in_memory, source_id=corpus.main_source())
                if h[0] not in hidden
            ][: self.depth]

        dense_rank = {id_: r for r, (id_, _) in enumerate(dense_hits)}
        fused = reciprocal_rank_fusion([[i for i, _ in hits] for hits in (dense_hits, lexical_hits, main_hits)])
        top = _distinct(sorted(fused, key=lambda i: (-fused[i], i)), corpus, self.k)

        top += [i for i in corpus.definitions_of(query) if i not in top and i not in hidden]
        dense_sim = dict(main_hits) | dict(dense_hits)
        missing = [i for i in top if i not in dense_sim]
        if missing:  # BM25-only hits: their cosine similarity still matters to the answerer
            dense_sim |= self._similarities(corpus, query_vector, missing)
        return self._documents(corpus, top, dense_sim, fused, dense_rank, lexical_rank)

    @staticmethod
    def _documents(
        corpus: Corpus,
        ids: list[str],
        dense_sim: dict[str, float],
        fused: dict[str, float],
        dense_rank: dict[str, int],
        lexical_rank: dict[str, int],
    ) -> list[Document]:
        docs = []
        for id_ in ids:
            chunk = corpus.chunks[corpus.by_id[id_]]
            docs.append(
                Document(
                    id=id_,
                    page_content=chunk.text,
                    metadata={
                        "chunk": chunk,
                        "dense": dense_sim.get(id_, 0.0),
                        "score": fused.get(id_, 0.0),
                        "dense_rank": dense_rank.get(id_),
                        "lexical_rank": lexical_rank.get(id_),
                    },
                )
            )
        return docs


def _embed_in_background(embed_query: Callable[[str], list[float]], query: str):
    """A future of the query's vector, returned once the embedding thread runs: until it does, a
    busy calling thread would keep the GIL for up to the interpreter's 5 ms switch interval."""
    started = threading.Event()

    def embed() -> list[float]:
        started.set()
        return embed_query(query)

    pending = _background().submit(embed)
    started.wait()
    return pending


@functools.cache
def _background():
    """Threads that embed queries while the calling thread works on the BM25 hits; created on first
    use, several so that concurrent questions do not queue behind one another."""
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=4, thread_name_prefix="corridor-embed")


# a forked child has none of the parent's threads: it starts a pool of its own
os.register_at_fork(after_in_child=_background.cache_clear)
