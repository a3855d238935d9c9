"""What the server refuses before Gradio sees a request, and who may sign in.

Gradio serves more than the chat needs: an upload route that stores files of any size, JSON
bodies of any size, every event handler by its number through the queue, and any Host header.
`Guard` is a plain ASGI middleware in front of all of it:

- Host header: only the names the server is reachable by (DNS rebinding gets "421 Misdirected").
- Request bodies: capped (`max_body`); the upload route is closed unless uploads are enabled, and
  then open only to admins and capped at `max_files` files of `max_file_bytes`.
- Internal handlers (votes, example clicks, conversation list, ...) answer only same-origin
  browser requests, i.e. the page itself; scripts use the named API (`/ask`, `/sources`).
- Sign-in: failed logins are throttled per client address and per user name.

Credentials come from `load_auth_file` (one `user:password` per line, not readable by others)
or `CORRIDOR_AUTH`, never from the command line, where `ps` shows them to every local user.

>>> policy = Policy(hosts=allowed_hosts("127.0.0.1"))                  # doctest: +SKIP
>>> app.launch(app_kwargs={"middleware": [Middleware(Guard, policy=policy)]})  # doctest: +SKIP
"""

from __future__ import annotations

import ipaddress
import json
import math
import os
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import CorridorError

MAX_BODY = 256 * 1024  # a question is at most a few KB; the largest page event is far below this
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_FILES = 10
LOGIN_FREE_FAILURES = 5  # failures allowed before the lock-out starts
LOGIN_WINDOW = 300.0  # seconds over which failures count
LOGIN_LOCK = 30.0  # first lock-out; doubles with every further failure, up to LOGIN_MAX_LOCK
LOGIN_MAX_LOCK = 900.0
_WILDCARD = ("0.0.0.0", "::", "")


class AuthConfigError(CorridorError):
    """The auth file or CORRIDOR_AUTH cannot be used."""


# -- credentials ---------------------------------------------------------------------------------
def parse_credentials(text: str, origin: str) -> list[tuple[str, str]]:
    """`user:password` pairs, one per line (blank lines and `#` comments skipped).

    The password is everything after the first colon, so it may itself contain colons.
    """
    pairs: list[tuple[str, str]] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        user, sep, password = line.partition(":")
        if not (sep and user.strip() and password):
            raise AuthConfigError(f"{origin} line {number} must look like user:password")
        pairs.append((user.strip(), password))
    if not pairs:
        raise AuthConfigError(f"{origin} holds no user:password line")
    users = [u for u, _ in pairs]
    duplicate = next((u for u in users if users.count(u) > 1), None)
    if duplicate:
        raise AuthConfigError(f"{origin} names user {duplicate!r} twice")
    return pairs


