"""`corridor serve` as a user starts it: loopback by default, auth required elsewhere, API usable."""

import os
import socket
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from assistant.cli import cli


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--host", "0.0.0.0"], "add --auth user:password"),
        (["--host", "192.0.2.10"], "exposes the chat beyond this computer"),
        (["--share", "yes"], "public link"),
        (["--auth", "nopassword"], "user:password"),
    ],
)
def test_serve_refuses_unsafe_or_malformed_options(args, message):
    result = CliRunner().invoke(cli, ["serve", *args])
    assert result.exit_code == 2
    assert message in result.output and result.output.strip().count("\n") == 0


@pytest.mark.slow
def test_serve_starts_and_answers_through_gradio_client(assistant, shared_data_dir):
    from gradio_client import Client

    port = _free_port()
    env = {**os.environ, "CORRIDOR_DATA_DIR": str(shared_data_dir)}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "assistant", "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        line = ""
        deadline = time.monotonic() + 120
        while "running at" not in line:
            line = proc.stdout.readline()
            assert line or proc.poll() is None, "corridor serve exited early"
            assert time.monotonic() < deadline, "corridor serve did not start"
        url = line.split("running at", 1)[1].strip()
        assert url.startswith("http://127.0.0.1:")
        answer = Client(url, verbose=False).predict("Who founded Osell?", api_name="/ask")
        elapsed = time.perf_counter() - started
        assert "Feng Jianfeng" in answer["text"] and answer["citations"]
        print(f"corridor serve -> first answer through the API: {elapsed:.1f} s")
    finally:
        proc.terminate()
        proc.wait(timeout=20)
