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


def _iso_date(value: object) -> str:
    if value in (None, ""):
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    try:
        return dt.date.fromisoformat(text).isoformat()
    except ValueError as exc:
        raise KnowledgeError(f"published date {text!r} is not YYYY-MM-DD") from exc


def split_front_matter(raw: str) -> tuple[dict, str]:
    """Return (metadata, body). A document without front matter has empty metadata."""
    match = _FRONT_MATTER.match(raw)
    if not match:
        return {}, raw
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"front matter is not valid YAML: {exc}".splitlines()[0]) from exc
    if not isinstance(meta, dict):
        raise KnowledgeError("front matter must be a YAML mapping")
    return meta, raw[match.end() :].lstrip("\r\n")


def parse_markdown(raw: str, source_id: str, **defaults: str) -> Source:
    """Build a `Source` from Markdown/text with optional front matter; `defaults` fill gaps."""
    meta, body = split_front_matter(raw)
    merged = {k: v for k, v in defaults.items() if v}
    merged.update({k: v for k, v in meta.items() if v not in (None, "")})
    return Source(
        id=source_id,
        title=str(merged.get("title") or source_id),
        text=body,
        publisher=str(merged.get("publisher") or ""),
        published=_iso_date(merged.get("published") or merged.get("date")),
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
