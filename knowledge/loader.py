"""Load sources and facts shipped in this package.

A source is Markdown with YAML front matter (`title`, `publisher`, `published`, `url`).
Its *body* (the text after the front matter) is what citations quote from: every offset
in the index points into `Source.text`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

SOURCES_DIR = Path(__file__).parent / "sources"
FACTS_PATH = Path(__file__).parent / "facts.yaml"

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)

# Front matter is a handful of flat fields; these bounds refuse anything else before it is built.
MAX_FRONT_MATTER_CHARS = 16 * 1024
MAX_FRONT_MATTER_DEPTH = 10
MAX_TITLE_CHARS = 300
MAX_PUBLISHER_CHARS = 200
MAX_URL_CHARS = 2048
FUTURE_GRACE = dt.timedelta(days=1)  # time zones: a page dated "tomorrow" may be today somewhere
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_WEB_URL = re.compile(r"https?://[^\s/?#@]+(?:[/?#]\S*)?", re.IGNORECASE)


class KnowledgeError(Exception):
    """A source or fact file that cannot be used as it is (bad front matter, quote not in source)."""


@dataclass(frozen=True)
class Source:
    """One document: its identity, its metadata and its body text."""

    id: str
    title: str
    text: str
    publisher: str = ""
    published: str = ""  # ISO date (YYYY-MM-DD) or "" when unknown
    url: str = ""
    origin: str = "builtin"  # "builtin" (shipped here) or "user" (ingested)
    path: str = ""

    @property
    def content_hash(self) -> str:
        """Hash of everything that ends up in the index, so a metadata edit also re-indexes."""
        h = hashlib.sha256()
        for part in (self.id, self.title, self.publisher, self.published, self.url, self.text):
            h.update(part.encode("utf-8"))
            h.update(b"\0")
        return h.hexdigest()


@dataclass(frozen=True)
class Fact:
    """A self-contained statement derived from a source, with the verbatim quote supporting it."""

    id: str
    statement: str
    source: str
    quote: str
    as_of: str = ""
    extra: dict = field(default_factory=dict, compare=False)


class _BoundedLoader(yaml.SafeLoader):
    """`yaml.safe_load` that refuses aliases and deep nesting while composing, before anything is built.

    An alias lets 540 bytes expand to gigabytes ("billion laughs") and deep nesting overflows
    the recursive composer; front matter needs neither, so both are refused outright.
    """

    _depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise KnowledgeError("front matter uses a YAML alias (*name); write the value out instead")
        self._depth += 1
        try:
            if self._depth > MAX_FRONT_MATTER_DEPTH:
                raise KnowledgeError(f"front matter is nested more than {MAX_FRONT_MATTER_DEPTH} levels deep")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def _iso_date(value: object, *, today: dt.date | None = None) -> str:
    """A real calendar date as YYYY-MM-DD, not later than tomorrow: a date in the future would
    make its document lead every newest-first answer."""
    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime):
        date = value.date()
    elif isinstance(value, dt.date):
        date = value
    elif isinstance(value, str):
        text = value.strip()
        try:
            date = dt.datetime.fromisoformat(text).date() if "T" in text else dt.date.fromisoformat(text)
        except ValueError:
            raise KnowledgeError(f"published date {_shown(value)} is not a YYYY-MM-DD date") from None
    else:
        raise KnowledgeError(f"published date {_shown(value)} is not a YYYY-MM-DD date")
    if date > (today or dt.date.today()) + FUTURE_GRACE:
        raise KnowledgeError(f"published date {date.isoformat()} is in the future")
    return date.isoformat()


def _shown(value: object, limit: int = 40) -> str:
    """A value quoted for an error message, short and on one line whatever it holds."""
    text = " ".join(repr(value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def checked_text(name: str, value: object, limit: int) -> str:
    """A text field (title, publisher) on one line; anything but text, or text too long, is refused.

    YAML turns `title: true` into a boolean and `title: 1.10` into 1.1: stringifying those would
    show a title the author never wrote, so the author is asked to quote them.
    """
    if value in (None, ""):
        return ""
    if not isinstance(value, str):
        kind = {bool: "true/false", int: "a number", float: "a number", list: "a list", dict: "a mapping"}
        found = kind.get(type(value), type(value).__name__)
        raise KnowledgeError(f"front matter {name} must be text, not {found}; put it in quotes")
    text = " ".join(value.split())
    if len(text) > limit:
        raise KnowledgeError(f"{name} is {len(text):,} characters; the limit is {limit:,}")
    if CONTROL_CHARACTERS.search(text):  # "\e[2J" in a quoted YAML string is an escape sequence
        raise KnowledgeError(f"{name} contains control characters")
    return text


def checked_url(value: object) -> str:
    """Only an absolute http(s) link is shown in citations: `javascript:` or `file:` links are refused."""
    if value in (None, ""):
        return ""
    if not isinstance(value, str):
        raise KnowledgeError(f"url {_shown(value)} is not a link")
    text = value.strip()
    if len(text) > MAX_URL_CHARS:
        raise KnowledgeError(f"url is {len(text):,} characters; the limit is {MAX_URL_CHARS:,}")
    if not _WEB_URL.fullmatch(text):
        raise KnowledgeError(f"url {_shown(text)} is not an http(s) link")
    return text


def checked_date(value: object) -> str:
    """`published` as YYYY-MM-DD ("" when absent); refused when not a real date or in the future."""
    return _iso_date(value)


def split_front_matter(raw: str) -> tuple[dict, str]:
    """Return (metadata, body). A document without front matter has empty metadata.

    The YAML is parsed with limits (size, nesting, no aliases): every failure is a one-line
    `KnowledgeError`, never a RecursionError or a MemoryError.
    """
    match = _FRONT_MATTER.match(raw)
    if not match:
        return {}, raw
    block = match.group(1)
    if len(block) > MAX_FRONT_MATTER_CHARS:
        raise KnowledgeError(f"front matter is {len(block):,} characters; the limit is {MAX_FRONT_MATTER_CHARS:,}")
    try:
        meta = yaml.load(block, Loader=_BoundedLoader) or {}  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"front matter is not valid YAML: {exc}".splitlines()[0]) from exc
    except (ValueError, TypeError, OverflowError) as exc:  # a constructor's: `2024-02-30` is YAML for a date
        raise KnowledgeError(f"front matter has a value YAML cannot read: {exc}".splitlines()[0]) from None
    except RecursionError:  # belt and braces: the depth limit above should come first
        raise KnowledgeError("front matter is nested too deeply") from None
    if not isinstance(meta, dict):
        raise KnowledgeError("front matter must be a YAML mapping")
    return meta, raw[match.end() :].lstrip("\r\n")


def front_matter_fields(meta: dict) -> dict[str, str]:
    """The typed fields of front matter, checked: title, publisher, published (or date), url."""
    return {
        "title": checked_text("title", meta.get("title"), MAX_TITLE_CHARS),
        "publisher": checked_text("publisher", meta.get("publisher"), MAX_PUBLISHER_CHARS),
        "published": checked_date(meta.get("published") or meta.get("date")),
        "url": checked_url(meta.get("url")),
    }


def parse_markdown(raw: str, source_id: str, **defaults: str) -> Source:
    """Build a `Source` from Markdown/text with optional front matter; `defaults` fill gaps."""
    meta, body = split_front_matter(raw)
    fields = front_matter_fields(meta)
    merged = {k: v for k, v in defaults.items() if v}
    merged.update({k: v for k, v in fields.items() if v})
    return Source(
        id=source_id,
        title=str(merged.get("title") or source_id),
        text=body,
        publisher=str(merged.get("publisher") or ""),
        published=str(merged.get("published") or ""),
        url=str(merged.get("url") or ""),
        origin=str(merged.get("origin") or "builtin"),
        path=str(merged.get("path") or ""),
    )


def builtin_sources() -> list[Source]:
    """The documents shipped with the package, sorted by id for a stable corpus hash."""
    return [parse_markdown(p.read_text(encoding="utf-8"), p.stem) for p in sorted(SOURCES_DIR.glob("*.md"))]


def load_facts(sources: list[Source] | None = None, path: Path = FACTS_PATH) -> list[Fact]:
    """Load facts and check each quote is verbatim in its source (a fact must be checkable)."""
    by_id = {s.id: s for s in (sources if sources is not None else builtin_sources())}
    items = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    facts = []
    for item in items:
        fact = Fact(
            id=str(item["id"]),
            statement=str(item["statement"]).strip(),
            source=str(item["source"]),
            quote=str(item["quote"]),
            as_of=_iso_date(item.get("as_of")),
        )
        source = by_id.get(fact.source)
        if source is None:
            raise KnowledgeError(f"fact {fact.id!r} names unknown source {fact.source!r}")
        if fact.quote not in source.text:
            raise KnowledgeError(f"fact {fact.id!r}: quote is not verbatim in {fact.source!r}")
        facts.append(fact)
    return facts
