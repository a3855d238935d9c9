"""Errors raised while building or opening the index. Messages are safe to show to users.

They are re-exported by `assistant.errors`, the public home of every error class.
"""


class CorridorError(Exception):
    """Base class of every error Corridor Assistant raises on purpose."""


class DataDirError(CorridorError):
    """The data dir (or Chroma server) cannot be used: corrupt, foreign, or unreachable."""


class IngestError(CorridorError):
    """A document was refused; nothing from it was indexed."""
