"""Resolve follow-up questions against the conversation so far (no LLM needed)."""

from __future__ import annotations

from collections.abc import Sequence


def resolve(question: str, history: Sequence) -> str:
    """The question as it should be searched. Placeholder: standalone questions pass through."""
    return question
