"""The corpus view (`Corpus`) saved beside the index, so that a process starts without rebuilding it.

Building `Corpus` reads every chunk from Chroma, tokenizes it and indexes it for BM25: time and
memory that grow with the index (35 s for a cold ask at 100k chunks). What it computed is saved
instead, once per index generation, and read back at start (the BM25 matrices memory-mapped):

    <data dir>/corpus/<scope>/<version>/
        state.pickle   every attribute `Corpus` derived (chunks, sources, term statistics, names, ...)
        bm25/          the BM25 index, in bm25s's own files
        vectors.npy    every chunk's vector, in the chunks' order, up to `SAVED_VECTORS_LIMIT` chunks
                       (dense search in memory: always up to `EXACT_LIMIT`, a process's first above)
        meta.json      written last, before the folder gets its final name
    <data dir>/corpus/<scope>/published.json   which snapshot is the published generation's

`<scope>` is `embedded-<prefix>` for the data dir's own index, or `server-<hash>` for a Chroma
server (each data dir keeps its own files for the server it uses). `<version>` names the
generation (the store's manifest), the two collections (a rebuilt index has new ones) and a
fingerprint of the code that derives the view: a snapshot whose version does not match is never
read, so an edited tokenizer or `Corpus` simply builds a new one.

A snapshot is built from Chroma only when none matches: by a writer just before it publishes a
new generation (readers then find it ready; `prepare`), or else by the first process that needs
it. A snapshot is written into a temporary folder and renamed into place, so readers never see
half of one; a writer removes older versions after publishing its own.

`published.json` lets a process start without opening Chroma at all (importing chromadb and
opening its client is most of a cold `corridor ask` on a small index): it names the snapshot of
the generation Chroma publishes, with that generation's manifest. A writer withdraws it just
before it publishes and writes the new one just after (`withdraw`, `publish`); a reader that
loaded the published generation from Chroma writes it only when none is there (`claim`), so it
never overwrites a writer's newer one. A writer killed between its manifest write and its
`publish` leaves no pointer: the next process takes the long way, through Chroma.
"""

from __future__ import annotations

import dataclasses
import gc
import hashlib
import json
import logging
import os
import pickle
import shutil
import sys
import uuid
from pathlib import Path

log = logging.getLogger(__name__)

FORMAT = 1
FOLDER = "corpus"
_STATE = "state.pickle"
_BM25 = "bm25"
_META = "meta.json"
_VECTORS = "vectors.npy"
POINTER = "published.json"
# The code a snapshot's content depends on: an edit to any of them makes every snapshot stale.
_DERIVED_FROM = (
    "assistant/retrieval.py",
    "assistant/questions.py",
    "assistant/corpus_cache.py",
    "index/lexical.py",
    "index/chunking.py",
    "index/store.py",
)
_fingerprint: str | None = None


def cache_root(data_dir: str | Path, chroma_url: str | None, prefix: str) -> Path:
    """Where the snapshots of one index live, inside the data dir."""
    if chroma_url:
        scope = "server-" + hashlib.sha256(f"{chroma_url}\x1f{prefix}".encode()).hexdigest()[:16]
    else:
        scope = f"embedded-{prefix}"
    return Path(data_dir) / FOLDER / scope


def code_fingerprint() -> str:
    """A hash of the code that derives the view, and of the versions that store it."""
    global _fingerprint
    if _fingerprint is None:
        import bm25s

        root = Path(__file__).resolve().parent.parent
        h = hashlib.sha256(f"{FORMAT}|{sys.version_info[:2]}|{bm25s.__version__}|{pickle.HIGHEST_PROTOCOL}".encode())
        for name in _DERIVED_FROM:
            try:
                h.update((root / name).read_bytes())
            except OSError:
                h.update(name.encode())
        _fingerprint = h.hexdigest()[:16]
    return _fingerprint


def version(store, generation: int) -> str:
    """The folder name of the snapshot of `store` at `generation`."""
    ids = "|".join(store.collection_ids())
    key = hashlib.sha256(f"{ids}|{code_fingerprint()}".encode()).hexdigest()[:16]
    return f"g{generation:08d}-{key}"


