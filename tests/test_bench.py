"""`corridor bench`'s machinery: synthetic indexes, measurements from fresh processes, the report.

These check that the benchmark measures what it says; the figures themselves are in BENCHMARKS.md.
"""

from __future__ import annotations

import random

import pytest

from assistant import Assistant
from assistant.bench import _reader_step, grow_synthetic, markdown, scale
from index.store import IndexStore, open_client
from tests.test_store import NoEmbedder


def test_a_synthetic_index_is_committed_chunks_with_vectors_and_no_encoding(tmp_path):
    store = IndexStore(open_client(tmp_path / "d"), NoEmbedder())  # embedding would raise
    rate = grow_synthetic(store, 1500, random.Random(1))
    assert rate > 0
    assert store.count() == 1500 and len(store.committed_chunks()) == 1500
    assert store.generation() == 1  # readers see the growth
    assert not store._marked()
    hits = store.dense_search(store.embeddings_for(["synthetic-00001-7"])["synthetic-00001-7"], 3)
    assert hits[0][0] == "synthetic-00001-7" and hits[0][1] == pytest.approx(1.0, abs=1e-5)

    grow_synthetic(store, 2000, random.Random(1))  # grows from where it is
    assert store.count() == 2000


RESULTS = {
    "machine": {"cpu": "Test CPU", "cores": 2, "memory_gb": 23.5, "python": "3.11.7", "load_average": 0.5},
    "cold_start": {
        "import_floor_s": 1.4,
        "import_floor_chroma_s": 2.6,
        "cold_ask_s": 1.7,
        "ratio": 1.21,
        "cold_ask_peak_rss_mb": 300.0,
        "torch_cold_ask_s": 7.1,
        "torch_cold_ask_peak_rss_mb": 620.0,
        "speedup_vs_torch": 4.18,
    },
    "warm": {
        "embed_query_p50_ms": 6.1,
        "answer_p50_ms": 9.5,
        "answer_p95_ms": 12.3,
        "p50_ratio": 1.56,
        "p95_ratio": 2.02,
    },
    "indexing": {
        "backend": "onnx",
        "chunks": 3000,
        "files": 250,
        "raw_encode_chunks_per_s": 520.0,
        "torch_raw_encode_chunks_per_s": 270.0,
        "ingest_chunks_per_s": 430.0,
        "ratio": 0.827,
        "ratio_vs_torch_raw": 1.59,
        "reingest_unchanged_s": 0.4,
        "reingest_embedded_chunks": 0,
    },
    "scale": [
        {
            "chunks": 10115,
            "answer_p50_ms": 14.2,
            "answer_p95_ms": 20.1,
            "p50_ratio": 2.3,
            "cold_ask_s": 3.3,
            "first_answer_s": 3.1,
            "rss_mb": 412.0,
            "disk_mb": 61.0,
        }
    ],
    "peak_rss_mb": 900.0,
}


def test_the_report_shows_every_figure_against_its_floor():
    text = markdown(RESULTS)
    for figure in (
        "1.7 s",
        "1.4 s",
        "2.6 s",
        "1.21x",
        "7.1 s",
        "9.5 ms",
        "6.1 ms",
        "430.0 chunks/s",
        "520.0 chunks/s",
        "83%",
        "1.59x",
    ):
        assert figure in text, figure
    assert "| 10,115 | 14.2 ms | 20.1 ms | 2.3x | 3.3 s | 3.1 s | 412 MB | 61 MB |" in text
    assert "Embeddings: onnx." in text


def test_a_failed_ingest_beside_a_reader_is_recorded_not_raised(assistant, tmp_path):
    """At 1M chunks `corridor ingest` beside a running assistant once failed after 90 minutes of
    growing the index; the figures measured before it must survive."""
    not_a_folder = tmp_path / "data"
    not_a_folder.write_text("a file where the data dir should be")
    messages = []
    got = _reader_step(assistant, not_a_folder, tmp_path / "new", messages.append)
    assert got["reader_sees_writer_s"] is None and got["ingest_one_document_s"] is None
    assert got["reader_sees_writer_error"] and "Traceback" not in got["reader_sees_writer_error"]
    assert any(got["reader_sees_writer_error"] in m for m in messages)


@pytest.mark.slow
def test_scale_measures_a_grown_index_from_fresh_processes():
    messages = []
    (row,) = scale(lambda d: Assistant(data_dir=d), sizes=(1000,), rounds=1, progress=messages.append)
    assert row["chunks"] >= 1000  # the built-in knowledge plus two synthetic sources
    assert 0 < row["answer_p50_ms"] <= row["answer_p95_ms"]
    assert row["cold_ask_s"] > 0 and row["first_answer_s"] > 0
    assert 100 < row["rss_mb"] <= row["peak_rss_mb"] and row["cold_ask_peak_rss_mb"] > 100
    assert row["disk_mb"] > 1
    assert any("1,000 chunks" in m for m in messages)
    assert any('"cold_ask_s"' in m for m in messages)  # each size's figures are logged as soon as measured
