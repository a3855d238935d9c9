"""The Chroma side: where chunks, their embeddings and the source texts live.

Two collections:
- `<prefix>_chunks`: passages, captions and facts, with embeddings (cosine space);
- `<prefix>_sources`: one record per source (full text + metadata) and a `__manifest__` record.

A source's record is written *after* its chunks, so it acts as the commit marker: chunks whose
`source_hash` does not match a committed record are invisible to readers and garbage-collected by
the next writer. That is what makes a file's ingestion all-or-nothing, even under SIGKILL.
Writers also leave a `__writing__` record in a small `<prefix>_writes` collection while they write
and remove it when done, so the next writer scans for leftovers only after an interrupted write
(the scan reads every chunk's metadata: half of a small ingest at 100k chunks).

The manifest records the embedding model, chunking parameters and corpus hash; when any of them
changes the index is rebuilt, otherwise it is reused without any embedding work.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import functools
import json
import logging
import os
import queue
import shutil
import stat
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from index.chunking import ChunkingParams, IndexedChunk
from index.errors import DataDirError
from knowledge import Source

log = logging.getLogger(__name__)

MARKER = "corridor-data.json"
MANIFEST_ID = "__manifest__"
WRITING_ID = "__writing__"
FORMAT = 1
_PAGE = 5000
_EMBED_BATCH = 256

Progress = Callable[[int], None]


def _reads(method):
    """Chroma failures while reading become one-line `DataDirError`s naming the index and the fix."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with _chroma_errors(self.where, writing=False):
            return method(self, *args, **kwargs)

    return wrapper


def _writes(method):
    """Chroma failures while writing (disk full, read-only) become one-line `DataDirError`s."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with _chroma_errors(self.where, writing=True):
            return method(self, *args, **kwargs)

    return wrapper


def _chroma_settings():
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


def _marker_format(data_dir: Path) -> object:
    """The format written in the data dir's marker; raises `DataDirError` when it cannot be read."""
    try:
        return json.loads((data_dir / MARKER).read_text(encoding="utf-8")).get("format")
    except (OSError, ValueError, AttributeError) as exc:
        raise DataDirError(
            f"data dir {data_dir} has an unreadable {MARKER}; run `corridor index --rebuild` "
            "(your documents are kept when their stored text can be read)"
        ) from exc


def _check_data_dir(data_dir: Path, *, create: bool = True, rebuild: bool = False) -> bool:
    """Whether `data_dir` holds our files; refuse a non-empty folder we did not create.

    `create=False` (readers) never writes: a missing or empty folder just answers False.
    A newer format is refused with advice that works (upgrade); an older or unreadable one is
    what `--rebuild` (`rebuild=True`) is for, and it is rewritten then.
    """
    marker = data_dir / MARKER
    if data_dir.exists() and not data_dir.is_dir():
        raise DataDirError(f"data dir {data_dir} is a file, not a folder")
    if marker.exists():
        try:
            found = _marker_format(data_dir)
        except DataDirError:
            if not rebuild:
                raise
            found = None
        if isinstance(found, int) and found > FORMAT:
            raise DataDirError(
                f"data dir {data_dir} was written by a newer Corridor Assistant (format {found}; this one reads "
                f"format {FORMAT}): upgrade corridor-assistant, or set CORRIDOR_DATA_DIR to another folder"
            )
        if found != FORMAT:
            if not rebuild:
                raise DataDirError(
                    f"data dir {data_dir} was written by an older version (format {found}); "
                    "run `corridor index --rebuild`"
                )
            _write_marker(data_dir)
        return True
    if data_dir.exists() and any(data_dir.iterdir()):
        raise DataDirError(
            f"{data_dir} is not a Corridor Assistant data dir (no {MARKER}); "
            "point CORRIDOR_DATA_DIR at an empty or new folder"
        )
    if not create:
        return False
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        _write_marker(data_dir)
    except OSError as exc:
        raise DataDirError(f"cannot create the data dir {data_dir} ({exc.strerror or exc})") from None
    return True


def _write_marker(data_dir: Path) -> None:
    (data_dir / MARKER).write_text(json.dumps({"format": FORMAT}) + "\n", encoding="utf-8")


def has_index(data_dir: Path) -> bool:
    """Whether an embedded index exists in `data_dir`, checked without writing anything."""
    return _check_data_dir(data_dir, create=False) and (data_dir / "chroma").is_dir()


