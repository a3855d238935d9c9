"""Corridor Assistant: grounded answers about the New International Land-Sea Trade Corridor.

>>> from assistant import answer                                        # doctest: +SKIP
>>> ans = answer("What share of the corridor's trade value comes from Vietnam?")  # doctest: +SKIP
>>> ans.text                                                             # doctest: +SKIP
'Vietnam accounts for 62% ... [1]'

Importing this package is cheap: the model, Chroma and LangChain load on first use.
"""

from assistant.core import Assistant, answer
from assistant.errors import CorridorError, DataDirError, IngestError, InvalidQuestionError, SourceNotFoundError
from assistant.settings import Settings
from assistant.types import Answer, Citation, Retrieved, SourceInfo

__all__ = [
    "Answer",
    "Assistant",
    "Citation",
    "CorridorError",
    "DataDirError",
    "IngestError",
    "InvalidQuestionError",
    "Retrieved",
    "Settings",
    "SourceInfo",
    "SourceNotFoundError",
    "answer",
]
