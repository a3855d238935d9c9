"""Sentence-aware chunking that keeps character offsets into the source text.

A source body is cut into *blocks*: a heading with the paragraphs under it, or a photo caption
(a paragraph written entirely in `*italics*`, marked `kind="caption"`). Each block is split with
LangChain's `RecursiveCharacterTextSplitter` on paragraph, then sentence boundaries, with overlap.
Every chunk also records the sentences it touches (absolute offsets), so the answerer can quote a
whole sentence verbatim without re-reading the source.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from knowledge import Fact, Source

_PARAGRAPH = re.compile(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*")
_INNER_STOP = re.compile(r"[.!?](?=.)", re.DOTALL)
_CAPTION = re.compile(r"^\*(?!\*)(?P<inner>.+?)\*$", re.DOTALL)
_SENTENCE_SEPARATORS = ["\n\n", "\n", r"(?<=[.!?])\s+(?=\S)", r"(?<=[.!?][”\"’)])\s+", "; ", ", ", " ", ""]


@dataclass(frozen=True)
class ChunkingParams:
    chunk_size: int = 200
    chunk_overlap: int = 40

    def describe(self) -> str:
        return f"recursive-sentence:{self.chunk_size}/{self.chunk_overlap}:v3"  # v3: derived facts


@dataclass(frozen=True)
class IndexedChunk:
    """One searchable unit: a passage or caption of a source, or a fact derived from one.

    `start`/`end` are offsets into `Source.text`: for passages the chunk itself, for facts the
    supporting quote. `sentences` lists (start, end) spans of whole sentences the chunk touches.
    """

    id: str
    source_id: str
    kind: str  # "passage" | "caption" | "fact"
    text: str
    start: int
    end: int
    sentences: tuple[tuple[int, int], ...] = ()
    fact_id: str = ""
    as_of: str = ""

    def metadata(self) -> dict:
        return {
            "source_id": self.source_id,
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "sentences": ";".join(f"{s}:{e}" for s, e in self.sentences),
            "fact_id": self.fact_id,
            "as_of": self.as_of,
        }

    @classmethod
    def from_record(cls, id_: str, text: str, meta: dict) -> IndexedChunk:
        spans = tuple(
            tuple(int(x) for x in pair.split(":")) for pair in str(meta.get("sentences") or "").split(";") if pair
        )
        return cls(
            id=id_,
            source_id=str(meta["source_id"]),
            kind=str(meta["kind"]),
            text=text,
            start=int(meta["start"]),
            end=int(meta["end"]),
            sentences=spans,  # type: ignore[arg-type]
            fact_id=str(meta.get("fact_id") or ""),
            as_of=str(meta.get("as_of") or ""),
        )


def _stable_id(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()[:32]


@functools.lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    # char_span=False: pysbd's own spans compile a regex per sentence (most of its run time);
    # with clean=False its sentences are verbatim substrings, located below with str.find.
    return pysbd.Segmenter(language="en", clean=False, char_span=False)


@functools.lru_cache(maxsize=4)
def _splitter(params: ChunkingParams):
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    return RecursiveCharacterTextSplitter(
        separators=_SENTENCE_SEPARATORS,
        is_separator_regex=True,
        keep_separator="end",
        chunk_size=params.chunk_size,
        chunk_overlap=params.chunk_overlap,
        add_start_index=True,
        strip_whitespace=True,
    )


@dataclass(frozen=True)
class _Block:
    kind: str  # "passage" | "caption"
    start: int
    end: int
    body_start: int  # where answerable sentences begin (after a heading line)


def _looks_like_title(para: str) -> bool:
    """A short single line without a full stop: a title or heading of a text or HTML document."""
    line = para.strip()
    return "\n" not in line and len(line.split()) <= 14 and not re.search(r"[.!?:;,\"”]$", line)


def _blocks(text: str) -> Iterator[_Block]:
    """Group paragraphs into heading-led blocks; captions stand alone."""
    current: list[int] | None = None  # [start, end, body_start]
    for match in _PARAGRAPH.finditer(text):
        para = match.group()
        if not para.strip():
            continue
        start, end = match.start(), match.end()
        caption = _CAPTION.match(para.strip())
        if caption:
            if current:
                yield _Block("passage", *current)
                current = None
            inner_start = start + para.index(caption.group("inner"))
            yield _Block("caption", inner_start, inner_start + len(caption.group("inner")), inner_start)
        elif para.lstrip().startswith("#") or _looks_like_title(para):
            if current:
                yield _Block("passage", *current)
            current = [start, end, end]
        elif current is None:
            current = [start, end, start]
        else:
            current[1] = end
    if current:
        yield _Block("passage", *current)


def _sentences(text: str, block: _Block) -> list[tuple[int, int]]:
    """Sentence spans inside a block, skipping the heading line (headings are not claims)."""
    spans = []
    for para in _PARAGRAPH.finditer(text, block.body_start, block.end):
        paragraph, cursor = para.group(), 0
        # One stop, at the very end: a single sentence, no need for the (slow) segmenter.
        single = not _INNER_STOP.search(paragraph.rstrip())
        for raw in [paragraph] if single else _segmenter().segment(paragraph):
            stripped = raw.strip()
            found = paragraph.find(stripped, cursor) if stripped else -1
            if found < 0:
                continue
            cursor = found + len(stripped)
            if len(stripped) >= 3:
                spans.append((para.start() + found, para.start() + cursor))
    return spans


def sentence_spans(source: Source) -> list[tuple[int, int]]:
    """Every answerable sentence of a source (headings excluded), as absolute offsets."""
    return [span for block in _blocks(source.text) for span in _sentences(source.text, block)]


def split_source(source: Source, params: ChunkingParams = ChunkingParams()) -> list[IndexedChunk]:
    """Chunks of one source, in document order, each with offsets and its sentences."""
    chunks: list[IndexedChunk] = []
    for block in _blocks(source.text):
        sentences = _sentences(source.text, block)
        block_text = source.text[block.start : block.end]
        for doc in _splitter(params).create_documents([block_text]):
            start = block.start + doc.metadata["start_index"]
            end = start + len(doc.page_content)
            assert source.text[start:end] == doc.page_content
            touched = tuple((s, e) for s, e in sentences if s < end and e > start)
            if not touched:
                continue  # a heading alone: nothing to answer from
            chunks.append(
                IndexedChunk(
                    id=_stable_id(source.id, block.kind, start, doc.page_content),
                    source_id=source.id,
                    kind=block.kind,
                    text=doc.page_content,
                    start=start,
                    end=end,
                    sentences=touched,
                    as_of=source.published,
                )
            )
    return chunks


def fact_chunks(facts: list[Fact], sources: dict[str, Source]) -> list[IndexedChunk]:
    """Facts become searchable units whose offsets point at their supporting quote.

    `sentences` holds the whole source sentence(s) around the quote: a citation shows those, so
    the reader sees the quote in its sentence rather than a clipped phrase.
    """
    out = []
    spans = {sid: sentence_spans(src) for sid, src in sources.items() if any(f.source == sid for f in facts)}
    for fact in facts:
        text = sources[fact.source].text
        start = text.index(fact.quote)
        end = start + len(fact.quote)
        around = tuple((s, e) for s, e in spans[fact.source] if s < end and e > start)
        out.append(
            IndexedChunk(
                id=_stable_id(fact.source, "fact", fact.id, fact.statement, fact.quote),
                source_id=fact.source,
                kind="fact",
                text=fact.statement,
                start=start,
                end=end,
                sentences=around,
                fact_id=fact.id,
                as_of=fact.as_of or sources[fact.source].published,
            )
        )
    return out
