"""Shared test setup.

- The real bundled model and a real Chroma index: retrieval quality is the product.
- One index is built per session in a temp data dir and shared by read-only tests
  (`CORRIDOR_DATA_DIR` points at it); tests that write use their own `tmp_path`.
- Outbound network is blocked unless a test is marked `network`; loopback stays allowed.
- The ONNX export of the model is shared by every data dir of the run (`CORRIDOR_MODELS_DIR`),
  kept in .data/models between runs: each data dir would otherwise export its own (~15 s).
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from assistant.bench import free_port, stop_process

FIXTURES = Path(__file__).parent / "fixtures"
ARTIFACTS = Path(__file__).parent.parent / "test-artifacts"
MODEL_EXPORTS = Path(__file__).parent.parent / ".data" / "models"
os.environ.setdefault("CORRIDOR_MODELS_DIR", str(MODEL_EXPORTS))  # before any test (or child process) embeds


def load_fixture(name: str) -> list[dict]:
    return yaml.safe_load((FIXTURES / name).read_text(encoding="utf-8"))


def _is_loopback(address) -> bool:
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture(autouse=True)
def block_network(request, monkeypatch):
    """Any non-loopback connection fails loudly: the product must work offline."""
    if request.node.get_closest_marker("network"):
        return
    real_connect = socket.socket.connect

    def guarded(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
            raise RuntimeError(f"test tried to reach the network: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(scope="session")
def shared_data_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("corridor-data")


@pytest.fixture(scope="session")
def assistant(shared_data_dir):
    """A warmed-up Assistant on the session's index (built once, here)."""
    from assistant import Assistant

    return Assistant(data_dir=shared_data_dir).warm_up()


@pytest.fixture(autouse=True)
def corridor_env(monkeypatch, shared_data_dir):
    """Every test sees the shared data dir unless it sets its own; no server URL leaks in."""
    monkeypatch.setenv("CORRIDOR_DATA_DIR", str(shared_data_dir))
    monkeypatch.delenv("CORRIDOR_CHROMA_URL", raising=False)
    monkeypatch.delenv("CORRIDOR_AUTH", raising=False)


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def assistant_with_document(tmp_path: Path, title: str, body: str, published: str = ""):
    """An `Assistant` in a data dir of its own, with one Markdown document of the user's ingested."""
    from assistant import Assistant

    doc = tmp_path / "document.md"
    dated = f"published: {published}\n" if published else ""
    doc.write_text(f"---\ntitle: {title}\n{dated}---\n\n{body}", encoding="utf-8")
    asst = Assistant(data_dir=tmp_path / "data")
    asst.ingest([doc])
    return asst


@contextlib.contextmanager
def chroma_run(path: Path):
    """A real `chroma run` server from this venv on a free loopback port, its data in `path`;
    yields its URL once its heartbeat answers, and stops it afterwards."""
    import chromadb

    port = free_port()
    path.mkdir(parents=True, exist_ok=True)
    log = open(path / "server.log", "wb")
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "chroma"), "run", "--path", str(path / "db"), "--host", "127.0.0.1"]
        + ["--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                chromadb.HttpClient(host="127.0.0.1", port=port).heartbeat()
                break
            except Exception:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(
                        f"chroma run did not start: {(path / 'server.log').read_text()[-2000:]}"
                    ) from None
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}"
    finally:
        stop_process(proc, timeout=10)
        log.close()
