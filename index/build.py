"""Bring the Chroma index in line with the shipped knowledge, reusing it when nothing changed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from index.chunking import ChunkingParams, fact_chunks, split_source
from index.derive import derived_chunks
from index.embeddings import MODEL_NAME, model_id
from index.store import IndexStore, Progress, describe_index
from knowledge import FACTS_PATH, Source, builtin_sources, load_facts


@dataclass(frozen=True)
class BuildReport:
    """What `sync_builtin` did: `embedded == 0` means the index was reused as it was.

    `user_sources` counts ingested documents re-embedded from their stored text; `kept_at` names
    the folder an unreadable old index was moved to (its documents could not be carried over).
    """

    rebuilt: bool
    embedded: int
    sources: int
    reason: str
    user_sources: int = 0
    kept_at: str = ""


def wanted_manifest(params: ChunkingParams, model: str = MODEL_NAME) -> dict:
    return {**describe_index(model, params), "corpus": corpus_hash()}


def is_current(store: IndexStore, params: ChunkingParams) -> bool:
    """Whether the index already matches the model, chunking and corpus: a read, no lock needed."""
    wanted = wanted_manifest(params, model_id(store.embedder))
    current = store.manifest()
    return all(current.get(k) == v for k, v in wanted.items())


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
    """Re-embed only when the model, chunking or corpus changed (or `force`).

    User sources are re-embedded from the text their records keep whenever the layout changes:
    a rebuild never loses an ingested document.
    """
    wanted = wanted_manifest(params, model_id(store.embedder))
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
        chunks = (
            split_source(source, params)
            + fact_chunks([f for f in facts if f.source == source.id], by_id)
            + derived_chunks(source)
        )
        digest = hashlib.sha256((source.content_hash + "".join(c.id for c in chunks)).encode()).hexdigest()
        rec = records.get(source.id)
        if layout_changed or rec is None or rec.content_hash != digest:
            plan.append((source, chunks, digest))
    user = [rec.source for rec in records.values() if rec.source.origin != "builtin"] if layout_changed else []
    plan += user_plan(user, params)  # re-embedded with the new model/chunking too
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
    if force and current:
        reason = "rebuild asked for"
    return BuildReport(True, total, len(plan), reason, user_sources=len(user))


def user_plan(sources: list[Source], params: ChunkingParams) -> list[tuple[Source, list, str]]:
    """(source, chunks, digest) for ingested documents, committed as `ingest` would commit them."""
    from index.ingest import source_digest

    return [
        (source, split_source(source, params) + derived_chunks(source), source_digest(source, params))
        for source in sources
    ]


def put_user_sources(store: IndexStore, sources: list[Source], params: ChunkingParams, progress=None) -> int:
    """Re-embed ingested documents from their stored text into `store` (a rebuilt index)."""
    plan = user_plan(sources, params)
    chunks = store.put_sources(plan, progress)
    if plan:
        store.bump_generation()
    return chunks
