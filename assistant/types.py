"""Typed results of the public API. `to_dict()` gives plain JSON-serialisable data."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Citation:
    """A numbered source for an `[n]` marker. `quote` is a verbatim span of the source's text:
    `source_text[start:end] == quote`. `context` is the surrounding paragraph, with the quote at
    `context[quote_offset : quote_offset + len(quote)]`, so a UI can highlight it in place."""

    n: int
    source: str
    title: str
    published: str
    url: str
    quote: str
    score: float
    publisher: str = ""
    start: int = -1
    end: int = -1
    kind: str = "passage"  # "passage" | "caption" | "fact"
    context: str = ""
    quote_offset: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Retrieved:
    """One retrieved chunk, as the answerer saw it (for evaluation and debugging)."""

    id: str
    source: str
    kind: str
    text: str
    score: float
    dense: float
    lexical_rank: int | None = None
    dense_rank: int | None = None
    quote: str = ""  # the source span it stands for (a fact's supporting quote; a passage itself)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    """The assistant's reply.

    `text` carries inline `[n]` markers that index into `citations` (1-based). When the
    knowledge base does not hold the answer, `abstained` is True and `citations` is empty;
    `related` may then hold the closest passages, to be shown as "related passages, not an
    answer". `confidence` is the calibrated probability that the answer is right (0 when
    abstaining); `kind` says how it was composed ("sentence", "two-part", "list", "comparison", "yes-no",
    "overview", "metadata", "abstain", "clarify", "language").
    """

    question: str
    text: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    resolved_question: str = ""
    retrieved: list[Retrieved] = field(default_factory=list)
    latency_ms: float = 0.0
    grounding: str = "extractive"
    reason: str = ""
    confidence: float = 0.0
    kind: str = "sentence"
    related: list[Citation] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class SourceInfo:
    """One indexed source, as `Assistant.sources()` lists it."""

    id: str
    title: str
    published: str
    url: str
    publisher: str
    origin: str  # "builtin" | "user"
    chunks: int
    path: str = ""

    def to_dict(self) -> dict:
        return asdict(self)
