"""The LangChain face of answering: a retriever and a runnable over the same two steps `ask` runs.

`Answering` (search, then answer) is what `Assistant.ask` calls: plain Python, because LangChain's
runnable and retriever classes import its tracers and langsmith, 1.4 s of every cold
`corridor ask` for a call that takes 20 ms. `Assistant.chain()` wraps the very same steps as a
LangChain `Runnable` and `Assistant.retriever()` the search as a `BaseRetriever`, for callers who
compose chains or trace them; those classes are built on first use, so LangChain loads only then.
A test holds the runnable's answers equal to `ask`'s.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from assistant.types import Answer
from index.embeddings import register_with_langchain

if TYPE_CHECKING:
    from assistant.retrieval import HybridSearch


def search_text(input: dict) -> str:
    """What is searched for: the question as resolved against the conversation, and what it continues."""
    return f"{input['query']} {input.get('context', '')}".strip()  # == Resolved.search_text


@dataclass(frozen=True)
class Answering:
    """{"question", "query", "context"} -> `Answer`: search, then `answer(input, documents)`.

    With `prepare`, the answer's work on the BM25 hits (`prepare(input, hits)`) runs while the
    query is embedded, and what it returns is handed to `answer` as a third argument."""

    search: HybridSearch
    answer: Callable[..., Answer]
    prepare: Callable[[dict, list], object] | None = None

    def invoke(self, input: dict) -> Answer:
        if self.prepare is None:
            return self.answer(input, self.search.search(search_text(input)))
        prepared = []
        docs = self.search.search(search_text(input), meanwhile=lambda hits: prepared.append(self.prepare(input, hits)))
        return self.answer(input, docs, *prepared)


def retriever(search: HybridSearch):
    """`search` as a LangChain `BaseRetriever`."""
    return _retriever_class()(search=search)


def runnable(answering: Answering):
    """`answering` as a LangChain `Runnable` whose retrieval callbacks see the search (tracing)."""
    return _runnable_class()(answering)


@cache
def _retriever_class():
    register_with_langchain()
    from langchain_core.callbacks import CallbackManagerForRetrieverRun
    from langchain_core.documents import Document
    from langchain_core.retrievers import BaseRetriever
    from pydantic import ConfigDict

    class HybridRetriever(BaseRetriever):
        """The corridor index's hybrid search as a LangChain retriever."""

        model_config = ConfigDict(arbitrary_types_allowed=True)
        search: object  # HybridSearch

        def _get_relevant_documents(
            self, query: str, *, run_manager: CallbackManagerForRetrieverRun | None = None
        ) -> list[Document]:
            return self.search.search(query)

    return HybridRetriever


@cache
def _runnable_class():
    register_with_langchain()
    from langchain_core.runnables import Runnable, RunnableConfig
    from langchain_core.runnables.config import ensure_config

    class AnswerChain(Runnable[dict, Answer]):
        """{"question", "query", "context"} -> `Answer`, as one runnable step.

        One step instead of `RunnableLambda(retrieve) | RunnableLambda(answer)`: the sequence
        inspected both functions' signatures and opened a callback manager per step on every call,
        about 2 ms a question, more than the dense search itself. Callbacks still see the
        retriever's run whenever a caller passes some; without any, the steps run directly.
        """

        name = "corridor-answer"

        def __init__(self, answering: Answering) -> None:
            self.answering = answering
            self.retriever = retriever(answering.search)

        def invoke(self, input: dict, config: RunnableConfig | None = None, **kwargs) -> Answer:
            config = ensure_config(config)
            if not config.get("callbacks"):
                return self.answering.invoke(input)
            docs = self.retriever.invoke(search_text(input), config)
            return self.answering.answer(input, docs)

    return AnswerChain
