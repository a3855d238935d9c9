"""The corpus itself: cleaned source, front matter, and facts whose quotes can be checked."""

import re

from index.chunking import split_source
from knowledge import builtin_sources, load_facts

NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")


def test_source_has_front_matter_and_no_web_furniture():
    (source,) = [s for s in builtin_sources() if s.id == "ilstc-chongqing-asean"]
    assert source.publisher == "iChongqing"
    assert source.published == "2022-09-16"
    assert source.title.startswith("Chongqing Plays Key Role of ILSTC")
    for furniture in ("cookie", "I Agree", "About Us", "67230470", "ICP", "A Tour in Chongqing", "Natural Beauty"):
        assert furniture not in source.text, furniture
    assert "Osell and Laos Economic and Trade Group signed a cooperation agreement" in source.text


def test_there_are_enough_facts_with_unique_ids():
    facts = load_facts()
    assert len(facts) >= 40
    assert len({f.id for f in facts}) == len(facts)


def test_every_fact_quote_is_verbatim_and_supports_its_numbers():
    sources = {s.id: s for s in builtin_sources()}
    for fact in load_facts():
        assert fact.quote in sources[fact.source].text, fact.id
        for number in NUMBER.findall(fact.statement):
            assert number in fact.quote, f"{fact.id}: {number} is not in its quote"


def test_photo_captions_are_kept_and_marked():
    (source,) = builtin_sources()
    chunks = split_source(source)
    captions = [c for c in chunks if c.kind == "caption"]
    assert any("was held in Nanning on September 16" in c.text for c in captions)
    assert all("*" not in c.text for c in captions)
    assert not any("Nanning" in c.text for c in chunks if c.kind == "passage")


def test_chunk_offsets_point_at_the_chunk_text():
    (source,) = builtin_sources()
    for chunk in split_source(source):
        assert source.text[chunk.start : chunk.end] == chunk.text
        for s, e in chunk.sentences:
            assert s < chunk.end and e > chunk.start
            assert source.text[s:e].strip() == source.text[s:e]
