"""`corridor bench`: speed measured against its floor, on this machine, in one run.

Every figure is a ratio to the cheapest thing that must happen anyway:
- cold `corridor ask` vs importing its dependencies (the import floor), and vs the same ask with
  the torch reference embedder (what every cold call paid before ONNX);
- warm answer latency vs one query-embedding call of the same model;
- ingestion throughput vs raw encode of the same backend on the same texts, and vs the torch
  reference's raw encode;
- with sizes (`--scale N`): an index of N synthetic chunks with synthetic vectors (no encoding),
  measured from separate processes: warm p50/p95, cold `corridor ask` with the saved corpus view
  and without it (the first process after a change rebuilds it), peak RSS, disk, and how long a
  running assistant takes to answer from a document another process ingested;
- the web layer: `POST /api/ask` of a running `corridor serve`, one caller at a time against the
  in-process answer, and 50 concurrent loopback callers (answers per second, errors).
"""

from __future__ import annotations

import json
import os
import platform
import random
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
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
# What a cold `corridor ask` cannot avoid importing: the retrieval and answering code (LangChain
# core, bm25s) and the embedding runtime; on an index too large to search in memory, chromadb too.
# (On a small one the saved corpus view holds the vectors: Chroma is not opened.)
IMPORT_FLOOR = "import assistant.cli, assistant.retrieval, assistant.answerer, bm25s, onnxruntime, tokenizers"
IMPORT_FLOOR_CHROMA = IMPORT_FLOOR + ", chromadb"
_WORDS = (
    "corridor rail sea port freight container train depot logistics customs terminal cargo route trade "
    "inland hub shipment schedule capacity warehouse cold chain bonded park express line vessel berth"
).split()
_SYNTHETIC_PER_SOURCE = 500
_SYNTHETIC_PER_WRITE = 10  # sources per Chroma write while growing a synthetic index


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


# Runs the measured command from a small process, so that the command's peak RSS is its own:
# Linux keeps a process's peak across fork + exec, and this benchmark's process is large.
_LAUNCHER = """
import json, os, subprocess, sys, time
t0 = time.perf_counter()
proc = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(proc.pid, 0)
wall = time.perf_counter() - t0
print(json.dumps({"wall": wall, "rss_kb": usage.ru_maxrss, "code": os.waitstatus_to_exitcode(status)}), file=sys.stderr)
"""


def _child(args: list[str], env: dict) -> tuple[float, float, str]:
    """Run a process to the end: (wall seconds, its own peak RSS in MB, its stdout)."""
    run = subprocess.run([sys.executable, "-c", _LAUNCHER, *args], env=env, capture_output=True, text=True)
    try:
        measured = json.loads(run.stderr.strip().splitlines()[-1])
    except (IndexError, ValueError):
        raise RuntimeError(f"{' '.join(args[:4])} ... could not be measured: {run.stderr[-300:]}") from None
    if measured["code"] != 0:
        raise RuntimeError(f"{' '.join(args[:4])} ... exited with {measured['code']}: {run.stderr[-300:]}")
    return measured["wall"], measured["rss_kb"] / 1024, run.stdout


def _median_child(args: list[str], env: dict, runs: int) -> tuple[float, float]:
    """Median wall time and peak RSS over `runs` runs, after one unmeasured run (file cache)."""
    _child(args, env)
    walls, rss = zip(*(_child(args, env)[:2] for _ in range(runs)), strict=True)
    return statistics.median(walls), max(rss)


def _env(data_dir: Path, **extra: str) -> dict:
    return {**os.environ, "CORRIDOR_DATA_DIR": str(data_dir), **extra}


