"""Every error Corridor Assistant raises on purpose. Messages are one line, safe to show users."""

from index.errors import CorridorError, DataDirError, IngestError


class InvalidQuestionError(CorridorError, ValueError):
    """The question is empty, blank, not text, or too long."""


class SourceNotFoundError(CorridorError, KeyError):
    """No indexed source has that id."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


__all__ = ["CorridorError", "DataDirError", "IngestError", "InvalidQuestionError", "SourceNotFoundError"]
