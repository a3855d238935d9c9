"""`POST /api/ask` beside the chat: the answer as JSON, with the chat's limits and sign-in."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from assistant.types import Answer
from tests.conftest import free_port

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def open_server(assistant):
    from ui.app import serve

    app = serve(assistant, port=free_port())
    yield app.local_url.rstrip("/")
    app.close()


@pytest.fixture(scope="module")
def signed_in_server(assistant):
    from ui.app import serve

    app = serve(assistant, port=free_port(), auth=[("alice", "correct horse")])
    yield app.local_url.rstrip("/")
    app.close()


def test_the_answer_is_answer_to_dict(open_server, assistant):
    r = requests.post(open_server + "/api/ask", json={"question": "Who founded Osell?"}, timeout=30)
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    got = r.json()
    expected = assistant.ask("Who founded Osell?").to_dict()
    got.pop("latency_ms"), expected.pop("latency_ms")
    assert got == expected and "Feng Jianfeng" in got["text"]

    follow = requests.post(
        open_server + "/api/ask",
        json={"question": "What did his company sign at the expo?", "history": [["Who founded Osell?", got["text"]]]},
        timeout=30,
    ).json()
    assert "cooperation agreement" in follow["text"]
    assert (
        len(
            requests.post(open_server + "/api/ask", json={"question": "Who founded Osell?", "k": 1}, timeout=30).json()[
                "retrieved"
            ]
        )
        <= 2
    )


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"question": ""}, "empty"),
        ({"question": "x" * 2001}, "the limit is 2,000"),
        ({"question": 42}, "must be text"),
        ({"question": "Who founded Osell?", "k": 11}, "k must be"),
        ({"question": "Who founded Osell?", "k": "3"}, "k must be"),
        ({"question": "Who founded Osell?", "history": "not pairs"}, "history must be"),
        (["a list"], "JSON object"),
    ],
)
def test_refused_questions_are_400_with_the_reason(open_server, body, message):
    r = requests.post(open_server + "/api/ask", json=body, timeout=30)
    assert r.status_code == 400 and message in r.json()["error"]


def test_the_guard_applies_host_and_body_limits(open_server):
    r = requests.post(open_server + "/api/ask", json={"question": "hi"}, headers={"Host": "evil.example"}, timeout=10)
    assert r.status_code == 421
    big = b'{"question": "' + b"x" * (300 * 1024) + b'"}'
    r = requests.post(open_server + "/api/ask", data=big, headers={"content-type": "application/json"}, timeout=30)
    assert r.status_code == 413
    assert requests.post(open_server + "/api/ask", data=b"{", timeout=10).status_code == 400
    assert requests.get(open_server + "/api/ask", timeout=10).status_code == 405


def test_sign_in_is_required_when_the_chat_requires_it(signed_in_server):
    url = signed_in_server + "/api/ask"
    body = {"question": "Who founded Osell?"}
    r = requests.post(url, json=body, timeout=30)
    assert r.status_code == 401 and r.headers["www-authenticate"].startswith("Basic")
    assert requests.post(url, json=body, auth=("alice", "wrong"), timeout=30).status_code == 401
    assert requests.post(url, json=body, auth=("alice", "correct horse"), timeout=30).json()["citations"]

    # The chat's own session cookie works too.
    session = requests.Session()
    assert session.post(signed_in_server + "/login", data={"username": "alice", "password": "correct horse"}).ok
    assert session.post(url, json=body, timeout=30).status_code == 200


def test_password_guessing_is_throttled(assistant):
    from ui.app import serve

    app = serve(assistant, port=free_port(), auth=[("carol", "s3cret")])
    try:
        url = app.local_url.rstrip("/") + "/api/ask"
        codes = [
            requests.post(url, json={"question": "hi"}, auth=("carol", f"guess{i}"), timeout=10).status_code
            for i in range(7)
        ]
        assert codes[:5] == [401] * 5 and codes[-1] == 429
        r = requests.post(url, json={"question": "hi"}, auth=("carol", "s3cret"), timeout=10)
        assert r.status_code == 429 and int(r.headers["retry-after"]) > 0  # locked out, even with the password
    finally:
        app.close()


class _Slow:
    """An assistant whose answers take a while: to fill the line."""

    def __init__(self):
        self.release = threading.Event()

    def ask(self, question, history=None, k=None):
        self.release.wait(10)
        return Answer(question, "ok", False)


def test_past_the_line_the_server_says_busy():
    import uvicorn
    from starlette.applications import Starlette

    from ui.rest import routes

    slow = _Slow()
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(Starlette(routes=routes(slow, None, None, workers=1, waiting=1)), port=port, log_level="error")
    )
    serving = threading.Thread(target=server.run, daemon=True)
    serving.start()
    url = f"http://127.0.0.1:{port}/api/ask"
    while not server.started:
        time.sleep(0.05)
    try:
        codes: list[int] = []

        def call():
            codes.append(requests.post(url, json={"question": "q"}, timeout=30).status_code)

        threads = [threading.Thread(target=call) for _ in range(2)]  # one answering, one waiting
        for t in threads:
            t.start()
        time.sleep(0.5)
        busy = requests.post(url, json={"question": "q"}, timeout=30)
        slow.release.set()
        for t in threads:
            t.join()
        assert busy.status_code == 503 and busy.headers["retry-after"] == "1"
        assert codes == [200, 200]
    finally:
        slow.release.set()
        server.should_exit = True
        serving.join(10)