def cold_start(data_dir: Path, runs: int = 3) -> dict:
    """Cold `corridor ask` on an existing index, against the import floor and against torch."""
    env = _env(data_dir)
    corridor = [sys.executable, "-m", "assistant"]
    subprocess.run([*corridor, "index"], env=env, check=True, capture_output=True)
    floor, _ = _median_child([sys.executable, "-c", IMPORT_FLOOR], env, runs)
    floor_chroma, _ = _median_child([sys.executable, "-c", IMPORT_FLOOR_CHROMA], env, runs)
    ask, rss = _median_child([*corridor, "ask", QUESTIONS[0]], env, runs)
    before, before_rss = _median_child(
        [*corridor, "ask", QUESTIONS[0]], _env(data_dir, CORRIDOR_EMBEDDINGS="torch"), runs
    )
    return {
        "import_floor_s": round(floor, 3),
        "import_floor_chroma_s": round(floor_chroma, 3),
        "cold_ask_s": round(ask, 3),
        "ratio": round(ask / floor, 2),
        "cold_ask_peak_rss_mb": round(rss, 1),
        "torch_cold_ask_s": round(before, 3),
        "torch_cold_ask_peak_rss_mb": round(before_rss, 1),
        "speedup_vs_torch": round(before / ask, 2),
    }


def warm_latency(asst, rounds: int = 20) -> dict:
    embed = asst.store.embedder.embed_query
    for q in QUESTIONS * 2:  # warm caches and BM25
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


def raw_encode_rate(embedder, texts: list[str]) -> float:
    """Chunks per second of the embedder alone, at its best batch setting (the ingestion floor)."""
    encode = getattr(embedder, "encode", None)
    if encode is None:  # the LangChain wrapper of sentence-transformers
        model = embedder._client
        encode = lambda part: model.encode(part, batch_size=64, normalize_embeddings=True)  # noqa: E731
    encode(texts[:32])  # first-call costs (thread pools, allocations) are not throughput
    t0 = time.perf_counter()
    encode(texts)
    return len(texts) / (time.perf_counter() - t0)


def indexing_throughput(asst_factory, chunks_wanted: int = 2000) -> dict:
    """Ingest synthetic documents into a fresh index vs encoding the same chunk texts raw, with
    this backend and with the torch reference."""
    from index.chunking import split_source
    from index.embeddings import torch_embedder
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
        raw = raw_encode_rate(asst.store.embedder, texts)
        t0 = time.perf_counter()
        report = asst.ingest([folder])
        indexed = report.chunks / (time.perf_counter() - t0)
        t0 = time.perf_counter()
        again = asst.ingest([folder])
        rerun_s = time.perf_counter() - t0
        torch_raw = raw_encode_rate(torch_embedder(), texts)
    return {
        "backend": getattr(asst.store.embedder, "backend", "torch"),
        "chunks": report.chunks,
        "files": i,
        "raw_encode_chunks_per_s": round(raw, 1),
        "torch_raw_encode_chunks_per_s": round(torch_raw, 1),
        "ingest_chunks_per_s": round(indexed, 1),
        "ratio": round(indexed / raw, 3),
        "ratio_vs_torch_raw": round(indexed / torch_raw, 2),
        "reingest_unchanged_s": round(rerun_s, 2),
        "reingest_embedded_chunks": again.chunks,
    }


# ---- scale: synthetic chunks with synthetic vectors ------------------------------------------


def _synthetic_source(s: int, rng: random.Random):
    """One source of `_SYNTHETIC_PER_SOURCE` one-sentence chunks and its random unit vectors."""
    import numpy as np

    from index.chunking import IndexedChunk
    from knowledge import Source

    source_id = f"synthetic-{s:05d}"
    sentences = [
        f"Depot {s}-{j} moved {rng.randint(100, 99999)} containers; "
        + " ".join(rng.choice(_WORDS) for _ in range(14))
        + "."
        for j in range(_SYNTHETIC_PER_SOURCE)
    ]
    chunks, offset = [], 0
    for j, sentence in enumerate(sentences):
        span = (offset, offset + len(sentence))
        chunks.append(
            IndexedChunk(f"{source_id}-{j}", source_id, "passage", sentence, *span, (span,), as_of="2020-01-01")
        )
        offset += len(sentence) + 2
    vectors = np.random.default_rng(s).normal(size=(len(chunks), 384)).astype("float32")
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    source = Source(
        id=source_id, title=f"Synthetic {s}", text="\n\n".join(sentences), published="2020-01-01", origin="user"
    )
    return (source, chunks, f"synthetic-{s}"), vectors