def looks_intact(data_dir: Path) -> bool:
    """Whether the embedded index's database file starts as an SQLite database: the check a
    process that starts from the saved corpus view makes instead of opening Chroma, so that a
    damaged index still gets its error and its fix rather than answers from a view of it."""
    try:
        with open(data_dir / "chroma" / "chroma.sqlite3", "rb") as f:
            return f.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


def _writable(folder: Path) -> bool:
    """Whether this process may write in `folder` and the files directly in it (a read-only mount,
    permissions, or a user who only reads the shared data dir)."""
    return os.access(folder, os.W_OK) and all(os.access(f, os.W_OK) for f in folder.iterdir() if f.is_file())


def _parsed_chroma_url(chroma_url: str) -> tuple[str, int, bool]:
    """(host, port, ssl) of `CORRIDOR_CHROMA_URL`, or a one-line `DataDirError` saying what is wrong."""
    hint = "is not a URL like http://127.0.0.1:8000"
    try:
        parsed = urlparse(chroma_url if "://" in chroma_url else f"http://{chroma_url}")
        port = parsed.port
    except ValueError as exc:  # "http://[::1", "http://host:port"
        raise DataDirError(f"CORRIDOR_CHROMA_URL {chroma_url!r} {hint} ({exc})") from None
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise DataDirError(f"CORRIDOR_CHROMA_URL {chroma_url!r} {hint}")
    return parsed.hostname, port or (443 if parsed.scheme == "https" else 8000), parsed.scheme == "https"


def open_client(data_dir: Path, chroma_url: str | None = None):
    """Embedded `PersistentClient` in the data dir, or `HttpClient` when a server URL is given.

    A data dir this process cannot write (a read-only mount, someone else's files) is served
    from a private snapshot: Chroma writes to its database even to open it.
    """
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    import chromadb

    if chroma_url:
        host, port, ssl = _parsed_chroma_url(chroma_url)
        try:
            client = chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=_chroma_settings())
            client.heartbeat()
        except Exception as exc:  # chromadb raises many types for "no server"
            raise DataDirError(f"cannot reach the Chroma server at {chroma_url}: {exc}".splitlines()[0]) from exc
        return client
    _check_data_dir(data_dir)
    folder = data_dir / "chroma"
    if folder.is_dir() and not _writable(folder):
        folder = _read_only_snapshot(folder)
        log.info("data dir %s is read-only: answering from a snapshot of its index", data_dir)
    try:
        client = chromadb.PersistentClient(path=str(folder), settings=_chroma_settings())
    except Exception as exc:
        raise DataDirError(
            f"the index in {data_dir} cannot be opened ({type(exc).__name__}); "
            "run `corridor index --rebuild` to rebuild it"
        ) from exc
    from chromadb.api.shared_system_client import SharedSystemClient

    # The system this client was opened on, for `retire_client` (chromadb looks it up by path on every use).
    client._corridor_system = SharedSystemClient._identifier_to_system.get(client._identifier)
    return client


_snapshots: list = []  # TemporaryDirectory objects, removed when the process ends


def _read_only_snapshot(folder: Path) -> Path:
    import tempfile

    tmp = tempfile.TemporaryDirectory(prefix="corridor-snapshot-")
    _snapshots.append(tmp)
    target = Path(tmp.name) / "chroma"
    try:
        shutil.copytree(folder, target, copy_function=shutil.copyfile)  # new files: ours to write
        for path in [target, *target.rglob("*")]:
            path.chmod(path.stat().st_mode | stat.S_IWUSR)  # copytree copied the folders' read-only modes
    except OSError as exc:
        raise DataDirError(f"the index in {folder.parent} cannot be read ({exc.strerror or exc})") from None
    return target


@contextlib.contextmanager
def writer_lock(data_dir: Path, chroma_url: str | None = None, timeout: float = 600, *, rebuild: bool = False):
    """One writer at a time per embedded data dir. Readers never take it.

    Against a Chroma server there is no shared folder to lock: run writes from one instance.
    """
    if chroma_url:
        yield
        return
    from filelock import FileLock, Timeout

    _check_data_dir(data_dir, rebuild=rebuild)
    lock = FileLock(str(data_dir / "write.lock"))
    try:
        lock.acquire(timeout=timeout)
    except Timeout:
        raise DataDirError(
            f"another process has been writing to {data_dir} for {timeout:.0f} s; try again later"
        ) from None
    except OSError as exc:  # a read-only mount or folder: only the lock file is tried, nothing else
        raise DataDirError(
            f"data dir {data_dir} cannot be written here ({exc.strerror or exc}): questions are answered, "
            "but nothing can be added, removed or rebuilt"
        ) from None
    try:
        yield
    finally:
        lock.release()


