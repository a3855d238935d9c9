"""Is a question in English? The answerer reads English only, so any other language gets a clear
notice instead of a guessed answer built from the few names it shares with the sources.

Cheap checks first: a question in a non-Latin script is not English; one holding English
function words ("what", "the", "did") is. Only a Latin-script question without any is given to
a language identifier (py3langid), whose guesses on short text are too unreliable to use alone
("Who choreographed Chopiniana?" comes out as Shona).
"""

from __future__ import annotations

import functools
import re
import unicodedata

_ENGLISH = frozenset(
    """the of and to in is was were are what which who whom whose when where why how did does do
    has have had for with from by about many much can could would should will this that these those
    it its their there than any some name list tell give please me you your our at on""".split()
)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_LANGUAGES = ["en", "es", "fr", "de", "it", "pt", "nl", "id", "ms", "vi", "tl", "ru", "zh", "ja", "ko", "ar", "th"]


def _latin_share(text: str) -> float:
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return 1.0
    latin = sum(1 for ch in letters if "LATIN" in unicodedata.name(ch, ""))
    return latin / len(letters)


@functools.lru_cache(maxsize=1)
def _identifier():
    import py3langid

    py3langid.set_languages(_LANGUAGES)
    return py3langid


def detect_language(question: str) -> str:
    """ "en", or the ISO 639-1 code of the language the question is written in."""
    if _latin_share(question) < 0.5:
        script = _identifier().classify(question)[0]
        return script if script != "en" else "zh"
    tokens = [w.lower() for w in _WORD.findall(question)]
    if len(tokens) < 3 or any(w in _ENGLISH for w in tokens):
        return "en"
    return _identifier().classify(question)[0]


def language_name(code: str) -> str:
    """The English name of an ISO 639-1 code, from pycountry's ISO 639 tables ("Malay" for "ms")."""
    import pycountry

    found = pycountry.languages.get(alpha_2=code)
    return re.sub(r"\s*\(.*\)$", "", found.name) if found else "that language"


def language_notice(code: str) -> str:
    name = language_name(code)
    return f"I can only answer questions in English for now, and this one looks like {name}. Please ask it in English."