def grow_synthetic(store, total: int, rng: random.Random, progress=None) -> float:
    """Add synthetic sources until the index holds about `total` chunks; returns chunks/s written."""
    import numpy as np

    have = store.count()
    first, last = have // _SYNTHETIC_PER_SOURCE, total // _SYNTHETIC_PER_SOURCE
    t0, written = time.perf_counter(), 0
    for start in range(first, last, _SYNTHETIC_PER_WRITE):
        made = [_synthetic_source(s, rng) for s in range(start, min(last, start + _SYNTHETIC_PER_WRITE))]
        store.put_embedded([item for item, _ in made], np.concatenate([v for _, v in made]))
        written += sum(len(v) for _, v in made)
        if progress and (start // _SYNTHETIC_PER_WRITE) % 20 == 0:
            progress(f"  {store.count():,} chunks")
    store.bump_generation()
    return written / max(time.perf_counter() - t0, 1e-9)


def warm_child(data_dir: str, rounds: int) -> None:
    """Run in a separate process: start, warm up, answer; print timings and this process's memory."""
    t0 = time.perf_counter()
    from assistant import Assistant

    asst = Assistant(data_dir=data_dir)
    asst.ask(QUESTIONS[0])
    first = time.perf_counter() - t0
    result = warm_latency(asst, rounds=rounds)
    result["first_answer_s"] = round(first, 2)
    result["rss_mb"] = round(_vm("VmRSS"), 1)
    result["peak_rss_mb"] = round(_vm("VmHWM"), 1)
    print(json.dumps(result))


def _vm(field: str) -> float:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith(field)) / 1024


def _disk_mb(folder: Path) -> float:
    return sum(p.stat().st_blocks * 512 for p in folder.rglob("*") if p.is_file()) / 1024 / 1024


def scale(asst_factory, sizes=(10_000,), rounds: int = 5, cold_runs: int = 1, progress=print) -> list[dict]:
    """Grow one embedded index through `sizes` and measure each size from fresh processes."""
    from assistant.corpus_cache import FOLDER

    rng = random.Random(11)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        for n, size in enumerate(sorted(sizes)):
            asst = asst_factory(data)  # a new one each time: the reader below opens the index afresh
            asst.index()
            progress(f"growing the index to {size:,} chunks ...")
            t0 = time.perf_counter()
            write_rate = grow_synthetic(asst.store, size, rng, progress)  # publishing saves the corpus view
            grow_s = time.perf_counter() - t0
            env = _env(data)
            code = f"from assistant.bench import warm_child; warm_child({str(data)!r}, {rounds})"
            _, _, out = _child([sys.executable, "-c", code], env)
            warm = json.loads(out.strip().splitlines()[-1])
            ask = [sys.executable, "-m", "assistant", "ask", QUESTIONS[0]]
            cold, cold_rss = _median_child(ask, env, cold_runs)
            shutil.rmtree(data / FOLDER)  # the first process after a change without a prepared view
            rebuild, rebuild_rss = _child(ask, env)[:2]
            row = {
                "chunks": asst.store.count(),
                "synthetic_write_chunks_per_s": round(write_rate, 1),
                "grow_s": round(grow_s, 1),
                "cold_ask_s": round(cold, 2),
                "cold_ask_peak_rss_mb": round(cold_rss, 1),
                "cold_ask_rebuild_s": round(rebuild, 2),
                "cold_ask_rebuild_peak_rss_mb": round(rebuild_rss, 1),
                "disk_mb": round(_disk_mb(data / "chroma"), 1),
                "corpus_view_mb": round(_disk_mb(data / FOLDER), 1),
                **warm,
            }
            progress(f"  {json.dumps(row)}")  # kept in the log should a later step or size fail
            progress("  a running assistant vs another process's ingest ...")
            row |= _reader_step(asst_factory(data), data, Path(tmp) / f"new-{n}", progress)
            rows.append(row)
    return rows


