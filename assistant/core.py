"""`Assistant`: the public entry point tying the index, the retrieval chain and the answerer together."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

from assistant.errors import CorridorError, InvalidQuestionError, SourceNotFoundError
from assistant.settings import Settings
from assistant.types import Answer, SourceInfo

History = Sequence[tuple[str, str]] | Sequence[str]
GENERATION_CHECK_S = 0.5  # how often a running assistant looks for another process's writes (one small read)


class Assistant:
    """Answers questions about the corridor from the knowledge base, with verbatim citations.

    >>> asst = Assistant(data_dir="/tmp/corridor-demo")          # doctest: +SKIP
    >>> ans = asst.ask("What share of the corridor's trade comes from Vietnam?")  # doctest: +SKIP
    >>> ans.text, ans.citations[0].quote                          # doctest: +SKIP

    The model and Chroma client load on first use (or `warm_up()`); the index is built on first
    use and reused afterwards as long as model, chunking and corpus are unchanged.
    """

    def __init__(
        self,
        data_dir: str | Path | None = None,
        *,
        chroma_url: str | None = None,
        top_k: int | None = None,
        llm: str | None = None,
        settings: Settings | None = None,
    ):
        base = settings or Settings.from_env(data_dir=data_dir, chroma_url=chroma_url, top_k=top_k, llm=llm)
        if settings and (data_dir or chroma_url or top_k or llm):
            base = replace(
                settings,
                data_dir=Path(data_dir) if data_dir else settings.data_dir,
                chroma_url=chroma_url or settings.chroma_url,
                top_k=top_k or settings.top_k,
                llm=llm or settings.llm,
            ).validated()
        self.settings = base
        self._lock = threading.RLock()
        self._store = None
        self._embedder = None
        self._corpus = None
        self._corpus_checked = 0.0
        self._answerings: dict[tuple, object] = {}
        self._answerer = None
        self._long_running = False  # set by `warm_up`: what is loaded stays, so it is frozen
        self._searched = False  # a first search has run (`_index_for_dense`)
        self.last_build = None

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def chunking(self):
        from index.chunking import ChunkingParams

        return ChunkingParams(self.settings.chunk_size, self.settings.chunk_overlap)

    @property
    def embedder(self):
        """The bundled model, with LangChain's `Embeddings` interface (cheap: the ONNX session loads on first use)."""
        with self._lock:
            if self._embedder is None:
                from index.embeddings import load_embedder

                self._embedder = load_embedder(self.settings.data_dir)
            return self._embedder

    @property
    def store(self):
        with self._lock:
            if self._store is None:
                from index.store import IndexStore, open_client

                embedder = self.embedder  # first: the model loads while Chroma imports
                client = open_client(self.settings.data_dir, self.settings.chroma_url)
                where = self.settings.chroma_url or str(self.settings.data_dir)
                store = IndexStore(
                    client, embedder, self.settings.collection_prefix, where=where, corpus_dir=self._corpus_root()
                )
                store.before_publish = lambda generation: self._prepare_corpus(store, generation)
                store.after_publish = lambda manifest: self._publish_corpus(store, manifest)
                self._store = store
            return self._store

    def _corpus_root(self) -> Path:
        from assistant import corpus_cache

        return corpus_cache.cache_root(
            self.settings.data_dir, self.settings.chroma_url, self.settings.collection_prefix
        )

    def _prepare_corpus(self, store, generation: int) -> None:
        """A writer's last step before publishing `generation`: save the corpus view readers will load."""
        from assistant import corpus_cache

        corpus_cache.withdraw(store.corpus_dir)  # until published, no process starts from the old one
        corpus_cache.prepare(store, generation, previous=self._corpus)  # unchanged sources are not read again

    def _publish_corpus(self, store, manifest: dict) -> None:
        """A writer's step after publishing: the next process starts from this view, without Chroma."""
        from assistant import corpus_cache

        name = corpus_cache.version(store, int(manifest["generation"]))
        if (store.corpus_dir / name).is_dir():
            corpus_cache.publish(store.corpus_dir, name, manifest)

    def _published_corpus(self):
        """The published generation's saved view, read without opening Chroma (an embedded index
        whose model, chunking and shipped knowledge are current); None otherwise."""
        from assistant import corpus_cache
        from assistant.retrieval import Corpus
        from index.build import wanted_manifest
        from index.embeddings import model_id
        from index.store import has_index, looks_intact

        data_dir = self.settings.data_dir
        if self.settings.chroma_url or not has_index(data_dir) or not looks_intact(data_dir):
            return None
        wanted = wanted_manifest(self.chunking, model_id(self.embedder))
        return corpus_cache.published(Corpus, self._corpus_root(), wanted)

    def _generation_changed(self) -> bool:
        """Has another process published a newer generation? A reader that started from the
        published view and never opened Chroma reads the view's pointer (a few hundred bytes)
        instead: opening the index only to look cost a second of importing Chroma, inside the
        first answer of a slow start."""
        if self._store is None and not self.settings.chroma_url:
            from assistant import corpus_cache

            published = corpus_cache.published_generation(self._corpus_root())
            if published is not None:
                return published != self._corpus.generation
        try:
            return self.store.generation() != self._corpus.generation
        except CorridorError:
            if self.settings.chroma_url:
                raise
            return True  # a client another assistant of this process retired: open the index again

    def _reopen_store(self) -> None:
        """Another process published a new generation: an embedded Chroma client keeps the vectors
        it loaded in memory (new chunks are missing from its dense index, and questions touching
        them fail with "Error finding id"), so the index is opened again, as a new process would.
        Requests still running finish on the old client; a Chroma server needs none of this."""
        if self.settings.chroma_url or self._store is None:
            return
        from index.store import retire_client

        retire_client(self._store.client)
        self._store = None
        self._answerings = {}  # their searches were built around the old store

    def index(self, rebuild: bool = False, progress: bool = False):
        """Build or refresh the index of the shipped knowledge; returns a `BuildReport`.

        An index that needs no change is only read, without the writer lock: a process started
        while another one ingests, or on a read-only data dir, answers at once from what is
        committed. `rebuild=True` embeds everything again, ingested documents included (from
        the text their records keep); the report says how many were carried over.
        """
        from index.build import BuildReport
        from index.store import writer_lock

        with self._lock:
            if not rebuild and self._index_is_current():
                self.last_build = BuildReport(False, 0, 0, "unchanged")
                return self.last_build
            with writer_lock(self.settings.data_dir, self.settings.chroma_url, rebuild=rebuild):
                report = self._rebuild(progress) if rebuild else self._sync(progress)
            self.last_build = report
            self._corpus = None
            return report

    def _index_is_current(self) -> bool:
        from index.build import is_current
        from index.store import has_index

        if not self.settings.chroma_url and not has_index(self.settings.data_dir):
            return False
        return is_current(self.store, self.chunking)

    def _sync(self, progress: bool, force: bool = False):
        from index.build import sync_builtin

        bar = _ProgressBar(enabled=progress)
        try:
            return sync_builtin(self.store, self.chunking, bar.start, bar.update, force=force)
        finally:
            bar.close()

    def _rebuild(self, progress: bool):
        """A new index in place of the old one, which is moved aside until the new one is done.

        Ingested documents are read from the old index first and re-embedded from their stored
        text. If the old index cannot be read at all, it is kept where it was moved (named in
        the report) rather than deleted.
        """
        import shutil

        from index.build import put_user_sources
        from index.store import move_index_aside, restore_index

        if self.settings.chroma_url:  # a server has no folder to move: everything is re-embedded in place
            return self._sync(progress, force=True)
        carried = self._stored_user_sources()
        data_dir = self.settings.data_dir
        self._store = None
        self._answerings = {}  # their searches were built around the old store
        aside = move_index_aside(data_dir)
        try:
            report = self._sync(progress, force=True)
            bar = _ProgressBar(enabled=progress)
            try:
                if carried:
                    bar.start(None)
                embedded = put_user_sources(self.store, carried or [], self.chunking, bar.update)
            finally:
                bar.close()
        except BaseException:
            self._store = None
            if aside is not None:
                restore_index(data_dir, aside)
            raise
        kept_at = ""
        if aside is not None and carried is not None:
            shutil.rmtree(aside, ignore_errors=True)
        elif aside is not None:
            kept_at = str(aside)
        return replace(
            report,
            embedded=report.embedded + embedded,
            sources=report.sources + len(carried or []),
            reason="rebuild asked for",
            user_sources=len(carried or []),
            kept_at=kept_at,
        )

    def _stored_user_sources(self):
        """Ingested documents as the index keeps them, or None when the index cannot be read."""
        try:
            records = self.store.source_records()
        except CorridorError:
            return None
        return [r.source for r in records.values() if r.source.origin != "builtin"]

    def ingest(
        self,
        paths,
        *,
        title: str | None = None,
        published: str | None = None,
        url: str | None = None,
        progress: bool = False,
        follow_symlinks: bool = False,
    ):
        """Add or refresh user documents (files or folders of .md, .txt, .html, .pdf).

        Returns an `IngestReport`; refused files are listed there with their reason and change
        nothing already indexed. Unchanged files are skipped; changed ones replace their old chunks.
        Symbolic links are refused unless `follow_symlinks`, and then only followed when they stay
        inside the folder that was named.
        """
        from index.ingest import ingest_paths
        from index.store import writer_lock

        paths = _checked_ingest_arguments(paths, title=title, published=published, url=url)
        self.corpus()  # the built-in knowledge is indexed first, so sources stay consistent
        # Only the file lock is held: questions keep being answered from the previous corpus meanwhile.
        with writer_lock(self.settings.data_dir, self.settings.chroma_url):
            self.store.collect_garbage()  # leftovers of a writer killed mid-file
            bar = _ProgressBar(enabled=progress)
            try:
                report = ingest_paths(
                    self.store,
                    list(paths),
                    self.chunking,
                    title=title,
                    published=published,
                    url=url,
                    follow_symlinks=follow_symlinks,
                    progress_total=bar.start,
                    progress=bar.update,
                )
            finally:
                bar.close()
        with self._lock:
            self._corpus = None
        return report

    def sources(self) -> list[SourceInfo]:
        """Every indexed source, newest first."""
        records = self.corpus().sources.values()
        infos = [
            SourceInfo(
                id=r.source.id,
                title=r.source.title,
                published=r.source.published,
                url=r.source.url,
                publisher=r.source.publisher,
                origin=r.source.origin,
                chunks=r.chunks,
                path=r.source.path,
            )
            for r in records
        ]
        return sorted(infos, key=lambda i: (i.published, i.id), reverse=True)

    def remove(self, source_id: str) -> SourceInfo:
        """Remove one ingested source and its chunks; raises `SourceNotFoundError` if unknown."""
        from index.store import writer_lock

        if not isinstance(source_id, str):
            raise SourceNotFoundError(f"a source id is text. Currently, it is {type(source_id).__name__}")
        known = {i.id: i for i in self.sources()}
        info = known.get(source_id)
        if info is None:
            raise SourceNotFoundError(f"no source with id {source_id!r} (see `corridor sources`)")
        if info.origin == "builtin":
            raise CorridorError(f"{source_id!r} is part of the built-in knowledge and cannot be removed")
        with self._lock, writer_lock(self.settings.data_dir, self.settings.chroma_url):
            self.store.remove_source(source_id)
            self.store.bump_generation()
            self._corpus = None
        return info

    def warm_up(self) -> Assistant:
        """Load the model, open the index (building it if needed) and prepare BM25.

        A long-running process opens Chroma here even when the saved view let it start without:
        it looks for other processes' writes in Chroma, and the first question should not wait
        for the client to open."""
        self.corpus()
        _ = self.store
        self.embedder.embed_query("warm up")
        self._long_running = True
        _freeze_what_is_loaded()
        return self

    def corpus(self):
        """The in-memory view of the index, reloaded when another process changed the index."""
        if self._corpus is None:
            _ = self.embedder  # a cold start: the model loads in the background while LangChain imports
        from assistant.retrieval import Corpus

        with self._lock:
            if self._corpus is None:
                if self.last_build is None:
                    self._corpus = self._published_corpus()
                    if self._corpus is not None:
                        from index.build import BuildReport

                        self.last_build = BuildReport(False, 0, 0, "unchanged")
                if self._corpus is None:
                    if self.last_build is None:
                        self.index()
                    self._corpus = Corpus.load(self.store)
                self._corpus_checked = time.monotonic()
            elif time.monotonic() - self._corpus_checked > GENERATION_CHECK_S:
                self._corpus_checked = time.monotonic()
                if self._generation_changed():
                    from assistant import corpus_cache

                    self._reopen_store()
                    self._corpus = corpus_cache.load(Corpus, self.store, previous=self._corpus)
                    if self._long_running:
                        _freeze_what_is_loaded()
            return self._corpus

    def search(self, mode: str = "hybrid", use_facts: bool | str | None = None, k: int | None = None):
        """The hybrid search `ask` runs (also for ablations), as a plain `HybridSearch`.

        `use_facts`: True (all facts), "derived" (only those derived automatically) or False (none);
        None: as `Settings.hand_facts` says (derived only, unless hand-written ones are switched on).
        """
        from assistant.retrieval import HybridSearch

        use_facts = self._facts(use_facts)

        return HybridSearch(
            store_provider=lambda: self.store,
            index_for_dense=self._index_for_dense,
            corpus_provider=self.corpus,
            embed_query=self.embedder.embed_query,
            embedder_ready=lambda: getattr(self.embedder, "ready", True),
            k=k or self.settings.top_k,
            depth=self.settings.retrieval_depth,
            mode=mode,
            use_facts=use_facts is not False,
            hand_facts=use_facts is True,
        )

    def _index_for_dense(self) -> bool:
        """Whether a search of an index too large to score in memory queries Chroma (opening it
        when it is not open): once it is open, and from a process's second search on. A first
        search scores the vectors the saved view keeps instead, so a one-shot `corridor ask` on
        50,000 chunks does not wait a second for Chroma to load its index (`warm_up` opens it)."""
        with self._lock:
            searched, self._searched = self._searched, True
            return searched or self._store is not None

    def _facts(self, use_facts: bool | str | None) -> bool | str:
        """Which facts a search reads: as asked, or (None) as the settings say."""
        if use_facts is None:
            return True if self.settings.hand_facts else "derived"
        return use_facts

    def retriever(self, mode: str = "hybrid", use_facts: bool | str | None = None, k: int | None = None):
        """The same search as a LangChain `BaseRetriever` (LangChain loads on this first call)."""
        from assistant.chain import retriever

        return retriever(self.search(mode, use_facts, k))

    def chain(self, mode: str = "hybrid", use_facts: bool | str | None = None, k: int | None = None):
        """{"question", "query", "context"} -> `Answer`, as a LangChain runnable: retrieve, then
        answer; the same steps `ask` runs (LangChain loads on this first call)."""
        from assistant.chain import runnable

        return runnable(self._answering(mode, use_facts, k))

    def _answering(self, mode: str, use_facts: bool | str, k: int | None):
        from assistant.chain import Answering
        from assistant.questions import analyze

        answerer = self._answerer_cached()

        def answer(x: dict, docs: list, prepared=None) -> Answer:
            corpus = self.corpus()
            if prepared is not None and prepared.corpus is corpus:
                return answerer.answer(x["question"], prepared.evidence.q, docs, corpus, prepared)
            question = analyze(x["query"], x.get("context", ""), corpus.names, x.get("previous", ""))
            return answerer.answer(x["question"], question, docs, corpus)

        def prepare(x: dict, hits: list):
            corpus = self.corpus()
            question = analyze(x["query"], x.get("context", ""), corpus.names, x.get("previous", ""))
            return answerer.premeasure(question, hits, corpus)

        # the extractive answerer measures the BM25 hits while the query is embedded; an LLM answerer
        # has nothing to do before the search ends
        overlapped = hasattr(answerer, "premeasure")
        return Answering(self.search(mode, use_facts, k), answer, prepare if overlapped else None)

    def answerer(self):
        """The extractive answerer, or the grounded LLM answerer when `settings.llm` names a model."""
        from assistant.answerer import ExtractiveAnswerer

        extractive = ExtractiveAnswerer(min_confidence=self.settings.min_confidence)
        if not self.settings.llm:
            return extractive
        from assistant.llm import answerer_from_spec  # the LLM extra loads only when asked for

        return answerer_from_spec(self.settings.llm, float(self.settings.llm_timeout), fallback=extractive)

    # -- asking ----------------------------------------------------------------------------
    def validate(self, question: object) -> str:
        if not isinstance(question, str):
            raise InvalidQuestionError(f"question must be text. Currently, it is {type(question).__name__}")
        text = question.strip()
        if not text:
            raise InvalidQuestionError("question is empty: ask something about the corridor")
        if len(text) > self.settings.max_question_chars:
            raise InvalidQuestionError(
                f"question is {len(text):,} characters; the limit is {self.settings.max_question_chars:,}"
            )
        _check_encodable("question", text)
        return text

    def validate_history(self, history: object) -> list[tuple[str, str]]:
        """`history` as (question, answer) pairs; anything else is an `InvalidQuestionError`.

        A plain string would otherwise be read as one turn per character, and a malformed turn
        fail deep inside follow-up resolution with a TypeError.
        """
        if history is None:
            return []
        if isinstance(history, str | bytes) or not isinstance(history, Sequence):
            raise InvalidQuestionError(
                f"history must be a list of (question, answer) pairs. Currently, it is {type(history).__name__}"
            )
        return [_turn(i, turn) for i, turn in enumerate(history)]

    def ask(
        self,
        question: str,
        history: History | None = None,
        k: int | None = None,
        *,
        retrieval: str = "hybrid",
        use_facts: bool | str | None = None,
    ) -> Answer:
        """Answer one question; `history` is the conversation so far as (question, answer) pairs.

        `retrieval` ("hybrid", "dense" or "lexical") and `use_facts` (True, "derived", False; None:
        `Settings.hand_facts` decides) exist for ablations.
        """
        t0 = time.perf_counter()
        text = self.validate(question)
        from assistant.followup import resolve
        from assistant.questions import without_format_request

        turns = self.validate_history(history)
        early = self._before_retrieval(text, turns)
        if early is not None:
            return replace(early, latency_ms=round((time.perf_counter() - t0) * 1000, 2))
        resolved = resolve(without_format_request(text), turns, self.corpus().names)
        if resolved.unresolved:
            ms = round((time.perf_counter() - t0) * 1000, 2)
            return Answer(
                text, resolved.clarification(), True, [], kind="clarify", reason="nothing to follow", latency_ms=ms
            )
        if k is not None and k <= 0:
            raise InvalidQuestionError(f"k must be greater than 0. Currently, k is {k}")
        if retrieval not in ("hybrid", "dense", "lexical"):
            raise CorridorError(f"retrieval must be hybrid, dense or lexical. Currently, it is {retrieval!r}")
        key = (retrieval, self._facts(use_facts), k or self.settings.top_k)
        with self._lock:
            answering = self._answerings.get(key)
            if answering is None:
                answering = self._answerings[key] = self._answering(retrieval, key[1], key[2])
        result: Answer = answering.invoke(
            {"question": text, "query": resolved.query, "context": resolved.context, "previous": resolved.previous}
        )
        if result.kind in ("sentence", "abstain") and not self.settings.llm:  # an LLM reads both parts itself
            result = self._both_parts(answering, text, resolved, turns) or result
        return replace(
            result, resolved_question=resolved.display(), latency_ms=round((time.perf_counter() - t0) * 1000, 2)
        )

    def _both_parts(self, answering, text: str, resolved, turns: list) -> Answer | None:
        """A question that asks two things, answered part by part ("What did they agree to create,
        and how much trade should it bring?"): one search for both often finds only one answer.
        A second part that refers back, as follow-up resolution reads it ("does it handle"), is
        searched with the first part as its topic and the first answer as the previous one; one
        that names its subject is searched alone. Both parts must be answered, each by its own
        sentences; else None (the whole is answered)."""
        from assistant.followup import resolve
        from assistant.questions import two_questions

        parts = two_questions(resolved.query)
        if parts is None:
            return None
        first, second = parts
        answers = [
            answering.invoke(
                {"question": text, "query": first, "context": resolved.context, "previous": resolved.previous}
            )
        ]
        if not _part_answered(answers[0]):
            return None
        then = resolve(second, [*turns, (first, answers[0].text)], self.corpus().names)
        refers_back = then.query != second or bool(then.context)
        answers.append(
            answering.invoke(
                {
                    "question": text,
                    "query": second,
                    "context": f"{first} {resolved.context}".strip() if refers_back else resolved.context,
                    "previous": then.previous if refers_back else resolved.previous,
                }
            )
        )
        if not _part_answered(answers[1]):
            return None
        spans = [[(c.source, c.start, c.end) for c in a.citations] for a in answers]
        if any(_overlap(a, b) for a in spans[0] for b in spans[1]):
            # one passage answers both: the answer that quotes all of it, else the question as one
            for this, other in ((1, 0), (0, 1)):
                if all(any(_within(o, s) for s in spans[this]) for o in spans[other]):
                    return answers[this]
            return None
        return _joined(*answers)

    @staticmethod
    def _before_retrieval(text: str, history) -> Answer | None:
        """Questions not to search for: one not in English gets a notice, never a guessed answer."""
        from assistant.language import detect_language, language_notice

        language = detect_language(text)
        if language != "en":
            return Answer(text, language_notice(language), True, [], kind="language", reason=f"language: {language}")
        return None

    def ask_stream(self, question: str, history: History | None = None) -> Iterator[str | Answer]:
        """Like `ask`, for chat UIs: yields text pieces as an LLM writes them, then the `Answer`.

        The `Answer` always comes last and is what to show in the end: an LLM reply is checked
        only once complete, so it may be replaced by the extractive answer. Without an LLM only
        the `Answer` is yielded.
        """
        answerer = self._answerer_cached()
        if not hasattr(answerer, "stream"):
            yield self.ask(question, history=history)
            return
        from assistant.followup import resolve
        from assistant.questions import analyze, without_format_request

        t0 = time.perf_counter()
        text = self.validate(question)
        corpus = self.corpus()
        turns = self.validate_history(history)
        early = self._before_retrieval(text, turns)
        resolved = resolve(without_format_request(text), turns, corpus.names)
        if early is not None or resolved.unresolved:
            yield early or Answer(text, resolved.clarification(), True, [], kind="clarify", reason="nothing to follow")
            return
        docs = self.search().search(resolved.search_text)
        q = analyze(resolved.query, resolved.context, corpus.names, resolved.previous)
        for item in answerer.stream(text, q, docs, corpus):
            if isinstance(item, str):
                yield item
            else:
                ms = round((time.perf_counter() - t0) * 1000, 2)
                yield replace(item, resolved_question=resolved.display(), latency_ms=ms)

    def _answerer_cached(self):
        with self._lock:
            if self._answerer is None:
                self._answerer = self.answerer()
            return self._answerer

    def source_text(self, source_id: str) -> str:
        """The full text a citation's `start`/`end` offsets point into."""
        return self.corpus().source_text(source_id)


