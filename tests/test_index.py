"""Index lifecycle: reuse on restart, rebuild on change, clear errors for bad data dirs."""

import pytest

from assistant import Assistant, DataDirError


def test_second_start_does_no_embedding_work(tmp_path, monkeypatch):
    first = Assistant(data_dir=tmp_path / "d")
    report = first.index()
    assert report.rebuilt and report.embedded > 40

    second = Assistant(data_dir=tmp_path / "d")
    calls = []
    monkeypatch.setattr(type(second.store.embedder), "embed_documents", lambda self, texts: calls.append(texts) or [])
    again = second.index()
    assert not again.rebuilt and again.embedded == 0
    assert calls == []
    assert "335" in second.ask("How many ports has the corridor reached?").text


def test_changed_chunking_rebuilds(tmp_path):
    Assistant(data_dir=tmp_path / "d").index()
    report = Assistant(data_dir=tmp_path / "d", settings=None).index()
    assert report.embedded == 0
    from assistant import Settings

    changed = Assistant(settings=Settings(data_dir=tmp_path / "d", chunk_size=300, chunk_overlap=60))
    report = changed.index()
    assert report.rebuilt and report.reason == "model or chunking changed"
    assert "62%" in changed.ask("What share of the corridor's trade value comes from Vietnam?").text


def test_foreign_data_dir_is_refused_untouched(tmp_path):
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "holiday.jpg").write_bytes(b"\xff\xd8")
    with pytest.raises(DataDirError, match="not a Corridor Assistant data dir") as info:
        Assistant(data_dir=foreign).ask("Who founded Osell?")
    assert str(foreign) in str(info.value)
    assert sorted(p.name for p in foreign.iterdir()) == ["holiday.jpg"]


def test_corrupt_index_names_the_dir_and_the_fix(tmp_path):
    data = tmp_path / "d"
    Assistant(data_dir=data).index()
    for f in (data / "chroma").rglob("*.sqlite3"):
        f.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DataDirError) as info:
        Assistant(data_dir=data).ask("Who founded Osell?")
    assert str(data) in str(info.value) and "corridor index --rebuild" in str(info.value)

    rebuilt = Assistant(data_dir=data)
    rebuilt.index(rebuild=True)
    assert "Feng Jianfeng" in rebuilt.ask("Who founded Osell?").text
