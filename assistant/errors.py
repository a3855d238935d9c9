"""Every error Corridor Assistant raises on purpose. Messages are one line, safe to show users."""

from index.errors import CorridorError, DataDirError, IngestError


class InvalidQuestionError(CorridorError, ValueError):
    """The question is empty, blank, not text, or too long."""


__all__ = ["CorridorError", "DataDirError", "IngestError", "InvalidQuestionError"]
