"""One writer, seen by every reader: `corridor serve` runs, `corridor ingest` in another process adds
a document, and the running server answers from it within 2 s, on an embedded index and through
a Chroma server."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import FIXTURES, chroma_run, free_port
from tests.test_serve import _start, _stop

pytestmark = pytest.mark.slow

QUESTION = "How many refrigerated containers were on the first cold-chain train of the season?"
DOCUMENT = FIXTURES / "docs" / "rail-freight-notes.txt"


def _ask(url: str, question: str) -> dict:
    r = requests.post(url + "/api/ask", json={"question": question}, timeout=60)
    r.raise_for_status()
    return r.json()


def _seen_after(url: str, data_dir: Path, env_extra: dict) -> float:
    """Ingest from another process; seconds from its end until the server answers from the document."""
    assert "48" not in _ask(url, QUESTION)["text"]
    env = {**os.environ, "CORRIDOR_DATA_DIR": str(data_dir), **env_extra}
    done = subprocess.run(
        [sys.executable, "-m", "assistant", "ingest", str(DOCUMENT)], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    ingested = time.perf_counter()
    while True:
        answer = _ask(url, QUESTION)
        seen = time.perf_counter() - ingested
        if "48" in answer["text"]:
            return seen
        assert seen < 30, answer
        time.sleep(0.05)


def test_a_running_server_answers_from_another_process_ingest(tmp_path):
    data = tmp_path / "data"
    proc, url, _, lines = _start(["--port", str(free_port())], data)
    try:
        _ask(url, "Who founded Osell?")  # up and warm
        seen = _seen_after(url, data, {})
        assert "Feng Jianfeng" in _ask(url, "Who founded Osell?")["text"]  # the rest still answers
    finally:
        out = "".join(lines) + _stop(proc)
    print(f"embedded: answered from the new document {seen:.2f} s after the ingest ended")
    assert "Error finding id" not in out and "Traceback" not in out
    assert seen < 2.0


@pytest.mark.server
def test_through_a_chroma_server_too(tmp_path):
    with chroma_run(tmp_path / "chroma") as chroma_url:
        env = {"CORRIDOR_CHROMA_URL": chroma_url}
        proc, url, _, lines = _start(["--port", str(free_port())], tmp_path / "server-app", env)
        try:
            _ask(url, "Who founded Osell?")
            # The writer is another instance with its own data dir: only the server is shared.
            seen = _seen_after(url, tmp_path / "cli", env)
        finally:
            _stop(proc)
        print(f"Chroma server: answered from the new document {seen:.2f} s after the ingest ended")
        assert seen < 2.0
        assert list((tmp_path / "server-app" / "corpus").iterdir())[0].name.startswith("server-")