def _freeze_what_is_loaded() -> None:
    """Take what a long-running process has loaded (the corpus view: millions of objects at a
    million chunks) out of the garbage collector's rounds, which would otherwise walk all of it
    now and then, a pause in whichever question triggers it. What an earlier freeze kept (a
    previous view, replaced) is handed back first, so it can be collected."""
    import gc

    gc.unfreeze()
    gc.collect()
    gc.freeze()


def _overlap(a: tuple[str, int, int], b: tuple[str, int, int]) -> bool:
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


def _within(inner: tuple[str, int, int], outer: tuple[str, int, int]) -> bool:
    return inner[0] == outer[0] and outer[1] <= inner[1] and inner[2] <= outer[2]


def _part_answered(answer: Answer) -> bool:
    """One part of a two-part question answered by sentences of its own (not a verdict or a
    comparison, which answer the whole question's form)."""
    return not answer.abstained and answer.kind in ("sentence", "list", "overview")


def _joined(first: Answer, second: Answer) -> Answer:
    """Two answers as one: the second's citations numbered after the first's."""
    import re

    shift = len(first.citations)
    text = re.sub(r"\[(\d+)\]", lambda m: f"[{int(m.group(1)) + shift}]", second.text)
    cited = first.citations + [replace(c, n=c.n + shift) for c in second.citations]
    seen = {r.id for r in first.retrieved}
    return replace(
        first,
        text=f"{first.text} {text}",
        citations=cited,
        retrieved=first.retrieved + [r for r in second.retrieved if r.id not in seen],
        confidence=min(first.confidence, second.confidence),
        kind="two-part",
    )


