"""The corpus view saved beside the index: the same view and the same answers as one built from
Chroma, read without touching the chunks, prepared by the writer, never read when stale; a new
process on a published index starts from it without opening Chroma at all."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest

from assistant import Assistant, corpus_cache
from assistant.retrieval import Corpus
from tests.conftest import FIXTURES, load_fixture

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def ingested(tmp_path_factory):
    """An index of the built-in article and every fixture document, and its saved view."""
    data = tmp_path_factory.mktemp("corpus-cache") / "data"
    asst = Assistant(data_dir=data)
    asst.ingest([FIXTURES / "docs"])
    return asst


def _questions() -> list[str]:
    return [c["question"] for name in ("core.yaml", "docs_questions.yaml") for c in load_fixture(name)]


def test_the_saved_view_is_the_view_built_from_chroma(ingested, monkeypatch):
    store = ingested.store
    built = corpus_cache.build(Corpus, store, store.generation())
    monkeypatch.setattr(corpus_cache, "build", lambda *a: pytest.fail("the saved view was not used"))
    loaded = Corpus.load(store)
    assert set(vars(loaded)) == set(vars(built))
    _same_view(loaded, built)
    ids = [c.id for c in built.chunks]
    stored = store.embeddings_for(ids)
    assert np.array_equal(built.vectors, np.asarray([stored[i] for i in ids], dtype=np.float32))
    for question in _questions():
        assert loaded.lexical_search(question, 40) == built.lexical_search(question, 40), question


def _same_view(a: Corpus, b: Corpus) -> None:
    for name, value in vars(b).items():
        if name == "vectors":
            assert value is not None and np.array_equal(a.vectors, value)
        elif name != "bm25":
            assert getattr(a, name) == value, name


def test_answers_are_identical_with_and_without_the_saved_view(ingested, tmp_path, monkeypatch):
    """Every fixture set, every field of every answer but its latency."""
    cases = [
        (c, name) for name in ("core.yaml", "docs_questions.yaml", "conversations.yaml") for c in load_fixture(name)
    ]
    saved = Assistant(data_dir=ingested.settings.data_dir)

    def answers(asst) -> list[dict]:
        out = []
        for case, _ in cases:
            history: list[tuple[str, str]] = []
            for question in [*case.get("history", []), case["question"]]:
                got = asst.ask(question, history=history).to_dict()
                got.pop("latency_ms")
                out.append(got)
                history.append((question, got["text"]))
        return out

    with_view = answers(saved)
    assert saved.corpus().bm25 is not None and (saved.store.corpus_dir).is_dir()
    monkeypatch.setattr(corpus_cache, "read", lambda cls, folder: None)  # always built from Chroma
    rebuilt = Assistant(data_dir=ingested.settings.data_dir)
    without = answers(rebuilt)
    assert len(with_view) == len(without) > 100
    for a, b in zip(with_view, without, strict=True):
        assert a == b


def test_a_new_process_reads_no_chunk_from_chroma(ingested, monkeypatch):
    from index.store import IndexStore

    monkeypatch.setattr(IndexStore, "committed_chunks", lambda *a, **k: pytest.fail("chunks read from Chroma"))
    fresh = Assistant(data_dir=ingested.settings.data_dir)
    assert "Feng Jianfeng" in fresh.ask("Who founded Osell?").text


def test_the_writer_prepares_the_view_of_the_generation_it_publishes(tmp_path, monkeypatch):
    asst = Assistant(data_dir=tmp_path / "data")
    asst.index()
    root = asst.store.corpus_dir
    (first,) = [p.name for p in root.iterdir() if p.is_dir()]
    assert first.startswith(f"g{asst.store.generation():08d}-")
    asst.ingest([FIXTURES / "docs" / "rail-freight-notes.txt"])
    (second,) = [p.name for p in root.iterdir() if p.is_dir()]  # the older one is gone
    assert second.startswith(f"g{asst.store.generation():08d}-") and second != first

    # A reader started after the ingest finds it: nothing is built from Chroma.
    monkeypatch.setattr(corpus_cache, "build", lambda *a: pytest.fail("the prepared view was not used"))
    reader = Assistant(data_dir=tmp_path / "data")
    assert any(s.id.startswith("rail-freight-notes") for s in reader.sources())


def test_a_stale_or_damaged_view_is_rebuilt_not_read(tmp_path, monkeypatch):
    asst = Assistant(data_dir=tmp_path / "data")
    asst.index()
    root = asst.store.corpus_dir
    (folder,) = [p for p in root.iterdir() if p.is_dir()]
    (folder / "state.pickle").write_bytes(b"not a pickle")
    again = Assistant(data_dir=tmp_path / "data")
    assert "Feng Jianfeng" in again.ask("Who founded Osell?").text

    # Edited code (tokenizer, Corpus) gives another version: the saved one is not read.
    monkeypatch.setattr(corpus_cache, "_fingerprint", "edited")
    assert corpus_cache.version(asst.store, 1) != folder.name
    calls = []
    real = corpus_cache.build
    monkeypatch.setattr(corpus_cache, "build", lambda *a: calls.append(1) or real(*a))
    Assistant(data_dir=tmp_path / "data").corpus()
    assert calls == [1]


def test_server_mode_keeps_its_view_per_data_dir():
    a = corpus_cache.cache_root("/d", "http://127.0.0.1:8000", "corridor")
    b = corpus_cache.cache_root("/d", "http://127.0.0.1:8001", "corridor")
    assert a != b and a.parent == b.parent and a.name.startswith("server-")
    assert corpus_cache.cache_root("/d", None, "corridor").name == "embedded-corridor"


def test_a_view_built_from_the_previous_one_is_the_view_built_from_scratch(tmp_path, monkeypatch):
    """Added, changed and removed documents: the writer reads only what changed, with the same result."""
    import shutil

    from index.store import IndexStore

    docs = tmp_path / "docs"
    shutil.copytree(FIXTURES / "docs", docs)
    (docs / "malicious.md").unlink()
    asst = Assistant(data_dir=tmp_path / "data")
    asst.ingest([docs / "corridor-update-2023.md"])
    read_by_id = []
    real = IndexStore.committed_chunks

    def spy(self, records=None, known=None):
        got = real(self, records, known)
        read_by_id.append(len(got) - len(known or {}))
        return got

    monkeypatch.setattr(IndexStore, "committed_chunks", spy)

    def check() -> None:
        store = asst.store
        prepared = Corpus.load(store)
        scratch = corpus_cache.build(Corpus, store, store.generation())
        _same_view(prepared, scratch)
        for question in _questions():
            assert prepared.lexical_search(question, 40) == scratch.lexical_search(question, 40)

    asst.ingest([docs])  # two added
    assert 0 < read_by_id[0] < len(asst.corpus().chunks) / 2
    check()
    notes = docs / "rail-freight-notes.txt"
    notes.write_text(notes.read_text(encoding="utf-8").replace("36 trains", "38 trains"), encoding="utf-8")
    asst.ingest([docs])  # one changed
    check()
    asst.remove(next(s.id for s in asst.sources() if s.id.startswith("corridor-update-2024")))
    check()
    assert "38" in asst.ask("How many trains did the cold-chain service run over the whole season?").text


# ---- starting without Chroma --------------------------------------------------------------------
def _pointer(asst) -> dict:
    return json.loads((asst.store.corpus_dir / corpus_cache.POINTER).read_text(encoding="utf-8"))


def test_a_new_process_on_a_published_index_answers_without_importing_chromadb(ingested):
    code = (
        "import sys; import assistant.core as core; from assistant import Assistant; "
        "core.GENERATION_CHECK_S = 0.0; "  # look for other writers at every step, as a slow start would
        "a = Assistant(data_dir=sys.argv[1]); "
        "print(a.ask('Who founded Osell?').text); print('chromadb imported:', 'chromadb' in sys.modules)"
    )
    run = subprocess.run(
        [sys.executable, "-c", code, str(ingested.settings.data_dir)], capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    assert "Feng Jianfeng" in run.stdout
    assert run.stdout.strip().endswith("chromadb imported: False")


def test_a_large_index_answers_a_first_question_from_the_saved_vectors_and_later_ones_from_chroma(ingested):
    """Above `EXACT_LIMIT` chunks (lowered here to 10) dense search is Chroma's, but a process's
    first question scores the vectors the saved view keeps, so a one-shot ask never loads
    Chroma; the answers are the ones a warm process (Chroma open) gives."""
    code = (
        "import sys; import assistant.retrieval as r; r.EXACT_LIMIT = 10; from assistant import Assistant; "
        "a = Assistant(data_dir=sys.argv[1]); questions = sys.argv[2:]; "
        "print(repr(a.ask(questions[0]).text)); print('chromadb imported:', 'chromadb' in sys.modules); "
        "print(repr(a.ask(questions[1]).text)); print('chroma open:', a._store is not None); "
        "w = Assistant(data_dir=sys.argv[1]).warm_up(); print(repr(w.ask(questions[0]).text))"
    )
    questions = ["Who founded Osell?", "Who heads the corridor's operation organization center?"]
    run = subprocess.run(
        [sys.executable, "-c", code, str(ingested.settings.data_dir), *questions],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    first, imported, second, opened, warm = run.stdout.strip().splitlines()
    assert "Feng Jianfeng" in first and "Liu Wei" in second
    assert imported == "chromadb imported: False" and opened == "chroma open: True"
    assert warm == first


def test_a_warm_process_on_a_large_index_reads_no_vector_from_chroma_for_bm25_only_hits(ingested, monkeypatch):
    """Above `EXACT_LIMIT` (lowered to 10) Chroma's query finds the dense hits; the similarity of
    the BM25-only hits comes from the saved vectors, the same values Chroma holds."""
    import assistant.retrieval as retrieval
    from index.store import IndexStore

    monkeypatch.setattr(retrieval, "EXACT_LIMIT", 10)
    asst = Assistant(data_dir=ingested.settings.data_dir).warm_up()
    corpus, search = asst.corpus(), asst.search()
    vector = asst.store.embedder.embed_query("Who founded Osell?")
    ids = [c.id for c in corpus.chunks[:50]]
    from_chroma = {i: float(np.dot(vector, v)) for i, v in asst.store.embeddings_for(ids).items()}
    monkeypatch.setattr(IndexStore, "embeddings_for", lambda *a: pytest.fail("vectors read from Chroma"))
    assert search._similarities(corpus, vector, ids) == pytest.approx(from_chroma, abs=1e-6)
    assert "Feng Jianfeng" in asst.ask("Who founded Osell?").text


def test_a_writer_reads_from_chroma_only_the_vectors_of_the_chunks_it_added(tmp_path, monkeypatch):
    from index.store import IndexStore

    asst = Assistant(data_dir=tmp_path / "data")
    asst.ingest([FIXTURES / "docs" / "corridor-update-2023.md"])
    before = len(asst.corpus().chunks)
    read = []
    real = IndexStore.embeddings_for
    monkeypatch.setattr(IndexStore, "embeddings_for", lambda self, ids: read.append(len(ids)) or real(self, ids))
    report = asst.ingest([FIXTURES / "docs" / "corridor-update-2024.html"])
    added = len(asst.corpus().chunks) - before
    assert report.chunks == added > 0 and sum(read) == added
    assert asst.corpus().vectors.shape[0] == before + added


def test_the_published_view_follows_every_write(tmp_path):
    asst = Assistant(data_dir=tmp_path / "data")
    asst.index()
    before = _pointer(asst)
    assert before["manifest"]["generation"] == asst.store.generation()
    asst.ingest([FIXTURES / "docs" / "rail-freight-notes.txt"])
    after = _pointer(asst)
    assert after["manifest"]["generation"] == asst.store.generation() > before["manifest"]["generation"]

    reader = Assistant(data_dir=tmp_path / "data")
    assert any(s.id.startswith("rail-freight-notes") for s in reader.sources())
    assert reader._store is None  # started from the published view: Chroma was never opened
    assert "36" in reader.ask("How many trains did the cold-chain service run over the whole season?").text

    asst.remove(next(s.id for s in asst.sources() if s.id.startswith("rail-freight-notes")))
    again = Assistant(data_dir=tmp_path / "data")
    assert not any(s.id.startswith("rail-freight-notes") for s in again.sources()) and again._store is None


def test_without_a_current_pointer_the_index_is_opened_and_the_pointer_restored(tmp_path):
    """A writer killed between its manifest write and its pointer leaves none; a pointer of
    another model or chunking is not current. Either way the next process reads Chroma."""
    asst = Assistant(data_dir=tmp_path / "data")
    asst.index()
    pointer = asst.store.corpus_dir / corpus_cache.POINTER
    published = _pointer(asst)

    pointer.unlink()
    reader = Assistant(data_dir=tmp_path / "data")
    assert "Feng Jianfeng" in reader.ask("Who founded Osell?").text
    assert reader._store is not None and _pointer(reader) == published  # claimed again by the reader

    (pointer.parent / published["snapshot"]).rename(pointer.parent / "gone")  # pruned by other code
    renamed = Assistant(data_dir=tmp_path / "data")
    assert "Feng Jianfeng" in renamed.ask("Who founded Osell?").text and renamed._store is not None
    assert _pointer(Assistant(data_dir=tmp_path / "data")) == published  # the view built anew, claimed again

    pointer.write_text(json.dumps({**published, "code": "other code"}))  # an upgrade: its snapshot is not read
    upgraded = Assistant(data_dir=tmp_path / "data")
    upgraded.corpus()
    assert upgraded._store is not None and _pointer(upgraded) == published  # claimed anew by this code

    pointer.write_text(json.dumps({**published, "manifest": {**published["manifest"], "model": "another"}}))
    other = Assistant(data_dir=tmp_path / "data")
    other.corpus()
    assert other._store is not None


def test_a_reader_never_replaces_a_writers_pointer(tmp_path):
    corpus_cache.publish(tmp_path, "g00000003-abc", {"generation": 3})
    corpus_cache.claim(tmp_path, "g00000002-abc", {"generation": 2})
    assert json.loads((tmp_path / corpus_cache.POINTER).read_text())["snapshot"] == "g00000003-abc"
    corpus_cache.withdraw(tmp_path)
    corpus_cache.claim(tmp_path, "g00000002-abc", {"generation": 2})
    assert json.loads((tmp_path / corpus_cache.POINTER).read_text())["snapshot"] == "g00000002-abc"
    assert [p.name for p in tmp_path.iterdir()] == [corpus_cache.POINTER]  # no temporary file left
