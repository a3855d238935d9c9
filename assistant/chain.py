"""The answering chain: retrieve, then answer, as one LangChain runnable.

One runnable step instead of `RunnableLambda(retrieve) | RunnableLambda(answer)`: the sequence
inspected both functions' signatures and opened a callback manager per step on every call, about
2 ms a question on a laptop, more than the dense search itself. Callbacks still see the
retriever's run whenever a caller passes some (tracing); without any, nobody is listening and the
retriever is called directly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.runnables.config import ensure_config

from assistant.types import Answer


class AnswerChain(Runnable[dict, Answer]):
    """{"question", "query", "context"} -> `Answer`.

    `query` is the question as resolved against the conversation, `context` what it continues;
    both are searched for. `answer(x, docs)` turns the retrieved documents into the `Answer`.
    """

    name = "corridor-answer"

    def __init__(self, retriever: BaseRetriever, answer: Callable[[dict, list], Answer]) -> None:
        self.retriever = retriever
        self.answer = answer

    def invoke(self, input: dict, config: RunnableConfig | None = None, **kwargs: Any) -> Answer:
        config = ensure_config(config)
        search = f"{input['query']} {input.get('context', '')}".strip()  # == Resolved.search_text
        if config.get("callbacks"):
            docs = self.retriever.invoke(search, config)
        else:
            docs = self.retriever._get_relevant_documents(search, run_manager=None)
        return self.answer(input, docs)