def _reader_step(reader, data_dir: Path, folder: Path, progress) -> dict:
    """`reader_sees_writer`, or its failure recorded (the ingest process's last line of output):
    after an hour of growing an index, one failed step must not lose the other figures."""
    try:
        return reader_sees_writer(reader, data_dir, folder)
    except subprocess.CalledProcessError as exc:
        output = (exc.stderr or b"").decode(errors="replace").strip().splitlines() or ["no output"]
        progress(f"  the ingest beside a running assistant failed: {output[-1]}")
        return {"ingest_one_document_s": None, "reader_sees_writer_s": None, "reader_sees_writer_error": output[-1]}


_NEW_DOCUMENT = """# Zorvath dry port bulletin

The Zorvath dry port handled 73,519 refrigerated containers in 2031, its first full year of service.
Its operator, Kestrel Logistics, plans a second rail siding for 2032.
"""
_NEW_QUESTION = "How many refrigerated containers did the Zorvath dry port handle in 2031?"


def reader_sees_writer(reader, data_dir: Path, folder: Path, timeout: float = 120) -> dict:
    """A warm assistant answers; another process (`corridor ingest`) adds a document; seconds from
    the end of that ingest until the running assistant answers from the new document."""
    reader.ask(_NEW_QUESTION)  # warm: corpus view, vectors and model loaded
    folder.mkdir(parents=True, exist_ok=True)
    doc = folder / "zorvath.md"
    doc.write_text(_NEW_DOCUMENT, encoding="utf-8")
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "assistant", "ingest", str(doc)], env=_env(data_dir), check=True, capture_output=True
    )
    ingested = time.perf_counter()
    text = ""
    while time.perf_counter() - ingested < timeout:
        text = reader.ask(_NEW_QUESTION).text
        if "73,519" in text:
            break
        time.sleep(0.02)
    seen = time.perf_counter() - ingested
    return {
        "ingest_one_document_s": round(ingested - t0, 2),
        "reader_sees_writer_s": round(seen, 2) if "73,519" in text else None,
    }


# ---- the web layer ----------------------------------------------------------------------------


def free_port() -> int:
    """A loopback port nobody listens on right now (for servers the benchmark and tests start)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_process(proc: subprocess.Popen, timeout: float) -> None:
    """Ask a server process to stop (SIGTERM); kill it when it has not within `timeout` seconds."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()


def _post(conn, body: bytes) -> tuple[int, float]:
    t0 = time.perf_counter()
    conn.request("POST", "/api/ask", body, {"content-type": "application/json"})
    response = conn.getresponse()
    response.read()
    return response.status, time.perf_counter() - t0


