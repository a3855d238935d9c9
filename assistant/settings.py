"""All settings in one object. Precedence: argument, then `CORRIDOR_*` environment variable, then default.

Resolved when an `Assistant` is built, never at import time.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from assistant.errors import CorridorError

APP_NAME = "corridor-assistant"


def default_data_dir() -> Path:
    from platformdirs import user_data_dir

    return Path(user_data_dir(APP_NAME, appauthor=False))


_BOOLEANS = {"1": True, "true": True, "yes": True, "on": True, "0": False, "false": False, "no": False, "off": False}


@dataclass(frozen=True)
class Settings:
    """Configuration of an `Assistant`.

    >>> Settings.from_env(top_k=3).top_k
    3
    """

    data_dir: Path = field(default_factory=default_data_dir)
    chroma_url: str | None = None  # CORRIDOR_CHROMA_URL=http://host:port -> Chroma server
    collection_prefix: str = "corridor"
    top_k: int = 10  # passages handed to the answerer (more candidates: the confidence model sorts them)
    retrieval_depth: int = 20  # per retriever, before fusion
    chunk_size: int = 200  # small chunks: their similarity is close to that of the sentence quoted
    chunk_overlap: int = 40
    max_question_chars: int = 2000
    llm: str | None = None  # "ollama:MODEL" or "openai:MODEL"; unset = the offline extractive answerer
    llm_timeout: int = 30  # seconds before an LLM call gives up (the extractive answer is shown)
    # below this probability of being right the answerer abstains: higher means fewer wrong
    # answers and more abstentions (BENCHMARKS.md has both rates at 0.5, 0.55 and 0.6)
    min_confidence: float = 0.55
    # the facts written by hand for the bundled article (knowledge/facts.yaml) searched beside the
    # facts derived from every document: off, because on questions nobody tuned them for they
    # gave more wrong answers than right ones (BENCHMARKS.md, sixteenth round)
    hand_facts: bool = False

    _ENV = {
        "data_dir": "CORRIDOR_DATA_DIR",
        "chroma_url": "CORRIDOR_CHROMA_URL",
        "collection_prefix": "CORRIDOR_COLLECTION_PREFIX",
        "top_k": "CORRIDOR_TOP_K",
        "retrieval_depth": "CORRIDOR_RETRIEVAL_DEPTH",
        "chunk_size": "CORRIDOR_CHUNK_SIZE",
        "chunk_overlap": "CORRIDOR_CHUNK_OVERLAP",
        "max_question_chars": "CORRIDOR_MAX_QUESTION_CHARS",
        "llm": "CORRIDOR_LLM",
        "llm_timeout": "CORRIDOR_LLM_TIMEOUT",
        "min_confidence": "CORRIDOR_MIN_CONFIDENCE",
        "hand_facts": "CORRIDOR_HAND_FACTS",
    }

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        """Build settings from arguments (non-None win), then the environment, then defaults."""
        values = {}
        types = {f.name: f.type for f in fields(cls)}
        for name, var in cls._ENV.items():
            if overrides.get(name) is not None:
                values[name] = overrides[name]
            elif os.environ.get(var):
                raw = os.environ[var]
                if types[name] == "bool":
                    if raw.strip().lower() not in _BOOLEANS:
                        raise CorridorError(f"{var} must be 1 or 0 (true or false). Currently, {var} is {raw!r}")
                    values[name] = _BOOLEANS[raw.strip().lower()]
                elif types[name] in ("int", "float"):
                    kind = int if types[name] == "int" else float
                    try:
                        values[name] = kind(raw)
                    except ValueError:
                        article = "an integer" if kind is int else "a number"
                        raise CorridorError(f"{var} must be {article}. Currently, {var} is {raw!r}") from None
                else:
                    values[name] = raw
        settings = cls(**values)
        return settings.validated()

    def validated(self) -> Settings:
        for name in ("top_k", "retrieval_depth", "chunk_size", "max_question_chars", "llm_timeout"):
            value = getattr(self, name)
            if value <= 0:
                raise CorridorError(f"{name} must be greater than 0. Currently, {name} is {value}")
        if not 0 < self.min_confidence < 1:
            raise CorridorError(
                f"min_confidence must be between 0 and 1. Currently, min_confidence is {self.min_confidence}"
            )
        if not 0 <= self.chunk_overlap < self.chunk_size:
            raise CorridorError(
                f"chunk_overlap must be between 0 and chunk_size. Currently, chunk_overlap is {self.chunk_overlap}"
            )
        return replace(self, data_dir=Path(self.data_dir).expanduser())
