"""Bring the Chroma index in line with the shipped knowledge, reusing it when nothing changed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from index.chunking import ChunkingParams, fact_chunks, split_source
from index.embeddings import model_id
from index.store import IndexStore, Progress, describe_index
from knowledge import FACTS_PATH, builtin_sources, load_facts


@dataclass(frozen=True)
class BuildReport:
    """What `sync_builtin` did: `embedded == 0` means the index was reused as it was."""

    rebuilt: bool
    embedded: int
    sources: int
    reason: str


def corpus_hash() -> str:
    h = hashlib.sha256()
    for source in builtin_sources():
        h.update(source.content_hash.encode())
    h.update(FACTS_PATH.read_bytes())
    return h.hexdigest()


def sync_builtin(
    store: IndexStore,
    params: ChunkingParams,
    progress_total: callable | None = None,
    progress: Progress | None = None,
    force: bool = False,
) -> BuildReport:
    """Re-embed only when the model, chunking or corpus changed (or `force`)."""
    wanted = {**describe_index(model_id(store.embedder), params), "corpus": corpus_hash()}
    current = store.manifest()
    current_core = {k: current.get(k) for k in wanted}
    if current_core == wanted and not force:
        return BuildReport(False, 0, 0, "unchanged")

    layout_changed = force or any(current.get(k) != wanted[k] for k in ("model", "chunking", "format"))
    records = store.source_records()
    if layout_changed and records:
        store.reset_chunks()

    sources = builtin_sources()
    facts = load_facts(sources)
    by_id = {s.id: s for s in sources}
    plan = []
    for source in sources:
        chunks = split_source(source, params) + fact_chunks([f for f in facts if f.source == source.id], by_id)
        digest = hashlib.sha256((source.content_hash + "".join(c.id for c in chunks)).encode()).hexdigest()
        rec = records.get(source.id)
        if layout_changed or rec is None or rec.content_hash != digest:
            plan.append((source, chunks, digest))
    if layout_changed:  # user documents must be re-embedded with the new model/chunking too
        for rec in records.values():
            if rec.source.origin != "builtin":
                chunks = split_source(rec.source, params)
                plan.append((rec.source, chunks, rec.content_hash))
    for rec in records.values():
        if rec.source.origin == "builtin" and rec.source.id not in by_id:
            store.remove_source(rec.source.id)

    total = sum(len(chunks) for _, chunks, _ in plan)
    if progress_total:
        progress_total(total)
    store.put_sources(plan, progress)
    store.collect_garbage()
    store.write_manifest(wanted)
    reason = "first build" if not current else ("model or chunking changed" if layout_changed else "corpus changed")
    return BuildReport(True, total, len(plan), reason)
