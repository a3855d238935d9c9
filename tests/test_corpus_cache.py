"""The corpus view saved beside the index: the same view and the same answers as one built from
Chroma, read without touching the chunks, prepared by the writer, never read when stale."""

from __future__ import annotations

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
    for name, value in vars(built).items():
        if name != "bm25":
            assert getattr(loaded, name) == value, name
    for question in _questions():
        assert loaded.lexical_search(question, 40) == built.lexical_search(question, 40), question


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
    (first,) = [p.name for p in root.iterdir()]
    assert first.startswith(f"g{asst.store.generation():08d}-")
    asst.ingest([FIXTURES / "docs" / "rail-freight-notes.txt"])
    (second,) = [p.name for p in root.iterdir()]  # the older one is gone
    assert second.startswith(f"g{asst.store.generation():08d}-") and second != first

    # A reader started after the ingest finds it: nothing is built from Chroma.
    monkeypatch.setattr(corpus_cache, "build", lambda *a: pytest.fail("the prepared view was not used"))
    reader = Assistant(data_dir=tmp_path / "data")
    assert any(s.id.startswith("rail-freight-notes") for s in reader.sources())


def test_a_stale_or_damaged_view_is_rebuilt_not_read(tmp_path, monkeypatch):
    asst = Assistant(data_dir=tmp_path / "data")
    asst.index()
    root = asst.store.corpus_dir
    (folder,) = list(root.iterdir())
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
        for name, value in vars(scratch).items():
            if name != "bm25":
                assert getattr(prepared, name) == value, name
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