def clear_client_cache() -> None:
    """chromadb caches one client per path, even a broken one, or one whose folder was moved."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


RETIRED_GRACE_S = 10.0  # a question already running on a retired client finishes well within this


def retire_client(client) -> None:
    """Make the next `open_client` of this embedded index open it afresh, as a new process would.

    chromadb keeps one system per path, with the vectors it loaded in memory: another process's
    writes reach its metadata but never its vector index. The system is taken out of chromadb's
    cache now (the next client gets a new one) and stopped a little later, so that questions
    still running on it finish first.
    """
    from chromadb.api.shared_system_client import SharedSystemClient

    identifier = getattr(client, "_identifier", None)
    system = getattr(client, "_corridor_system", None)
    if system is None or SharedSystemClient._identifier_to_system.get(identifier) is not system:
        return  # not ours to retire, or already retired (another assistant of this process did)
    del SharedSystemClient._identifier_to_system[identifier]
    SharedSystemClient._identifier_to_refcount.pop(identifier, None)
    # Stopped, not left to the garbage collector: its vectors would stay in memory until a full collection.
    timer = threading.Timer(RETIRED_GRACE_S, _stop_quietly, args=(system,))
    timer.daemon = True
    timer.start()


def _stop_quietly(system) -> None:
    try:
        system.stop()
    except Exception:  # noqa: BLE001 - a system that cannot stop cleanly is left to the garbage collector
        log.debug("a retired Chroma client did not stop cleanly", exc_info=True)


def move_index_aside(data_dir: Path) -> Path | None:
    """Rename the embedded index folder out of the way (kept, not deleted); None when there is none."""
    import time

    folder = data_dir / "chroma"
    if not folder.exists():
        return None
    aside = data_dir / f"chroma.old-{time.strftime('%Y%m%d-%H%M%S')}"
    n = 1
    while aside.exists():
        aside = data_dir / f"chroma.old-{time.strftime('%Y%m%d-%H%M%S')}-{n}"
        n += 1
    folder.rename(aside)
    clear_client_cache()
    return aside


def restore_index(data_dir: Path, aside: Path) -> None:
    """Undo `move_index_aside` after a failed rebuild: the half-built index goes, the old one returns."""
    shutil.rmtree(data_dir / "chroma", ignore_errors=True)
    aside.rename(data_dir / "chroma")
    clear_client_cache()


def _one_line_error(exc: Exception) -> str:
    """The error, and the one it was raised while handling: chromadb's cleanup after a client that
    failed to start raises its own ("'RustBindingsAPI' object has no attribute 'bindings'") over
    the error that says why."""
    text = _named(exc)
    under = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    if under is not None:
        text += f", raised while handling {_named(under)}"[:300]
    return text


def _named(exc: BaseException) -> str:
    """ "Type: message" on one line, at most 300 characters."""
    return f"{type(exc).__name__}: {' '.join(str(exc).split())}"[:300]


@contextlib.contextmanager
def _chroma_errors(where: str, writing: bool):
    """Chroma's own exceptions (disk full, a damaged database) as one-line `DataDirError`s."""
    try:
        yield
    except DataDirError:
        raise
    except Exception as exc:
        if not writing:
            raise DataDirError(
                f"the index in {where} cannot be read ({_one_line_error(exc)}); run `corridor index --rebuild`"
            ) from exc
        raise DataDirError(
            f"cannot write to the index in {where} ({_one_line_error(exc)}); check that the disk has free "
            "space, then run the command again: what was committed before is kept"
        ) from exc


@dataclass(frozen=True)
class SourceRecord:
    """What the index knows about one committed source."""

    source: Source
    content_hash: str
    chunks: int


