"""The corpus as data: source documents (Markdown with YAML front matter) and facts derived from them.

Nothing here embeds or searches; `index` turns this into a Chroma index.
"""

from knowledge.loader import (
    FACTS_PATH,
    SOURCES_DIR,
    Fact,
    KnowledgeError,
    Source,
    builtin_sources,
    load_facts,
    parse_markdown,
)

__all__ = [
    "FACTS_PATH",
    "SOURCES_DIR",
    "Fact",
    "KnowledgeError",
    "Source",
    "builtin_sources",
    "load_facts",
    "parse_markdown",
]
