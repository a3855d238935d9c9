"""Tokens for BM25 and for the answerer's term matching: lowercase, stemmed, stopwords out.

Numbers keep their decimals and lose thousands separators, so "5,000" matches "5000". Letters are
folded to their unaccented form, so a name typed without its accents ("Mongke", "Schrodinger")
matches the source's spelling ("Möngke", "Schrödinger").
"""

from __future__ import annotations

import functools
import re
import unicodedata

# Letter classes for patterns that look for names. Latin Extended-A alternates capital and small
# letters ("Ā", "ā", "Ă", ...), so a range over it would take "ākāpō" inside "kākāpō" for a name.
_EXTENDED_A = [chr(c) for c in range(0x100, 0x180)]
CAPITAL_LETTERS = "A-ZÀ-ÖØ-Þ" + "".join(c for c in _EXTENDED_A if c.isupper()) + "ȘȚ"  # "Öresund", "Łódź"
SMALL_LETTERS = "a-zß-öø-ÿ" + "".join(c for c in _EXTENDED_A if c.islower()) + "șț"

_TOKEN = re.compile(r"\d+(?:[.,]\d+)*%?|[^\W\d_]+(?:['’][^\W\d_]+)?", re.UNICODE)

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are aren't as at be because been
    before being below between both but by can could did do does doing down during each few for
    from further had has have having he her here hers herself him himself his how i if in into is
    it its itself just let me more most my myself no nor not now of off on once only or other our
    ours ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were what
    when where which while who whom whose why will with would you your yours yourself yourselves
    tell know please say said says give list many much""".split()
)


@functools.lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def normalize_number(token: str) -> str:
    return token.replace(",", "").rstrip("%") if token[:1].isdigit() else token


# Latin letters (not × and ÷) that Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSED_LATIN = re.compile("[\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff]")


# A Greek letter standing alone, as science writes one ("the Γ valley", "α particles", "β-decay"),
# not inside a word ("μm", "λόγος").
_LONE_GREEK_LETTER = re.compile(r"(?<![^\W\d_])[\u0391-\u03a9\u03b1-\u03c9](?![^\W\d_])")


def fold(text: str) -> str:
    """Lowercase without accents, as a name is typed on an English keyboard: "Möngke" -> "mongke",
    "Dvořák" -> "dvorak", and letters that are no accented form of another ("Łokietek",
    "Bjørndalen", "Đà Nẵng", "Þingvellir") as anyascii spells them ("lokietek", "bjorndalen",
    "da nang", "thingvellir"); a Greek letter standing alone by its name ("the Γ valley" -> "the
    gamma valley"). Other scripts are left as they are; ASCII text is untouched."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    if not kept.isascii():
        kept = _UNDECOMPOSED_LATIN.sub(_spelled_in_ascii, kept)
        kept = _LONE_GREEK_LETTER.sub(_greek_letter_name, kept)
    return kept.casefold()


def _greek_letter_name(letter: re.Match) -> str:
    """ "Γ" -> "gamma", "λ" -> "lamda" as Unicode names it, "lambda" as it is typed."""
    name = unicodedata.name(letter.group()).rsplit(" ", 1)[-1].lower()
    return "lambda" if name == "lamda" else name


def _spelled_in_ascii(letter: re.Match) -> str:
    from anyascii import anyascii

    return anyascii(letter.group())


def words(text: str) -> list[str]:
    """Surface tokens (lowercased, accents folded), numbers normalized, possessive 's dropped."""
    out = []
    if not text.isascii():
        text = fold(text)
    for tok in _TOKEN.findall(text):
        tok = tok.lower()
        if tok[:1].isdigit():
            out.append(normalize_number(tok))
        elif tok.endswith(("'s", "’s")):
            out.append(tok[:-2])
        else:
            out.append(tok)
    return out


_STEMS: dict[str, str] = {}


@functools.lru_cache(maxsize=1)
def _american_spellings() -> dict[str, str]:
    from breame.data.spelling_constants import BRITISH_ENGLISH_SPELLINGS

    return BRITISH_ENGLISH_SPELLINGS


def stem(word: str) -> str:
    """Snowball stem of the word's American spelling, memoised: "organisation" and "organization",
    "harbour" and "harbor", "centre" and "center" are one term, whichever one the question and the
    source use (breame's table of words spelled differently in British and American English)."""
    got = _STEMS.get(word)
    if got is None:
        got = word if word[:1].isdigit() else _stemmer().stemWord(_american_spellings().get(word, word))
        if len(_STEMS) < 200_000:
            _STEMS[word] = got
    return got


def tokenize(text: str) -> list[str]:
    """BM25 tokens: stemmed content words and numbers."""
    return [stem(w) for w in words(text) if w not in STOPWORDS]