class IndexStore:
    """Chunks + embeddings + source texts in Chroma, behind a small API the assistant needs."""

    def __init__(
        self,
        client,
        embedder,
        prefix: str = "corridor",
        where: str = "the data dir",
        *,
        corpus_dir: Path | None = None,
        before_publish: Callable[[int], None] | None = None,
        after_publish: Callable[[dict], None] | None = None,
    ):
        self.client = client
        self.embedder = embedder
        self.prefix = prefix
        self.where = where  # the data dir or server, for error messages
        self.corpus_dir = corpus_dir  # where readers keep the saved corpus view (assistant.corpus_cache)
        # Called with the next generation just before a writer publishes it (the manifest write),
        # once everything of that generation is committed: where the saved corpus view is prepared.
        self.before_publish = before_publish
        self.after_publish = after_publish  # called with the manifest just published
        try:
            self._chunks, self._sources = self._collections(create=False)
        except Exception:  # not there yet (a new data dir): created, which only a build does
            try:
                self._chunks, self._sources = self._collections(create=True)
            except Exception as exc:
                raise DataDirError(
                    f"the Chroma collections in {where} cannot be opened ({_one_line_error(exc)}); "
                    "run `corridor index --rebuild` to rebuild them"
                ) from exc
        self._writes = None  # the write-in-progress marker's collection, opened by writers only
        self._write_depth = 0
        self._write_guard = threading.Lock()
        self._leftovers = False  # a marker was found: an earlier write was interrupted

    def _collections(self, create: bool):
        """Opening existing collections reads only; `get_or_create` writes even when they exist."""
        chunks, sources = f"{self.prefix}_chunks", f"{self.prefix}_sources"
        if not create:
            return self.client.get_collection(chunks), self.client.get_collection(sources)
        return (
            self.client.get_or_create_collection(
                chunks, embedding_function=None, configuration={"hnsw": {"space": "cosine"}}
            ),
            self.client.get_or_create_collection(sources, embedding_function=None),
        )

    # ---- reading -------------------------------------------------------------------------
    @_reads
    def manifest(self) -> dict:
        got = self._sources.get(ids=[MANIFEST_ID], include=["documents"])
        if not got["ids"]:
            return {}
        try:
            return json.loads(got["documents"][0] or "{}")
        except ValueError:
            return {}

    def generation(self) -> int:
        return int(self.manifest().get("generation", 0))

    def collection_ids(self) -> tuple[str, str]:
        """The collections' ids: a rebuilt index (or a reset of its chunks) has new ones."""
        return str(self._chunks.id), str(self._sources.id)

    @_reads
    def source_records(self) -> dict[str, SourceRecord]:
        records = {}
        for ids, docs, metas in self._pages(self._sources, include=["documents", "metadatas"]):
            for id_, doc, meta in zip(ids, docs, metas, strict=True):
                if id_ == MANIFEST_ID:
                    continue
                meta = meta or {}
                source = Source(
                    id=id_,
                    title=str(meta.get("title", id_)),
                    text=doc or "",
                    publisher=str(meta.get("publisher", "")),
                    published=str(meta.get("published", "")),
                    url=str(meta.get("url", "")),
                    origin=str(meta.get("origin", "user")),
                    path=str(meta.get("path", "")),
                )
                records[id_] = SourceRecord(source, str(meta.get("content_hash", "")), int(meta.get("chunks", 0)))
        return records

    @_reads
    def source_hashes(self) -> dict[str, str]:
        """Source id -> content hash of what is committed (without loading the texts)."""
        hashes = {}
        for ids, _docs, metas in self._pages(self._sources, include=["metadatas"]):
            hashes.update({i: str((m or {}).get("content_hash", "")) for i, m in zip(ids, metas, strict=True)})
        hashes.pop(MANIFEST_ID, None)
        return hashes

    @_reads
    def committed_chunks(
        self, records: dict[str, SourceRecord] | None = None, known: dict[str, IndexedChunk] | None = None
    ) -> list[IndexedChunk]:
        """Every chunk that belongs to a committed source (orphans from an interrupted write are skipped),
        in the collection's order.

        `known`: chunks already read (by id) of sources whose committed version has not changed
        since; then only the ids are listed, and only the other chunks are read.
        """
        records = self.source_records() if records is None else records
        chunks = []
        if known is None:
            for ids, docs, metas in self._pages(self._chunks, include=["documents", "metadatas"]):
                for id_, doc, meta in zip(ids, docs, metas, strict=True):
                    if _committed(meta, records):
                        chunks.append(IndexedChunk.from_record(id_, _chunk_text(doc, meta, records), meta))
            return chunks
        order = [id_ for ids, _, _ in self._pages(self._chunks, include=[]) for id_ in ids]
        missing = [id_ for id_ in order if id_ not in known]
        read: dict[str, IndexedChunk] = {}
        for i in range(0, len(missing), _PAGE):
            got = self._chunks.get(ids=missing[i : i + _PAGE], include=["documents", "metadatas"])
            for id_, doc, meta in zip(got["ids"], got["documents"], got["metadatas"], strict=True):
                if _committed(meta, records):
                    read[id_] = IndexedChunk.from_record(id_, _chunk_text(doc, meta, records), meta)
        return [known.get(id_) or read[id_] for id_ in order if id_ in known or id_ in read]

    @_reads
    def embeddings_for(self, ids: list[str]) -> dict[str, list[float]]:
        """Id -> vector for those of `ids` the index holds, read a thousand ids at a time."""
        found: dict[str, list[float]] = {}
        for at in range(0, len(ids), 1000):
            got = self._chunks.get(ids=ids[at : at + 1000], include=["embeddings"])
            found.update(zip(got["ids"], got["embeddings"], strict=True))
        return found

    @_reads
    def dense_search(
        self, query_embedding: list[float], k: int, source_id: str | None = None
    ) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity), best first; only one source's chunks when `source_id` is given."""
        if k <= 0:
            return []
        # The collection directly, not through langchain_chroma: same query, and importing it cost
        # a cold `corridor ask` a few hundred ms.
        where = {"source_id": source_id} if source_id else None
        got = self._chunks.query(query_embeddings=[query_embedding], n_results=k, where=where, include=["distances"])
        return [(id_, 1.0 - float(distance)) for id_, distance in zip(got["ids"][0], got["distances"][0], strict=True)]

    @_reads
    def count(self) -> int:
        return self._chunks.count()

    @staticmethod
    def _pages(collection, include: list[str]) -> Iterable[tuple[list, list, list]]:
        offset = 0
        while True:
            got = collection.get(include=include, limit=_PAGE, offset=offset)
            if not got["ids"]:
                return
            yield got["ids"], got["documents"], got["metadatas"]
            if len(got["ids"]) < _PAGE:
                return
            offset += _PAGE

    # ---- writing -------------------------------------------------------------------------
    def embed(self, texts: list[str], progress: Progress | None = None, batch: int = 256) -> list[list[float]]:
        vectors: list[list[float]] = []
        for i in range(0, len(texts), batch):
            part = texts[i : i + batch]
            vectors.extend(self.embedder.embed_documents(part))
            if progress:
                progress(len(part))
        return vectors

    def put_source(
        self, source: Source, chunks: list[IndexedChunk], progress: Progress | None = None, content_hash: str = ""
    ) -> int:
        """Index one source all-or-nothing (see `put_sources`)."""
        return self.put_sources([(source, chunks, content_hash or source.content_hash)], progress)

    def put_sources(
        self, items: Iterable[tuple[Source, list[IndexedChunk], str]], progress: Progress | None = None
    ) -> int:
        """Index sources, each all-or-nothing: its chunks first, then the record that commits them.

        Embedding is batched across sources (many small files embed as fast as one big one), one
        Chroma write per batch; each source is committed as soon as its own chunks are in. The
        next batch is read and chunked in a background thread while this one is encoded: the
        encoder releases the GIL, and reading + sentence splitting was a quarter of ingestion.
        Each batch is written to Chroma in another background thread while the next one is
        encoded (writes stay in order, one at a time; a failed write stops the ingest).
        """
        done = 0
        # closing(): a failed write stops the reading thread now, not when the traceback is freed
        with (
            self._writing(),
            contextlib.closing(_prefetched(_batches(items, _EMBED_BATCH))) as batches,
            concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="corridor-write") as writer,
        ):
            written: concurrent.futures.Future | None = None
            for batch in batches:
                chunks = [c for _, source_chunks, _ in batch for c in source_chunks]
                vectors = self.embed([c.text for c in chunks], progress)
                if written is not None:
                    written.result()  # the previous batch is in (or its error is raised) before the next
                written = writer.submit(self.put_embedded, batch, vectors)
                done += len(chunks)
            if written is not None:
                written.result()
        return done

    @_writes
    def put_embedded(self, batch: list[tuple[Source, list[IndexedChunk], str]], vectors: list) -> None:
        """Write sources whose chunk embeddings are computed: all chunks, then the records that commit them.

        One write each: a Chroma write costs ~15 ms whatever its size, so per-file writes would
        dominate the time of many small files.
        """
        chunks = [c for _, source_chunks, _ in batch for c in source_chunks]
        hashes = [content_hash for _, source_chunks, content_hash in batch for _ in source_chunks]
        texts = [_stored_text(c, source) for source, source_chunks, _ in batch for c in source_chunks]
        with self._writing():
            for i in range(0, len(chunks), _PAGE):
                part = chunks[i : i + _PAGE]
                self._chunks.upsert(
                    ids=[c.id for c in part],
                    embeddings=vectors[i : i + _PAGE],
                    documents=texts[i : i + _PAGE],
                    metadatas=[
                        {**c.metadata(), "source_hash": h} for c, h in zip(part, hashes[i : i + _PAGE], strict=True)
                    ],
                )
            known = set(self._sources.get(ids=[s.id for s, _, _ in batch], include=[])["ids"])
            self._sources.upsert(
                ids=[source.id for source, _, _ in batch],
                embeddings=[[0.0] for _ in batch],
                documents=[source.text for source, _, _ in batch],
                metadatas=[_record_metadata(source, len(source_chunks), h) for source, source_chunks, h in batch],
            )
            for source, _, content_hash in batch:
                if source.id in known:  # a new version replaced an old one: drop the old chunks
                    self._drop_stale_chunks(source.id, keep_hash=content_hash)

    @_writes
    def remove_source(self, source_id: str) -> bool:
        with self._writing():
            existed = bool(self._sources.get(ids=[source_id])["ids"])
            self._sources.delete(ids=[source_id])  # uncommit first: readers stop seeing it at once
            self._chunks.delete(where={"source_id": source_id})
        return existed

    @_writes
    def collect_garbage(self) -> int:
        """Delete chunks no committed source owns, left by an interrupted write. Writers only.

        Scans every chunk's metadata, so it runs only when a write-in-progress marker says an
        earlier write did not finish (or the index predates the marker); otherwise it returns 0
        after one small read.
        """
        if self._write_depth == 0 and self._marked():
            self._leftovers = True
        if not self._leftovers:
            return 0
        stale = self._orphans()
        for i in range(0, len(stale), _PAGE):
            self._chunks.delete(ids=stale[i : i + _PAGE])
        self._leftovers = False
        if self._write_depth == 0:
            self._write_log().delete(ids=[WRITING_ID])
        log.info("removed %d chunks left by an interrupted write", len(stale))
        if self.manifest():  # the interrupted writer may have committed sources without publishing them
            self.bump_generation()
        return len(stale)

    def _orphans(self) -> list[str]:
        records = self.source_records()
        stale = []
        for ids, _docs, metas in self._pages(self._chunks, include=["metadatas"]):
            for id_, meta in zip(ids, metas, strict=True):
                rec = records.get(str(meta.get("source_id")))
                if rec is None or meta.get("source_hash") != rec.content_hash:
                    stale.append(id_)
        return stale

    @contextlib.contextmanager
    def _writing(self):
        """Hold the write-in-progress marker for the block (nested blocks share the outer one's).

        The marker goes in before the first chunk is written and is removed only when the block
        ends without an error and no earlier leftovers wait for `collect_garbage`: a marker found
        by the next writer therefore always means some chunks may be orphans.
        """
        with self._write_guard:
            if self._write_depth == 0:
                if self._marked():
                    self._leftovers = True  # someone else's write was interrupted: keep its marker
                else:
                    self._write_log().upsert(ids=[WRITING_ID], embeddings=[[0.0]], documents=[str(os.getpid())])
            self._write_depth += 1
        finished = False
        try:
            yield
            finished = True
        finally:
            with self._write_guard:
                self._write_depth -= 1
                if self._write_depth == 0 and finished and not self._leftovers:
                    self._write_log().delete(ids=[WRITING_ID])

    def _marked(self) -> bool:
        return bool(self._write_log().get(ids=[WRITING_ID], include=[])["ids"])

    def _write_log(self):
        """The marker's collection, opened by writers only (readers never pay for it).

        Creating it on an index that already has chunks means the index predates markers: its
        leftovers, if any, are unknown, so the next `collect_garbage` scans once.
        """
        if self._writes is None:
            name = f"{self.prefix}_writes"
            try:
                self._writes = self.client.get_collection(name, embedding_function=None)
            except Exception:  # chromadb's NotFoundError (ValueError in older versions)
                self._writes = self.client.get_or_create_collection(name, embedding_function=None)
                self._leftovers = self._leftovers or self._chunks.count() > 0
        return self._writes

    def _drop_stale_chunks(self, source_id: str, keep_hash: str) -> None:
        self._chunks.delete(where={"$and": [{"source_id": source_id}, {"source_hash": {"$ne": keep_hash}}]})

    @_writes
    def write_manifest(self, manifest: dict) -> None:
        """Publish a new generation: readers reload their view of the index when it changes."""
        manifest = {**manifest, "generation": self.generation() + 1}
        if self.before_publish is not None:
            try:
                self.before_publish(manifest["generation"])
            except Exception:  # noqa: BLE001 - readers then build the view themselves
                log.warning("could not prepare the corpus view of generation %d", manifest["generation"], exc_info=True)
        self._sources.upsert(ids=[MANIFEST_ID], embeddings=[[0.0]], documents=[json.dumps(manifest, sort_keys=True)])
        if self.after_publish is not None:
            try:
                self.after_publish(manifest)
            except Exception:  # noqa: BLE001 - published all the same; readers then start through Chroma
                log.warning(
                    "could not point readers at the view of generation %d", manifest["generation"], exc_info=True
                )

    def bump_generation(self) -> None:
        self.write_manifest({k: v for k, v in self.manifest().items() if k != "generation"})

    @_writes
    def reset_chunks(self) -> None:
        """Drop every embedding (model or chunking changed); source records stay to re-embed from."""
        self.client.delete_collection(self._chunks.name)
        self._chunks, self._sources = self._collections(create=True)