def _checked_ingest_arguments(paths, **texts) -> list:
    """`ingest`'s arguments as it needs them, or an `IngestError` naming the one that is wrong."""
    from index.errors import IngestError

    for name, value in texts.items():
        if value is not None and not isinstance(value, str):
            raise IngestError(f"{name} must be text. Currently, it is {type(value).__name__}")
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    if isinstance(paths, bytes) or not isinstance(paths, Sequence | set | frozenset):
        raise IngestError(
            f"paths must be a file or folder path, or a list of them. Currently, it is {type(paths).__name__}"
        )
    if not paths:
        raise IngestError("no paths given: name at least one file or folder")
    for path in paths:
        if not isinstance(path, str | os.PathLike):
            raise IngestError(f"paths must be file or folder paths. Currently, one is {type(path).__name__}")
    return list(paths)


def _check_encodable(what: str, text: str) -> None:
    """A lone surrogate ("\\ud800") cannot be encoded, embedded or shown: refused with its position."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidQuestionError(
            f"{what} contains an invalid character (a lone surrogate) at position {exc.start}"
        ) from None


def _turn(i: int, turn: object) -> tuple[str, str]:
    """One history item: a previous question, or a (question, answer) pair of text (an answer may be None)."""
    if isinstance(turn, str):
        pair = (turn, "")
    elif isinstance(turn, list | tuple) and len(turn) == 2 and all(isinstance(x, str | None) for x in turn):
        pair = (turn[0] or "", turn[1] or "")
    else:
        raise InvalidQuestionError(f"history item {i} must be a (question, answer) pair of text")
    for part in pair:
        _check_encodable(f"history item {i}", part)
    return pair


class _ProgressBar:
    """A tqdm bar that appears only when asked for (CLI), sized once the work is known."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.bar = None

    def start(self, total: int | None) -> None:
        """`total=None`: the amount of work is not known up front (a count and a rate are shown)."""
        if self.enabled and total != 0:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="chunk", desc="embedding", leave=False)

    def update(self, n: int) -> None:
        if self.bar is not None:
            self.bar.update(n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


_default: Assistant | None = None
_default_lock = threading.Lock()


def answer(question: str, history: History | None = None) -> Answer:
    """Answer with a process-wide default `Assistant` (settings from the environment)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Assistant()
    return _default.ask(question, history=history)
