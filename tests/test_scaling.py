"""Ingestion time grows linearly with the input: 10x the input takes ~12x the time, not ~100x.

Measured on what ingestion does before embedding (read, extract, split into sentences and
chunks), which is where the time used to grow quadratically: a 400k-character paragraph took
24 s in pysbd, 100k nested <div>s ran for minutes in the HTML fallback. Embedding is linear in
the number of chunks and measured by `corridor bench`. Each size is timed as the median of five
runs, twice when the ratio is over the bound (other work shares the machine); the figures go to
test-artifacts/ingestion-scaling.json.
"""

from __future__ import annotations

import gc
import json
import random
import statistics
import time
from pathlib import Path

import pytest

from index.chunking import split_source
from index.loaders import load_file

pytestmark = pytest.mark.slow
# The target is ~12x for 10x the input (quadratic work would take ~100x). Linear work measured
# 6-15x here (the 1 MB HTML page 7-15x from one run to the next: it no longer fits the CPU caches
# its 100 KB tenth did; 15.03x failed a CI run against a bound of 15), so the bound leaves room
# for that and for timing noise on a shared machine, and still fails quadratic work fivefold.
MAX_RATIO = 20.0
WORDS = (
    "the corridor carried containers from Chongqing to Qinzhou port while Vietnam Thailand and Laos "
    "accounted for a growing share of trade value in the Co., Ltd. e.g. U.S. 3.5 percent"
).split()


def _sentences(chars: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    out, size = [], 0
    while size < chars:
        sentence = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 25))).capitalize() + "."
        out.append(sentence)
        size += len(sentence) + 1
    return " ".join(out)[:chars]


def paragraph_doc(chars: int) -> str:
    """One paragraph, no blank line: the shape that was quadratic."""
    return _sentences(chars)


def markdown_doc(chars: int) -> str:
    """An ordinary document: headings and paragraphs of about 600 characters."""
    parts, size, n = [], 0, 0
    while size < chars:
        part = (f"## Section {n}\n\n" if n % 5 == 0 else "") + _sentences(600, seed=n)
        parts.append(part)
        size += len(part) + 2
        n += 1
    return "\n\n".join(parts)


def html_doc(chars: int) -> str:
    paragraphs = "".join(f"<p>{_sentences(500, seed=n)}</p>" for n in range(max(1, chars // 510)))
    return f"<html><head><title>Depot report</title></head><body><article>{paragraphs}</article></body></html>"


def nested_html(depth: int, chains: int = 60) -> str:
    """`chains` runs of `depth` nested <div>s, a sentence at each level: size grows with depth."""
    body = "".join(
        "".join(f"<div>Depot {c} level {i} moved {c * depth + i} containers. " for i in range(depth)) + "</div>" * depth
        for c in range(chains)
    )
    return f"<html><body><article>{body}</article></body></html>"


def _timed(tmp_path: Path, name: str, data: str, rounds: int = 5) -> tuple[float, int]:
    """Median of `rounds`: read, extract and chunk one file. Returns (seconds, chunks). The median,
    not the best: a small input's best run can be one that found everything in the CPU caches
    (0.023 s for 100 KB of HTML in a CI run, where runs here take 0.029-0.037 s), which makes a
    ratio of about 11x read as 15x."""
    path = tmp_path / name
    path.write_text(data, encoding="utf-8")
    seconds, chunks = [], 0
    for _ in range(rounds):
        gc.collect()
        t0 = time.perf_counter()
        chunks = len(split_source(load_file(path)))
        seconds.append(time.perf_counter() - t0)
    return statistics.median(seconds), chunks


def _pair(folder: Path, name: str, make, small: int) -> list[dict]:
    """Timings of the input and of 10x the input. A second round is run when the ratio is over the
    bound, keeping each size's lower median: other processes on the 2 cores make timings jump."""
    data = {size: make(size) for size in (small, small * 10)}
    best: dict[int, tuple[float, int]] = {}
    for _ in range(2):
        for size, text in data.items():
            seconds, chunks = _timed(folder, name, text)
            best[size] = min(best.get(size, (float("inf"), 0)), (seconds, chunks))
        if best[small * 10][0] / best[small][0] <= MAX_RATIO:
            break
    return [
        {"size": size, "bytes": len(data[size].encode()), "seconds": round(best[size][0], 4), "chunks": best[size][1]}
        for size in (small, small * 10)
    ]


CASES = {
    "paragraph length (chars, one paragraph)": ("para.md", paragraph_doc, 40_000),
    "Markdown file size (chars)": ("doc.md", markdown_doc, 100_000),
    "HTML file size (chars of text)": ("page.html", html_doc, 100_000),
    "HTML nesting depth (levels)": ("nested.html", nested_html, 18),
}


@pytest.fixture(scope="module")
def measured(tmp_path_factory, artifacts):
    """Warm up (imports, first extraction), then time every case."""
    warm = tmp_path_factory.mktemp("warm")
    _timed(warm, "w.html", html_doc(2000))
    _timed(warm, "w.md", markdown_doc(2000))
    gc.collect()
    gc.freeze()  # what the session already holds (a model, an index) is not rescanned in every timing
    try:
        rows = {label: _pair(tmp_path_factory.mktemp("scaling"), *case) for label, case in CASES.items()}
    finally:
        gc.unfreeze()
    (artifacts / "ingestion-scaling.json").write_text(json.dumps(rows, indent=2))
    return rows


@pytest.mark.parametrize("label", list(CASES))
def test_ten_times_the_input_takes_at_most_twenty_times_the_time(measured, label):
    small, large = measured[label]
    assert large["chunks"] > small["chunks"] > 0
    ratio = large["seconds"] / small["seconds"]
    assert ratio <= MAX_RATIO, f"{label}: {small} -> {large}: {ratio:.1f}x"


def test_a_400k_character_paragraph_is_read_and_chunked_in_under_3_seconds(measured):
    large = measured["paragraph length (chars, one paragraph)"][1]
    assert large["size"] == 400_000 and large["seconds"] < 3.0, large


def test_100k_nested_divs_are_refused_at_once(tmp_path):
    from index.errors import IngestError

    path = tmp_path / "deep.html"
    path.write_text("<html><body>" + "<div>x " * 100_000 + "</div>" * 100_000 + "</body></html>")
    t0 = time.perf_counter()
    with pytest.raises(IngestError, match="levels deep"):
        load_file(path)
    assert time.perf_counter() - t0 < 1.0