def load_auth_file(path: str | Path) -> list[tuple[str, str]]:
    """Credentials from a file that only its owner can read (like ssh, a readable secret is refused)."""
    path = Path(path).expanduser()
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AuthConfigError(f"cannot read the auth file {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise AuthConfigError(f"the auth file {path} is not UTF-8 text") from None
    if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise AuthConfigError(f"the auth file {path} is readable by other users: chmod 600 {path}")
    return parse_credentials(text, f"the auth file {path}")


# -- hosts ---------------------------------------------------------------------------------------
def allowed_hosts(bind: str, extra: tuple[str, ...] | list[str] = ()) -> frozenset[str]:
    """Host names the server answers to: the bound address, loopback names when bound there, and
    any name a reverse proxy forwards (`extra`). A wildcard bind adds "*": the Host check then
    accepts any IP literal (DNS rebinding needs a name) plus these names."""
    names = {bind.lower().strip("[]")} if bind not in _WILDCARD else {"*"}
    if bind in _WILDCARD or _is_loopback(bind):
        names |= {"localhost", "127.0.0.1", "::1"}
    names |= {h.lower().strip().strip("[]") for h in extra if h.strip()}
    return frozenset(names)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def host_name(header: str) -> str:
    """`Example.org:7860` -> `example.org`; `[::1]:7860` -> `::1`."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    if header.count(":") == 1:
        return header.split(":", 1)[0]
    return header


# -- login throttling ----------------------------------------------------------------------------
@dataclass
class LoginThrottle:
    """Counts failed sign-ins per key (client address, user name); locks a key out for a while
    once it failed `free` times within `window` seconds. The lock doubles with each failure after
    that, so 300 guesses take hours instead of 0.3 s, while a user who mistypes twice is never slowed."""

    free: int = LOGIN_FREE_FAILURES
    window: float = LOGIN_WINDOW
    lock: float = LOGIN_LOCK
    max_lock: float = LOGIN_MAX_LOCK
    clock: Callable[[], float] = time.monotonic
    _failures: dict[str, list[float]] = field(default_factory=dict)
    _locked_until: dict[str, float] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def wait(self, *keys: str) -> float:
        """Seconds before any of `keys` may try again (0: go ahead)."""
        now = self.clock()
        with self._guard:
            return max([0.0] + [self._locked_until.get(k, now) - now for k in keys])

    def failed(self, *keys: str) -> None:
        now = self.clock()
        with self._guard:
            for key in keys:
                recent = [t for t in self._failures.get(key, []) if now - t < self.window] + [now]
                self._failures[key] = recent
                extra = len(recent) - self.free
                if extra > 0:
                    self._locked_until[key] = now + min(self.max_lock, self.lock * 2 ** (extra - 1))

    def succeeded(self, *keys: str) -> None:
        with self._guard:
            for key in keys:
                self._failures.pop(key, None)
                self._locked_until.pop(key, None)


# -- the middleware ------------------------------------------------------------------------------
@dataclass
class Policy:
    """What `Guard` lets through. `blocks` is set once the app is built (fn numbers, sign-in tokens)."""

    hosts: frozenset[str]
    check_host: bool = True
    max_body: int = MAX_BODY
    upload_enabled: bool = False
    max_file_bytes: int = MAX_FILE_BYTES
    max_files: int = MAX_FILES
    admins: frozenset[str] | None = None  # None: no sign-in, so whoever reaches the page is admin
    throttle: LoginThrottle = field(default_factory=LoginThrottle)
    blocks: object | None = None

    def host_ok(self, header: str) -> bool:
        if not self.check_host:
            return True
        name = host_name(header)
        return name in self.hosts or self._wildcard_ok(name)

    def _wildcard_ok(self, name: str) -> bool:
        """A server bound to every address answers to any IP literal (DNS rebinding needs a name)."""
        return "*" in self.hosts and _is_ip_literal(name)

    def may_upload(self, user: str | None) -> bool:
        if not self.upload_enabled:
            return False
        return self.admins is None or (user is not None and user in self.admins)

    def private_fns(self) -> set[int]:
        fns = getattr(self.blocks, "fns", {}) or {}
        return {i for i, fn in fns.items() if getattr(fn, "api_visibility", "public") == "private"}

    def user(self, headers: dict[str, str]) -> str | None:
        """The signed-in user for these request headers (Gradio's session cookie), or None."""
        app = getattr(self.blocks, "server_app", None)
        if app is None:
            return None
        cookies = _cookies(headers.get("cookie", ""))
        for name in (f"access-token-{app.cookie_id}", f"access-token-unsecure-{app.cookie_id}"):
            if name in cookies:
                return app.tokens.get(cookies[name])
        return None


class Guard:
    """ASGI middleware enforcing a `Policy` (see the module docstring)."""

    def __init__(self, app, policy: Policy):
        self.app = app
        self.policy = policy

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        if not self.policy.host_ok(headers.get("host", "")):
            if scope["type"] == "websocket":
                return await send({"type": "websocket.close", "code": 1008})
            return await _plain(send, 421, "Unknown host: this server answers only to its own address.")
        if scope["type"] == "websocket":
            return await self.app(scope, receive, send)
        path = scope.get("path", "")
        method = scope.get("method", "GET")
        if method == "POST" and path.rstrip("/").endswith("/gradio_api/upload"):
            return await self._upload(scope, receive, send, headers)
        if method == "POST" and path.rstrip("/") == _login_path(scope):
            return await self._login(scope, receive, send, headers)
        if method == "POST" and path.rstrip("/").endswith("/gradio_api/queue/join"):
            return await self._queue_join(scope, receive, send, headers)
        return await _limited(self.app, scope, receive, send, headers, self.policy.max_body)

    async def _upload(self, scope, receive, send, headers):
        if not self.policy.upload_enabled:
            return await _plain(send, 403, "Uploads are disabled on this server (corridor serve --allow-upload).")
        if not self.policy.may_upload(self.policy.user(headers)):
            return await _plain(send, 403, "Only an admin may upload documents.")
        limit = self.policy.max_files * (self.policy.max_file_bytes + 64 * 1024)
        return await _limited(self.app, scope, receive, send, headers, limit)

    async def _login(self, scope, receive, send, headers):
        body = await _read_body(receive, self.policy.max_body)
        if body is None:
            return await _plain(send, 413, "Request body too large.")
        keys = _login_keys(scope, body)
        wait = self.policy.throttle.wait(*keys)
        if wait > 0:
            retry = str(math.ceil(wait))
            return await _plain(
                send, 429, f"Too many failed sign-ins: try again in {retry} s.", [(b"retry-after", retry.encode())]
            )
        status: list[int] = []

        async def watch(message):
            if message["type"] == "http.response.start":
                status.append(message["status"])
            await send(message)

        await self.app(scope, _replay(body), watch)
        if status and status[0] == 200:
            self.policy.throttle.succeeded(*keys)
        else:
            self.policy.throttle.failed(*keys)

    async def _queue_join(self, scope, receive, send, headers):
        body = await _read_body(receive, self.policy.max_body)
        if body is None:
            return await _plain(send, 413, "Request body too large.")
        try:
            fn_index = json.loads(body).get("fn_index")
        except (ValueError, AttributeError):
            fn_index = None
        if fn_index in self.policy.private_fns() and not _same_origin(headers):
            return await _plain(send, 403, "This handler belongs to the web page; use the /ask API instead.")
        return await self.app(scope, _replay(body), send)


def _login_path(scope) -> str:
    return (scope.get("root_path", "") or "").rstrip("/") + "/login"


def _login_keys(scope, body: bytes) -> tuple[str, ...]:
    from urllib.parse import parse_qs

    client = scope.get("client") or ("?", 0)
    try:
        user = parse_qs(body.decode("utf-8", "replace")).get("username", [""])[0].strip()
    except ValueError:
        user = ""
    return (f"addr:{client[0]}",) + ((f"user:{user}",) if user else ())


def _same_origin(headers: dict[str, str]) -> bool:
    """A browser page's own request: its Origin names the host it was sent to."""
    from urllib.parse import urlsplit

    origin = headers.get("origin", "")
    if not origin or origin == "null":
        return False
    try:
        netloc = urlsplit(origin).netloc.lower()
    except ValueError:
        return False
    return netloc == headers.get("host", "").lower()


def _cookies(header: str) -> dict[str, str]:
    jar = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep:
            jar[name] = value
    return jar


async def _read_body(receive, limit: int) -> bytes | None:
    """The whole request body, or None once it passes `limit` bytes (the rest is never read)."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes):
    sent = False

    async def receive():
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _limited(app, scope, receive, send, headers, limit: int):
    """Pass the request on, answering 413 as soon as its body is known to pass `limit` bytes."""
    declared = headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return await _plain(send, 413, f"Request body too large (limit {limit:,} bytes).")
    state = {"size": 0, "over": False, "started": False}

    async def counted():
        message = await receive()
        if message["type"] == "http.request":
            state["size"] += len(message.get("body", b""))
            if state["size"] > limit:
                state["over"] = True
                if not state["started"]:
                    await _plain(send, 413, f"Request body too large (limit {limit:,} bytes).")
                    state["started"] = True
                return {"type": "http.disconnect"}
        return message

    async def guarded_send(message):
        if state["over"]:
            return  # our 413 went out instead
        if message["type"] == "http.response.start":
            state["started"] = True
        await send(message)

    try:
        await app(scope, counted, guarded_send)
    except Exception:
        if not state["over"]:
            raise


async def _plain(send, status: int, text: str, extra: list[tuple[bytes, bytes]] | None = None):
    body = (text + "\n").encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"text/plain; charset=utf-8"),
                (b"content-length", str(len(body)).encode()),
                *(extra or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
