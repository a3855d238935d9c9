"""Add user documents to the index: incremental, idempotent, and all-or-nothing per file.

A file whose content hash (text + metadata + chunking) is already committed is skipped; a changed
file replaces its old chunks; a refused file changes nothing and is named in the report. The same
content from another path (a copied folder, a worktree, a second download) is indexed once: a
second copy of every passage would crowd the first out of the search results and skew its scores.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from index.chunking import ChunkingParams, split_source
from index.derive import derived_chunks
from index.errors import IngestError
from index.loaders import discover, load_file
from index.store import IndexStore, Progress


@dataclass(frozen=True)
class IngestReport:
    """What one `ingest` call did, file by file."""

    added: list[str] = field(default_factory=list)  # source ids
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (path, id of the source it repeats)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (path, one-line reason)
    chunks: int = 0
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.refused

    def summary(self) -> str:
        parts = [f"{len(self.added)} added", f"{len(self.updated)} updated", f"{len(self.unchanged)} unchanged"]
        if self.duplicates:
            parts.append(f"{len(self.duplicates)} already indexed from another path")
        line = f"{', '.join(parts)}; {self.chunks} chunks embedded in {self.seconds:.1f} s"
        if self.refused:
            line += f"; {len(self.refused)} refused: " + ", ".join(Path(p).name for p, _ in self.refused)
        return line

    def to_dict(self) -> dict:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "duplicates": [{"path": p, "same_as": same} for p, same in self.duplicates],
            "refused": [{"path": p, "reason": r} for p, r in self.refused],
            "chunks": self.chunks,
            "seconds": round(self.seconds, 3),
        }


def source_digest(source, params: ChunkingParams) -> str:
    """What a user source's record commits: its content and the chunking that cut it, and not
    where it was read from, so the same document from another path is known for a copy."""
    h = hashlib.sha256()
    for part in (source.title, source.publisher, source.published, source.url, source.text, params.describe()):
        h.update(part.encode("utf-8", "surrogateescape"))
        h.update(b"\0")
    return h.hexdigest()


def ingest_paths(
    store: IndexStore,
    paths: list[str | Path],
    params: ChunkingParams,
    *,
    title: str | None = None,
    published: str | None = None,
    url: str | None = None,
    follow_symlinks: bool = False,
    progress_total: Callable[[int | None], None] | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Ingest files and folders; files are read and chunked in a background thread while the
    previous batch is being embedded, so parsing hides behind the model."""
    t0 = time.perf_counter()
    files, refused_paths = discover(paths, follow_symlinks=follow_symlinks)
    report = IngestReport(refused=[(str(p), f"{p}: {reason}") for p, reason in refused_paths])
    known = store.source_hashes()
    holder = {digest: source_id for source_id, digest in known.items()}  # content -> the source holding it

    def prepare(path: Path):
        try:
            source = load_file(path, title=title, published=published, url=url, follow_symlinks=follow_symlinks)
        except IngestError as exc:
            return "refused", (str(path), str(exc))
        digest = source_digest(source, params)
        if known.get(source.id) == digest:
            return "unchanged", source.id
        if holder.get(digest, source.id) != source.id:
            return "duplicate", (str(path), holder[digest])
        holder[digest] = source.id
        chunks = split_source(source, params)
        if not chunks:
            return "refused", (str(path), f"{path.name}: no text to index")
        chunks += derived_chunks(source)  # facts derived from its sentences, searchable like the rest
        return ("updated" if source.id in known else "added"), (source, chunks, digest)

    def plan():
        for outcome, payload in map(prepare, files):
            if outcome == "refused":
                report.refused.append(payload)
            elif outcome == "unchanged":
                report.unchanged.append(payload)
            elif outcome == "duplicate":
                report.duplicates.append(payload)
            else:
                getattr(report, outcome).append(payload[0].id)
                yield payload

    if progress_total:
        progress_total(None)  # chunk count is known only once every file is read
    chunks = store.put_sources(plan(), progress)
    if chunks:
        store.bump_generation()
    return replace(report, chunks=chunks, seconds=time.perf_counter() - t0)
