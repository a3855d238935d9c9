"""Sentence-aware chunking that keeps character offsets into the source text, and every character.

A source body is cut into *blocks*: the text under a heading, or a photo caption (a paragraph
written entirely in `*italics*`, marked `kind="caption"`). A heading is not a claim, so it is not
a sentence; its text becomes the `heading` of every chunk under it, and its line is part of the
first of those chunks so that it is searched too. Every non-whitespace character of a source is
in some chunk: nothing is dropped for looking like a title.

Each block is split with LangChain's `RecursiveCharacterTextSplitter` on paragraph, then sentence
boundaries, with overlap. Every chunk also records the sentences it touches (absolute offsets), so
the answerer can quote a whole sentence verbatim without re-reading the source. Sentences come
from `sentencex` (rule-based like pysbd, with the same boundaries on this corpus, but linear in
the input: pysbd rescans the whole paragraph for every abbreviation and every sentence).
"""

from __future__ import annotations

import bisect
import dataclasses
import functools
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass

from knowledge import Fact, Source

_PARAGRAPH = re.compile(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*")
_CAPTION = re.compile(r"^\*(?!\*)(?P<inner>.+?)\*$", re.DOTALL)
_ATX_HEADING = re.compile(r"#{1,6}[ \t]+(?P<text>.+?)(?:[ \t]+#+)?[ \t]*")
_SETEXT_UNDERLINE = re.compile(r"(?:=+|-+)[ \t]*")
_FINAL_PUNCTUATION = re.compile(r"[.!?:;,\"”’)\]]$")
_LIST_OR_TABLE = re.compile(r"^(?:[-*+•|>]|\d+[.)])\s")
_NUMBER_NOT_YEAR = re.compile(r"\d(?<!\b(?:19|20)\d)|\d(?!\d{0,2}\b)")
_NON_SPACE = re.compile(r"\S")
_SENTENCE_SEPARATORS = ["\n\n", "\n", r"(?<=[.!?])\s+(?=\S)", r"(?<=[.!?][”\"’)])\s+", "; ", ", ", " ", ""]
MAX_HEADING_CHARS = 200  # a longer "heading" line is text: it would swell the chunk it opens
MAX_SENTENCE_CHARS = 1000  # a quote is a sentence; a 400k-character run without a stop is cut


@dataclass(frozen=True)
class ChunkingParams:
    chunk_size: int = 200
    chunk_overlap: int = 40

    def describe(self) -> str:
        return f"recursive-sentence:{self.chunk_size}/{self.chunk_overlap}:v21"  # v4: derived life dates; v5: acronyms before their expansion; v6: clause facts; v7: sentences with acronyms expanded; v8: who said what; v9: months as the part of the year; v10: acronyms with accented capitals; v11: names in another language; v12: pronouns restated with their names; v13: and a possessive pronoun; v16: no fact from the digits after a decimal point; v17: a subject names a person by whole words; v18: capitals only as names start, one-word names born in the text, subjects after a date; v19: "it" restated with the name the sentence before was about; v20: "..., he said." restated, no sentence end inside a name; v21: none after "subsp." when the next word is in lower case


@dataclass(frozen=True, slots=True)
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
    heading: str = ""  # the heading the chunk sits under ("" before any heading, and for facts)

    def metadata(self) -> dict:
        return {
            "source_id": self.source_id,
            "kind": self.kind,
            "start": self.start,
            "end": self.end,
            "sentences": ";".join(f"{s}:{e}" for s, e in self.sentences),
            "fact_id": self.fact_id,
            "as_of": self.as_of,
            "heading": self.heading,
        }

    def __reduce__(self):
        """Pickled as its fields, rebuilt by the constructor: a saved corpus view of 50,000 chunks
        loads in half the time of the slots dataclass's default (a `fields()` call per chunk)."""
        return (IndexedChunk, tuple(getattr(self, name) for name in _CHUNK_FIELDS))

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
            heading=str(meta.get("heading") or ""),
        )


_CHUNK_FIELDS = tuple(f.name for f in dataclasses.fields(IndexedChunk))