def _stored_text(chunk: IndexedChunk, source: Source) -> str:
    """What the chunk collection keeps as a chunk's document: "" for a passage, which is its
    source's text between its offsets (read back from the source record, `_chunk_text`), and the
    text of a chunk that is not (a derived fact). Chroma indexes every document for its own
    full-text search, which nothing here uses: a passage's text stored twice cost disk (48 -> 41
    MB at 10,000 chunks) and write time (5-7% of it in real ingests), and the writes compete with
    the encoder for the CPU."""
    return "" if source.text[chunk.start : chunk.end] == chunk.text else chunk.text


def _chunk_text(document: str | None, meta: dict, records: dict[str, SourceRecord]) -> str:
    """A chunk's text as read: its document, or for a passage (stored as "") its source's span.
    Indexes written before passages were stored as offsets hold the text itself."""
    if document:
        return document
    source = records[str(meta["source_id"])].source
    return source.text[int(meta["start"]) : int(meta["end"])]


def _committed(meta: dict | None, records: dict[str, SourceRecord]) -> bool:
    meta = meta or {}
    rec = records.get(str(meta.get("source_id")))
    return rec is not None and meta.get("source_hash") == rec.content_hash


def _batches(items: Iterable[tuple[Source, list[IndexedChunk], str]], size: int):
    """Whole sources grouped until a group holds at least `size` chunks."""
    batch, pending = [], 0
    for item in items:
        batch.append(item)
        pending += len(item[1])
        if pending >= size:
            yield batch
            batch, pending = [], 0
    if batch:
        yield batch