# ---- reading ------------------------------------------------------------------------------------
def load(cls, store, previous=None):
    """The `Corpus` of what `store` has committed: the saved snapshot of its generation when there
    is one, else built from Chroma (and saved for the next process). `previous`: a view of an
    earlier generation of the same index, whose unchanged sources need not be read again."""
    root = getattr(store, "corpus_dir", None)
    manifest = store.manifest()
    generation = int(manifest.get("generation", 0))
    if root is None:
        return build(cls, store, generation, previous)
    name = version(store, generation)
    corpus = read(cls, Path(root) / name)
    if corpus is None:
        corpus = build(cls, store, generation, previous or latest(cls, Path(root), name))
        if store.generation() != generation:  # published meanwhile: not the snapshot of a generation
            return corpus
        if save(corpus, Path(root), name) is None:
            return corpus
        prune(Path(root), keep=name)
    if store.generation() == generation:
        claim(Path(root), name, manifest)
    return corpus


def build(cls, store, generation: int, previous=None):
    """Read the committed chunks from Chroma and derive the view (what every start did before).

    With `previous` (a view of an earlier generation of the same index), the chunks of sources
    whose committed version is unchanged are taken from it, and only the others are read.
    """
    records = store.source_records()
    known = None
    if previous is not None and getattr(previous, "_index_collections", None) == store.collection_ids():
        same = {sid for sid, rec in records.items() if _same_record(previous.sources.get(sid), rec)}
        known = {c.id: c for c in previous.chunks if c.source_id in same}
    corpus = cls(store.committed_chunks(records, known=known), records, generation)
    corpus._index_collections = store.collection_ids()  # which index `previous` may be of
    corpus.vectors = _vectors(store, corpus.chunks, previous if known is not None else None)
    return corpus


def _vectors(store, chunks, previous=None):
    """Every chunk's vector as one float32 matrix in the chunks' order, for an index small enough
    to keep them (`SAVED_VECTORS_LIMIT`); None for a larger one, or when a vector is missing.
    Vectors of chunks `previous` (a view of an earlier generation of the same index) holds are
    taken from it: a writer adding one document to 50,000 chunks reads its own from Chroma, not
    every chunk's (2 s)."""
    import numpy as np

    from assistant.retrieval import SAVED_VECTORS_LIMIT  # larger indexes are searched by Chroma alone

    if not chunks or len(chunks) > SAVED_VECTORS_LIMIT:
        return None
    kept = getattr(previous, "vectors", None)
    row = {c.id: r for r, c in enumerate(previous.chunks)} if kept is not None else {}
    missing = [c.id for c in chunks if c.id not in row]
    got = store.embeddings_for(missing) if missing else {}
    if len(got) < len(missing):
        return None
    width = len(next(iter(got.values()))) if got else kept.shape[1]
    matrix = np.empty((len(chunks), width), dtype=np.float32)
    taken = np.array([row.get(c.id, -1) for c in chunks], dtype=np.int64)
    if kept is not None:
        matrix[taken >= 0] = kept[taken[taken >= 0]]
    for r in np.flatnonzero(taken < 0):
        matrix[r] = got[chunks[r].id]
    return matrix


def _same_record(old, new) -> bool:
    return old is not None and old.content_hash == new.content_hash and old.chunks == new.chunks


def latest(cls, root: Path, name: str):
    """The newest readable snapshot of the same index and code as version `name`, or None."""
    try:
        same = sorted((p for p in root.iterdir() if p.name[9:] == name[9:] and p.name != name), reverse=True)
    except OSError:
        return None
    return read(cls, same[0]) if same else None


