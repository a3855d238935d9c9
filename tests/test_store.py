"""The store's write path: leftovers of an interrupted write are found by a marker, not a full scan."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from index.chunking import IndexedChunk
from index.embeddings import DIMENSIONS
from index.store import WRITING_ID, IndexStore, open_client
from knowledge import Source


class NoEmbedder:
    """The store is given vectors directly here; embedding would be a bug."""

    def embed_documents(self, texts):
        raise AssertionError("no embedding expected")

    def embed_query(self, text):
        raise AssertionError("no embedding expected")


def _source(n: int, chunks: int = 3) -> tuple[Source, list[IndexedChunk], str]:
    text = " ".join(f"Sentence {j} of document {n}." for j in range(chunks))
    source = Source(id=f"doc-{n}", title=f"Document {n}", text=text, origin="user")
    parts, offset = [], 0
    for j in range(chunks):
        sentence = f"Sentence {j} of document {n}."
        parts.append(
            IndexedChunk(
                f"doc-{n}-{j}",
                source.id,
                "passage",
                sentence,
                offset,
                offset + len(sentence),
                ((offset, offset + len(sentence)),),
            )
        )
        offset += len(sentence) + 1
    return source, parts, f"hash-{n}"


def _vectors(count: int, seed: int = 0) -> list[list[float]]:
    v = np.random.default_rng(seed).normal(size=(count, DIMENSIONS)).astype("float32")
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).tolist()


def _store(path) -> IndexStore:
    return IndexStore(open_client(path), NoEmbedder())


class ScanCounter:
    """Counts full reads of the chunk collection's metadata (what a garbage scan does)."""

    def __init__(self, store: IndexStore, monkeypatch):
        self.scans = 0
        real = store._pages

        def counting(collection, include):
            if collection is store._chunks and "metadatas" in include:
                self.scans += 1
            return real(collection, include)

        monkeypatch.setattr(store, "_pages", counting)


def test_a_finished_write_leaves_no_marker_and_no_scan(tmp_path, monkeypatch):
    store = _store(tmp_path / "d")
    item = _source(1)
    store.put_embedded([item], _vectors(3))
    assert not store._marked()

    again = _store(tmp_path / "d")
    counter = ScanCounter(again, monkeypatch)
    assert again.collect_garbage() == 0
    assert counter.scans == 0
    assert again.count() == 3


def test_an_interrupted_write_is_collected_by_the_next_writer(tmp_path, monkeypatch):
    store = _store(tmp_path / "d")
    store.put_embedded([_source(1)], _vectors(3))
    source, chunks, content_hash = _source(2)
    with pytest.raises(RuntimeError), store._writing():  # a writer dies after its chunks, before its record
        store._chunks.upsert(
            ids=[c.id for c in chunks],
            embeddings=_vectors(3, seed=1),
            documents=[c.text for c in chunks],
            metadatas=[{**c.metadata(), "source_hash": content_hash} for c in chunks],
        )
        raise RuntimeError("killed")
    assert store._marked() and store.count() == 6

    writer = _store(tmp_path / "d")
    counter = ScanCounter(writer, monkeypatch)
    assert writer.collect_garbage() == 3
    assert counter.scans == 1 and writer.count() == 3 and not writer._marked()
    assert writer.collect_garbage() == 0 and counter.scans == 1  # clean again: no second scan


def test_a_marker_found_at_the_start_of_a_write_survives_it_until_collected(tmp_path):
    store = _store(tmp_path / "d")
    store._write_log().upsert(ids=[WRITING_ID], embeddings=[[0.0]], documents=["12345"])  # a dead writer's
    store._chunks.upsert(ids=["orphan"], embeddings=_vectors(1), documents=["x"], metadatas=[{"source_id": "gone"}])

    writer = _store(tmp_path / "d")
    writer.put_embedded([_source(1)], _vectors(3))  # finishes cleanly, but the older leftovers remain
    assert writer._marked()
    assert writer.collect_garbage() == 1
    assert not writer._marked() and writer.count() == 3


