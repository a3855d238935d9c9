"""Chunking keeps every character: headings become metadata, one-line paragraphs stay text.

The property tests generate Markdown, plain text and HTML, load them as a user's file would be
loaded, and check that every non-whitespace character of the resulting source text lies inside
some chunk (the asterisks around a photo caption are markup and the only exception).
"""

from __future__ import annotations

import html
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.chunking import ChunkingParams, sentence_spans, split_source
from index.errors import IngestError
from index.loaders import load_file
from knowledge import Source


def uncovered(text: str, chunks) -> list[int]:
    covered = bytearray(len(text))
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        covered[chunk.start : chunk.end] = b"\x01" * (chunk.end - chunk.start)
    return [i for i, ch in enumerate(text) if not ch.isspace() and ch != "*" and not covered[i]]


def chunks_of(text: str, params: ChunkingParams = ChunkingParams()):
    return split_source(Source(id="doc", title="Doc", text=text), params)


def test_text_on_the_lines_after_a_heading_is_indexed_under_that_heading():
    text = "# Quarterly update\nThailand shipped 8,888 containers to Malaysia in the quarter.\n\nMore later."
    chunks = chunks_of(text)
    assert uncovered(text, chunks) == []
    first = chunks[0]
    assert first.heading == "Quarterly update" and first.text.startswith("# Quarterly update\nThailand")
    quoted = [text[s:e] for c in chunks for s, e in c.sentences]
    assert "Thailand shipped 8,888 containers to Malaysia in the quarter." in quoted
    assert not any("Quarterly update" in q for q in quoted)  # a heading is not a claim


def test_a_one_line_paragraph_without_final_punctuation_is_text():
    text = (
        "Corridor notes\n\nThailand shipped 8,888 containers to Malaysia\n\nMalaysia sent rubber north by rail in March"
    )
    chunks = chunks_of(text)
    assert uncovered(text, chunks) == []
    quoted = {text[s:e] for c in chunks for s, e in c.sentences}
    assert "Thailand shipped 8,888 containers to Malaysia" in quoted
    assert "Malaysia sent rubber north by rail in March" in quoted  # the last paragraph too
    assert "Corridor notes" not in quoted  # the document's title line is its heading
    assert {c.heading for c in chunks} == {"Corridor notes"}


def test_headings_of_every_kind_become_the_heading_of_the_text_under_them():
    text = (
        "Setext title\n============\nIntro sentence here.\n\n## Section two ##\n\nBody of two.\n\n"
        "*A photo caption under section two.*\n\n### Empty section\n\n## Last\nFinal words here."
    )
    chunks = chunks_of(text)
    assert uncovered(text, chunks) == []
    by_text = {c.text: c for c in chunks}
    assert by_text["Setext title\n============\nIntro sentence here."].heading == "Setext title"
    headings = [(c.kind, c.heading) for c in chunks]
    assert ("passage", "Section two") in headings and ("caption", "Section two") in headings
    empty = next(c for c in chunks if c.heading == "Empty section")
    assert empty.text == "### Empty section" and empty.sentences == ()  # kept, but nothing to quote
    assert chunks[-1].heading == "Last" and chunks[-1].text == "## Last\nFinal words here."


def test_heading_metadata_survives_the_index_round_trip():
    from index.chunking import IndexedChunk

    (chunk,) = chunks_of("# Rail\nTrains run daily to the port.")
    again = IndexedChunk.from_record(chunk.id, chunk.text, chunk.metadata())
    assert again == chunk and again.heading == "Rail"


def test_an_overlong_sentence_is_cut_for_quoting_but_fully_chunked():
    text = "word " * 5000
    chunks = chunks_of(text.strip())
    assert uncovered(text, chunks) == []
    spans = sentence_spans(Source(id="d", title="d", text=text.strip()))
    assert spans and max(e - s for s, e in spans) <= 1000


def test_a_sentence_goes_on_after_an_abbreviation_the_next_word_continues_in_lower_case():
    text = (
        "Two subspecies are now recognised. Welwitschia mirabilis subsp. mirabilis grows in Angola, while "
        "subsp. namibiana grows in Namibia. A fungus, Aspergillus niger var. phoenicis, destroys many seeds."
    )
    spans = sentence_spans(Source(id="d", title="d", text=text))
    assert [text[s:e] for s, e in spans] == [
        "Two subspecies are now recognised.",
        "Welwitschia mirabilis subsp. mirabilis grows in Angola, while subsp. namibiana grows in Namibia.",
        "A fungus, Aspergillus niger var. phoenicis, destroys many seeds.",
    ]