def read(cls, folder: Path):
    """The snapshot in `folder`, or None when there is none (or it cannot be read: then it is rebuilt)."""
    if not (folder / _META).is_file():
        return None
    try:
        meta = json.loads((folder / _META).read_text(encoding="utf-8"))
        with open(folder / _STATE, "rb") as f:
            state = _unpickled(f)
        bm25 = None
        if meta.get("bm25"):
            import bm25s

            bm25 = bm25s.BM25.load(str(folder / _BM25), mmap=True, show_progress=False)
        corpus = _restore(cls, state, bm25)
        if meta.get("vectors"):
            import numpy as np

            corpus.vectors = np.load(folder / _VECTORS, mmap_mode="r")
        return corpus
    except Exception as exc:  # noqa: BLE001 - a damaged or vanished snapshot is rebuilt, never fatal
        log.info("corpus snapshot %s cannot be read (%s): rebuilding it", folder, exc)
        return None


def _unpickled(f):
    """`pickle.load` with the garbage collector paused: unpickling 50,000 chunks otherwise runs
    dozens of collections over objects that are all alive (a third of the time)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        return pickle.load(f)
    finally:
        if paused:
            gc.enable()


def _restore(cls, state: dict, bm25):
    """A `Corpus` with the saved attributes, without running its derivation again.

    Attributes with a default (caches such as the span cache) start fresh, as in a new one.
    """
    corpus = cls.__new__(cls)
    for f in dataclasses.fields(cls):
        if f.default_factory is not dataclasses.MISSING:
            object.__setattr__(corpus, f.name, f.default_factory())
        elif f.default is not dataclasses.MISSING:
            object.__setattr__(corpus, f.name, f.default)
    corpus.__dict__.update(state)
    object.__setattr__(corpus, "bm25", bm25)
    return corpus


def _state(corpus) -> dict:
    """What the derivation computed: every attribute but the caches (defaults), BM25 and the
    vectors (saved apart)."""
    fresh = {f.name for f in dataclasses.fields(corpus) if f.default_factory is not dataclasses.MISSING}
    return {k: v for k, v in vars(corpus).items() if k not in fresh and k not in ("bm25", "vectors")}


# ---- writing ------------------------------------------------------------------------------------
def save(corpus, root: Path, name: str) -> Path | None:
    """Write `corpus` as snapshot `name` under `root`, atomically; None when it cannot be written
    (a read-only data dir: the process goes on with the view it built)."""
    final = root / name
    if (final / _META).is_file():
        return final
    tmp = root / f".tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        tmp.mkdir(parents=True)
        with open(tmp / _STATE, "wb") as f:
            pickle.dump(_state(corpus), f, protocol=pickle.HIGHEST_PROTOCOL)
        if corpus.bm25 is not None:
            corpus.bm25.save(str(tmp / _BM25), show_progress=False)
        vectors = getattr(corpus, "vectors", None)
        if vectors is not None:
            import numpy as np

            np.save(tmp / _VECTORS, vectors)
        meta = {"format": FORMAT, "generation": corpus.generation, "chunks": len(corpus.chunks)}
        meta["bm25"] = corpus.bm25 is not None
        meta["vectors"] = vectors is not None
        (tmp / _META).write_text(json.dumps(meta) + "\n", encoding="utf-8")
        try:
            tmp.rename(final)
        except OSError:  # another process saved the same version first: theirs is as good
            shutil.rmtree(tmp, ignore_errors=True)
        return final
    except Exception as exc:  # noqa: BLE001 - OSError (read-only, disk full) or an unpicklable attribute
        log.info("corpus snapshot not saved in %s (%s)", root, exc)
        shutil.rmtree(tmp, ignore_errors=True)
        return None


def prepare(store, generation: int, cls=None, previous=None):
    """Build and save the snapshot `generation` will have; called by a writer (holding the writer
    lock) after its chunks are committed and just before it publishes `generation`. Returns it.
    `previous`: the writer's view before its write, if it has one (else the newest saved one)."""
    root = getattr(store, "corpus_dir", None)
    if cls is None:
        from assistant.retrieval import Corpus as cls
    if previous is None and root is not None:
        previous = latest(cls, Path(root), version(store, generation))
    corpus = build(cls, store, generation, previous)
    if root is not None:
        name = version(store, generation)
        if save(corpus, Path(root), name) is not None:
            prune(Path(root), keep=name)
    return corpus


