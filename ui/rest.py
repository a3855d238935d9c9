"""`POST /api/ask`: one answer as plain JSON, beside the chat, on the same server.

Gradio's `/ask` (the "Use via API" page) goes through its queue and a server-sent-events stream:
two requests and about 4x the answer's own time. This is a plain FastAPI route on the app Gradio
already runs: the answer is computed in a worker thread of the request and returned as
`Answer.to_dict()`.

    curl -s localhost:7860/api/ask -H 'content-type: application/json' \\
         -d '{"question": "Who founded Osell?"}'

Request body: `question` (text, at most 2,000 characters), optional `k` (passages, 1-10; 0 or
absent for the server's setting) and `history` (earlier `[question, answer]` pairs).

The same limits and sign-in as the chat: the request guard in front of the whole app checks the
Host header and caps the body; at most `DEFAULT_CONCURRENCY` answers are computed at once and at
most `QUEUE_SIZE` wait (503 past that); with sign-in, a request carries the chat's session cookie
or HTTP Basic credentials of a user of the auth file (failures throttled like the login form).
Answers: 200 with the answer, 400 for a question the assistant refuses, 401 without sign-in, 413
for a body over the limit, 429 while a client is locked out, 503 when busy or the index is not
ready.
"""

from __future__ import annotations

import base64
import hmac
import json
import math
import threading

from assistant.errors import CorridorError, DataDirError, InvalidQuestionError

PATH = "/api/ask"
MAX_K = 10


class _Gate:
    """At most `workers` answers at once, at most `waiting` more in line."""

    def __init__(self, workers: int, waiting: int):
        import anyio

        self.limiter = anyio.CapacityLimiter(workers)
        self.capacity = workers + waiting
        self.inside = 0
        self.lock = threading.Lock()

    def enter(self) -> bool:
        with self.lock:
            if self.inside >= self.capacity:
                return False
            self.inside += 1
            return True

    def leave(self) -> None:
        with self.lock:
            self.inside -= 1


def routes(assistant, policy, credentials, *, workers: int, waiting: int) -> list:
    """The routes of the REST API, to pass as `FastAPI(routes=...)` (Gradio's `app_kwargs`)."""
    import anyio
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    gate = _Gate(workers, waiting)
    users = dict(credentials or [])

    def error(status: int, message: str, headers: dict | None = None) -> JSONResponse:
        return JSONResponse({"error": message}, status_code=status, headers=headers)

    def refused_sign_in(request) -> JSONResponse | None:
        """None when the request may be answered: no sign-in on this server, the chat's session
        cookie, or valid Basic credentials."""
        if not users:
            return None
        headers = {k.lower(): v for k, v in request.headers.items()}
        if policy is not None and policy.user(headers) is not None:
            return None
        user, password = _basic(headers.get("authorization", ""))
        client = request.client.host if request.client else "?"
        keys = (f"addr:{client}",) + ((f"user:{user}",) if user else ())
        throttle = getattr(policy, "throttle", None)
        wait = throttle.wait(*keys) if throttle is not None else 0.0
        if wait > 0:
            retry = str(math.ceil(wait))
            return error(429, f"Too many failed sign-ins: try again in {retry} s.", {"retry-after": retry})
        if user is not None and user in users and hmac.compare_digest(users[user].encode(), password.encode()):
            if throttle is not None:
                throttle.succeeded(*keys)
            return None
        if user is not None and throttle is not None:
            throttle.failed(*keys)
        return error(401, "Sign in: HTTP Basic credentials of a user of this server.", _CHALLENGE)

    async def ask(request):
        refused = refused_sign_in(request)
        if refused is not None:
            return refused
        try:
            body = json.loads(await request.body() or b"{}")
        except ValueError:
            return error(400, 'The body must be JSON: {"question": "..."}')
        if not isinstance(body, dict):
            return error(400, 'The body must be a JSON object: {"question": "..."}')
        question, k, history = body.get("question"), body.get("k") or None, body.get("history")
        if k is not None and (not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= MAX_K):
            return error(400, f"k must be a whole number from 1 to {MAX_K} (or 0 for the server's setting)")
        if not gate.enter():
            return error(503, "The server is busy: try again in a moment.", {"retry-after": "1"})
        try:
            answer = await anyio.to_thread.run_sync(
                lambda: assistant.ask(question, history=history, k=k), limiter=gate.limiter
            )
        except InvalidQuestionError as exc:
            return error(400, str(exc))
        except DataDirError as exc:
            return error(503, str(exc))
        except CorridorError as exc:
            return error(400, str(exc))
        finally:
            gate.leave()
        return JSONResponse(answer.to_dict())

    return [Route(PATH, ask, methods=["POST"])]


_CHALLENGE = {"www-authenticate": 'Basic realm="Corridor Assistant", charset="UTF-8"'}


def _basic(header: str) -> tuple[str | None, str]:
    """(user, password) of an HTTP Basic `Authorization` header; (None, "") for anything else."""
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None, ""
    try:
        user, sep, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
    except (ValueError, UnicodeDecodeError):
        return None, ""
    return (user, password) if sep else (None, "")