def rest_api(data_dir: Path, in_process_p50_ms: float, rounds: int = 10, callers: int = 50, per_caller: int = 10):
    """`corridor serve` in its own process: sequential `POST /api/ask` latency against the
    in-process answer, then `callers` concurrent loopback callers (keep-alive connections)."""
    import http.client

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant", "serve", "--port", str(port)],
        env=_env(data_dir),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    bodies = [json.dumps({"question": q}).encode() for q in QUESTIONS]
    try:
        deadline = time.monotonic() + 300
        while True:  # up (and warm: the first answer waits for the index and the model)
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                if _post(conn, bodies[0])[0] == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("corridor serve did not answer /api/ask")
            time.sleep(0.3)
        for body in bodies * 2:
            _post(conn, body)
        sequential = [_post(conn, body)[1] * 1000 for _ in range(rounds) for body in bodies]
        conn.close()
        results: list[tuple[int, float]] = []
        lock = threading.Lock()
        start = threading.Barrier(callers + 1)

        def caller(i: int) -> None:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            start.wait()
            mine = []
            for j in range(per_caller):
                try:
                    mine.append(_post(c, bodies[(i + j) % len(bodies)]))
                except OSError:
                    mine.append((0, 0.0))
                    c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            c.close()
            with lock:
                results.extend(mine)

        threads = [threading.Thread(target=caller, args=(i,), daemon=True) for i in range(callers)]
        for t in threads:
            t.start()
        start.wait()
        t0 = time.perf_counter()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
    finally:
        stop_process(proc, timeout=30)
    ok = [t * 1000 for status, t in results if status == 200]
    p50 = statistics.median(sequential)
    return {
        "sequential_p50_ms": round(p50, 2),
        "sequential_p95_ms": round(_percentile(sequential, 0.95), 2),
        "in_process_p50_ms": round(in_process_p50_ms, 2),
        "sequential_ratio": round(p50 / in_process_p50_ms, 2),
        "callers": callers,
        "requests": len(results),
        "errors": len(results) - len(ok),
        "answers_per_s": round(len(ok) / elapsed, 1),
        "concurrent_p50_ms": round(statistics.median(ok), 1) if ok else None,
        "concurrent_p95_ms": round(_percentile(ok, 0.95), 1) if ok else None,
    }


# ---- int8 -----------------------------------------------------------------------------------


def quantization(fixtures: Path) -> list[dict]:
    """Retrieval hit@k, MRR and answer accuracy on every fixture set, fp32 ONNX vs int8 ONNX."""
    from assistant import Assistant
    from assistant.evaluation import evaluate, load_cases

    rows = []
    for backend in ("onnx", "onnx-int8"):
        os.environ["CORRIDOR_EMBEDDINGS"] = backend
        with tempfile.TemporaryDirectory() as tmp:
            asst = Assistant(data_dir=Path(tmp) / "data")
            asst.ingest([fixtures / "docs"])
            for name in ("core.yaml", "conversations.yaml", "docs_questions.yaml"):
                m = evaluate(asst, load_cases(fixtures / name)).metrics
                hit = next(k for k in m if k.startswith("retrieval_hit@"))
                rows.append(
                    {
                        "backend": backend,
                        "fixtures": name,
                        "hit_at_k": m[hit],
                        "k": int(hit.split("@")[1]),
                        "mrr": m["retrieval_mrr"],
                        "answer_accuracy": m["answer_accuracy"],
                    }
                )
    os.environ.pop("CORRIDOR_EMBEDDINGS", None)
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
        "load_average": os.getloadavg()[0],
    }