def _stable_id(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()[:32]


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
    start: int  # where the block starts: its heading line, if it has one
    end: int
    body_start: int  # where the text under the heading begins (== start without a heading)
    heading: str


@dataclass(frozen=True)
class _Paragraph:
    start: int
    end: int
    text: str


def _paragraphs(text: str) -> list[_Paragraph]:
    return [_Paragraph(m.start(), m.end(), m.group()) for m in _PARAGRAPH.finditer(text) if m.group().strip()]


def _heading(para: _Paragraph, is_first: bool, has_next: bool) -> tuple[str, int] | None:
    """(heading text, where the text under it starts) when the paragraph opens with a heading.

    Markdown headings (`# Title`, or a line underlined with === or ---) are headings wherever they
    are, and the lines after them in the same paragraph are text. A plain line counts as a title
    only when it is followed by text and looks like one (see `_looks_like_title`).
    """
    first, newline, rest = para.text.partition("\n")
    if len(first) > MAX_HEADING_CHARS:
        return None
    atx = _ATX_HEADING.fullmatch(first)
    if atx:
        return atx.group("text").strip(), para.start + len(first) + len(newline)
    underline, newline2, _ = rest.partition("\n")
    if newline and first.strip() and _SETEXT_UNDERLINE.fullmatch(underline) and not _LIST_OR_TABLE.match(first):
        return first.strip(), para.start + len(first) + len(newline) + len(underline) + len(newline2)
    if not newline and has_next and _looks_like_title(first, is_first):
        return first.strip(), para.end
    return None


def _looks_like_title(line: str, is_first: bool) -> bool:
    """A one-line paragraph is text unless it really is a title: no closing punctuation, not a list
    item, no figure other than a year ("Thailand shipped 8,888 containers" is a claim), and either
    the document's first line or short (up to 6 words) or in Title Case."""
    line = line.strip()
    words = line.split()
    if not words or len(words) > 14 or _FINAL_PUNCTUATION.search(line) or _LIST_OR_TABLE.match(line):
        return False
    if _NUMBER_NOT_YEAR.search(line):
        return False
    if is_first or len(words) <= 6:
        return True
    long_words = [w for w in words if len(w) >= 4 and w[0].isalpha()]
    return bool(long_words) and all(w[0].isupper() for w in long_words)


def _blocks(text: str) -> Iterator[_Block]:
    """Group paragraphs into heading-led blocks; captions stand alone under the current heading."""
    paragraphs = _paragraphs(text)
    heading = ""
    current: list | None = None  # [start, end, body_start, heading]
    for i, para in enumerate(paragraphs):
        caption = _CAPTION.match(para.text.strip())
        if caption:
            if current:
                yield _Block("passage", *current)
                current = None
            inner_start = para.start + para.text.index(caption.group("inner"))
            inner_end = inner_start + len(caption.group("inner"))
            yield _Block("caption", inner_start, inner_end, inner_start, heading)
            continue
        found = _heading(para, is_first=i == 0, has_next=i + 1 < len(paragraphs))
        if found:
            if current:
                yield _Block("passage", *current)
            heading, body_start = found
            current = [para.start, para.end, body_start, heading]
        elif current is None:
            current = [para.start, para.end, para.start, heading]
        else:
            current[1] = para.end
    if current:
        yield _Block("passage", *current)


def _sentences(text: str, block: _Block) -> list[tuple[int, int]]:
    """Sentence spans of a block's text (its heading line excluded: headings are not claims)."""
    spans: list[tuple[int, int]] = []
    for para in _PARAGRAPH.finditer(text, block.body_start, block.end):
        for start, end in _sentence_spans_in(para.group()):
            spans.extend(_capped(text, para.start() + start, para.start() + end))
    return spans


def _sentence_spans_in(paragraph: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each sentence of one paragraph, whitespace trimmed, fragments under 3 characters skipped."""
    for start, end in _unbroken(paragraph):
        piece = paragraph[start:end]
        stripped = piece.strip()
        if len(stripped) >= 3:
            start += len(piece) - len(piece.lstrip())
            yield start, start + len(stripped)


# a short lower-case word with a full stop, then a lower-case word: an abbreviation inside a
# sentence ("Welwitschia mirabilis subsp. namibiana", "Aspergillus niger var. phoenicis")
_ABBREVIATION_END = re.compile(r"(?:^|\s)[a-z]{1,6}\.$")


# Whitespace outside ASCII ("\xa0", "\u2009"): sentencex 1.0.32 slices bytes after a capital
# initial and panics when one follows it ("G\xa0. Smith"); a space in its place keeps every offset
_WIDE_SPACE = re.compile(r"[^\S\x00-\x7f]")


def _unbroken(paragraph: str) -> list[tuple[int, int]]:
    """sentencex's sentence boundaries, less those after an abbreviation that the next sentence
    continues in lower case (a sentence never starts with one)."""
    spans: list[tuple[int, int]] = []
    for start, end in _boundaries(paragraph):
        following = paragraph[start:end].lstrip()
        if (
            spans
            and following[:1].islower()
            and _ABBREVIATION_END.search(paragraph[spans[-1][0] : spans[-1][1]].rstrip())
        ):
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def _boundaries(paragraph: str) -> list[tuple[int, int]]:
    """sentencex's (start, end) of each sentence; the paragraph as one sentence if it still fails
    (a Rust panic inside it must not stop an ingest)."""
    import sentencex

    try:
        found = sentencex.get_sentence_boundaries("en", _WIDE_SPACE.sub(" ", paragraph))
    except BaseException as error:  # pyo3's PanicException derives from BaseException
        if type(error).__name__ != "PanicException":
            raise
        return [(0, len(paragraph))]
    return [(f["start_index"], f["end_index"]) for f in found]


def _capped(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """A sentence longer than `MAX_SENTENCE_CHARS` is cut at spaces into pieces no longer than that."""
    while end - start > MAX_SENTENCE_CHARS:
        cut = text.rfind(" ", start + MAX_SENTENCE_CHARS // 2, start + MAX_SENTENCE_CHARS)
        cut = cut if cut > start else start + MAX_SENTENCE_CHARS
        yield start, cut
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        yield start, end


def sentence_spans(source: Source) -> list[tuple[int, int]]:
    """Every answerable sentence of a source (headings excluded), as absolute offsets."""
    return [span for block in _blocks(source.text) for span in _sentences(source.text, block)]


def split_source(source: Source, params: ChunkingParams = ChunkingParams()) -> list[IndexedChunk]:
    """Chunks of one source, in document order, each with offsets, its sentences and its heading.

    Together the chunks cover every non-whitespace character of `source.text`.
    """
    chunks: list[IndexedChunk] = []
    for block in _blocks(source.text):
        sentences = _sentences(source.text, block)
        starts, ends = [s for s, _ in sentences], [e for _, e in sentences]
        for start, end in _block_pieces(source.text, block, params):
            first = bisect.bisect_right(ends, start)  # sentences end in document order
            last = bisect.bisect_left(starts, end, lo=first)
            touched = sentences[first:last]
            text = source.text[start:end]
            chunks.append(
                IndexedChunk(
                    id=_stable_id(source.id, block.kind, start, text),
                    source_id=source.id,
                    kind=block.kind,
                    text=text,
                    start=start,
                    end=end,
                    sentences=tuple(touched),
                    as_of=source.published,
                    heading=block.heading,
                )
            )
    return chunks


def _located(text: str, pieces: list[str]) -> list[tuple[int, int]]:
    """Offsets of the splitter's pieces, in order, with no uncovered text between two of them.

    Each piece is looked for where it must be: not before the previous one's start, and starting no
    later than the first non-space after the previous one's end. (LangChain's own `start_index`
    searches from an estimate and can land on a repeat further on, or on -1, in repetitive text.)
    """
    spans: list[tuple[int, int]] = []
    prev_start, prev_end = -1, 0
    for piece in pieces:
        next_text = _NON_SPACE.search(text, prev_end)
        limit = next_text.start() if next_text else len(text)
        start = text.rfind(piece, max(prev_start, 0), limit + len(piece))
        if start < 0:
            start = text.find(piece, max(prev_start, 0))
        spans.append((start, start + len(piece)))
        prev_start, prev_end = start, start + len(piece)
    return spans


def _block_pieces(text: str, block: _Block, params: ChunkingParams) -> list[tuple[int, int]]:
    """(start, end) of each chunk of a block: the splitter's pieces of the text under the heading,
    the first one reaching back over the heading line (a heading alone is one piece)."""
    body = text[block.body_start : block.end]
    pieces = [
        (block.body_start + s, block.body_start + e) for s, e in _located(body, _splitter(params).split_text(body))
    ]
    if block.start < block.body_start:
        heading_end = len(text[block.start : block.body_start].rstrip()) + block.start
        if pieces:
            pieces[0] = (block.start, pieces[0][1])
        else:
            pieces.append((block.start, heading_end))
    return pieces


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