class _Failed:
    def __init__(self, exc: BaseException):
        self.exc = exc


def _prefetched(iterable: Iterable, depth: int = 1):
    """Yield what `iterable` yields, computing up to `depth` items ahead in a background thread.

    An exception in the producer is raised in the consumer; a consumer that stops early (error,
    break) stops the producer at its next item.
    """
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()
    finished = object()

    def hand_over(item) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in iterable:
                if not hand_over(item):
                    return
            hand_over(finished)
        except BaseException as exc:  # handed to the consumer, who raises it
            hand_over(_Failed(exc))

    worker = threading.Thread(target=produce, name="corridor-prepare", daemon=True)
    worker.start()
    try:
        while (item := ready.get()) is not finished:
            if isinstance(item, _Failed):
                raise item.exc
            yield item
    finally:
        stop.set()
        worker.join()


def _record_metadata(source: Source, chunks: int, content_hash: str) -> dict:
    return {
        "title": source.title,
        "publisher": source.publisher,
        "published": source.published,
        "url": source.url,
        "origin": source.origin,
        "path": source.path,
        "content_hash": content_hash,
        "chunks": chunks,
    }


def describe_index(model: str, params: ChunkingParams) -> dict:
    return {"model": model, "chunking": params.describe(), "format": FORMAT}