# ---- the published pointer ----------------------------------------------------------------------
def published(cls, root: Path, wanted: dict):
    """The snapshot `published.json` names, when its manifest holds every `wanted` item (model,
    chunking, shipped corpus) and it can be read; else None (then the index is opened)."""
    pointer = _read_pointer(root)
    try:
        manifest, name = dict(pointer["manifest"]), str(pointer["snapshot"])
    except (ValueError, KeyError, TypeError):  # none, or not one this code wrote
        return None
    if any(manifest.get(k) != v for k, v in wanted.items()):
        return None
    if pointer.get("format") != FORMAT or pointer.get("code") != code_fingerprint() or not (root / name).is_dir():
        # written by other code (an upgrade: its snapshot may lack what this code reads), or its
        # snapshot pruned by other code: withdrawn, so that this reader claims anew from Chroma
        withdraw(root)
        return None
    corpus = read(cls, root / name)
    if corpus is None or corpus.generation != manifest.get("generation"):
        return None
    return corpus


def published_generation(root: Path) -> int | None:
    """The generation the published view is of, or None when none is published (a write is under
    way, or none was ever made)."""
    try:
        return int(_read_pointer(root)["manifest"]["generation"])
    except (ValueError, KeyError, TypeError):
        return None


def _read_pointer(root: Path):
    """`published.json` as it was written, or None when there is none or it is no JSON."""
    try:
        return json.loads((root / POINTER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _pointer_text(name: str, manifest: dict) -> str:
    pointer = {"format": FORMAT, "code": code_fingerprint(), "snapshot": name, "manifest": manifest}
    return json.dumps(pointer, sort_keys=True) + "\n"


def publish(root: Path, name: str, manifest: dict) -> None:
    """A writer, just after publishing `manifest`'s generation: point readers at its snapshot."""
    tmp = root / f".{POINTER}.{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        tmp.write_text(_pointer_text(name, manifest), encoding="utf-8")
        os.replace(tmp, root / POINTER)
    except OSError as exc:  # a read-only data dir: readers open the index instead
        log.info("published.json not written in %s (%s)", root, exc)
        tmp.unlink(missing_ok=True)


def claim(root: Path, name: str, manifest: dict) -> None:
    """A reader that loaded the published generation: write the pointer only if there is none
    (a hard link fails when the name exists), so that a writer's newer one is never replaced."""
    if (root / POINTER).exists():
        return
    tmp = root / f".{POINTER}.{os.getpid()}-{uuid.uuid4().hex[:8]}"
    try:
        tmp.write_text(_pointer_text(name, manifest), encoding="utf-8")
        os.link(tmp, root / POINTER)
    except OSError:  # there is one now, or the data dir is read-only
        pass
    finally:
        tmp.unlink(missing_ok=True)


def withdraw(root: Path) -> None:
    """A writer, just before publishing a new generation: readers must not start from the old one."""
    try:
        (root / POINTER).unlink(missing_ok=True)
    except OSError as exc:
        log.info("published.json not removed from %s (%s)", root, exc)


def prune(root: Path, keep: str) -> None:
    """Remove the snapshots of generations before `keep`'s (a newer one may be a writer's, about
    to be published), those of other collections or code (a rebuilt index, an upgrade) and
    temporary folders of processes that died. A process still reading an
    old snapshot has it loaded or memory-mapped: removing its files does not disturb it."""
    try:
        entries = list(root.iterdir())
    except OSError:
        return
    for entry in entries:
        if not entry.is_dir() or entry.name == keep:
            continue
        if entry.name.startswith(".tmp-") and not _in_progress(entry):
            shutil.rmtree(entry, ignore_errors=True)
        elif entry.name[:1] == "g" and (entry.name[:9] < keep[:9] or entry.name[9:] != keep[9:]):
            shutil.rmtree(entry, ignore_errors=True)


def _in_progress(entry: Path) -> bool:
    """A temporary folder of a live process (another writer or reader saving right now)."""
    if not entry.name.startswith(".tmp-"):
        return False
    try:
        pid = int(entry.name.split("-")[1])
    except (IndexError, ValueError):
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True