def run(asst_factory, data_dir: Path, quick: bool = False, progress=print, sizes=None) -> dict:
    """All measurements; `quick` shrinks them (for smoke tests)."""
    results: dict = {"machine": machine()}
    progress("cold start vs import floor ...")
    results["cold_start"] = cold_start(data_dir, runs=1 if quick else 3)
    progress("warm answer latency vs query embedding ...")
    asst = asst_factory(data_dir).warm_up()
    results["warm"] = warm_latency(asst, rounds=2 if quick else 20)
    progress("REST API: sequential and 50 concurrent callers ...")
    results["rest"] = rest_api(
        data_dir, results["warm"]["answer_p50_ms"], rounds=2 if quick else 10, per_caller=2 if quick else 10
    )
    progress("indexing throughput vs raw encode ...")
    results["indexing"] = indexing_throughput(asst_factory, chunks_wanted=200 if quick else 3000)
    progress("synthetic index sizes ...")
    sizes = sizes or ((1_000,) if quick else (1_000, 10_000))
    results["scale"] = scale(asst_factory, sizes, rounds=2 if quick else 5, progress=progress)
    results["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return results


def markdown(results: dict) -> str:
    m, c, w, i = results["machine"], results["cold_start"], results["warm"], results["indexing"]
    lines = [
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB RAM, Python {m['python']}, load average {m['load_average']:.1f} at the start.",
        f"Embeddings: {i['backend']}.",
        "",
        "| measure | value | floor | ratio |",
        "|---|---:|---:|---:|",
        f"| cold `corridor ask` vs import of its dependencies | {c['cold_ask_s']} s | {c['import_floor_s']} s | {c['ratio']}x |",
        f"| the same floor with chromadb (an index searched by Chroma) | | {c['import_floor_chroma_s']} s | |",
        f"| cold `corridor ask` with the torch embedder (before) | {c['torch_cold_ask_s']} s | {c['cold_ask_s']} s | {c['speedup_vs_torch']}x slower |",
        f"| warm answer p50 vs one query embedding | {w['answer_p50_ms']} ms | {w['embed_query_p50_ms']} ms | {w['p50_ratio']}x |",
        f"| warm answer p95 vs one query embedding | {w['answer_p95_ms']} ms | {w['embed_query_p50_ms']} ms | {w['p95_ratio']}x |",
        f"| ingestion vs raw encode, same backend ({i['chunks']} chunks) | {i['ingest_chunks_per_s']} chunks/s | {i['raw_encode_chunks_per_s']} chunks/s | {i['ratio']:.0%} |",
        f"| ingestion vs torch raw encode (same texts) | {i['ingest_chunks_per_s']} chunks/s | {i['torch_raw_encode_chunks_per_s']} chunks/s | {i['ratio_vs_torch_raw']}x |",
        f"| re-ingest of unchanged files | {i['reingest_unchanged_s']} s, {i['reingest_embedded_chunks']} chunks embedded | | |",
        f"| peak RSS of a cold `corridor ask` | {c['cold_ask_peak_rss_mb']} MB | {c['torch_cold_ask_peak_rss_mb']} MB (torch) | |",
        "",
        "| chunks | warm p50 | p95 | p50 / query embedding | cold ask | first answer (fresh process) | RSS warm | disk |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]  # fmt: skip
    for row in results.get("scale", []):
        lines.append(
            f"| {row['chunks']:,} | {row['answer_p50_ms']} ms | {row['answer_p95_ms']} ms | {row['p50_ratio']}x "
            f"| {row['cold_ask_s']} s | {row['first_answer_s']} s | {row['rss_mb']:.0f} MB | {row['disk_mb']:.0f} MB |"
        )
    if results.get("scale") and "cold_ask_rebuild_s" in results["scale"][0]:
        lines += [
            "",
            "| chunks | cold ask, saved view | cold ask, view rebuilt | p95 / query embedding | peak RSS cold | view on disk | one-document ingest | a running assistant answers from it after |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
        ]  # fmt: skip
        for row in results["scale"]:
            seen = row.get("reader_sees_writer_s")
            lines.append(
                f"| {row['chunks']:,} | {row['cold_ask_s']} s | {row['cold_ask_rebuild_s']} s | {row['p95_ratio']}x "
                f"| {row['cold_ask_peak_rss_mb']:.0f} MB | {row['corpus_view_mb']:.0f} MB "
                f"| {row.get('reader_sees_writer_error') or str(row['ingest_one_document_s']) + ' s'} "
                f"| {'not seen' if seen is None else f'{seen} s'} |"
            )
    rest = results.get("rest")
    if rest:
        lines += [
            "",
            "| REST `POST /api/ask` (corridor serve) | value | floor | ratio |",
            "|---|---:|---:|---:|",
            f"| sequential p50 vs the in-process answer | {rest['sequential_p50_ms']} ms | {rest['in_process_p50_ms']} ms | {rest['sequential_ratio']}x |",
            f"| {rest['callers']} concurrent loopback callers | {rest['answers_per_s']} answers/s, p50 {rest['concurrent_p50_ms']} ms, p95 {rest['concurrent_p95_ms']} ms | | {rest['errors']} errors in {rest['requests']} |",
        ]  # fmt: skip
    return "\n".join(lines)