def test_an_index_from_before_markers_is_scanned_once(tmp_path, monkeypatch):
    store = _store(tmp_path / "d")
    store.put_embedded([_source(1)], _vectors(3))
    store._chunks.upsert(ids=["orphan"], embeddings=_vectors(1), documents=["x"], metadatas=[{"source_id": "gone"}])
    store.client.delete_collection("corridor_writes")  # as an index written by an older version

    writer = _store(tmp_path / "d")
    counter = ScanCounter(writer, monkeypatch)
    assert writer.collect_garbage() == 1 and counter.scans == 1
    assert writer.collect_garbage() == 0 and counter.scans == 1


def test_removing_a_source_is_a_marked_write(tmp_path, monkeypatch):
    store = _store(tmp_path / "d")
    store.put_embedded([_source(1), _source(2)], _vectors(6))
    seen = []
    real_delete = store._chunks.delete

    def delete_and_look(**kwargs):
        seen.append(store._marked())
        return real_delete(**kwargs)

    monkeypatch.setattr(store._chunks, "delete", delete_and_look)
    assert store.remove_source("doc-1")
    assert seen == [True] and not store._marked()
    assert store.count() == 3


def test_sources_are_prepared_ahead_and_a_failure_while_preparing_reaches_the_caller(tmp_path):
    store = _store(tmp_path / "d")
    store.embedder = type("Fixed", (), {"embed_documents": lambda self, texts: _vectors(len(texts))})()
    prepared = []

    def plan():
        for n in range(4):
            prepared.append((n, threading.current_thread().name))
            yield _source(n, chunks=200)  # 200 chunks: each pair of sources is one batch of >= 256
        raise OSError("disk vanished while reading the fifth file")

    with pytest.raises(OSError, match="disk vanished"):
        store.put_sources(plan())
    assert prepared == [(n, "corridor-prepare") for n in range(4)]  # read and chunked beside the encoder
    assert store.count() == 800 and len(store.committed_chunks()) == 800  # both finished batches committed
    assert store._marked()  # the write did not finish: the next writer looks for leftovers


def test_a_failed_write_stops_the_reading_thread(tmp_path, monkeypatch):
    store = _store(tmp_path / "d")
    store.embedder = type("Fixed", (), {"embed_documents": lambda self, texts: _vectors(len(texts))})()
    monkeypatch.setattr(store, "put_embedded", lambda batch, vectors: (_ for _ in ()).throw(OSError("disk full")))

    def endless():
        n = 0
        while True:
            n += 1
            yield _source(n, chunks=300)

    try:
        store.put_sources(endless())
    except OSError as exc:  # checked while the traceback (which holds put_sources' frame) is alive
        assert "disk full" in str(exc)
        assert not any(t.name == "corridor-prepare" and t.is_alive() for t in threading.enumerate())
    else:
        pytest.fail("the write error was swallowed")


def test_a_chroma_failure_names_the_error_it_was_raised_over():
    # chromadb's cleanup after a client that failed to start raises its own AttributeError, which
    # alone says nothing of the cause
    from index.store import DataDirError, _chroma_errors

    with pytest.raises(DataDirError) as raised, _chroma_errors("the data dir", writing=False):
        try:
            raise OSError("database is locked")
        except OSError:
            raise AttributeError("'RustBindingsAPI' object has no attribute 'bindings'")  # noqa: B904
    message = str(raised.value)
    assert "AttributeError" in message and "raised while handling OSError: database is locked" in message
    assert "\n" not in message


class FakeEmbedder:
    """Unit vectors for any text: what these tests check is the order of writes, not the vectors."""

    def __init__(self, on_embed=None):
        self.on_embed = on_embed
        self.calls = 0

    def embed_documents(self, texts):
        self.calls += 1
        if self.on_embed:
            self.on_embed(self.calls)
        return _vectors(len(texts), seed=self.calls)

    def embed_query(self, text):
        raise AssertionError("no query expected")