# ------------------------------------------------------------------------------ properties

WORDS = ["Chongqing", "rail", "port", "Vietnam", "62%", "3.5", "Co.,", "Ltd.", "U.S.", "e.g.", "über", "港口", "#1"]
word = st.one_of(
    st.sampled_from(WORDS),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1, max_size=12),
)
words = st.lists(word, min_size=1, max_size=25).map(" ".join)
stop = st.sampled_from(["", ".", "!", "?", ":", "…", ".”"])
sentence = st.builds(lambda w, s: w + s, words, stop)


def _markdown_block(draw_kind, text, level):
    return {
        "heading": "#" * level + " " + text,
        "setext": text + "\n" + ("=" if level == 1 else "-") * 3,
        "caption": f"*{text}*",
        "list": f"- {text}\n- {text}",
        "quote": f"> {text}",
        "para": text,
        "lines": text + "\n" + text,
        "heading+text": "#" * level + " " + text + "\n" + text,
    }[draw_kind]


markdown_block = st.builds(
    _markdown_block,
    st.sampled_from(["heading", "setext", "caption", "list", "quote", "para", "lines", "heading+text"]),
    st.lists(sentence, min_size=1, max_size=6).map(" ".join),
    st.integers(1, 6),
)
separator = st.sampled_from(["\n\n", "\n", "\n\n\n", "\n \n", "\r\n\r\n"])
markdown_doc = st.lists(st.tuples(markdown_block, separator), min_size=1, max_size=12).map(
    lambda parts: "".join(b + s for b, s in parts)
)
html_block = st.builds(
    lambda tag, text, inner: f"<{tag}>{html.escape(text)}{inner}</{tag}>",
    st.sampled_from(["p", "div", "h1", "h2", "h3", "li", "section", "span", "blockquote", "td"]),
    st.lists(sentence, min_size=1, max_size=5).map(" ".join),
    st.sampled_from(["", "<br>", "<b>bold words</b>", "<i>x</i> tail"]),
)
html_doc = st.lists(html_block, min_size=1, max_size=15).map(
    lambda blocks: "<html><head><title>T</title></head><body><article>" + "".join(blocks) + "</article></body></html>"
)
fuzz = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _loaded_chunks(name: str, data: str):
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / name
        path.write_text(data, encoding="utf-8")
        try:
            source = load_file(path)
        except IngestError as exc:  # e.g. nothing but whitespace: refused, never half-indexed
            assert "\n" not in str(exc)
            return None, []
    return source, split_source(source)


@fuzz
@given(markdown_doc)
def test_every_character_of_markdown_is_in_a_chunk(doc):
    source, chunks = _loaded_chunks("doc.md", doc)
    if source is not None:
        assert uncovered(source.text, chunks) == []


def test_an_initial_before_a_no_break_space_is_split_like_any_other_text():
    """sentencex panicked on a capital initial, a no-break space and a full stop ("G\xa0.", found by
    the fuzz test above); the paragraph is split, every character kept."""
    text = "The map was drawn by G\xa0. Mercator in 1569. It shows the coast of Vietnam.\n"
    source, chunks = _loaded_chunks("doc.txt", text)
    assert uncovered(source.text, chunks) == []
    assert any("Vietnam" in c.text for c in chunks)


@fuzz
@given(markdown_doc)
def test_every_character_of_plain_text_is_in_a_chunk(doc):
    source, chunks = _loaded_chunks("doc.txt", doc.replace("#", "").replace("*", ""))
    if source is not None:
        assert uncovered(source.text, chunks) == []


@fuzz
@given(html_doc)
def test_every_character_of_html_text_is_in_a_chunk(doc):
    source, chunks = _loaded_chunks("doc.html", doc)
    if source is not None:
        assert uncovered(source.text, chunks) == []


@fuzz
@given(
    st.text(min_size=1, max_size=3000),
    st.sampled_from([ChunkingParams(), ChunkingParams(60, 20), ChunkingParams(500, 0)]),
)
def test_every_character_of_any_text_is_in_a_chunk(text, params):
    chunks = chunks_of(text, params)
    assert uncovered(text, chunks) == []
    for chunk in chunks:
        assert list(chunk.sentences) == sorted(chunk.sentences)
        assert all(s < chunk.end and e > chunk.start for s, e in chunk.sentences)
