"""`corridor serve` as a user starts it and as an attacker probes it: loopback by default, sign-in
from a file or the environment, the index built by serve itself, and a server that refuses what
it has no use for (foreign Host, huge bodies, the upload route, internal handlers, login guessing)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from click.testing import CliRunner

from assistant.cli import cli
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--host", "0.0.0.0"], "add --auth-file FILE"),
        (["--host", "192.0.2.10"], "exposes the chat beyond this computer"),
        (["--share", "yes"], "public link"),
        (["--auth", "nopassword"], "user:password"),
        (["--auth-file", "/nonexistent/users"], "cannot read the auth file"),
        (["--auth", "alice:pw", "--admin", "bob"], "--admin names a user with no password: bob"),
    ],
)
def test_serve_refuses_unsafe_or_malformed_options(args, message):
    result = CliRunner().invoke(cli, ["serve", *args])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output


def test_auth_file_readable_by_others_is_refused_by_the_cli(tmp_path):
    users = tmp_path / "users"
    users.write_text("alice:s3cret\n", encoding="utf-8")
    users.chmod(0o644)
    result = CliRunner().invoke(cli, ["serve", "--host", "0.0.0.0", "--auth-file", str(users)])
    assert result.exit_code == 2 and "chmod 600" in result.output and result.output.count("\n") == 1


def _start(args: list[str], data_dir: Path, env_extra: dict | None = None, command=None) -> tuple:
    """Start `corridor serve` (or `command`); returns (process, url, seconds to "running at", output so far)."""
    env = {**os.environ, "CORRIDOR_DATA_DIR": str(data_dir), **(env_extra or {})}
    started = time.perf_counter()
    proc = subprocess.Popen(
        command or [sys.executable, "-m", "assistant", "serve", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=ROOT,
    )
    lines, deadline = [], time.monotonic() + 180
    while not lines or "running at" not in lines[-1]:
        line = proc.stdout.readline()
        assert line or proc.poll() is None, f"serve exited early: {''.join(lines)}"
        assert time.monotonic() < deadline, "serve did not start"
        lines.append(line)
    elapsed = time.perf_counter() - started
    return proc, lines[-1].split("running at", 1)[1].strip().rstrip("/"), elapsed, lines


def _stop(proc) -> str:
    proc.terminate()
    out, _ = proc.communicate(timeout=30)
    return out


@pytest.mark.slow
def test_serve_builds_its_index_with_a_progress_line_and_answers(tmp_path):
    from gradio_client import Client

    proc, url, _, lines = _start(["--port", str(free_port())], tmp_path / "fresh")
    try:
        assert url.startswith("http://127.0.0.1:")
        answer = Client(url + "/", verbose=False).predict("Who founded Osell?", api_name="/ask")
        assert "Feng Jianfeng" in answer["text"] and answer["citations"]
        sources = Client(url + "/", verbose=False).predict(api_name="/sources")
        assert [s["publisher"] for s in sources] == ["iChongqing"] and "path" not in sources[0]
    finally:
        out = "".join(lines) + _stop(proc)
    assert "Checking the index" in out and "Index built: " in out and "ready in" in out


@pytest.mark.slow
def test_warm_make_run_is_as_fast_as_serve_alone(assistant, shared_data_dir):
    """`make run` is one process: no separate `corridor index` loading the model first. Each is
    started three times, alternately, on a free port (the machine may be busy: the best of each is compared)."""
    if not (ROOT / ".venv" / ".installed").exists():
        pytest.fail("make run needs the project's .venv (make install)")

    def started(command, env=None) -> float:
        proc, url, seconds, _ = _start([] if command else ["--port", str(free_port())], shared_data_dir, env, command)
        try:
            assert requests.get(url + "/", timeout=10).status_code == 200
        finally:
            _stop(proc)
        return seconds

    serve_s, make_s = [], []
    for _ in range(3):
        serve_s.append(started(None))
        make_s.append(started(["make", "-s", "run"], {"SERVE_ARGS": f"--port {free_port()}"}))
    print(f"warm start to 'running at': corridor serve {serve_s} s, make run {make_s} s")
    assert min(make_s) <= 1.2 * min(serve_s), (serve_s, make_s)


# -- the request guard, over real HTTP -------------------------------------------------------------
@pytest.fixture(scope="module")
def guarded(assistant, tmp_path_factory):
    """The app as `corridor serve --auth-file` runs it in-process: two users, alice the admin."""
    from ui.app import ServeOptions, serve

    feedback = tmp_path_factory.mktemp("guard") / "feedback.jsonl"
    app = serve(
        assistant,
        port=free_port(),
        auth=[("alice", "correct horse"), ("bob", "battery staple")],
        options=ServeOptions(upload_enabled=True, admins=frozenset({"alice"})),
        feedback_path=feedback,
    )
    yield app, app.local_url.rstrip("/"), feedback
    app.close()


def _login(url: str, user: str, password: str) -> requests.Session:
    session = requests.Session()
    r = session.post(f"{url}/login", data={"username": user, "password": password}, timeout=10)
    assert r.status_code == 200, r.text
    return session


def test_unknown_host_header_is_refused(guarded):
    _, url, _ = guarded
    r = requests.get(url + "/", headers={"Host": "rebind.example:7860"}, timeout=10)
    assert r.status_code == 421 and "Unknown host" in r.text
    assert (
        requests.get(url.replace("127.0.0.1", "localhost") + "/gradio_api/login_check", timeout=10).status_code == 401
    )


def test_large_bodies_are_refused_before_they_are_read(guarded):
    _, url, _ = guarded
    big = b'{"data": ["' + b"x" * (2 * 1024 * 1024) + b'"]}'
    r = requests.post(
        url + "/gradio_api/queue/join", data=big, headers={"Content-Type": "application/json"}, timeout=30
    )
    assert r.status_code == 413

    def chunks():  # no Content-Length: counted as it streams
        for _ in range(64):
            yield b"x" * 65536

    r = requests.post(url + "/gradio_api/run/ask", data=chunks(), timeout=30)
    assert r.status_code == 413


def test_upload_route_is_for_admins_only(guarded, tmp_path):
    app, url, _ = guarded
    before = set(Path(app.server_app.uploaded_file_dir).rglob("*"))
    files = {"files": ("notes.md", b"# Notes\n\nHello.\n", "text/markdown")}
    assert requests.post(url + "/gradio_api/upload", files=files, timeout=10).status_code in (401, 403)
    bob = _login(url, "bob", "battery staple")
    r = bob.post(url + "/gradio_api/upload", files=files, timeout=10)
    assert r.status_code == 403 and "admin" in r.text
    assert set(Path(app.server_app.uploaded_file_dir).rglob("*")) == before  # nothing stored
    alice = _login(url, "alice", "correct horse")
    assert alice.post(url + "/gradio_api/upload", files=files, timeout=10).status_code == 200
    too_big = {"files": ("big.md", b"x" * (21 * 1024 * 1024), "text/markdown")}
    assert alice.post(url + "/gradio_api/upload", files=too_big, timeout=60).status_code == 413


def test_upload_route_is_closed_when_upload_is_off(assistant):
    from ui.app import serve

    app = serve(assistant, port=free_port())  # loopback, no sign-in, no --allow-upload
    try:
        files = {"files": ("notes.md", b"# Notes\n", "text/markdown")}
        r = requests.post(app.local_url + "gradio_api/upload", files=files, timeout=10)
        assert r.status_code == 403 and "Uploads are disabled" in r.text
    finally:
        app.close()


def test_internal_handlers_are_not_callable_from_outside(guarded):
    app, url, feedback = guarded
    alice = _login(url, "alice", "correct horse")
    vote_fn = next(i for i, fn in app.fns.items() if getattr(fn.fn, "__name__", "") == "vote")
    body = {"data": [None, None], "fn_index": vote_fn, "session_hash": "forger", "event_data": {"index": [1, 1]}}
    r = alice.post(url + "/gradio_api/queue/join", json=body, timeout=10)
    assert r.status_code == 403 and "/ask" in r.text
    assert not feedback.exists()
    from gradio_client import Client

    with pytest.raises(Exception, match="(?i)not|private|cannot|find"):
        Client(url + "/", auth=("alice", "correct horse"), verbose=False).predict(api_name="/vote")
    public = Client(url + "/", auth=("alice", "correct horse"), verbose=False)
    assert (
        "62%" in public.predict("What share of the corridor's trade value comes from Vietnam?", api_name="/ask")["text"]
    )


def test_login_guessing_is_throttled(guarded):
    _, url, _ = guarded
    codes = []
    started = time.perf_counter()
    for i in range(12):
        r = requests.post(f"{url}/login", data={"username": "bob", "password": f"guess{i}"}, timeout=10)
        codes.append(r.status_code)
    assert codes[:5] == [400] * 5 or all(c in (400, 401) for c in codes[:5]), codes
    assert set(codes[6:]) == {429}, codes
    r = requests.post(f"{url}/login", data={"username": "bob", "password": "battery staple"}, timeout=10)
    assert r.status_code == 429 and int(r.headers["Retry-After"]) > 0  # even the right password waits
    print(f"12 guesses: {codes.count(429)} throttled, {time.perf_counter() - started:.2f} s")


def test_password_is_not_needed_on_the_command_line(tmp_path):
    users = tmp_path / "users"
    users.write_text("alice:s3cret\n", encoding="utf-8")
    users.chmod(0o600)
    port = free_port()
    proc, url, _, _ = _start(["--port", str(port), "--auth-file", str(users)], tmp_path / "data")
    try:
        cmdline = Path(f"/proc/{proc.pid}/cmdline").read_bytes().decode()
        assert "s3cret" not in cmdline
        assert requests.get(url + "/gradio_api/info", timeout=10).status_code == 401
        session = _login(url, "alice", "s3cret")
        assert "/ask" in json.dumps(session.get(url + "/gradio_api/info", timeout=10).json())
    finally:
        _stop(proc)
    proc, url, _, lines = _start(["--port", str(port)], tmp_path / "data", {"CORRIDOR_AUTH": "bob:pw2"})
    try:
        assert requests.get(url + "/gradio_api/info", timeout=10).status_code == 401
        _login(url, "bob", "pw2")
    finally:
        _stop(proc)
