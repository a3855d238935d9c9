"""Scale-out path: the same code against a real `chroma run` server on 127.0.0.1."""

import pytest

from assistant import Assistant, DataDirError
from tests.conftest import chroma_run, free_port

pytestmark = [pytest.mark.server, pytest.mark.slow]


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    """`chroma run` from this venv, shared by this module's tests."""
    with chroma_run(tmp_path_factory.mktemp("chroma-server")) as url:
        yield url


def test_index_and_ask_through_the_server(chroma_server, tmp_path):
    first = Assistant(data_dir=tmp_path / "a", chroma_url=chroma_server)
    report = first.index()
    assert report.rebuilt and report.embedded > 40
    ans = first.ask("What share of the corridor's trade value comes from Vietnam?")
    assert "62%" in ans.text and ans.citations

    # A second app instance (another data dir, same server) shares the index: no embedding work.
    second = Assistant(data_dir=tmp_path / "b", chroma_url=chroma_server)
    assert second.index().embedded == 0
    assert "Feng Jianfeng" in second.ask("Who founded Osell?").text
    assert not (tmp_path / "b" / "chroma").exists()  # nothing embedded locally


def test_unreachable_server_is_a_clear_error(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(DataDirError, match="cannot reach the Chroma server"):
        Assistant(data_dir=tmp_path, chroma_url=url).ask("Who founded Osell?")


def test_ingest_and_ask_through_the_server(chroma_server, tmp_path):
    from tests.conftest import FIXTURES

    asst = Assistant(data_dir=tmp_path / "a", chroma_url=chroma_server, top_k=6)
    report = asst.ingest([FIXTURES / "docs"])
    assert report.ok and len(report.added) == 4
    ans = asst.ask("How many ports has the corridor reached?")
    assert ans.text.startswith("As of 2024-12-20:") and "514" in ans.text

    # Another instance sees the ingested documents through the server, and removal propagates.
    other = Assistant(data_dir=tmp_path / "b", chroma_url=chroma_server)
    ids = {s.id for s in other.sources()}
    assert len(ids) == 5
    rail = next(i for i in ids if i.startswith("rail-freight-notes"))
    other.remove(rail)
    assert rail not in {s.id for s in Assistant(data_dir=tmp_path / "c", chroma_url=chroma_server).sources()}
