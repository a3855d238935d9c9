"""Knowledge -> chunks -> embeddings -> Chroma.

`IndexStore` owns the Chroma collections; `split_source` does sentence-aware chunking with
character offsets; `load_embedder` gives the bundled all-MiniLM-L6-v2 model (offline).
Heavy libraries (sentence-transformers, chromadb) are imported only when first needed.
"""

from index.chunking import ChunkingParams, IndexedChunk, split_source
from index.errors import CorridorError, DataDirError, IngestError
from index.lexical import tokenize

__all__ = [
    "ChunkingParams",
    "CorridorError",
    "DataDirError",
    "IndexedChunk",
    "IngestError",
    "split_source",
    "tokenize",
]