def test_a_batch_is_written_while_the_next_one_is_encoded(tmp_path, monkeypatch):
    monkeypatch.setattr("index.store._EMBED_BATCH", 3)  # one source per batch
    second_encoding = threading.Event()
    store = IndexStore(open_client(tmp_path / "d"), FakeEmbedder(lambda n: n == 2 and second_encoding.set()))
    real = store.put_embedded
    overlapped = []

    def put_embedded(batch, vectors):
        if batch[0][0].id == "doc-1":  # the first write waits until the second batch is being encoded
            overlapped.append(second_encoding.wait(timeout=30))
        real(batch, vectors)

    monkeypatch.setattr(store, "put_embedded", put_embedded)
    assert store.put_sources([_source(1), _source(2), _source(3)]) == 9
    assert overlapped == [True]
    assert set(store.source_hashes()) == {"doc-1", "doc-2", "doc-3"} and store.count() == 9
    assert not store._marked()


def test_a_failed_background_write_stops_the_ingest_and_keeps_what_was_committed(tmp_path, monkeypatch):
    monkeypatch.setattr("index.store._EMBED_BATCH", 3)
    store = IndexStore(open_client(tmp_path / "d"), FakeEmbedder())
    real = store.put_embedded
    written = []

    def put_embedded(batch, vectors):
        if batch[0][0].id == "doc-2":
            raise RuntimeError("disk full")
        real(batch, vectors)
        written.append(batch[0][0].id)

    monkeypatch.setattr(store, "put_embedded", put_embedded)
    with pytest.raises(RuntimeError, match="disk full"):
        store.put_sources([_source(n) for n in range(1, 6)])
    assert written == ["doc-1"]  # nothing after the failed batch is written
    assert set(store.source_hashes()) == {"doc-1"}
    assert store._marked()  # the next writer collects whatever the failed write left


def test_a_passage_is_stored_as_offsets_into_its_source_and_read_back_whole(tmp_path):
    """Chroma keeps a passage's document empty (its text is its source's span) and a derived
    fact's own text; reading the index gives every chunk its full text either way."""
    store = _store(tmp_path)
    source, passages, content_hash = _source(1, chunks=2)
    fact = IndexedChunk("doc-1-fact", source.id, "fact", "Document 1 has two sentences.", 0, 25)
    store.put_embedded([(source, [*passages, fact], content_hash)], _vectors(3))

    stored = store._chunks.get(ids=["doc-1-0", "doc-1-1", "doc-1-fact"], include=["documents"])
    documents = dict(zip(stored["ids"], stored["documents"], strict=True))
    assert not documents["doc-1-0"] and not documents["doc-1-1"]
    assert documents["doc-1-fact"] == "Document 1 has two sentences."
    read = {c.id: c.text for c in store.committed_chunks()}
    assert read == {"doc-1-0": "Sentence 0 of document 1.", "doc-1-1": "Sentence 1 of document 1.", fact.id: fact.text}


def test_an_index_that_stored_passage_texts_reads_as_before(tmp_path):
    """Indexes written before passages were stored as offsets hold each text as its document."""
    store = _store(tmp_path)
    source, passages, content_hash = _source(2, chunks=2)
    store.put_embedded([(source, passages, content_hash)], _vectors(2))
    old = passages[0]
    store._chunks.upsert(  # as the earlier write path stored it, with a text unlike the source's span
        ids=[old.id],
        embeddings=_vectors(1),
        documents=["A text stored whole."],
        metadatas=[{**old.metadata(), "source_hash": content_hash}],
    )
    read = {c.id: c.text for c in store.committed_chunks()}
    assert read == {old.id: "A text stored whole.", passages[1].id: "Sentence 1 of document 2."}
